"""What `jaxdl` prints of a finished run: the end-of-run table (`format_table`)."""

from __future__ import annotations


def format_table(summary: dict, workdir: str) -> str:
    """The end-of-run table: one row per replica, then per sweep point with several seeds its mean ± std over
    them (a run without a sweep is one point). Never a mean over sweep points."""
    from jaxdl.compare import headline_keys
    from jaxdl.sweeps import point_label, point_stats

    final = summary["final"]["test"]
    keys = headline_keys(final)
    wall = summary["timings"]["total"]["total_s"] if "timings" in summary else summary["wall_s"]  # end to end
    lines = [f"run {workdir}: {len(summary['replicas'])} replica(s), {summary['steps']} steps, "
             f"{wall:.1f} s wall ({summary['compile_s']:.1f} s compile, "
             f"{summary['steps_per_s'] or 0:.0f} steps/s)"]
    width = {k: max(15, len("test " + k)) for k in keys}
    num = lambda x: "nan" if x is None or x != x else f"{x:.4f}"  # a diverged replica has no metrics
    header = f"{'replica':>7}  {'seed':>4}  {'hparams':<28}" + "".join(f"  {'test ' + k:>{width[k]}}" for k in keys)
    lines += [header, "-" * len(header)]
    for r in summary["replicas"]:
        vals = "".join(f"  {num(final[k][r['index']]):>{width[k]}}" for k in keys)
        lines.append(f"{r['index']:>7}  {r['seed']:>4}  {point_label(r['hparams']):<28}{vals}")
    # one seed: its row is the result (a std of one value says nothing)
    means = [p for p in point_stats(summary["replicas"], final) if len(p["replicas"]) > 1]
    if means:
        lines.append("-" * len(header))
        for p in means:
            ms = p["test"]
            lines.append(f"{'mean ± std':>7}  {'':>4}  {point_label(p['hparams']):<28}"
                         + "".join(f"  {num(ms[k]['mean']) + '±' + num(ms[k]['std']):>{width[k]}}" for k in keys))
    return "\n".join(lines)
