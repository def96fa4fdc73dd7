"""train_and_evaluate(config, workdir): one whole run, from a config to a finished run directory.

The one driver, read top to bottom: setup (config -> experiment, the workdir and its lock), the programs
(jaxdl/train/loop.py), restore (the newest good checkpoint of the same config, else fresh states; env.json),
compile, the chunk loop (train a chunk, log, note diverged replicas, evaluate, checkpoint, stop on a signal)
and the summary. The way to the update step: this file -> loop.py (`make_programs`, the chunk's
`lax.scan`) -> step.py (`train_step`: `jax.value_and_grad` of the task's `loss`).

Progress goes to stderr: a tqdm bar on a terminal, else (a log file, a cluster job) one line per chunk; with
`quiet`, nothing.

Everything compiled is pure; every effect of a run (files, the progress bar, warnings, signals, checkpoints,
collectives deciding together) lives here. Of several processes (jax.distributed) only process 0 writes.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import sys
import time
from typing import Any

import jax
import ml_collections
import numpy as np
from tqdm.auto import tqdm

from jaxdl.config import to_json
from jaxdl.data.pipeline import reader_options
from jaxdl.data.record import data_record
from jaxdl.errors import Interrupted, Preempted, StorageError, UserError
from jaxdl.models import import_root
from jaxdl.runs import load_run
from jaxdl.sweeps import points
from jaxdl.train.checkpoint import Checkpoints
from jaxdl.train.feed import evaluate_all, make_feed
from jaxdl.train.loop import diverged_mask, init_states, make_programs
from jaxdl.train.mesh import agree, fetch, is_primary, sync
from jaxdl.train.preemption import StopRequest, stop_if_signalled
from jaxdl.train.rundir import MetricsLog, NullLog, environment, finished_summary, prepare_workdir, write_json
from jaxdl.train.setup import build_experiment
from jaxdl.train.state import TrainState
from jaxdl.train.summary import masked, run_summary
from jaxdl.train.timings import Timings, add_up
from jaxdl.train.workdir import WorkdirLock


def train_and_evaluate(config: ml_collections.ConfigDict, workdir: str, *, quiet: bool = False,
                       overwrite: bool = False, tensorboard: bool = True, dataset=None,
                       plots: bool = True, timings: Timings | None = None) -> dict[str, Any]:
    """Validate, then train (or resume) `config` into `workdir`; returns the summary (summary.json).

    Bad input, including a checkpoint that does not fit the config or a workdir another run holds (its
    lock, jaxdl.train.workdir), raises UserError before any write; a write that fails (disk full, read-only)
    raises StorageError. A SIGTERM/SIGINT raises jaxdl.errors.Preempted after saving a checkpoint, or
    Interrupted before the first step (nothing saved). With several processes every stop is agreed at each
    chunk boundary, so all stop at the same step. `dataset`: the config's dataset already loaded (a script
    training several configs on one dataset). `plots=False` leaves out the learning-curve figure (`jaxdl
    plot` draws it later). `timings`: this segment's stopwatch when the caller started it already (the CLI,
    before its imports); summary.json's "timings" add up every segment of the run (jaxdl/train/timings.py).

    Train metrics are the mean over each log interval; test metrics are computed every eval_every steps and
    at the end; checkpoints are saved every checkpoint_every steps (0: with every evaluation) and at the end.
    A replica that diverges is frozen in the compiled step; when every replica has, the run stops with
    status "diverged" and its last good checkpoint stays the newest.
    """
    timings = timings or Timings()
    with timings.watching():
        return _train_and_evaluate(config, workdir, quiet, overwrite, tensorboard, dataset, plots, timings)


def _train_and_evaluate(config, workdir, quiet, overwrite, tensorboard, dataset, plots, timings: Timings):
    # ------------------------------------------------------------------------------------------------------
    # Setup: the config -> the experiment (every user error found here), then the workdir under its lock.
    # ------------------------------------------------------------------------------------------------------
    with timings("setup"):
        exp = build_experiment(config, dataset=dataset, timings=timings)
    cfg, task, place = exp.config, exp.task, exp.placement  # cfg: resolved, as config.json records it
    stop_if_signalled()  # a signal while the data loaded: nothing is written
    primary = is_primary()
    with contextlib.ExitStack() as cleanup:
        lock = WorkdirLock(workdir) if primary else None
        if lock:
            cleanup.callback(lock.release)
        # Process 0 prepares the workdir under the lock; when it is refused, every process raises rather than
        # wait for it at a barrier. The others look at the workdir (resume or not) only once process 0 is done.
        error, resuming = None, False
        if lock:
            try:
                with timings("files"):
                    lock.acquire()
                    resuming = prepare_workdir(workdir, to_json(cfg), overwrite)
            except (UserError, StorageError) as e:
                error = e
        if agree(error is not None):
            raise error or UserError(f"process 0 refused workdir {workdir} (its error says why)")
        if not lock:
            resuming = prepare_workdir(workdir, to_json(cfg), overwrite, write=False)
        sync("jaxdl_workdir_ready")
        checkpoints = Checkpoints(os.path.join(workdir, "checkpoints"), cfg.keep_checkpoints)
        cleanup.callback(checkpoints.close)

        # --------------------------------------------------------------------------------------------------
        # Programs: a chunk is log_every steps; a shorter last chunk is its own program, only if the config
        # asks for one.
        # --------------------------------------------------------------------------------------------------
        with timings("setup"):
            programs = make_programs(exp, cfg.log_every)
            tail = cfg.steps % cfg.log_every
            tail_programs = make_programs(exp, tail) if tail else None

        # --------------------------------------------------------------------------------------------------
        # Restore: the newest good checkpoint (bitwise what was saved) when resuming, else fresh states.
        # --------------------------------------------------------------------------------------------------
        with timings("setup"):
            states, data_keys = init_states(exp, programs)
            feed = make_feed(exp)  # what a chunk's data is: the split on the device, or Grain's batches
            cleanup.callback(feed.close)
        with timings("checkpoints"):
            template = {"states": states, "data_keys": data_keys, **feed.checkpoint_template()}
            restored = checkpoints.restore_latest(template) if resuming else None
        step = 0
        if restored is not None:
            tree, step = restored
            states, data_keys, step = tree["states"], tree["data_keys"], int(step)
            feed.restore(tree)
        finished = finished_summary(workdir, step) if step == cfg.steps else None
        if finished is not None:  # a rerun of a completed run (its newest good checkpoint is the end): left alone
            if not quiet and primary:
                print(f"jaxdl: run {workdir} is complete ({cfg.steps} steps); nothing changed. To train further, "
                      "rerun with a larger --config.steps", file=sys.stderr)
            return finished
        first_step = step
        env = {}  # env.json as written (process 0): this segment's timings are added to it when it ends
        with timings("files"):
            if primary:
                if step:
                    env = _note_resume(workdir, step, place.shape)
                    if os.path.exists(os.path.join(workdir, "summary.json")):  # rewritten when the resumed run ends
                        os.remove(os.path.join(workdir, "summary.json"))
                else:
                    env = environment([r.__dict__ for r in exp.replicas], place.shape, import_root(cfg.model.name))
                    # what eval and restore_run check
                    env["data"] = data_record(cfg.dataset.name, cfg.data_dir, reader_options(cfg.dataset))
                    write_json(os.path.join(workdir, "env.json"), env)
                if hasattr(exp.dataset, "write_artifacts"):  # e.g. a text dataset's vocabulary, for later evaluation
                    exp.dataset.write_artifacts(workdir)
            by_point = points([r.__dict__ for r in exp.replicas])  # the sweep points: means are taken within each
            groups = [p["replicas"] for p in by_point]
            log = MetricsLog(workdir, tensorboard=tensorboard, start_step=step,
                             points=[(p["hparams"], p["replicas"]) for p in by_point]) if primary else NullLog()
            cleanup.callback(log.close)

        # --------------------------------------------------------------------------------------------------
        # Compile: ahead of the loop, so that timings' compile is the compilation and train the training. The
        # guarded chunk compiles when a replica first diverges, the shorter last chunk when it is reached.
        # --------------------------------------------------------------------------------------------------
        t_start = time.perf_counter()  # summary.json's wall_s: from here to the end of training
        with timings("data"):
            feed.start(step)
        evaluate = programs.evaluate.lower(states, feed.test_like()).compile()
        diverged, unguarded = diverged_mask(states, step), programs.unguarded_chunk
        if step < cfg.steps and not diverged.any():
            unguarded = programs.unguarded_chunk.lower(states, feed.train_like(cfg.log_every), place.scalar(0),
                                                       data_keys).compile()

        # --------------------------------------------------------------------------------------------------
        # The chunk loop: train a chunk, log it, note diverged replicas, evaluate, checkpoint, stop on a signal.
        # --------------------------------------------------------------------------------------------------
        terminal = sys.stderr.isatty()
        bar = tqdm(total=cfg.steps, initial=step, disable=quiet or not terminal, file=sys.stderr,
                   unit="step", dynamic_ncols=True)
        lines = primary and not quiet and not terminal  # a log file gets a line per chunk instead
        cleanup.callback(bar.close)
        last_eval, last_eval_sums = {}, {}
        diverged_at = {r: int(s) + 1 for r, s in enumerate(fetch(states.step)) if diverged[r]}
        with StopRequest() as stop:
            # every process takes the same decision (a signal may reach only one), at the same step
            signum = agree(stop.signum or 0)  # a signal during start-up or compilation: stop before the first step
            if signum:
                if step:  # resumed: the checkpoint it started from is the one to resume from again
                    _end_segment(workdir, env, timings, first_step, step, wall_s=time.perf_counter() - t_start)
                    raise Preempted(step, signum, checkpoints.directory)
                raise Interrupted(signum)
            while step < cfg.steps and not diverged.all():
                chunks = (unguarded, programs.guarded_chunk) if step + cfg.log_every <= cfg.steps else (
                    tail_programs.unguarded_chunk, tail_programs.guarded_chunk)
                # waiting for the grain pipeline's batches is training time: the step stalls on it (device: none)
                with timings("train"):
                    train_data = feed.train(min(cfg.log_every, cfg.steps - step))
                    states, metrics = train_chunk(*chunks, states, train_data, place.scalar(step), data_keys,
                                                  bool(diverged.any()))
                    metrics = fetch(metrics)  # also waits for the chunk: the timing is honest
                with timings("checkpoints"):
                    checkpoints.wait()  # the previous save wrote while this chunk ran; committed from here on
                n = next(iter(metrics.values())).shape[1]
                step += n
                with timings("files"):
                    log.write(step, "train", {k: v.mean(axis=1) for k, v in metrics.items()})
                signum = agree(stop.signum or 0)
                replica_steps = fetch(states.step)
                for r in np.flatnonzero((replica_steps < step) & ~diverged):
                    diverged_at[int(r)] = int(replica_steps[r]) + 1
                    print(f"jaxdl: warning: replica {r} diverged at step {diverged_at[int(r)]} (non-finite loss "
                          "or gradient); it is frozen, the others go on", file=sys.stderr)
                diverged = replica_steps < step
                if diverged.all():
                    break  # nothing left to train; the last good checkpoint stays the newest
                if step % cfg.eval_every == 0 or step == cfg.steps:
                    with timings("eval"):
                        last_eval_sums = evaluate_all(evaluate, states, feed)
                        last_eval = masked(task.summarize(last_eval_sums), diverged)
                    with timings("files"):
                        log.write(step, "test", last_eval)
                        if hasattr(task, "write_artifacts"):
                            # several processes: every one gathers (a collective), process 0 writes
                            local = fetch(states) if jax.process_count() > 1 else states
                            if primary:
                                task.write_artifacts(local, step, workdir, final=step == cfg.steps)
                if step % (cfg.checkpoint_every or cfg.eval_every) == 0 or step == cfg.steps or signum:
                    with timings("checkpoints"):
                        checkpoints.save(step, {"states": states, "data_keys": data_keys, **feed.checkpoint_tree()})
                bar.update(n)
                loss = point_losses(metrics["loss"].mean(axis=1), groups)  # the chunk's mean, per sweep point
                rate = (step - first_step) / max(timings.seconds["train"], 1e-9)  # this segment's, compiles left out
                bar.set_postfix(loss=" ".join(f"{x:.4f}" for x in loss), steps_per_s=f"{rate:.0f}")
                if lines:
                    print(progress_line(step, cfg.steps, loss, rate), file=sys.stderr, flush=True)
                if signum and step < cfg.steps:
                    with timings("checkpoints"):
                        checkpoints.close()  # the save is committed before the process goes
                    _end_segment(workdir, env, timings, first_step, step, wall_s=time.perf_counter() - t_start)
                    raise Preempted(step, signum, checkpoints.directory)

        # --------------------------------------------------------------------------------------------------
        # Summary: the final evaluation, every save committed, then summary.json and the learning curves.
        # --------------------------------------------------------------------------------------------------
        bar.close()
        last_eval = masked(last_eval, diverged)
        if not last_eval and not diverged.all():  # resumed at the very end: the final evaluation is recomputed
            with timings("eval"):
                last_eval_sums = evaluate_all(evaluate, states, feed)
                last_eval = masked(task.summarize(last_eval_sums), diverged)
        wall_s = time.perf_counter() - t_start
        with timings("checkpoints"):
            checkpoints.close()
        with timings("files"):
            log.close()
        if primary and plots:
            with timings("plots"):
                from jaxdl import plots as figures  # matplotlib: imported only when a figure is drawn

                figures.learning_curves(load_run(workdir))  # the curves need metrics.jsonl and env.json only
        summary = run_summary(exp.replicas, step, first_step, diverged, diverged_at, last_eval, last_eval_sums)
        summary["data"] = {"pipeline": feed.pipeline, "batches": feed.stream_note}
        # the timings of every segment, this one's complete now: summary.json is written once, with them
        summary.update(_end_segment(workdir, env, timings, first_step, step, wall_s=wall_s))
        if primary:
            write_json(os.path.join(workdir, "summary.json"), summary)
    return summary


def train_chunk(unguarded_chunk, guarded_chunk, states: TrainState, data, start, data_keys,
                any_diverged: bool) -> tuple[TrainState, dict[str, jax.Array]]:
    """One chunk of training -> (states, metrics [K, length]), through a `Programs`' two chunk programs.

    While no replica has diverged it runs `unguarded_chunk`; if some replica ended it non-finite, the same
    chunk runs again from the same start through `guarded_chunk`, which freezes that replica at the exact
    step (jaxdl/train/loop.py). Once a replica is frozen (`any_diverged`), every later chunk is guarded.
    """
    if not any_diverged:
        new, metrics, finite = unguarded_chunk(states, data, start, data_keys)
        if fetch(finite).all():
            return new, metrics
    return guarded_chunk(states, data, start, data_keys)


def point_losses(loss: np.ndarray, groups: list[list[int]]) -> list[float]:
    """The train loss [K] as its mean over each sweep point's replicas [P] (diverged ones, NaN, left out)."""
    return [float(np.nanmean(loss[g])) if np.isfinite(loss[g]).any() else float("nan") for g in groups]


