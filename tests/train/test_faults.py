"""Faults that used to corrupt or lose data: two runs in one workdir (a lock), deletion without --overwrite
(a manifest), full or read-only disks (exit 4 / exit 2, nothing partial), flipped bytes in a checkpoint
(checksums), and the noise a diverged replica made on stderr."""

import errno
import json
import os
import shutil
import socket
import subprocess
import sys

import numpy as np
import orbax.checkpoint as ocp
import pytest

from jaxdl.cli import main
from jaxdl.config import load_config
from jaxdl.errors import UserError
from jaxdl.runs import load_run
from jaxdl.train import rundir, workdir
from jaxdl.train.run import train_and_evaluate

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = os.path.join(ROOT, "tests", "configs", "tiny_mlp.py")


def one_error_line(capsys, code_line="jaxdl: error: "):
    err = capsys.readouterr().err
    err = "".join(ln for ln in err.splitlines(True) if not ln.startswith("jaxdl: preparing"))
    assert err.startswith(code_line) and err.count("\n") == 1, err
    return err


def train(w, *extra):
    return main(["train", "--config", CONFIG, "--workdir", str(w), "--quiet", *extra])


# --- 1. one run per workdir ------------------------------------------------------------------------------

HOLD_LOCK = "import sys, time; from jaxdl.train.workdir import WorkdirLock; WorkdirLock(sys.argv[1]).acquire(); " \
            "print('locked', flush=True); time.sleep(600)"


def test_a_second_run_is_refused_while_the_lock_is_held_and_a_killed_holder_leaves_none(tmp_path, tiny_run,
                                                                                        cli_env, capsys, snapshot):
    w = shutil.copytree(tiny_run, tmp_path / "w")
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(w)], env=cli_env, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        before = snapshot(w)
        assert train(w) == 2
        err = one_error_line(capsys)
        assert f"in use by another jaxdl train (PID {holder.pid} on host {socket.gethostname()})" in err
        assert snapshot(w) == before
    finally:
        holder.kill()  # like kill -9 on a run: the kernel drops the lock, the file stays
        holder.wait()
    assert (w / ".lock").exists()
    assert train(w) == 0  # resumes (nothing left to train) and removes the lock file at the end
    assert not (w / ".lock").exists()


def test_load_run_refuses_doubled_or_out_of_order_metrics_and_skips_a_torn_last_line(tmp_path, tiny_run, capsys):
    w = shutil.copytree(tiny_run, tmp_path / "w")
    lines = open(w / "metrics.jsonl").readlines()
    (w / "metrics.jsonl").write_text("".join(lines) + lines[-1][:20])  # a run is writing its next line
    assert len(load_run(str(w)).metrics) == len(lines)
    third = json.loads(lines[2])
    for bad, what in [(lines[:3] + lines[2:], f"repeats step {third['step']} of split '{third['split']}'"),
                      (lines[:2] + lines[4:] + lines[2:4], f"goes back to step {third['step']} of split")]:
        (w / "metrics.jsonl").write_text("".join(bad))
        with pytest.raises(UserError, match=what):
            load_run(str(w))
        assert main(["plot", "--workdir", str(w)]) == 2
        assert what in one_error_line(capsys)


# --- 2. nothing deleted without --overwrite, and then only what jaxdl wrote -----------------------------

def test_jaxdl_files_without_a_valid_config_are_refused(tmp_path, tiny_run, capsys, snapshot):
    w = shutil.copytree(tiny_run, tmp_path / "w")  # a preempted run whose config.json was lost
    os.remove(w / "config.json")
    (w / "plots" / "thesis_fig.pdf").write_bytes(b"%PDF-1.4 mine")
    before = snapshot(w)
    assert train(w) == 2
    err = one_error_line(capsys)
    assert "holds jaxdl files (" in err and "checkpoints/" in err and "plots/" in err and "metrics.jsonl" in err
    assert snapshot(w) == before
    (w / "config.json").write_text("")  # an empty config.json is no config either
    assert train(w) == 2
    one_error_line(capsys)


def test_overwrite_removes_only_what_jaxdl_wrote(tmp_path, tiny_run):
    w = shutil.copytree(tiny_run, tmp_path / "w")
    assert "plots/learning_curves.png" in json.load(open(w / "manifest.json"))["paths"]
    (w / "plots" / "thesis_fig.pdf").write_bytes(b"%PDF-1.4 mine")
    (w / "notes.txt").write_text("mine")
    os.makedirs(w / "damaged_checkpoints" / "7")
    assert train(w, "--overwrite", "--config.steps=20", "--config.checkpoint_every=20") == 0
    assert (w / "plots" / "thesis_fig.pdf").read_bytes() == b"%PDF-1.4 mine" and (w / "notes.txt").exists()
    assert sorted(os.listdir(w / "checkpoints")) == ["20"] and not (w / "damaged_checkpoints").exists()


# --- 3. full and read-only disks ---------------------------------------------------------------------------

class FullDisk:
    """open() whose files are created but whose writes fail with ENOSPC, as on a full disk."""

    def __init__(self, real_open):
        self.real_open = real_open

    def __call__(self, path, mode="r", *args, **kwargs):
        f = self.real_open(path, mode, *args, **kwargs)
        if any(c in mode for c in "wax"):
            def write(*_):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)
            f.write = write
        return f


