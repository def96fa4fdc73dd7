"""Augmentation in the compiled step (jaxdl/data/augment.py): the ops on small arrays, keys per replica and
step, evaluation untouched, resume bit for bit with augment on, and every bad config a one-line error."""

import os
import shutil

import jax
import numpy as np
import pytest

from jaxdl.cli import main
from jaxdl.data import Dataset
from jaxdl.data.augment import augment_key, cutout, flip, make_augment, parse_augment, shift
from jaxdl.errors import UserError
from jaxdl.train.checkpoint import Checkpoints
from jaxdl.train.loop import init_states, make_programs, pad_for_eval
from jaxdl.train.run import train_and_evaluate
from jaxdl.train.setup import build_experiment

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def images(n=2, h=4, w=5, c=1):
    return (np.arange(n * h * w * c, dtype=np.uint8) + 1).reshape(n, h, w, c)


def small_dataset(shape=(6, 6, 1), n=40, **extra):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (n, *shape), dtype=np.uint8)
    y = np.arange(n) % 3
    ds = Dataset.from_arrays(x, y, x[:10], y[:10])
    if extra:
        ds = Dataset(ds.name, {**ds.train, **extra}, ds.test, ds.num_classes, ds.input_shape)
    return ds


def test_flip_mirrors_only_the_chosen_examples():
    x = images()
    out = np.asarray(flip(x, np.array([True, False])))
    np.testing.assert_array_equal(out[0], x[0, :, ::-1])
    np.testing.assert_array_equal(out[1], x[1])


def test_shift_is_a_crop_of_the_zero_padded_image():
    x = images(n=3)
    out = np.asarray(shift(x, np.array([[1, 1], [0, 2], [2, 0]]), pad=1))  # no shift; up 1, left 1; ...
    np.testing.assert_array_equal(out[0], x[0])
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    np.testing.assert_array_equal(out[1], padded[1, 0:4, 2:7])
    np.testing.assert_array_equal(out[2], padded[2, 2:6, 0:5])
    assert out[1, 0].sum() == 0 and out[2, :, 0].sum() == 0  # zeros shifted in


def test_cutout_zeros_a_square_clipped_at_the_border():
    x = images(n=2, h=6, w=6)
    out = np.asarray(cutout(x, np.array([[3, 3], [0, 5]]), size=2))
    expect = x.copy()
    expect[0, 2:4, 2:4] = 0
    expect[1, 0:1, 4:6] = 0  # rows -1..0 and columns 4..5: the part inside the image
    np.testing.assert_array_equal(out, expect)


def test_augment_keeps_shapes_and_dtype_and_draws_from_data_key_and_step():
    aug = jax.jit(make_augment({"shift": 2, "flip": True, "cutout": 2}))
    x = np.random.default_rng(0).integers(1, 256, (16, 8, 8, 3), dtype=np.uint8)
    batch = {"inputs": x, "label": np.arange(16, dtype=np.int32)}
    key = jax.random.PRNGKey(3)
    a = aug(batch, augment_key(key, 7))
    assert a["inputs"].shape == x.shape and a["inputs"].dtype == np.uint8
    np.testing.assert_array_equal(a["label"], batch["label"])
    np.testing.assert_array_equal(a["inputs"], aug(batch, augment_key(key, 7))["inputs"])  # same key, step
    assert not np.array_equal(a["inputs"], aug(batch, augment_key(key, 8))["inputs"])  # next step
    assert not np.array_equal(a["inputs"], aug(batch, augment_key(jax.random.PRNGKey(4), 7))["inputs"])
    assert make_augment({}) is None