def progress_line(step: int, steps: int, losses: list[float], steps_per_s: float) -> str:
    """"jaxdl: step 200/1000  train loss 0.4512  812 steps/s  ETA 0:00:01", the progress a log file gets;
    losses: the train loss per sweep point [P]."""
    eta = str(datetime.timedelta(seconds=round((steps - step) / steps_per_s))) if steps_per_s > 0 else "?"
    what = "train loss" if len(losses) == 1 else "train loss by sweep point"
    return (f"jaxdl: step {step}/{steps}  {what} {' '.join(f'{x:.4f}' for x in losses)}  "
            f"{steps_per_s:.0f} steps/s  ETA {eta}")


def _end_segment(workdir: str, env: dict[str, Any], timings: Timings, first_step: int, step: int,
                 **extra: float) -> dict[str, Any]:
    """Record this segment's timings in `env` (env.json as this segment wrote it; {} but on process 0), in
    its own entry (the original run's, else its resume's), and write it; return summary.json's fields that
    add up every segment recorded there: "timings" ({"segments": [...], "total": {...}}), wall_s (from
    putting the data on the devices to the end of training, per segment), compile_s, train_s and steps_per_s
    over them all."""
    segment = timings.segment(first_step, step, **extra)
    if env:
        (env["resumes"][-1] if first_step and env.get("resumes") else env)["timings"] = segment
        write_json(os.path.join(workdir, "env.json"), env)
    segments = [e["timings"] for e in [env, *env.get("resumes", [])] if "timings" in e] or [segment]
    total = add_up(segments)
    return {"timings": {"segments": segments, "total": total}, "wall_s": total["wall_s"],
            "compile_s": total["compile_s"], "train_s": total["train_s"],
            "steps_per_s": total["steps"] / total["train_s"] if total["train_s"] else None}


def _note_resume(workdir: str, step: int, mesh: dict[str, int]) -> dict[str, Any]:
    """env.json keeps the original run's environment; each resume is appended to its "resumes" list, with
    the device layout it ran on (a resume may run on other devices: the numbers then round differently).
    Returns env.json as written."""
    path = os.path.join(workdir, "env.json")
    env = json.load(open(path)) if os.path.exists(path) else {}
    env.setdefault("resumes", []).append(
        {"step": step, "command": sys.argv, "mesh": mesh,
         "time": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")})
    write_json(path, env)
    return env