def test_a_full_disk_at_start_is_one_line_exit_4_and_leaves_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(rundir, "open", FullDisk(open), raising=False)
    w = tmp_path / "new" / "w"
    assert train(w) == 4
    err = one_error_line(capsys)
    assert f"cannot write {w / 'config.json'}: No space left on device" in err
    assert not (tmp_path / "new").exists()  # no empty config.json, no empty directories


def test_a_read_only_checkpoints_dir_is_refused_up_front(tmp_path, tiny_run, monkeypatch, capsys, snapshot):
    w = shutil.copytree(tiny_run, tmp_path / "w")
    real = workdir.tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):  # root ignores chmod: the kernel's answer on a read-only mount
        if os.path.basename(dir) == "checkpoints":
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(workdir.tempfile, "mkstemp", mkstemp)
    before = snapshot(w)
    assert train(w) == 2
    assert "checkpoints directory" in one_error_line(capsys) and snapshot(w) == before


def test_a_save_that_fails_for_lack_of_space_is_exit_4_and_the_run_resumes(tmp_path, tiny_run, monkeypatch,
                                                                           capsys, assert_same_run):
    w = tmp_path / "w"
    save = ocp.CheckpointManager.save

    def full(self, step, *args, **kwargs):
        if step == 80:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return save(self, step, *args, **kwargs)

    monkeypatch.setattr(ocp.CheckpointManager, "save", full)
    assert train(w) == 4
    err = one_error_line(capsys)
    assert f"cannot save checkpoint 80 in {w / 'checkpoints'}: No space left on device" in err
    assert "resume with: jaxdl train" in err
    assert sorted(os.listdir(w / "checkpoints")) == ["40"]
    monkeypatch.undo()
    assert train(w) == 0
    assert_same_run(str(w), tiny_run)


def test_a_save_that_the_kernel_refuses_is_one_line_exit_4(tmp_path, tiny_run, faulty_train, assert_same_run):
    """A real failed write inside orbax's save thread (tensorstore: "File too large"), not a patched one."""
    w = tmp_path / "w"
    out = faulty_train(w, "fsize_at", 60)
    lines = [ln for ln in out.stderr.splitlines() if not ln.startswith("jaxdl: preparing")]
    assert out.returncode == 4 and len(lines) == 1, out.stderr[-3000:]
    assert lines[0].startswith(f"jaxdl: error: cannot save checkpoint 80 in {w / 'checkpoints'}: File too large")
    assert sorted(os.listdir(w / "checkpoints")) == ["40"]  # the half-written save is gone, 40 is intact
    train_and_evaluate(load_config(CONFIG), str(w), quiet=True)
    assert_same_run(str(w), tiny_run)


# --- 6. checkpoint integrity ---------------------------------------------------------------------------------

def flip_bytes(step_dir):
    data = os.path.join(step_dir, "default", "ocdbt.process_0", "d")
    biggest = max((os.path.join(data, n) for n in os.listdir(data)), key=os.path.getsize)
    with open(biggest, "r+b") as f:
        raw = bytearray(f.read())
        for i in (len(raw) // 4, len(raw) // 2, 3 * len(raw) // 4):
            raw[i] ^= 0xFF
        f.seek(0)
        f.write(raw)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_flipped_bytes_in_a_checkpoint_are_caught_by_its_checksums(tmp_path, tiny_run, capsys, assert_same_run):
    w = str(tmp_path / "w")
    shutil.copytree(tiny_run, w)
    flip_bytes(os.path.join(w, "checkpoints", "120"))
    assert main(["eval", "--workdir", w]) == 0  # eval falls back too, and moves nothing
    assert json.load(open(os.path.join(w, "eval.json")))["step"] == 80
    train_and_evaluate(load_config(CONFIG), w, quiet=True)
    err = capsys.readouterr().err
    assert f"checkpoint {os.path.join(w, 'checkpoints', '120')} is damaged" in err and "bound method" not in err
    assert os.listdir(os.path.join(w, "damaged_checkpoints")) == ["120"]
    assert_same_run(w, tiny_run)


# --- 8. quiet stderr -----------------------------------------------------------------------------------------

def test_a_diverged_replica_makes_no_library_noise(tmp_path, tiny_run, capfd):
    log = rundir.MetricsLog(str(tmp_path))
    log.write(20, "train", {"loss": np.array([np.nan, 1.0])})
    log.close()
    w = shutil.copytree(tiny_run, tmp_path / "w")
    rows = [json.loads(line) for line in open(w / "metrics.jsonl")]
    with open(w / "metrics.jsonl", "w") as f:  # every replica diverged from step 80 on
        f.writelines(json.dumps({**r, **{k: [None] * len(v) for k, v in r.items() if isinstance(v, list)}}
                                if r["step"] >= 80 else r) + "\n" for r in rows)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main(["plot", "--workdir", str(w)]) == 0
    err = capfd.readouterr().err
    assert "NaN or Inf" not in err and "Warning" not in err, err


def test_warnings_are_one_line_each():
    import warnings

    from jaxdl import cli

    old = cli.install_warning_format()
    try:
        line = warnings.formatwarning("two\n  lines", RuntimeWarning, "/x/y.py", 7)
    finally:
        warnings.formatwarning = old
    assert line == "jaxdl: warning: two lines (RuntimeWarning, y.py:7)\n"
