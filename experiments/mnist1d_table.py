"""The MNIST-1D table (Greydanus 2020, "Scaling down deep learning", Table 1): logistic regression, MLP,
CNN and GRU, each with 5 seeds trained as one vmapped program by the one trainer, beside the paper.

    python experiments/mnist1d_table.py --workdir runs/mnist1d_table [--models logreg,mlp] [--replicas 5]
        [--jobs 2] [--overwrite] [--plots] [--config.key=value ...]

Each model's recipe is its config in experiments/configs/mnist1d_<model>.py (Adam 1e-2, batch 100, 6000
steps); `--config.*` overrides apply to every model (e.g. `--config.steps=40` for a smoke test). Writes
`<workdir>/<model>/` (a normal run directory each), `<workdir>/table.json` (read by `jaxdl.runs.load_table`)
and `<workdir>/table.md`, and prints the table. `--jobs N` (default 2 on a machine with 2+ CPUs) trains the
models in N processes at once: on 2 cores the GRU's recurrence loops leave one core mostly idle, which the
other models fill. Each model trains on one device (`mesh={"replica": 1}`, unless `--config.mesh` says
otherwise), not split over the host devices as jaxdl's CPU default would: the jobs already use the cores,
and the split doubled the table's compile time (measured: 52.3 and 54.2 s against 48.1 and 50.6 s
for the table, back to back). Measured results: experiments/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time

import jaxdl.platform

_T_START = time.perf_counter()  # before jax and jaxdl are imported: the table's wall clock starts here

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = ("logreg", "mlp", "cnn", "gru")
CONFIGS = {name: os.path.join(HERE, "configs", f"mnist1d_{name}.py") for name in MODELS}
# The accuracy floors (mean over 5 seeds) for the paper's recipe.
FLOORS = {"logreg": 0.30, "mlp": 0.66, "cnn": 0.92, "gru": 0.89}


def table_markdown(table: dict) -> str:
    """table.json's content as a Markdown table: paper, measured mean ± std over seeds, floor, timings."""
    from jaxdl.tables import MNIST1D_PAPER_ACCURACY as PAPER

    lines = ["| model | paper | jaxdl final, mean ± std | seeds | floor | best over evals | wall s | compile s |",
             "|---|---|---|---|---|---|---|---|"]
    for name, row in table["models"].items():
        paper = f"{100 * PAPER[name]:.0f}%" if name in PAPER else "-"
        floor = f"{100 * FLOORS[name]:.0f}% {'met' if row['accuracy_mean'] >= FLOORS[name] else 'NOT met'}" \
            if name in FLOORS else "-"
        lines.append(f"| {name} | {paper} | {100 * row['accuracy_mean']:.1f}% ± {100 * row['accuracy_std']:.1f} "
                     f"| {row['replicas']} | {floor} | {100 * row['best_over_evals_mean']:.1f}% "
                     f"| {row['wall_s']:.1f} | {row['compile_s']:.1f} |")
    lines.append("")
    m = table["machine"]
    jobs = table.get("jobs", 1)
    if jobs > 1:
        lines.append(f"The models trained in {jobs} processes at once: each model's wall time is of a run "
                     "that shared the machine.")
    lines.append(f"Total: {table['total_wall_s']:.1f} s wall from the first model's start "
                 f"({table.get('script_wall_s', float('nan')):.1f} s from the script's start, imports included; "
                 f"{table['total_compile_s']:.1f} s compiling, "
                 f"{table['total_cpu_s']:.1f} s CPU), {table['steps']} steps per model, backend {m['backend']}, "
                 f"{m['cpu_count']} CPUs, 1-min load average {m['load_before']:.1f} before, {m['load_after']:.1f} "
                 "after. \"best over evals\" is each seed's highest test accuracy over the evaluations "
                 "(chosen on the test set: optimistic); the floors apply to the final accuracy.")
    return "\n".join(lines) + "\n"


# Relative cost of each model's run (measured: GRU ~45%, CNN ~25% of the table), for sharing out the jobs.
COST = {"logreg": 1, "mlp": 4, "cnn": 9, "gru": 20}


def job_groups(models, jobs: int) -> list[list[str]]:
    """The models split into at most `jobs` groups of similar total COST (longest first, onto the lightest)."""
    groups = [[] for _ in range(max(1, min(jobs, len(models))))]
    for name in sorted(models, key=lambda m: -COST.get(m, 1)):
        min(groups, key=lambda g: sum(COST.get(m, 1) for m in g)).append(name)
    return [sorted(g, key=list(models).index) for g in groups if g]


