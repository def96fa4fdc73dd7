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
    """Train loss, test loss and test accuracy / mean IoU / mAP@0.5 (where logged) against step.
    Returns the PNG's path."""
    panels = [(s, k) for s, k in [("train", "loss"), ("test", "loss"), ("test", "accuracy"),
                                  ("test", "mean_iou"), ("test", "map50")]
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


# ---- dense vision: segmentation masks and boxes on images ----

def _class_colors() -> np.ndarray:
    """RGBA [11, 4]: background (index 0) transparent, then digit class c at index 1 + c in tab10."""
    colors = np.zeros((11, 4))
    colors[1:] = plt.get_cmap("tab10")(np.arange(10))
    return colors


def _draw_boxes(ax, boxes, classes, scores=None, dashed=False) -> None:
    """Boxes [N, 4] as (y0, x0, y1, x1) pixels (pixel (i, j) covers [i, i + 1) x [j, j + 1)), labelled."""
    from matplotlib.patches import Rectangle

    colors = _class_colors()
    for k, ((y0, x0, y1, x1), c) in enumerate(zip(boxes, classes, strict=True)):
        ax.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False, lw=1.2,
                               ls="--" if dashed else "-", edgecolor=colors[1 + int(c)]))
        text = f"{int(c)}" if scores is None else f"{int(c)}:{scores[k]:.2f}"
        ax.text(x0 - 0.5, y0 - 1, text, color=colors[1 + int(c)], fontsize=6, va="bottom")


def _overlay(ax, image, mask=None) -> None:
    ax.imshow(np.asarray(image)[..., 0], cmap="gray", vmin=0, vmax=255 if np.asarray(image).dtype == np.uint8 else 1)
    if mask is not None:
        ax.imshow(_class_colors()[np.asarray(mask).astype(int)], alpha=0.45)
    ax.set_xticks([])
    ax.set_yticks([])


def _save(fig, path: str) -> str:
    fig.tight_layout()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def scene_examples(split: dict[str, np.ndarray], path: str, n: int = 6) -> str:
    """Dataset figure: the first n scenes of a digit_scenes split ("inputs" [N, H, W, 1], "segmentation"
    [N, H, W], "boxes", "box_classes", "num_boxes"): images on top, mask and boxes overlaid below."""
    fig, axes = plt.subplots(2, n, figsize=(1.8 * n, 3.8), squeeze=False)
    for i in range(n):
        k = int(split["num_boxes"][i])
        _overlay(axes[0][i], split["inputs"][i])
        _overlay(axes[1][i], split["inputs"][i], split["segmentation"][i])
        _draw_boxes(axes[1][i], split["boxes"][i][:k], split["box_classes"][i][:k])
    axes[0][0].set_ylabel("image")
    axes[1][0].set_ylabel("mask + boxes")
    return _save(fig, path)


def segmentation_predictions(images, target, pred, path: str) -> str:
    """images [N, H, W, 1], true and predicted class maps [N, H, W] (0 = background) -> a 3-row grid."""
    n = len(images)
    fig, axes = plt.subplots(3, n, figsize=(1.6 * n, 5.0), squeeze=False)
    for i in range(n):
        _overlay(axes[0][i], images[i])
        _overlay(axes[1][i], images[i], target[i])
        _overlay(axes[2][i], images[i], pred[i])
    for row, name in enumerate(("image", "truth", "prediction")):
        axes[row][0].set_ylabel(name)
    return _save(fig, path)


def detection_predictions(examples: dict[str, np.ndarray], boxes, scores, classes, min_score: float,
                          path: str) -> str:
    """Ground truth (dashed, from examples' "inputs", "boxes", "box_classes", "num_boxes") and detections
    with score >= min_score (solid, "class:score") on each image; boxes [N, k, 4], scores/classes [N, k]."""
    n = len(examples["inputs"])
    fig, axes = plt.subplots(1, n, figsize=(2.0 * n, 2.3), squeeze=False)
    for i in range(n):
        ax, k, keep = axes[0][i], int(examples["num_boxes"][i]), np.asarray(scores[i]) >= min_score
        _overlay(ax, examples["inputs"][i])
        _draw_boxes(ax, examples["boxes"][i][:k], examples["box_classes"][i][:k], dashed=True)
        _draw_boxes(ax, np.asarray(boxes[i])[keep], np.asarray(classes[i])[keep], np.asarray(scores[i])[keep])
    fig.suptitle(f"dashed: truth, solid: detections with score >= {min_score}", fontsize=8)
    return _save(fig, path)
