"""Tiny array_record copies of standard TFDS image datasets, made offline without TensorFlow (importable by any
test: pytest puts tests/ on sys.path). Images are random and all different, encoded by PIL (PNG, or JPEG for
imagenet2012 as TFDS stores it)."""

import numpy as np
import PIL.Image
import tensorflow_datasets as tfds


def prepare_fake(name: str, data_dir, num_train: int, num_test: int, sizes=((24, 32), (40, 28)), seed: int = 0):
    """Writes a fake `name` (mnist, cifar10, ..., imagenet2012: its features and version) to data_dir.

    Fixed-shape datasets get random images of their shape; imagenet2012 ("train" and "validation") gets photos
    of the (h, w) `sizes` in turn, JPEG-encoded. Returns {split: {"image": [images], "label": int [N]}} (as
    written: a JPEG reads back close to, not exactly, the array)."""
    real = tfds.builder(name, data_dir=str(data_dir))
    features, dataset_name = real.info.features, name
    splits = ("train", "validation") if name == "imagenet2012" else ("train", "test")
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, n in zip(splits, (num_train, num_test), strict=True):
        shape = features["image"].shape
        images = [rng.integers(0, 256, size=(*sizes[i % len(sizes)], 3) if None in shape else shape, dtype=np.uint8)
                  for i in range(n)]
        arrays[split] = {"image": images, "label": rng.integers(0, features["label"].num_classes, size=n)}

    class Fake(tfds.core.GeneratorBasedBuilder, skip_registration=True):
        name = dataset_name
        VERSION = real.version
        code_path = None

        def _info(self):
            return tfds.core.DatasetInfo(builder=self, features=features, disable_shuffling=True)

        def _split_generators(self, dl_manager):
            return {split: self._generate_examples(split) for split in arrays}

        def _generate_examples(self, split):
            for i, (image, label) in enumerate(zip(arrays[split]["image"], arrays[split]["label"], strict=True)):
                example = {"image": PIL.Image.fromarray(image.squeeze(-1) if image.shape[-1] == 1 else image),
                           "label": int(label)}
                for key, feature in features.items():  # other features, e.g. imagenet2012's "file_name"
                    if isinstance(feature, tfds.features.Text):
                        example[key] = f"{split}_{i}"
                    elif key != "label" and isinstance(feature, tfds.features.ClassLabel):
                        example[key] = 0
                yield i, example

    Fake(data_dir=str(data_dir), file_format="array_record").download_and_prepare()
    return arrays
