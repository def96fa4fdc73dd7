"""Images as grids: one axis per image (`grid_figure`, also for 1-D signals), or one tiled mosaic per panel
(`image_grids_figure`, cheaper, used for the generative tasks' samples, reconstructions and interpolations)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from jaxdl.plots.base import save


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


def image_grids_figure(panels: dict[str, np.ndarray], ncols: int = 8) -> Figure:
    """One panel per entry (title -> images [N, H, W, C] in [0, 1]), side by side, each a tiled mosaic.

    Sample grids, reconstruction grids and interpolation strips of the generative tasks use this (a mosaic
    is one image per panel, cheaper than `grid_figure`'s one axis per image).
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
    return fig


def image_grids(panels: dict[str, np.ndarray], path: str, ncols: int = 8) -> str:
    """Write `image_grids_figure(panels, ncols)` as a PNG at `path`; returns the path."""
    return save(image_grids_figure(panels, ncols), path)
