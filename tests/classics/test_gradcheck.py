"""The float64 finite-difference checker: passes correct gradients, names the leaves of a wrong one."""

import jax
import jax.numpy as jnp
import pytest

from jaxdl.classics import Activation, HandMLP, assert_gradients_ok, check_gradients
from jaxdl.models import build_model
from jaxdl.models.activations import ACTIVATIONS as MODEL_ACTIVATIONS


def classification_loss(model, x, labels, model_state=None):
    """Mean softmax cross-entropy of a jaxdl model in train mode (BatchNorm on batch statistics) as a
    function of its params; float64 end to end when model, params and x are."""
    model_state = model_state or {}

    def loss(params):
        logits = model.apply({"params": params, **model_state}, x, train=True, mutable=list(model_state) or False)
        logits = logits[0] if model_state else logits
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), labels[:, None], axis=1))

    return loss


def hand_mlp_case(activation):
    with jax.enable_x64(True):
        model = build_model("mlp", 4, hidden_sizes=(6, 5), dtype=jnp.float64)
        x = jax.random.normal(jax.random.key(1), (8, 10), jnp.float64)
        params = model.init(jax.random.key(0), x)["params"]
    targets = jax.nn.one_hot(jnp.arange(8) % 4, 4)
    hand = HandMLP((6, 5), activation)
    loss_and_grad = lambda p: hand.loss_and_grad(p, x, targets)
    return hand, params, (lambda p: loss_and_grad(p)[0]), (lambda p: loss_and_grad(p)[2])


def test_hand_backprop_passes_in_float64():
    _, params, loss, grad = hand_mlp_case("tanh")
    result = assert_gradients_ok(loss, params, grad)
    assert max(result.errors.values()) < 1e-6
    assert jnp.ones(1).dtype == jnp.float32  # x64 was a context, not a global switch


def test_catches_a_planted_wrong_derivative():
    wrong_tanh = Activation(jnp.tanh, lambda z, a: 1.0 - a)  # should be 1 - a²
    _, params, loss, grad = hand_mlp_case(wrong_tanh)
    result = check_gradients(loss, params, grad)
    # the error enters below the output layer: every hidden layer is wrong, the output layer is right
    assert sorted(result.failed) == ["['Dense_0']['bias']", "['Dense_0']['kernel']",
                                     "['Dense_1']['bias']", "['Dense_1']['kernel']"]
    assert result.errors["['Dense_2']['kernel']"] < 1e-6
    with pytest.raises(AssertionError, match=r"FAIL \['Dense_0'\]\['kernel'\]"):
        assert_gradients_ok(loss, params, grad)


@pytest.mark.parametrize("name, shape", [("cnn1d", (2, 40, 1)), ("resnet_tiny", (4, 8, 8, 1))])
def test_jaxdl_models_autodiff_passes(name, shape):
    with jax.enable_x64(True):
        model = build_model(name, 3, dtype=jnp.float64)
        x = jax.random.normal(jax.random.key(1), shape, jnp.float64)
        variables = model.init(jax.random.key(0), x)
    params = variables.pop("params")
    # a generic point: at init the blocks' last BatchNorm scale is 0, so the residual sum's ReLU sits exactly
    # on its kink wherever the (ReLU'd) shortcut is 0, and a finite difference there is one-sided
    noise = jax.random.normal(jax.random.key(2), (len(jax.tree.leaves(params)),))
    params = jax.tree.map(lambda p, n: p + 0.1 * n, params, jax.tree.unflatten(jax.tree.structure(params), noise))
    labels = jnp.arange(shape[0]) % 3
    assert_gradients_ok(classification_loss(model, x, labels, variables), params, directions=1)


def test_catches_a_wrong_custom_derivative_inside_a_jaxdl_model(monkeypatch):
    @jax.custom_jvp
    def bad_silu(z):
        return z * jax.nn.sigmoid(z)

    bad_silu.defjvp(lambda primals, tangents: (bad_silu(primals[0]), jax.nn.sigmoid(primals[0]) * tangents[0]))
    monkeypatch.setitem(MODEL_ACTIVATIONS, "silu", bad_silu)  # models look activations up at call time
    with jax.enable_x64(True):
        model = build_model("mlp", 3, hidden_sizes=(5,), activation="silu", dtype=jnp.float64)
        x = jax.random.normal(jax.random.key(1), (4, 10), jnp.float64)
        params = model.init(jax.random.key(0), x)["params"]
    result = check_gradients(classification_loss(model, x, jnp.arange(4) % 3), params, directions=1)
    assert sorted(result.failed) == ["['Dense_0']['bias']", "['Dense_0']['kernel']"]
