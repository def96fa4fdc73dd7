"""The pure, compiled part of training: chunks of steps as one `lax.scan`, evaluation as another, and
`make_programs`, which jits them vmapped over replicas for one experiment:

    jax.jit(jax.vmap(chunk, in_axes=(0, None, None, 0)), donate_argnums=0)

trains every replica (seeds x sweep points) in one program. Nothing here touches files, prints or handles
signals: the driver, jaxdl/train/run.py, does.

Data lives on the device as whole arrays. Epoch e's order is `permutation(fold_in(data_key, e), N)`;
a step slices its batch from that order inside the compiled program, so no host work happens per step.
The step counter of the scan is *not* batched over replicas (all replicas are at the same step), which
keeps the "new epoch?" test a real `lax.cond` under vmap instead of a select that reshuffles every step.

Divergence: a replica whose update yields a non-finite loss or a non-finite parameter / optimizer / model
state (a non-finite gradient always ends up there) is *frozen*: that update and every later one become
no-ops (`jnp.where` over the whole state), its metrics read NaN, and its `state.step` stops counting. So a
replica is diverged exactly when `state.step` is behind the global step, which a checkpoint carries for free.

That per-step guard costs 20-35% of a small model's step on CPU (experiments/RESULTS.md), so the driver
(jaxdl/train/run.py) first runs each chunk through `unguarded_chunk`, which also reports whether every loss
and the final state are finite; only if some replica's are not does it run the same chunk again, from the
same start, through `guarded_chunk`. Non-finite values are absorbing under gradient updates (NaN and inf
stay non-finite in parameters and in optimizer moments), so a finite end with finite losses means no step
would have frozen.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.data.augment import augment_key, make_augment
from jaxdl.tasks.base import Batch, Task
from jaxdl.train.mesh import fetch
from jaxdl.train.optim import set_hyperparams
from jaxdl.train.replicas import replica_keys, stacked_hparams
from jaxdl.train.state import TrainState
from jaxdl.train.step import train_step

if TYPE_CHECKING:
    from jaxdl.train.setup import Experiment


def all_finite(tree) -> jax.Array:
    """bool []: every floating-point leaf of `tree` is finite."""
    leaves = [jnp.all(jnp.isfinite(x)) for x in jax.tree_util.tree_leaves(tree)
              if jnp.issubdtype(jnp.asarray(x).dtype, jnp.inexact)]
    return jnp.all(jnp.stack(leaves)) if leaves else jnp.bool_(True)


def guarded_step(task: Task, state: TrainState, batch: Batch, step: jax.Array):
    """`train_step`, frozen for a diverged replica (see module docstring). step: int32 [] global step."""
    alive = state.step == step
    new, metrics = train_step(task, state, batch)
    ok = alive & jnp.isfinite(metrics["loss"]) & all_finite((new.params, new.model_state, new.opt_state))
    state = jax.tree_util.tree_map(lambda n, o: jnp.where(ok, n, o), new, state)
    metrics = {k: jnp.where(ok, v, jnp.nan) if jnp.issubdtype(v.dtype, jnp.inexact) else v
               for k, v in metrics.items()}
    return state, metrics


def _identity(batch: Batch) -> Batch:
    return batch


def make_train_chunk(task: Task, batch_size: int, num_train: int, length: int, shuffle: bool = True,
                     constrain: Callable[[Batch], Batch] = _identity, augment: Callable | None = None, *,
                     guarded: bool, fed: bool = False) -> Callable:
    """One replica's chunk of `length` steps. guarded=True: `chunk(state, data, start, data_key) -> (state,
    metrics)` through `guarded_step`; guarded=False: `train_step` alone, `-> (state, metrics, finite)`,
    finite bool []: every loss of the chunk and the final state are finite.

    data: the whole training split, name -> [N, ...]; start: int32 [] global step of the first update;
    data_key: uint32 [2]. metrics: name -> [length] per-step values.
    Epochs drop the last N % batch_size examples of each permutation. With shuffle=False every epoch
    reads the split in stored order (the MNIST-1D paper's recipe) and data_key is unused. A diverged
    replica stays frozen in the guarded chunk. `constrain` places each batch [B, ...] (jaxdl.train.mesh:
    split over "data"). `augment(batch, key) -> batch` (jaxdl.data.augment) transforms each gathered batch
    with the key `augment_key(data_key, step)`: its own draw per replica and step, the same on a rerun.
    fed=True (the grain pipeline, jaxdl/train/feed.py): data holds the chunk's batches [length, B, ...], step i
    of the chunk trains on batch i (shuffle, num_train and data_key's order unused: the host fed the order).
    """
    steps_per_epoch = num_train // batch_size

    def order(data_key, step):
        if not shuffle:
            return jnp.arange(num_train)
        return jax.random.permutation(jax.random.fold_in(data_key, step // steps_per_epoch), num_train)

    def chunk(state: TrainState, data: Batch, start: jax.Array, data_key: jax.Array):
        def body(carry, xs):
            state, perm = carry
            step, batch = xs
            if not fed:
                perm = jax.lax.cond(step % steps_per_epoch == 0, lambda: order(data_key, step), lambda: perm)
                idx = jax.lax.dynamic_slice_in_dim(perm, (step % steps_per_epoch) * batch_size, batch_size)
                batch = jax.tree_util.tree_map(lambda a: jnp.take(a, idx, axis=0), data)
            if augment is not None:
                batch = augment(batch, augment_key(data_key, step))
            batch = constrain(batch)
            if guarded:
                state, metrics = guarded_step(task, state, batch, step)
            else:
                state, metrics = train_step(task, state, batch)
            return (state, perm), metrics

        steps = start + jnp.arange(length, dtype=jnp.int32)
        first = jnp.zeros((), jnp.int32) if fed else order(data_key, start)
        (state, _), metrics = jax.lax.scan(body, (state, first), (steps, data if fed else None))
        if guarded:
            return state, metrics
        finite = jnp.all(jnp.isfinite(metrics["loss"])) & all_finite((state.params, state.model_state,
                                                                      state.opt_state))
        return state, metrics, finite

    return chunk


def pad_for_eval(split: dict[str, np.ndarray], batch_size: int) -> dict[str, np.ndarray]:
    """Pad a split to a multiple of batch_size, reshaped to [num_batches, batch_size, ...], with "mask"."""
    n = len(next(iter(split.values())))
    num_batches = -(-n // batch_size)
    pad = num_batches * batch_size - n
    out = {k: np.concatenate([v, np.zeros((pad, *v.shape[1:]), v.dtype)]) for k, v in split.items()}
    out["mask"] = np.concatenate([np.ones(n, np.float32), np.zeros(pad, np.float32)])
    return {k: v.reshape(num_batches, batch_size, *v.shape[1:]) for k, v in out.items()}


def make_evaluate(task: Task, constrain: Callable[[Batch], Batch] = _identity) -> Callable:
    """`evaluate(state, batches) -> sums` for one replica over batches [num_batches, B, ...] from
    `pad_for_eval`; sums are the task's eval statistics summed over the split. `constrain` as above."""

    def evaluate(state: TrainState, batches: Batch):
        def body(acc, batch):
            stats = task.eval_step(state, constrain(batch))
            return jax.tree_util.tree_map(jnp.add, acc, stats), None

        first = jax.tree_util.tree_map(lambda a: a[0], batches)
        zeros = jax.tree_util.tree_map(lambda s: jnp.zeros(s.shape, s.dtype),
                                       jax.eval_shape(task.eval_step, state, first))
        sums, _ = jax.lax.scan(body, zeros, batches)
        return sums

    return evaluate


@dataclasses.dataclass(frozen=True)
class Programs:
    """The jitted programs of one experiment, every replica in each (K = len(exp.replicas))."""

    init: Any  # (init_keys [K, 2], example batch) -> TrainState with leading [K]
    # (states, train data, start int32 [], data_keys [K, 2]) -> (states, metrics [K, length]); states donated
    guarded_chunk: Any
    # the same without the per-step divergence guard, states not donated -> (states, metrics, finite bool [K])
    unguarded_chunk: Any
    evaluate: Any  # (states, padded test batches) -> per-replica sums [K, ...]
    # (init_keys, example batch) -> init's states as jax.ShapeDtypeStruct, computing nothing (compile-only targets)
    init_shapes: Any = None


def compiler_options(config) -> dict | None:
    """config.compiler_options as jax.jit takes them (None: XLA's defaults)."""
    return dict(config.get("compiler_options") or {}) or None


def make_programs(exp: Experiment, length: int) -> Programs:
    """The experiment's programs, chunks of `length` steps. With a mesh (jaxdl.train.mesh) they take and give
    global arrays: states and data keys split over "replica", data and metrics replicated, each batch split
    over "data". Nothing compiles until a program is first called or lowered."""
    cfg, task, place = exp.config, exp.task, exp.placement
    hparams = stacked_hparams(exp.replicas)

    def init_one(key, example, hp):
        state = task.init(key, example)
        return state.replace(opt_state=set_hyperparams(state.opt_state, hp)) if hp else state

    fed = exp.pipeline == "grain"  # batches come from the host, augmented there (jaxdl/train/feed.py)
    chunk_args = (task, cfg.batch_size, exp.dataset.num_train, length, cfg.shuffle, place.constrain_batch,
                  None if fed else make_augment(exp.augment))
    guarded = make_train_chunk(*chunk_args, guarded=True, fed=fed)
    unguarded = make_train_chunk(*chunk_args, guarded=False, fed=fed)
    evaluate = make_evaluate(task, constrain=place.constrain_batch)
    vmap = functools.partial(jax.vmap, spmd_axis_name=place.replica_axis)
    per, rep = place.per_replica, place.replicated  # None without a mesh
    options = compiler_options(cfg)

    def jit(fn, out_shardings=None, **kwargs):  # without a mesh: plain jit, placement left to JAX
        return jax.jit(fn, **kwargs, **({"out_shardings": out_shardings} if place.sharded else {}),
                       compiler_options=options)

    init_all = vmap(init_one, in_axes=(0, None, 0))
    init = jit(init_all, per)
    split = place.split_replicas  # states, data keys: arguments 0 and 3 of a chunk; states of evaluate
    return Programs(
        init=lambda keys, example: init(place.put(keys, per), place.put(example, rep), place.put(hparams, per)),
        guarded_chunk=jit(split(vmap(guarded, in_axes=(0, None, None, 0)), (0, 3)), (per, rep),
                          donate_argnums=0),
        unguarded_chunk=jit(split(vmap(unguarded, in_axes=(0, None, None, 0)), (0, 3)), (per, rep, per)),
        evaluate=jit(split(vmap(evaluate, in_axes=(0, None)), (0,)), rep),
        init_shapes=lambda keys, example: jax.eval_shape(init_all, keys, example, hparams),
    )


def init_states(exp: Experiment, programs: Programs) -> tuple[TrainState, jax.Array]:
    """Fresh states for every replica (leading axis K) and their data keys uint32 [K, 2]."""
    init_keys, data_keys = replica_keys(exp.replicas)
    data_keys = exp.placement.put(data_keys, exp.placement.per_replica)
    return programs.init(init_keys, exp.example_batch()), data_keys


def diverged_mask(states: TrainState, step: int) -> np.ndarray:
    """bool [K]: replicas frozen by `guarded_step` (their own step counter stopped behind `step`)."""
    return fetch(states.step) < step
