"""Generative runs: the latent map of a VAE.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure


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
