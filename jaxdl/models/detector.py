"""A CenterNet-style detector (Zhou et al. 2019, "Objects as Points") on a small CNN backbone."""

import math
from collections.abc import Sequence
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxdl.models.conv import ConvTranspose, conv_for
from jaxdl.models.initializers import lecun_normal
from jaxdl.models.unet import ConvBNReLU

HEATMAP_PRIOR = 0.1  # initial heatmap probability (CenterNet's bias -2.19): keeps the focal loss sane early


class CenterNet(nn.Module):
    """x [B, H, W(, C)] -> {"heatmap": logits [B, h, w, num_classes], "size": [B, h, w, 2],
    "offset": [B, h, w, 2]} (float32) with h = ceil(H / stride), w = ceil(W / stride).

    Backbone: stage i has `blocks` ConvBNReLU layers of `channels[i]` features; every stage after the first
    starts with a 3x3 stride-2 conv, so stride = 2**(len(channels) - 1). Optionally (`upsample`) the deepest
    stage is followed by a 2x transposed conv added to the previous stage (a one-level FPN), halving the
    stride. Three heads (3x3 conv of `head_width` + ReLU + 1x1 conv) read the final features:
      heatmap: per-class centre logits (sigmoid = probability that an object of that class is centred
               in the cell), bias initialised to logit(HEATMAP_PRIOR);
      size:    (height, width) of the box in output cells (input pixels / stride);
      offset:  sub-cell position of the centre, (cy - floor(cy), cx - floor(cx)) in cells.
    """

    num_classes: int
    channels: Sequence[int] = (16, 32, 64, 64)
    blocks: int = 1
    upsample: bool = True
    head_width: int = 32
    dtype: Any = jnp.float32  # compute dtype; params stay float32
    backend: str = "cpu"  # XLA backend the program is built for; build_model sets jax.default_backend()

    def __post_init__(self):
        if len(self.channels) < 1 or any(not isinstance(c, int) or c < 1 for c in self.channels):
            raise ValueError(f"detector channels must be positive ints, got {self.channels!r}")
        if self.upsample and len(self.channels) < 2:
            raise ValueError("detector upsample needs at least two stages")
        if not isinstance(self.blocks, int) or self.blocks < 1 or self.head_width < 1:
            raise ValueError("detector blocks and head_width must be >= 1")
        super().__post_init__()

    @property
    def stride(self) -> int:
        return 2 ** (len(self.channels) - 1 - int(self.upsample))

    @nn.compact
    def __call__(self, x: jax.Array, *, train: bool = False) -> dict[str, jax.Array]:
        if x.ndim == 3:
            x = x[..., None]
        h = x.astype(self.dtype)
        conv = conv_for(self.backend)
        features = []
        for i, c in enumerate(self.channels):
            if i > 0:
                h = conv(c, (3, 3), strides=(2, 2), padding="SAME", use_bias=False, dtype=self.dtype,
                         kernel_init=lecun_normal)(h)
                h = nn.relu(nn.BatchNorm(use_running_average=not train, momentum=0.9, dtype=self.dtype)(h))
            for _ in range(self.blocks):
                h = ConvBNReLU(c, self.dtype, self.backend)(h, train=train)
            features.append(h)
        if self.upsample:
            lateral = features[-2]
            up = ConvTranspose(lateral.shape[-1], (2, 2), strides=(2, 2), dtype=self.dtype, kernel_init=lecun_normal,
                               backend=self.backend)(h)
            # odd sizes: ceil(n / 2) * 2 may exceed the lateral's size by one; crop to it
            up = up[:, : lateral.shape[1], : lateral.shape[2]]
            h = ConvBNReLU(lateral.shape[-1], self.dtype, self.backend)(lateral + up, train=train)

        def head(out, bias_init=nn.initializers.zeros):
            y = nn.relu(conv(self.head_width, (3, 3), padding="SAME", dtype=self.dtype, kernel_init=lecun_normal)(h))
            return conv(out, (1, 1), dtype=self.dtype, kernel_init=lecun_normal, bias_init=bias_init)(y)

        prior = nn.initializers.constant(math.log(HEATMAP_PRIOR / (1 - HEATMAP_PRIOR)))
        return {"heatmap": head(self.num_classes, prior).astype(jnp.float32),
                "size": head(2).astype(jnp.float32),
                "offset": head(2).astype(jnp.float32)}
