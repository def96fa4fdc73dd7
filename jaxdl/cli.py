"""`jaxdl train | eval | bench | plot | transcribe | datasets`: the command line.

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
    final = summary["final"]["test"]
    # every task's own headline metrics (accuracy, mean_iou, digit_error_rate, ...) first, the loss last
    keys = ([k for k in sorted(final) if k != "loss"] + [k for k in ("loss",) if k in final])[:4]
    lines = [f"run {workdir}: {len(summary['replicas'])} replica(s), {summary['steps']} steps, "
             f"{summary['wall_s']:.1f} s wall ({summary['compile_s']:.1f} s compile, "
             f"{summary['steps_per_s'] or 0:.0f} steps/s)"]
    width = {k: max(15, len("test " + k)) for k in keys}
    num = lambda x: "nan" if x is None else f"{x:.4f}"  # a diverged replica has no metrics
    header = f"{'replica':>7}  {'seed':>4}  {'hparams':<28}" + "".join(f"  {'test ' + k:>{width[k]}}" for k in keys)
    lines += [header, "-" * len(header)]
    for r in summary["replicas"]:
        hp = ", ".join(f"{k.split('.')[-1]}={v:g}" for k, v in r["hparams"].items()) or "-"
        vals = "".join(f"  {num(final[k][r['index']]):>{width[k]}}" for k in keys)
        lines.append(f"{r['index']:>7}  {r['seed']:>4}  {hp:<28}{vals}")
    if len(summary["replicas"]) > 1:  # one replica: its row is the result (a std of 0 would say nothing)
        lines.append("-" * len(header))
        ms = summary["final_mean_std"]["test"]
        lines.append(f"{'mean ± std':>7}  {'':>4}  {'':<28}"
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
    from jaxdl.config import apply_overrides, load_config
    from jaxdl.train.run import train_and_evaluate

    config = load_config(args.config)
    apply_overrides(config, overrides)
    platform.configure(deterministic=config.deterministic)  # before jax starts its backend
    init_distributed(args)
    resume = shlex.join(["jaxdl", *(a for a in args.argv if a != "--overwrite")])
    try:
        summary = train_and_evaluate(config, args.workdir, quiet=args.quiet, overwrite=args.overwrite)
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
    return 0


def cmd_bench(args, overrides) -> int:
    import json

    from jaxdl.config import apply_overrides, load_config
    from jaxdl.train.rundir import to_jsonable

    config = load_config(args.config)
    apply_overrides(config, overrides)
    platform.configure(deterministic=config.deterministic)  # before jax starts its backend
    if args.target:
        from jaxdl.bench.aot import compile_for_target, format_aot_report, quiet_libtpu_env

        quiet_libtpu_env()
        report = compile_for_target(config, args.target, replicas=args.replicas, steps=args.steps)
        text = format_aot_report(report)
    else:
        from jaxdl.bench.bench import bench, format_report

        report = bench(config, replicas=args.replicas, steps=args.steps or 100, repeats=args.repeats,
                       sequential_baseline=not args.no_sequential)
        text = format_report(report)
    print(text)
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

    platform.configure(deterministic=_run_is_deterministic(args.workdir))  # before jax starts its backend
    result = evaluate_workdir(args.workdir, args.step)
    print(f"checkpoint {result['checkpoint']} (step {result['step']}), test split:")
    for k, v in sorted(result["metrics"].items()):
        ms = result["mean_std"][k]
        spread = f"   mean {ms['mean']:.4f} ± {ms['std']:.4f}" if len(v) > 1 else ""  # no std of one replica
        print(f"  {k:>10}: {' '.join('nan' if x is None else f'{x:.4f}' for x in v)}{spread}")
    return 0


def cmd_transcribe(args, overrides) -> int:
    from jaxdl.transcribe import transcribe

    for path, text in zip(args.files, transcribe(args.workdir, args.files, args.beam, args.replica), strict=True):
        print(f"{path}\t{text}")
    return 0


def cmd_datasets(args, overrides) -> int:
    from jaxdl.data import list_datasets

    print("\n".join(list_datasets()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="jaxdl", description="Train, evaluate and benchmark jaxdl models.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("train", help="train a config into a run directory", usage=USAGE)
    p.add_argument("--config", required=True, help="experiment config file (defines get_config())")
    p.add_argument("--workdir", required=True, help="run directory")
    p.add_argument("--overwrite", action="store_true",
                   help="start afresh in workdir, replacing the run (and checkpoints) there")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    g = p.add_argument_group("multi-process (jax.distributed; needs --config.mesh)")
    g.add_argument("--coordinator", default=None, help="HOST:PORT of process 0's coordination service")
    g.add_argument("--num_processes", type=int, default=None, help="number of processes")
    g.add_argument("--process_id", type=int, default=None, help="this process's index, 0 .. num_processes-1")
    g.add_argument("--distributed", action="store_true",
                   help="join the distributed runtime, auto-detecting the cluster (SLURM, TPU, MPI)")
    g.add_argument("--distributed_timeout", type=int, default=300, help="seconds to wait for all processes")
    p.set_defaults(fn=cmd_train)
    p = sub.add_parser(
        "bench", help="time a config's training step on synthetic data, or compile it for a TPU topology",
        usage="jaxdl bench --config PATH.py [--target tpu:GEN:TOPOLOGY] [options] [--config.key=value ...]",
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
                   help="compile ahead of time for a TPU topology instead of timing here, e.g. tpu:v5e:16x16, "
                        "tpu:v5p:4x4x4 (needs libtpu: pip install -e '.[tpu-aot]'); reports per-device memory, "
                        "FLOPs, collectives and a roofline bound (docs/benchmarks.md)")
    p.add_argument("--json", default=None, help="also write the report as JSON here (default: none)")
    p.set_defaults(fn=cmd_bench)
    p = sub.add_parser("plot", help="write the standard plots of a run into WORKDIR/plots/")
    p.add_argument("--workdir", required=True, help="run directory")
    p.set_defaults(fn=cmd_plot)
    p = sub.add_parser("eval", help="evaluate a run's checkpoint on the test split into eval.json",
                       usage="jaxdl eval --workdir DIR [--step N]")
    p.add_argument("--workdir", required=True, help="run directory")
    p.add_argument("--step", type=int, default=None, help="checkpoint step (default: the newest good one)")
    p.set_defaults(fn=cmd_eval)
    p = sub.add_parser("transcribe", help="print transcripts of 16 kHz WAV files from a trained CTC run")
    p.add_argument("--workdir", required=True, help="run directory of a finished 'ctc' run")
    p.add_argument("--beam", type=int, default=0, help="prefix beam search of this width (0: greedy)")
    p.add_argument("--replica", type=int, default=0, help="which replica's parameters to use")
    p.add_argument("files", nargs="+", help="WAV files, 16 kHz")
    p.set_defaults(fn=cmd_transcribe)
    p = sub.add_parser("datasets", help="list the datasets jaxdl knows")
    p.set_defaults(fn=cmd_datasets)
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
