"""The embedded digit_scenes builder: masks agree with boxes, limited overlap, deterministic."""

import os

import numpy as np
import pytest
from sklearn.datasets import load_digits

from jaxdl.data import digit_scenes_builder as scenes
from jaxdl.data import load_dataset


@pytest.fixture(scope="module")
def small():
    d = load_digits()
    return scenes.make_scenes(d.images[:200] / 16.0, d.target[:200], n=60, seed=3)


def test_masks_and_boxes_are_consistent(small):
    n = len(small["num_boxes"])
    assert small["inputs"].shape == (n, 48, 48, 1) and small["segmentation"].shape == (n, 48, 48)
    assert set(np.unique(small["num_boxes"])) == {1, 2, 3, 4}
    for i in range(n):
        k = small["num_boxes"][i]
        boxes, classes, mask = small["boxes"][i], small["box_classes"][i], small["segmentation"][i]
        assert (classes[:k] >= 0).all() and (classes[:k] < 10).all() and (classes[k:] == -1).all()
        assert (boxes[k:] == 0).all()
        assert ((boxes[:k, 2] > boxes[:k, 0]) & (boxes[:k, 3] > boxes[:k, 1])).all()
        assert boxes[:k].min() >= 0 and boxes[:k].max() <= 48
        yy, xx = np.mgrid[:48, :48]
        inside = [(yy >= b[0]) & (yy < b[2]) & (xx >= b[1]) & (xx < b[3]) for b in boxes[:k]]
        # every labelled pixel lies in a box of its class; every box holds pixels of its class
        covered = np.zeros_like(mask, bool)
        for box_in, c in zip(inside, classes[:k], strict=True):
            covered |= box_in & (mask == c + 1)
            assert (box_in & (mask == c + 1)).sum() > 0
        assert (covered == (mask > 0)).all()
        # labelled pixels are bright in the image (ink), background mostly dark (noise only)
        image = small["inputs"][i, ..., 0] / 255
        assert image[mask > 0].mean() > 0.5 and image[mask == 0].mean() < 0.2
        # limited overlap: no box covers more than MAX_OVERLAP of another
        for a in range(k):
            for b in range(a + 1, k):
                inter = (inside[a] & inside[b]).sum()
                assert inter <= scenes.MAX_OVERLAP * min(inside[a].sum(), inside[b].sum())


def test_deterministic_in_seed():
    d = load_digits()
    a = scenes.make_scenes(d.images[:50] / 16.0, d.target[:50], n=5, seed=7)
    b = scenes.make_scenes(d.images[:50] / 16.0, d.target[:50], n=5, seed=7)
    c = scenes.make_scenes(d.images[:50] / 16.0, d.target[:50], n=5, seed=8)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(a["inputs"], c["inputs"])


def test_load_dataset_reads_exactly_the_generated_scenes():
    ds = load_dataset("digit_scenes")  # the session's data dir
    assert (ds.name, ds.num_classes, ds.input_shape) == ("digit_scenes", 10, (48, 48, 1))
    assert ds.num_train == scenes.NUM_TRAIN and len(ds.test["inputs"]) == scenes.NUM_TEST
    assert "label" not in ds.train  # dense targets only; "mask" is the trainer's padding key, so unused
    expected = scenes.make_splits()
    for split in ("train", "test"):
        for key, value in expected[split].items():
            got = getattr(ds, split)[key]
            assert got.dtype == value.dtype, key
            np.testing.assert_array_equal(got, value)


def test_scene_examples_plot(small, tmp_path):
    from jaxdl import plots

    path = plots.scene_examples(small, str(tmp_path / "scenes.png"), n=3)
    assert os.path.getsize(path) > 0
