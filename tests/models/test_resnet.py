import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.errors import UserError
from jaxdl.models import build_model

X = jax.random.normal(jax.random.key(1), (16, 16, 16, 3))  # small image batch [B, H, W, C]
Y = jax.random.randint(jax.random.key(2), (16,), 0, 10)


@pytest.fixture(scope="module")
def tiny():
    model = build_model("resnet_tiny", 10)
    return model, model.init(jax.random.key(0), X)


@pytest.mark.parametrize(
    "name,kwargs,shape,expected",
    [
        # torchvision resnet18/34/50 (1000 classes): 11,689,512 / 21,797,672 / 25,557,032 parameters
        ("resnet18", {}, (1, 224, 224, 3), 11_689_512),
        ("resnet34", {}, (1, 224, 224, 3), 21_797_672),
        ("resnet50", {}, (1, 224, 224, 3), 25_557_032),
        # CIFAR ResNet-18 (3x3 stem, no max-pool, 10 classes), as kuangliu/pytorch-cifar: 11,173,962 =
        # 11,689,512 - (7*7 - 3*3)*3*64 stem weights - (1000 - 10)*(512 + 1) head weights
        ("resnet18", {"cifar_stem": True}, (1, 32, 32, 3), 11_173_962),
    ],
)
def test_param_counts_match_references(count_params, name, kwargs, shape, expected):
    num_classes = 10 if kwargs else 1000
    assert count_params(build_model(name, num_classes, **kwargs), shape) == expected


def test_imagenet_stem_downsamples_by_4():
    model = build_model("resnet_tiny", 10, cifar_stem=False)
    variables = jax.eval_shape(lambda: model.init(jax.random.key(0), jnp.zeros((1, 64, 64, 3))))
    assert variables["params"]["conv_init"]["kernel"].shape == (7, 7, 3, 8)
    images = jnp.zeros((1, 64, 64, 3))
    _, state = jax.eval_shape(
        lambda v: model.apply(v, images, capture_intermediates=True, mutable=["intermediates"]), variables
    )
    # 64 -> conv stride 2 -> 32 -> max-pool stride 2 -> 16 (stage 1) -> 8 (stage 2)
    assert state["intermediates"]["ResNetBlock_0"]["__call__"][0].shape == (1, 16, 16, 8)
    assert state["intermediates"]["ResNetBlock_1"]["__call__"][0].shape == (1, 8, 8, 16)


def test_tiny_output_and_state(tiny):
    model, variables = tiny
    assert set(variables) == {"params", "batch_stats"}
    logits = model.apply(variables, X)
    assert logits.shape == (16, 10) and logits.dtype == jnp.float32


def test_batch_stats_update_in_train_mode_only(tiny):
    model, variables = tiny
    _, train_state = model.apply(variables, X, train=True, mutable=["batch_stats"])
    _, eval_state = model.apply(variables, X, train=False, mutable=["batch_stats"])
    before, after = variables["batch_stats"], train_state["batch_stats"]
    changed = jax.tree.map(lambda a, b: bool(jnp.any(a != b)), before, after)
    assert all(jax.tree.leaves(changed))
    jax.tree.map(np.testing.assert_array_equal, variables["batch_stats"], eval_state["batch_stats"])


def test_eval_mode_is_per_example(tiny):
    # With running averages, an example's logits do not depend on the rest of the batch.
    model, variables = tiny
    whole, part = model.apply(variables, X)[:3], model.apply(variables, X[:3])
    np.testing.assert_allclose(whole, part, rtol=1e-5, atol=1e-5)


@pytest.mark.outcome
def test_loss_falls_on_fixed_batch(fit, outcome):
    losses = fit(build_model("resnet_tiny", 10), X, Y)
    outcome.at_most("last / first loss", losses[-1] / losses[0], 0.5)


def test_bfloat16_compute_gives_float32_logits():
    model = build_model("resnet_tiny", 10, dtype="bfloat16")
    variables = model.init(jax.random.key(0), X)
    logits, state = model.apply(variables, X, train=True, mutable=["batch_stats"])
    assert logits.dtype == jnp.float32 and bool(jnp.isfinite(logits).all())
    assert all(leaf.dtype == jnp.float32 for leaf in jax.tree.leaves((variables, state)))


def test_bad_options_raise_user_error():
    with pytest.raises(UserError, match="no option stage_sizes"):
        build_model("resnet18", 10, stage_sizes=(1, 1))
    with pytest.raises(UserError, match="no option block_cls"):
        build_model("resnet_tiny", 10, block_cls="bottleneck")
    with pytest.raises(UserError, match="unknown activation"):
        build_model("resnet_tiny", 10, activation="softplus")
    with pytest.raises(UserError, match="num_filters"):
        build_model("resnet_tiny", 10, num_filters=0)
