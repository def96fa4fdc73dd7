"""Standard TFDS names through load_dataset: mock_data, a real on-disk copy, and the errors users see."""

import json
import pathlib

import numpy as np
import pytest
import tensorflow_datasets as tfds

from jaxdl.data import default_data_dir, is_prepared, list_datasets, load_dataset, prepare
from jaxdl.errors import UserError


def test_mock_data_goes_through_load_dataset(fake_mnist, fixed_mock_getitems, tmp_path):
    metadata_dir, _ = fake_mnist  # real dataset_info.json / features.json for mnist 3.0.1
    with tfds.testing.mock_data(
        num_examples=7, policy=tfds.testing.MockPolicy.USE_FILES, data_dir=metadata_dir
    ):
        ds = load_dataset("mnist", data_dir=str(tmp_path))
    assert (ds.name, ds.num_classes, ds.input_shape) == ("mnist", 10, (28, 28, 1))
    for split in (ds.train, ds.test):
        assert split["inputs"].shape == (7, 28, 28, 1) and split["inputs"].dtype == np.uint8
        assert split["label"].shape == (7,) and split["label"].dtype == np.int32
        assert ((0 <= split["label"]) & (split["label"] < 10)).all()


def test_prepared_copy_is_read_exactly(fake_mnist):
    data_dir, arrays = fake_mnist
    ds = load_dataset("mnist", data_dir=data_dir)
    for split, name in ((ds.train, "train"), (ds.test, "test")):
        assert split["inputs"].dtype == np.uint8
        np.testing.assert_array_equal(split["inputs"], arrays[name]["image"])
        np.testing.assert_array_equal(split["label"], arrays[name]["label"])


def test_cifar10_copy_maps_image_to_inputs(prepare_fake_standard, tmp_path):
    arrays = prepare_fake_standard("cifar10", tmp_path, num_train=6, num_test=3)
    ds = load_dataset("cifar10", data_dir=str(tmp_path))
    assert (ds.num_classes, ds.input_shape, sorted(ds.train)) == (10, (32, 32, 3), ["inputs", "label"])
    np.testing.assert_array_equal(ds.train["inputs"], arrays["train"]["image"])
    np.testing.assert_array_equal(ds.test["label"], arrays["test"]["label"])


def test_missing_offline_is_one_line_user_error_without_download(tmp_path, monkeypatch):
    def no_download(*args, **kwargs):
        pytest.fail("tried to download")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", no_download)
    for name in ("mnist", "fashion_mnist", "cifar10"):
        assert not is_prepared(name, data_dir=str(tmp_path))
        with pytest.raises(UserError) as error:
            load_dataset(name, data_dir=str(tmp_path))
        message = str(error.value)
        assert f"'{name}'" in message and "--config.data_dir" in message and str(tmp_path) in message
        assert f"`jaxdl prepare {name} --data_dir {tmp_path}`" in message
        assert "\n" not in message


def test_unknown_name_lists_known_datasets():
    with pytest.raises(UserError) as error:
        load_dataset("mnist2d")
    message = str(error.value)
    assert "'mnist2d'" in message and "\n" not in message
    assert all(name in message for name in list_datasets())


def test_list_datasets():
    names = list_datasets()
    assert {"digits", "mnist1d", "digit_scenes", "addition"} <= set(names[:4])  # embedded first
    assert {"mnist", "fashion_mnist", "cifar10"} <= set(names) and len(set(names)) == len(names)


def test_tfrecord_copy_is_a_user_error(prepare_fake_standard, tmp_path):
    prepare_fake_standard("mnist", tmp_path, num_train=2, num_test=2)
    info_path = next(pathlib.Path(tmp_path).glob("mnist/*/dataset_info.json"))
    info = json.loads(info_path.read_text())
    info["fileFormat"] = "tfrecord"
    info_path.write_text(json.dumps(info))
    with pytest.raises(UserError, match="tfrecord.*array_record.*--config.data_dir"):
        load_dataset("mnist", data_dir=str(tmp_path))


def test_missing_package_while_preparing_is_a_user_error(tmp_path, monkeypatch):
    def needs_tensorflow(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'tensorflow'", name="tensorflow")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", needs_tensorflow)
    monkeypatch.setattr(prepare, "has_tensorflow", lambda: True)
    with pytest.raises(UserError, match="'mnist'.*'tensorflow'.*pip install -e '.\\[prepare\\]'"):
        prepare.prepare_dataset("mnist", data_dir=str(tmp_path))


def test_default_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("JAXDL_DATA_DIR", str(tmp_path))
    assert default_data_dir() == str(tmp_path)
    assert load_dataset("digits").train["label"].shape == (1437,)
    assert is_prepared("digits")
    monkeypatch.delenv("JAXDL_DATA_DIR")
    assert default_data_dir() == str(pathlib.Path.home() / "tensorflow_datasets")
