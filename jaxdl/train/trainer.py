"""The one trainer: a thin Python driver around compiled, vmapped chunks of training steps.

    jax.jit(jax.vmap(chunk, in_axes=(0, None, None, 0)))

trains every replica (seeds x sweep points) in one program; `run_chunk` runs it without the per-step
divergence guard first and again with it only when some replica went non-finite (jaxdl/train/loop.py).
Everything inside is pure; logging, evaluation bookkeeping, checkpoints, preemption, divergence bookkeeping,
files and the progress bar live here.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
import time
from typing import Any

import jax
import numpy as np
from tqdm.auto import tqdm

from jaxdl.errors import Interrupted, Preempted
from jaxdl.train.checkpoint import Checkpoints
from jaxdl.train.loop import make_evaluate, make_train_chunk, pad_for_eval
from jaxdl.train.mesh import agree, fetch, is_primary
from jaxdl.train.optim import set_hyperparams
from jaxdl.train.preemption import StopRequest
from jaxdl.train.replicas import replica_keys, stacked_hparams
from jaxdl.train.setup import Experiment
from jaxdl.train.state import TrainState


@dataclasses.dataclass
class Programs:
    """The compiled pieces of a run, built once per experiment."""

    init: Any  # (init_keys [K, 2], example batch) -> TrainState with leading [K]
    chunk: Any  # (states, train data, start int32, data_keys [K, 2]) -> (states, metrics [K, log_every])
    evaluate: Any  # (states, padded test batches) -> per-replica sums [K, ...]
    # chunk without the per-step divergence guard, states not donated -> (states, metrics, finite [K]);
    # what `train` runs first (see run_chunk)
    fast_chunk: Any = None


def compiler_options(config) -> dict | None:
    """config.compiler_options as jax.jit takes them (None: XLA's defaults)."""
    return dict(config.get("compiler_options") or {}) or None


def make_programs(exp: Experiment, length: int | None = None) -> Programs:
    """The run's compiled programs. With a mesh (jaxdl.train.mesh) they take and give global arrays:
    states and data keys split over "replica", data and metrics replicated, each batch split over "data"."""
    cfg, task, place = exp.config, exp.task, exp.placement
    num_train = exp.dataset.num_train
    hparams = stacked_hparams(exp.replicas)

    def init_one(key, example, hp):
        state = task.init(key, example)
        return state.replace(opt_state=set_hyperparams(state.opt_state, hp)) if hp else state

    chunk_args = (task, cfg.batch_size, num_train, length or cfg.log_every, cfg.get("shuffle", True))
    chunk = make_train_chunk(*chunk_args, constrain=place.constrain_batch)
    fast = make_train_chunk(*chunk_args, constrain=place.constrain_batch, guarded=False)
    evaluate = make_evaluate(task, constrain=place.constrain_batch)
    vmap = functools.partial(jax.vmap, spmd_axis_name=place.replica_axis)
    per, rep = place.per_replica, place.replicated  # None without a mesh

    options = compiler_options(cfg)

    def jit(fn, out_shardings=None, **kwargs):  # without a mesh: plain jit, placement left to JAX
        return jax.jit(fn, **kwargs, **({"out_shardings": out_shardings} if place.sharded else {}),
                       compiler_options=options)

    init = jit(vmap(init_one, in_axes=(0, None, 0)), per)
    split = place.split_replicas  # states, data keys: arguments 0 and 3 of a chunk; states of evaluate
    return Programs(
        init=lambda keys, example: init(place.put(keys, per), place.put(example, rep), place.put(hparams, per)),
        chunk=jit(split(vmap(chunk, in_axes=(0, None, None, 0)), (0, 3)), (per, rep), donate_argnums=0),
        evaluate=jit(split(vmap(evaluate, in_axes=(0, None)), (0,)), rep),
        fast_chunk=jit(split(vmap(fast, in_axes=(0, None, None, 0)), (0, 3)), (per, rep, per)),
    )


def run_chunk(programs: Programs, states: TrainState, data, start, data_keys, any_diverged: bool, fast=None):
    """One chunk of training as `train` runs it -> (states, metrics). While no replica has diverged it runs
    `programs.fast_chunk` (or `fast`, the same compiled ahead); if some replica ended it non-finite, the same
    chunk runs again from the same start through the guarded `programs.chunk`, which freezes that replica at
    the exact step (jaxdl/train/loop.py). Once a replica is frozen, every later chunk is guarded."""
    if not any_diverged:
        new, metrics, finite = (fast or programs.fast_chunk)(states, data, start, data_keys)
        if fetch(finite).all():
            return new, metrics
    return programs.chunk(states, data, start, data_keys)


def init_states(exp: Experiment, programs: Programs) -> tuple[TrainState, jax.Array]:
    """Fresh states for every replica (leading axis K) and their data keys uint32 [K, 2]."""
    init_keys, data_keys = replica_keys(exp.replicas)
    data_keys = exp.placement.put(data_keys, exp.placement.per_replica)
    return programs.init(init_keys, exp.example_batch()), data_keys


def train_losses(exp: Experiment, steps: int) -> np.ndarray:
    """Per-step training losses float [K, steps] of a fresh run: the quantity layout tests compare."""
    programs = make_programs(exp, length=steps)
    states, data_keys = init_states(exp, programs)
    place = exp.placement
    _, metrics = programs.chunk(states, place.put(exp.dataset.train, place.replicated), place.scalar(0), data_keys)
    return fetch(metrics["loss"])


def mean_std(values: np.ndarray) -> dict[str, float]:
    values = np.asarray(values, np.float64)
    if not values.size:  # every replica diverged
        return {"mean": float("nan"), "std": float("nan")}
    return {"mean": float(np.mean(values)), "std": float(np.std(values))}


@dataclasses.dataclass
class Start:
    """Where the driver begins: states [K, ...], data keys uint32 [K, 2] and the global step."""

    states: TrainState
    data_keys: jax.Array
    step: int = 0


def restore_or_init(exp: Experiment, programs: Programs, checkpoints: Checkpoints | None = None) -> Start:
    """Fresh states, or the newest good checkpoint's when `checkpoints` holds one (bitwise what was saved)."""
    states, data_keys = init_states(exp, programs)
    restored = checkpoints.restore_latest({"states": states, "data_keys": data_keys}) if checkpoints else None
    if restored is None:
        return Start(states, data_keys, 0)
    tree, step = restored
    return Start(tree["states"], tree["data_keys"], int(step))


def diverged_mask(states: TrainState, step: int) -> np.ndarray:
    """bool [K]: replicas frozen by the compiled step (their own step counter stopped; see loop.py)."""
    return fetch(states.step) < step


def _masked(metrics: dict[str, np.ndarray], diverged: np.ndarray) -> dict[str, np.ndarray]:
    """A diverged replica's evaluation is of its frozen state, not a result: report NaN instead."""
    return {k: np.where(diverged, np.nan, np.asarray(v, np.float64)) for k, v in metrics.items()}


def train(exp: Experiment, log, *, quiet: bool = False, workdir: str | None = None,
          programs: Programs | None = None, start: Start | None = None,
          checkpoints: Checkpoints | None = None) -> dict[str, Any]:
    """Train `exp` from `start` (default: from scratch), writing metrics through `log` (a MetricsLog).
    Returns the summary dict.

    Train metrics are the mean over each log interval; test metrics are computed at every eval_every
    steps and at the end. With `checkpoints`, the run is saved every checkpoint_every steps and at the end,
    and SIGTERM/SIGINT save at the next chunk boundary and raise `Preempted` (before the first step:
    `Interrupted`, nothing saved); with several processes the stop is agreed at every boundary, so all stop
    at the same step. A replica that diverges is
    frozen in the compiled step; when every replica has, the run stops with status "diverged".
    """
    cfg, task, place = exp.config, exp.task, exp.placement
    t_start = time.perf_counter()
    programs = programs or make_programs(exp)
    start = start or restore_or_init(exp, programs)
    states, data_keys, step = start.states, start.data_keys, start.step
    train_data = place.put(exp.dataset.train, place.replicated)
    test_batches = place.put(pad_for_eval(exp.dataset.test, cfg.eval_batch_size), place.replicated)

    t0 = time.perf_counter()
    evaluate = programs.evaluate.lower(states, test_batches).compile()
    diverged, fast = diverged_mask(states, step), None
    if step < cfg.steps and not diverged.any():  # the guarded chunk compiles when first needed
        fast = programs.fast_chunk.lower(states, train_data, place.scalar(0), data_keys).compile()
    compile_s = time.perf_counter() - t0
    tail = cfg.steps % cfg.log_every  # a shorter last chunk compiles once more, only if the config asks
    tail_programs = make_programs(exp, length=tail) if tail else None

    bar = tqdm(total=cfg.steps, initial=step, disable=quiet or not sys.stderr.isatty(), file=sys.stderr,
               unit="step", dynamic_ncols=True)
    train_s, last_eval, last_eval_sums, first_step = 0.0, {}, {}, step
    diverged_at = {r: int(s) + 1 for r, s in enumerate(fetch(states.step)) if diverged[r]}
    with StopRequest(active=checkpoints is not None) as stop:
        # every process takes the same decision (a signal may reach only one), at the same step
        agreed = (lambda: agree(stop.signum or 0)) if checkpoints else (lambda: 0)
        signum = agreed()  # a signal during start-up or compilation: stop before the first step
        if signum:
            bar.close()
            checkpoints.close()
            if step:  # resumed: the checkpoint it started from is the one to resume from again
                raise Preempted(step, signum, checkpoints.directory)
            raise Interrupted(signum)
        while step < cfg.steps and not diverged.all():
            progs, compiled = (programs, fast) if step + cfg.log_every <= cfg.steps else (tail_programs, None)
            t = time.perf_counter()
            states, metrics = run_chunk(progs, states, train_data, place.scalar(step), data_keys,
                                        bool(diverged.any()), compiled)
            metrics = fetch(metrics)  # also waits for the chunk: the timing below is honest
            train_s += time.perf_counter() - t
            if checkpoints:  # the previous save wrote while this chunk ran; it is committed from here on
                checkpoints.wait()
            n = next(iter(metrics.values())).shape[1]
            step += n
            log.write(step, "train", {k: v.mean(axis=1) for k, v in metrics.items()})
            signum = agreed()
            replica_steps = fetch(states.step)
            for r in np.flatnonzero((replica_steps < step) & ~diverged):
                diverged_at[int(r)] = int(replica_steps[r]) + 1
                print(f"jaxdl: warning: replica {r} diverged at step {diverged_at[int(r)]} (non-finite loss or "
                      "gradient); it is frozen, the others go on", file=sys.stderr)
            diverged = replica_steps < step
            if diverged.all():
                break  # nothing left to train; the last good checkpoint stays the newest
            if step % cfg.eval_every == 0 or step == cfg.steps:
                sums = fetch(evaluate(states, test_batches))
                last_eval = _masked(task.summarize(sums), diverged)
                log.write(step, "test", last_eval)
                last_eval_sums = sums
                if workdir and hasattr(task, "write_artifacts"):
                    # several processes: every one gathers (a collective), process 0 writes
                    local = fetch(states) if jax.process_count() > 1 else states
                    if is_primary():
                        task.write_artifacts(local, step, workdir, final=step == cfg.steps)
            every = cfg.checkpoint_every or cfg.eval_every
            if checkpoints and (step % every == 0 or step == cfg.steps or signum):
                checkpoints.save(step, {"states": states, "data_keys": data_keys})
            bar.update(n)
            bar.set_postfix(loss=f"{np.nanmean(metrics['loss'][:, -1]):.4f}", steps_per_s=f"{step / train_s:.0f}")
            if signum and step < cfg.steps:
                bar.close()
                checkpoints.close()  # the save is committed before the process goes
                raise Preempted(step, signum, checkpoints.directory)
    bar.close()
    last_eval = _masked(last_eval, diverged)
    if not last_eval and not diverged.all():  # resumed at the very end: the final evaluation is recomputed
        last_eval_sums = fetch(evaluate(states, test_batches))
        last_eval = _masked(task.summarize(last_eval_sums), diverged)
    if checkpoints:
        checkpoints.close()

    extra = {k: np.asarray(v) for k, v in last_eval_sums.items() if np.ndim(v) > 1}  # e.g. confusion [K,C,C]
    replicas = [dict(dataclasses.asdict(r), status="diverged" if diverged[r.index] else "completed",
                     diverged_step=diverged_at.get(r.index)) for r in exp.replicas]
    trained = step - first_step
    return {
        "status": "diverged" if diverged.all() else "completed",
        "steps": int(step),
        "diverged_replicas": sorted(diverged_at),
        "final": {"test": {k: v.tolist() for k, v in last_eval.items()}},
        "final_mean_std": {"test": {k: mean_std(v[~diverged]) for k, v in last_eval.items()}},
        "final_stats": {k: v.tolist() for k, v in extra.items()},
        "replicas": replicas,
        "resumed_from": first_step or None,
        "wall_s": time.perf_counter() - t_start,
        "compile_s": compile_s,
        "train_s": train_s,
        "steps_per_s": trained / train_s if train_s else None,
    }
