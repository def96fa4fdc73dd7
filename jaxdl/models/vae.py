"""Variational autoencoder: MLP or convolutional encoder/decoder, Gaussian latent, reparameterisation.

The pieces of the objective are pure functions of arrays (tested against hand-computed values):
`reparameterize`, `gaussian_kl`, `reconstruction_nll` and `negative_elbo`. Following Flax's VAE example,
the loss is the negative ELBO of each example, summed over pixels, then averaged over the batch.
`importance_weighted_nll` is the k-sample bound of Burda et al. (2016), the estimate of -log p(x) that
published VAE likelihoods report.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from jaxdl.models.conv import conv_for
from jaxdl.models.initializers import lecun_normal

LIKELIHOODS = ("bernoulli", "gaussian")
ARCHITECTURES = ("mlp", "conv")


def reparameterize(key: jax.Array, mean: jax.Array, logvar: jax.Array) -> jax.Array:
    """z = mean + exp(logvar / 2) * eps, eps ~ N(0, I): a sample [B, D] differentiable in mean and logvar."""
    eps = jax.random.normal(key, mean.shape, mean.dtype)
    return mean + jnp.exp(0.5 * logvar) * eps


def gaussian_kl(mean: jax.Array, logvar: jax.Array) -> jax.Array:
    """KL(N(mean, exp(logvar)) || N(0, I)) per example [B], closed form, summed over the latent axis."""
    return 0.5 * jnp.sum(jnp.exp(logvar) + mean**2 - 1.0 - logvar, axis=-1)


def reconstruction_nll(x: jax.Array, out: jax.Array, likelihood: str, obs_std: float = 1.0) -> jax.Array:
    """-log p(x | z) per example [B], summed over all pixels of x [B, ...].

    bernoulli: `out` are logits; x in [0, 1] (binary for a true likelihood), sigmoid cross-entropy.
    gaussian: `out` is the mean; N(x; out, obs_std^2) with a fixed observation std, normaliser included.
    """
    x, out = x.reshape(x.shape[0], -1), out.reshape(out.shape[0], -1).astype(jnp.float32)
    if likelihood == "bernoulli":
        return jnp.sum(optax.sigmoid_binary_cross_entropy(out, x), axis=-1)
    if likelihood == "gaussian":
        per_pixel = 0.5 * ((x - out) / obs_std) ** 2 + math.log(obs_std) + 0.5 * math.log(2 * math.pi)
        return jnp.sum(per_pixel, axis=-1)
    raise ValueError(f"unknown likelihood {likelihood!r}; choose one of {', '.join(LIKELIHOODS)}")


def negative_elbo(x, out, mean, logvar, likelihood: str, obs_std: float = 1.0) -> dict[str, jax.Array]:
    """Per-example [B] reconstruction term, KL term and their sum "loss" (the negative ELBO)."""
    rec = reconstruction_nll(x, out, likelihood, obs_std)
    kl = gaussian_kl(mean, logvar)
    return {"loss": rec + kl, "reconstruction": rec, "kl": kl}


def importance_weighted_nll(decode: Callable[[jax.Array], jax.Array], x: jax.Array, mean: jax.Array,
                            logvar: jax.Array, key: jax.Array, k: int, likelihood: str, obs_std: float = 1.0,
                            chunk: int = 100) -> jax.Array:
    """-log (1/k) sum_i p(x | z_i) p(z_i) / q(z_i | x), z_i ~ q = N(mean, exp(logvar)), per example [B].

    The IWAE bound (Burda et al. 2016): an upper bound on -log p(x) that is at most the negative ELBO in
    expectation, tightens as k grows, and has the single-sample negative ELBO's expectation at k = 1.
    `decode(z [N, D]) -> [N, ...]` gives the decoder's output (logits or means, as `reconstruction_nll`);
    x [B, ...]; mean, logvar [B, D]. Sample i's noise is `normal(fold_in(key, i), [B, D])`, so the result
    does not depend on `chunk`, the samples decoded together (memory ~ chunk * B decoder rows); the k log
    weights are combined by a running log-sum-exp.
    """
    k, chunk = int(k), max(1, min(int(chunk), int(k)))
    b, d = mean.shape
    std = jnp.exp(0.5 * logvar)

    def log_weights(indices):  # [n] sample indices -> log p(x, z_i) - log q(z_i | x) [n, B]
        eps = jax.vmap(lambda i: jax.random.normal(jax.random.fold_in(key, i), (b, d), mean.dtype))(indices)
        z = mean + std * eps  # [n, B, D]
        n = indices.shape[0]
        out = decode(z.reshape(n * b, d))
        log_px = -reconstruction_nll(jnp.broadcast_to(x, (n, *x.shape)).reshape(n * b, -1),
                                     out.reshape(n * b, -1), likelihood, obs_std).reshape(n, b)
        log_pz = -0.5 * jnp.sum(z**2, -1)  # both normalisers (2 pi)^(-D/2) cancel in p(z) / q(z | x)
        log_qz = -0.5 * jnp.sum(eps**2 + logvar, -1)
        return log_px + log_pz - log_qz

    def accumulate(carry, lw):  # running log-sum-exp: (max so far [B], sum of exp(lw - max) [B])
        top, total = carry
        new_top = jnp.maximum(top, lw.max(0))
        return (new_top, total * jnp.exp(top - new_top) + jnp.sum(jnp.exp(lw - new_top), 0)), None

    full, rest = divmod(k, chunk)
    carry = (jnp.full((b,), -jnp.inf, jnp.float32), jnp.zeros((b,), jnp.float32))
    carry, _ = jax.lax.scan(lambda c, j: accumulate(c, log_weights(j * chunk + jnp.arange(chunk))),
                            carry, jnp.arange(full))
    if rest:
        carry, _ = accumulate(carry, log_weights(full * chunk + jnp.arange(rest)))
    top, total = carry
    return -(top + jnp.log(total) - math.log(k))


class Encoder(nn.Module):
    """x [B, H, W, C] -> (mean, logvar), each float32 [B, latent_dim].

    mlp: flatten, `hidden` Dense + ReLU layers. conv: one stride-2 3x3 conv + ReLU per entry of `hidden`
    (channels), then flatten.
    """

    latent_dim: int
    hidden: Sequence[int]
    architecture: str = "mlp"
    dtype: Any = jnp.float32
    backend: str = "cpu"  # XLA backend the program is built for; build_model sets jax.default_backend()

    @nn.compact
    def __call__(self, x):
        h = x.astype(self.dtype)
        if self.architecture == "conv":
            for c in self.hidden:
                h = nn.relu(conv_for(self.backend)(int(c), (3, 3), (2, 2), padding="SAME", dtype=self.dtype,
                                                   kernel_init=lecun_normal)(h))
            h = h.reshape(h.shape[0], -1)
        else:
            h = h.reshape(h.shape[0], -1)
            for w in self.hidden:
                h = nn.relu(nn.Dense(int(w), dtype=self.dtype, kernel_init=lecun_normal)(h))
        mean = nn.Dense(self.latent_dim, dtype=self.dtype, kernel_init=lecun_normal, name="mean")(h)
        logvar = nn.Dense(self.latent_dim, dtype=self.dtype, kernel_init=lecun_normal, name="logvar")(h)
        return mean.astype(jnp.float32), logvar.astype(jnp.float32)


class Decoder(nn.Module):
    """z [B, latent_dim] -> float32 [B, *image_shape]: Bernoulli logits or Gaussian means (sigmoid, in [0, 1]).

    mlp: `hidden` Dense + ReLU layers then a Dense to every pixel. conv: the encoder mirrored: a Dense to a
    [H / 2^n, W / 2^n, hidden[-1]] map, then stride-2 4x4 transposed convs through reversed `hidden`, the
    last one to the image's channels.
    """

    image_shape: tuple[int, int, int]
    hidden: Sequence[int]
    architecture: str = "mlp"
    likelihood: str = "bernoulli"
    dtype: Any = jnp.float32

    @nn.compact
    def __call__(self, z):
        h = z.astype(self.dtype)
        height, width, channels = self.image_shape
        if self.architecture == "conv":
            n = len(self.hidden)
            rev = [int(c) for c in reversed(self.hidden)]
            h = nn.relu(nn.Dense((height >> n) * (width >> n) * rev[0], dtype=self.dtype,
                                 kernel_init=lecun_normal)(h))
            h = h.reshape(h.shape[0], height >> n, width >> n, rev[0])
            outs = [*rev[1:], channels]
            for i, c in enumerate(outs):
                h = nn.ConvTranspose(c, (4, 4), (2, 2), padding="SAME", dtype=self.dtype,
                                     kernel_init=lecun_normal)(h)
                h = nn.relu(h) if i < len(outs) - 1 else h  # the last layer gives logits / pre-sigmoid means
        else:
            for w in reversed(self.hidden):
                h = nn.relu(nn.Dense(int(w), dtype=self.dtype, kernel_init=lecun_normal)(h))
            h = nn.Dense(height * width * channels, dtype=self.dtype, kernel_init=lecun_normal)(h)
        out = h.reshape(h.shape[0], height, width, channels).astype(jnp.float32)
        return jax.nn.sigmoid(out) if self.likelihood == "gaussian" else out


class VAE(nn.Module):
    """Encoder + decoder: `__call__(x, key)` with images x float32 [B, H, W, C] in [0, 1] and a key for the
    reparameterisation noise -> (decoder output float32 [B, H, W, C] (Bernoulli logits or Gaussian means),
    mean [B, D], logvar [B, D]); D = latent_dim. `image_shape` (H, W, C) and `likelihood` come from the
    task (registered as "vae": `build_model("vae", image_shape=..., likelihood=...)`).
    """

    image_shape: tuple[int, int, int]
    latent_dim: int = 16
    hidden: Sequence[int] = (256,)
    architecture: str = "mlp"
    likelihood: str = "bernoulli"
    dtype: Any = jnp.float32
    backend: str = "cpu"  # XLA backend the program is built for; build_model sets jax.default_backend()

    def __post_init__(self):
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"unknown VAE architecture {self.architecture!r}; "
                             f"choose one of {', '.join(ARCHITECTURES)}")
        if self.likelihood not in LIKELIHOODS:
            raise ValueError(f"unknown likelihood {self.likelihood!r}; choose one of {', '.join(LIKELIHOODS)}")
        latent, hidden = self.latent_dim, tuple(self.hidden)
        if not isinstance(latent, int) or latent < 1 or not hidden or min(hidden) < 1:
            raise ValueError(f"latent_dim must be an int >= 1 and hidden positive ints, got {latent!r}, {hidden!r}")
        if len(self.image_shape) != 3:
            raise ValueError(f"the VAE needs image inputs [H, W(, C)], got shape {self.image_shape}")
        if self.architecture == "conv" and any(s % (1 << len(hidden)) for s in self.image_shape[:2]):
            raise ValueError(f"conv VAE with {len(hidden)} stride-2 layers needs H and W divisible by "
                             f"{1 << len(hidden)}, got {self.image_shape[:2]}")
        super().__post_init__()

    def setup(self):
        self.encoder = Encoder(self.latent_dim, self.hidden, self.architecture, self.dtype, self.backend)
        self.decoder = Decoder(self.image_shape, self.hidden, self.architecture, self.likelihood, self.dtype)

    def __call__(self, x, key):
        mean, logvar = self.encoder(x)
        return self.decoder(reparameterize(key, mean, logvar)), mean, logvar

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)

    def mean_image(self, z):
        """The decoder's expected image [B, H, W, C] in [0, 1]: Bernoulli probabilities or Gaussian means."""
        out = self.decoder(z)
        return jax.nn.sigmoid(out) if self.likelihood == "bernoulli" else out
