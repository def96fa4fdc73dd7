"""Optimizers from config: every name and schedule builds, runs, and matches optax's own definition."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxdl.config import base_config
from jaxdl.errors import UserError
from jaxdl.train.optim import OPTIMIZERS, SCHEDULES, make_optimizer, set_hyperparams


def run(tx, steps=30):
    params = {"w": jnp.array([1.0, -2.0, 3.0])}
    state = tx.init(params)
    for _ in range(steps):
        grads = jax.tree_util.tree_map(lambda w: 2 * w, params)  # d/dw |w|^2
        updates, state = tx.update(grads, state, params)
        params = optax.apply_updates(params, updates)
    return params["w"]


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_every_optimizer_and_schedule_descends(name, schedule):
    cfg = base_config().optimizer
    cfg.name, cfg.schedule, cfg.learning_rate, cfg.warmup_steps = name, schedule, 0.05, 5
    w = run(make_optimizer(cfg, total_steps=30))
    assert np.all(np.isfinite(w)) and float(jnp.sum(w**2)) < 14.0  # |w0|^2 = 14


def test_schedules_equal_optax_definitions():
    cfg = base_config().optimizer
    cfg.name, cfg.learning_rate, cfg.schedule, cfg.warmup_steps = "adam", 0.1, "warmup_cosine", 5
    ours = run(make_optimizer(cfg, total_steps=30))
    ref = run(optax.adam(optax.warmup_cosine_decay_schedule(0.0, 0.1, 5, 30)))
    # lr * unit_schedule(t) rounds differently from optax's schedule at peak lr; Adam, normalising
    # near-zero updates, turns that into ~3e-5 relative after 30 steps.
    np.testing.assert_allclose(ours, ref, rtol=1e-4)
    cfg.schedule = "constant"
    cfg.name, cfg.momentum, cfg.weight_decay, cfg.clip_norm = "nesterov", 0.9, 1e-2, 1.0
    ours = run(make_optimizer(cfg, total_steps=30))
    ref = run(optax.chain(optax.clip_by_global_norm(1.0), optax.add_decayed_weights(1e-2),
                          optax.sgd(0.1, momentum=0.9, nesterov=True)))
    np.testing.assert_allclose(ours, ref, rtol=1e-5)


def test_set_hyperparams_changes_the_update():
    cfg = base_config().optimizer
    cfg.name, cfg.learning_rate = "sgd", 0.1
    tx = make_optimizer(cfg, total_steps=10)
    params = {"w": jnp.ones(2)}
    state = set_hyperparams(tx.init(params), {"learning_rate": jnp.float32(0.5)})
    updates, _ = tx.update({"w": jnp.ones(2)}, state, params)
    np.testing.assert_allclose(updates["w"], -0.5)


@pytest.mark.parametrize("field,value", [("name", "adamax9"), ("schedule", "linear9"), ("learning_rate", 0.0),
                                         ("learning_rate", -1.0), ("weight_decay", -1.0)])
def test_bad_optimizer_config(field, value):
    cfg = base_config().optimizer
    cfg[field] = value
    with pytest.raises(UserError):
        make_optimizer(cfg, total_steps=10)
