"""Sample quality measured with a jaxdl classifier trained on the same dataset (not Inception, so not "IS"/"FID").

The scorer is an MLP (one hidden layer of 256 ReLU units) trained by the one trainer's compiled chunk on the
dataset's train split, and cached in the data dir (`<data_dir>/jaxdl_scorers/`). From it:

- classifier score: exp(E_x KL(p(y|x) || p(y))), the Inception-Score formula with this classifier; in
  [1, num_classes], high when samples are confidently classified *and* cover the classes;
  confidence = mean max_y p(y|x); coverage = exp(H(p(y))), the effective number of classes generated.
- classifier Fréchet distance: ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^1/2) between Gaussians fitted to
  the scorer's hidden features of the train split and of the scored images.

The same numbers for the real held-out test split give the ceiling. The Fréchet distance of finite samples is
biased upward as n shrinks, so samples are scored on their first n_test images (n_test = test split size).
"""

from __future__ import annotations

import hashlib
import os

import flax
import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.data import Dataset, to_float
from jaxdl.models import MLP

SCORER_HIDDEN = (256,)
SCORER_VERSION = 1  # bump when the scorer's recipe changes: old caches are then ignored


def frechet_distance(mu_a, cov_a, mu_b, cov_b) -> float:
    """Fréchet distance between N(mu_a, cov_a) and N(mu_b, cov_b) (means [D], covariances [D, D]).

    Tr (S_a S_b)^1/2 = sum of sqrt(eigenvalues of S_a^1/2 S_b S_a^1/2), a symmetric PSD matrix, so only
    symmetric eigendecompositions are needed (no complex sqrtm).
    """
    mu_a, mu_b = np.asarray(mu_a, np.float64), np.asarray(mu_b, np.float64)
    cov_a, cov_b = np.asarray(cov_a, np.float64), np.asarray(cov_b, np.float64)
    w, v = np.linalg.eigh(cov_a)
    sqrt_a = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    cross = np.linalg.eigvalsh(sqrt_a @ cov_b @ sqrt_a)
    trace_sqrt = np.sum(np.sqrt(np.clip(cross, 0, None)))
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_sqrt)


