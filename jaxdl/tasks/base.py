"""The Task protocol: what the one trainer needs from every objective."""

from __future__ import annotations

from typing import Any, Protocol

import flax.linen as nn
import jax
import optax

from jaxdl.train.state import TrainState

Batch = dict[str, jax.Array]  # feature name -> [B, ...]; evaluation batches also carry "mask" float32 [B]


class Task(Protocol):
    """init + pure loss/eval_step + metrics. Every method is pure and jittable (except summarize).

    The trainer owns the update (jaxdl/train/step.py): gradient of `loss`, `tx`'s update, the step counter.
    A task that is not one loss under one optimizer (the GAN) defines `update` instead of `loss`.
    """

    tx: optax.GradientTransformation

    def init(self, rng: jax.Array, example_batch: Batch) -> TrainState:
        """A fresh replica's state from its key (uint32 [2]) and an example batch (shapes only matter)."""

    def loss(self, params: Any, model_state: Any, batch: Batch,
             rng: jax.Array) -> tuple[jax.Array, tuple[dict[str, jax.Array], Any]]:
        """Training loss float32 [] of one batch -> (loss, (extra scalar metrics, new model_state)).
        rng: uint32 [2], this step's key (dropout, sampling)."""

    def eval_step(self, state: TrainState, batch: Batch) -> dict[str, jax.Array]:
        """Summable statistics of one evaluation batch; padded rows have batch["mask"] == 0."""

    def summarize(self, sums: dict[str, jax.Array]) -> dict[str, jax.Array]:
        """Scalar metrics from eval_step statistics summed over the whole split (leading axes kept)."""

    # Optional, the extension point in place of `loss` (jaxdl/train/step.py):
    # def update(self, state: TrainState, batch: Batch, rng: jax.Array) -> tuple[TrainState, dict]: ...
    # Optional, driver side (effects allowed): called after every evaluation and once at the end
    # (final=True) with all replicas' states [K, ...], e.g. to write sample grids into workdir/plots.
    # def write_artifacts(self, states: TrainState, step: int, workdir: str, final: bool) -> None: ...


def init_state(model: nn.Module, tx, rng: jax.Array, *inputs, **kwargs) -> TrainState:
    """A fresh TrainState of `model` called on example `inputs` (and `kwargs`, e.g. train=False).

    rng uint32 [2] splits into the parameter key, the init-time dropout key and the replica's training key;
    the model's other collections (e.g. batch_stats) become `model_state`.
    """
    params_key, dropout_key, train_key = jax.random.split(rng, 3)
    variables = dict(model.init({"params": params_key, "dropout": dropout_key}, *inputs, **kwargs))
    params = variables.pop("params")
    return TrainState.create(params=params, tx=tx, rng=train_key, model_state=variables)
