"""The DCGAN task's stabilisers, each checked against its definition: one-sided label smoothing, the R1
penalty, TTUR's scaled discriminator step, spectral normalisation of the discriminator, the generator's weight
average (EMA) that draws the samples."""

import os

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxdl.config import load_config
from jaxdl.data import load_dataset
from jaxdl.errors import UserError
from jaxdl.models.gan import discriminator_loss, power_iteration, spectral_normalize, spectral_vectors
from jaxdl.train.optim import set_hyperparams
from jaxdl.train.setup import build_experiment

TINY_GAN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "configs", "tiny_dcgan.py")


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


def gan(digits, **task):
    c = load_config(TINY_GAN)
    c.task.update(task)
    exp = build_experiment(c, digits)
    batch = exp.example_batch()
    state = jax.jit(exp.task.init)(jax.random.PRNGKey(0), batch)
    return exp.task, state, exp.task.images(batch["inputs"])


def test_label_smoothing_is_binary_cross_entropy_against_the_smoothed_target():
    real, fake = jnp.array([2.0, -1.0, 0.5]), jnp.array([0.3, -2.0, 1.0])
    sig = jax.nn.sigmoid
    expected = -(0.9 * jnp.log(sig(real)) + 0.1 * jnp.log(1 - sig(real))) - jnp.log(1 - sig(fake))
    np.testing.assert_allclose(discriminator_loss(real, fake, 0.9), expected, rtol=1e-5)
    np.testing.assert_allclose(discriminator_loss(real, fake), -jnp.log(sig(real)) - jnp.log(1 - sig(fake)), rtol=1e-5)


def test_r1_penalty_adds_gamma_half_the_squared_input_gradient(digits):
    plain, state, x = gan(digits)
    r1, _, _ = gan(digits, r1_weight=4.0)
    key = jax.random.PRNGKey(1)
    before, m0 = jax.jit(plain.discriminator_update)(state, x, key)
    after, m1 = jax.jit(r1.discriminator_update)(state, x, key)
    d = lambda xs: plain.discriminator.apply({"params": state.params["discriminator"]}, xs).sum()
    penalty = 0.5 * 4.0 * jnp.sum(jax.grad(d)(x) ** 2, axis=(1, 2, 3)).mean()
    assert penalty > 1e-4
    np.testing.assert_allclose(m1["d_loss"] - m0["d_loss"], penalty, rtol=1e-4)
    kernel = lambda s: s.params["discriminator"]["Dense_0"]["kernel"]
    assert not np.allclose(kernel(after), kernel(before))


def test_d_lr_scale_scales_the_discriminator_step_only(digits):
    key = jax.random.PRNGKey(1)
    d_steps, g_params = [], []
    for scale in (1.0, 3.0):
        task, state, x = gan(digits, d_lr_scale=scale)  # the same initial parameters (same init key)
        after = jax.jit(task.discriminator_update)(state, x, key)[0].params["discriminator"]
        d_steps.append(jax.tree_util.tree_map(lambda a, b: a - b, after, state.params["discriminator"]))
        g_params.append(jax.jit(task.generator_update, static_argnums=1)(state, 8, key)[0].params["generator"])
        swept = set_hyperparams(state.opt_state, {"learning_rate": 0.5})  # a sweep still reaches both players
        for name in ("generator", "discriminator"):
            assert [float(v) for v in find_hyperparams(swept[name], "learning_rate")] == [0.5]
    for a, b in zip(*map(jax.tree_util.tree_leaves, d_steps), strict=True):
        np.testing.assert_allclose(b, 3 * a, rtol=1e-4, atol=1e-9)
    for a, b in zip(*map(jax.tree_util.tree_leaves, g_params), strict=True):
        np.testing.assert_array_equal(a, b)


