"""A diverging replica is frozen inside the compiled step; the others finish with unchanged numbers."""

import json
import os

import numpy as np
import pytest

from jaxdl.cli import main
from jaxdl.config import sweep_dict
from jaxdl.runs import load_run
from jaxdl.train.checkpoint import Checkpoints
from jaxdl.train.run import train_and_evaluate

CONFIG = os.path.join(os.path.dirname(os.path.dirname(__file__)), "configs", "tiny_mlp.py")


def sgd(tiny, **kw):
    c = tiny("mlp", steps=60, **kw)
    c.optimizer.name = "sgd"
    return c


@pytest.mark.outcome
def test_sweep_member_that_diverges_is_frozen_and_the_sane_one_matches_its_single_run(tiny, tmp_path, outcome):
    c = sgd(tiny)
    c.sweep = sweep_dict({"optimizer.learning_rate": [1e-3, 1e3]})
    summary = train_and_evaluate(c, str(tmp_path / "sweep"), quiet=True, tensorboard=False)
    alone = sgd(tiny)
    alone.optimizer.learning_rate = 1e-3
    train_and_evaluate(alone, str(tmp_path / "alone"), quiet=True, tensorboard=False)

    assert summary["status"] == "completed" and summary["steps"] == 60
    sane, wild = summary["replicas"]
    assert sane["status"] == "completed" and sane["diverged_step"] is None
    assert wild["status"] == "diverged"
    outcome.at_most("lr 1e3: diverged step", wild["diverged_step"], 20)
    assert summary["diverged_replicas"] == [1]
    written = json.load(open(tmp_path / "sweep" / "summary.json"))
    assert written["final"]["test"]["accuracy"][1] is None  # JSON null: a frozen state is no result
    assert written["replicas"][1]["status"] == "diverged"
    sweep, single = load_run(str(tmp_path / "sweep")), load_run(str(tmp_path / "alone"))
    for split in ("train", "test"):
        for key in ("loss", "accuracy"):
            steps, values = sweep.series(split, key)
            steps1, values1 = single.series(split, key)
            np.testing.assert_array_equal(steps, steps1)
            np.testing.assert_array_equal(values[:, 0], values1[:, 0])  # bit for bit
            assert np.isnan(values[-1, 1])
    # two sweep points of one seed each: their own results, no mean over the two learning rates
    sane_point, wild_point = summary["points"]
    assert "final_mean_std" not in summary and sane_point["completed"] == 1 and wild_point["completed"] == 0
    assert sane_point["test"]["accuracy"]["mean"] == single.final("accuracy")[0]
    assert np.isnan(wild_point["test"]["accuracy"]["mean"])


@pytest.mark.outcome
def test_single_replica_divergence_stops_within_a_log_interval_exit_3(tmp_path, capsys, outcome):
    # SGD at lr 10 on this MLP overflows a little after step 20 (step 27 when measured).
    w = str(tmp_path / "run")
    argv = ["train", "--config", CONFIG, "--workdir", w, "--quiet", "--config.replicas=1",
            "--config.optimizer.name=sgd", "--config.optimizer.learning_rate=10.0",
            "--config.checkpoint_every=20", "--config.eval_every=20"]
    assert main(argv) == 3
    err = capsys.readouterr().err
    assert "jaxdl: run diverged" in err and "Traceback" not in err
    summary = json.load(open(os.path.join(w, "summary.json")))
    step = summary["replicas"][0]["diverged_step"]
    assert summary["status"] == "diverged"
    outcome.at_least("lr 10: diverged step", step, 21)  # after the first checkpoint
    outcome.at_most("lr 10: diverged step", step, 40)
    assert summary["steps"] == -(-step // 20) * 20  # stopped at the end of the interval it diverged in
    assert Checkpoints(os.path.join(w, "checkpoints")).steps() == [20]  # the last good one, nothing later
    assert max(m["step"] for m in load_run(w).metrics) == summary["steps"]


def _chunks(exp, programs, guarded_chunk, guarded_only: bool, n: int, length: int):
    """n chunks from a fresh init, either all through `guarded_chunk` or as the driver runs them
    (`train_chunk`: unguarded first, `guarded_chunk` when needed)."""
    import jax

    from jaxdl.train.loop import diverged_mask, init_states
    from jaxdl.train.run import train_chunk

    states, keys = init_states(exp, programs)
    data = jax.device_put(exp.dataset.train)
    losses = []
    for i in range(n):
        start = np.int32(i * length)
        if guarded_only:
            states, metrics = guarded_chunk(states, data, start, keys)
        else:
            any_diverged = bool(diverged_mask(states, i * length).any())
            states, metrics = train_chunk(programs.unguarded_chunk, guarded_chunk, states, data, start, keys,
                                          any_diverged)
        losses.append(np.asarray(metrics["loss"]))
    return jax.device_get(states), np.concatenate(losses, axis=1)


def test_unguarded_chunk_reruns_guarded_exactly_when_a_replica_diverges(tiny):
    """The driver's fast path (unguarded chunk, rerun guarded if anything went non-finite) gives bit for
    bit the states and losses of guarded chunks throughout, and runs the guarded program only from the
    chunk a replica diverged in."""
    import jax

    from jaxdl.train.loop import make_programs
    from jaxdl.train.setup import build_experiment

    for rates, guarded_calls in (([1e-3, 1e-2], 0), ([1e-3, 1e3], 3)):
        c = sgd(tiny)
        c.sweep = sweep_dict({"optimizer.learning_rate": rates})
        exp = build_experiment(c)
        programs = make_programs(exp, 20)
        calls = []
        counted = lambda *a, calls=calls, guarded=programs.guarded_chunk: calls.append(1) or guarded(*a)  # noqa: E731
        states, losses = _chunks(exp, programs, counted, False, 3, 20)
        ref_states, ref_losses = _chunks(exp, programs, programs.guarded_chunk, True, 3, 20)
        np.testing.assert_array_equal(losses, ref_losses)  # NaN where frozen, in both
        for a, b in zip(jax.tree_util.tree_leaves(states), jax.tree_util.tree_leaves(ref_states), strict=True):
            np.testing.assert_array_equal(a, b)
        assert len(calls) == guarded_calls  # 1e3 diverges within the first chunk (steps 1-20)
        assert np.isnan(losses[1, -1]) == (rates[1] == 1e3) and np.isfinite(losses[0]).all()
