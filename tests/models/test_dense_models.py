"""U-Net and CenterNet: output shapes for odd and even inputs, registry options."""

import jax
import jax.numpy as jnp
import pytest

from jaxdl.errors import UserError
from jaxdl.models import build_model


@pytest.mark.parametrize("hw", [(16, 16), (13, 7)])
def test_unet_output_matches_input_spatial_shape(hw):
    model = build_model("unet", 5, depth=2, width=4, convs=1)
    x = jnp.ones((2, *hw, 1))
    variables = model.init(jax.random.key(0), x)
    logits, updates = model.apply(variables, x, train=True, mutable=["batch_stats"])
    assert logits.shape == (2, *hw, 5) and logits.dtype == jnp.float32
    assert jax.tree.structure(updates["batch_stats"]) == jax.tree.structure(variables["batch_stats"])


@pytest.mark.parametrize("hw", [(16, 16), (13, 7)])
def test_unet_with_patch_keeps_the_input_shape_and_locality(hw):
    """patch=2 folds 2x2 blocks into channels and unfolds the logits: an output pixel sees exactly the 3x3
    blocks around its own (one 3x3 conv at half resolution, depth 0, BatchNorm in inference mode)."""
    model = build_model("unet", 5, depth=0, width=8, convs=1, patch=2)
    x = jnp.ones((1, *hw, 1))
    variables = model.init(jax.random.key(0), x)
    assert model.apply(variables, x).shape == (1, *hw, 5)
    i, j = 5, 2
    grad = jax.grad(lambda v: model.apply(variables, v)[0, i, j].sum())(x)[0, ..., 0]
    rows, cols = jnp.nonzero(grad)
    bi, bj = i // 2, j // 2
    assert rows.min() == max(2 * bi - 2, 0) and rows.max() == min(2 * bi + 3, hw[0] - 1)
    assert cols.min() == max(2 * bj - 2, 0) and cols.max() == min(2 * bj + 3, hw[1] - 1)


def test_unet_context_blocks_widen_the_field_by_their_dilations():
    """context=2 adds residual atrous blocks of dilation 2 and 4 after the one 3x3 conv (depth 0): an output
    pixel then sees 1 + 2 + 4 = 7 pixels each way, not 1; parameters as the model's own blocks."""
    x = jax.random.normal(jax.random.key(1), (1, 21, 21, 1))
    i = j = 10
    for context, reach in ((0, 1), (1, 3), (2, 7)):
        model = build_model("unet", 3, depth=0, width=8, convs=1, context=context)
        variables = model.init(jax.random.key(0), x)
        assert model.apply(variables, x).shape == (1, 21, 21, 3)
        grad = jax.grad(lambda v, m=model, var=variables: m.apply(var, v)[0, i, j].sum())(x)[0, ..., 0]
        rows, cols = jnp.nonzero(grad)
        assert (rows.min(), rows.max(), cols.min(), cols.max()) == (i - reach, i + reach, j - reach, j + reach)
        assert len(variables["params"]) == 2 + context  # the conv block, the context blocks, the 1x1 head


def test_unet_dropout_drops_bottleneck_maps_in_training_only():
    """dropout=0.5: two dropout keys give two training outputs; in eval mode the model is the dropout-free one
    with the same parameters (dropout has none), and dropout=0 ignores the key."""
    x = jax.random.normal(jax.random.key(1), (2, 16, 16, 1))
    plain, dropped = (build_model("unet", 3, depth=1, width=4, convs=1, dropout=rate) for rate in (0.0, 0.5))
    variables = plain.init(jax.random.key(0), x)
    assert jax.tree.structure(dropped.init(jax.random.key(0), x)) == jax.tree.structure(variables)

    def train(model, key):
        return model.apply(variables, x, train=True, rngs={"dropout": jax.random.key(key)}, mutable=["batch_stats"])[0]

    assert not jnp.allclose(train(dropped, 0), train(dropped, 1))
    assert jnp.array_equal(train(plain, 0), train(plain, 1))
    assert jnp.array_equal(dropped.apply(variables, x), plain.apply(variables, x))


@pytest.mark.parametrize("hw", [(48, 48), (45, 33)])
def test_centernet_heads_at_stride(hw):
    model = build_model("centernet", 10, channels=(4, 8, 8), head_width=4)
    assert model.stride == 2
    x = jnp.ones((1, *hw, 1))
    out = model.apply(model.init(jax.random.key(0), x), x)
    h, w = -(-hw[0] // 2), -(-hw[1] // 2)
    assert {k: v.shape for k, v in out.items()} == {"heatmap": (1, h, w, 10), "size": (1, h, w, 2),
                                                    "offset": (1, h, w, 2)}
    assert jnp.allclose(jax.nn.sigmoid(out["heatmap"]).mean(), 0.1, atol=0.05)  # the focal-loss prior


def test_bad_options_are_user_errors():
    with pytest.raises(UserError):
        build_model("unet", 3, depth=-1)
    with pytest.raises(UserError):
        build_model("unet", 3, patch=0)
    with pytest.raises(UserError):
        build_model("unet", 3, context=-1)
    with pytest.raises(UserError):
        build_model("unet", 3, dropout=1.0)
    with pytest.raises(UserError):
        build_model("centernet", 3, channels=(8,), upsample=True)
