"""summary.json: what a finished (or diverged) run reports, built from the driver's final bookkeeping."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from jaxdl.sweeps import point_stats
from jaxdl.train.replicas import Replica


def masked(metrics: dict[str, np.ndarray], diverged: np.ndarray) -> dict[str, np.ndarray]:
    """name -> float64 [K] with NaN for each diverged replica: its evaluation is of its frozen state, not a
    result. diverged: bool [K]."""
    return {k: np.where(diverged, np.nan, np.asarray(v, np.float64)) for k, v in metrics.items()}


def run_summary(replicas: list[Replica], step: int, first_step: int, diverged: np.ndarray,
                diverged_at: dict[int, int], last_eval: dict[str, np.ndarray],
                last_eval_sums: dict[str, Any]) -> dict[str, Any]:
    """The summary dict of a run that stopped at `step` after starting (or resuming) at `first_step`.

    diverged: bool [K]; diverged_at: replica -> the step it diverged at; last_eval: the final test metrics,
    name -> [K] (NaN for diverged replicas); last_eval_sums: the task's evaluation sums behind them, of which
    the ones with more than one axis per replica (e.g. a confusion matrix [K, C, C]) are kept as final_stats.
    "points": per sweep point (jaxdl/sweeps.py) its hparams, replicas, seeds and the mean ± std of each final
    test metric over its seeds; "final_mean_std" is that of the one point of a run without a sweep (a sweep
    has no mean over all its replicas: they are different settings). The driver adds the timings (wall_s,
    compile_s, train_s, steps_per_s and "timings", every segment's, jaxdl/train/run.py).
    """
    extra = {k: np.asarray(v) for k, v in last_eval_sums.items() if np.ndim(v) > 1}
    rows = [dict(dataclasses.asdict(r), status="diverged" if diverged[r.index] else "completed",
                 diverged_step=diverged_at.get(r.index)) for r in replicas]
    by_point = point_stats(rows, last_eval)
    return {
        "status": "diverged" if diverged.all() else "completed",
        "steps": int(step),
        "diverged_replicas": sorted(diverged_at),
        "final": {"test": {k: v.tolist() for k, v in last_eval.items()}},
        **({"final_mean_std": {"test": by_point[0]["test"]}} if len(by_point) == 1 else {}),
        "points": by_point,
        "final_stats": {k: v.tolist() for k, v in extra.items()},
        "replicas": rows,
        "resumed_from": first_step or None,
    }
