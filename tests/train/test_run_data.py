"""A run remembers its data: the data dir and fingerprint it records are what `jaxdl eval` (restore_run) reads,
whatever $JAXDL_DATA_DIR says then; gone or changed data is the one-line error, never prepared anew."""

import json
import os
import shutil

from jaxdl.cli import main
from jaxdl.data.record import data_record


def _read(path):
    with open(path) as f:
        return json.load(f)


def test_a_run_records_its_data_dir_and_fingerprint(tiny_run, data_dir):
    """tiny_run trained with JAXDL_DATA_DIR=data_dir (tests/conftest.py) on embedded mnist1d."""
    assert _read(os.path.join(tiny_run, "config.json"))["data_dir"] == data_dir
    record = _read(os.path.join(tiny_run, "env.json"))["data"]
    assert record == data_record("mnist1d", data_dir)
    assert record["name"] == "mnist1d" and record["data_dir"] == data_dir and len(record["fingerprint"]) == 16


def test_eval_reads_the_recorded_data_dir_and_refuses_it_gone_or_changed(tiny_run, data_dir, tmp_path, monkeypatch,
                                                                         capsys):
    # the run and its data moved together to A (a copy of each: both are the session's): as if trained with
    # JAXDL_DATA_DIR=A
    data_a, home, workdir = tmp_path / "A", tmp_path / "home", tmp_path / "run"
    shutil.copytree(os.path.join(data_dir, "mnist1d"), data_a / "mnist1d")
    shutil.copytree(tiny_run, workdir)
    config, env = _read(workdir / "config.json"), _read(workdir / "env.json")
    config["data_dir"] = env["data"]["data_dir"] = str(data_a)
    (workdir / "config.json").write_text(json.dumps(config))
    (workdir / "env.json").write_text(json.dumps(env))

    monkeypatch.delenv("JAXDL_DATA_DIR")
    monkeypatch.setenv("HOME", str(home))  # the default data dir would be home/tensorflow_datasets
    assert main(["eval", "--workdir", str(workdir)]) == 0
    assert "accuracy" in capsys.readouterr().out and not home.exists()

    version_dir = data_a / "mnist1d" / env["data"]["version"]
    shard = next(p for p in version_dir.iterdir() if "train.array_record" in p.name)
    shard.write_bytes(shard.read_bytes() + b"\0")  # the same dataset_info.json, a data file of another size
    assert main(["eval", "--workdir", str(workdir)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"dataset 'mnist1d' in {data_a} changed since this run used it" in err, err

    shutil.rmtree(data_a)
    assert main(["eval", "--workdir", str(workdir)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"dataset 'mnist1d' is gone from {data_a}" in err, err
    assert not data_a.exists() and not home.exists()  # nothing prepared anew, there or in the default dir
