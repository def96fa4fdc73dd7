"""Task predictions drawn on their inputs: segmentation masks and detection boxes on digit scenes,
log-mel spectrograms with their transcripts, and a table of references beside predictions (seq2seq, CTC)."""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from jaxdl.plots.base import save


def _class_colors() -> np.ndarray:
    """RGBA [11, 4]: background (index 0) transparent, then digit class c at index 1 + c in tab10."""
    colors = np.zeros((11, 4))
    colors[1:] = matplotlib.colormaps["tab10"](np.arange(10))
    return colors


def _draw_boxes(ax, boxes, classes, scores=None, dashed=False) -> None:
    """Boxes [N, 4] as (y0, x0, y1, x1) pixels (pixel (i, j) covers [i, i + 1) x [j, j + 1)), labelled."""
    from matplotlib.patches import Rectangle

    colors = _class_colors()
    for k, ((y0, x0, y1, x1), c) in enumerate(zip(boxes, classes, strict=True)):
        ax.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False, lw=1.2,
                               ls="--" if dashed else "-", edgecolor=colors[1 + int(c)]))
        text = f"{int(c)}" if scores is None else f"{int(c)}:{scores[k]:.2f}"
        if dashed:  # the truth's label under its box, a detection's above: the two never share a corner
            ax.text(x0 - 0.5, y1, text, color=colors[1 + int(c)], fontsize=7, va="top")
        else:
            ax.text(x0 - 0.5, y0 - 1, text, color=colors[1 + int(c)], fontsize=7, va="bottom")


def _overlay(ax, image, mask=None) -> None:
    """image [H, W, 1] grey or [H, W, 3] RGB (uint8, or float in [0, 1]), mask [H, W] of classes (0 clear)."""
    image = np.asarray(image)
    if image.shape[-1] == 3:  # colour photos (oxford_iiit_pet)
        ax.imshow(image if image.dtype == np.uint8 else np.clip(image, 0, 1))
    else:
        ax.imshow(image[..., 0], cmap="gray", vmin=0, vmax=255 if image.dtype == np.uint8 else 1)
    if mask is not None:
        ax.imshow(_class_colors()[np.asarray(mask).astype(int)], alpha=0.45)
    ax.set_xticks([])
    ax.set_yticks([])


def _save(fig: Figure, path: str) -> str:
    fig.tight_layout()
    return save(fig, path)


def scene_examples(split: dict[str, np.ndarray], path: str, n: int = 6) -> str:
    """Dataset figure: the first n scenes of a digit_scenes split ("inputs" [N, H, W, 1], "segmentation"
    [N, H, W], "boxes", "box_classes", "num_boxes"): images on top, mask and boxes overlaid below."""
    fig = Figure(figsize=(1.8 * n, 3.8))
    axes = fig.subplots(2, n, squeeze=False)
    for i in range(n):
        k = int(split["num_boxes"][i])
        _overlay(axes[0][i], split["inputs"][i])
        _overlay(axes[1][i], split["inputs"][i], split["segmentation"][i])
        _draw_boxes(axes[1][i], split["boxes"][i][:k], split["box_classes"][i][:k])
    axes[0][0].set_ylabel("image")
    axes[1][0].set_ylabel("mask + boxes")
    return _save(fig, path)


def segmentation_predictions(images, target, pred, path: str) -> str:
    """Write `segmentation_figure(images, target, pred)` as a PNG at `path`."""
    return save(segmentation_figure(images, target, pred), path)


