"""TrainState: everything one replica's training carries from step to step."""

from __future__ import annotations

from typing import Any

import flax
import jax
import jax.numpy as jnp


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

    @classmethod
    def create(cls, *, params: Any, tx: Any, rng: jax.Array, model_state: Any = None) -> TrainState:
        """Step 0 of one replica: opt_state = tx.init(params). `tx` is an optax transformation, or for a task
        with several players a dict of them keyed like `params` (a GAN: {"generator": ..., "discriminator": ...})."""
        opt_state = {k: t.init(params[k]) for k, t in tx.items()} if isinstance(tx, dict) else tx.init(params)
        return cls(step=jnp.zeros((), jnp.int32), params=params, model_state={} if model_state is None else model_state,
                   opt_state=opt_state, rng=rng)

    def step_key(self) -> jax.Array:
        """The key for this step's randomness (dropout, sampling): fold_in(rng, step)."""
        return jax.random.fold_in(self.rng, self.step)
