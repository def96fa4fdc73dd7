"""oxford_iiit_pet for segmentation: trimap mapping and resizing, a prepared fake copy read through
load_dataset, a few training steps under tfds.testing.mock_data, and the errors users see."""

import os

import numpy as np
import PIL.Image
import pytest
import tensorflow_datasets as tfds

from jaxdl.config import base_config
from jaxdl.data import load_dataset
from jaxdl.data.pets import resize_example
from jaxdl.errors import UserError
from jaxdl.runs import load_run
from jaxdl.train.run import train_and_evaluate

SIZES = {"train": [(20, 30), (33, 17), (24, 24), (40, 28), (18, 22), (26, 36)], "test": [(30, 20), (17, 25)]}


def _example(h: int, w: int, i: int) -> dict:
    """A smooth photo uint8 [h, w, 3] (JPEG keeps it nearly exact) and its trimap [h, w, 1]: background 2,
    a pet rectangle 1 with a one-pixel border 3."""
    yy, xx = np.mgrid[:h, :w]
    image = np.stack([yy * 255 // h, xx * 255 // w, np.full((h, w), 40 * i % 256)], -1).astype(np.uint8)
    trimap = np.full((h, w), 2, np.uint8)
    trimap[h // 4: 3 * h // 4, w // 4: 3 * w // 4] = 3
    trimap[h // 4 + 1: 3 * h // 4 - 1, w // 4 + 1: 3 * w // 4 - 1] = 1
    return {"image": image, "segmentation_mask": trimap[..., None], "label": i % 37, "species": i % 2,
            "file_name": f"pet_{i}.jpg", "head_bbox": tfds.features.BBox(0.1, 0.2, 0.5, 0.6)}


EXAMPLES = {split: [_example(h, w, i) for i, (h, w) in enumerate(sizes)] for split, sizes in SIZES.items()}


@pytest.fixture(scope="module")
def fake_pets(tmp_path_factory):
    """A data dir holding a prepared array_record oxford_iiit_pet (real features and version) of EXAMPLES."""
    data_dir = str(tmp_path_factory.mktemp("fake_pets"))
    real = tfds.builder("oxford_iiit_pet", data_dir=data_dir)
    features = real.info.features

    class FakePets(tfds.core.GeneratorBasedBuilder, skip_registration=True):
        name = "oxford_iiit_pet"
        VERSION = real.version
        code_path = None

        def _info(self):
            return tfds.core.DatasetInfo(builder=self, features=features, disable_shuffling=True)

        def _split_generators(self, dl_manager):
            return {split: self._generate_examples(split) for split in EXAMPLES}

        def _generate_examples(self, split):
            for i, ex in enumerate(EXAMPLES[split]):  # PIL images: TFDS encodes numpy only with TensorFlow
                yield i, {**ex, "image": PIL.Image.fromarray(ex["image"]),
                          "segmentation_mask": PIL.Image.fromarray(ex["segmentation_mask"][..., 0])}

    FakePets(data_dir=data_dir, file_format="array_record").download_and_prepare()
    return data_dir


class _Source:
    """A data source over a list of examples (what tfds.data_source returns: len, [i], batched reads)."""

    def __init__(self, examples):
        self.examples = examples

    def __len__(self):
        return len(self.examples)

    def __getitem__(self, i):
        return self.examples[i]

    def __getitems__(self, indices):
        return [self.examples[i] for i in indices]


def _mock_sources(self, split, **kwargs):  # replaces builder.as_data_source under mock_data
    return [_Source(EXAMPLES[s]) for s in split]


def test_trimap_becomes_background_pet_border_and_resizes_nearest():
    trimap = np.array([[2, 2, 1, 3]], np.uint8).repeat(2, 0)  # [2, 4]
    image = np.zeros((2, 4, 3), np.uint8)
    photo, classes = resize_example(image, trimap[..., None], 8)
    assert photo.shape == (8, 8, 3) and classes.shape == (8, 8) and classes.dtype == np.uint8
    np.testing.assert_array_equal(classes, np.repeat([[0, 0, 1, 2]], 2, 1).repeat(8, 0))  # each column x2
    assert set(np.unique(resize_example(image, trimap, 3)[1])) <= {0, 1, 2}  # shrinking: no new values


def test_prepared_copy_loads_resized(fake_pets):
    ds = load_dataset("oxford_iiit_pet", data_dir=fake_pets, image_size=16)
    assert (ds.num_classes, ds.input_shape, sorted(ds.train)) == (2, (16, 16, 3), ["inputs", "segmentation"])
    for split, name in ((ds.train, "train"), (ds.test, "test")):
        assert split["inputs"].shape == (len(SIZES[name]), 16, 16, 3) and split["inputs"].dtype == np.uint8
        for i, ex in enumerate(EXAMPLES[name]):
            photo, classes = resize_example(ex["image"], ex["segmentation_mask"], 16)
            np.testing.assert_array_equal(split["segmentation"][i], classes)  # PNG masks: lossless
            assert np.abs(split["inputs"][i].astype(int) - photo).mean() < 3  # JPEG photos: nearly
    assert set(np.unique(ds.train["segmentation"])) == {0, 1, 2}


def test_mock_data_trains_a_unet_end_to_end(fake_pets, tmp_path):
    c = base_config()
    with c.dataset.unlocked():
        c.dataset.update(dict(name="oxford_iiit_pet", image_size=12))
    c.task.update(name="segmentation", target="segmentation")
    c.model = dict(name="unet", depth=1, width=4, convs=1)
    c.data_dir = str(tmp_path / "empty")  # mock_data serves every read
    c.update(dict(batch_size=3, steps=4, log_every=2, eval_every=4, eval_batch_size=2))
    workdir = str(tmp_path / "run")
    with tfds.testing.mock_data(policy=tfds.testing.MockPolicy.USE_FILES, data_dir=fake_pets,
                                as_data_source_fn=_mock_sources):
        summary = train_and_evaluate(c, workdir, quiet=True, tensorboard=False)
    assert summary["status"] == "completed"
    final = summary["final"]["test"]
    assert 0.0 <= final["mean_iou"][0] <= 1.0 and 0.0 <= final["pixel_accuracy"][0] <= 1.0
    run = load_run(workdir)
    assert run.config["dataset"]["image_size"] == 12
    assert os.path.exists(os.path.join(workdir, "plots", "segmentation.png"))


def test_offline_without_pets_is_one_line_error(tmp_path):
    with pytest.raises(UserError) as error:
        load_dataset("oxford_iiit_pet", data_dir=str(tmp_path), image_size=64)
    message = str(error.value)
    assert "'oxford_iiit_pet'" in message and "--config.data_dir" in message and "\n" not in message


def test_bad_options_and_masks_are_user_errors(fake_pets):
    with pytest.raises(UserError, match="image_size"):
        load_dataset("oxford_iiit_pet", data_dir=fake_pets, image_size=0)
    with pytest.raises(UserError, match="only the options image_size"):
        load_dataset("oxford_iiit_pet", data_dir=fake_pets, max_len=3)
    bad = {**EXAMPLES["train"][0], "segmentation_mask": np.zeros((5, 5, 1), np.uint8)}
    with tfds.testing.mock_data(policy=tfds.testing.MockPolicy.USE_FILES, data_dir=fake_pets,
                                as_data_source_fn=lambda self, split, **kw: [_Source([bad])] * len(split)):
        with pytest.raises(UserError, match="trimap"):
            load_dataset("oxford_iiit_pet", data_dir=fake_pets, image_size=8)
