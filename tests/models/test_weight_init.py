"""weight_init="torch": PyTorch's default initialisation (the MNIST-1D paper's models) for MLP, CNN and GRU."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.errors import UserError
from jaxdl.models import build_model

X = jax.random.normal(jax.random.key(1), (4, 40))  # MNIST-1D shaped batch [B, 40]


def _leaves(model):
    params = model.init(jax.random.key(0), X)["params"]
    return {jax.tree_util.keystr(path): np.asarray(v) for path, v in jax.tree_util.tree_leaves_with_path(params)}


def _assert_uniform(leaves, bound_of):
    """Every leaf inside (-bound, bound); all leaves' |x| / bound pooled look like |U(-1, 1)| (mean 1/2)."""
    scaled = []
    for key, value in leaves.items():
        bound = bound_of(key)
        assert np.abs(value).max() <= bound, (key, np.abs(value).max(), bound)
        scaled.append(np.abs(value).ravel() / bound)
    scaled = np.concatenate(scaled)
    assert scaled.max() > 0.95 and 0.45 < scaled.mean() < 0.55


@pytest.mark.parametrize("name,kwargs,fan_ins", [
    ("mlp", dict(hidden_sizes=(100, 100), residual=True), {"Dense_0": 40, "Dense_1": 100, "Dense_2": 100}),
    ("logreg", {}, {"Dense_0": 40}),
    ("cnn1d", {}, {"Conv_0": 1 * 5, "Conv_1": 25 * 3, "Conv_2": 25 * 3, "Dense_0": 125}),
])
def test_torch_init_is_uniform_with_fan_in_bound(name, kwargs, fan_ins):
    leaves = _leaves(build_model(name, 10, weight_init="torch", **kwargs))
    assert {k.split("'")[1] for k in leaves} == set(fan_ins)
    _assert_uniform(leaves, lambda key: 1 / math.sqrt(fan_ins[key.split("'")[1]]))  # kernels and biases alike


def test_torch_init_gru_every_weight_and_bias_uniform_in_hidden_bound():
    leaves = _leaves(build_model("gru_mnist1d", 10, weight_init="torch"))
    _assert_uniform(leaves, lambda key: 1 / math.sqrt(480 if "Dense" in key else 6))  # head: nn.Linear(480, 10)


def test_flax_init_is_the_default_and_differs():
    flax_leaves = _leaves(build_model("mlp", 10, hidden_sizes=(16,)))
    assert all(not v.any() for k, v in flax_leaves.items() if "bias" in k)  # zero biases
    torch_leaves = _leaves(build_model("mlp", 10, hidden_sizes=(16,), weight_init="torch"))
    assert all(v.any() for k, v in torch_leaves.items() if "bias" in k)
    assert jax.tree.structure(flax_leaves) == jax.tree.structure(torch_leaves)


@pytest.mark.parametrize("name", ["mlp", "cnn1d", "gru_mnist1d"])
def test_unknown_weight_init_is_user_error(name):
    with pytest.raises(UserError, match="weight_init"):
        build_model(name, 10, weight_init="kaiming")


def test_torch_init_model_trains_finite():
    model = build_model("cnn1d", 10, weight_init="torch")
    logits = model.apply(model.init(jax.random.key(0), X), X)
    assert logits.shape == (4, 10) and bool(jnp.isfinite(logits).all())
