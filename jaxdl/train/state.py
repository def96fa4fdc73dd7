"""TrainState: everything one replica's training carries from step to step."""

from __future__ import annotations

from typing import Any

import flax
import jax


@flax.struct.dataclass
class TrainState:
    """One replica. A vmapped run holds a leading replica axis [K, ...] on every leaf.

    step: int32 []; params: model parameters (for a GAN {"generator": ..., "discriminator": ...});
    model_state: mutable collections such as {"batch_stats": ...} ({} when none); opt_state: optax state;
    rng: uint32 [2], the replica's training key; step t uses `jax.random.fold_in(rng, t)`.
    """

    step: jax.Array
    params: Any
    model_state: Any
    opt_state: Any
    rng: jax.Array

    def step_key(self) -> jax.Array:
        """The key for this step's randomness (dropout, sampling): fold_in(rng, step)."""
        return jax.random.fold_in(self.rng, self.step)
