import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.errors import UserError
from jaxdl.models import ACTIVATIONS, MODELS, build_model

X = jax.random.normal(jax.random.key(1), (32, 40))  # MNIST-1D shaped batch [B, 40]
Y = jax.random.randint(jax.random.key(2), (32,), 0, 10)


def test_output_shape_and_dtype_flattens_inputs():
    model = build_model("mlp", 10, hidden_sizes=[16, 16])
    images = jnp.ones((32, 8, 5, 1))
    logits = model.apply(model.init(jax.random.key(0), images), images)
    assert logits.shape == (32, 10) and logits.dtype == jnp.float32


def test_param_counts_match_mnist1d_paper(count_params):
    # LinearBase(40, 10) and MLPBase(40, 10, hidden 100) of the MNIST-1D paper's notebooks/models.py.
    assert count_params(build_model("logreg", 10), (2, 40)) == 410
    assert count_params(build_model("mlp", 10, hidden_sizes=(100, 100), residual=True), (2, 40)) == 15_210


def test_residual_changes_function_not_params():
    plain = build_model("mlp", 10, hidden_sizes=(16, 16, 16))
    res = build_model("mlp", 10, hidden_sizes=(16, 16, 16), residual=True)
    variables = plain.init(jax.random.key(0), X)
    assert jax.tree.structure(variables) == jax.tree.structure(res.init(jax.random.key(0), X))
    assert not np.allclose(plain.apply(variables, X), res.apply(variables, X))


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_every_activation(activation):
    model = build_model("mlp", 10, hidden_sizes=(16,), activation=activation)
    variables = model.init(jax.random.key(0), X)
    f = lambda x: model.apply(variables, x)
    assert f(X).shape == (32, 10) and bool(jnp.isfinite(f(X)).all())
    if activation == "identity":  # the whole net is then affine
        np.testing.assert_allclose(f(X) + f(2 * X), f(3 * X) + f(0 * X), rtol=1e-4, atol=1e-4)


def test_bad_input_raises_user_error():
    with pytest.raises(UserError, match="unknown activation 'swish'.*relu"):
        build_model("mlp", 10, activation="swish")
    with pytest.raises(UserError, match="unknown model 'mlpp'.*logreg"):
        build_model("mlpp", 10)
    with pytest.raises(UserError, match="no option width.*hidden_sizes"):
        build_model("mlp", 10, width=3)
    with pytest.raises(UserError, match="no option hidden_sizes"):
        build_model("logreg", 10, hidden_sizes=(5,))
    with pytest.raises(UserError, match="no option activation; valid: dtype"):
        build_model("logreg", 10, activation="relu")
    with pytest.raises(UserError, match="dropout"):
        build_model("mlp", 10, dropout=1.5)
    with pytest.raises(UserError, match="dtype"):
        build_model("mlp", 10, dtype="float8")


def test_dropout_only_in_train_mode():
    model = build_model("mlp", 10, hidden_sizes=(16,), dropout=0.5)
    variables = model.init(jax.random.key(0), X)
    run = lambda key: model.apply(variables, X, train=True, rngs={"dropout": jax.random.key(key)})
    assert not np.allclose(run(0), run(1))
    np.testing.assert_array_equal(model.apply(variables, X), model.apply(variables, X, train=False))


@pytest.mark.parametrize(
    "name,kwargs", [("logreg", {}), ("mlp", {"hidden_sizes": (16, 16), "residual": True, "dropout": 0.1})]
)
@pytest.mark.outcome
def test_loss_falls_on_fixed_batch(fit, name, kwargs, outcome):
    losses = fit(build_model(name, 10, **kwargs), X, Y)
    outcome.at_most("last / first loss", losses[-1] / losses[0], 0.5)


def test_bfloat16_compute_gives_float32_logits():
    model = build_model("mlp", 10, hidden_sizes=(16, 16), dtype="bfloat16")
    variables = model.init(jax.random.key(0), X)
    logits = model.apply(variables, X)
    assert logits.dtype == jnp.float32 and bool(jnp.isfinite(logits).all())
    assert all(p.dtype == jnp.float32 for p in jax.tree.leaves(variables))


def test_registry_names():
    names = {"mlp", "logreg", "cnn1d", "cnn2d", "resnet18", "resnet34", "resnet50", "resnet_tiny"}
    assert names <= set(MODELS)


def test_built_from_a_config_dict():
    import ml_collections

    cfg = ml_collections.ConfigDict({"name": "mlp", "hidden_sizes": [16, 16], "residual": True})
    model = build_model(num_classes=10, **cfg)
    assert model.hidden_sizes == (16, 16) and model.residual  # lists become (hashable) tuples
