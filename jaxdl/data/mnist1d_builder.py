"""MNIST-1D as an embedded TFDS builder: generated locally, no network."""

import random

import numpy as np
import tensorflow_datasets as tfds

SEQ_LEN = 40
NUM_CLASSES = 10


def make_mnist1d() -> dict[str, np.ndarray]:
    """The paper's MNIST-1D from `mnist1d.data.make_dataset(get_dataset_args())` (never its download path).

    Returns {"x": [4000, 40] float64, "y": [4000] int64, "x_test": [1000, 40], "y_test": [1000]}.
    make_dataset seeds numpy's and Python's global RNGs; their previous states are restored afterwards.
    """
    from mnist1d.data import get_dataset_args, make_dataset  # lazy: the package imports matplotlib

    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        data = make_dataset(get_dataset_args())
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    return {k: data[k] for k in ("x", "y", "x_test", "y_test")}


# Register with TFDS (so tfds.builder("mnist1d") works) unless TFDS already has a dataset of that name;
# jaxdl always instantiates this class directly, so a same-named TFDS dataset never shadows it.
_NAME_TAKEN = "mnist1d" in tfds.list_builders(with_community_datasets=False)


class Mnist1d(tfds.core.GeneratorBasedBuilder, skip_registration=_NAME_TAKEN):
    """MNIST-1D (Greydanus & Steinbach): 1-D sequences of length 40, 10 classes.

    Splits keep make_dataset's order exactly: train = its first 4000 sequences ("x", "y"),
    test = the last 1000 ("x_test", "y_test"). Features: "inputs" float32 [40] (make_dataset's
    float64 values cast to float32), "label" int in [0, 10).
    """

    name = "mnist1d"
    VERSION = tfds.core.Version("1.0.0")
    code_path = None  # downloads nothing, so no checksums file; see jaxdl/data/load.py on TFDS#11212
    RELEASE_NOTES = {"1.0.0": "make_dataset(get_dataset_args()) of the mnist1d package (seed 42)."}

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=self.__doc__,
            features=tfds.features.FeaturesDict(
                {
                    "inputs": tfds.features.Tensor(shape=(SEQ_LEN,), dtype=np.float32),
                    "label": tfds.features.ClassLabel(num_classes=NUM_CLASSES),
                }
            ),
            supervised_keys=("inputs", "label"),
            disable_shuffling=True,  # records stay in key order = make_dataset's order
            homepage="https://github.com/greydanus/mnist1d",
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # nothing to download
        data = make_mnist1d()
        return {
            "train": self._generate_examples(data["x"], data["y"]),
            "test": self._generate_examples(data["x_test"], data["y_test"]),
        }

    def _generate_examples(self, x, y):
        for i in range(len(y)):
            yield i, {"inputs": x[i].astype(np.float32), "label": int(y[i])}