def segmentation_figure(images, target, pred) -> Figure:
    """images [N, H, W, 1], true and predicted class maps [N, H, W] (0 = background) -> a 3-row grid, with a
    legend of the colours of the classes drawn (class k is the dataset's class k - 1: digit_scenes' digit)."""
    from matplotlib.patches import Patch

    n = len(images)
    fig = Figure(figsize=(1.6 * n + 1.0, 5.0), layout="constrained")
    axes = fig.subplots(3, n, squeeze=False)
    for i in range(n):
        _overlay(axes[0][i], images[i])
        _overlay(axes[1][i], images[i], target[i])
        _overlay(axes[2][i], images[i], pred[i])
    for row, name in enumerate(("image", "truth", "prediction")):
        axes[row][0].set_ylabel(name)
    colors, drawn = _class_colors(), np.union1d(np.unique(target), np.unique(pred))
    fig.legend([Patch(color=colors[k], alpha=0.6) for k in drawn if k > 0], [str(k - 1) for k in drawn if k > 0],
               title="class", fontsize=7, title_fontsize=7, loc="outside right center")
    return fig


def detection_predictions(examples: dict[str, np.ndarray], boxes, scores, classes, min_score: float,
                          path: str) -> str:
    """Write `detection_figure(...)` as a PNG at `path`."""
    return _save(detection_figure(examples, boxes, scores, classes, min_score), path)


def detection_figure(examples: dict[str, np.ndarray], boxes, scores, classes, min_score: float) -> Figure:
    """Ground truth (dashed, from examples' "inputs", "boxes", "box_classes", "num_boxes") and detections
    with score >= min_score (solid, "class:score") on each image; boxes [N, k, 4], scores/classes [N, k]."""
    n = len(examples["inputs"])
    cols = min(n, 4)  # a grid of large panels: the boxes' labels need the room
    rows = -(-n // cols)
    fig = Figure(figsize=(3.0 * cols, 3.0 * rows + 0.3))
    axes = fig.subplots(rows, cols, squeeze=False).reshape(-1)
    for ax in axes[n:]:
        ax.set_axis_off()
    for i in range(n):
        ax, k, keep = axes[i], int(examples["num_boxes"][i]), np.asarray(scores[i]) >= min_score
        _overlay(ax, examples["inputs"][i])
        _draw_boxes(ax, examples["boxes"][i][:k], examples["box_classes"][i][:k], dashed=True)
        _draw_boxes(ax, np.asarray(boxes[i])[keep], np.asarray(classes[i])[keep], np.asarray(scores[i])[keep])
    fig.suptitle(f"dashed: truth, solid: detections with score >= {min_score}", fontsize=8)
    return fig


def spectrogram_figure(frames: list[np.ndarray], titles: list[str]) -> Figure:
    """Log-mel spectrograms (each [F, M], time along x) stacked vertically, each titled (e.g. its transcript)."""
    fig = Figure(figsize=(7, 1.6 * max(len(frames), 1)))
    for i, (f, title) in enumerate(zip(frames, titles, strict=True)):
        ax = fig.add_subplot(len(frames), 1, i + 1)
        ax.imshow(np.asarray(f).T, origin="lower", aspect="auto", cmap="magma")
        ax.set_title(title, fontsize=9, loc="left")
        ax.set_yticks([])
        ax.set_xlabel("frame (10 ms)" if i == len(frames) - 1 else "")
    fig.tight_layout()
    return fig


def predictions_figure(rows: list[tuple[str, str, str]], title: str = "") -> Figure:
    """A table of (input, reference, prediction) strings, each prediction green where it equals its
    reference and red where it does not."""
    fig = Figure(figsize=(6.5, 0.8 + 0.28 * (len(rows) + 1)))
    ax = fig.subplots()
    ax.set_axis_off()
    ax.set_xlim(0, 3)
    ax.set_ylim(len(rows) + 0.5, -0.8)
    for col, name in enumerate(("input", "reference", "prediction")):
        ax.text(col, 0, name, fontweight="bold", fontsize=9, va="center")
    for row, (inp, ref, pred) in enumerate(rows, 1):
        ax.text(0, row, inp, family="monospace", fontsize=9, va="center")
        ax.text(1, row, ref, family="monospace", fontsize=9, va="center")
        ax.text(2, row, pred or "(empty)", family="monospace", fontsize=9, va="center",
                color="tab:green" if pred == ref else "tab:red")
    if title:
        ax.set_title(title, fontsize=9, loc="left")
    fig.tight_layout()
    return fig
