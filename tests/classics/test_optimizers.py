"""Each hand-written optimizer takes the same 100 steps as its optax counterpart."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxdl.classics import adam, momentum, nesterov, sgd

PARAMS = {"w": jax.random.normal(jax.random.key(0), (4, 3)), "b": jnp.linspace(-0.5, 0.5, 3)}
TARGET = jax.random.normal(jax.random.key(1), (4, 3))


def grad(params):
    """A non-quadratic loss's gradient, so steps differ in size and direction (Adam's scaling matters)."""
    loss = lambda p: jnp.sum(jnp.tanh(p["w"] - TARGET) ** 2) + jnp.sum(jnp.cos(3 * p["b"]))
    return jax.grad(loss)(params)


def trajectory(init, step, steps=100):
    """Params after every step, each leaf [steps, ...], from one compiled scan."""

    def body(carry, _):
        params, state = step(*carry)
        return (params, state), params

    return jax.jit(lambda p: jax.lax.scan(body, (p, init(p)), length=steps)[1])(PARAMS)


def optax_step(tx):
    def step(params, state):
        updates, state = tx.update(grad(params), state, params)
        return optax.apply_updates(params, updates), state

    return tx.init, step


def hand_step(opt):
    return opt.init, lambda params, state: opt.step(params, grad(params), state)


CASES = {
    "sgd": (sgd(0.05), optax.sgd(0.05)),
    "momentum": (momentum(0.05, 0.9), optax.sgd(0.05, momentum=0.9)),
    "nesterov": (nesterov(0.05, 0.9), optax.sgd(0.05, momentum=0.9, nesterov=True)),
    "adam": (adam(0.05, b1=0.8, b2=0.99, eps=1e-3), optax.adam(0.05, b1=0.8, b2=0.99, eps=1e-3)),
}


@pytest.mark.parametrize("name", CASES)
def test_hand_optimizer_equals_optax_over_100_steps(name):
    hand, ref = CASES[name]
    ours, theirs = trajectory(*hand_step(hand)), trajectory(*optax_step(ref))
    for a, b in zip(jax.tree.leaves(ours), jax.tree.leaves(theirs), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)  # bitwise equal on CPU (measured)
    moved = jax.tree.map(lambda p, first: float(jnp.max(jnp.abs(p[-1] - first))), ours, PARAMS)
    assert min(jax.tree.leaves(moved)) > 0.1  # the trajectories really went somewhere


def test_nesterov_and_momentum_differ():  # guards against a Nesterov that silently is heavy ball
    a, b = trajectory(*hand_step(momentum(0.05))), trajectory(*hand_step(nesterov(0.05)))
    assert not np.allclose(a["w"][10], b["w"][10])
