"""The decoded-array cache (jaxdl/data/decoded.py): decoded once, memory-mapped after, bitwise the same,
invalidated when the prepared files change; never written into the data dir."""

import os

import numpy as np
import pytest

from jaxdl.data import Dataset, decoded, load_dataset, record

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.abspath(os.path.join(ROOT, "..", "shared", "datasets", "tfds"))  # as jaxdl resolves a data dir


def entries(root):
    return sorted(n for n in os.listdir(root) if not n.startswith(".")) if os.path.isdir(root) else []


def assert_same(a, b):
    assert (a.num_classes, a.input_shape) == (b.num_classes, b.input_shape)
    for x, y in ((a.train, b.train), (a.test, b.test)):
        assert sorted(x) == sorted(y)
        for k in x:
            assert x[k].dtype == y[k].dtype and x[k].shape == y[k].shape
            np.testing.assert_array_equal(x[k], y[k])


def test_decoded_once_then_memory_mapped_and_invalidated_by_a_changed_copy(prepare_fake_standard, tmp_path,
                                                                           monkeypatch):
    monkeypatch.setenv(decoded.ENV, str(tmp_path / "cache"))
    data_dir = tmp_path / "tfds"
    arrays = prepare_fake_standard("mnist", data_dir)
    first = load_dataset("mnist", data_dir=str(data_dir))
    assert not isinstance(first.train["inputs"], np.memmap)
    np.testing.assert_array_equal(first.train["inputs"], arrays["train"]["image"])
    (entry,) = entries(tmp_path / "cache")

    again = load_dataset("mnist", data_dir=str(data_dir))
    assert isinstance(again.train["inputs"], np.memmap) and not again.train["inputs"].flags.writeable
    assert_same(again, first)
    assert entries(tmp_path / "cache") == [entry]

    # the copy is prepared again (here: its test split replaced by another copy's): a new key, decoded again
    split = next(str(p) for p in (data_dir / "mnist").rglob("mnist-test.array_record*"))
    replaced = prepare_fake_standard("mnist", tmp_path / "other", seed=1)  # other random images, same layout
    other = next(str(p) for p in (tmp_path / "other" / "mnist").rglob("mnist-test.array_record*"))
    os.replace(other, split)
    changed = load_dataset("mnist", data_dir=str(data_dir))
    assert not isinstance(changed.test["inputs"], np.memmap)
    np.testing.assert_array_equal(changed.test["inputs"], replaced["test"]["image"])
    assert len(entries(tmp_path / "cache")) == 1 and entries(tmp_path / "cache") != [entry]  # the old one went


def test_the_data_record_is_kept_beside_the_entry_while_its_key_holds(prepare_fake_standard, tmp_path, monkeypatch):
    """A run records the prepared copy's version and fingerprint (env.json): the first time from the TFDS
    builder, later from the decoded-cache entry of the same files, the builder left closed."""
    monkeypatch.setenv(decoded.ENV, str(tmp_path / "cache"))
    data_dir = str(tmp_path / "tfds")
    prepare_fake_standard("mnist", data_dir, num_train=3, num_test=2)
    opened = []
    builder = record._builder
    monkeypatch.setattr(record, "_builder", lambda *a, **k: opened.append(a) or builder(*a, **k))
    load_dataset("mnist", data_dir=data_dir)
    first = record.data_record("mnist", data_dir, {})
    assert len(opened) == 1 and first["version"] == "3.0.1" and len(first["fingerprint"]) == 16
    assert record.data_record("mnist", data_dir, {}) == first and len(opened) == 1  # read beside the entry
    assert record.data_record("mnist", data_dir) == first and len(opened) == 2  # no options: the builder's
    # the copy prepared again (its test split replaced): a new key, so the builder is asked again
    split = next(str(p) for p in (tmp_path / "tfds" / "mnist").rglob("mnist-test.array_record*"))
    prepare_fake_standard("mnist", tmp_path / "other", num_train=3, num_test=2)
    os.replace(next(str(p) for p in (tmp_path / "other" / "mnist").rglob("mnist-test.array_record*")), split)
    load_dataset("mnist", data_dir=data_dir)
    assert record.data_record("mnist", data_dir, {}) == first and len(opened) == 3  # same sizes: same fingerprint


def test_off_and_an_unwritable_cache_only_decode(prepare_fake_standard, tmp_path, monkeypatch):
    data_dir = tmp_path / "tfds"
    prepare_fake_standard("mnist", data_dir, num_train=3, num_test=2)
    monkeypatch.setenv(decoded.ENV, "off")
    assert decoded.entry_path("mnist", str(data_dir), {}) is None
    assert load_dataset("mnist", data_dir=str(data_dir)).num_train == 3
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv(decoded.ENV, str(blocker / "cache"))  # cannot be created: warned, and the run goes on
    with pytest.warns(UserWarning, match="could not cache the decoded 'mnist'"):
        assert load_dataset("mnist", data_dir=str(data_dir)).num_train == 3


@pytest.mark.skipif(not os.path.isdir(os.path.join(SHARED, "mnist")),
                    reason="real MNIST (TFDS array_record) is not in ../shared/datasets/tfds")
def test_real_mnist_in_a_read_only_data_dir_is_keyed_and_read_from_the_cache(tmp_path, monkeypatch):
    """Decoding real MNIST takes ~8 s, too long for the suite: an entry is stored at the key of the read-only
    copy (as after a first run) and the next load returns it without touching TFDS or the data dir; the
    decoding itself is what the fake-MNIST test above checks (the same reader), and experiments/RESULTS.md's
    second MNIST runs report the same numbers as the first."""
    monkeypatch.setenv(decoded.ENV, str(tmp_path / "cache"))
    before = sorted(os.listdir(os.path.join(SHARED, "mnist")))
    path = decoded.entry_path("mnist", SHARED, {})
    assert path.startswith(str(tmp_path / "cache")) and path == decoded.entry_path("mnist", SHARED, {})
    assert decoded.entry_path("mnist", SHARED, {"x": 1}) != path  # reader options are part of the key
    rng = np.random.default_rng(0)
    split = lambda n: {"inputs": rng.integers(0, 256, (n, 28, 28, 1), np.uint8),  # noqa: E731
                       "label": rng.integers(0, 10, n).astype(np.int32)}
    stored = Dataset("mnist", split(6), split(4), 10, (28, 28, 1))
    decoded.store(path, stored, "mnist", SHARED)
    assert_same(load_dataset("mnist", data_dir=SHARED), stored)
    assert sorted(os.listdir(os.path.join(SHARED, "mnist"))) == before
