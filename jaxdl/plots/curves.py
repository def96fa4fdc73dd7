"""Curves and summaries of runs: learning curves with replica bands, run comparisons, sweeps, confusion
matrices and the published-vs-measured table."""

from __future__ import annotations

import os
import warnings

import numpy as np
from matplotlib.figure import Figure

from jaxdl.plots.base import save
from jaxdl.runs import Run
from jaxdl.sweeps import point_label


def _quiet(fn, *args, **kwargs):
    """fn (np.nanmean, np.nanstd, np.nanmin) without its RuntimeWarning for an all-NaN slice: a step at which
    every replica had diverged has no value, and NaN (a gap in the curve) says so."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(*args, **kwargs)


def replica_label(replica: dict) -> str:
    hp = ", ".join(f"{k.split('.')[-1]}={v:g}" for k, v in replica.get("hparams", {}).items())
    return f"seed {replica['seed']}" + (f", {hp}" if hp else "")


def _marker(steps: np.ndarray) -> str | None:
    """Points drawn where a curve has too few to read as a line (a run with one evaluation)."""
    return "o" if len(steps) <= 3 else None


def _band(ax, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) [T] of the ±std band of values [T, K]; on a log axis the lower edge is kept at or above
    the smallest replica's value, so that the band stays on the axis (mean - std may be <= 0)."""
    mean, std = _quiet(np.nanmean, values, 1), _quiet(np.nanstd, values, 1)
    lower = mean - std
    if ax.get_yscale() == "log":
        lower = np.fmax(lower, _quiet(np.nanmin, values, 1))
    return lower, mean + std


def plot_curves(ax, steps: np.ndarray, values: np.ndarray, labels: list[str] | None = None, color=None,
                label: str = "mean") -> None:
    """Every replica as a thin line ([T, K] values), their mean as a thick line with a ±std band. Pass the
    replicas of one sweep point only (a mean over points means nothing); `color`: one colour for the point's
    lines, mean and band (several points in one panel), else one colour per replica and a black mean. Set a
    log scale on `ax` before: the band is then clipped to the axis (`_band`)."""
    for k in range(values.shape[1]):
        ax.plot(steps, values[:, k], lw=0.8, alpha=0.5, color=color, marker=_marker(steps), ms=4,
                label=labels[k] if labels else None)
    if values.shape[1] > 1:
        ax.plot(steps, _quiet(np.nanmean, values, 1), color=color or "black", lw=2, marker=_marker(steps),
                label=label)
        ax.fill_between(steps, *_band(ax, values), color=color or "black", alpha=0.1)


def plot_band(ax, steps: np.ndarray, values: np.ndarray, label: str | None = None, color=None) -> None:
    """Only the mean over replicas of values [T, K] with a ±std band: for comparing several runs."""
    (line,) = ax.plot(steps, _quiet(np.nanmean, values, 1), lw=2, marker=_marker(steps), label=label, color=color)
    ax.fill_between(steps, *_band(ax, values), color=line.get_color(), alpha=0.15)


def _curve_panels(run: Run) -> list[tuple[str, str]]:
    return [(s, k) for s, k in [("train", "loss"), ("train", "d_loss"), ("train", "g_loss"), ("test", "loss"),
                                ("test", "accuracy"), ("test", "mean_iou"), ("test", "map50")]
            if k in run.metric_names(s)]


def learning_curves_figure(run: Run) -> Figure:
    """Train loss, test loss and test accuracy (where logged) against step: every replica and the mean ± std
    over seeds, one colour and one band per sweep point."""
    panels = _curve_panels(run) or [("train", k) for k in run.metric_names("train")[:3]]
    fig = Figure(figsize=(4.5 * max(len(panels), 1), 3.5))
    axes = fig.subplots(1, max(len(panels), 1), squeeze=False)[0]
    labels, points = [replica_label(r) for r in run.replicas], run.points
    for ax, (split, key) in zip(axes, panels, strict=False):
        steps, values = run.series(split, key)
        if key == "loss" and _quiet(np.nanmin, values) > 0:
            ax.set_yscale("log")
        if len(points) == 1:
            plot_curves(ax, steps, values, labels if len(labels) <= 10 else None)
        for p in points if len(points) > 1 else []:
            name, seeds = point_label(p["hparams"]), len(p["replicas"])
            plot_curves(ax, steps, values[:, p["replicas"]], [name] if seeds == 1 else None,
                        color=f"C{p['point'] % 10}", label=f"{name} (mean ± std, {seeds} seeds)")
        ax.set_title(f"{split} {key}")
        ax.set_xlabel("step")
    if (len(labels) if len(points) == 1 else len(points)) <= 10 and panels:
        axes[-1].legend(fontsize=7)
    fig.tight_layout()
    return fig


