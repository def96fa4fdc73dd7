"""The embedded mnist1d builder reproduces mnist1d's make_dataset exactly, through TFDS files."""

import random

import numpy as np
import pytest
import tensorflow_datasets as tfds

from jaxdl.data import load_dataset, mnist1d_builder


@pytest.fixture(scope="module")
def reference():
    return mnist1d_builder.make_mnist1d()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("data"))


def test_prepared_splits_equal_make_dataset(data_dir, reference):
    ds = load_dataset("mnist1d", data_dir=data_dir)
    assert (ds.name, ds.num_classes, ds.input_shape) == ("mnist1d", 10, (40,))
    assert ds.train["inputs"].shape == (4000, 40) and ds.test["inputs"].shape == (1000, 40)
    assert ds.train["inputs"].dtype == np.float32 and ds.train["label"].dtype == np.int32
    np.testing.assert_array_equal(ds.train["inputs"], reference["x"].astype(np.float32))
    np.testing.assert_array_equal(ds.test["inputs"], reference["x_test"].astype(np.float32))
    np.testing.assert_array_equal(ds.train["label"], reference["y"])
    np.testing.assert_array_equal(ds.test["label"], reference["y_test"])


def test_second_load_reads_the_prepared_files(data_dir, reference, monkeypatch):
    load_dataset("mnist1d", data_dir=data_dir)  # prepares, if the test above did not run
    files = sorted(p.name for p in (tfds.core.Path(data_dir) / "mnist1d" / "1.0.0").iterdir())
    assert "mnist1d-train.array_record-00000-of-00001" in files
    monkeypatch.setattr(mnist1d_builder, "make_mnist1d", lambda: pytest.fail("regenerated"))
    ds = load_dataset("mnist1d", data_dir=data_dir)
    np.testing.assert_array_equal(ds.test["inputs"], reference["x_test"].astype(np.float32))


def test_plain_tfds_reads_it_as_a_tfds_dataset(data_dir, reference):
    load_dataset("mnist1d", data_dir=data_dir)
    source = tfds.data_source("mnist1d", data_dir=data_dir, download=False)
    assert len(source["train"]) == 4000 and len(source["test"]) == 1000
    example = source["test"][999]
    np.testing.assert_array_equal(example["inputs"], reference["x_test"][999].astype(np.float32))
    assert example["label"] == reference["y_test"][999]


def test_make_mnist1d_leaves_global_rngs_untouched():
    np.random.seed(123)
    random.seed(7)
    expected = (np.random.rand(), random.random())
    np.random.seed(123)
    random.seed(7)
    mnist1d_builder.make_mnist1d()
    assert (np.random.rand(), random.random()) == expected
