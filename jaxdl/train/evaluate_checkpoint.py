"""`jaxdl eval`: restore a run directory's checkpoint and evaluate it on the test split, into eval.json."""

from __future__ import annotations

import json
import os
from typing import Any

import ml_collections

from jaxdl.config import config_from_json
from jaxdl.data.record import check_data
from jaxdl.errors import UserError
from jaxdl.models import import_model, is_import_path
from jaxdl.sweeps import point_stats
from jaxdl.train.checkpoint import Checkpoints
from jaxdl.train.feed import evaluate_all, make_feed
from jaxdl.train.loop import diverged_mask, init_states, make_programs
from jaxdl.train.rundir import write_json
from jaxdl.train.setup import build_experiment
from jaxdl.train.summary import masked


def restore_run(workdir: str, step: int | None = None):
    """Restore checkpoint `step` (default: the newest good one) of the run in `workdir`.

    Returns (experiment, programs, states with a leading replica axis [K, ...], step, checkpoint path).
    The one restore path: `jaxdl eval`, notebooks and `jaxdl.inspection` all come through here. The data
    come from the data dir the run recorded (config.json), checked against env.json's "data" record
    (`jaxdl.data.record.check_data`): UserError when the dataset is gone from there or changed.
    """
    config_path = os.path.join(workdir, "config.json")
    if not os.path.isfile(config_path):
        raise UserError(f"{workdir} is not a jaxdl run directory (no config.json)")
    with open(config_path) as f:
        config = config_from_json(f.read())
    checkpoints = Checkpoints(os.path.join(workdir, "checkpoints"), read_only=True)
    available = checkpoints.steps()
    if not available:
        raise UserError(f"no checkpoint in {checkpoints.directory}; train first (jaxdl train ... --workdir {workdir})")
    if step is not None and step not in available:
        raise UserError(f"no checkpoint of step {step} in {checkpoints.directory}; "
                        f"available: {', '.join(map(str, available))}")
    env_path = os.path.join(workdir, "env.json")
    try:
        with open(env_path) as f:
            env = json.load(f)
        record, model_path = env.get("data"), env.get("model_path")
    except (OSError, ValueError, AttributeError):
        record = model_path = None  # a run from before env.json recorded its data: the dataset must still be there
    if is_import_path(config.model.get("name")):  # a model from outside jaxdl: from where the run imported it
        import_model(config.model.name, [d for d in (model_path, os.getcwd()) if d])
    # the data dir config.json records, never $JAXDL_DATA_DIR's, and never prepared anew here
    check_data(config.dataset.name, config.data_dir, record)
    try:  # the layout the run trained on, so that its evaluation rounds as the logged test lines did
        exp = build_experiment(config)
    except UserError:  # e.g. a mesh of more devices than this process has: one device (orbax reassembles)
        with config.unlocked():
            config.mesh = ml_collections.ConfigDict({"replica": 1})
        exp = build_experiment(config)
    programs = make_programs(exp, config.log_every)
    states, data_keys = init_states(exp, programs)
    template = {"states": states, "data_keys": data_keys, **make_feed(exp).checkpoint_template()}
    if step is None:
        tree, step = checkpoints.restore_latest(template, move_damaged=False)
    else:
        try:
            tree = checkpoints.restore(template, step)
        except (ValueError, OSError) as e:
            raise UserError(f"checkpoint {checkpoints.path(step)} is damaged ({e})") from None
    states = tree["states"]
    return exp, programs, states, step, checkpoints.path(step)


def evaluate_workdir(workdir: str, step: int | None = None) -> dict[str, Any]:
    """Evaluate checkpoint `step` (default: the newest good one) of the run in `workdir` on its test split.

    Writes and returns eval.json: {"step", "split": "test", "metrics": name -> [K], "points", "replicas",
    "checkpoint"}, "points" as in summary.json (mean ± std over each sweep point's seeds), and "mean_std"
    (name -> {"mean", "std"}) only for a run without a sweep. A diverged replica's metrics are NaN (null).
    Bad input raises UserError, nothing written.
    """
    exp, programs, states, step, path = restore_run(workdir, step)
    feed = make_feed(exp)  # the test split as the run evaluated it: on the device, or streamed by Grain
    try:
        feed.start_eval()
        sums = evaluate_all(programs.evaluate, states, feed)
    finally:
        feed.close()
    diverged = diverged_mask(states, step)
    metrics = masked(exp.task.summarize(sums), diverged)
    replicas = [dict(index=r.index, seed=r.seed, hparams=r.hparams,
                     status="diverged" if diverged[r.index] else "completed") for r in exp.replicas]
    by_point = point_stats(replicas, metrics)
    result = {
        "step": int(step), "split": "test", "checkpoint": path,
        "metrics": {k: v.tolist() for k, v in metrics.items()},
        **({"mean_std": by_point[0]["test"]} if len(by_point) == 1 else {}),
        "points": by_point,
        "replicas": replicas,
    }
    write_json(os.path.join(workdir, "eval.json"), result)
    return result
