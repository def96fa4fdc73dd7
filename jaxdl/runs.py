"""The one run-directory loader. Notebooks, plots, benchmarks and table scripts read runs through it.

A run directory holds config.json (with the resolved, absolute data_dir), env.json (its "data": the dataset's
name, data dir, TFDS version and fingerprint, `jaxdl.data.record.data_record`), metrics.jsonl, summary.json
(when finished), checkpoints/, tensorboard/ and plots/. In metrics.jsonl every metric is a list over
replicas ([K] values), always.
Generative runs also hold samples.npy (float32 [K * N, H, W, C], replica-major) with samples_meta.json
({"range": [0, 1], "shape": [...], "replicas": K, "per_replica": N, ...}); see `Run.samples`. A table run
directory (several runs composed by a script) holds table.json, read by `load_table`.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any

import numpy as np

from jaxdl.errors import UserError
from jaxdl.sweeps import point_stats, points


@dataclasses.dataclass
class Run:
    path: str
    config: dict[str, Any]
    env: dict[str, Any]
    metrics: list[dict[str, Any]]  # metrics.jsonl, one dict per line
    summary: dict[str, Any] | None  # None while the run has not finished

    @property
    def num_replicas(self) -> int:
        return len(self.replicas)

    @property
    def replicas(self) -> list[dict[str, Any]]:
        """[{"index": r, "seed": s, "hparams": {...}}] for each replica, from summary or env."""
        return (self.summary or self.env)["replicas"]

    def series(self, split: str, key: str) -> tuple[np.ndarray, np.ndarray]:
        """(steps int [T], values float [T, K]) of one metric of one split ("train" or "test")."""
        rows = [m for m in self.metrics if m["split"] == split and key in m]
        if not rows:
            raise KeyError(f"no {split!r} metric {key!r} in {self.path}")
        return np.array([m["step"] for m in rows]), np.array([m[key] for m in rows], dtype=float)

    def metric_names(self, split: str) -> list[str]:
        names = {k for m in self.metrics if m["split"] == split for k in m}
        return sorted(names - {"step", "split"})

    def final(self, key: str = "accuracy", split: str = "test") -> np.ndarray:
        """The last logged value of a metric per replica, float [K]."""
        return self.series(split, key)[1][-1]

    @property
    def plots_dir(self) -> str:
        return os.path.join(self.path, "plots")

    @property
    def sweep(self) -> dict[str, list[float]]:
        """Swept hyperparameter ("optimizer.learning_rate") -> its distinct values in replica order; {} if none."""
        out: dict[str, list[float]] = {}
        for r in (self.summary or self.env).get("replicas", []):  # [] for a run that has not started
            for k, v in r.get("hparams", {}).items():
                if v not in out.setdefault(k, []):
                    out[k].append(v)
        return out

    @property
    def points(self) -> list[dict[str, Any]]:
        """The run's sweep points (jaxdl/sweeps.py): [{"point", "hparams", "replicas", "seeds"}]; one without a
        sweep."""
        return points((self.summary or self.env).get("replicas", []))  # [] for a run that has not started

    def records(self) -> list[dict[str, Any]]:
        """One record per replica: "replica", "point", "seed", each swept hyperparameter by its config key
        ("optimizer.learning_rate"), "status", "step" and "test_<metric>" for each final test metric.

        From summary.json when the run finished; else from the last test evaluation in metrics.jsonl, with
        status "unfinished" (no test metrics before the first one). A diverged replica's metrics are NaN.
        """
        status = {r["index"]: r.get("status", "unfinished") for r in self.replicas} if self.summary else {}
        if self.summary:
            step, final = self.summary["steps"], self.summary["final"]["test"]
        else:
            tests = [m for m in self.metrics if m["split"] == "test"]
            step = tests[-1]["step"] if tests else max((m["step"] for m in self.metrics), default=0)
            final = {k: v for k, v in tests[-1].items() if k not in ("step", "split")} if tests else {}
        out = []
        for p in self.points:
            for index, seed in zip(p["replicas"], p["seeds"], strict=True):
                row = {"replica": index, "point": p["point"], "seed": seed, **p["hparams"],
                       "status": status.get(index, "unfinished"), "step": step}
                row.update({f"test_{k}": np.nan if v[index] is None else float(v[index]) for k, v in final.items()})
                out.append(row)
        return sorted(out, key=lambda row: row["replica"])

    def table(self):
        """`records()` as a pandas DataFrame (one row per replica, the sweep values as columns: e.g.
        `run.table().groupby("optimizer.learning_rate")["test_accuracy"].mean()`), or the list of records itself
        when pandas is not installed (jaxdl does not depend on it). pandas' `std` is the sample std (ddof=1);
        summary.json's is the population std (ddof=0)."""
        try:
            import pandas
        except ImportError:
            return self.records()
        return pandas.DataFrame.from_records(self.records())

    def point_stats(self) -> list[dict[str, Any]]:
        """Mean ± std of each final test metric over each sweep point's seeds (jaxdl.sweeps.point_stats), of
        the final evaluation, or of the last one logged while the run is unfinished."""
        if self.summary and "points" in self.summary:
            return self.summary["points"]
        records = self.records()
        metrics = {k[len("test_"):]: [r[k] for r in records] for k in (records[0] if records else {})
                   if k.startswith("test_")}
        return point_stats([{"index": r["replica"], "seed": r["seed"], "status": r["status"],
                             "hparams": {k: r[k] for k in self.sweep}} for r in records], metrics)

    def samples(self, replica: int = 0) -> tuple[np.ndarray, dict[str, Any]] | None:
        """(samples float32 [N, H, W, C], samples_meta.json or {}) of one replica, or None without samples.npy.

        The generative tasks write a flat replica-major file [K * N, H, W, C] whose samples_meta.json gives
        "replicas" K and "per_replica" N: rows replica * N ... (replica + 1) * N - 1 are returned. A file
        [K, N, H, W, C] is indexed by `replica`; a flat file without those keys is returned whole.
        """
        path = os.path.join(self.path, "samples.npy")
        if not os.path.exists(path):
            return None
        samples = np.load(path)
        meta_path = os.path.join(self.path, "samples_meta.json")
        meta = _read_json(meta_path) if os.path.exists(meta_path) else {}
        count = len(samples) if samples.ndim == 5 else meta.get("replicas") if "per_replica" in meta else None
        if count is not None and not 0 <= replica < count:
            raise UserError(f"replica {replica} does not exist: {path} holds {count} replica(s)")
        if samples.ndim == 5:
            samples = samples[replica]
        elif count is not None:
            n = meta["per_replica"]
            samples = samples[replica * n:(replica + 1) * n]
        if samples.ndim not in (2, 3, 4):
            raise UserError(f"{path} has shape {samples.shape}; expected [N, H, W, C] or [K, N, H, W, C]")
        return samples.astype(np.float32), meta


