"""Timing, FLOP counting and the reference loop used by `jaxdl bench`."""

from __future__ import annotations

import functools
import statistics
import time
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxdl.data import to_float
from jaxdl.train.step import train_step


def time_interleaved(runs: dict[str, tuple[Callable, object]], repeats: int) -> tuple[dict, dict]:
    """Seconds per call of `carry = run(carry)` for each name -> (run, carry), `repeats` calls each after
    one warm-up call, taken in rounds (one call of each per round) so that a shared machine's drift hits
    every program alike and their ratios stay meaningful. Returns ({name: [seconds]}, {name: last carry}).

    Each call is synchronised with block_until_ready: device time plus dispatch, not just enqueueing.
    """
    carries = {name: jax.block_until_ready(run(carry)) for name, (run, carry) in runs.items()}  # warm-up
    times = {name: [] for name in runs}
    for _ in range(repeats):
        for name, (run, _) in runs.items():
            t = time.perf_counter()
            carries[name] = jax.block_until_ready(run(carries[name]))
            times[name].append(time.perf_counter() - t)
    return times, carries


def spread(times: list[float]) -> dict[str, float]:
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


def cost_flops(compiled_or_lowered) -> float | None:
    """FLOPs from XLA's cost analysis, or None when the backend reports none."""
    try:
        cost = compiled_or_lowered.cost_analysis()
    except Exception:  # some backends raise instead of returning nothing
        return None
    if isinstance(cost, (list, tuple)):
        cost = cost[0] if cost else None
    flops = (cost or {}).get("flops")
    return float(flops) if flops and flops > 0 else None


def analytic_flops(params, batch_size: int) -> float:
    """6 x batch x (parameters of kernels): forward 2 and backward 4 FLOPs per multiply-accumulate.

    Exact for an MLP's matmuls; for convolutions it undercounts (each kernel weight is reused at every
    output position), so `jaxdl bench` reports which count it used.
    """
    kernels = [x for path, x in jax.tree_util.tree_leaves_with_path(params)
               if "kernel" in jax.tree_util.keystr(path)]
    return 6.0 * batch_size * sum(int(np.prod(k.shape)) for k in kernels)


def step_flops(task, states, batch) -> tuple[float | None, str]:
    """FLOPs of ONE vmapped training step (all replicas) and where the figure came from."""
    step = jax.jit(jax.vmap(functools.partial(train_step, task), in_axes=(0, None)))
    lowered = step.lower(states, batch)
    flops = cost_flops(lowered.compile())
    if flops is not None:
        return flops, "xla_cost_analysis"
    flops = cost_flops(lowered)
    if flops is not None:
        return flops, "xla_hlo_cost_analysis"
    num_replicas = jax.tree_util.tree_leaves(states.params)[0].shape[0]
    one = jax.tree_util.tree_map(lambda x: x[0], states.params)
    return num_replicas * analytic_flops(one, len(batch["label"])), "analytic_6_batch_params"


def make_reference_chunk(model, tx: optax.GradientTransformation, batch_size: int, num_train: int,
                         length: int, num_classes: int) -> Callable:
    """A minimal hand-written `lax.scan` loop of the same model, batch size and optimizer, for one replica.

    `chunk((params, model_state, opt_state, key), x, y) -> same`: contiguous batches (no shuffling), no
    metrics beyond the loss, no TrainState. The yardstick for what the trainer's bookkeeping costs.
    """
    steps_per_epoch = num_train // batch_size

    def step(carry, i):
        params, model_state, opt_state, key, x, y = carry
        start = (i % steps_per_epoch) * batch_size
        xb = to_float(jax.lax.dynamic_slice_in_dim(x, start, batch_size))
        yb = jax.lax.dynamic_slice_in_dim(y, start, batch_size)
        mutable = list(model_state) or False

        def loss_fn(p):
            out = model.apply({"params": p, **model_state}, xb, train=True,
                              rngs={"dropout": jax.random.fold_in(key, i)}, mutable=mutable)
            logits, new_state = out if mutable else (out, model_state)
            onehot = jax.nn.one_hot(yb, num_classes)
            return optax.softmax_cross_entropy(logits.astype(jnp.float32), onehot).mean(), new_state

        (loss, model_state), grads = jax.value_and_grad(loss_fn, has_aux=True)(params)
        updates, opt_state = tx.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), model_state, opt_state, key, x, y), loss

    def chunk(carry, x, y):
        (params, model_state, opt_state, key, _, _), losses = jax.lax.scan(
            step, (*carry, x, y), jnp.arange(length))
        return (params, model_state, opt_state, key), losses

    return chunk
