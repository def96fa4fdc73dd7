"""config.compiler_options reach every compiled program of a run; an option XLA does not know is a one-line
error (exit 2) before anything is written."""

import os

import jax
import jax.numpy as jnp

from jaxdl.cli import main
from jaxdl.train.loop import init_states, make_programs
from jaxdl.train.setup import build_experiment

CONFIG = os.path.join(os.path.dirname(os.path.dirname(__file__)), "configs", "tiny_mlp.py")


def _compiled_text(config):
    exp = build_experiment(config)
    programs = make_programs(exp, 2)
    states, keys = init_states(exp, programs)
    data = jax.device_put(exp.dataset.train)
    return programs.unguarded_chunk.lower(states, data, jnp.int32(0), keys).compile().as_text()


def test_options_reach_the_compiled_chunk(tiny):
    """Without YNNPACK fusions (an XLA:CPU option) the compiled chunk holds none; by default it does."""
    if jax.default_backend() != "cpu":
        return
    config = tiny("mlp", steps=4)
    assert "ynn_fusion" in _compiled_text(config)
    with config.unlocked():
        config.compiler_options = {"xla_cpu_experimental_ynn_fusion_type": ""}
    assert "ynn_fusion" not in _compiled_text(config)


def test_unknown_option_is_a_one_line_error(tmp_path, capsys):
    workdir = tmp_path / "run"
    code = main(["train", "--config", CONFIG, "--workdir", str(workdir), "--quiet",
                 '--config.compiler_options={"xla_no_such_option": 1}'])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "xla_no_such_option" in err and len(err.strip().splitlines()) == 1
    assert not workdir.exists()
