"""The command line: bad input is one line on stderr, exit code 2, and nothing written."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from jaxdl.cli import main
from jaxdl.report import format_table

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
    "model dict without a name": ["--config", CFG, "--config.model={}"],
    "unknown key in an optimizer dict": ["--config", CFG, "--config.optimizer={'name': 'sgd', 'lr': 0.1}"],
    "wrong type in an optimizer dict": ["--config", CFG, "--config.optimizer={'learning_rate': 'fast'}"],
    "task dict naming no task": ["--config", CFG, "--config.task={'name': 'nope'}"],
    "unknown dataset key": ["--config", CFG, "--config.dataset.max_len=5"],
    "holdout of the whole train split": ["--config", CFG, "--config.dataset.holdout=100000"],
    "holdout not an integer": ["--config", CFG, "--config.dataset.holdout=0.5"],
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


@pytest.mark.parametrize("override, message", [
    ("--config.dataset.augmnt={'flip': True}", "unknown config key: dataset.augmnt (did you mean 'augment'?)"),
    ("--config.dataset.max_len=5", "unknown config key: dataset.max_len; dataset 'mnist1d' takes name, augment"),
    ("--config.dataset={'name': 'mnist1d', 'augmnt': {}}", "unknown config key: dataset.augmnt (did you mean"),
])
def test_unknown_dataset_key_is_named_like_any_config_key(override, message, tmp_path, capsys):
    assert main(["train", "--config", CFG, "--workdir", str(tmp_path / "w"), override]) == 2
    err = "".join(ln for ln in capsys.readouterr().err.splitlines(True) if not ln.startswith("jaxdl: preparing"))
    assert err.startswith(f"jaxdl: error: {message}") and err.count("\n") == 1, err


def test_unknown_dataset_message_names_it(tmp_path, capsys):
    main(["train", "--config", CFG, "--workdir", str(tmp_path / "w"), "--config.dataset.name=cifar10"])
    err = capsys.readouterr().err
    assert "cifar10" in err and "--config.data_dir" in err


def test_console_script_prints_no_traceback(tmp_path):
    jaxdl = os.path.join(os.path.dirname(sys.executable), "jaxdl")
    out = subprocess.run([jaxdl, "train", "--config", CFG, "--workdir", str(tmp_path / "w"),
                          "--config.optimizer.name=nope"], capture_output=True, text=True)
    assert out.returncode == 2
    err = "".join(ln for ln in out.stderr.splitlines(True) if not ln.startswith("jaxdl: preparing"))  # first use
    assert "Traceback" not in err and err.count("\n") == 1, out.stderr


def test_train_prints_table(tmp_path, capsys):
    assert main(["train", "--config", CFG, "--workdir", str(tmp_path / "w"), "--quiet",
                 "--config.replicas=2", *SMALL]) == 0
    out, err = capsys.readouterr()
    assert "mean ± std" in out and "test accuracy" in out
    assert "jaxdl: step" not in err  # --quiet: only the final table
    summary = json.load(open(tmp_path / "w" / "summary.json"))
    # where the time went, in summary.json and as the last line: the sections add up to the total
    (segment,) = summary["timings"]["segments"]
    sections = [k for k in segment if k.endswith("_s") and k not in ("total_s", "wall_s")]
    assert sorted(sections) == sorted(f"{k}_s" for k in ("import", "data", "setup", "compile", "train", "eval",
                                                          "checkpoints", "files", "plots", "other"))
    assert sum(segment[k] for k in sections) == pytest.approx(segment["total_s"])
    assert min(segment[k] for k in sections if k != "other_s") >= 0 and segment["import_s"] > 0
    assert segment["programs"] and segment["steps"] == [0, summary["steps"]]
    assert out.splitlines()[-1].startswith(f"time: {segment['total_s']:.1f} s = import ")
    env = json.load(open(tmp_path / "w" / "env.json"))
    assert env["compilation_cache"] == os.environ["JAXDL_COMPILATION_CACHE"]  # the session's, not the user's
    one = format_table(dict(summary, replicas=summary["replicas"][:1]), "w")  # a 1-replica run: no std
    assert "test accuracy" in one and "±" not in one and len(one.splitlines()) == 4


# --- the rest of the bad-input catalogue: cases that need files set up first ---------------------------

TINY = os.path.join(os.path.dirname(__file__), "configs", "tiny_mlp.py")
MORE_BAD = {
    "zero batch size": ["--config", CFG, "--config.batch_size=0"],
    "zero learning rate": ["--config", CFG, "--config.optimizer.learning_rate=0.0"],
    "checkpoint_every not a multiple of log_every": ["--config", CFG, "--config.checkpoint_every=15"],
    "sweep values not a list": ["--config", CFG, "--config.sweep={'optimizer.learning_rate': 0.1}"],
    "sweep values repeat": ["--config", CFG, "--config.sweep={'optimizer.learning_rate': [0.1, 0.1]}"],
}


@pytest.mark.parametrize("case", sorted(MORE_BAD))
def test_more_bad_overrides(case, tmp_path, capsys):
    assert main(["train", f"--workdir={tmp_path / 'run'}", *SMALL, *MORE_BAD[case]]) == 2
    assert_one_error_line(capsys)
    assert not (tmp_path / "run").exists()


def assert_one_error_line(capsys):
    err = capsys.readouterr().err
    err = "".join(ln for ln in err.splitlines(True) if not ln.startswith("jaxdl: preparing"))  # first use
    assert err.startswith("jaxdl: error: ") and err.count("\n") == 1, err


def case_config_raises(tmp_path, run):
    cfg = tmp_path / "raises.py"
    cfg.write_text("def get_config():\n    raise RuntimeError('boom')\n")
    return ["train", "--config", str(cfg), "--workdir", str(tmp_path / "w")], tmp_path / "w"


def case_unwritable_workdir(tmp_path, run):
    (tmp_path / "file").write_text("not a directory")
    return ["train", "--config", TINY, "--workdir", str(tmp_path / "file" / "w")], tmp_path


def case_different_config(tmp_path, run):
    w = shutil.copytree(run, tmp_path / "w")
    return ["train", "--config", TINY, "--workdir", str(w), "--config.optimizer.learning_rate=0.5"], w


def case_incompatible_checkpoint(tmp_path, run):
    """The workdir's config.json says hidden_sizes (16,), its checkpoints hold a (32,) model."""
    from jaxdl.config import apply_overrides, load_config, to_json
    from jaxdl.train.setup import resolve_config

    w = shutil.copytree(run, tmp_path / "w")
    model = "{'name': 'mlp', 'hidden_sizes': (16,)}"
    config = load_config(TINY)
    apply_overrides(config, [("model", model)])
    (w / "config.json").write_text(to_json(resolve_config(config)))  # as a run of that config writes it
    return ["train", "--config", TINY, "--workdir", str(w), f"--config.model={model}"], w


