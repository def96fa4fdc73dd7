"""A whole run: run directory contract, byte-identical reruns, the loader."""

import json
import os

import numpy as np
import pytest

from jaxdl.runs import load_run
from jaxdl.train.run import train_and_evaluate


@pytest.mark.outcome
def test_run_directory_and_byte_identical_rerun(tiny, tmp_path, outcome):
    c = tiny("mlp", replicas=2, steps=60)
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    summary = train_and_evaluate(c, a, quiet=True)
    train_and_evaluate(c, b, quiet=True)
    for name in ("config.json", "env.json", "metrics.jsonl", "summary.json", "plots/learning_curves.png"):
        assert os.path.isfile(os.path.join(a, name)), name
    assert os.listdir(os.path.join(a, "tensorboard"))
    with open(os.path.join(a, "metrics.jsonl"), "rb") as fa, open(os.path.join(b, "metrics.jsonl"), "rb") as fb:
        assert fa.read() == fb.read()

    run = load_run(a)
    steps, loss = run.series("train", "loss")
    assert steps.tolist() == [20, 40, 60] and loss.shape == (3, 2)
    outcome.at_most("last / first train loss", loss[-1].mean() / loss[0].mean(), 1.0)  # it learns
    test_steps, acc = run.series("test", "accuracy")
    assert test_steps.tolist() == [20, 40, 60] and acc.shape == (3, 2)
    np.testing.assert_array_equal(run.final("accuracy"), summary["final"]["test"]["accuracy"])
    assert [r["seed"] for r in run.replicas] == [0, 1]
    s = run.summary
    assert s["status"] == "completed" and s["steps"] == 60
    for key in ("wall_s", "compile_s", "steps_per_s"):
        assert s[key] > 0
    assert abs(s["final_mean_std"]["test"]["accuracy"]["mean"] - np.mean(acc[-1])) < 1e-12
    conf = np.array(s["final_stats"]["confusion"])
    assert conf.shape == (2, 10, 10) and conf.sum() == 2 * 1000  # every test example counted once
    env = json.load(open(os.path.join(a, "env.json")))
    assert env["versions"]["jax"] and env["devices"]
    for line in open(os.path.join(a, "metrics.jsonl")):
        assert "time" not in line  # no wall-clock values in metrics
