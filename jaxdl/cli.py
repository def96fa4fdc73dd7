"""`jaxdl train | eval | compare | bench | plot | transcribe | predict | datasets | prepare`: the command line.

Exit codes: 0 done; 2 bad input, a workdir in use by another run included (one line on stderr, nothing
written); 3 every replica diverged; 4 a write failed (disk full, read-only, no permission: one line saying
what and where; the checkpoints before it stay good, so the same command resumes once there is room);
128 + signal number (143 SIGTERM, 130 SIGINT) stopped by a signal: after saving a checkpoint during
training, with nothing saved before the first step; a second signal aborts at once.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import signal
import sys
import threading
import warnings

from jaxdl import platform
from jaxdl.errors import Interrupted, Preempted, StorageError, UserError
from jaxdl.train import preemption
from jaxdl.train.workdir import STORAGE_ERRNOS

DATA_DIR_HELP = "TFDS data dir (default: $JAXDL_DATA_DIR, else ~/tensorflow_datasets)"
USAGE = "jaxdl train --config PATH.py --workdir DIR [--config.key=value ...]"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse prints usage + message; we promise one line
        raise UserError(message)


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> str:
    """`jaxdl: warning: <message> (<Category>, <file>:<line>)`, one line, instead of Python's two."""
    text = " ".join(str(message).split())
    return f"jaxdl: warning: {text} ({category.__name__}, {os.path.basename(filename)}:{lineno})\n"


def install_warning_format():
    """Warnings as one line each; returns the formatter it replaced."""
    old, warnings.formatwarning = warnings.formatwarning, _one_line_warning
    return old


def _quiet_closed_loop(hook):
    """sys.unraisablehook without the "Event loop is closed" tracebacks that tensorstore's write callbacks
    print when they complete after a failed orbax save has closed its event loop (the failure itself is
    reported in one line); every other unraisable exception goes to `hook`."""
    def unraisablehook(unraisable):
        value = unraisable.exc_value
        if not (isinstance(value, RuntimeError) and str(value) == "Event loop is closed"):
            hook(unraisable)

    return unraisablehook


