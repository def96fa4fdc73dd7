"""Sample quality measured with a jaxdl CNN trained on the same dataset (not Inception, so not "IS"/"FID").

The scorer is a small CNN (`cnn2d`: two 3x3 convs, a dense hidden layer) trained by the one trainer's
compiled chunk on the dataset's train split with random shifts, one recipe per dataset (`RECIPES`; test
accuracies in experiments/RESULTS.md), cached in the data dir (`<data_dir>/jaxdl_scorers/`, or the user's
cache dir when the data dir is read-only). From its class probabilities p(y|x) [N, C] and hidden features:

- classifier score: exp(E_x KL(p(y|x) || p(y))), the Inception-Score formula with this classifier; in
  [1, num_classes], high when samples are confidently classified *and* cover the classes;
- confidence = mean max_y p(y|x); coverage = exp(H(p(y))), the effective number of classes generated;
- class shares: the fraction of images whose argmax is each class [C], and their minimum;
- classifier Fréchet distance: ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^1/2) between Gaussians fitted to
  the scorer's hidden features of the train split and of the scored images.

The same numbers for the real held-out test split give the ceiling. The Fréchet distance of finite samples is
biased upward as n shrinks, so samples are scored on their first n_test images (n_test = test split size).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os

import flax
import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.data import Dataset, to_float
from jaxdl.models import build_model_from_config

SCORER_VERSION = 2  # bump when the scorer's recipe changes: old caches are then ignored


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


def classifier_score(probs) -> dict:
    """probs [N, C] (rows sum to 1) -> {"score", "confidence", "coverage", "class_shares" [C], "min_class_share"}
    (see the module docstring)."""
    p = np.clip(np.asarray(probs, np.float64), 1e-12, 1.0)
    marginal = p.mean(0)
    kl = np.sum(p * (np.log(p) - np.log(marginal)), axis=1)
    shares = np.bincount(np.argmax(p, 1), minlength=p.shape[1]) / len(p)
    return {"score": float(np.exp(kl.mean())), "confidence": float(p.max(1).mean()),
            "coverage": float(np.exp(-np.sum(marginal * np.log(marginal)))),
            "class_shares": [float(v) for v in shares], "min_class_share": float(shares.min())}


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How a scorer is trained: config.model, steps, AdamW with warmup + cosine, batch, config.dataset.augment."""

    model: dict
    steps: int
    learning_rate: float = 3e-3
    batch_size: int = 128
    augment: dict = dataclasses.field(default_factory=dict)

    def describe(self) -> dict:
        return {"model": dict(self.model), "train_steps": self.steps, "batch_size": self.batch_size,
                "optimizer": f"adamw {self.learning_rate:g} (wd 1e-4), 100-step warmup + cosine",
                "augment": dict(self.augment)}


# digits: the best of experiments/scorer_recipes.py's candidates on a fifth of train held out (dropout, shifts
# and steps each helped); MNIST: the mnist_cnn_augment config's two-conv model (before 2026-12-07), optimizer and
# shifts at 8 epochs, fixed before the run
RECIPES = {
    "digits": Recipe(dict(name="cnn2d", hidden=(256,), dropout=0.5), steps=3000, batch_size=64,
                     augment=dict(translate=1)),
    "mnist": Recipe(dict(name="cnn2d", channels=(32, 64), strides=2, pool="none", hidden=(128,), dropout=0.25),
                    steps=3750, augment=dict(translate=2)),
}
DEFAULT_RECIPE = RECIPES["digits"]  # other image datasets


def recipe_for(dataset: Dataset, steps: int = 0) -> Recipe:
    """The dataset's scorer recipe; steps > 0 replaces its training steps (tests, quick looks)."""
    recipe = RECIPES.get(dataset.name, DEFAULT_RECIPE)
    return dataclasses.replace(recipe, steps=steps) if steps else recipe


class Scorer:
    """A trained CNN classifier: `features_probs(images)` -> (hidden features [N, D], probs [N, C]) for images
    [N, H, W, C] in [0, 1]."""

    def __init__(self, num_classes: int, recipe: Recipe, params, test_accuracy: float):
        self.model = build_model_from_config(recipe.model, num_classes=num_classes)
        self.params, self.test_accuracy = params, test_accuracy
        self._apply = jax.jit(self._features_probs)

    def _features_probs(self, params, x):
        capture = lambda mdl, method_name: isinstance(mdl, nn.Dense) and mdl.name == "Dense_0"
        logits, inter = self.model.apply({"params": params}, x, capture_intermediates=capture)
        hidden = inter["intermediates"]["Dense_0"]["__call__"][0]
        return nn.relu(hidden), jax.nn.softmax(logits)

    def features_probs(self, images) -> tuple[np.ndarray, np.ndarray]:
        images = np.asarray(images, np.float32)
        out = [self._apply(self.params, images[i:i + 1000]) for i in range(0, len(images), 1000)]
        return np.concatenate([o[0] for o in out]), np.concatenate([o[1] for o in out])


