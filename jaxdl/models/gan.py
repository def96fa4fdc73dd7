"""DCGAN: a generator of transposed convolutions with BatchNorm, a discriminator of strided convolutions
with leaky ReLU, and the non-saturating losses (pure functions of logits)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxdl.models.conv import ConvTranspose, conv_for
from jaxdl.models.initializers import lecun_normal


class Generator(nn.Module):
    """z [B, latent_dim] -> images float32 [B, H, W, C] in [-1, 1] (tanh).

    Dense to a [H / 2^n, W / 2^n, features[0]] map (n = len(features)) + BatchNorm + ReLU; then a 2x
    upsampling + BatchNorm + ReLU to each of features[1:]; then a last 2x upsampling to C channels and tanh.
    `upsample`: "transpose" (a stride-2 4x4 transposed conv, the DCGAN paper's) or "resize" (nearest-neighbour
    2x resize, then a 3x3 conv: Odena et al. 2016's cure for checkerboard artifacts). BatchNorm uses batch
    statistics in train mode ('batch_stats' collection).
    """

    image_shape: tuple[int, int, int]
    features: Sequence[int] = (64, 32)
    dtype: Any = jnp.float32
    backend: str = "cpu"  # XLA backend the program is built for; build_model sets jax.default_backend()
    upsample: str = "transpose"

    def _up(self, h, features: int):
        """[B, h, w, c] -> [B, 2h, 2w, features]."""
        if self.upsample == "resize":
            h = jnp.repeat(jnp.repeat(h, 2, axis=1), 2, axis=2)
            return conv_for(self.backend)(features, (3, 3), padding="SAME", dtype=self.dtype,
                                          kernel_init=lecun_normal)(h)
        return ConvTranspose(features, (4, 4), (2, 2), padding="SAME", dtype=self.dtype, kernel_init=lecun_normal,
                             backend=self.backend)(h)

    @nn.compact
    def __call__(self, z, *, train: bool):
        height, width, channels = self.image_shape
        n = len(self.features)
        norm = lambda: nn.BatchNorm(use_running_average=not train, momentum=0.9, dtype=self.dtype)
        h = nn.Dense((height >> n) * (width >> n) * int(self.features[0]), dtype=self.dtype,
                     kernel_init=lecun_normal)(z.astype(self.dtype))
        h = nn.relu(norm()(h)).reshape(z.shape[0], height >> n, width >> n, int(self.features[0]))
        for f in self.features[1:]:
            h = nn.relu(norm()(self._up(h, int(f))))
        h = self._up(h, channels)
        return jnp.tanh(h.astype(jnp.float32))


class Discriminator(nn.Module):
    """x [B, H, W, C] in [-1, 1] -> real/fake logits float32 [B]: stride-2 4x4 convs + leaky ReLU(0.2)
    through `features`, flatten, Dense(1)."""

    features: Sequence[int] = (32, 64)
    dtype: Any = jnp.float32
    backend: str = "cpu"  # XLA backend the program is built for; build_model sets jax.default_backend()

    @nn.compact
    def __call__(self, x):
        h = x.astype(self.dtype)
        for f in self.features:
            h = nn.leaky_relu(conv_for(self.backend)(int(f), (4, 4), (2, 2), padding="SAME", dtype=self.dtype,
                                                     kernel_init=lecun_normal)(h), 0.2)
        h = nn.Dense(1, dtype=self.dtype, kernel_init=lecun_normal)(h.reshape(h.shape[0], -1))
        return h[:, 0].astype(jnp.float32)


def _name(path) -> str:
    return "/".join(str(getattr(k, "key", k)) for k in path)


def _kernels(params) -> dict[str, jax.Array]:
    """The kernels of `params` (leaves named "kernel", 2-d or more), keyed by their path ("Conv_0/kernel")."""
    flat = jax.tree_util.tree_flatten_with_path(params)[0]
    return {_name(path): leaf for path, leaf in flat if getattr(path[-1], "key", None) == "kernel" and leaf.ndim >= 2}


def _matrix(kernel: jax.Array) -> jax.Array:
    """A kernel [..., out] as the matrix W [fan_in, out] whose largest singular value spectral norm divides by."""
    return kernel.reshape(-1, kernel.shape[-1])


def _left(w: jax.Array, u: jax.Array) -> jax.Array:
    """v = Wu / |Wu| [fan_in], held constant (no gradient)."""
    v = jax.lax.stop_gradient(w @ u)
    return v / (jnp.linalg.norm(v) + 1e-12)


def spectral_vectors(params, key: jax.Array) -> dict[str, jax.Array]:
    """The power iteration's start: a random unit vector u [out] per kernel of `params`, keyed by its path."""
    kernels = _kernels(params)
    vectors = {}
    for k, (name, kernel) in zip(jax.random.split(key, len(kernels)), kernels.items(), strict=True):
        u = jax.random.normal(k, (kernel.shape[-1],))
        vectors[name] = u / jnp.linalg.norm(u)
    return vectors


def power_iteration(params, vectors: dict[str, jax.Array]) -> dict[str, jax.Array]:
    """One power-iteration step per kernel W [fan_in, out] (Miyato et al. 2018): v = Wu / |Wu|, then
    u' = W^T v / |W^T v|. Returns the new u's, without gradient."""
    out = {}
    for name, kernel in _kernels(params).items():
        w = jax.lax.stop_gradient(_matrix(kernel))
        u = w.T @ _left(w, vectors[name])
        out[name] = u / (jnp.linalg.norm(u) + 1e-12)
    return out


def spectral_normalize(params, vectors: dict[str, jax.Array]):
    """`params` with every kernel divided by its spectral norm's estimate sigma = v^T W u (v = Wu / |Wu|; u
    and v held constant, so the gradient flows through W alone, as in Miyato et al. 2018); biases unchanged."""
    def scale(path, leaf):
        name = _name(path)
        if name not in vectors:
            return leaf
        w, u = _matrix(leaf), jax.lax.stop_gradient(vectors[name])
        return leaf / (_left(w, u) @ w @ u)
    return jax.tree_util.tree_map_with_path(scale, params)


def discriminator_loss(real_logits: jax.Array, fake_logits: jax.Array, real_target: float = 1.0) -> jax.Array:
    """Per-example [B] binary cross-entropy of D = sigmoid(logits), in softplus form: real images against
    `real_target` (1.0: -log D(x); below 1, one-sided label smoothing), fakes against 0 (-log(1 - D(G(z))))."""
    real = jax.nn.softplus(-real_logits)
    if real_target != 1.0:  # a Python float: the plain loss stays the same program
        real = real_target * real + (1.0 - real_target) * jax.nn.softplus(real_logits)
    return real + jax.nn.softplus(fake_logits)


def generator_loss(fake_logits: jax.Array) -> jax.Array:
    """Non-saturating generator loss per example [B]: -log D(G(z)) = softplus(-logits)."""
    return jax.nn.softplus(-fake_logits)


@dataclasses.dataclass(frozen=True)
class DCGAN:
    """The two networks of a DCGAN, registered as "dcgan" (`build_model("dcgan", image_shape=(H, W, C))`).

    Output contract: `generator` maps z float32 [B, latent_dim] to images float32 [B, H, W, C] in [-1, 1]
    (train mode also returns its new batch_stats); `discriminator` maps such images to real/fake logits
    float32 [B]. Each network is initialised and applied on its own, with its own optimizer (jaxdl/tasks/gan.py).
    """

    image_shape: tuple[int, int, int]
    latent_dim: int = 32
    generator_features: Sequence[int] = (64, 32)
    discriminator_features: Sequence[int] = (32, 64)
    generator_upsample: str = "transpose"  # or "resize": see Generator
    dtype: Any = jnp.float32
    backend: str = "cpu"  # XLA backend the program is built for; build_model sets jax.default_backend()

    def __post_init__(self):
        if self.generator_upsample not in ("transpose", "resize"):
            raise ValueError(f"generator_upsample must be 'transpose' or 'resize', got {self.generator_upsample!r}")
        g_feat, d_feat = tuple(self.generator_features), tuple(self.discriminator_features)
        latent = self.latent_dim
        if not isinstance(latent, int) or latent < 1 or not g_feat or not d_feat or min(g_feat + d_feat) < 1:
            raise ValueError("latent_dim and the feature lists of model 'dcgan' must be positive")
        if len(self.image_shape) != 3:
            raise ValueError(f"the DCGAN needs image inputs [H, W(, C)], got shape {self.image_shape}")
        if any(s % (1 << len(g_feat)) for s in self.image_shape[:2]):
            raise ValueError(f"a generator with {len(g_feat)} upsampling stages needs H and W divisible by "
                             f"{1 << len(g_feat)}, got {self.image_shape[:2]}")

    @property
    def generator(self) -> Generator:
        return Generator(self.image_shape, tuple(int(f) for f in self.generator_features), self.dtype, self.backend,
                         self.generator_upsample)

    @property
    def discriminator(self) -> Discriminator:
        return Discriminator(tuple(int(f) for f in self.discriminator_features), self.dtype, self.backend)
