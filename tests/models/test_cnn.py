import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.errors import UserError
from jaxdl.models import build_model

X1 = jax.random.normal(jax.random.key(1), (32, 40))  # MNIST-1D batch [B, L]
X2 = jax.random.normal(jax.random.key(2), (32, 8, 8, 1))  # digits batch [B, H, W, C]
Y = jax.random.randint(jax.random.key(3), (32,), 0, 10)


def test_cnn1d_is_the_paper_convbase(count_params):
    # ConvBase(10) of the MNIST-1D paper's notebooks/models.py: 150 + 1,900 + 1,900 + 1,260 parameters.
    model = build_model("cnn1d", 10)
    assert count_params(model, (2, 40)) == 5_210
    params = jax.eval_shape(lambda: model.init(jax.random.key(0), X1))["params"]
    assert [params[f"Conv_{i}"]["kernel"].shape for i in range(3)] == [(5, 1, 25), (3, 25, 25), (3, 25, 25)]
    assert params["Dense_0"]["kernel"].shape == (125, 10)  # lengths 40 -> 19 -> 10 -> 5, times 25 channels


def test_cnn1d_adds_missing_channel_axis():
    model = build_model("cnn1d", 10)
    variables = model.init(jax.random.key(0), X1)
    logits = model.apply(variables, X1)
    assert logits.shape == (32, 10) and logits.dtype == jnp.float32
    np.testing.assert_array_equal(logits, model.apply(variables, X1[..., None]))


def test_cnn2d_shapes_and_count(count_params):
    model = build_model("cnn2d", 10)
    logits = model.apply(model.init(jax.random.key(0), X2), X2[..., 0])  # [B, H, W] gains a channel axis
    assert logits.shape == (32, 10) and logits.dtype == jnp.float32
    # conv 3x3x1x32, conv 3x3x32x64, two 2x2 avg pools (8x8 -> 2x2), dense 256, dense 10
    expected = (9 * 32 + 32) + (9 * 32 * 64 + 64) + (2 * 2 * 64 * 256 + 256) + (256 * 10 + 10)
    assert count_params(model, (2, 8, 8, 1)) == expected == 87_178
    mnist_head = 7 * 7 * 64 * 256  # 28x28 -> 7x7 after two pools
    assert count_params(model, (2, 28, 28, 1)) == expected - 2 * 2 * 64 * 256 + mnist_head


def test_configurable_stack():
    # Every activation name is exercised in test_mlp.py; the table is shared.
    model = build_model(
        "cnn1d",
        3,
        channels=[4, 8],
        kernel_sizes=[3, 3],
        strides=1,
        padding="SAME",
        pool="max",
        head="mean",
        hidden=[6],
        dropout=0.2,
        activation="silu",
    )
    variables = model.init(jax.random.key(0), X1)
    assert variables["params"]["Dense_0"]["kernel"].shape == (8, 6)  # global mean over length
    logits = model.apply(variables, X1, train=True, rngs={"dropout": jax.random.key(1)})
    assert logits.shape == (32, 3) and bool(jnp.isfinite(logits).all())


def test_batchnorm_and_feature_dropout():
    model = build_model("cnn2d", 10, channels=(4, 8), strides=2, pool="none", hidden=(6,), norm="batch",
                        feature_dropout=0.5)
    variables = model.init(jax.random.key(0), X2)
    assert "bias" not in variables["params"]["Conv_0"]  # BatchNorm's shift replaces the conv's bias
    assert variables["batch_stats"]["BatchNorm_1"]["mean"].shape == (8,)
    logits, state = model.apply(variables, X2, train=True, rngs={"dropout": jax.random.key(1)},
                                mutable=["batch_stats"])
    assert logits.shape == (32, 10) and bool(jnp.isfinite(logits).all())
    moved = state["batch_stats"]["BatchNorm_0"]["mean"]
    assert not np.allclose(moved, variables["batch_stats"]["BatchNorm_0"]["mean"])  # train mode updates them
    # eval mode: running statistics, no dropout, so two calls agree
    np.testing.assert_array_equal(model.apply(variables, X2), model.apply(variables, X2))
    plain = build_model("cnn2d", 10, channels=(4, 8), strides=2, pool="none", hidden=(6,))
    assert "bias" in plain.init(jax.random.key(0), X2)["params"]["Conv_0"]  # the default is unchanged


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"activation": "mish"}, "unknown activation 'mish'.*gelu"),
        ({"pool": "median"}, "unknown pool.*max"),
        ({"norm": "layer"}, "unknown norm.*batch"),
        ({"feature_dropout": 1.0}, "feature_dropout must be in"),
        ({"head": "attention"}, "unknown head.*flatten"),
        ({"channels": [4, 8]}, "channels must be"),
        ({"padding": "FULL"}, "padding"),
        ({"ndim": 2}, "no option ndim"),
        ({"kernel": 3}, "no option kernel.*kernel_sizes"),
    ],
)
def test_bad_options_raise_user_error(kwargs, match):
    with pytest.raises(UserError, match=match):
        build_model("cnn1d", 10, **kwargs)


@pytest.mark.parametrize("name,x", [("cnn1d", X1), ("cnn2d", X2)])
@pytest.mark.outcome
def test_loss_falls_on_fixed_batch(fit, name, x, outcome):
    losses = fit(build_model(name, 10), x, Y)
    outcome.at_most("last / first loss", losses[-1] / losses[0], 0.5)


@pytest.mark.parametrize("name,x", [("cnn1d", X1), ("cnn2d", X2)])
def test_bfloat16_compute_gives_float32_logits(name, x):
    model = build_model(name, 10, dtype="bfloat16")
    variables = model.init(jax.random.key(0), x)
    logits = model.apply(variables, x)
    assert logits.dtype == jnp.float32 and bool(jnp.isfinite(logits).all())
    assert all(p.dtype == jnp.float32 for p in jax.tree.leaves(variables))
