"""The grain pipeline (jaxdl/data/stream.py) on small array_record datasets made here: every training example
once per epoch, the per-process shards, the host augmentation, the iterator state, the pipeline choice."""

import os

import numpy as np
import pytest
from fake_tfds import prepare_fake

from jaxdl.data import host_augment, stream
from jaxdl.data.pipeline import check_pipeline, reader_options
from jaxdl.errors import UserError

REAL_TFDS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "datasets", "tfds")


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    """(spec, arrays) of a fake mnist with 64 train and 25 test random images."""
    data_dir = str(tmp_path_factory.mktemp("fake_mnist_stream"))
    arrays = prepare_fake("mnist", data_dir, num_train=64, num_test=25)
    arrays = {s: {"image": np.stack(a["image"]), "label": a["label"]} for s, a in arrays.items()}
    return stream.spec("mnist", data_dir, {}), arrays


def _ids(images, arrays):
    """Index in arrays["train"] of each image [n, 28, 28, 1] (the fake's images are all different)."""
    lookup = {x.tobytes(): i for i, x in enumerate(arrays["train"]["image"])}
    return [lookup[x.tobytes()] for x in images]


def _batches(spec, steps, workers=0, **kw):
    kw = dict(batch=8, shard=0, shards=1, key=(1, 2), shuffle=True, ops={}) | kw
    it = iter(stream.train_stream(spec, steps=steps, workers=workers, **kw))
    try:
        return [next(it) for _ in range(steps)]
    finally:
        stream.close(it)


def test_every_training_example_once_per_epoch_in_a_new_order(fake):
    spec, arrays = fake
    batches = _batches(spec, 16)  # 2 epochs of 8 batches of 8
    ids = np.array([_ids(b["inputs"], arrays) for b in batches]).reshape(2, 64)
    for epoch in ids:
        assert sorted(epoch) == list(range(64))
    assert (ids[0] != ids[1]).any() and (ids[0] != np.arange(64)).any()  # shuffled, anew each epoch
    labels = np.concatenate([b["label"] for b in batches])
    np.testing.assert_array_equal(labels, arrays["train"]["label"][ids.ravel()])
    assert batches[0]["inputs"].dtype == np.uint8 and batches[0]["label"].dtype == np.int32
    # another data key, another order; shuffle=False: the stored order every epoch, as on the device path
    assert _ids(_batches(spec, 1, key=(1, 3))[0]["inputs"], arrays) != list(ids[0, :8])
    stored = _batches(spec, 9, shuffle=False)
    assert [_ids(b["inputs"], arrays) for b in stored][8] == list(range(8))


def test_an_epoch_drops_its_last_examples_as_the_device_path_does(fake):
    spec, arrays = fake
    batches = _batches(spec, 6, batch=24)  # 64 // 24 = 2 steps per epoch, 16 examples left out of each
    ids = np.array([_ids(b["inputs"], arrays) for b in batches]).reshape(3, 48)
    for epoch in ids:
        assert len(set(epoch)) == 48


def test_two_processes_read_disjoint_halves_of_each_global_batch(fake):
    spec, _ = fake
    whole = _batches(spec, 10)
    halves = [_batches(spec, 10, shard=p, shards=2) for p in range(2)]
    for step in range(10):
        a, b = (h[step]["inputs"] for h in halves)
        assert a.shape == (4, 28, 28, 1)
        np.testing.assert_array_equal(np.concatenate([a, b]), whole[step]["inputs"])
        assert not {x.tobytes() for x in a} & {x.tobytes() for x in b}


# (1, 4): a worker process; (0, 6): threads decoding the whole stream ahead (the feed decodes a chunk ahead),
# whose state must still be that of the batches taken, not of those decoded
@pytest.mark.parametrize("workers, ahead", [(1, 4), (0, 6)])
def test_worker_processes_give_the_same_batches_and_resume_from_the_iterator_state(fake, workers, ahead):
    spec, _ = fake
    ops = {"shift": 2, "flip": True}
    ref = _batches(spec, 6, ops=ops)  # in this process
    it = iter(stream.train_stream(spec, batch=8, steps=6, shard=0, shards=1, key=(1, 2), shuffle=True, ops=ops,
                                  workers=workers, ahead=ahead))
    try:
        first = [next(it) for _ in range(3)]
        state = stream.decode_state(stream.encode_state(it.get_state()))  # as stored in the checkpoint
    finally:
        stream.close(it)
    it = iter(stream.train_stream(spec, batch=8, steps=6, shard=0, shards=1, key=(1, 2), shuffle=True, ops=ops,
                                  workers=workers, ahead=ahead))  # a fresh iterator (worker process), set to the state
    try:
        it.set_state(state)
        rest = [next(it) for _ in range(3)]
    finally:
        stream.close(it)
    for got, want in zip(first + rest, ref, strict=True):
        np.testing.assert_array_equal(got["inputs"], want["inputs"])
        np.testing.assert_array_equal(got["label"], want["label"])


def test_evaluation_reads_the_test_split_once_padded_and_masked(fake):
    spec, arrays = fake
    it = iter(stream.eval_stream(spec, batch=10, batches=3, shard=0, shards=1))
    passes = [[next(it) for _ in range(3)] for _ in range(2)]  # repeated: each evaluation takes one pass
    for batches in passes:
        inputs = np.concatenate([b["inputs"] for b in batches])
        mask = np.concatenate([b["mask"] for b in batches])
        np.testing.assert_array_equal(mask, [1] * 25 + [0] * 5)
        np.testing.assert_array_equal(inputs[:25], arrays["test"]["image"])
        assert not inputs[25:].any()


