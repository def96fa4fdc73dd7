"""`conv_for(backend)`: flax's nn.Conv with the convolution that is fast on that backend; `ConvTranspose`:
flax's nn.ConvTranspose likewise.

On XLA:CPU two things make plain convolutions slow in jaxdl's trainer (measured on a 2-core CPU,
5 replicas, one `lax.scan` over steps): a convolution inside a while loop leaves the fast Eigen path
(jax-ml/jax#12868), and vmapping over replicas turns each convolution into a grouped convolution, which
XLA:CPU runs slowly. Per step: MNIST-1D ConvBase 74 ms -> 3.8 ms, the 8x8 2-D CNN 1072 ms -> 83 ms.

`im2col_conv` instead gathers the kernel's taps with strided slices into [B, *out, taps, C] and contracts
them with the kernel as one matmul; under vmap that is a batched matmul, inside a loop it is plain slicing.
It is used on the CPU backend only: on GPU/TPU the vendor convolutions win, and im2col costs taps x the
activation memory. A transposed convolution is an input-dilated one, mostly multiplications by the inserted
zeros; `ConvTranspose` computes it on CPU as one im2col matmul of the undilated input that gives every
stride-phase of the output (`_subpixel_conv`; digits DCGAN trainer step 3.3x fewer CPU seconds, U-Net 1.4x,
detector 1.2x; experiments/RESULTS.md). Models choose when they are built: their `backend` field (set by
`build_model` to `jax.default_backend()`) picks `conv_for(backend)` and ConvTranspose's implementation.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable
from typing import Any

import flax.linen as nn
import jax.numpy as jnp
from flax.linen.dtypes import promote_dtype
from jax import lax

# XLA:CPU's im2col matmul returns wrong numbers, silently, once its patches exceed 2^31 elements (measured:
# [10000, 28, 28, 32] with a 3x3 kernel, 2.26e9 patch elements, was off by up to 8 against XLA's convolution;
# 9000 images, 2.03e9, agreed to 3e-6). Larger batches are convolved in chunks below this size. The bound sees
# the batch of one vmapped member only (vmap hides its axis): K replicas multiply the real size by K.
MAX_PATCH_ELEMENTS = 2**31 - 1


def im2col_conv(lhs, rhs, window_strides, padding, lhs_dilation=None, rhs_dilation=None,
                dimension_numbers=None, feature_group_count=1, precision=None, preferred_element_type=None):
    """Drop-in for `lax.conv_general_dilated` with channels-last lhs [B, *spatial, C] and kernel
    [*window, C, F] (flax's layout). An input-dilated (transposed) convolution with unit strides goes to
    `_subpixel_conv`; a kernel-dilated (atrous) one reads its taps `rhs_dilation` apart; grouped convolutions
    and input dilation with strides fall back to XLA's."""
    nd = lhs.ndim - 2
    plain = lambda d: d is None or all(v == 1 for v in d)
    if (not plain(lhs_dilation) and plain(rhs_dilation) and plain(window_strides) and feature_group_count == 1):
        return _subpixel_conv(lhs, rhs, tuple(lhs_dilation), padding, precision, preferred_element_type)
    if not (plain(lhs_dilation) and feature_group_count == 1):
        return lax.conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                                        dimension_numbers, feature_group_count, precision=precision,
                                        preferred_element_type=preferred_element_type)
    rate = tuple(rhs_dilation) if rhs_dilation is not None else (1,) * nd
    window = [(k - 1) * r + 1 for k, r in zip(rhs.shape[:nd], rate, strict=True)]  # the dilated kernel's extent
    if isinstance(padding, str):
        padding = lax.padtype_to_pads(lhs.shape[1:-1], window, window_strides, padding)
    x = jnp.pad(lhs, [(0, 0), *padding, (0, 0)])
    out = [(x.shape[1 + i] - window[i]) // window_strides[i] + 1 for i in range(nd)]
    kernel = rhs.reshape(-1, rhs.shape[-2], rhs.shape[-1])  # [taps, C, F]

    def conv(x):  # padded [b, *in, C] -> [b, *out, F]
        taps = []
        for offsets in itertools.product(*(range(0, k * r, r) for k, r in zip(rhs.shape[:nd], rate, strict=True))):
            # row-major, as rhs.reshape above
            limit = [o + (n - 1) * s + 1 for o, n, s in zip(offsets, out, window_strides, strict=True)]
            taps.append(lax.slice(x, (0, *offsets, 0), (x.shape[0], *limit, x.shape[-1]), (1, *window_strides, 1)))
        patches = jnp.stack(taps, axis=-2)  # [b, *out, taps, C]
        return jnp.einsum("...kc,kcf->...f", patches, kernel, precision=precision,
                          preferred_element_type=preferred_element_type)

    per_example = math.prod(out) * kernel.shape[0] * kernel.shape[1]  # patch elements of one example
    if x.shape[0] * per_example <= MAX_PATCH_ELEMENTS:
        return conv(x)
    if per_example > MAX_PATCH_ELEMENTS:  # not even one example fits: XLA's own convolution, channels-last
        spatial = tuple(range(1, nd + 1))
        dn = lax.ConvDimensionNumbers((0, nd + 1, *spatial), (nd + 1, nd, *range(nd)), (0, nd + 1, *spatial))
        return lax.conv_general_dilated(lhs, rhs, window_strides, padding, rhs_dilation=rate, dimension_numbers=dn,
                                        precision=precision, preferred_element_type=preferred_element_type)
    b, size = x.shape[0], MAX_PATCH_ELEMENTS // per_example
    chunks = -(-b // size)
    x = jnp.pad(x, [(0, chunks * size - b)] + [(0, 0)] * (nd + 1)).reshape(chunks, size, *x.shape[1:])
    y = lax.map(conv, x)  # one chunk at a time: [chunks, size, *out, F]
    return y.reshape(chunks * size, *y.shape[2:])[:b]


def _subpixel_conv(lhs, rhs, dilation, padding, precision, preferred_element_type):
    """`lax.conv_general_dilated(lhs, rhs, 1, padding, lhs_dilation=dilation)` without the zeros: [B, *n, C]
    with kernel [*k, C, F] -> [B, *out, F], out = (n - 1) * s + 1 + lo + hi - k + 1 per dim (s = dilation).

    Output o = s * q + r (phase r) reads input i = q + d only, d = (r + t - lo) / s for the kernel taps t
    with (r + t - lo) % s == 0. One im2col convolution of the undilated input over the union of the offsets
    d, with a kernel [*window, C, s^nd * F] holding tap t (or zero) for each phase, gives every phase at
    once; the phases are then interleaved (depth-to-space) and cropped to out."""
    nd = lhs.ndim - 2
    window = rhs.shape[:nd]
    if isinstance(padding, str):
        dilated = [(n - 1) * s + 1 for n, s in zip(lhs.shape[1:-1], dilation, strict=True)]
        padding = lax.padtype_to_pads(dilated, window, (1,) * nd, padding)
    out, q, first, pads, taps = [], [], [], [], []
    for n, s, k, (lo, hi) in zip(lhs.shape[1:-1], dilation, window, padding, strict=True):
        out.append((n - 1) * s + 1 + lo + hi - k + 1)
        q.append(-(-out[-1] // s))
        d = [(r + t - lo) // s for r in range(s) for t in range(k) if (r + t - lo) % s == 0]
        first.append(min(d))
        taps.append(max(d) - min(d) + 1)
        pads.append((-min(d), q[-1] - 1 + max(d) - (n - 1), 0))  # zeros wherever an input index is missing
    x = lax.pad(lhs, jnp.zeros((), lhs.dtype), [(0, 0, 0), *pads, (0, 0, 0)])
    zero = jnp.zeros(rhs.shape[nd:], rhs.dtype)
    columns = []  # kernel [*taps, C, phases, F]: offsets row-major, phases row-major
    for offsets in itertools.product(*(range(m) for m in taps)):
        phases = []
        for phase in itertools.product(*(range(s) for s in dilation)):
            t = [(f + o) * s + lo - r for f, o, s, (lo, _), r in zip(first, offsets, dilation, padding, phase,
                                                                       strict=True)]
            phases.append(rhs[tuple(t)] if all(0 <= ti < k for ti, k in zip(t, window, strict=True)) else zero)
        columns.append(jnp.stack(phases, axis=-2))
    kernel = jnp.stack(columns).reshape(*taps, rhs.shape[nd], -1)
    y = im2col_conv(x, kernel, (1,) * nd, [(0, 0)] * nd, precision=precision,
                    preferred_element_type=preferred_element_type)  # [B, *q, phases * F]
    y = y.reshape(y.shape[0], *q, *dilation, rhs.shape[-1])
    y = y.transpose(0, *itertools.chain(*((1 + i, 1 + nd + i) for i in range(nd))), 2 * nd + 1)
    y = y.reshape(y.shape[0], *(qi * s for qi, s in zip(q, dilation, strict=True)), rhs.shape[-1])
    return y[(slice(None), *(slice(0, o) for o in out))]


def _transpose_pads(k: int, s: int, padding) -> tuple[int, int]:
    """lax.conv_transpose's padding of the input-dilated convolution for one dim (kernel k, stride s)."""
    if padding == "SAME":
        pad_len = k + s - 2
        lo = k - 1 if s > k - 1 else -(-pad_len // 2)
    elif padding == "VALID":
        pad_len, lo = k + s - 2 + max(k - s, 0), k - 1
    else:
        return tuple(padding)
    return lo, pad_len - lo


class ConvTranspose(nn.Module):
    """flax's nn.ConvTranspose (same parameter names, shapes and init; transpose_kernel=False): [B, *n, C] ->
    [B, *out, features]. On CPU it runs as `_subpixel_conv` (one matmul, no dilated zeros, a batched matmul
    under vmap); elsewhere as lax.conv_transpose."""

    features: int
    kernel_size: tuple[int, ...]
    strides: tuple[int, ...] | None = None
    padding: str | tuple[tuple[int, int], ...] = "SAME"
    use_bias: bool = True
    dtype: Any = None
    kernel_init: Callable = nn.initializers.lecun_normal()
    bias_init: Callable = nn.initializers.zeros_init()
    backend: str = "cpu"  # XLA backend the program is built for; build_model sets jax.default_backend()

    @nn.compact
    def __call__(self, x):
        window = tuple(self.kernel_size)
        strides = tuple(self.strides or (1,) * len(window))
        kernel = self.param("kernel", self.kernel_init, (*window, x.shape[-1], self.features), jnp.float32)
        bias = self.param("bias", self.bias_init, (self.features,), jnp.float32) if self.use_bias else None
        x, kernel, bias = promote_dtype(x, kernel, bias, dtype=self.dtype)
        if self.backend == "cpu":
            padding = self.padding if isinstance(self.padding, str) else tuple(map(tuple, self.padding))
            pads = [_transpose_pads(k, s, padding if isinstance(padding, str) else padding[i])
                    for i, (k, s) in enumerate(zip(window, strides, strict=True))]
            y = im2col_conv(x, kernel, (1,) * len(window), pads, lhs_dilation=strides)
        else:
            y = lax.conv_transpose(x, kernel, strides, self.padding)
        return y if bias is None else y + bias


def conv_for(backend: str) -> Callable[..., nn.Conv]:
    """nn.Conv's constructor for models built for `backend` ("cpu", "gpu", "tpu"): im2col convolutions on
    CPU, XLA's own elsewhere."""
    return functools.partial(nn.Conv, conv_general_dilated=im2col_conv) if backend == "cpu" else nn.Conv
