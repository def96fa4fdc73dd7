"""train_and_evaluate(config, workdir): one whole run, from a config to a finished run directory.

Running it again on a workdir that holds checkpoints of the same config resumes from the newest good one.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
from typing import Any

import ml_collections

from jaxdl import plots as figures
from jaxdl.config import to_json
from jaxdl.runs import load_run
from jaxdl.train.checkpoint import Checkpoints
from jaxdl.train.mesh import is_primary, sync
from jaxdl.train.rundir import MetricsLog, NullLog, environment, prepare_workdir, write_json
from jaxdl.train.setup import build_experiment
from jaxdl.train.trainer import make_programs, restore_or_init, train


def _note_resume(workdir: str, step: int, mesh: dict[str, int]) -> None:
    """env.json keeps the original run's environment; each resume is appended to its "resumes" list, with
    the device layout it ran on (a resume may run on other devices: the numbers then round differently)."""
    path = os.path.join(workdir, "env.json")
    env = json.load(open(path)) if os.path.exists(path) else {}
    env.setdefault("resumes", []).append(
        {"step": step, "command": sys.argv, "mesh": mesh,
         "time": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")})
    write_json(path, env)


def train_and_evaluate(config: ml_collections.ConfigDict, workdir: str, *, quiet: bool = False,
                       overwrite: bool = False, tensorboard: bool = True, dataset=None,
                       plots: bool = True) -> dict[str, Any]:
    """Validate, then train (or resume) and write the run directory.

    Bad input, including a checkpoint that does not fit the config, raises UserError before any write.
    A SIGTERM/SIGINT raises jaxdl.errors.Preempted after saving a checkpoint. `dataset`: the config's
    dataset already loaded (a script training several configs on one dataset). `plots=False` leaves out
    the learning-curve figure (`jaxdl plot` draws it later).
    """
    exp = build_experiment(config, dataset=dataset)
    primary = is_primary()  # of several processes (jax.distributed), only process 0 writes files
    resuming = prepare_workdir(workdir, to_json(config), overwrite, write=primary)
    sync("jaxdl_workdir_ready")
    checkpoints = Checkpoints(os.path.join(workdir, "checkpoints"), config.keep_checkpoints)
    programs = make_programs(exp)
    start = restore_or_init(exp, programs, checkpoints if resuming else None)
    if primary:
        if start.step:
            _note_resume(workdir, start.step, exp.placement.shape)
            if os.path.exists(os.path.join(workdir, "summary.json")):  # rewritten when the resumed run ends
                os.remove(os.path.join(workdir, "summary.json"))
        else:
            env = environment([r.__dict__ for r in exp.replicas], exp.placement.shape)
            write_json(os.path.join(workdir, "env.json"), env)
        if hasattr(exp.dataset, "write_artifacts"):  # e.g. a text dataset's vocabulary, for later evaluation
            exp.dataset.write_artifacts(workdir)
    log = MetricsLog(workdir, tensorboard=tensorboard, start_step=start.step) if primary else NullLog()
    try:
        summary = train(exp, log, quiet=quiet, workdir=workdir, programs=programs, start=start,
                        checkpoints=checkpoints)
    finally:
        log.close()
        checkpoints.close()
    if primary:
        write_json(os.path.join(workdir, "summary.json"), summary)
        if plots:
            figures.learning_curves(load_run(workdir))
    return summary
