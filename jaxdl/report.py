"""What `jaxdl` prints: the end-of-run table (`format_table`), `jaxdl eval`'s metrics (`format_eval`) and `jaxdl
datasets`' list (`format_datasets`)."""

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


def format_eval(result: dict) -> str:
    """`jaxdl eval`'s lines: the checkpoint, each metric per replica [K], and its mean ± std per sweep point
    with several seeds (`evaluate_workdir`'s result)."""
    from jaxdl.sweeps import point_label

    points = result["points"]
    lines = [f"checkpoint {result['checkpoint']} (step {result['step']}), test split:"]
    for k, v in sorted(result["metrics"].items()):
        lines.append(f"  {k:>10}: {' '.join('nan' if x is None else f'{x:.4f}' for x in v)}")
        for p in points:
            if len(p["replicas"]) > 1:  # no std of one replica
                ms = p["test"][k]
                where = f" at {point_label(p['hparams'])}" if len(points) > 1 else ""
                lines.append(f"  {'':>10}  mean {ms['mean']:.4f} ± {ms['std']:.4f} over {len(p['replicas'])} "
                             f"seeds{where}")
    return "\n".join(lines)


def format_datasets(rows: list[dict], data_dir: str, families: list[str], data_dir_flag: str | None) -> str:
    """`jaxdl datasets`' list: the data dir, then one line per dataset (`describe`'s rows) with its kind and
    state, or the command that prepares it; `families`: the names that take a builder config."""
    width = max(len(r["name"]) for r in rows)
    lines = [f"data dir {data_dir} (--data_dir, else $JAXDL_DATA_DIR, else ~/tensorflow_datasets)"]
    for r in rows:
        if r["prepared"]:
            state = "prepared    " + ", ".join(f"{k} {v:,}" for k, v in sorted(r["splits"].items()))
        elif r["kind"] == "embedded":
            state = "not yet     generated offline on first use"
        elif r["kind"] == "own":
            state = "your file   --config.dataset.path=FILE.npz (x_train, y_train, x_test, y_test)"
        else:
            name = r["name"] + ("/CONFIG" if r["name"] in families else "")
            state = f"not here    jaxdl prepare {name}" + (f" --data_dir {data_dir_flag}" if data_dir_flag else "")
        lines.append(f"{r['name']:<{width}}  {r['kind']:<8}  {state}")
    return "\n".join(lines)
