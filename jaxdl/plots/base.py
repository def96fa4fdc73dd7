"""What every plot module shares: writing a figure to a PNG."""

from __future__ import annotations

import os

from matplotlib.figure import Figure

from jaxdl.train.workdir import record_plot


def save(fig: Figure, path: str) -> str:
    """Write `fig` as a PNG at `path` (directories created). Returns `path`. A figure in a run directory's
    plots/ is added to its manifest.json."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=110)
    record_plot(path)  # in a run directory: listed as jaxdl's, for --overwrite
    return path
