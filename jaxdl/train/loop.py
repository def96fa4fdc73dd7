"""The pure, compiled part of training: chunks of steps as one `lax.scan`, evaluation as another.

Data lives on the device as whole arrays. Epoch e's order is `permutation(fold_in(data_key, e), N)`;
a step slices its batch from that order inside the compiled program, so no host work happens per step.
The step counter of the scan is *not* batched over replicas (all replicas are at the same step), which
keeps the "new epoch?" test a real `lax.cond` under vmap instead of a select that reshuffles every step.

Divergence: a replica whose update yields a non-finite loss or a non-finite parameter / optimizer / model
state (a non-finite gradient always ends up there) is *frozen*: that update and every later one become
no-ops (`jnp.where` over the whole state), its metrics read NaN, and its `state.step` stops counting. So a
replica is diverged exactly when `state.step` is behind the global step, which a checkpoint carries for free.

That per-step guard costs 20-35% of a small model's step on CPU (experiments/RESULTS.md), so the trainer
first runs each chunk *unguarded* (`guarded=False`), which also reports whether every loss and the final
state are finite; only if some replica is not does it run the same chunk again, from the same start, with
the guard. Non-finite values are absorbing under gradient updates (NaN and inf stay non-finite in
parameters and in optimizer moments), so a finite end with finite losses means no step would have frozen.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.tasks.base import Batch, Task
from jaxdl.train.state import TrainState
from jaxdl.train.step import train_step


def all_finite(tree) -> jax.Array:
    """bool []: every floating-point leaf of `tree` is finite."""
    leaves = [jnp.all(jnp.isfinite(x)) for x in jax.tree_util.tree_leaves(tree)
              if jnp.issubdtype(jnp.asarray(x).dtype, jnp.inexact)]
    return jnp.all(jnp.stack(leaves)) if leaves else jnp.bool_(True)


def guarded_step(task: Task, state: TrainState, batch: Batch, step: jax.Array):
    """The update step, frozen for a diverged replica (see module docstring). step: int32 [] global step."""
    alive = state.step == step
    new, metrics = train_step(task, state, batch)
    ok = alive & jnp.isfinite(metrics["loss"]) & all_finite((new.params, new.model_state, new.opt_state))
    state = jax.tree_util.tree_map(lambda n, o: jnp.where(ok, n, o), new, state)
    metrics = {k: jnp.where(ok, v, jnp.nan) if jnp.issubdtype(v.dtype, jnp.inexact) else v
               for k, v in metrics.items()}
    return state, metrics


def _identity(batch: Batch) -> Batch:
    return batch


def plain_step(task: Task, state: TrainState, batch: Batch, step: jax.Array):
    """The update step without the divergence guard (see module docstring)."""
    return train_step(task, state, batch)


def make_train_chunk(task: Task, batch_size: int, num_train: int, length: int, shuffle: bool = True,
                     constrain: Callable[[Batch], Batch] = _identity, guarded: bool = True) -> Callable:
    """`chunk(state, data, start, data_key) -> (state, metrics)` for one replica; with guarded=False
    `-> (state, metrics, finite)`, finite bool []: every loss of the chunk and the final state are finite.

    data: the whole training split, name -> [N, ...]; start: int32 [] global step of the first update;
    data_key: uint32 [2]. Runs `length` steps; metrics: name -> [length] per-step values.
    Epochs drop the last N % batch_size examples of each permutation. With shuffle=False every epoch
    reads the split in stored order (the MNIST-1D paper's recipe) and data_key is unused. A diverged
    replica stays frozen. `constrain` places each batch [B, ...] (jaxdl.train.mesh: split over "data").
    """
    steps_per_epoch = num_train // batch_size

    def order(data_key, step):
        if not shuffle:
            return jnp.arange(num_train)
        return jax.random.permutation(jax.random.fold_in(data_key, step // steps_per_epoch), num_train)

    def chunk(state: TrainState, data: Batch, start: jax.Array, data_key: jax.Array):
        def body(carry, step):
            state, perm = carry
            perm = jax.lax.cond(step % steps_per_epoch == 0, lambda: order(data_key, step), lambda: perm)
            idx = jax.lax.dynamic_slice_in_dim(perm, (step % steps_per_epoch) * batch_size, batch_size)
            batch = constrain(jax.tree_util.tree_map(lambda a: jnp.take(a, idx, axis=0), data))
            state, metrics = (guarded_step if guarded else plain_step)(task, state, batch, step)
            return (state, perm), metrics

        steps = start + jnp.arange(length, dtype=jnp.int32)
        (state, _), metrics = jax.lax.scan(body, (state, order(data_key, start)), steps)
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
