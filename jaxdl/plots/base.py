"""What every plot module shares: writing a figure to a PNG."""

from __future__ import annotations

import os

from matplotlib.figure import Figure


def save(fig: Figure, path: str) -> str:
    """Write `fig` as a PNG at `path` (directories created). Returns `path`."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=110)
    return path
