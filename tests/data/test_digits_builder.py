"""The embedded digits builder: sklearn's 8x8 digits with a fixed first-1437 / last-360 split."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from jaxdl.data import load_dataset


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    return load_dataset("digits", data_dir=str(tmp_path_factory.mktemp("data")))


def test_shapes_and_split_sizes(digits):
    assert (digits.name, digits.num_classes, digits.input_shape) == ("digits", 10, (8, 8, 1))
    assert digits.train["inputs"].shape == (1437, 8, 8, 1) and digits.test["inputs"].shape == (360, 8, 8, 1)
    assert digits.train["inputs"].dtype == np.float32 and digits.test["label"].dtype == np.int32
    for split in (digits.train, digits.test):
        assert 0.0 <= split["inputs"].min() and split["inputs"].max() == 1.0
        assert set(np.unique(split["label"])) == set(range(10))


def test_split_is_sklearns_order_scaled_by_16(digits):
    reference = load_digits()
    images = (reference.images / 16.0).astype(np.float32)[..., None]
    np.testing.assert_array_equal(digits.train["inputs"], images[:1437])
    np.testing.assert_array_equal(digits.test["inputs"], images[1437:])
    np.testing.assert_array_equal(
        np.concatenate([digits.train["label"], digits.test["label"]]), reference.target
    )


def test_preparing_twice_gives_identical_data(digits, tmp_path):
    again = load_dataset("digits", data_dir=str(tmp_path))
    for split in ("train", "test"):
        for key in ("inputs", "label"):
            np.testing.assert_array_equal(getattr(again, split)[key], getattr(digits, split)[key])
