"""The bodies of `jaxdl`'s subcommands (`cmd_train`, `cmd_eval`, ...), each `(args, overrides) -> exit code`;
jaxdl/cli.py parses the command line and maps errors to exit codes. Each imports what only it needs."""

from __future__ import annotations

import json
import logging
import os
import shlex
import signal
import sys

from jaxdl import platform
from jaxdl.errors import Interrupted, Preempted, StorageError, UserError
from jaxdl.report import format_datasets, format_eval, format_table
from jaxdl.train import preemption


def init_distributed(args) -> None:
    """Join JAX's multi-controller runtime (before anything touches a device) when the flags ask for it.

    --distributed alone lets jax.distributed.initialize auto-detect the cluster (SLURM, TPU pod slices, Open
    MPI, ...); --coordinator/--num_processes/--process_id give it explicitly. CPU processes talk over gloo.
    """
    explicit = (args.coordinator, args.num_processes, args.process_id)
    if not args.distributed and all(v is None for v in explicit):
        return
    if not args.distributed and any(v is None for v in explicit):
        raise UserError("--coordinator, --num_processes and --process_id go together (or use --distributed "
                        "to auto-detect the cluster)")
    import jax

    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    try:
        jax.distributed.initialize(args.coordinator, args.num_processes, args.process_id,
                                   initialization_timeout=args.distributed_timeout)
    except (ValueError, RuntimeError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise UserError(f"cannot join the distributed runtime: {first}") from None
    preemption.reclaim()


def cmd_train(args, overrides) -> int:
    from jaxdl.train.timings import Timings, format_timings

    timings = Timings()
    with timings("import"):  # jaxdl's modules, jax and the config file
        from jaxdl.config import apply_overrides, load_config
        from jaxdl.train.run import train_and_evaluate

        config = load_config(args.config)
        apply_overrides(config, overrides)
    # before jax starts its backend and compiles anything
    platform.configure(deterministic=config.deterministic, compilation_cache=not args.no_compilation_cache)
    init_distributed(args)
    _import_model(config, args.config)
    resume = shlex.join(["jaxdl", *(a for a in args.argv if a != "--overwrite")])
    try:
        summary = train_and_evaluate(config, args.workdir, quiet=args.quiet, overwrite=args.overwrite,
                                     timings=timings)
    except Preempted as p:
        print(f"jaxdl: stopped by {signal.Signals(p.signum).name} at step {p.step}, checkpoint saved in "
              f"{p.checkpoint_dir}; resume with: {resume}", file=sys.stderr)
        return 128 + p.signum
    except Interrupted as i:
        print(f"jaxdl: stopped by {signal.Signals(i.signum).name} before the first step; nothing saved",
              file=sys.stderr)
        return 128 + i.signum
    except StorageError as e:
        print(f"jaxdl: error: {e}; the checkpoints already saved are intact: make room, then resume with: {resume}",
              file=sys.stderr)
        return 4
    if summary["status"] == "diverged":
        steps = ", ".join(f"replica {r['index']} at step {r['diverged_step']}" for r in summary["replicas"])
        print(f"jaxdl: run diverged (non-finite loss or gradient): {steps}; see {args.workdir}/summary.json",
              file=sys.stderr)
        return 3
    import jax

    if jax.process_index() == 0:
        print(format_table(summary, args.workdir))
        print(format_timings(summary["timings"]["total"]))
    return 0


def _import_model(config, config_path: str) -> None:
    """A model named by import path is imported from sys.path, else from the config file's directory or the
    working directory (the run records where: env.json's model_path)."""
    from jaxdl.models import import_model, is_import_path

    if is_import_path(config.model.get("name")):
        import_model(config.model.name, [os.path.dirname(os.path.abspath(config_path)), os.getcwd()])


def cmd_bench(args, overrides) -> int:
    import json

    from jaxdl.train.timings import Timings, format_timings

    timings = Timings()
    with timings("import"):  # jaxdl's modules, jax and the config file
        from jaxdl.config import apply_overrides, load_config
        from jaxdl.train.rundir import to_jsonable

        config = load_config(args.config)
        apply_overrides(config, overrides)
    # before jax starts its backend and compiles anything; a compile for another target is not cached here
    platform.configure(deterministic=config.deterministic,
                       compilation_cache=not (args.no_compilation_cache or args.target))
    _import_model(config, args.config)
    if args.target:
        from jaxdl.bench.aot import compile_for_target, compile_only_env, format_aot_report

        compile_only_env()
        report = compile_for_target(config, args.target, replicas=args.replicas, steps=args.steps)
        print(format_aot_report(report))
    else:
        from jaxdl.bench.bench import bench, format_report

        with timings.watching():
            report = bench(config, replicas=args.replicas, steps=args.steps or 100, repeats=args.repeats,
                           sequential_baseline=not args.no_sequential, timings=timings)
        report["timings"] = timings.segment(0, 0)
        print(format_report(report))
        print(format_timings(report["timings"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(to_jsonable(report), f, indent=2, sort_keys=True)
    return 0


def cmd_plot(args, overrides) -> int:
    from jaxdl import plots
    from jaxdl.runs import load_run

    run = load_run(args.workdir)
    try:
        written = plots.standard_plots(run)
    except OSError as e:  # e.g. a read-only run directory
        raise UserError(f"cannot write plots into {run.plots_dir}: {e.strerror or e}") from None
    print("\n".join(written) if written else f"nothing to plot in {args.workdir} yet")
    return 0


def _run_is_deterministic(workdir: str) -> bool:
    """The run's config.deterministic (True when unreadable: evaluate_workdir reports what is wrong)."""
    try:
        with open(os.path.join(workdir, "config.json")) as f:
            return bool(json.load(f).get("deterministic", True))
    except (OSError, ValueError, AttributeError):
        return True


def cmd_eval(args, overrides) -> int:
    from jaxdl.train.evaluate_checkpoint import evaluate_workdir

    # before jax starts its backend and compiles anything
    platform.configure(deterministic=_run_is_deterministic(args.workdir),
                       compilation_cache=not args.no_compilation_cache)
    result = evaluate_workdir(args.workdir, args.step)
    print(format_eval(result))
    return 0


def cmd_compare(args, overrides) -> int:
    from jaxdl import compare

    runs = compare.load_runs(args.workdirs)
    rows, metrics = compare.compare_rows(runs), compare.metric_names(runs)
    if args.plot:
        from jaxdl import plots

        panels = [("train", "loss")] + [("test", k) for k in metrics[:1] if k != "loss"]
        try:
            plots.save(plots.compare_runs_figure(runs, panels=panels), args.plot)
        except OSError as e:
            raise UserError(f"cannot write {args.plot}: {e.strerror or e}") from None
    if args.json:
        from jaxdl.train.rundir import to_jsonable

        print(json.dumps(to_jsonable(rows), indent=2))
    elif args.csv:
        print(compare.csv_text(rows, metrics), end="")
    else:
        print(compare.format_rows(rows, metrics))
    return 0


def cmd_transcribe(args, overrides) -> int:
    from jaxdl.transcribe import transcribe

    for path, text in zip(args.files, transcribe(args.workdir, args.files, args.beam, args.replica), strict=True):
        print(f"{path}\t{text}")
    return 0


def cmd_predict(args, overrides) -> int:
    from jaxdl.predict import predict

    for query, answer in zip(args.queries, predict(args.workdir, args.queries, args.replica), strict=True):
        print(f"{query}\t{answer}")
    return 0


def cmd_datasets(args, overrides) -> int:
    from jaxdl.data.load import DATASETS, listed, resolve_data_dir
    from jaxdl.data.prepare import describe

    data_dir = resolve_data_dir(args.data_dir)
    rows = [describe(name, data_dir) for name in listed(data_dir)]
    print(format_datasets(rows, data_dir, families=[n for n, s in DATASETS.items() if s.configs],
                          data_dir_flag=args.data_dir))
    return 0


def cmd_prepare(args, overrides) -> int:
    from jaxdl.data.prepare import describe, prepare_dataset

    # urllib3 warns at each of TFDS's download retries, also from download threads still running after a
    # failure was reported (one line, below)
    logging.getLogger("urllib3").setLevel(logging.ERROR)
    path, now = prepare_dataset(args.name, args.data_dir)
    sizes = ", ".join(f"{k} {v:,}" for k, v in sorted(describe(args.name, args.data_dir)["splits"].items()))
    print(f"{args.name} {'prepared' if now else 'already prepared'} in {path} ({sizes})")
    return 0
