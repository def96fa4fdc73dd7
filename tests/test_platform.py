"""XLA settings are applied at the edge: importing jaxdl leaves XLA_FLAGS alone, jaxdl.platform.configure()
and the CLI set them (the flag helpers themselves: tests/models/test_gru_layer.py)."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PROBE = """
import os
import jaxdl, jaxdl.cli, jaxdl.models, jaxdl.tasks, jaxdl.train.run
print(os.environ.get("XLA_FLAGS", "<unset>"))
import jaxdl.platform
print(jaxdl.platform.configure() == os.environ["XLA_FLAGS"])
print(os.environ["XLA_FLAGS"])
"""


def test_import_sets_nothing_and_configure_sets_the_flags():
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    out = subprocess.run([sys.executable, "-c", PROBE], env=dict(env, PYTHONPATH=ROOT), cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    after_import, returned, flags = out.stdout.splitlines()
    assert after_import == "<unset>" and returned == "True"
    assert "xla_cpu_small_while_loop_byte_threshold" in flags


def test_deterministic_adds_the_gpu_flag_unless_the_user_set_it():
    from jaxdl import platform

    assert platform.gpu_deterministic(platform.with_gpu_determinism("--xla_foo=1"))
    assert not platform.gpu_deterministic("--xla_foo=1")
    mine = "--xla_gpu_deterministic_ops=false"  # the user's own value wins
    assert platform.with_gpu_determinism(mine) == mine and not platform.gpu_deterministic(mine)


def test_deterministic_is_recorded_and_changes_nothing_on_cpu(tmp_path, cli_env, tiny_run):
    """config.deterministic (default True) puts XLA:GPU's flag in the run's XLA_FLAGS and env.json says so
    (tiny_run); on CPU a run with deterministic=False and no flag writes the same bytes."""
    import json

    recorded = json.load(open(os.path.join(tiny_run, "env.json")))
    assert recorded["gpu_deterministic_ops"] is True and "--xla_gpu_deterministic_ops=true" in recorded["xla_flags"]
    assert json.load(open(os.path.join(tiny_run, "config.json")))["deterministic"] is True
    env = dict(cli_env, XLA_FLAGS=os.environ["XLA_FLAGS"].replace("--xla_gpu_deterministic_ops=true", ""))
    w = tmp_path / "run"
    out = subprocess.run([sys.executable, "-m", "jaxdl.cli", "train", "--config", "tests/configs/tiny_mlp.py",
                          "--workdir", str(w), "--quiet", "--config.deterministic=False"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    recorded = json.load(open(w / "env.json"))
    assert recorded["gpu_deterministic_ops"] is False and "xla_gpu_deterministic_ops" not in recorded["xla_flags"]
    assert (w / "metrics.jsonl").read_bytes() == open(os.path.join(tiny_run, "metrics.jsonl"), "rb").read()