def run_table(workdir: str, models=MODELS, replicas: int = 5, overrides=(), *, overwrite: bool = False,
              quiet: bool = True, plots: bool = False, jobs: int = 1, part: str | None = None) -> dict:
    """Train each model's config with `replicas` seeds into `<workdir>/<model>` and write table.json/.md.
    The dataset is loaded once for every model that shares its config; `plots` draws each run's learning
    curves (off by default: they are not part of the table; `jaxdl plot <workdir>/<model>` draws them).
    `jobs` > 1 trains the models in that many processes at once (`job_groups`), each running this script on
    its share; per-model times are then of concurrent runs, the total is the table's. `part`: write this
    process's rows there instead of table.json/.md (how such a job reports back).

    Returns the table dict: {"models": {name: {"accuracy_mean", "accuracy_std", "accuracy" [K], "wall_s",
    "compile_s", "train_s", "replicas", "steps", "workdir", "paper", "floor"}}, "total_wall_s",
    "total_compile_s", "steps", "machine", "date", "command"}. Bad input raises UserError before training.
    """
    import jax
    import numpy as np

    from jaxdl.config import apply_override, apply_overrides, load_config, to_json
    from jaxdl.errors import UserError
    from jaxdl.runs import load_run
    from jaxdl.tables import MNIST1D_PAPER_ACCURACY
    from jaxdl.train.run import train_and_evaluate
    from jaxdl.train.rundir import write_json
    from jaxdl.train.setup import build_experiment

    unknown = [m for m in models if m not in CONFIGS]
    if unknown or not models:
        raise UserError(f"unknown model(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(MODELS)}")
    configs, datasets, dataset_of = {}, {}, {}
    for name in models:  # every config is checked before anything trains or is written
        config = load_config(CONFIGS[name])
        apply_override(config, "replicas", str(replicas))
        apply_override(config, "mesh", '{"replica": 1}')  # one device per model (module docstring)
        apply_overrides(config, list(overrides))
        key = to_json(config.dataset) + str(config.get("data_dir"))
        datasets[key] = build_experiment(config, dataset=datasets.get(key)).dataset
        configs[name], dataset_of[name] = config, key

    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    t0, cpu0 = time.perf_counter(), time.process_time()
    rows, child_cpu = {}, 0.0
    groups = job_groups(models, jobs) if jobs > 1 else [list(models)]
    if len(groups) > 1:
        parts = _run_jobs(workdir, groups, replicas, overrides, overwrite=overwrite, quiet=quiet, plots=plots)
        for name in models:
            rows[name] = next(p["models"][name] for p in parts if name in p["models"])
        child_cpu = sum(p["total_cpu_s"] for p in parts)
        configs = {}  # trained by the jobs
    for name, config in configs.items():
        cpu = time.process_time()
        summary = train_and_evaluate(config, os.path.join(workdir, name), quiet=quiet, overwrite=overwrite,
                                     dataset=datasets[dataset_of[name]], plots=plots)
        acc = summary["final_mean_std"]["test"]["accuracy"]
        _, curve = load_run(os.path.join(workdir, name)).series("test", "accuracy")  # [T, K]
        rows[name] = {"accuracy_mean": acc["mean"], "accuracy_std": acc["std"],
                      "accuracy": summary["final"]["test"]["accuracy"], "replicas": len(summary["replicas"]),
                      # each seed's best test accuracy over the evaluations: optimistic (chosen on the test
                      # set), only to compare with reports of a best rather than a final accuracy
                      "best_over_evals_mean": float(np.mean(curve.max(axis=0))),
                      "steps": summary["steps"], "wall_s": summary["wall_s"], "compile_s": summary["compile_s"],
                      "train_s": summary["train_s"], "cpu_s": time.process_time() - cpu, "workdir": name,
                      "paper": MNIST1D_PAPER_ACCURACY.get(name), "floor": FLOORS.get(name)}
    table = {
        "models": rows,
        "total_wall_s": time.perf_counter() - t0,
        # from the script's start: imports, config checks and the dataset load included
        "script_wall_s": time.perf_counter() - _T_START,
        # user + system CPU of this process (all its threads) and of its jobs
        "total_cpu_s": time.process_time() - cpu0 + child_cpu,
        "jobs": len(groups),
        "total_compile_s": sum(r["compile_s"] for r in rows.values()),
        "steps": sorted({r["steps"] for r in rows.values()})[0] if len({r["steps"] for r in rows.values()}) == 1
        else {n: r["steps"] for n, r in rows.items()},
        "machine": {"backend": jax.default_backend(), "devices": [str(d) for d in jax.devices()],
                    "cpu_count": os.cpu_count(), "load_before": load_before,
                    "load_after": os.getloadavg()[0] if hasattr(os, "getloadavg") else None},
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": sys.argv,
        "stand_in": False,
    }
    if part:
        write_json(part, table)
        return table
    write_json(os.path.join(workdir, "table.json"), table)
    with open(os.path.join(workdir, "table.md"), "w") as f:
        f.write(table_markdown(table))
    return table


