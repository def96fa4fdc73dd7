"""SIGINT / SIGTERM at any moment of `jaxdl train`: before the first step it exits promptly with 128 + signum
and one line, writing nothing partial; a second signal aborts at once. A KeyboardInterrupt raised inside
XLA's backend start or compilation used to be swallowed ("Exception ignored in: _xla_gc_callback": the run
went on) or to crash the process (exit 139)."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = os.path.join(ROOT, "tests", "configs", "tiny_mlp.py")
LONG = ["--config.steps=1000000", "--config.log_every=200", "--config.eval_every=1000000",
        "--config.checkpoint_every=1000000"]


def start(w, env):
    return subprocess.Popen([sys.executable, "-m", "jaxdl.cli", "train", "--config", CONFIG, "--workdir", str(w),
                             "--quiet", *LONG], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def assert_nothing_partial(w):
    """Every file of the workdir is whole: no temp files, JSON files parse, step directories are committed."""
    for root, dirs, files in os.walk(w):
        assert not [n for n in files + dirs if n.endswith(".tmp") or "orbax-checkpoint-tmp" in n], (root, files)
        for name in files:
            if name.endswith(".json") and "checkpoints" not in root:
                json.load(open(os.path.join(root, name)))
    ckpts = os.path.join(w, "checkpoints")
    for step in os.listdir(ckpts) if os.path.isdir(ckpts) else []:
        assert os.path.exists(os.path.join(ckpts, step, "commit_success.txt")), step


# seconds after the start: imports, JAX's backend start and the dataset, compilation (a cached compile
# makes the later moments fall into the first chunks on a fast machine: then a checkpoint is saved)
@pytest.mark.parametrize("signum,delay", [(signal.SIGINT, 0.6), (signal.SIGINT, 2.5), (signal.SIGTERM, 4.0)])
def test_a_signal_during_startup_exits_promptly_with_one_line(signum, delay, cli_env, tmp_path):
    w = tmp_path / "run"
    p = start(w, cli_env)
    time.sleep(delay)
    p.send_signal(signum)
    sent = time.monotonic()
    _, err = p.communicate(timeout=120)
    waited = time.monotonic() - sent
    lines = [ln for ln in err.splitlines() if not ln.startswith("jaxdl: preparing")]
    assert p.returncode == 128 + signum, err[-3000:]
    assert len(lines) == 1 and lines[0].startswith(f"jaxdl: stopped by {signal.Signals(signum).name}"), err[-3000:]
    assert waited < 30, waited  # at the next safe point: after loading, compiling, or the current chunk
    assert_nothing_partial(w)


def test_a_second_signal_aborts_at_once_without_a_traceback(cli_env, tmp_path):
    w = tmp_path / "run"
    p = start(w, cli_env)
    deadline = time.monotonic() + 120
    while not (w / "metrics.jsonl").exists() and time.monotonic() < deadline and p.poll() is None:
        time.sleep(0.05)  # training runs: chunks of 200 steps, each most of a second
    p.send_signal(signal.SIGINT)
    time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, err = p.communicate(timeout=60)
    assert time.monotonic() - sent < 5
    assert p.returncode == 128 + signal.SIGINT and "Traceback" not in err, err[-3000:]
    assert err.splitlines()[-1] == "jaxdl: aborted by a second SIGINT", err[-3000:]
