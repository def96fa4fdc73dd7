"""train_and_evaluate(config, workdir): one whole run, from a config to a finished run directory."""

from __future__ import annotations

import os
from typing import Any

import ml_collections

from jaxdl import plots
from jaxdl.config import to_json
from jaxdl.runs import load_run
from jaxdl.train.rundir import MetricsLog, environment, prepare_workdir, write_json
from jaxdl.train.setup import build_experiment
from jaxdl.train.trainer import train


def train_and_evaluate(config: ml_collections.ConfigDict, workdir: str, *, quiet: bool = False,
                       overwrite: bool = False, tensorboard: bool = True) -> dict[str, Any]:
    """Validate, then train and write the run directory. Bad input raises UserError before any write."""
    exp = build_experiment(config)
    prepare_workdir(workdir, to_json(config), overwrite)
    write_json(os.path.join(workdir, "env.json"), environment([r.__dict__ for r in exp.replicas]))
    if hasattr(exp.dataset, "write_artifacts"):  # e.g. a text dataset's vocabulary, for later evaluation
        exp.dataset.write_artifacts(workdir)
    log = MetricsLog(workdir, tensorboard=tensorboard)
    try:
        summary = train(exp, log, quiet=quiet, workdir=workdir)
    finally:
        log.close()
    write_json(os.path.join(workdir, "summary.json"), summary)
    plots.learning_curves(load_run(workdir))
    return summary