def gaussian_fit(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean [D] and (unbiased) covariance [D, D] of features [N, D]."""
    f = np.asarray(features, np.float64)
    return f.mean(0), np.cov(f, rowvar=False)


def classifier_score(probs) -> dict[str, float]:
    """probs [N, C] (rows sum to 1) -> {"score", "confidence", "coverage"} (see the module docstring)."""
    p = np.clip(np.asarray(probs, np.float64), 1e-12, 1.0)
    marginal = p.mean(0)
    kl = np.sum(p * (np.log(p) - np.log(marginal)), axis=1)
    return {"score": float(np.exp(kl.mean())), "confidence": float(p.max(1).mean()),
            "coverage": float(np.exp(-np.sum(marginal * np.log(marginal))))}


class Scorer:
    """A trained MLP classifier: `features(images)` [N, 256] and `probs(images)` [N, C] for images in [0, 1]."""

    def __init__(self, num_classes: int, params, test_accuracy: float):
        self.model = MLP(num_classes=num_classes, hidden_sizes=SCORER_HIDDEN)
        self.params, self.test_accuracy = params, test_accuracy
        self._apply = jax.jit(self._features_probs)

    def _features_probs(self, params, x):
        capture = lambda mdl, method_name: isinstance(mdl, nn.Dense)
        logits, inter = self.model.apply({"params": params}, x, capture_intermediates=capture)
        hidden = inter["intermediates"]["Dense_0"]["__call__"][0]
        return nn.relu(hidden), jax.nn.softmax(logits)

    def features_probs(self, images) -> tuple[np.ndarray, np.ndarray]:
        images = np.asarray(images, np.float32)
        out = [self._apply(self.params, images[i:i + 1000]) for i in range(0, len(images), 1000)]
        return np.concatenate([o[0] for o in out]), np.concatenate([o[1] for o in out])


def _cache_path(dataset: Dataset, data_dir: str, steps: int) -> str:
    shape = "x".join(map(str, dataset.input_shape))
    tag = hashlib.sha1(f"{SCORER_VERSION}-{SCORER_HIDDEN}-{dataset.num_train}".encode()).hexdigest()[:8]
    return os.path.join(data_dir, "jaxdl_scorers", f"{dataset.name}_{shape}_mlp_{steps}steps_{tag}.msgpack")


def load_or_train_scorer(dataset: Dataset, data_dir: str, steps: int = 1000) -> tuple[Scorer, dict]:
    """The cached scorer for `dataset`, else one trained now (seed 0, Adam 1e-3, batch 128) and cached."""
    path = _cache_path(dataset, data_dir, steps)
    if os.path.exists(path):
        with open(path, "rb") as f:
            blob = flax.serialization.msgpack_restore(f.read())
        params, acc, cached = blob["params"], float(blob["test_accuracy"]), True
    else:
        params, acc = _train_scorer(dataset, steps)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + f".tmp{os.getpid()}"
        with open(tmp, "wb") as f:
            f.write(flax.serialization.msgpack_serialize({"params": jax.device_get(params), "test_accuracy": acc}))
        os.replace(tmp, path)  # atomic: concurrent runs never read half a file
        cached = False
    info = {"model": f"mlp hidden={list(SCORER_HIDDEN)}", "train_steps": steps, "test_accuracy": acc,
            "cache": path, "loaded_from_cache": cached}
    return Scorer(dataset.num_classes, params, acc), info


def _train_scorer(dataset: Dataset, steps: int):
    """Train the scorer with the one trainer's compiled programs; returns (params, test accuracy)."""
    from jaxdl.config import base_config
    from jaxdl.train.loop import init_states, make_programs, pad_for_eval
    from jaxdl.train.setup import build_experiment

    c = base_config()
    c.dataset.name = dataset.name
    c.model = dict(name="mlp", hidden_sizes=SCORER_HIDDEN)
    c.batch_size, c.steps = min(128, dataset.num_train), steps
    c.log_every = c.eval_every = steps
    exp = build_experiment(c, dataset)
    programs = make_programs(exp, steps)
    states, data_keys = init_states(exp, programs)
    states, _ = programs.guarded_chunk(states, jax.device_put(dataset.train), jnp.int32(0), data_keys)
    sums = jax.device_get(programs.evaluate(states, pad_for_eval(dataset.test, len(dataset.test["label"]))))
    acc = float(sums["correct"][0] / sums["count"][0])
    return jax.tree_util.tree_map(lambda a: np.asarray(a[0]), states.params), acc


def report(dataset: Dataset, samples, data_dir: str, scorer_steps: int = 1000) -> dict:
    """Scores of samples [K, N, H, W, C] in [0, 1] per replica, and of the real test split (the ceiling)."""
    scorer, info = load_or_train_scorer(dataset, data_dir, scorer_steps)
    as_images = lambda x: np.asarray(to_float(x), np.float32).reshape(len(x), *samples.shape[2:])
    train_features, _ = scorer.features_probs(as_images(dataset.train["inputs"]))
    ref = gaussian_fit(train_features)
    n_test = len(dataset.test["inputs"])

    def scores(images):
        features, probs = scorer.features_probs(images)
        return {**{f"classifier_{k}": v for k, v in classifier_score(probs).items()},
                "classifier_frechet": frechet_distance(*ref, *gaussian_fit(features[:n_test])),
                "n_frechet": int(min(n_test, len(images)))}

    per_replica = [scores(s) for s in samples]
    return {"scorer": info, "reference": f"{dataset.name} train split ({dataset.num_train} images)",
            "real_test": scores(as_images(dataset.test["inputs"])),
            "samples": {k: [r[k] for r in per_replica] for k in per_replica[0]}}
