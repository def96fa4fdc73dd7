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
from jaxdl.errors import StorageError, UserError
from jaxdl.runs import load_run
from jaxdl.train.checkpoint import Checkpoints
from jaxdl.train.mesh import agree, is_primary, sync
from jaxdl.train.preemption import stop_if_signalled
from jaxdl.train.rundir import MetricsLog, NullLog, environment, prepare_workdir, write_json
from jaxdl.train.setup import build_experiment
from jaxdl.train.trainer import make_programs, restore_or_init, train
from jaxdl.train.workdir import WorkdirLock


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

    Bad input, including a checkpoint that does not fit the config or a workdir another run holds (its
    lock, jaxdl.train.workdir), raises UserError before any write; a write that fails (disk full, read-only)
    raises StorageError. A SIGTERM/SIGINT raises jaxdl.errors.Preempted after saving a checkpoint, or
    Interrupted before the first step (nothing saved). `dataset`: the config's
    dataset already loaded (a script training several configs on one dataset). `plots=False` leaves out
    the learning-curve figure (`jaxdl plot` draws it later).
    """
    exp = build_experiment(config, dataset=dataset)
    stop_if_signalled()  # a signal while the data loaded: nothing is written
    primary = is_primary()  # of several processes (jax.distributed), only process 0 writes files
    lock = WorkdirLock(workdir) if primary else None
    try:
        resuming = _prepare(workdir, to_json(config), overwrite, lock)
        return _run(exp, workdir, resuming, quiet=quiet, tensorboard=tensorboard, plots=plots)
    finally:
        if lock:
            lock.release()


def _prepare(workdir: str, config_json: str, overwrite: bool, lock: WorkdirLock | None) -> bool:
    """prepare_workdir under the lock (process 0), the outcome shared by all processes: when process 0 is
    refused, every process raises rather than wait for it at a barrier. The other processes look at the
    workdir (resume or not) only once process 0 is done with it."""
    error, resuming = None, False
    if lock:
        try:
            lock.acquire()
            resuming = prepare_workdir(workdir, config_json, overwrite)
        except (UserError, StorageError) as e:
            error = e
    if agree(error is not None):
        raise error or UserError(f"process 0 refused workdir {workdir} (its error says why)")
    if not lock:
        resuming = prepare_workdir(workdir, config_json, overwrite, write=False)
    sync("jaxdl_workdir_ready")
    return resuming


def _run(exp, workdir: str, resuming: bool, *, quiet: bool, tensorboard: bool, plots: bool) -> dict[str, Any]:
    config, primary = exp.config, is_primary()
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
