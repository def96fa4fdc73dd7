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
        if key == "loss" and np.nanmin(values) > 0:  # a Gaussian negative ELBO can be negative
            ax.set_yscale("log")
    if len(labels) <= 10:
        axes[0][-1].legend(fontsize=7)
    fig.tight_layout()
    path = path or os.path.join(run.plots_dir, "learning_curves.png")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def tile(images: np.ndarray, ncols: int = 8, pad: int = 1) -> np.ndarray:
    """images [N, H, W, C] -> one [rows * (H + pad) - pad, ncols * (W + pad) - pad, C] mosaic (pad = 1.0)."""
    n, h, w, c = images.shape
    ncols = min(ncols, n)
    rows = -(-n // ncols)
    out = np.ones((rows * (h + pad) - pad, ncols * (w + pad) - pad, c), np.float32)
    for i, img in enumerate(images):
        r, col = divmod(i, ncols)
        out[r * (h + pad):r * (h + pad) + h, col * (w + pad):col * (w + pad) + w] = img
    return out


def image_grids(panels: dict[str, np.ndarray], path: str, ncols: int = 8) -> str:
    """One panel per entry (title -> images [N, H, W, C] in [0, 1]), side by side, each a tiled grid.

    Sample grids, reconstruction grids and interpolation strips all go through this. Returns the path.
    """
    rows = max(-(-len(images) // ncols) for images in panels.values())
    width = 3.2 * max(1, ncols / 8)
    fig, axes = plt.subplots(1, len(panels), figsize=(width * len(panels), 0.5 + width * rows / ncols),
                             squeeze=False)
    for ax, (title, images) in zip(axes[0], panels.items(), strict=True):
        mosaic = np.clip(tile(np.asarray(images, np.float32), ncols), 0, 1)
        if mosaic.shape[-1] == 1:
            ax.imshow(mosaic[..., 0], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        else:
            ax.imshow(mosaic, interpolation="nearest")
        ax.set_title(title, fontsize=8)
        ax.axis("off")
    fig.tight_layout()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
