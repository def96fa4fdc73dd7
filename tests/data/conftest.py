"""Fixtures: small fake copies of standard TFDS datasets, prepared on disk without network or TensorFlow."""

import numpy as np
import PIL.Image
import pytest
import tensorflow_datasets as tfds


def _prepare_fake_standard(name: str, data_dir, num_train: int = 12, num_test: int = 5) -> dict:
    """Writes a tiny array_record copy of TFDS dataset `name` (same features and version) to data_dir.

    Images are random uint8, PNG-encoded with PIL (TFDS itself would need TensorFlow to encode numpy
    images). Returns the written arrays: {"train": {"image": [N, H, W, C] uint8, "label": [N]}, "test": ...}.
    """
    real = tfds.builder(name, data_dir=str(data_dir))
    features, dataset_name = real.info.features, name
    rng = np.random.default_rng(0)
    arrays = {}
    for split, n in (("train", num_train), ("test", num_test)):
        image_shape = features["image"].shape
        arrays[split] = {
            "image": rng.integers(0, 256, size=(n, *image_shape), dtype=np.uint8),
            "label": rng.integers(0, features["label"].num_classes, size=n),
        }

    class FakeStandard(tfds.core.GeneratorBasedBuilder, skip_registration=True):
        name = dataset_name
        VERSION = real.version
        code_path = None

        def _info(self):
            return tfds.core.DatasetInfo(builder=self, features=features, disable_shuffling=True)

        def _split_generators(self, dl_manager):
            return {split: self._generate_examples(split) for split in arrays}

        def _generate_examples(self, split):
            images, labels = arrays[split]["image"], arrays[split]["label"]
            for i, (image, label) in enumerate(zip(images, labels, strict=True)):
                example = {"image": PIL.Image.fromarray(image.squeeze(-1) if image.shape[-1] == 1 else image)}
                example["label"] = int(label)
                for key, feature in features.items():  # other features, e.g. cifar10's "id"
                    if isinstance(feature, tfds.features.Text):
                        example[key] = f"{split}_{i}"
                    elif key != "label" and isinstance(feature, tfds.features.ClassLabel):
                        example[key] = 0
                yield i, example

    FakeStandard(data_dir=str(data_dir), file_format="array_record").download_and_prepare()
    return arrays


@pytest.fixture
def fixed_mock_getitems(monkeypatch):
    """Works around a tfds.testing.mock_data bug in TFDS 4.9.10: its mocked data source sets
    `__getitems__` as a plain MagicMock attribute, so the call is not bound and fails with
    "_getitems() missing 1 required positional argument" (`__getitem__`, a real magic method, works)."""

    def getitems(record_keys, generator, serialized=False):
        assert not serialized
        return [generator[key] for key in record_keys]

    monkeypatch.setattr("tensorflow_datasets.testing.mocking._getitems", getitems)


@pytest.fixture(scope="module")
def fake_mnist(tmp_path_factory):
    """(data_dir, arrays) of a prepared fake `mnist`: 12 train and 5 test random 28x28x1 images."""
    data_dir = tmp_path_factory.mktemp("fake_mnist")
    return str(data_dir), _prepare_fake_standard("mnist", data_dir)


@pytest.fixture
def prepare_fake_standard():
    """The function prepare_fake_standard(name, data_dir, num_train=12, num_test=5) -> written arrays."""
    return _prepare_fake_standard