def _run_jobs(workdir, groups, replicas, overrides, *, overwrite, quiet, plots) -> list[dict]:
    """Run this script once per group, all at once, and return each one's table part."""
    import json
    import subprocess
    import tempfile

    from jaxdl.errors import UserError

    os.makedirs(workdir, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=workdir, prefix=".jobs-") as tmp:
        procs = []
        for i, group in enumerate(groups):
            part = os.path.join(tmp, f"part{i}.json")
            argv = [sys.executable, os.path.abspath(__file__), "--workdir", workdir, "--models", ",".join(group),
                    "--replicas", str(replicas), "--jobs", "1", "--part", part]
            argv += ["--overwrite"] * overwrite + ["--progress"] * (not quiet) + ["--plots"] * plots
            argv += [f"--config.{k}={v}" for k, v in overrides]
            # a job's stderr is kept for its one-line error, unless its progress bar should show
            procs.append((part, subprocess.Popen(argv, stderr=None if not quiet else subprocess.PIPE, text=True)))
        parts = []
        for part, proc in procs:
            _, err = proc.communicate()
            if proc.returncode:
                lines = [x for x in (err or "").strip().splitlines() if x.strip()]
                raise UserError(f"a job failed (exit {proc.returncode}): {lines[-1] if lines else 'no message'}")
            parts.append(json.load(open(part)))
    return parts


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line and exit code 2, like `jaxdl`
        from jaxdl.errors import UserError

        raise UserError(message)


def main(argv: list[str] | None = None) -> int:
    from jaxdl.cli import split_overrides
    from jaxdl.errors import UserError

    try:
        rest, overrides = split_overrides(sys.argv[1:] if argv is None else argv)
        p = _Parser(description=__doc__.splitlines()[0])
        p.add_argument("--workdir", required=True, help="table directory: one run directory per model inside")
        p.add_argument("--models", default=",".join(MODELS), help=f"comma-separated subset of {','.join(MODELS)}")
        p.add_argument("--replicas", type=int, default=5, help="seeds per model, trained as one program")
        p.add_argument("--overwrite", action="store_true", help="replace earlier runs of other configs")
        p.add_argument("--progress", action="store_true", help="show each run's progress bar")
        p.add_argument("--plots", action="store_true", help="draw each run's learning curves (not timed apart)")
        p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                       help="models trained at once, in that many processes (default: 2 on 2+ CPUs)")
        p.add_argument("--part", help=argparse.SUPPRESS)  # a job's output file (see run_table)
        args = p.parse_args(rest)
        if args.jobs < 1:
            raise UserError(f"--jobs must be >= 1, got {args.jobs}")
        table = run_table(args.workdir, tuple(m for m in args.models.split(",") if m), args.replicas, overrides,
                          overwrite=args.overwrite, quiet=not args.progress, plots=args.plots, jobs=args.jobs,
                          part=args.part)
        if args.part:
            return 0
    except UserError as e:
        print(f"mnist1d_table: error: {e}", file=sys.stderr)
        return 2
    from jaxdl.tables import compare_rows, format_comparison

    print(format_comparison(compare_rows(table["models"])))
    print(f"total {table['total_wall_s']:.1f} s wall ({table['total_compile_s']:.1f} s compile), "
          f"{table['script_wall_s']:.1f} s from the script's start; "
          f"wrote {os.path.join(args.workdir, 'table.json')} and table.md")
    return 0


if __name__ == "__main__":
    jaxdl.platform.configure()  # XLA_FLAGS as `jaxdl train` sets them, before jax starts
    sys.exit(main())
