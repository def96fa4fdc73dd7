"""U-Net (Ronneberger et al. 2015) for semantic segmentation: encoder-decoder with skip connections."""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxdl.models.conv import ConvTranspose, conv_for
from jaxdl.models.initializers import lecun_normal


class ConvBNReLU(nn.Module):
    """3x3 SAME conv (no bias: BatchNorm follows), BatchNorm, ReLU: [B, H, W, C] -> [B, H, W, features].
    `dilation` > 1 spaces the kernel's taps that far apart (atrous: a (2 * dilation + 1)-wide field)."""

    features: int
    dtype: Any = jnp.float32
    backend: str = "cpu"  # XLA backend the program is built for; build_model sets jax.default_backend()
    dilation: int = 1

    @nn.compact
    def __call__(self, x, *, train: bool):
        x = conv_for(self.backend)(self.features, (3, 3), padding="SAME", use_bias=False, dtype=self.dtype,
                                   kernel_dilation=self.dilation, kernel_init=lecun_normal)(x)
        x = nn.BatchNorm(use_running_average=not train, momentum=0.9, dtype=self.dtype)(x)
        return nn.relu(x)


class UNet(nn.Module):
    """x [B, H, W(, C)] -> per-pixel logits float32 [B, H, W, num_classes], for any H, W (odd too).

    `depth` 2x2 max-pool downsamplings; level l (0 = full resolution) has `width * 2**l` channels and
    `convs` ConvBNReLU layers in the encoder and again in the decoder. The decoder upsamples with a 2x2
    stride-2 transposed conv and concatenates the encoder's features of the same level (the skip).
    `patch` > 1 first folds each patch x patch block of pixels into channels (space-to-depth, lossless), so
    every level runs at 1/patch of the resolution, and the 1x1 head predicts the patch * patch pixels' logits
    of each block (depth-to-space): on CPU the full-resolution levels cost most of the step.
    `dropout` > 0 zeroes each of the bottleneck's feature maps with that probability in training (spatial
    dropout, as the paper's dropout at the end of the contracting path; rescaled by 1 / (1 - rate)).
    `context` > 0 adds that many residual atrous ConvBNReLU blocks at the bottleneck, dilations 2, 4, ...
    (x + block(x)), widening its field without another level (DeepLab's atrous context, in its smallest form).
    On digit scenes neither option gained (experiments/RESULTS.md); both default to off.
    Inputs are zero-padded at the bottom/right to a multiple of patch * 2**depth and the logits cropped back,
    so the output always has the input's spatial shape. The paper's U-Net is depth=4, width=64, convs=2
    (with unpadded convs); the default here is a small one for 48x48 digit scenes.
    """

    num_classes: int
    depth: int = 3
    width: int = 16
    convs: int = 2
    patch: int = 1  # space-to-depth factor of the input (1: none)
    context: int = 0  # residual atrous blocks at the bottleneck (0: none)
    dropout: float = 0.0  # rate of spatial dropout (whole feature maps) on the bottleneck's output, in training
    dtype: Any = jnp.float32  # compute dtype; params stay float32
    backend: str = "cpu"  # XLA backend the program is built for; build_model sets jax.default_backend()

    def __post_init__(self):
        for field in ("depth", "width", "convs", "patch", "context"):
            value, least = getattr(self, field), 0 if field in ("depth", "context") else 1
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ValueError(f"unet {field} must be an integer >= {least}, got {value!r}")
        if isinstance(self.dropout, bool) or not isinstance(self.dropout, (int, float)) or not 0 <= self.dropout < 1:
            raise ValueError(f"unet dropout must be a rate in [0, 1), got {self.dropout!r}")
        super().__post_init__()

    @nn.compact
    def __call__(self, x: jax.Array, *, train: bool = False) -> jax.Array:
        if x.ndim == 3:
            x = x[..., None]
        h, w = x.shape[1:3]
        m, p = self.patch * 2**self.depth, self.patch
        x = jnp.pad(x, ((0, 0), (0, -h % m), (0, -w % m), (0, 0))).astype(self.dtype)
        b, hp, wp, c = x.shape
        if p > 1:
            x = x.reshape(b, hp // p, p, wp // p, p, c).transpose(0, 1, 3, 2, 4, 5).reshape(b, hp // p, wp // p, -1)

        def block(y, features):
            for _ in range(self.convs):
                y = ConvBNReLU(features, self.dtype, self.backend)(y, train=train)
            return y

        skips = []
        for level in range(self.depth):
            x = block(x, self.width * 2**level)
            skips.append(x)
            x = nn.max_pool(x, (2, 2), strides=(2, 2))
        x = block(x, self.width * 2**self.depth)  # bottleneck
        for i in range(self.context):
            x = x + ConvBNReLU(self.width * 2**self.depth, self.dtype, self.backend, dilation=2 ** (i + 1))(
                x, train=train)
        x = nn.Dropout(self.dropout, broadcast_dims=(1, 2), deterministic=not train)(x)
        for level in reversed(range(self.depth)):
            features = self.width * 2**level
            x = ConvTranspose(features, (2, 2), strides=(2, 2), dtype=self.dtype, kernel_init=lecun_normal,
                              backend=self.backend)(x)
            x = block(jnp.concatenate([skips[level], x], axis=-1), features)
        logits = conv_for(self.backend)(self.num_classes * p * p, (1, 1), dtype=self.dtype,
                                        kernel_init=lecun_normal)(x)  # [B, hp / p, wp / p, p * p * classes]
        if p > 1:
            logits = logits.reshape(b, hp // p, wp // p, p, p, -1).transpose(0, 1, 3, 2, 4, 5).reshape(b, hp, wp, -1)
        return logits[:, :h, :w].astype(jnp.float32)