def split_overrides(argv: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Separate `--config.a.b=v` / `--config.a.b v` overrides from the other arguments."""
    rest, overrides, i = [], [], 0
    while i < len(argv):
        arg = argv[i]
        if arg.startswith("--config."):
            key, eq, value = arg[len("--config."):].partition("=")
            if not eq:
                if i + 1 >= len(argv):
                    raise UserError(f"override {arg} has no value")
                value, i = argv[i + 1], i + 1
            overrides.append((key, value))
        else:
            rest.append(arg)
        i += 1
    return rest, overrides


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
    print(f"checkpoint {result['checkpoint']} (step {result['step']}), test split:")
    from jaxdl.sweeps import point_label

    points = result["points"]
    for k, v in sorted(result["metrics"].items()):
        print(f"  {k:>10}: {' '.join('nan' if x is None else f'{x:.4f}' for x in v)}")
        for p in points:
            if len(p["replicas"]) > 1:  # no std of one replica
                ms = p["test"][k]
                where = f" at {point_label(p['hparams'])}" if len(points) > 1 else ""
                print(f"  {'':>10}  mean {ms['mean']:.4f} ± {ms['std']:.4f} over {len(p['replicas'])} seeds{where}")
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

    families = [n for n, s in DATASETS.items() if s.configs]

    data_dir = resolve_data_dir(args.data_dir)
    rows = [describe(name, data_dir) for name in listed(data_dir)]
    width = max(len(r["name"]) for r in rows)
    print(f"data dir {data_dir} (--data_dir, else $JAXDL_DATA_DIR, else ~/tensorflow_datasets)")
    for r in rows:
        if r["prepared"]:
            state = "prepared    " + ", ".join(f"{k} {v:,}" for k, v in sorted(r["splits"].items()))
        elif r["kind"] == "embedded":
            state = "not yet     generated offline on first use"
        elif r["kind"] == "own":
            state = "your file   --config.dataset.path=FILE.npz (x_train, y_train, x_test, y_test)"
        else:
            name = r["name"] + ("/CONFIG" if r["name"] in families else "")
            state = f"not here    jaxdl prepare {name}" + (f" --data_dir {args.data_dir}" if args.data_dir else "")
        print(f"{r['name']:<{width}}  {r['kind']:<8}  {state}")
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


def _cache_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-compilation-cache", action="store_true",
                   help="compile every program afresh (default: JAX's persistent cache, in "
                        f"${platform.CACHE_ENV} or <cache home>/jaxdl/xla)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="jaxdl", description="Train, evaluate and benchmark jaxdl models.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("train", help="train a config into a run directory", usage=USAGE)
    p.add_argument("--config", required=True, help="experiment config file (defines get_config())")
    p.add_argument("--workdir", required=True, help="run directory")
    p.add_argument("--overwrite", action="store_true",
                   help="start afresh in workdir, replacing the run (and checkpoints) there")
    p.add_argument("--quiet", action="store_true",
                   help="print only the final table (no progress bar on a terminal, no progress lines in a log)")
    _cache_flag(p)
    g = p.add_argument_group("multi-process (jax.distributed; needs --config.mesh)")
    g.add_argument("--coordinator", default=None, help="HOST:PORT of process 0's coordination service")
    g.add_argument("--num_processes", type=int, default=None, help="number of processes")
    g.add_argument("--process_id", type=int, default=None, help="this process's index, 0 .. num_processes-1")
    g.add_argument("--distributed", action="store_true",
                   help="join the distributed runtime, auto-detecting the cluster (SLURM, TPU, MPI)")
    g.add_argument("--distributed_timeout", type=int, default=300, help="seconds to wait for all processes")
    p.set_defaults(fn=cmd_train)
    p = sub.add_parser(
        "bench", help="time a config's training step on synthetic data, or compile it for a TPU/GPU topology",
        usage="jaxdl bench --config PATH.py [--target tpu:GEN:TOPOLOGY|gpu:NAMExN] [options] [--config.key=value ...]",
        description="Any task's config. Every figure covers all K replicas together (one vmapped program). "
                    "--config.key=value overrides apply to the config as in `jaxdl train` (e.g. "
                    "--config.batch_size=256 --config.dtype=bfloat16 --config.mesh='{\"data\": -1}').")
    p.add_argument("--config", required=True, help="experiment config file")
    p.add_argument("--replicas", type=int, default=None, help="vmapped replicas (default: the config's)")
    p.add_argument("--steps", type=int, default=None,
                   help="steps per chunk (default: 100 timed; with --target the config's log_every)")
    p.add_argument("--repeats", type=int, default=5, help="timed chunks after one warm-up (default: 5)")
    p.add_argument("--no-sequential", action="store_true", help="skip the K sequential single-run baseline")
    p.add_argument("--target", default=None,
                   help="compile ahead of time for a TPU topology or NVIDIA GPUs instead of timing here, e.g. "
                        "tpu:v5e:16x16, tpu:v5p:4x4x4 (needs libtpu: pip install -e '.[tpu-aot]'), gpu:h100x8, "
                        "gpu:h200x1 (needs jax's CUDA plugin: pip install -e '.[gpu-aot]'); reports per-device memory, "
                        "FLOPs, collectives and a roofline bound (docs/benchmarks.md)")
    p.add_argument("--json", default=None, help="also write the report as JSON here (default: none)")
    _cache_flag(p)
    p.set_defaults(fn=cmd_bench)
    p = sub.add_parser("plot", help="write the standard plots of a run into WORKDIR/plots/")
    p.add_argument("--workdir", required=True, help="run directory")
    p.set_defaults(fn=cmd_plot)
    p = sub.add_parser("eval", help="evaluate a run's checkpoint on the test split into eval.json",
                       usage="jaxdl eval --workdir DIR [--step N]")
    p.add_argument("--workdir", required=True, help="run directory")
    p.add_argument("--step", type=int, default=None, help="checkpoint step (default: the newest good one)")
    _cache_flag(p)
    p.set_defaults(fn=cmd_eval)
    p = sub.add_parser("compare", help="one table of several runs: config differences, final test metrics "
                       "per sweep point (mean ± std over seeds), wall time",
                       usage="jaxdl compare DIR [DIR ...] [--csv | --json] [--plot FILE]")
    p.add_argument("workdirs", nargs="+", metavar="DIR", help="run directories")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--csv", action="store_true", help="print CSV instead of the table")
    fmt.add_argument("--json", action="store_true", help="print JSON instead of the table")
    p.add_argument("--plot", default=None, metavar="FILE",
                   help="also write a PNG overlaying the runs' learning curves (one band per run and sweep point)")
    p.set_defaults(fn=cmd_compare)
    p = sub.add_parser("transcribe", help="print transcripts of 16 kHz WAV files from a trained CTC run")
    p.add_argument("--workdir", required=True, help="run directory of a finished 'ctc' run")
    p.add_argument("--beam", type=int, default=0, help="prefix beam search of this width (0: greedy)")
    p.add_argument("--replica", type=int, default=0, help="which replica's parameters to use")
    p.add_argument("files", nargs="+", help="WAV files, 16 kHz")
    p.set_defaults(fn=cmd_transcribe)
    p = sub.add_parser("predict", help="print a trained seq2seq run's answers to queries, e.g. '123+45'")
    p.add_argument("--workdir", required=True, help="run directory of a finished 'seq2seq' run (addition)")
    p.add_argument("--replica", type=int, default=0, help="which replica's parameters to use")
    p.add_argument("queries", nargs="+", help="queries in the dataset's characters, e.g. 123+45")
    p.set_defaults(fn=cmd_predict)
    p = sub.add_parser("datasets", help="list the datasets jaxdl knows: kind, prepared or not, split sizes")
    p.add_argument("--data_dir", default=None, help=DATA_DIR_HELP)
    p.set_defaults(fn=cmd_datasets)
    p = sub.add_parser("prepare", help="download and prepare a standard dataset with TFDS (needs the prepare extra)",
                       usage="jaxdl prepare NAME [--data_dir DIR]")
    p.add_argument("name", help="a dataset `jaxdl datasets` lists, e.g. mnist or ted_hrlr_translate/pt_to_en")
    p.add_argument("--data_dir", default=None, help=DATA_DIR_HELP)
    p.set_defaults(fn=cmd_prepare)
    return parser


def main(argv: list[str] | None = None) -> int:
    platform.configure()  # XLA_FLAGS, before anything starts a jax backend
    argv = sys.argv[1:] if argv is None else argv
    old_format, old_handlers, old_hook = install_warning_format(), None, sys.unraisablehook
    sys.unraisablehook = _quiet_closed_loop(old_hook)
    # orbax logs through absl: progress notes ("Waiting for previous save ...") and, for a save that fails,
    # hundreds of lines of tracebacks from its threads; jaxdl reports each failure itself, in one line
    logging.getLogger("absl").setLevel(logging.CRITICAL)
    try:
        rest, overrides = split_overrides(argv)
        args = build_parser().parse_args(rest)
        args.argv = argv
        if overrides and args.command not in ("train", "bench"):
            raise UserError(f"--config.* overrides are not accepted by 'jaxdl {args.command}'")
        if threading.current_thread() is threading.main_thread():
            # train: a signal is recorded and acted on at a safe point (jaxdl/train/preemption.py); the
            # other commands write nothing that a signal can leave half done, so they stop at once
            old_handlers = preemption.install(record=args.command == "train")
        return args.fn(args, overrides)
    except UserError as e:
        print(f"jaxdl: error: {e}", file=sys.stderr)
        return 2
    except StorageError as e:
        print(f"jaxdl: error: {e}", file=sys.stderr)
        return 4
    except OSError as e:
        if e.errno not in STORAGE_ERRNOS:
            raise
        print(f"jaxdl: error: cannot write {e.filename or 'a file'}: {e.strerror}", file=sys.stderr)
        return 4
    except KeyboardInterrupt:  # only where no handler was installed (not the main thread)
        print("jaxdl: interrupted", file=sys.stderr)
        return 130
    finally:  # main() called from Python (tests, notebooks): the caller's settings again
        warnings.formatwarning, sys.unraisablehook = old_format, old_hook
        if old_handlers:
            preemption.uninstall(old_handlers)


if __name__ == "__main__":
    sys.exit(main())