def test_spectral_norm_divides_each_kernel_by_its_largest_singular_value(digits):
    task, state, x = gan(digits, spectral_norm=True)
    params, vectors = state.params["discriminator"], state.model_state["discriminator"]["spectral"]
    assert len(vectors) == len(task.discriminator.features) + 1  # the convs and the last Dense
    for _ in range(100):  # converged power iteration: sigma = the largest singular value
        vectors = power_iteration(params, vectors)
    normalized = spectral_normalize(params, vectors)
    for name, leaf in jax.tree_util.tree_leaves_with_path(normalized):
        w = np.asarray(leaf).reshape(-1, leaf.shape[-1])
        if name[-1].key == "kernel":
            np.testing.assert_allclose(np.linalg.svd(w, compute_uv=False)[0], 1.0, rtol=1e-3)
        else:  # biases untouched
            np.testing.assert_array_equal(leaf, params[name[0].key][name[-1].key])
    # one update: one power-iteration step, kept in model_state, and the loss through the normalized kernels
    key = jax.random.PRNGKey(1)
    after, metrics = jax.jit(task.discriminator_update)(state, x, key)
    stepped = power_iteration(params, state.model_state["discriminator"]["spectral"])
    for name, u in stepped.items():
        np.testing.assert_allclose(after.model_state["discriminator"]["spectral"][name], u, rtol=1e-5, atol=1e-6)
    z = jax.random.normal(key, (x.shape[0], task.latent_dim))
    fake, _ = task.generate(state.params["generator"], state.model_state["generator"], z, train=True)
    d = lambda xs: task.discriminator.apply({"params": spectral_normalize(params, stepped)}, xs)
    np.testing.assert_allclose(metrics["d_loss"], discriminator_loss(d(x), d(fake)).mean(), rtol=1e-5)
    plain, plain_state, _ = gan(digits)  # off: no vectors, the same initial parameters
    assert "discriminator" not in plain_state.model_state
    for a, b in zip(*(jax.tree_util.tree_leaves(s.params) for s in (state, plain_state)), strict=True):
        np.testing.assert_array_equal(a, b)


def test_spectral_vectors_start_as_unit_vectors_per_kernel():
    params = {"Dense_0": {"kernel": jnp.ones((6, 3)), "bias": jnp.zeros(3)},
              "Conv_0": {"kernel": jnp.ones((4, 4, 2, 5))}}
    vectors = spectral_vectors(params, jax.random.PRNGKey(0))
    assert {k: v.shape for k, v in vectors.items()} == {"Conv_0/kernel": (5,), "Dense_0/kernel": (3,)}
    for v in vectors.values():
        np.testing.assert_allclose(jnp.linalg.norm(v), 1.0, rtol=1e-6)


def find_hyperparams(opt_state, name):
    """Every injected value of hyperparameter `name` in an optimizer state (nested in chains or not)."""
    is_inject = lambda n: isinstance(n, optax.InjectStatefulHyperparamsState)
    return [n.hyperparams[name] for n in jax.tree_util.tree_leaves(opt_state, is_leaf=is_inject) if is_inject(n)]


def test_generator_ema_averages_the_weights_and_draws_the_samples(digits):
    task, state, x = gan(digits, g_ema=0.9)
    assert "generator_ema" in state.model_state
    after, _ = jax.jit(task.generator_update, static_argnums=1)(state, x.shape[0], jax.random.PRNGKey(2))
    live, avg = after.params["generator"], after.model_state["generator_ema"]
    for a, p0, p1 in zip(*(jax.tree_util.tree_leaves(t) for t in (avg["params"], state.params["generator"], live)),
                         strict=True):
        np.testing.assert_allclose(a, 0.9 * p0 + 0.1 * p1, rtol=1e-6, atol=1e-7)
    key = jax.random.PRNGKey(3)
    samples = task.sample(after.params, after.model_state, key, 5)
    z = jax.random.normal(key, (5, task.latent_dim))
    from_avg, _ = task.generate(avg["params"], {"batch_stats": avg["batch_stats"]}, z, train=False)
    from_live, _ = task.generate(live, after.model_state["generator"], z, train=False)
    np.testing.assert_allclose(samples, (from_avg + 1) / 2, rtol=1e-6)
    assert not np.allclose(samples, (from_live + 1) / 2)


@pytest.mark.parametrize("key,value", [("d_lr_scale", 0.0), ("r1_weight", -1.0), ("label_smoothing", 1.0),
                                       ("g_ema", 1.5)])
def test_bad_gan_options_are_one_line_errors(digits, key, value):
    c = load_config(TINY_GAN)
    c.task[key] = value
    with pytest.raises(UserError, match=f"task.{key}"):
        build_experiment(c, digits)
