"""The command line: bad input is one line on stderr, exit code 2, and nothing written."""

import os
import subprocess
import sys

import pytest

from jaxdl.cli import main

CFG = "experiments/configs/mnist1d_cnn.py"
SMALL = ["--config.steps=20", "--config.log_every=10", "--config.eval_every=10"]

BAD = {
    "unknown key": ["--config", CFG, "--config.optimizer.lr=1e-3"],
    "wrong type": ["--config", CFG, "--config.steps=many"],
    "unknown model": ["--config", CFG, "--config.model.name=transformer9000"],
    "unknown activation": ["--config", CFG, "--config.model={'name': 'mlp', 'activation': 'swishy'}"],
    "unknown optimizer": ["--config", CFG, "--config.optimizer.name=adamax9"],
    "unknown dataset": ["--config", CFG, "--config.dataset.name=no_such_data"],
    "replicas < 1": ["--config", CFG, "--config.replicas=0"],
    "batch > train split": ["--config", CFG, "--config.batch_size=100000"],
    "missing config": ["--config", "experiments/configs/nope.py"],
    "negative lr": ["--config", CFG, "--config.optimizer.learning_rate=-1.0"],
    "zero steps": ["--config", CFG, "--config.steps=0"],
    "sweep of strings": ["--config", CFG, "--config.sweep={'optimizer.learning_rate': ['a']}"],
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_line_exit_2_nothing_written(case, tmp_path, capsys):
    workdir = tmp_path / "run"
    argv = ["train", f"--workdir={workdir}", *SMALL, *BAD[case]]  # the case overrides SMALL
    assert main(argv) == 2
    err = capsys.readouterr().err
    err = "".join(ln for ln in err.splitlines(True) if not ln.startswith("jaxdl: preparing"))  # first use
    assert err.startswith("jaxdl: error: ") and err.count("\n") == 1, err
    assert not workdir.exists()


def test_unknown_dataset_message_names_it(tmp_path, capsys):
    main(["train", "--config", CFG, "--workdir", str(tmp_path / "w"), "--config.dataset.name=cifar10"])
    err = capsys.readouterr().err
    assert "cifar10" in err and "--config.data_dir" in err


def test_console_script_prints_no_traceback(tmp_path):
    jaxdl = os.path.join(os.path.dirname(sys.executable), "jaxdl")
    out = subprocess.run([jaxdl, "train", "--config", CFG, "--workdir", str(tmp_path / "w"),
                          "--config.optimizer.name=nope"], capture_output=True, text=True)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and out.stderr.count("\n") == 1


def test_train_prints_table(tmp_path, capsys):
    assert main(["train", "--config", CFG, "--workdir", str(tmp_path / "w"), "--quiet",
                 "--config.replicas=2", *SMALL]) == 0
    out = capsys.readouterr().out
    assert "mean ± std" in out and "test accuracy" in out
