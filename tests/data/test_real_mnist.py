"""Real MNIST (TFDS mnist 3.0.1, prepared as array_record in ../shared/datasets/tfds next to the checkout):
a tiny CNN trained on a slice of it learns the digits. Skips where that data is absent (a fresh clone)."""

import os

import numpy as np
import pytest

from jaxdl.data import Dataset
from jaxdl.train.run import train_and_evaluate

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "datasets", "tfds")

pytestmark = pytest.mark.skipif(not os.path.isdir(os.path.join(SHARED, "mnist")),
                                reason=f"real MNIST is not prepared in {SHARED} (only on the project's machines)")


def mnist_slice(split: str) -> tuple[np.ndarray, np.ndarray]:
    """images uint8 [N, 28, 28, 1] and labels [N] of a TFDS split slice such as "train[:3000]"; decoding the
    whole of MNIST takes about a minute on 2 cores, a slice a second."""
    import tensorflow_datasets as tfds

    source = tfds.builder("mnist", data_dir=SHARED).as_data_source(split=split)
    examples = source.__getitems__(list(range(len(source))))
    return np.stack([e["image"] for e in examples]), np.array([e["label"] for e in examples])


@pytest.mark.outcome
def test_a_tiny_cnn_learns_a_slice_of_real_mnist(tiny, tmp_path, outcome):
    dataset = Dataset.from_arrays(*mnist_slice("train[:2000]"), *mnist_slice("test[:1000]"), num_classes=10)
    assert dataset.input_shape == (28, 28, 1) and dataset.train["inputs"].dtype == np.uint8
    config = tiny(model="cnn2d", steps=150, log_every=50, eval_every=150, eval_batch_size=500,
                  dataset={"name": "mnist", "augment": {"translate": 1}})
    config.model = dict(name="cnn2d", channels=(8, 16), strides=2, pool="none", hidden=(32,))
    config.optimizer.learning_rate = 3e-3
    summary = train_and_evaluate(config, str(tmp_path / "run"), quiet=True, plots=False, dataset=dataset)
    accuracy = summary["final"]["test"]["accuracy"][0]
    outcome.at_least("test accuracy on 1,000 real test digits", accuracy, 0.85)  # 0.924 measured; chance 0.1
