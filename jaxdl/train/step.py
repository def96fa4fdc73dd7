"""The one update step: a task's loss -> gradient -> optimizer update -> new parameters -> step + 1.

A task supplies its optimizer `tx` and

    loss(params, model_state, batch, rng) -> (loss float32 [], (metrics {name: []}, new_model_state))

(see jaxdl/tasks/base.py); `train_step` does the rest, and it alone advances `state.step`. The step's
randomness (dropout, sampling) is `rng = state.step_key()`, fold_in(state.rng, state.step) before the increment.

Extension point: a task that is not one loss under one optimizer (the GAN's two players, hand-written
backprop) defines `update(state, batch, rng) -> (state, metrics)` instead of `loss`; `train_step` calls it
with the same key and then sets the step counter itself. A gradient player inside `update` descends through
`descend`, the same three lines every task uses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import optax

from jaxdl.train.state import TrainState


def descend(loss_fn: Callable, tx: optax.GradientTransformation, params: Any, opt_state: Any, *args):
    """One gradient step of `loss_fn(params, *args) -> (loss [], aux)` on `params` with optimizer `tx`.

    Returns (loss, aux, new params, new opt_state).
    """
    (loss, aux), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, *args)
    updates, opt_state = tx.update(grads, opt_state, params)
    return loss, aux, optax.apply_updates(params, updates), opt_state


def train_step(task, state: TrainState, batch: dict[str, jax.Array]) -> tuple[TrainState, dict[str, jax.Array]]:
    """One update of one replica -> (state at step + 1, scalar metrics including "loss").

    batch: name -> [B, ...] (one training batch). Pure and jittable; jaxdl/train/loop.py scans it over a chunk.
    """
    rng = state.step_key()
    if hasattr(task, "update"):
        new, metrics = task.update(state, batch, rng)
    else:
        loss, (metrics, model_state), params, opt_state = descend(task.loss, task.tx, state.params, state.opt_state,
                                                                   state.model_state, batch, rng)
        new = state.replace(params=params, model_state=model_state, opt_state=opt_state)
        metrics = {"loss": loss, **metrics}
    return new.replace(step=state.step + 1), metrics
