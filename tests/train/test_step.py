"""The one update step (jaxdl/train/step.py): a task's loss through its optimizer, the step counter, the key."""

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxdl.train.state import TrainState
from jaxdl.train.step import train_step


class _Quadratic:
    """loss = sum((w - target)^2) of w [2]; reports the key it was given, counts its calls in model_state."""

    tx = optax.sgd(0.25)

    def loss(self, params, model_state, batch, rng):
        loss = jnp.sum((params["w"] - batch["target"]) ** 2)
        return loss, ({"key": rng}, {"calls": model_state["calls"] + 1})


class _Update:
    """The extension point: its own update, which even tries to move the counter itself."""

    def update(self, state, batch, rng):
        return state.replace(step=state.step + 100, params={"w": state.params["w"] + 1.0}), {"loss": jnp.float32(0)}


def _state(task):
    return TrainState.create(params={"w": jnp.array([1.0, -2.0])}, tx=getattr(task, "tx", optax.sgd(0.0)),
                             rng=jax.random.PRNGKey(3), model_state={"calls": jnp.int32(0)})


def test_fresh_state_and_one_gradient_update():
    task = _Quadratic()
    state = _state(task)
    assert int(state.step) == 0 and state.step.dtype == jnp.int32
    batch = {"target": jnp.array([0.0, 0.0])}
    new, metrics = jax.jit(lambda s, b: train_step(task, s, b))(state, batch)
    np.testing.assert_allclose(new.params["w"], [0.5, -1.0])  # w - 0.25 * 2 w
    np.testing.assert_allclose(metrics["loss"], 5.0)
    assert int(new.step) == 1 and int(new.model_state["calls"]) == 1
    # the step's key is fold_in(rng, step) of the state before the update
    np.testing.assert_array_equal(metrics["key"], jax.random.fold_in(state.rng, 0))
    _, later = train_step(task, new, batch)
    np.testing.assert_array_equal(later["key"], jax.random.fold_in(state.rng, 1))


def test_the_step_counter_has_one_owner():
    task = _Update()
    new, _ = train_step(task, _state(task), {})
    assert int(new.step) == 1  # train_step's increment, not the task's
    np.testing.assert_allclose(new.params["w"], [2.0, -1.0])
