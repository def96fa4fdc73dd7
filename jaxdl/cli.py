"""`jaxdl train | eval | compare | bench | plot | transcribe | predict | datasets | prepare`: the command line.

Exit codes: 0 done; 2 bad input, a workdir in use by another run included (one line on stderr, nothing
written); 3 every replica diverged; 4 a write failed (disk full, read-only, no permission: one line saying
what and where; the checkpoints before it stay good, so the same command resumes once there is room);
128 + signal number (143 SIGTERM, 130 SIGINT) stopped by a signal: after saving a checkpoint during
training, with nothing saved before the first step; a second signal aborts at once.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import warnings

from jaxdl import commands, platform
from jaxdl.errors import StorageError, UserError
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
    p.set_defaults(fn=commands.cmd_train)
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
    p.set_defaults(fn=commands.cmd_bench)
    p = sub.add_parser("plot", help="write the standard plots of a run into WORKDIR/plots/")
    p.add_argument("--workdir", required=True, help="run directory")
    p.set_defaults(fn=commands.cmd_plot)
    p = sub.add_parser("eval", help="evaluate a run's checkpoint on the test split into eval.json",
                       usage="jaxdl eval --workdir DIR [--step N]")
    p.add_argument("--workdir", required=True, help="run directory")
    p.add_argument("--step", type=int, default=None, help="checkpoint step (default: the newest good one)")
    _cache_flag(p)
    p.set_defaults(fn=commands.cmd_eval)
    p = sub.add_parser("compare", help="one table of several runs: config differences, final test metrics "
                       "per sweep point (mean ± std over seeds), wall time",
                       usage="jaxdl compare DIR [DIR ...] [--csv | --json] [--plot FILE]")
    p.add_argument("workdirs", nargs="+", metavar="DIR", help="run directories")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--csv", action="store_true", help="print CSV instead of the table")
    fmt.add_argument("--json", action="store_true", help="print JSON instead of the table")
    p.add_argument("--plot", default=None, metavar="FILE",
                   help="also write a PNG overlaying the runs' learning curves (one band per run and sweep point)")
    p.set_defaults(fn=commands.cmd_compare)
    p = sub.add_parser("transcribe", help="print transcripts of 16 kHz WAV files from a trained CTC run")
    p.add_argument("--workdir", required=True, help="run directory of a finished 'ctc' run")
    p.add_argument("--beam", type=int, default=0, help="prefix beam search of this width (0: greedy)")
    p.add_argument("--replica", type=int, default=0, help="which replica's parameters to use")
    p.add_argument("files", nargs="+", help="WAV files, 16 kHz")
    p.set_defaults(fn=commands.cmd_transcribe)
    p = sub.add_parser("predict", help="print a trained seq2seq run's answers to queries, e.g. '123+45'")
    p.add_argument("--workdir", required=True, help="run directory of a finished 'seq2seq' run (addition)")
    p.add_argument("--replica", type=int, default=0, help="which replica's parameters to use")
    p.add_argument("queries", nargs="+", help="queries in the dataset's characters, e.g. 123+45")
    p.set_defaults(fn=commands.cmd_predict)
    p = sub.add_parser("datasets", help="list the datasets jaxdl knows: kind, prepared or not, split sizes")
    p.add_argument("--data_dir", default=None, help=DATA_DIR_HELP)
    p.set_defaults(fn=commands.cmd_datasets)
    p = sub.add_parser("prepare", help="download and prepare a standard dataset with TFDS (needs the prepare extra)",
                       usage="jaxdl prepare NAME [--data_dir DIR]")
    p.add_argument("name", help="a dataset `jaxdl datasets` lists, e.g. mnist or ted_hrlr_translate/pt_to_en")
    p.add_argument("--data_dir", default=None, help=DATA_DIR_HELP)
    p.set_defaults(fn=commands.cmd_prepare)
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
