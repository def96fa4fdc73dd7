"""What every generative task writes into the run directory (driver side, effects allowed).

At every evaluation: `plots/samples_step{step:06d}.png`, 64 samples of up to 4 replicas. At the end also
`samples.npy`: `num_samples` samples per replica as float32 [K * num_samples, H, W, C] in the dataset's
value range [0, 1], replica-major (rows r * N ... (r + 1) * N - 1 are replica r), `samples_meta.json`
describing it, and (task.quality_score) `sample_quality.json` from `jaxdl.sample_quality`.

Samples are a pure function of the parameters and the key `fold_in(state.rng, SAMPLE_TAG)`: the same latent
draws at every evaluation (grids are comparable over training), and replica r of a K-run draws what the
1-run with seed + r draws. The task supplies `sample(params, model_state, key, n) -> [n, H, W, C]`.

config.task keys shared by the generative tasks: num_samples (1000), quality_score (True), scorer_steps
(0: the dataset's scorer recipe in jaxdl.sample_quality; n > 0 trains that classifier n steps instead; the
scorer is cached in the data dir).
"""

from __future__ import annotations

import dataclasses
import functools
import os

import jax
import numpy as np

from jaxdl import plots
from jaxdl.data import Dataset, resolve_data_dir
from jaxdl.errors import UserError
from jaxdl.train.rundir import write_json

SAMPLE_TAG = 0x5A3F1E  # folded into a replica's key for its sample draws
GRID = 64  # samples per replica in a grid
GRID_REPLICAS = 4  # replicas shown in a grid


@dataclasses.dataclass(eq=False)
class ArtifactSettings:
    num_samples: int
    quality_score: bool
    scorer_steps: int
    data_dir: str
    dataset: Dataset
    test_examples: dict[str, np.ndarray]  # the first 32 test examples, for reconstruction grids

    @classmethod
    def from_config(cls, config, dataset: Dataset) -> ArtifactSettings:
        t = config.task
        num_samples, scorer_steps = t.num_samples, t.scorer_steps
        for key, value, lowest in (("num_samples", num_samples, 1), ("scorer_steps", scorer_steps, 0)):
            if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
                raise UserError(f"task.{key} must be an integer >= {lowest}, got {value!r}")
        quality = bool(t.quality_score)
        if quality and ("label" not in dataset.train or dataset.num_classes < 2):
            raise UserError(f"task.quality_score needs a labelled dataset; {dataset.name} has no labels")
        return cls(num_samples, quality, scorer_steps, resolve_data_dir(config.data_dir),
                   dataset, {k: v[:32] for k, v in dataset.test.items()})


@functools.partial(jax.jit, static_argnums=(0, 4))
def _sample_all(sample, params, model_state, rngs, n):
    one = lambda p, ms, rng: sample(p, ms, jax.random.fold_in(rng, SAMPLE_TAG), n)
    return jax.vmap(one)(params, model_state, rngs)


def replica_samples(task, states, n: int, replicas: int | None = None) -> np.ndarray:
    """n samples of each of the first `replicas` replicas (default: all K): float32 [K, n, H, W, C] in [0, 1].

    One replica at a time, each its part of the all-replica program (bitwise on the project's CPU; tested to
    1e-6, as another CPU may round the two programs apart): 4 MNIST DCGAN replicas x 10,000 samples at once
    took ~17.5 GB, more than a 24 GiB machine had left at the end of a run."""
    k = states.rng.shape[0] if replicas is None else replicas
    out = [_sample_all(task.sample, *jax.tree_util.tree_map(lambda a, r=r: a[r:r + 1],
                                                            (states.params, states.model_state, states.rng)), n)[0]
           for r in range(k)]
    return np.clip(np.stack([np.asarray(o, np.float32) for o in out]), 0.0, 1.0)


def write_artifacts(task, states, step: int, workdir: str, final: bool) -> None:
    settings: ArtifactSettings | None = task.artifacts
    if settings is None:
        return
    k = min(GRID_REPLICAS, states.rng.shape[0])
    grid = replica_samples(task, states, GRID, replicas=k)
    plots.image_grids({f"replica {r}, step {step}": grid[r] for r in range(k)},
                      os.path.join(workdir, "plots", f"samples_step{step:06d}.png"))
    if not final:
        return
    samples = replica_samples(task, states, settings.num_samples)
    flat = samples.reshape(-1, *samples.shape[2:])
    np.save(os.path.join(workdir, "samples.npy"), flat)
    meta = {"shape": list(flat.shape), "dtype": "float32", "range": [0.0, 1.0], "replicas": int(samples.shape[0]),
            "per_replica": int(settings.num_samples), "layout": "replica-major: rows r*N..(r+1)*N-1 are replica r",
            "step": int(step), "dataset": settings.dataset.name, "key": "fold_in(replica rng, SAMPLE_TAG)"}
    write_json(os.path.join(workdir, "samples_meta.json"), meta)
    if settings.quality_score:
        from jaxdl import sample_quality  # the scorer trains a classifier: only imported when asked

        report = sample_quality.report(settings.dataset, samples, settings.data_dir, settings.scorer_steps)
        write_json(os.path.join(workdir, "sample_quality.json"), report)
