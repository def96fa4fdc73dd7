"""Speech models over log-mel frames: an optional strided 1-D convolutional front end, a stack of
(bi)directional GRU/LSTM layers (`jaxdl.models.rnn.RNNEncoder`), and a linear layer.

Head "frames" gives per-frame logits over characters plus the CTC blank (class 0) and the frames' valid
lengths, for CTC; head "mean" averages the valid frames into one logit vector, a keyword classifier.

Masking: padded frames are zeroed before every convolution, and the convolutions pad explicitly by
kernel // 2 on both sides, so a frame's output never depends on how far a batch is padded (tested).
Each stride-2 layer maps a valid length n to (n + 1) // 2.
"""

from __future__ import annotations

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxdl.models.conv import conv_for
from jaxdl.models.initializers import lecun_normal
from jaxdl.models.rnn import RNNEncoder, valid_mask

SPEECH_HEADS = ("frames", "mean")


def conv_lengths(lengths: jax.Array, num_layers: int, stride: int) -> jax.Array:
    """Valid frames int [B] after num_layers convolutions of `stride` (ceil division each time)."""
    for _ in range(num_layers):
        lengths = (lengths + stride - 1) // stride
    return lengths


class SpeechRNN(nn.Module):
    """x float [B, T, M] log-mel frames, lengths int [B] (None: all T) ->
    "frames": (logits float32 [B, T', num_classes], lengths' int32 [B]), T' = T after the front end;
    "mean": logits float32 [B, num_classes]."""

    num_classes: int
    conv_channels: tuple[int, ...] = (64, 64)  # () = no front end
    conv_kernel: int = 5
    conv_stride: int = 2
    cell: str = "gru"
    hidden_size: int = 64
    num_layers: int = 2
    bidirectional: bool = True
    head: str = "frames"
    dropout: float = 0.0
    dtype: Any = jnp.float32
    backend: str = "cpu"  # XLA backend the program is built for; build_model sets jax.default_backend()

    def __post_init__(self):
        if self.head not in SPEECH_HEADS:
            raise ValueError(f"unknown head {self.head!r}; choose one of: {', '.join(SPEECH_HEADS)}")
        if int(self.conv_kernel) < 1 or int(self.conv_kernel) % 2 == 0 or int(self.conv_stride) < 1:
            raise ValueError(f"conv_kernel must be odd and >= 1, conv_stride >= 1; got {self.conv_kernel}, "
                            f"{self.conv_stride}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        super().__post_init__()

    @nn.compact
    def __call__(self, x: jax.Array, lengths: jax.Array | None = None, *, train: bool = False):
        batch, steps = x.shape[:2]
        lengths = jnp.full((batch,), steps, jnp.int32) if lengths is None else lengths.astype(jnp.int32)
        h = x.astype(self.dtype)
        pad = int(self.conv_kernel) // 2
        for i, channels in enumerate(self.conv_channels):
            h = h * valid_mask(lengths, h.shape[1])[..., None].astype(self.dtype)
            h = conv_for(self.backend)(int(channels), (int(self.conv_kernel),), strides=(int(self.conv_stride),),
                     padding=[(pad, pad)], dtype=self.dtype, kernel_init=lecun_normal, name=f"conv_{i}")(h)
            h = nn.relu(h)
            lengths = conv_lengths(lengths, 1, int(self.conv_stride))
        if self.dropout > 0.0:
            h = nn.Dropout(self.dropout, deterministic=not train)(h)
        h = RNNEncoder(self.cell, self.hidden_size, self.num_layers, self.bidirectional, self.dtype,
                       backend=self.backend)(h, lengths)
        if self.dropout > 0.0:
            h = nn.Dropout(self.dropout, deterministic=not train)(h)
        if self.head == "mean":
            h = h.sum(1) / jnp.maximum(lengths, 1)[:, None].astype(h.dtype)
        logits = nn.Dense(self.num_classes, dtype=self.dtype, kernel_init=lecun_normal)(h).astype(jnp.float32)
        return (logits, lengths) if self.head == "frames" else logits
