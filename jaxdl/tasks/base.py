"""The Task protocol: what the one trainer needs from every objective."""

from __future__ import annotations

from typing import Protocol

import jax

from jaxdl.train.state import TrainState

Batch = dict[str, jax.Array]  # feature name -> [B, ...]; evaluation batches also carry "mask" float32 [B]


class Task(Protocol):
    """init + pure train_step/eval_step + metrics. Every method is pure and jittable (except summarize)."""

    def init(self, rng: jax.Array, example_batch: Batch) -> TrainState:
        """A fresh replica's state from its key (uint32 [2]) and an example batch (shapes only matter)."""

    def train_step(self, state: TrainState, batch: Batch) -> tuple[TrainState, dict[str, jax.Array]]:
        """One update. Returns the new state and scalar training metrics (must include "loss")."""

    def eval_step(self, state: TrainState, batch: Batch) -> dict[str, jax.Array]:
        """Summable statistics of one evaluation batch; padded rows have batch["mask"] == 0."""

    def summarize(self, sums: dict[str, jax.Array]) -> dict[str, jax.Array]:
        """Scalar metrics from eval_step statistics summed over the whole split (leading axes kept)."""

    # Optional, driver side (effects allowed): called after every evaluation and once at the end
    # (final=True) with all replicas' states [K, ...], e.g. to write sample grids into workdir/plots.
    # def write_artifacts(self, states: TrainState, step: int, workdir: str, final: bool) -> None: ...