def learning_curves(run: Run, path: str | None = None) -> str:
    """Write `learning_curves_figure(run)` as a PNG (default `<workdir>/plots/learning_curves.png`)."""
    return save(learning_curves_figure(run), path or os.path.join(run.plots_dir, "learning_curves.png"))


def compare_runs_figure(runs: dict[str, Run], split: str = "test", key: str = "accuracy",
                        panels: list[tuple[str, str]] | None = None) -> Figure:
    """Each run's mean ± std band over its seeds, one band per sweep point, runs named by the dict keys.

    One panel per (split, metric) of `panels` (default: just `split` `key`); a run that did not log a
    panel's metric is left out of that panel.
    """
    panels = panels or [(split, key)]
    fig = Figure(figsize=(6 * len(panels), 4))
    for ax, (split, key) in zip(fig.subplots(1, len(panels), squeeze=False)[0], panels, strict=True):
        for name, run in runs.items():
            if key not in run.metric_names(split):
                continue
            steps, values = run.series(split, key)
            points = run.points
            for p in points:
                label = name if len(points) == 1 else f"{name} {point_label(p['hparams'])}"
                plot_band(ax, steps, values[:, p["replicas"]], label=f"{label} (K={len(p['replicas'])})")
        ax.set_xlabel("step")
        ax.set_title(f"{split} {key}: mean ± std over seeds")
        if ax.lines:
            ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def agreement_figure(runs: dict[str, Run], panels=(("train", "loss"), ("test", "accuracy")), title: str = ""
                     ) -> Figure:
    """Runs that should compute the same thing: each run's replica-mean curve per (split, metric) panel,
    overlaid, and a last panel with every later run's largest |difference| from the first run per step
    (over replicas, log scale; exact zeros drawn at 1e-12)."""
    fig = Figure(figsize=(4.5 * (len(panels) + 1), 3.5))
    axes = fig.subplots(1, len(panels) + 1, squeeze=False)[0]
    (first_name, first), *others = runs.items()
    for ax, (split, key) in zip(axes, panels, strict=False):
        for i, (name, run) in enumerate(runs.items()):
            steps, values = run.series(split, key)
            ax.plot(steps, _quiet(np.nanmean, values, 1), ["-", "--", ":", "-."][i % 4], lw=1.5, label=name)
        ax.set_title(f"{split} {key}")
        ax.set_xlabel("step")
        if key == "loss":
            ax.set_yscale("log")
    axes[0].legend(fontsize=7)
    for split, key in panels:
        steps, ref = first.series(split, key)
        for name, run in others:
            diff = np.max(np.abs(run.series(split, key)[1] - ref), axis=1)
            axes[-1].plot(steps, np.maximum(diff, 1e-12), ".-", lw=0.8, label=f"{split} {key}: {name}")
    axes[-1].set_yscale("log")
    axes[-1].set_title(f"|difference| from {first_name}", fontsize=9)
    axes[-1].set_xlabel("step")
    axes[-1].legend(fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig

def sweep_figure(run: Run, key: str = "accuracy", split: str = "test") -> Figure:
    """One panel per swept hyperparameter: the final `key` of every replica (one point per seed) against
    the hyperparameter's value, with the mean over seeds at each value as a line, one line per setting of the
    other swept hyperparameters (never a mean over them). Raises ValueError when the run has no sweep."""
    sweep = run.sweep
    if not sweep:
        raise ValueError(f"run {run.path} has no sweep")
    final = run.final(key, split)  # [K]
    seeds = np.array([r["seed"] for r in run.replicas])
    fig = Figure(figsize=(4.5 * len(sweep) + 1.2, 3.5), layout="constrained")  # + the legend, outside
    axes = fig.subplots(1, len(sweep), squeeze=False)[0]
    for ax, (name, values) in zip(axes, sweep.items(), strict=True):
        x = np.array([r["hparams"][name] for r in run.replicas])
        for s in np.unique(seeds):
            ax.scatter(x[seeds == s], final[seeds == s], s=18, alpha=0.7, label=f"seed {s}")
        points = np.array(sorted(set(values)))
        rest = [point_label({k: v for k, v in r["hparams"].items() if k != name}) for r in run.replicas]
        for i, other in enumerate(dict.fromkeys(rest)):  # "-" when `name` is the only swept key
            at = np.array(rest) == other
            ax.plot(points, [_quiet(np.nanmean, final[(x == v) & at]) for v in points], color="black", lw=1.5,
                    ls=["-", "--", ":", "-."][i % 4], label="mean" if other == "-" else f"mean, {other}")
        if points.min() > 0 and points.max() / points.min() >= 10:
            ax.set_xscale("log")
        ax.set_xlabel(name)
        ax.set_ylabel(f"final {split} {key}")
    if len(np.unique(seeds)) <= 10:
        fig.legend(*axes[-1].get_legend_handles_labels(), fontsize=7, loc="outside right upper")
    return fig


def confusion_figure(confusion: np.ndarray, title: str | list[str] = "confusion",
                     class_names: list[str] | None = None) -> Figure:
    """Counts (row = true class, column = predicted) shown row-normalised, counts written: confusion [C, C]
    with one title, or [P, C, C] with P titles, one panel each (e.g. one per sweep point)."""
    confusion = np.asarray(confusion, np.float64)
    many = confusion.reshape(-1, *confusion.shape[-2:])
    titles = [title] if isinstance(title, str) else list(title)
    c, ncols = many.shape[-1], min(len(many), 3)
    nrows = -(-len(many) // ncols)
    size = max(3.5, 0.45 * c + 1.5)
    fig = Figure(figsize=(size * ncols + 0.8, size * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).reshape(-1)
    names = class_names or [str(i) for i in range(c)]
    for ax, counts, name in zip(axes, many, titles, strict=False):
        rates = counts / np.maximum(counts.sum(1, keepdims=True), 1)
        im = ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
        if c <= 20:
            for i in range(c):
                for j in range(c):
                    ax.text(j, i, f"{counts[i, j]:g}", ha="center", va="center", fontsize=7,
                            color="white" if rates[i, j] > 0.5 else "black")
        ax.set_xticks(range(c), names, fontsize=7)
        ax.set_yticks(range(c), names, fontsize=7)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(name, fontsize=9)
    for ax in axes[len(many):]:
        ax.set_visible(False)
    fig.colorbar(im, ax=list(axes[:len(many)]), fraction=0.046, pad=0.04, label="fraction of true class")
    return fig


def run_confusion(run: Run) -> tuple[np.ndarray, list[str]] | None:
    """The final test confusion counts per sweep point [P, C, C], each summed over that point's seeds that
    did not diverge (never over points), with a title per point; None for a run without them."""
    conf = ((run.summary or {}).get("final_stats") or {}).get("confusion")
    if conf is None:
        return None
    conf = np.asarray(conf, np.float64)  # [K, C, C]
    diverged = {r["index"] for r in run.replicas if r.get("status") == "diverged"}
    out, titles = [], []
    for p in run.points:
        kept = [r for r in p["replicas"] if r not in diverged]
        out.append(conf[kept].sum(0))
        where = "" if len(run.points) == 1 else f"{point_label(p['hparams'])}: "
        titles.append(f"{where}test confusion, {len(kept)} seed(s) summed"
                      + (f" ({len(p['replicas']) - len(kept)} diverged)" if len(kept) < len(p["replicas"]) else ""))
    return np.stack(out), titles


def table_figure(rows: list[dict], title: str = "test accuracy") -> Figure:
    """Bars of measured mean ± std next to the published number for each row of `jaxdl.tables.compare_rows`."""
    fig = Figure(figsize=(1.2 * len(rows) + 2, 3.5))
    ax = fig.subplots()
    x = np.arange(len(rows))
    paper = [np.nan if r["paper"] is None else r["paper"] for r in rows]
    mean = [np.nan if r["mean"] is None else r["mean"] for r in rows]
    std = [0.0 if r["std"] is None else r["std"] for r in rows]
    ax.bar(x - 0.2, paper, 0.4, label="paper", color="lightgray", edgecolor="gray")
    ax.bar(x + 0.2, mean, 0.4, yerr=std, capsize=3, label="jaxdl (mean ± std)")
    for i in np.flatnonzero(np.isnan(mean)):
        ax.text(x[i] + 0.2, 0.02, "not run", rotation=90, ha="center", va="bottom", fontsize=7)
    ax.set_xticks(x, [r["model"] for r in rows])
    ax.set_ylim(0, 1)
    ax.set_ylabel("accuracy")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
