"""`standard_plots(run)`: what `jaxdl plot --workdir DIR` writes."""

from __future__ import annotations

import os

from jaxdl.plots.base import save
from jaxdl.plots.curves import confusion_figure, learning_curves, run_confusion, sweep_figure
from jaxdl.plots.images import sample_grid_figure
from jaxdl.runs import Run


def standard_plots(run: Run) -> list[str]:
    """Write every plot that applies to `run` into `<workdir>/plots/`; returns the paths written.

    learning_curves.png (any logged metrics), sweep.png (a run with a sweep), confusion.png (a finished
    classification run: summary.json final_stats.confusion, one panel per sweep point), samples.png (a run
    with samples.npy).
    """
    out = []
    if run.metrics:
        out.append(learning_curves(run))
    if run.sweep and "accuracy" in run.metric_names("test"):
        out.append(save(sweep_figure(run), os.path.join(run.plots_dir, "sweep.png")))
    conf = run_confusion(run)
    if conf is not None:  # one panel per sweep point
        out.append(save(confusion_figure(*conf), os.path.join(run.plots_dir, "confusion.png")))
    samples = run.samples()
    if samples is not None:
        out.append(save(sample_grid_figure(*samples), os.path.join(run.plots_dir, "samples.png")))
    return out
