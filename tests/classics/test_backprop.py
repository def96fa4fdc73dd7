"""The hand-written backward pass equals jax.grad of the flax model, for every activation and depth."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxdl.classics import ACTIVATIONS, HandMLP, softmax_cross_entropy
from jaxdl.errors import UserError
from jaxdl.models import build_model

X = jax.random.normal(jax.random.key(1), (16, 12))  # [B, D]
LABELS = jax.random.randint(jax.random.key(2), (16,), 0, 5)
TARGETS = jax.nn.one_hot(LABELS, 5)


def autodiff(model, params, targets=TARGETS):
    loss = lambda p: optax.softmax_cross_entropy(model.apply({"params": p}, X), targets).mean()
    return jax.value_and_grad(loss)(params)


def assert_trees_close(hand, ref, rtol=1e-5):
    """Every leaf equal to rtol relative to the leaf's largest entry (float32 sums reorder)."""
    assert jax.tree.structure(hand) == jax.tree.structure(ref)
    for (path, a), b in zip(jax.tree_util.tree_leaves_with_path(hand), jax.tree.leaves(ref), strict=True):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * float(jnp.max(jnp.abs(b))),
                                   err_msg=jax.tree_util.keystr(path))


@pytest.mark.parametrize("hidden_sizes", [(8,), (8, 7, 6)], ids=["depth1", "depth3"])
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_hand_gradients_equal_autodiff(activation, hidden_sizes):
    model = build_model("mlp", 5, hidden_sizes=hidden_sizes, activation=activation)
    params = model.init(jax.random.key(0), X)["params"]
    loss, logits, grads = HandMLP.from_module(model).loss_and_grad(params, X, TARGETS)
    ref_loss, ref_grads = autodiff(model, params)
    np.testing.assert_allclose(loss, ref_loss, rtol=1e-6)
    np.testing.assert_array_equal(logits, model.apply({"params": params}, X))  # same forward, op for op
    assert_trees_close(grads, ref_grads)


def test_logistic_regression_gradients_equal_autodiff():  # depth 0: no hidden layer, no activation
    model = build_model("logreg", 5)
    params = model.init(jax.random.key(0), X)["params"]
    _, _, grads = HandMLP.from_module(model).loss_and_grad(params, X, TARGETS)
    assert_trees_close(grads, autodiff(model, params)[1])


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_residual_mlp_gradients_equal_autodiff(activation):
    # widths 8, 8, 6: the second layer gets a skip connection, the third (width change) does not
    model = build_model("mlp", 5, hidden_sizes=(8, 8, 6), activation=activation, residual=True)
    params = model.init(jax.random.key(3), X)["params"]
    _, _, grads = HandMLP.from_module(model).loss_and_grad(params, X, TARGETS)
    assert_trees_close(grads, autodiff(model, params)[1])


def test_softmax_cross_entropy_with_soft_targets():
    logits = 3 * jax.random.normal(jax.random.key(4), (16, 5))
    targets = optax.smooth_labels(TARGETS, 0.2)
    loss, dlogits = softmax_cross_entropy(logits, targets)
    ref = lambda z: optax.softmax_cross_entropy(z, targets).mean()
    np.testing.assert_allclose(loss, ref(logits), rtol=1e-6)
    np.testing.assert_allclose(dlogits, jax.grad(ref)(logits), rtol=1e-5, atol=1e-8)


def test_hand_mlp_is_a_drop_in_for_the_flax_module():
    model = build_model("mlp", 5, hidden_sizes=(8,), activation="gelu")
    hand = HandMLP.from_module(model)
    variables = hand.init(jax.random.key(0), X, train=False)
    assert jax.tree.all(jax.tree.map(jnp.array_equal, variables, model.init(jax.random.key(0), X, train=False)))
    np.testing.assert_array_equal(hand.apply(variables, X, train=False), model.apply(variables, X))


def test_models_without_a_hand_backward_are_refused():
    with pytest.raises(UserError, match="not ConvNet"):
        HandMLP.from_module(build_model("cnn1d", 10))
    with pytest.raises(UserError, match="dropout"):
        HandMLP.from_module(build_model("mlp", 10, dropout=0.1))
