"""`jaxdl compare DIR...`: several runs in one table, a row per run and sweep point.

Each row holds the run's values of the config keys that differ between the runs (only those), its sweep
point, the mean ± std of its final test metrics over that point's seeds, and its wall time. A directory that
is not a run is bad input (UserError); a run that has not finished is a row with status "unfinished" and the
metrics of its last test evaluation (at the step the row gives).
"""

from __future__ import annotations

import csv
import io
import json
import os
from typing import Any

from jaxdl.runs import Run, load_run
from jaxdl.sweeps import point_label
from jaxdl.train.rundir import differing_values


def load_runs(paths: list[str]) -> dict[str, Run]:
    """Name -> run: each directory's basename, or its path where two basenames collide. UserError when a
    path holds no run (load_run)."""
    runs: dict[str, Run] = {}
    names = [os.path.basename(os.path.normpath(p)) for p in paths]
    for path, name in zip(paths, names, strict=True):
        runs[path if names.count(name) > 1 else name] = load_run(path)
    return runs


def headline_keys(names) -> list[str]:
    """The metrics a table shows: every task's own (accuracy, mean_iou, digit_error_rate, ...) first, the
    loss last, at most four."""
    return ([k for k in sorted(names) if k != "loss"] + [k for k in ("loss",) if k in names])[:4]


def metric_names(runs: dict[str, Run]) -> list[str]:
    """The final test metrics to show (`headline_keys` of those any of the runs has)."""
    names = set()
    for run in runs.values():
        names |= {k[len("test_"):] for r in run.records() for k in r if k.startswith("test_")}
    return headline_keys(names)


def compare_rows(runs: dict[str, Run]) -> list[dict[str, Any]]:
    """One row per run and sweep point: {"run", "path", "status", "step", "wall_s", "config": {key: value}
    (the keys that differ between the runs; a swept key holds the point's value, None where a run lacks the
    key), "hparams", "seeds", "completed", "test": name -> {"mean", "std"}}."""
    diff = differing_values(*(run.config for run in runs.values()))
    rows = []
    for i, (name, run) in enumerate(runs.items()):
        records = run.records()
        status = run.summary["status"] if run.summary else "unfinished"
        step = records[0]["step"] if records else 0
        config = {k: None if v[i] == "<absent>" else v[i] for k, v in diff.items()}  # None: the run lacks it
        # a run that has not logged anything yet: one row saying so
        for p in run.point_stats() or [{"hparams": {}, "replicas": [], "completed": 0, "test": {}}]:
            here = {k: p["hparams"].get(k, v) for k, v in config.items()}  # the value this point trained with
            rows.append({"run": name, "path": run.path, "status": status, "step": step,
                         "wall_s": (run.summary or {}).get("wall_s"), "config": here, "hparams": p["hparams"],
                         "seeds": len(p["replicas"]), "completed": p["completed"], "test": p["test"]})
    return rows


def _num(x: Any) -> str:
    return "nan" if x is None or x != x else f"{x:.4f}"


def _mean_std(row: dict[str, Any], key: str) -> str:
    ms = row["test"].get(key)
    if ms is None:
        return "-"
    # a std over one seed says nothing: a point with one result shows its value only
    return _num(ms["mean"]) if row["completed"] <= 1 else f"{_num(ms['mean'])}±{_num(ms['std'])}"


def format_rows(rows: list[dict[str, Any]], metrics: list[str]) -> str:
    """The text table, columns padded to their widest cell."""
    keys = list(rows[0]["config"]) if rows else []
    header = ["run", "status", "step", "wall s", *keys, "sweep point", "seeds", *(f"test {k}" for k in metrics)]
    table = [header]
    for r in rows:
        seeds = str(r["seeds"]) if r["completed"] == r["seeds"] or r["status"] == "unfinished" else \
            f"{r['completed']}/{r['seeds']}"
        wall = "-" if r["wall_s"] is None else f"{r['wall_s']:.1f}"
        config = ("-" if r["config"][k] is None else json.dumps(r["config"][k]) for k in keys)
        table.append([r["run"], r["status"], str(r["step"]), wall, *config, point_label(r["hparams"]), seeds,
                      *(_mean_std(r, k) for k in metrics)])
    width = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, width, strict=True)))
             for row in table]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(line.rstrip() for line in lines)


def csv_text(rows: list[dict[str, Any]], metrics: list[str]) -> str:
    """The rows as CSV: one column per differing config key and per swept hyperparameter (its config key),
    and test_<metric>_mean / _std."""
    keys = list(rows[0]["config"]) if rows else []
    swept = sorted({k for r in rows for k in r["hparams"]} - set(keys))  # a differing key holds the point's value
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["run", "path", "status", "step", "wall_s", *keys, *swept, "seeds", "completed",
                     *(f"test_{k}_{s}" for k in metrics for s in ("mean", "std"))])
    for r in rows:
        writer.writerow([r["run"], r["path"], r["status"], r["step"], r["wall_s"],
                         *("" if r["config"][k] is None else json.dumps(r["config"][k]) for k in keys),
                         *(r["hparams"].get(k, "") for k in swept),
                         r["seeds"], r["completed"],
                         *(r["test"].get(k, {}).get(s, "") for k in metrics for s in ("mean", "std"))])
    return out.getvalue()
