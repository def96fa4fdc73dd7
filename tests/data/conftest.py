"""Fixtures: small fake copies of standard TFDS datasets, prepared on disk without network or TensorFlow."""

import numpy as np
import pytest
from fake_tfds import prepare_fake


def _prepare_fake_standard(name: str, data_dir, num_train: int = 12, num_test: int = 5, seed: int = 0) -> dict:
    """fake_tfds.prepare_fake for a fixed-shape dataset, its images stacked: returns the written arrays
    {"train": {"image": [N, H, W, C] uint8, "label": [N]}, "test": ...}."""
    arrays = prepare_fake(name, data_dir, num_train=num_train, num_test=num_test, seed=seed)
    return {split: {"image": np.stack(a["image"]), "label": a["label"]} for split, a in arrays.items()}


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