def _read_json(path: str) -> Any:
    with open(path) as f:
        return json.load(f)


def read_metrics(path: str) -> list[dict[str, Any]]:
    """metrics.jsonl as one dict per line. A last line without its newline is one a running process is still
    writing (or a killed one left): it is left out. UserError when a (step, split) repeats or a split's steps
    go backwards (two runs wrote into one workdir) or a complete line is not JSON."""
    with open(path) as f:
        lines = f.readlines()
    if lines and not lines[-1].endswith("\n"):
        lines.pop()
    rows, last = [], {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            step, split = int(row["step"]), str(row["split"])
        except (ValueError, TypeError, KeyError):
            raise UserError(f"{path} line {number} is not a metrics line") from None
        if step <= last.get(split, -1):
            how = "repeats" if step == last[split] else "goes back to"
            raise UserError(f"{path} line {number} {how} step {step} of split {split!r} (after step "
                            f"{last[split]}): two runs wrote into this workdir at once; rerun it with --overwrite")
        last[split] = step
        rows.append(row)
    return rows


def load_run(path: str) -> Run:
    """Read a run directory (finished or not). Raises UserError when `path` holds no run."""
    if not os.path.isfile(os.path.join(path, "config.json")):
        raise UserError(f"{path} is not a jaxdl run directory (no config.json)")
    metrics_path = os.path.join(path, "metrics.jsonl")
    metrics = read_metrics(metrics_path) if os.path.exists(metrics_path) else []
    summary_path = os.path.join(path, "summary.json")
    env_path = os.path.join(path, "env.json")
    return Run(path=path, config=_read_json(os.path.join(path, "config.json")),
               env=_read_json(env_path) if os.path.exists(env_path) else {},
               metrics=metrics, summary=_read_json(summary_path) if os.path.exists(summary_path) else None)


TABLE_FIELDS = ("accuracy_mean", "accuracy_std")


def load_table(path: str) -> dict[str, dict[str, Any]]:
    """Read a table run directory's table.json; returns its "models" mapping. Raises UserError if malformed.

    Schema: {"models": {name: {"accuracy_mean": float, "accuracy_std": float, "wall_s": float,
    "workdir": str (the member run, relative to the table directory or absolute)}, ...}, ...};
    extra keys are kept. Names used for MNIST-1D: "logreg", "mlp", "cnn", "gru".
    """
    file = os.path.join(path, "table.json")
    if not os.path.isfile(file):
        raise UserError(f"{path} is not a table run directory (no table.json)")
    table = _read_json(file)
    models = table.get("models") if isinstance(table, dict) else None
    if not isinstance(models, dict):
        raise UserError(f"{file} has no \"models\" mapping")
    for name, row in models.items():
        missing = [k for k in TABLE_FIELDS if not isinstance(row, dict) or k not in row]
        if missing:
            raise UserError(f"{file}: model {name!r} lacks {', '.join(missing)}")
    return models