def _writable(path: str) -> bool:
    """Whether path may be written: permitted, and marked writable (root may write into a dir whose mode
    says read-only, such as a shared read-only dataset copy; that mode is respected here)."""
    return os.access(path, os.W_OK) and bool(os.stat(path).st_mode & 0o222)


def _cache_path(dataset: Dataset, data_dir: str, recipe: Recipe) -> str:
    """<data_dir>/jaxdl_scorers/<file>, or, for a data dir this user cannot write (a shared read-only copy),
    $XDG_CACHE_HOME (else ~/.cache)/jaxdl/scorers/<file>."""
    shape = "x".join(map(str, dataset.input_shape))
    key = f"{SCORER_VERSION}-{sorted(recipe.describe().items())}-{dataset.num_train}"
    tag = hashlib.sha1(key.encode()).hexdigest()[:8]
    name = f"{dataset.name}_{shape}_{recipe.model['name']}_{recipe.steps}steps_{tag}.msgpack"
    folder = os.path.join(data_dir, "jaxdl_scorers")
    if not _writable(folder if os.path.isdir(folder) else data_dir):
        cache_home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = os.path.join(cache_home, "jaxdl", "scorers")
    return os.path.join(folder, name)


def load_or_train_scorer(dataset: Dataset, data_dir: str, steps: int = 0) -> tuple[Scorer, dict]:
    """The cached scorer for `dataset` (its recipe, `steps` > 0 replacing the recipe's), else one trained
    now (seed 0) and cached. info names the scorer: its recipe, test accuracy, cache file."""
    recipe = recipe_for(dataset, steps)
    path = _cache_path(dataset, data_dir, recipe)
    if os.path.exists(path):
        with open(path, "rb") as f:
            blob = flax.serialization.msgpack_restore(f.read())
        params, acc, cached = blob["params"], float(blob["test_accuracy"]), True
    else:
        params, acc = train_scorer(dataset, recipe)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + f".tmp{os.getpid()}"
        with open(tmp, "wb") as f:
            f.write(flax.serialization.msgpack_serialize({"params": jax.device_get(params), "test_accuracy": acc}))
        os.replace(tmp, path)  # atomic: concurrent runs never read half a file
        cached = False
    info = {**recipe.describe(), "test_accuracy": acc, "version": SCORER_VERSION, "cache": path,
            "loaded_from_cache": cached}
    return Scorer(dataset.num_classes, recipe, params, acc), info


def train_scorer(dataset: Dataset, recipe: Recipe, seed: int = 0):
    """Train a scorer with the one trainer's compiled programs on dataset.train; returns (params, accuracy
    on dataset.test)."""
    from jaxdl.config import base_config
    from jaxdl.train.loop import init_states, make_programs, pad_for_eval
    from jaxdl.train.setup import build_experiment

    c = base_config()
    c.seed = seed
    c.dataset.name = dataset.name
    with c.unlocked():
        c.dataset.augment = dict(recipe.augment)
    c.model = dict(recipe.model)
    c.optimizer.update(name="adamw", learning_rate=recipe.learning_rate, weight_decay=1e-4,
                       schedule="warmup_cosine", warmup_steps=min(100, recipe.steps // 2))
    c.batch_size, c.steps = min(recipe.batch_size, dataset.num_train), recipe.steps
    c.log_every = c.eval_every = recipe.steps
    exp = build_experiment(c, dataset)
    programs = make_programs(exp, recipe.steps)
    states, data_keys = init_states(exp, programs)
    states, _ = programs.guarded_chunk(states, jax.device_put(dataset.train), jnp.int32(0), data_keys)
    sums = jax.device_get(programs.evaluate(states, pad_for_eval(dataset.test, 1000)))
    acc = float(sums["correct"][0] / sums["count"][0])
    return jax.tree_util.tree_map(lambda a: np.asarray(a[0]), states.params), acc


def report(dataset: Dataset, samples, data_dir: str, scorer_steps: int = 0) -> dict:
    """Scores of samples [K, N, H, W, C] in [0, 1] per replica, and of the real test split (the ceiling).
    scorer_steps > 0 replaces the scorer recipe's training steps."""
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
