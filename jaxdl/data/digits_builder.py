"""sklearn's 8x8 handwritten digits as an embedded TFDS builder: shipped with scikit-learn, no network."""

import numpy as np
import tensorflow_datasets as tfds

NUM_TRAIN = 1437  # of 1797; the last 360 (20%) are the test split
NUM_CLASSES = 10


# Register with TFDS (so tfds.builder("digits") works) unless TFDS already has a dataset of that name;
# jaxdl always instantiates this class directly, so a same-named TFDS dataset never shadows it.
_NAME_TAKEN = "digits" in tfds.list_builders(with_community_datasets=False)


class Digits(tfds.core.GeneratorBasedBuilder, skip_registration=_NAME_TAKEN):
    """sklearn.datasets.load_digits: 1797 8x8 grey images of digits 0-9 (the UCI optdigits test set).

    Fixed split, no randomness: train = the first 1437 images in sklearn's order, test = the last 360.
    sklearn's order groups images by writer, so the split is close to writer-disjoint; each class has
    141-146 train and 33-37 test images. Features: "inputs" float32 [8, 8, 1] = pixel / 16 in [0, 1],
    "label" int in [0, 10).
    """

    name = "digits"
    VERSION = tfds.core.Version("1.0.0")
    code_path = None  # downloads nothing, so no checksums file; see jaxdl/data/load.py on TFDS#11212
    RELEASE_NOTES = {"1.0.0": "load_digits(), first 1437 train / last 360 test, inputs = pixel / 16."}

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=self.__doc__,
            features=tfds.features.FeaturesDict(
                {
                    "inputs": tfds.features.Tensor(shape=(8, 8, 1), dtype=np.float32),
                    "label": tfds.features.ClassLabel(num_classes=NUM_CLASSES),
                }
            ),
            supervised_keys=("inputs", "label"),
            disable_shuffling=True,  # records stay in sklearn's order
            homepage="https://archive.ics.uci.edu/dataset/80",
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # nothing to download
        from sklearn.datasets import load_digits  # lazy: sklearn is slow to import

        digits = load_digits()
        x = (digits.images / 16.0).astype(np.float32)[..., None]  # [1797, 8, 8, 1]
        y = digits.target
        return {
            "train": self._generate_examples(x[:NUM_TRAIN], y[:NUM_TRAIN]),
            "test": self._generate_examples(x[NUM_TRAIN:], y[NUM_TRAIN:]),
        }

    def _generate_examples(self, x, y):
        for i in range(len(y)):
            yield i, {"inputs": x[i], "label": int(y[i])}
