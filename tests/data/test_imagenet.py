"""imagenet2012: centre crop + resize, the reader over (train, validation) data sources, and its refusals."""

import types

import numpy as np
import pytest

from jaxdl.data import imagenet, load_dataset
from jaxdl.errors import UserError


class _Source:
    def __init__(self, examples):
        self.examples = examples

    def __len__(self):
        return len(self.examples)

    def __getitems__(self, indices):
        return [self.examples[i] for i in indices]


def _builder(splits):
    label = types.SimpleNamespace(num_classes=1000)
    return types.SimpleNamespace(as_data_source=lambda split: [_Source(splits[s]) for s in split],
                                 info=types.SimpleNamespace(features={"label": label}))


def test_centre_crop_keeps_the_middle_square():
    image = np.zeros((4, 8, 3), np.uint8)
    image[:, 2:6] = 200  # the central 4x4 square
    np.testing.assert_array_equal(imagenet.centre_crop_resize(image, 4), np.full((4, 4, 3), 200, np.uint8))
    grey = np.full((6, 3, 1), 7, np.uint8)
    np.testing.assert_array_equal(imagenet.centre_crop_resize(grey, 2), np.full((2, 2, 3), 7, np.uint8))


def test_reads_train_and_validation_resized():
    rng = np.random.default_rng(0)
    photo = lambda h, w: rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    splits = {"train": [{"image": photo(5, 9), "label": 3}, {"image": photo(12, 7), "label": 999}],
              "validation": [{"image": photo(4, 4), "label": 0}]}
    ds = imagenet.read_imagenet(_builder(splits), "imagenet2012", image_size=4)
    assert ds.train["inputs"].shape == (2, 4, 4, 3) and ds.test["inputs"].shape == (1, 4, 4, 3)
    assert ds.train["label"].dtype == np.int32 and ds.train["label"].tolist() == [3, 999]
    np.testing.assert_array_equal(ds.test["inputs"][0], splits["validation"][0]["image"])  # 4x4 already
    assert (ds.num_classes, ds.input_shape) == (1000, (4, 4, 3))


def test_more_than_memory_or_a_bad_size_is_one_line(monkeypatch):
    splits = {"train": [{"image": np.zeros((4, 4, 3), np.uint8), "label": 0}] * 3, "validation": []}
    monkeypatch.setattr(imagenet, "_memory_bytes", lambda: 100)
    with pytest.raises(UserError, match="more than this machine's .*smaller --config.dataset.image_size"):
        imagenet.read_imagenet(_builder(splits), "imagenet2012", image_size=4)  # 3 * 48 bytes > 100
    with pytest.raises(UserError, match="image_size must be an integer >= 1"):
        imagenet.read_imagenet(_builder(splits), "imagenet2012", image_size=0)


def test_not_prepared_gives_the_prepare_command(tmp_path):
    with pytest.raises(UserError, match=f"`jaxdl prepare imagenet2012 --data_dir {tmp_path}`"):
        load_dataset("imagenet2012", str(tmp_path))
