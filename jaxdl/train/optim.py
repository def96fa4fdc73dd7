"""Optimizers from config through optax, with numeric hyperparameters injected into the optimizer state.

`optax.inject_hyperparams` keeps learning rate, momentum, betas, weight decay and the clipping norm as
arrays in the optimizer state. A sweep then only writes per-replica values into that state: every member
runs the same compiled program.
"""

from __future__ import annotations

import jax
import ml_collections
import optax

from jaxdl.errors import UserError

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "adamw")
SCHEDULES = ("constant", "cosine", "warmup_cosine")
# The hyperparameters held in the optimizer state; these (as "optimizer.<name>") are what a sweep may vary.
INJECTED = ("learning_rate", "momentum", "b1", "b2", "eps", "weight_decay", "clip_norm")


def make_optimizer(cfg: ml_collections.ConfigDict, total_steps: int) -> optax.GradientTransformation:
    """The config's optimizer as one `inject_hyperparams` transformation (its state holds `INJECTED`)."""
    name, schedule, warmup = cfg.name, cfg.schedule, int(cfg.warmup_steps)
    if name not in OPTIMIZERS:
        raise UserError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
    if schedule not in SCHEDULES:
        raise UserError(f"unknown schedule {schedule!r}; choose one of {', '.join(SCHEDULES)}")
    if not cfg.learning_rate > 0:
        raise UserError(f"optimizer.learning_rate must be > 0, got {cfg.learning_rate}")
    if cfg.weight_decay < 0 or cfg.clip_norm < 0:
        raise UserError("optimizer.weight_decay and optimizer.clip_norm must be >= 0")
    if schedule == "warmup_cosine" and not 0 <= warmup < total_steps:
        raise UserError(f"optimizer.warmup_steps must be in [0, steps), got {warmup}")
    clip = cfg.clip_norm > 0  # decided once, statically: a traced norm cannot switch clipping on or off

    def factory(learning_rate, momentum, b1, b2, eps, weight_decay, clip_norm):
        # Schedules are built with peak 1 and scaled by the (possibly traced, swept) learning rate:
        # optax's warmup_cosine_decay_schedule branches in Python on its peak value, which a traced
        # hyperparameter cannot do. Both schedules end at 0, so the scaling is exact.
        if schedule == "cosine":
            unit = optax.cosine_decay_schedule(1.0, total_steps)
        elif schedule == "warmup_cosine":
            unit = optax.warmup_cosine_decay_schedule(0.0, 1.0, warmup, total_steps)
        lr = learning_rate if schedule == "constant" else (lambda count: learning_rate * unit(count))
        if name == "adamw":
            opt = optax.adamw(lr, b1=b1, b2=b2, eps=eps, weight_decay=weight_decay)
        else:
            opt = {
                "sgd": lambda: optax.sgd(lr),
                "momentum": lambda: optax.sgd(lr, momentum=momentum),
                "nesterov": lambda: optax.sgd(lr, momentum=momentum, nesterov=True),
                "adam": lambda: optax.adam(lr, b1=b1, b2=b2, eps=eps),
            }[name]()
            # L2 regularisation through the gradient; adamw decouples it instead.
            opt = optax.chain(optax.add_decayed_weights(weight_decay), opt)
        return optax.chain(optax.clip_by_global_norm(clip_norm), opt) if clip else opt

    values = {k: float(cfg[k]) for k in INJECTED}
    return optax.inject_hyperparams(factory)(**values)


def set_hyperparams(opt_state, values: dict[str, jax.Array]):
    """Return `opt_state` with injected hyperparameters replaced by `values` (name -> scalar array)."""

    def replace(node):
        if isinstance(node, optax.InjectStatefulHyperparamsState):
            hp = dict(node.hyperparams)
            for k, v in values.items():
                hp[k] = jax.numpy.asarray(v, dtype=hp[k].dtype)
            return node._replace(hyperparams=hp)
        return node

    is_inject = lambda n: isinstance(n, optax.InjectStatefulHyperparamsState)
    return jax.tree_util.tree_map(replace, opt_state, is_leaf=is_inject)
