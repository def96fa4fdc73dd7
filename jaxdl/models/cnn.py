"""Configurable 1-D / 2-D convolutional classifiers (the MNIST-1D ConvBase and a small image CNN)."""

from collections.abc import Sequence
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxdl.models.activations import get_activation
from jaxdl.models.conv import conv_for
from jaxdl.models.initializers import INITS, dense_init

POOLS = ("none", "max", "avg")
NORMS = ("none", "batch")
HEADS = ("flatten", "mean")


def _per_layer(value: int | Sequence[int], n: int, what: str) -> tuple[int, ...]:
    """An int repeated n times, or a length-n sequence of ints."""
    values = (value,) * n if isinstance(value, int) else tuple(value)
    if len(values) != n or any(int(v) < 1 for v in values):
        raise ValueError(f"{what} must be a positive int or {n} positive ints, got {value!r}")
    return tuple(int(v) for v in values)


class ConvNet(nn.Module):
    """Conv stack + dense head: x [B, L(, C)] (ndim=1) or [B, H, W(, C)] (ndim=2) -> logits [B, num_classes].

    A missing channel axis is added. Layer i is `conv(channels[i], kernel_sizes[i], strides[i], padding)`,
    then (if `norm` is "batch") BatchNorm, then the activation, then (if `pool` != "none") a window-2
    stride-2 max/avg pool. The head is "flatten" (all positions and channels) or "mean" (global average over
    positions), then `hidden` dense layers with the activation and dropout, then the linear classifier. Convs have
    biases, except before BatchNorm
    (momentum 0.9, eps 1e-5; running statistics in 'batch_stats', used when `train=False`). `feature_dropout`
    drops the head's input features (after flatten / mean), `dropout` the output of every hidden layer.

    Defaults are the MNIST-1D paper's ConvBase: 25 channels, kernels 5/3/3, stride 2, padding 1, ReLU,
    flatten + linear. On [B, 40] inputs the lengths go 40 -> 19 -> 10 -> 5, so the head sees 5 * 25 = 125
    features and the net has 5,210 parameters, as the paper's PyTorch model. (PyTorch flattens [B, C, L]
    channel-major and we flatten [B, L, C]; that permutes the head's rows and changes no count.)
    """

    num_classes: int
    ndim: int = 1
    channels: int | Sequence[int] = 25
    kernel_sizes: Sequence[int] = (5, 3, 3)
    strides: int | Sequence[int] = 2
    padding: int | str = 1  # int p pads p on both sides of every spatial axis; or "SAME" / "VALID"
    activation: str = "relu"
    pool: str = "none"
    head: str = "flatten"
    hidden: Sequence[int] = ()
    dropout: float = 0.0
    norm: str = "none"  # "batch": BatchNorm after every conv
    feature_dropout: float = 0.0  # dropout on the head's input features (before `hidden`)
    dtype: Any = jnp.float32  # compute dtype; params stay float32
    weight_init: str = "flax"  # "flax" (lecun-normal, zero bias) or "torch" (U(±1/sqrt(fan_in)), fan_in = C * taps)
    backend: str = "cpu"  # XLA backend the program is built for; build_model sets jax.default_backend()

    def __post_init__(self):
        if self.weight_init not in INITS:
            raise ValueError(f"unknown weight_init {self.weight_init!r}; choose one of: {', '.join(INITS)}")
        n = len(self.kernel_sizes)
        _per_layer(self.kernel_sizes, n, "kernel_sizes")
        _per_layer(self.channels, n, "channels")
        _per_layer(self.strides, n, "strides")
        _per_layer(self.hidden, len(self.hidden), "hidden")
        get_activation(self.activation)
        if self.ndim not in (1, 2):
            raise ValueError(f"ndim must be 1 or 2, got {self.ndim!r}")
        if self.pool not in POOLS:
            raise ValueError(f"unknown pool {self.pool!r}; choose one of: {', '.join(POOLS)}")
        if self.head not in HEADS:
            raise ValueError(f"unknown head {self.head!r}; choose one of: {', '.join(HEADS)}")
        if not (isinstance(self.padding, int) and self.padding >= 0 or self.padding in ("SAME", "VALID")):
            raise ValueError(f"padding must be an int >= 0, 'SAME' or 'VALID', got {self.padding!r}")
        if self.norm not in NORMS:
            raise ValueError(f"unknown norm {self.norm!r}; choose one of: {', '.join(NORMS)}")
        for name in ("dropout", "feature_dropout"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)}")
        super().__post_init__()

    @nn.compact
    def __call__(self, x: jax.Array, *, train: bool = False) -> jax.Array:
        n = len(self.kernel_sizes)
        channels = _per_layer(self.channels, n, "channels")
        strides = _per_layer(self.strides, n, "strides")
        act = get_activation(self.activation)
        pad = ((self.padding, self.padding),) * self.ndim if isinstance(self.padding, int) else self.padding
        window = (2,) * self.ndim

        if x.ndim == self.ndim + 1:
            x = x[..., None]
        h = x.astype(self.dtype)
        for c, k, s in zip(channels, self.kernel_sizes, strides, strict=True):
            h = conv_for(self.backend)(
                c,
                (int(k),) * self.ndim,
                (s,) * self.ndim,
                padding=pad,
                use_bias=self.norm == "none",
                dtype=self.dtype,
                **dense_init(self.weight_init, h.shape[-1] * int(k) ** self.ndim),
            )(h)
            if self.norm == "batch":
                h = nn.BatchNorm(use_running_average=not train, momentum=0.9, epsilon=1e-5, dtype=self.dtype)(h)
            h = act(h)
            if self.pool == "max":
                h = nn.max_pool(h, window, strides=window)
            elif self.pool == "avg":
                h = nn.avg_pool(h, window, strides=window)
        if self.head == "mean":
            h = jnp.mean(h, axis=tuple(range(1, 1 + self.ndim)))
        else:
            h = jnp.reshape(h, (h.shape[0], -1))
        if self.feature_dropout > 0.0:
            h = nn.Dropout(self.feature_dropout, deterministic=not train)(h)
        for width in self.hidden:
            h = act(nn.Dense(int(width), dtype=self.dtype, **dense_init(self.weight_init, h.shape[-1]))(h))
            if self.dropout > 0.0:
                h = nn.Dropout(self.dropout, deterministic=not train)(h)
        logits = nn.Dense(self.num_classes, dtype=self.dtype, **dense_init(self.weight_init, h.shape[-1]))(h)
        return logits.astype(jnp.promote_types(self.dtype, jnp.float32))  # float64 stays (gradcheck)
