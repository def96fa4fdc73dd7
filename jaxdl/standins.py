"""Tiny stand-in runs: what a notebook opens when it is given no run directory, so it executes offline in
seconds. They are real jaxdl runs of the real trainer (MNIST-1D by default, tens of steps), far too short to
mean anything about the models: every directory they write says "stand_in" where a reader would look.
"""

from __future__ import annotations

import os
import tempfile

import ml_collections

from jaxdl.config import base_config, sweep_dict
from jaxdl.train.run import train_and_evaluate
from jaxdl.train.rundir import write_json

# MNIST-1D table model name -> the model config its stand-in trains (the table script owns the real recipes)
TABLE_MODELS = {"logreg": dict(name="logreg"), "mlp": dict(name="mlp", hidden_sizes=(32,))}


def tiny_config(model: dict | None = None, *, dataset: str = "mnist1d", replicas: int = 2,
                sweep: dict | None = None, steps: int = 40) -> ml_collections.ConfigDict:
    """A seconds-long classification config: a small MLP, Adam, metrics every 10 steps."""
    c = base_config()
    c.dataset.name = dataset
    c.model = model or dict(name="mlp", hidden_sizes=(32,))
    c.optimizer.learning_rate = 1e-2
    c.replicas = replicas
    c.sweep = sweep_dict(sweep)
    c.batch_size = 50
    c.steps = steps
    c.log_every = 10
    c.eval_every = 10
    c.eval_batch_size = 500
    return c


def _workdir(workdir: str | None, prefix: str) -> str:
    return workdir or tempfile.mkdtemp(prefix=f"jaxdl_{prefix}_")


def tiny_run(workdir: str | None = None, **kwargs) -> str:
    """Train `tiny_config(**kwargs)` into `workdir` (a fresh temp dir by default); returns the run directory."""
    workdir = _workdir(workdir, "standin")
    train_and_evaluate(tiny_config(**kwargs), workdir, quiet=True)
    return workdir


def tiny_sweep_run(workdir: str | None = None) -> str:
    """A tiny run with 2 seeds x 3 learning rates (6 replicas, one program): curves, sweep plot, table."""
    return tiny_run(workdir, replicas=2, sweep={"optimizer.learning_rate": [1e-3, 3e-3, 1e-2]})


def tiny_table(workdir: str | None = None, steps: int = 40) -> str:
    """A stand-in MNIST-1D table directory: one tiny 2-seed run per model in TABLE_MODELS under
    `<workdir>/<name>/`, and `<workdir>/table.json` in the schema `jaxdl.runs.load_table` reads."""
    from jaxdl.runs import load_run

    workdir = _workdir(workdir, "table")
    models = {}
    for name, model in TABLE_MODELS.items():
        sub = os.path.join(workdir, name)
        train_and_evaluate(tiny_config(model, steps=steps), sub, quiet=True)
        run = load_run(sub)
        acc = run.summary["final_mean_std"]["test"]["accuracy"]
        models[name] = {"accuracy_mean": acc["mean"], "accuracy_std": acc["std"],
                        "wall_s": run.summary["wall_s"], "workdir": name, "replicas": len(run.replicas)}
    write_json(os.path.join(workdir, "table.json"),
               {"models": models, "stand_in": True, "dataset": "mnist1d", "steps": steps})
    return workdir

