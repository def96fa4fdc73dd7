"""Your own arrays: `Dataset.from_arrays` and the "arrays" dataset (an .npz file) validate each bad input in
one line, and train through `train_and_evaluate(dataset=...)` and `jaxdl train`."""

import json
import os

import numpy as np
import pytest

from jaxdl.cli import main
from jaxdl.data import Dataset, is_prepared, list_datasets, load_dataset
from jaxdl.errors import UserError
from jaxdl.train.run import train_and_evaluate

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = os.path.join(ROOT, "tests", "configs", "tiny_mlp.py")


def arrays(n=60, m=20, shape=(5, 5), dtype=np.float64, classes=3):
    rng = np.random.default_rng(0)
    x = rng.random((n + m, *shape)).astype(dtype) if dtype != np.uint8 else rng.integers(0, 256, (n + m, *shape),
                                                                                        dtype=np.uint8)
    y = np.arange(n + m) % classes
    return dict(x_train=x[:n], y_train=y[:n], x_test=x[n:], y_test=y[n:])


def test_from_arrays_keeps_images_as_uint8_and_stores_float32_and_int32_labels():
    ds = Dataset.from_arrays(**arrays(shape=(4, 4, 1), dtype=np.uint8))
    assert ds.train["inputs"].dtype == np.uint8 and ds.input_shape == (4, 4, 1) and ds.num_classes == 3
    ds = Dataset.from_arrays(**arrays(), num_classes=5)
    assert ds.train["inputs"].dtype == np.float32 and ds.test["label"].dtype == np.int32
    assert (ds.num_train, len(ds.test["label"]), ds.num_classes) == (60, 20, 5)


def with_(**changes):
    return {**arrays(), **changes}


BAD = [
    (with_(x_train=np.zeros(60)), "x_train must be [N, ...] with N >= 1 and at least one feature axis"),
    (with_(x_test=np.zeros((0, 5, 5))), "x_test must be [N, ...] with N >= 1"),
    (with_(x_train=np.zeros((60, 5, 5), np.int64)), "x_train must be uint8 (images) or floating, got dtype int64"),
    (with_(x_test=np.full((20, 5, 5), np.nan)), "x_test holds non-finite values"),
    (with_(x_test=np.zeros((20, 5, 4))), "x_train examples are (5, 5) but x_test examples are (5, 4)"),
    (with_(x_test=np.zeros((20, 5, 5), np.float32)), "x_train is float64 but x_test is float32"),
    (with_(y_train=np.zeros(60, np.float32)),
     "y_train must be integer class labels [N], got shape (60,) dtype float32"),
    (with_(y_test=np.zeros((20, 1), np.int64)), "y_test must be integer class labels [N], got shape (20, 1)"),
    (with_(y_train=np.zeros(59, np.int64)), "y_train has 59 labels for 60 inputs"),
    (with_(y_test=-np.ones(20, np.int64)), "labels must be in [0, 3), got values from -1 to 2"),
    (with_(y_train=np.zeros(60, np.int64), y_test=np.zeros(20, np.int64)),
     "num_classes must be an integer >= 2, got 1"),
]


@pytest.mark.parametrize("kwargs, message", BAD, ids=[m.split(" ")[0] + str(i) for i, (_, m) in enumerate(BAD)])
def test_each_bad_input_is_a_one_line_error(kwargs, message):
    with pytest.raises(UserError) as e:
        Dataset.from_arrays(**kwargs)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_labels_outside_a_given_class_count_are_refused():
    with pytest.raises(UserError, match=r"labels must be in \[0, 2\), got values from 0 to 2"):
        Dataset.from_arrays(**arrays(), num_classes=2)


def test_train_and_evaluate_takes_a_dataset_from_arrays(tiny, tmp_path):
    data = arrays(n=200, m=50, shape=(6,), dtype=np.float32)
    data["y_train"] = (data["x_train"][:, 0] > 0.5).astype(np.int64)  # learnable: the first feature's side
    data["y_test"] = (data["x_test"][:, 0] > 0.5).astype(np.int64)
    summary = train_and_evaluate(tiny(steps=20, eval_batch_size=50), str(tmp_path / "run"), quiet=True, plots=False,
                                 dataset=Dataset.from_arrays(**data))
    assert summary["status"] == "completed" and len(summary["final"]["test"]["accuracy"]) == 1


def test_jaxdl_train_reads_an_npz_and_records_its_absolute_path(tmp_path, monkeypatch):
    np.savez(tmp_path / "mine.npz", **arrays(n=100, m=30, shape=(8, 8, 1), dtype=np.uint8))
    monkeypatch.chdir(tmp_path)
    code = main(["train", "--config", CONFIG, "--workdir", str(tmp_path / "run"), "--quiet", "--config.steps=20",
                 "--config.dataset.name=arrays", "--config.dataset.path=mine.npz", "--config.eval_batch_size=30"])
    assert code == 0
    config = json.load(open(tmp_path / "run" / "config.json"))
    # name and path as given (the path made absolute), beside the trainer's pipeline keys at their defaults
    assert config["dataset"] == {"name": "arrays", "path": str(tmp_path / "mine.npz"), "pipeline": "auto",
                                 "device_budget_gb": 4.0, "workers": 2}


@pytest.mark.parametrize("make, message", [
    (lambda d: None, "dataset file not found: "),
    (lambda d: np.savez(d / "f.npz", **{k: v for k, v in arrays().items() if k != "y_test"}),
     "f.npz lacks y_test (has x_train, y_train, x_test); it needs x_train, y_train, x_test, y_test"),
    (lambda d: np.save(str(d / "f.npz.npy"), np.zeros(3)) or os.rename(d / "f.npz.npy", d / "f.npz"),
     "is a single .npy array"),
    (lambda d: (d / "f.npz").write_text("not numpy"), "cannot read "),
    (lambda d: np.savez(d / "f.npz", **with_(y_test=np.full(20, -1))), "labels must be in [0, 3), got values"),
])
def test_a_bad_npz_is_a_one_line_error_with_exit_2(tmp_path, capsys, make, message):
    make(tmp_path)
    code = main(["train", "--config", CONFIG, "--workdir", str(tmp_path / "run"), "--config.dataset.name=arrays",
                 f"--config.dataset.path={tmp_path / 'f.npz'}"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and message in err and "\n" not in err, err


def test_the_arrays_dataset_needs_its_path_and_takes_no_other_option():
    assert "arrays" in list_datasets() and is_prepared("arrays")  # nothing to prepare: jaxdl reads the file
    with pytest.raises(UserError, match="needs the file: --config.dataset.path=FILE.npz"):
        load_dataset("arrays")
    with pytest.raises(UserError, match="takes only the options path, got max_len"):
        load_dataset("arrays", max_len=3)


def test_jaxdl_datasets_shows_arrays_as_your_own_file_and_prepare_refuses_it(tmp_path, capsys):
    assert main(["datasets", "--data_dir", str(tmp_path)]) == 0
    rows = {line.split()[0]: line.split(None, 2)[1:] for line in capsys.readouterr().out.splitlines()[1:]}
    assert rows["arrays"] == ["own", "your file   --config.dataset.path=FILE.npz (x_train, y_train, x_test, y_test)"]
    assert main(["prepare", "arrays"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nothing to prepare" in err, err
