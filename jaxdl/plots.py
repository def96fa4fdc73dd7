"""The one plotting module: run directories in, PNGs out. Notebooks and the driver both call it."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")  # files only; notebooks pick their own backend before importing pyplot
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from jaxdl.runs import Run  # noqa: E402


def replica_label(replica: dict) -> str:
    hp = ", ".join(f"{k.split('.')[-1]}={v:g}" for k, v in replica.get("hparams", {}).items())
    return f"seed {replica['seed']}" + (f", {hp}" if hp else "")


def plot_curves(ax, steps: np.ndarray, values: np.ndarray, labels: list[str] | None = None) -> None:
    """Every replica as a thin line ([T, K] values), their mean as a thick line with a ±std band."""
    for k in range(values.shape[1]):
        ax.plot(steps, values[:, k], lw=0.8, alpha=0.5, label=labels[k] if labels else None)
    if values.shape[1] > 1:
        mean, std = np.nanmean(values, 1), np.nanstd(values, 1)
        ax.plot(steps, mean, color="black", lw=2, label="mean")
        ax.fill_between(steps, mean - std, mean + std, color="black", alpha=0.1)


def learning_curves(run: Run, path: str | None = None) -> str:
    """Train loss, test loss and test accuracy (where logged) against step. Returns the PNG's path."""
    panels = [(s, k) for s, k in [("train", "loss"), ("test", "loss"), ("test", "accuracy")]
              if k in run.metric_names(s)]
    fig, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 3.5), squeeze=False)
    labels = [replica_label(r) for r in run.replicas]
    for ax, (split, key) in zip(axes[0], panels, strict=True):
        steps, values = run.series(split, key)
        plot_curves(ax, steps, values, labels if len(labels) <= 10 else None)
        ax.set_title(f"{split} {key}")
        ax.set_xlabel("step")
        if key == "loss":
            ax.set_yscale("log")
    if len(labels) <= 10:
        axes[0][-1].legend(fontsize=7)
    fig.tight_layout()
    path = path or os.path.join(run.plots_dir, "learning_curves.png")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def compare_runs(runs: dict[str, Run], path: str, panels=(("train", "loss"), ("test", "accuracy")),
                 title: str = "") -> str:
    """Overlay several runs' replica-mean curves, one panel per (split, metric); a last panel shows each
    run's largest |difference| from the first run, per step, on a log scale. Returns the PNG's path."""
    fig, axes = plt.subplots(1, len(panels) + 1, figsize=(4.5 * (len(panels) + 1), 3.5), squeeze=False)
    (first_label, first), *others = runs.items()
    styles = ["-", "--", ":", "-."]
    for ax, (split, key) in zip(axes[0], panels, strict=False):
        for i, (label, run) in enumerate(runs.items()):
            steps, values = run.series(split, key)
            ax.plot(steps, np.nanmean(values, 1), styles[i % len(styles)], lw=1.5, label=label)
        ax.set_title(f"{split} {key}")
        ax.set_xlabel("step")
        if key == "loss":
            ax.set_yscale("log")
    axes[0][0].legend(fontsize=7)
    ax = axes[0][-1]
    for split, key in panels:
        steps, ref = first.series(split, key)
        for label, run in others:
            diff = np.max(np.abs(run.series(split, key)[1] - ref), axis=1)
            ax.plot(steps, np.maximum(diff, 1e-12), ".-", lw=0.8, label=f"{split} {key}: {label}")
    ax.set_yscale("log")
    ax.set_title(f"|difference| from {first_label} (0 drawn at 1e-12)")
    ax.set_xlabel("step")
    ax.legend(fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