def test_host_augmentation_ops():
    rng = np.random.default_rng(0)
    x = rng.integers(1, 256, (6, 5, 1), dtype=np.uint8)
    same = host_augment.augment_image(x, np.random.default_rng(1), {})
    np.testing.assert_array_equal(same, x)
    flips = [host_augment.augment_image(x, np.random.default_rng(s), {"flip": True}) for s in range(20)]
    assert any((f == x[:, ::-1]).all() for f in flips) and any((f == x).all() for f in flips)
    shifted = host_augment.augment_image(x, np.random.default_rng(3), {"shift": 2})
    assert shifted.shape == x.shape and (shifted == 0).any()  # zeros shifted in somewhere (or not shifted)
    cut = host_augment.augment_image(x, np.random.default_rng(4), {"cutout": 3})
    assert 1 <= (cut == 0).sum() <= 9 and ((cut == x) | (cut == 0)).all()
    photo = rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)
    assert host_augment.centre_crop(photo, 16).shape == (16, 16, 3)
    assert host_augment.centre_crop(photo[..., :1], 8).shape == (8, 8, 3)
    crops = {host_augment.random_resized_crop(photo, np.random.default_rng(s), 16).tobytes() for s in range(5)}
    assert len(crops) == 5 and host_augment.random_resized_crop(photo, rng, 16).shape == (16, 16, 3)


def test_bad_settings_and_unreadable_datasets_are_one_line_errors(tmp_path):
    with pytest.raises(UserError, match="pipeline must be one of 'device', 'grain', 'auto', got 'gpu'"):
        check_pipeline({"pipeline": "gpu"})
    with pytest.raises(UserError, match="device_budget_gb must be a number of GB > 0"):
        check_pipeline({"device_budget_gb": 0})
    with pytest.raises(UserError, match="workers must be an integer >= 0"):
        check_pipeline({"workers": -1})
    assert check_pipeline({}) == ("auto", 4.0, 2)
    assert reader_options({"name": "x", "pipeline": "grain", "workers": 1, "image_size": 64}) == {"image_size": 64}
    with pytest.raises(UserError, match="not prepared in"):
        stream.spec("mnist", str(tmp_path), {})
    with pytest.raises(UserError, match="takes no options, got image_size"):
        stream.spec("mnist", str(tmp_path), {"image_size": 3})
    assert stream.decoded_bytes("mnist", str(tmp_path), {}) is None


@pytest.mark.skipif(not os.path.isdir(os.path.join(REAL_TFDS, "mnist")), reason="needs ../shared/datasets/tfds")
def test_real_mnist_streams_its_stored_examples():
    import tensorflow_datasets as tfds

    spec = stream.spec("mnist", os.path.abspath(REAL_TFDS), {})
    assert (spec.num_train, spec.num_test, spec.input_shape, spec.num_classes) == (60000, 10000, (28, 28, 1), 10)
    assert stream.decoded_bytes("mnist", os.path.abspath(REAL_TFDS), {}) == 70000 * (784 + 4)
    source = tfds.builder("mnist", data_dir=os.path.abspath(REAL_TFDS)).as_data_source(split="train")
    batches = _batches(spec, 2, batch=128)
    order = stream._Examples(spec, 0, 128, 0, 1, (1, 2), shuffle=True, train=True).order(0)
    assert sorted(order) == list(range(60000))
    for step, b in enumerate(batches):
        stored = source.__getitems__([int(i) for i in order[step * 128:(step + 1) * 128]])
        np.testing.assert_array_equal(b["inputs"], np.stack([e["image"] for e in stored]))
        np.testing.assert_array_equal(b["label"], [e["label"] for e in stored])


@pytest.mark.parametrize("mode", ["L", "LA", "RGB", "RGBA", "P", "I;16"])
@pytest.mark.parametrize("interlace", [False, True])
def test_decode_image_gives_pils_array_for_every_png_kind(mode, interlace):
    """8-bit grey, RGB and RGBA PNGs go to libspng, the rest to PIL: every kind decodes to PIL's own array."""
    import io

    import PIL.Image

    rng = np.random.default_rng(0)
    channels = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4, "P": 1, "I;16": 1}[mode]
    pixels = rng.integers(0, 256, (13, 17, channels), dtype=np.uint8)
    image = PIL.Image.fromarray(pixels.squeeze(-1) if channels == 1 else pixels)
    if mode == "P":
        image = image.convert("RGB").quantize(16)
    elif mode == "I;16":
        image = PIL.Image.fromarray(pixels[..., 0].astype(np.uint16) * 257)  # mode I;16
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=not interlace, interlace=interlace)
    encoded = buffer.getvalue()
    with PIL.Image.open(io.BytesIO(encoded)) as reference:
        want = np.asarray(reference, np.uint8)
    got = stream.decode_image(encoded)
    assert stream._plain_png(encoded) == (mode in ("L", "RGB", "RGBA"))
    assert got.dtype == np.uint8 and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_decode_image_gives_pils_array_for_jpeg():
    import io

    import PIL.Image

    pixels = np.random.default_rng(1).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    PIL.Image.fromarray(pixels).save(buffer, format="JPEG")
    assert not stream._plain_png(buffer.getvalue())
    np.testing.assert_array_equal(stream.decode_image(buffer.getvalue()), np.asarray(PIL.Image.open(buffer)))
