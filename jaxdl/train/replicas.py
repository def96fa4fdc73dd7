"""Replica layout: seeds crossed with sweep values, one vmapped program for all of them."""

from __future__ import annotations

import dataclasses
import itertools
import numbers

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from jaxdl.errors import UserError
from jaxdl.train.optim import INJECTED


@dataclasses.dataclass(frozen=True)
class Replica:
    """One member of a run: replica `index` trains with `seed` and the swept `hparams` ("optimizer.x")."""

    index: int
    seed: int
    hparams: dict[str, float]


def layout(config: ml_collections.ConfigDict) -> list[Replica]:
    """Replica r = p * config.replicas + s: sweep point p (row-major over the sweep keys), seed seed + s.

    So replica r of a run with no sweep uses seed `config.seed + r`, and sweep member (p, s) is the single
    run with seed `config.seed + s` and that point's hyperparameters.
    """
    if not isinstance(config.replicas, int) or config.replicas < 1:
        raise UserError(f"replicas must be an integer >= 1, got {config.replicas}")
    sweep = dict(config.sweep)
    for key, values in sweep.items():
        group, _, name = key.partition(".")
        if group != "optimizer" or name not in INJECTED:
            allowed = ", ".join(f"optimizer.{n}" for n in INJECTED)
            raise UserError(f"sweep key {key!r} is not sweepable in one program; choose from {allowed}")
        if not isinstance(values, (list, tuple)) or not values:
            raise UserError(f"sweep values for {key} must be a non-empty list, got {values!r}")
        for v in values:
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise UserError(f"sweep values for {key} must be numbers, got {v!r}")
            if name == "learning_rate" and not v > 0:
                raise UserError(f"sweep values for {key} must be > 0, got {v!r}")
        if len(set(values)) < len(values):  # two points of one setting: use replicas for more seeds
            raise UserError(f"sweep values for {key} repeat ({list(values)}); for more seeds raise --config.replicas")
    points = [dict(zip(sweep, combo, strict=True)) for combo in itertools.product(*sweep.values())]
    return [Replica(p * config.replicas + s, int(config.seed) + s, {k: float(v) for k, v in pt.items()})
            for p, pt in enumerate(points) for s in range(config.replicas)]


def replica_keys(replicas: list[Replica]) -> tuple[jax.Array, jax.Array]:
    """Per-replica (init key, data key), each uint32 [K, 2], derived from the replica's seed alone."""
    keys = jnp.stack([jax.random.split(jax.random.PRNGKey(r.seed)) for r in replicas])
    return keys[:, 0], keys[:, 1]


def stacked_hparams(replicas: list[Replica]) -> dict[str, np.ndarray]:
    """Swept optimizer hyperparameters as name -> float32 [K] (empty without a sweep)."""
    names = list(replicas[0].hparams)
    return {n.partition(".")[2]: np.array([r.hparams[n] for r in replicas], np.float32) for n in names}
