"""Shared helpers for the model tests: parameter counting and a tiny Adam loop on one fixed batch."""

import jax
import jax.numpy as jnp
import optax
import pytest


def _count_params(model, shape):
    """Trainable parameters of `model` on inputs of `shape`, counted abstractly (no FLOPs, no memory)."""
    variables = jax.eval_shape(lambda: model.init(jax.random.key(0), jnp.zeros(shape), train=False))
    return sum(leaf.size for leaf in jax.tree.leaves(variables["params"]))


def _fit(model, x, y, steps=30, learning_rate=1e-2):
    """Train on the fixed batch (x, y) with Adam and plain jax.grad; returns the per-step losses."""
    variables = model.init(jax.random.key(0), x, train=False)
    params = variables.pop("params")
    state = dict(variables)  # e.g. {"batch_stats": ...}, or {}
    tx = optax.adam(learning_rate)

    def loss_fn(params, state, key):
        logits, new_state = model.apply(
            {"params": params, **state}, x, train=True, rngs={"dropout": key}, mutable=list(state)
        )
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean(), new_state

    @jax.jit
    def step(params, state, opt_state, key):
        (loss, state), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, state, key)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), dict(state), opt_state, loss

    opt_state = tx.init(params)
    losses = []
    for i in range(steps):
        params, state, opt_state, loss = step(params, state, opt_state, jax.random.key(i + 1))
        losses.append(float(loss))
    return losses


@pytest.fixture
def count_params():
    return _count_params


@pytest.fixture
def fit():
    return _fit
