"""Sweep points: a run's replicas grouped by their swept hyperparameters, and mean ± std over each point's seeds.

Replica `p * replicas + s` is sweep point p with seed `seed + s` (jaxdl/train/replicas.py); a run without a
sweep is one point. Every mean and std over replicas that jaxdl reports (summary.json, eval.json, the tables,
the curves, `jaxdl compare`) is taken within one point, never across points: different hyperparameters are
different results, not more seeds of one.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def points(replicas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Group replicas ({"index", "seed", "hparams"}, as env.json and summary.json list them) by hparams.

    Returns one dict per sweep point, in replica order: {"point": p, "hparams": {...}, "replicas": [index,
    ...], "seeds": [seed, ...]}. A run without a sweep is one point with hparams {}.
    """
    out: dict[tuple, dict[str, Any]] = {}
    for r in replicas:
        hparams = dict(r.get("hparams") or {})
        key = tuple(sorted(hparams.items()))
        if key not in out:
            out[key] = {"point": len(out), "hparams": hparams, "replicas": [], "seeds": []}
        out[key]["replicas"].append(int(r["index"]))
        out[key]["seeds"].append(int(r["seed"]))
    return list(out.values())


def point_label(hparams: dict[str, float]) -> str:
    """"learning_rate=0.001, momentum=0.9" (the last part of each key), or "-" without a sweep."""
    return ", ".join(f"{k.split('.')[-1]}={v:g}" for k, v in hparams.items()) or "-"


def mean_std(values: np.ndarray) -> dict[str, float]:
    """Mean and (population) std of per-replica values [K'] (NaN when empty: every replica diverged)."""
    values = np.asarray(values, np.float64)
    if not values.size:
        return {"mean": float("nan"), "std": float("nan")}
    return {"mean": float(np.mean(values)), "std": float(np.std(values))}


def point_stats(replicas: list[dict[str, Any]], metrics: dict[str, Any]) -> list[dict[str, Any]]:
    """Mean ± std of each metric over each sweep point's seeds.

    replicas: as for `points`, with "status" where known; metrics: name -> [K] per replica, NaN (or None)
    for a replica without a result (a diverged one). Returns `points(replicas)` with, per point,
    "completed": how many of its replicas did not diverge, and "test": name -> {"mean", "std"} over the
    replicas with a finite value (NaN when none has one).
    """
    values = {k: np.array([np.nan if x is None else x for x in v], np.float64) for k, v in metrics.items()}
    status = {int(r["index"]): r.get("status") for r in replicas}
    out = points(replicas)
    for p in out:
        idx = np.array(p["replicas"])
        p["completed"] = sum(status[i] != "diverged" for i in p["replicas"])
        p["test"] = {k: mean_std(v[idx][np.isfinite(v[idx])]) for k, v in values.items()}
    return out
