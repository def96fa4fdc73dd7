"""`conv_for(backend)`: flax's nn.Conv with the convolution that is fast on that backend.

On XLA:CPU two things make plain convolutions slow in jaxdl's trainer (measured on a 2-core CPU,
5 replicas, one `lax.scan` over steps): a convolution inside a while loop leaves the fast Eigen path
(jax-ml/jax#12868), and vmapping over replicas turns each convolution into a grouped convolution, which
XLA:CPU runs slowly. Per step: MNIST-1D ConvBase 74 ms -> 3.8 ms, the 8x8 2-D CNN 1072 ms -> 83 ms.

`im2col_conv` instead gathers the kernel's taps with strided slices into [B, *out, taps, C] and contracts
them with the kernel as one matmul; under vmap that is a batched matmul, inside a loop it is plain slicing.
It is used on the CPU backend only: on GPU/TPU the vendor convolutions win, and im2col costs taps x the
activation memory. Models choose when they are built: their `backend` field (set by `build_model` to
`jax.default_backend()`) picks `conv_for(backend)`.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable

import flax.linen as nn
import jax.numpy as jnp
from jax import lax


def im2col_conv(lhs, rhs, window_strides, padding, lhs_dilation=None, rhs_dilation=None,
                dimension_numbers=None, feature_group_count=1, precision=None, preferred_element_type=None):
    """Drop-in for `lax.conv_general_dilated` with channels-last lhs [B, *spatial, C] and kernel
    [*window, C, F] (flax's layout). Dilated or grouped convolutions fall back to XLA's."""
    nd = lhs.ndim - 2
    plain = lambda d: d is None or all(v == 1 for v in d)
    if not (plain(lhs_dilation) and plain(rhs_dilation) and feature_group_count == 1):
        return lax.conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                                        dimension_numbers, feature_group_count, precision=precision,
                                        preferred_element_type=preferred_element_type)
    window = rhs.shape[:nd]
    if isinstance(padding, str):
        padding = lax.padtype_to_pads(lhs.shape[1:-1], window, window_strides, padding)
    x = jnp.pad(lhs, [(0, 0), *padding, (0, 0)])
    out = [(x.shape[1 + i] - window[i]) // window_strides[i] + 1 for i in range(nd)]
    taps = []
    for offsets in itertools.product(*(range(k) for k in window)):  # row-major, as rhs.reshape below
        limit = [o + (n - 1) * s + 1 for o, n, s in zip(offsets, out, window_strides, strict=True)]
        taps.append(lax.slice(x, (0, *offsets, 0), (x.shape[0], *limit, x.shape[-1]), (1, *window_strides, 1)))
    patches = jnp.stack(taps, axis=-2)  # [B, *out, taps, C]
    kernel = rhs.reshape(-1, rhs.shape[-2], rhs.shape[-1])  # [taps, C, F]
    return jnp.einsum("...kc,kcf->...f", patches, kernel, precision=precision,
                      preferred_element_type=preferred_element_type)


def conv_for(backend: str) -> Callable[..., nn.Conv]:
    """nn.Conv's constructor for models built for `backend` ("cpu", "gpu", "tpu"): im2col convolutions on
    CPU, XLA's own elsewhere."""
    return functools.partial(nn.Conv, conv_general_dilated=im2col_conv) if backend == "cpu" else nn.Conv
