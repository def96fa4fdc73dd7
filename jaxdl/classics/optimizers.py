"""Gradient descent by hand: SGD, momentum, Nesterov and Adam as pure functions on params pytrees.

Each optimizer is `init(params) -> state` and `step(params, grads, state) -> (params, state)`, and follows
optax's definitions to the operation (optax 0.2.8, `optax.sgd` / `optax.adam`), so it reproduces optax:

    sgd        p ← p - lr g
    momentum   m ← g + β m;                  p ← p - lr m                     (optax.trace; no (1-β) factor)
    nesterov   m ← g + β m;                  p ← p - lr (g + β m)             (the new m, as optax.trace)
    adam       m ← (1-β₁) g + β₁ m;  v ← (1-β₂) g² + β₂ v;  t ← t + 1
               p ← p - lr m̂ / (√v̂ + ε),   m̂ = m / (1-β₁ᵗ),  v̂ = v / (1-β₂ᵗ)   (ε outside the square root)

Hyperparameters may be Python floats or scalar arrays (inside the trainer they are float32 arrays, as
`optax.inject_hyperparams` keeps them, so both paths round identically).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

Params = Any  # a pytree of arrays
tree_map = jax.tree_util.tree_map


class Optimizer(NamedTuple):
    init: Callable[[Params], Any]
    step: Callable[[Params, Params, Any], tuple[Params, Any]]


class AdamState(NamedTuple):
    count: jax.Array  # int32 [], steps taken
    mu: Params  # first moment, like params
    nu: Params  # second moment, like params


def _descend(params, direction, learning_rate):
    # optax scales by -lr and then adds; p + (-lr·d) rounds exactly like p - lr·d.
    return tree_map(lambda p, d: p - learning_rate * d, params, direction)


def sgd(learning_rate) -> Optimizer:
    return Optimizer(lambda params: (), lambda params, grads, state: (_descend(params, grads, learning_rate), ()))


def momentum(learning_rate, momentum=0.9) -> Optimizer:
    """Heavy ball; state: the velocity m (like params, zeros at first)."""

    def step(params, grads, m):
        m = tree_map(lambda g, m: g + momentum * m, grads, m)
        return _descend(params, m, learning_rate), m

    return Optimizer(lambda params: tree_map(jnp.zeros_like, params), step)


def nesterov(learning_rate, momentum=0.9) -> Optimizer:
    """Nesterov in optax's (Sutskever et al. 2013) form: step along g + β m with the already updated m."""

    def step(params, grads, m):
        m = tree_map(lambda g, m: g + momentum * m, grads, m)
        direction = tree_map(lambda g, m: g + momentum * m, grads, m)
        return _descend(params, direction, learning_rate), m

    return Optimizer(lambda params: tree_map(jnp.zeros_like, params), step)


def adam(learning_rate, b1=0.9, b2=0.999, eps=1e-8) -> Optimizer:
    def init(params):
        zeros = tree_map(jnp.zeros_like, params)
        return AdamState(jnp.zeros([], jnp.int32), zeros, zeros)

    def step(params, grads, state):
        mu = tree_map(lambda g, m: (1 - b1) * g + b1 * m, grads, state.mu)
        nu = tree_map(lambda g, v: (1 - b2) * g**2 + b2 * v, grads, state.nu)
        count = state.count + 1  # t: 1 at the first step
        # bias corrections: the moments start at zero, so early averages are too small by (1 - βᵗ)
        c1, c2 = 1 - b1**count, 1 - b2**count
        direction = tree_map(lambda m, v: (m / c1.astype(m.dtype)) / (jnp.sqrt(v / c2.astype(v.dtype)) + eps),
                             mu, nu)
        return _descend(params, direction, learning_rate), AdamState(count, mu, nu)

    return Optimizer(init, step)


OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {"sgd": sgd, "momentum": momentum, "nesterov": nesterov,
                                                   "adam": adam}
