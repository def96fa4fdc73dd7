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