@pytest.mark.parametrize("spec, message", [
    ({"rotate": 10}, "unknown augment op 'rotate'; choose from: crop, translate, flip, cutout"),
    ({"crop": -1}, "augment crop must be an integer of pixels in [0, 6)"),
    ({"crop": 6}, "augment crop must be an integer of pixels in [0, 6)"),
    ({"translate": 1.5}, "augment translate must be an integer"),
    ({"cutout": 0}, "augment cutout must be an integer of pixels in [1, 6)"),
    ({"crop": True}, "augment crop must be an integer"),
    ({"flip": 1}, "augment flip must be True or False, got 1"),
    ({"crop": 2, "translate": 2}, "crop and translate are the same op"),
    ("crop", "augment takes a dict of ops, e.g. {'crop': 4, 'flip': True}; got 'crop'"),
])
def test_bad_augment_values_are_one_line_errors(spec, message):
    with pytest.raises(UserError) as e:
        parse_augment(spec, small_dataset())
    assert message in str(e.value) and "\n" not in str(e.value)


def test_augment_is_refused_for_inputs_that_are_not_images_and_for_dense_targets():
    with pytest.raises(UserError, match=r"augment needs image inputs \[H, W, C\]; dataset 'arrays' has inputs \(40,\)"):
        parse_augment({"flip": True}, Dataset.from_arrays(np.zeros((4, 40), np.float32), [0, 1, 0, 1],
                                                          np.zeros((2, 40), np.float32), [0, 1]))
    with pytest.raises(UserError, match="also has per-example targets segmentation"):
        parse_augment({"flip": True}, small_dataset(segmentation=np.zeros((40, 6, 6), np.int32)))
    assert parse_augment({"crop": 0, "flip": False}, small_dataset()) == {}  # all off: nothing to do


def test_a_bad_augment_on_the_command_line_exits_2_in_one_line(capsys, tmp_path):
    code = main(["train", "--config", os.path.join(ROOT, "experiments", "configs", "digits_mlp.py"), "--workdir",
                 str(tmp_path / "run"), "--config.dataset.augment={'crop': 2, 'zoom': 2}"])
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert code == 2 and errors == ["jaxdl: error: unknown augment op 'zoom'; choose from: crop, translate, flip, "
                                    "cutout"], errors
    assert not (tmp_path / "run").exists()


def digits_config(tiny, augment):
    c = tiny(dataset={"name": "digits", "augment": augment}, steps=40, batch_size=32, eval_batch_size=360,
             checkpoint_every=20, replicas=2)
    return c


def test_training_batches_are_augmented_and_evaluation_is_not(tiny):
    configs = [digits_config(tiny, a) for a in ({}, {"crop": 1, "flip": True})]
    for c in configs:
        c.replicas = 1
    plain, augmented = (build_experiment(c) for c in configs)
    assert augmented.augment == {"shift": 1, "flip": True}
    programs = {name: make_programs(exp, 5) for name, exp in (("plain", plain), ("augmented", augmented))}
    states, keys = init_states(plain, programs["plain"])
    data = plain.dataset.train
    losses = {name: np.asarray(p.unguarded_chunk(states, data, np.int32(0), keys)[1]["loss"])
              for name, p in programs.items()}
    assert not np.array_equal(losses["plain"], losses["augmented"])
    test = pad_for_eval(plain.dataset.test, 360)
    sums = [programs[name].evaluate(states, test) for name in ("plain", "augmented")]
    for a, b in zip(jax.tree_util.tree_leaves(sums[0]), jax.tree_util.tree_leaves(sums[1]), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_resumed_run_with_augment_is_bitwise_the_uninterrupted_one(tiny, tmp_path, assert_same_run):
    config = digits_config(tiny, {"crop": 1, "flip": True, "cutout": 3})
    full, resumed = str(tmp_path / "full"), str(tmp_path / "resumed")
    train_and_evaluate(config, full, quiet=True, plots=False)
    shutil.copytree(full, resumed)  # then back to the checkpoint of step 20, as if killed before step 40's
    ckpts = Checkpoints(os.path.join(resumed, "checkpoints"))
    assert ckpts.steps() == [20, 40]
    ckpts.close()
    shutil.rmtree(os.path.join(resumed, "checkpoints", "40"))
    os.remove(os.path.join(resumed, "summary.json"))
    summary = train_and_evaluate(config, resumed, quiet=True, plots=False)
    assert summary["resumed_from"] == 20
    assert_same_run(resumed, full)
