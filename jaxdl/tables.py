"""Result tables next to published numbers. The MNIST-1D table (Greydanus 2020, "Scaling down deep
learning", Table 1 test accuracies) is the first; table.json files are read by `jaxdl.runs.load_table`."""

from __future__ import annotations

from typing import Any

# model name in table.json -> the paper's test accuracy on MNIST-1D
MNIST1D_PAPER_ACCURACY = {"logreg": 0.32, "mlp": 0.68, "cnn": 0.94, "gru": 0.91}


def compare_rows(models: dict[str, dict[str, Any]], paper: dict[str, float] = MNIST1D_PAPER_ACCURACY
                 ) -> list[dict[str, Any]]:
    """One row per model in `paper` order, then any extra models: name, paper accuracy (or None), measured
    mean/std (None where the table lacks the model), replicas and wall_s where recorded."""
    rows = []
    for name in [*paper, *(m for m in models if m not in paper)]:
        row = models.get(name, {})
        rows.append({"model": name, "paper": paper.get(name), "mean": row.get("accuracy_mean"),
                     "std": row.get("accuracy_std"), "replicas": row.get("replicas"), "wall_s": row.get("wall_s")})
    return rows


def format_comparison(rows: list[dict[str, Any]]) -> str:
    """`compare_rows` output as a fixed-width text table; missing values are shown as "-"."""
    def pct(x):
        return "-" if x is None else f"{100 * x:.1f}%"

    lines = [f"{'model':<8} {'paper':>7} {'jaxdl mean ± std':>18} {'seeds':>5} {'wall s':>7}", "-" * 49]
    for r in rows:
        measured = "-" if r["mean"] is None else f"{pct(r['mean'])} ± {100 * (r['std'] or 0):.1f}"
        seeds = "-" if r["replicas"] is None else str(r["replicas"])
        wall = "-" if r["wall_s"] is None else f"{r['wall_s']:.1f}"
        lines.append(f"{r['model']:<8} {pct(r['paper']):>7} {measured:>18} {seeds:>5} {wall:>7}")
    return "\n".join(lines)
