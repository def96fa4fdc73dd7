"""The one plotting module: run directories in, figures and PNGs out. Notebooks, the driver and
`jaxdl plot` all call it.

Every `*_figure` function returns a `matplotlib.figure.Figure` built without pyplot, so no backend is
chosen or changed here: the driver and `jaxdl plot` save it to PNG, a notebook displays it inline. The
functions without the suffix (`learning_curves`, `standard_plots`) write PNGs into `<workdir>/plots/`.
"""

from __future__ import annotations

import os

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from jaxdl.runs import Run


def replica_label(replica: dict) -> str:
    hp = ", ".join(f"{k.split('.')[-1]}={v:g}" for k, v in replica.get("hparams", {}).items())
    return f"seed {replica['seed']}" + (f", {hp}" if hp else "")


def save(fig: Figure, path: str) -> str:
    """Write `fig` as a PNG at `path` (directories created). Returns `path`."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=110)
    return path


def plot_curves(ax, steps: np.ndarray, values: np.ndarray, labels: list[str] | None = None) -> None:
    """Every replica as a thin line ([T, K] values), their mean as a thick line with a ±std band."""
    for k in range(values.shape[1]):
        ax.plot(steps, values[:, k], lw=0.8, alpha=0.5, label=labels[k] if labels else None)
    if values.shape[1] > 1:
        mean, std = np.nanmean(values, 1), np.nanstd(values, 1)
        ax.plot(steps, mean, color="black", lw=2, label="mean")
        ax.fill_between(steps, mean - std, mean + std, color="black", alpha=0.1)


def plot_band(ax, steps: np.ndarray, values: np.ndarray, label: str | None = None, color=None) -> None:
    """Only the mean over replicas of values [T, K] with a ±std band: for comparing several runs."""
    mean, std = np.nanmean(values, 1), np.nanstd(values, 1)
    (line,) = ax.plot(steps, mean, lw=2, label=label, color=color)
    ax.fill_between(steps, mean - std, mean + std, color=line.get_color(), alpha=0.15)


def _curve_panels(run: Run) -> list[tuple[str, str]]:
    return [(s, k) for s, k in [("train", "loss"), ("test", "loss"), ("test", "accuracy"),
                                ("test", "mean_iou"), ("test", "map50")]
            if k in run.metric_names(s)]


def learning_curves_figure(run: Run) -> Figure:
    """Train loss, test loss and test accuracy (where logged) against step: every replica and mean ± std."""
    panels = _curve_panels(run) or [("train", k) for k in run.metric_names("train")[:3]]
    fig = Figure(figsize=(4.5 * max(len(panels), 1), 3.5))
    axes = fig.subplots(1, max(len(panels), 1), squeeze=False)[0]
    labels = [replica_label(r) for r in run.replicas]
    for ax, (split, key) in zip(axes, panels, strict=False):
        steps, values = run.series(split, key)
        plot_curves(ax, steps, values, labels if len(labels) <= 10 else None)
        ax.set_title(f"{split} {key}")
        ax.set_xlabel("step")
        if key == "loss" and np.nanmin(values) > 0:
            ax.set_yscale("log")
    if len(labels) <= 10 and panels:
        axes[-1].legend(fontsize=7)
    fig.tight_layout()
    return fig


def learning_curves(run: Run, path: str | None = None) -> str:
    """Write `learning_curves_figure(run)` as a PNG (default `<workdir>/plots/learning_curves.png`)."""
    return save(learning_curves_figure(run), path or os.path.join(run.plots_dir, "learning_curves.png"))


def compare_runs_figure(runs: dict[str, Run], split: str = "test", key: str = "accuracy") -> Figure:
    """One panel: each run's mean ± std band over its replicas for one metric, runs named by the dict keys."""
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    for name, run in runs.items():
        steps, values = run.series(split, key)
        plot_band(ax, steps, values, label=f"{name} (K={values.shape[1]})")
    ax.set_xlabel("step")
    ax.set_title(f"{split} {key}: mean ± std over replicas")
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
            ax.plot(steps, np.nanmean(values, 1), ["-", "--", ":", "-."][i % 4], lw=1.5, label=name)
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
    the hyperparameter's value, with the mean over replicas at each value as a line. Raises ValueError when
    the run has no sweep."""
    sweep = run.sweep
    if not sweep:
        raise ValueError(f"run {run.path} has no sweep")
    final = run.final(key, split)  # [K]
    seeds = np.array([r["seed"] for r in run.replicas])
    fig = Figure(figsize=(4.5 * len(sweep), 3.5))
    axes = fig.subplots(1, len(sweep), squeeze=False)[0]
    for ax, (name, values) in zip(axes, sweep.items(), strict=True):
        x = np.array([r["hparams"][name] for r in run.replicas])
        for s in np.unique(seeds):
            ax.scatter(x[seeds == s], final[seeds == s], s=18, alpha=0.7, label=f"seed {s}")
        points = np.array(sorted(set(values)))
        ax.plot(points, [np.nanmean(final[x == v]) for v in points], color="black", lw=1.5, label="mean")
        if points.min() > 0 and points.max() / points.min() >= 10:
            ax.set_xscale("log")
        ax.set_xlabel(name)
        ax.set_ylabel(f"final {split} {key}")
    if len(np.unique(seeds)) <= 10:
        axes[-1].legend(fontsize=7)
    fig.tight_layout()
    return fig


def confusion_figure(confusion: np.ndarray, title: str = "confusion", class_names: list[str] | None = None
                     ) -> Figure:
    """confusion [C, C] counts (row = true class, column = predicted) shown row-normalised, counts written."""
    confusion = np.asarray(confusion, np.float64)
    c = confusion.shape[0]
    rates = confusion / np.maximum(confusion.sum(1, keepdims=True), 1)
    size = max(3.5, 0.45 * c + 1.5)
    fig = Figure(figsize=(size + 0.8, size))
    ax = fig.subplots()
    im = ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="fraction of true class")
    if c <= 20:
        for i in range(c):
            for j in range(c):
                ax.text(j, i, f"{confusion[i, j]:g}", ha="center", va="center", fontsize=7,
                        color="white" if rates[i, j] > 0.5 else "black")
    names = class_names or [str(i) for i in range(c)]
    ax.set_xticks(range(c), names, fontsize=7)
    ax.set_yticks(range(c), names, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def run_confusion(run: Run) -> np.ndarray | None:
    """The final test confusion counts summed over replicas [C, C], or None for a run without them."""
    conf = ((run.summary or {}).get("final_stats") or {}).get("confusion")
    return None if conf is None else np.asarray(conf, np.float64).sum(0)


def grid_figure(images: np.ndarray, ncols: int = 10, value_range: tuple[float, float] | None = None,
                titles: list[str] | None = None, title: str | None = None) -> Figure:
    """A grid of images [N, H, W, C] (C = 1 grey, 3 RGB) or 1-D signals [N, L] / [N, L, 1] (as line plots).

    Values are shown on `value_range` (default: the images' own min and max).
    """
    images = np.asarray(images, np.float32)
    n = len(images)
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    signal = images.ndim == 2 or (images.ndim == 3 and images.shape[-1] == 1)
    lo, hi = value_range if value_range is not None else (float(np.nanmin(images)), float(np.nanmax(images)))
    hi = hi if hi > lo else lo + 1.0  # constant images: any non-empty range shows them
    fig = Figure(figsize=(1.2 * ncols * (1.5 if signal else 1), 1.2 * nrows + (0.4 if title else 0)))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= n:
            ax.axis("off")
            continue
        if signal:
            ax.plot(images[i].reshape(-1), lw=1)
            ax.set_ylim(lo, hi)
        else:
            img = (np.clip(images[i], lo, hi) - lo) / max(hi - lo, 1e-12)
            ax.imshow(img[..., 0] if img.shape[-1] == 1 else img, cmap="gray", vmin=0, vmax=1)
        if titles:
            ax.set_title(titles[i], fontsize=7)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def sample_grid_figure(samples: np.ndarray, meta: dict | None = None, n: int = 64, ncols: int = 8) -> Figure:
    """The first `n` of samples [N, H, W, C] on the range samples_meta.json states (key "range"), if any."""
    meta = meta or {}
    value_range = meta.get("range") or meta.get("value_range")
    return grid_figure(samples[:n], ncols=ncols, value_range=tuple(value_range) if value_range else None,
                       title=meta.get("source"))


def standard_plots(run: Run) -> list[str]:
    """Write every plot that applies to `run` into `<workdir>/plots/`; returns the paths written.

    learning_curves.png (any logged metrics), sweep.png (a run with a sweep), confusion.png (a finished
    classification run: summary.json final_stats.confusion), samples.png (a run with samples.npy).
    """
    out = []
    if run.metrics:
        out.append(learning_curves(run))
    if run.sweep and "accuracy" in run.metric_names("test"):
        out.append(save(sweep_figure(run), os.path.join(run.plots_dir, "sweep.png")))
    conf = run_confusion(run)
    if conf is not None:
        title = f"test confusion, summed over {len(run.replicas)} replica(s)"
        out.append(save(confusion_figure(conf, title), os.path.join(run.plots_dir, "confusion.png")))
    samples = run.samples()
    if samples is not None:
        out.append(save(sample_grid_figure(*samples), os.path.join(run.plots_dir, "samples.png")))
    return out


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


def latent_map_figure(latents: np.ndarray, labels: np.ndarray, title: str = "latent space") -> Figure:
    """Latent codes [N, D] as a scatter coloured by int labels [N]: the first two dimensions when D == 2,
    otherwise their first two principal components (the axis labels say which)."""
    z = np.asarray(latents, np.float64)
    if z.shape[1] == 2:
        xy, names = z, ("z[0]", "z[1]")
    else:
        zc = z - z.mean(0)
        _, _, vt = np.linalg.svd(zc, full_matrices=False)
        xy, names = zc @ vt[:2].T, ("PC 1", "PC 2")
    fig = Figure(figsize=(5, 4.3))
    ax = fig.subplots()
    sc = ax.scatter(xy[:, 0], xy[:, 1], c=labels, cmap="tab10", s=6, alpha=0.8)
    fig.colorbar(sc, ax=ax, label="class")
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.set_title(title)
    fig.tight_layout()
    return fig


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
    """One panel per entry (title -> images [N, H, W, C] in [0, 1]), side by side, each a tiled mosaic.

    Sample grids, reconstruction grids and interpolation strips of the generative tasks use this (a mosaic
    is one image per panel, cheaper than `grid_figure`'s one axis per image). Returns the path.
    """
    rows = max(-(-len(images) // ncols) for images in panels.values())
    width = 3.2 * max(1, ncols / 8)
    fig = Figure(figsize=(width * len(panels), 0.5 + width * rows / ncols))
    axes = fig.subplots(1, len(panels), squeeze=False)
    for ax, (title, images) in zip(axes[0], panels.items(), strict=True):
        mosaic = np.clip(tile(np.asarray(images, np.float32), ncols), 0, 1)
        if mosaic.shape[-1] == 1:
            ax.imshow(mosaic[..., 0], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        else:
            ax.imshow(mosaic, interpolation="nearest")
        ax.set_title(title, fontsize=8)
        ax.axis("off")
    fig.tight_layout()
    return save(fig, path)


# ---- dense vision: segmentation masks and boxes on images ----

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
        ax.text(x0 - 0.5, y0 - 1, text, color=colors[1 + int(c)], fontsize=6, va="bottom")


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
    """images [N, H, W, 1], true and predicted class maps [N, H, W] (0 = background) -> a 3-row grid."""
    n = len(images)
    fig = Figure(figsize=(1.6 * n, 5.0))
    axes = fig.subplots(3, n, squeeze=False)
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
    fig = Figure(figsize=(2.0 * n, 2.3))
    axes = fig.subplots(1, n, squeeze=False)
    for i in range(n):
        ax, k, keep = axes[0][i], int(examples["num_boxes"][i]), np.asarray(scores[i]) >= min_score
        _overlay(ax, examples["inputs"][i])
        _draw_boxes(ax, examples["boxes"][i][:k], examples["box_classes"][i][:k], dashed=True)
        _draw_boxes(ax, np.asarray(boxes[i])[keep], np.asarray(classes[i])[keep], np.asarray(scores[i])[keep])
    fig.suptitle(f"dashed: truth, solid: detections with score >= {min_score}", fontsize=8)
    return _save(fig, path)


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
