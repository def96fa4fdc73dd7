"""VAE pieces against closed forms and hand-computed values; gradients flow through the reparameterisation."""

import math

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.models.vae import gaussian_kl, importance_weighted_nll, negative_elbo, reparameterize


def test_reparameterized_samples_have_the_posterior_mean_and_variance():
    mean, logvar = jnp.array([[1.0, -2.0]]), jnp.log(jnp.array([[4.0, 0.25]]))
    z = jax.vmap(lambda k: reparameterize(k, mean, logvar))(jax.random.split(jax.random.PRNGKey(0), 100_000))
    z = np.asarray(z)[:, 0]
    np.testing.assert_allclose(z.mean(0), [1.0, -2.0], atol=0.02)
    np.testing.assert_allclose(z.var(0), [4.0, 0.25], rtol=0.02)


def test_kl_matches_hand_value_and_monte_carlo():
    mean, logvar = jnp.array([[1.0, 0.0]]), jnp.array([[0.0, math.log(2.0)]])
    # 0.5 * [(1 + 1 - 1 - 0) + (2 + 0 - 1 - ln 2)]
    np.testing.assert_allclose(gaussian_kl(mean, logvar), [1.0 - math.log(2.0) / 2], rtol=1e-6)
    z = reparameterize(jax.random.PRNGKey(1), jnp.broadcast_to(mean, (200_000, 2)),
                       jnp.broadcast_to(logvar, (200_000, 2)))
    var = jnp.exp(logvar)
    log_q = jnp.sum(-0.5 * (z - mean) ** 2 / var - 0.5 * logvar, -1)
    log_p = jnp.sum(-0.5 * z**2, -1)
    np.testing.assert_allclose(jnp.mean(log_q - log_p), gaussian_kl(mean, logvar)[0], atol=0.01)


def test_negative_elbo_bernoulli_hand_computed():
    x = jnp.array([[1.0, 0.0]])
    logits = jnp.array([[0.0, math.log(3.0)]])  # p = 1/2, 3/4: -log(1/2) - log(1/4) = ln 8
    mean, logvar = jnp.array([[1.0, 0.0]]), jnp.array([[0.0, math.log(2.0)]])
    terms = negative_elbo(x, logits, mean, logvar, "bernoulli")
    np.testing.assert_allclose(terms["reconstruction"], [math.log(8.0)], rtol=1e-6)
    np.testing.assert_allclose(terms["loss"], [2.5 * math.log(2.0) + 1.0], rtol=1e-6)


def test_negative_elbo_gaussian_hand_computed():
    x, out = jnp.array([[0.5, 1.0]]), jnp.array([[0.5, 0.8]])
    terms = negative_elbo(x, out, jnp.zeros((1, 3)), jnp.zeros((1, 3)), "gaussian", obs_std=0.1)
    expected = 0.5 * (0.2 / 0.1) ** 2 + 2 * (math.log(0.1) + 0.5 * math.log(2 * math.pi))
    np.testing.assert_allclose(terms["reconstruction"], [expected], rtol=1e-5)
    np.testing.assert_allclose(terms["kl"], [0.0], atol=1e-7)


def test_reparameterization_gradient_is_the_pathwise_derivative():
    # d/dmu E[(mu + sigma eps)^2] = 2 mu and d/dsigma = 2 sigma, estimated through the sampled z
    keys = jax.random.split(jax.random.PRNGKey(2), 50_000)

    def objective(mean, logvar):
        z = jax.vmap(lambda k: reparameterize(k, mean, logvar))(keys)
        return jnp.mean(z**2)

    g_mean, g_logvar = jax.grad(objective, argnums=(0, 1))(jnp.array([1.5]), jnp.array([0.0]))
    np.testing.assert_allclose(g_mean, [3.0], rtol=0.03)
    np.testing.assert_allclose(g_logvar, [1.0], rtol=0.03)  # d(sigma^2)/dlogvar = sigma^2 = 1


