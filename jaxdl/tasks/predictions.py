"""predictions.txt and plots/predictions.png: a few test examples, each reference beside a model's
prediction, written at the end of a seq2seq or CTC run (their `write_artifacts`)."""

from __future__ import annotations

import os

from jaxdl.train.rundir import write_text

FILE = "predictions.txt"


def write_predictions(workdir: str, rows: list[tuple[str, str, str]], title: str) -> None:
    """rows: (input, reference, prediction) strings -> <workdir>/predictions.txt (tab-separated, with a
    column saying whether the prediction is the reference) and the same table as plots/predictions.png."""
    from jaxdl import plots  # matplotlib: imported only when a figure is drawn

    lines = [f"# {title}", "# input\treference\tprediction\tright"]
    lines += [f"{i}\t{r}\t{p}\t{'yes' if r == p else 'no'}" for i, r, p in rows]
    write_text(os.path.join(workdir, FILE), "\n".join(lines) + "\n")
    plots.save(plots.predictions_figure(rows, title), os.path.join(workdir, "plots", "predictions.png"))