def case_all_checkpoints_damaged(tmp_path, run):
    w = shutil.copytree(run, tmp_path / "w")
    for step in os.listdir(w / "checkpoints"):
        os.remove(w / "checkpoints" / step / "commit_success.txt")
    return ["train", "--config", TINY, "--workdir", str(w)], w


def case_eval_no_checkpoint(tmp_path, run):
    w = tmp_path / "w"
    w.mkdir()
    shutil.copy(os.path.join(run, "config.json"), w / "config.json")
    return ["eval", "--workdir", str(w)], w


def case_eval_not_a_run(tmp_path, run):
    (tmp_path / "w").mkdir()
    return ["eval", "--workdir", str(tmp_path / "w")], tmp_path / "w"


def case_eval_missing_step(tmp_path, run):
    w = shutil.copytree(run, tmp_path / "w")
    return ["eval", "--workdir", str(w), "--step", "7"], w


SETUP_BAD = {f.__name__[5:]: f for f in [case_config_raises, case_unwritable_workdir, case_different_config,
                                         case_incompatible_checkpoint, case_all_checkpoints_damaged,
                                         case_eval_no_checkpoint, case_eval_not_a_run, case_eval_missing_step]}


@pytest.mark.parametrize("case", sorted(SETUP_BAD))
def test_bad_workdirs_and_files_are_one_line_exit_2_nothing_lost(case, tmp_path, tiny_run, capsys, snapshot):
    argv, watched = SETUP_BAD[case](tmp_path, tiny_run)
    before = snapshot(watched)
    assert main([*argv, "--quiet"] if argv[0] == "train" else argv) == 2
    assert_one_error_line(capsys)
    assert snapshot(watched) == before


def test_overwrite_replaces_a_run_of_another_config(tmp_path, tiny_run):
    w = shutil.copytree(tiny_run, tmp_path / "w")
    assert main(["train", "--config", TINY, "--workdir", str(w), "--quiet", "--overwrite",
                 "--config.steps=20", "--config.checkpoint_every=20"]) == 0
    assert sorted(os.listdir(w / "checkpoints")) == ["20"]
    assert max(json.loads(line)["step"] for line in open(w / "metrics.jsonl")) == 20


def test_a_workdir_path_too_long_for_the_os_leaves_no_directories(tmp_path, capsys):
    long = tmp_path.joinpath(*["d" * 250] * 24)  # 6000+ characters: mkdir fails past PATH_MAX (4096)
    assert main(["train", "--config", CFG, "--workdir", str(long), *SMALL]) == 2
    assert_one_error_line(capsys)
    assert os.listdir(tmp_path) == []


def test_progress_reaches_a_log_file_one_line_per_chunk(tmp_path, capsys):
    """stderr is not a terminal here (captured), as when a cluster job writes it to a file: no bar, but a line
    per log_every chunk with the train loss of each sweep point, steps/s and the time left."""
    assert main(["train", "--config", TINY, "--workdir", str(tmp_path / "w"), "--config.steps=40",
                 "--config.replicas=1", "--config.sweep={'optimizer.learning_rate': [1e-3, 1e-2]}"]) == 0
    out, err = capsys.readouterr()
    lines = [ln for ln in err.splitlines() if ln.startswith("jaxdl: step")]
    assert [ln.split()[2] for ln in lines] == ["20/40", "40/40"] and "\r" not in err  # no tqdm bar
    logged = [m for m in map(json.loads, open(tmp_path / "w" / "metrics.jsonl")) if m["split"] == "train"]
    for line, row in zip(lines, logged, strict=True):
        words = line.split()
        assert words[3:7] == ["train", "loss", "by", "sweep"] and words[8:10] == [f"{x:.4f}" for x in row["loss"]]
        assert float(words[10]) > 0 and words[11] == "steps/s" and words[12] == "ETA"
    assert lines[-1].endswith("ETA 0:00:00")
    assert out.count("mean ± std") == 0 and "learning_rate=0.01" in out  # one seed per point: no std