def _toy():
    """A 1-d latent, 3-pixel Bernoulli model logits = a z + b, a fixed (not optimal) Gaussian q, and log p(x)
    by quadrature over z."""
    a, b = jnp.array([2.0, -1.5, 0.5]), jnp.array([0.3, 0.1, -0.4])
    x = jnp.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    mean, logvar = jnp.array([[0.4], [-0.3]]), jnp.array([[math.log(0.5)], [math.log(1.5)]])
    decode = lambda z: z * a + b  # noqa: E731  [N, 1] -> [N, 3]
    grid = np.linspace(-10, 10, 200_001)
    logits = grid[:, None] * np.asarray(a) + np.asarray(b)
    exact = []
    for xi in np.asarray(x):
        log_px_z = np.sum(xi * logits - np.logaddexp(0.0, logits), axis=1)
        log_joint = log_px_z - 0.5 * grid**2 - 0.5 * math.log(2 * math.pi)
        top = log_joint.max()
        exact.append(-(top + math.log(np.sum(np.exp(log_joint - top)) * (grid[1] - grid[0]))))
    return decode, x, mean, logvar, np.array(exact)


def test_importance_weighted_nll_converges_to_the_exact_nll_and_bounds_it():
    decode, x, mean, logvar, exact = _toy()
    elbo = negative_elbo(x, decode(mean), mean, logvar, "bernoulli")["kl"]  # only the KL term is closed form
    iw = jax.jit(importance_weighted_nll, static_argnums=(0, 5, 6, 8))
    big = iw(decode, x, mean, logvar, jax.random.PRNGKey(0), 20_000, "bernoulli", 1.0, 1000)
    np.testing.assert_allclose(big, exact, atol=0.01)
    # averaged over keys: -log p(x) <= IW(k = 100) <= IW(k = 10) <= IW(k = 1) = negative ELBO (Monte Carlo)
    keys = jax.random.split(jax.random.PRNGKey(1), 2000)
    means = {k: np.asarray(jax.jit(jax.vmap(lambda key, k=k: importance_weighted_nll(
        decode, x, mean, logvar, key, k, "bernoulli")))(keys[:n]).mean(0))
        for k, n in ((1, 2000), (10, 1000), (100, 500))}
    z = mean + jnp.exp(0.5 * logvar) * jax.vmap(lambda k: jax.random.normal(k, mean.shape))(keys)  # [2000, 2, 1]
    rec = jax.vmap(lambda zz: negative_elbo(x, decode(zz), mean, logvar, "bernoulli")["reconstruction"])(z)
    negative_elbo_mc = np.asarray(rec.mean(0) + elbo)
    np.testing.assert_allclose(means[1], negative_elbo_mc, atol=0.05)  # k = 1 is the single-sample ELBO
    assert np.all(means[1] > means[10] + 0.02) and np.all(means[10] > means[100] + 0.005)
    assert np.all(means[100] > exact - 0.01)  # a bound in expectation; 0.01: Monte Carlo error
    assert np.all(means[1] - exact > 0.1)  # q is not the posterior: the ELBO is visibly loose


def test_importance_weighted_nll_does_not_depend_on_the_chunking():
    decode, x, mean, logvar, _ = _toy()
    key = jax.random.PRNGKey(3)
    one = importance_weighted_nll(decode, x, mean, logvar, key, 20, "bernoulli", chunk=20)
    for chunk in (1, 7):  # 7: two chunks of 7 and a remainder of 6
        np.testing.assert_allclose(importance_weighted_nll(decode, x, mean, logvar, key, 20, "bernoulli",
                                                           chunk=chunk), one, rtol=1e-6)
    # no underflow: log weights near -5e5 nats (exp() of each is 0 in float32) give the finite estimate
    far = importance_weighted_nll(decode, x + 2.0, mean, logvar, key, 20, "gaussian", obs_std=0.01, chunk=7)
    near = importance_weighted_nll(decode, x, mean, logvar, key, 20, "gaussian", obs_std=0.01, chunk=7)
    assert np.all(np.isfinite(far)) and np.all(far > 5e4) and np.all(far > near)
