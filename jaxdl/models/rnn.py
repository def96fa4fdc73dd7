"""Recurrent sequence classifiers: Flax's LSTM/GRU cells over `nn.RNN` (a `lax.scan`), stacked and
optionally bidirectional, with padded positions masked out, and three heads (last, mean, flatten).

Masking: a batch padded at the end gives, at every valid position, exactly the outputs of the unpadded
sequences (tested). `nn.RNN(seq_lengths=...)` runs the backward direction over each sequence's valid part
only; outputs at padded positions are set to zero here, so they reach neither a later layer's valid
positions nor the heads.
"""

from __future__ import annotations

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxdl.models.gru_layer import GRULayer
from jaxdl.models.initializers import INITS, dense_init, lecun_normal, orthogonal, uniform

CELLS = {"lstm": nn.OptimizedLSTMCell, "gru": nn.GRUCell}
HEADS = ("last", "mean", "flatten")


def _check(cell: str, hidden_size: int, num_layers: int, head: str | None = None, weight_init: str = "flax") -> None:
    if weight_init not in INITS:
        raise ValueError(f"unknown weight_init {weight_init!r}; choose one of: {', '.join(INITS)}")
    if cell not in CELLS:
        raise ValueError(f"unknown cell {cell!r}; choose one of: {', '.join(CELLS)}")
    if int(hidden_size) < 1 or int(num_layers) < 1:
        raise ValueError(f"hidden_size and num_layers must be >= 1, got {hidden_size}, {num_layers}")
    if head is not None and head not in HEADS:
        raise ValueError(f"unknown head {head!r}; choose one of: {', '.join(HEADS)}")


def valid_mask(lengths: jax.Array, steps: int) -> jax.Array:
    """float32 [B, T]: 1 where position t < lengths[b] ([B] int)."""
    return (jnp.arange(steps)[None, :] < lengths[:, None]).astype(jnp.float32)


class RNNEncoder(nn.Module):
    """Stack of (bi)directional recurrent layers: x [B, T, F] -> outputs [B, T, D], zero at padding.

    D = hidden_size, times 2 when bidirectional (forward and backward outputs concatenated, both in input
    order). `lengths` int [B] (valid steps per sequence, padding at the end) or None for all T.
    With `return_carry` (unidirectional only) the call returns (carry, outputs): the last layer's cell
    state after each sequence's last valid step (LSTM: (c [B, H], h [B, H]); GRU: h [B, H]), which an
    encoder-decoder hands to its decoder (an LSTM's c is not recoverable from the outputs).

    `weight_init`: "flax" (lecun-normal input kernels, orthogonal recurrent kernels, zero biases) or
    "torch" (PyTorch's default: every weight and bias U(±1/sqrt(H)); for flax's single GRU reset/update
    bias, PyTorch's is the sum of two such draws, a 2x wider triangular law: not mimicked here).
    """

    cell: str = "lstm"
    hidden_size: int = 64
    num_layers: int = 1
    bidirectional: bool = False
    dtype: Any = jnp.float32
    weight_init: str = "flax"
    return_carry: bool = False
    backend: str = "cpu"  # XLA backend the program is built for; build_model sets jax.default_backend()

    def __post_init__(self):
        _check(self.cell, self.hidden_size, self.num_layers, weight_init=self.weight_init)
        if self.return_carry and self.bidirectional:
            raise ValueError("return_carry needs a unidirectional encoder")
        super().__post_init__()

    def _inits(self) -> dict:
        if self.weight_init == "torch":
            u = uniform(1.0 / float(self.hidden_size) ** 0.5)
            return {"kernel_init": u, "recurrent_kernel_init": u, "bias_init": u}
        # flax's own default recurrent init, but safe to vmap over replicas (see initializers.orthogonal)
        return {"kernel_init": lecun_normal, "recurrent_kernel_init": orthogonal}

    def _rnn(self, name: str) -> nn.RNN:
        # the cell is adopted by the scope that builds it, so it carries the readable name
        return nn.RNN(CELLS[self.cell](int(self.hidden_size), dtype=self.dtype, name=name, **self._inits()))

    def _gru(self, name: str, reverse: bool = False) -> GRULayer:
        # the same function and parameters as _rnn's GRU direction, a faster program on XLA:CPU
        # (models/gru_layer.py); other backends run flax's cell
        return GRULayer(int(self.hidden_size), reverse, self.dtype, name=name, **self._inits())

    @nn.compact
    def __call__(self, x: jax.Array, lengths: jax.Array | None = None) -> jax.Array:
        batch, steps = x.shape[:2]
        padded = lengths  # None: no sequence is padded, which the GRU layer runs without flipping or masking
        if lengths is None:
            lengths = jnp.full((batch,), steps, jnp.int32)
        mask = valid_mask(lengths, steps)[..., None].astype(self.dtype)
        h = x.astype(self.dtype)
        carry = None
        for i in range(int(self.num_layers)):
            if self.cell == "gru" and not self.return_carry and self.backend == "cpu":
                out = self._gru(f"forward_{i}")(h, padded)
                if self.bidirectional:
                    out = jnp.concatenate([out, self._gru(f"backward_{i}", reverse=True)(h, padded)], axis=-1)
                h = out if padded is None else out * mask
                continue
            if self.bidirectional:
                layer = nn.Bidirectional(self._rnn(f"forward_{i}"), self._rnn(f"backward_{i}"))
            else:
                layer = self._rnn(f"forward_{i}")
            if self.return_carry:  # nn.RNN picks each sequence's carry at its last valid step
                carry, h = layer(h, seq_lengths=lengths, return_carry=True)
            else:
                h = layer(h, seq_lengths=lengths)
            h = h * mask
        return (carry, h) if self.return_carry else h


def pool(outputs: jax.Array, lengths: jax.Array, head: str, bidirectional: bool) -> jax.Array:
    """outputs [B, T, D] (zero at padding), lengths [B] -> features [B, D] ("last", "mean") or [B, T*D].

    "last": the forward state after each sequence's last valid step, concatenated (bidirectional) with
    the backward state after reading back to step 0 (its output at position 0).
    """
    batch, steps, width = outputs.shape
    if head == "flatten":
        return outputs.reshape(batch, steps * width)
    if head == "mean":
        return outputs.sum(1) / jnp.maximum(lengths, 1)[:, None].astype(outputs.dtype)
    last = outputs[jnp.arange(batch), jnp.maximum(lengths, 1) - 1]
    if not bidirectional:
        return last
    half = width // 2
    return jnp.concatenate([last[:, :half], outputs[:, 0, half:]], axis=-1)


class RNNClassifier(nn.Module):
    """Recurrent classifier -> logits float32 [B, num_classes].

    With vocab_size == 0 the inputs are real sequences [B, T] or [B, T, F] of full length T. With
    vocab_size > 0 they are int token ids [B, T], `pad_id` marking padding at the end: each sequence's
    length is its count of non-pad tokens, and the ids are embedded (embed_dim) first.
    The head ("last", "mean" over valid steps, or "flatten" all T steps) feeds one Dense layer.
    """

    num_classes: int
    cell: str = "lstm"
    hidden_size: int = 64
    num_layers: int = 1
    bidirectional: bool = False
    head: str = "last"
    vocab_size: int = 0
    embed_dim: int = 64
    pad_id: int = 0
    dropout: float = 0.0
    dtype: Any = jnp.float32
    weight_init: str = "flax"  # "flax" or "torch" (PyTorch's defaults): see RNNEncoder and initializers.dense_init
    backend: str = "cpu"  # XLA backend the program is built for; build_model sets jax.default_backend()

    def __post_init__(self):
        _check(self.cell, self.hidden_size, self.num_layers, self.head, self.weight_init)
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if int(self.vocab_size) < 0 or (self.vocab_size and int(self.embed_dim) < 1):
            raise ValueError(f"vocab_size must be >= 0 and embed_dim >= 1, got {self.vocab_size}, {self.embed_dim}")
        super().__post_init__()

    @nn.compact
    def __call__(self, x: jax.Array, *, train: bool = False) -> jax.Array:
        if self.vocab_size:
            tokens = x.astype(jnp.int32)
            lengths = jnp.sum(tokens != self.pad_id, axis=1)
            h = nn.Embed(int(self.vocab_size), int(self.embed_dim), dtype=self.dtype)(tokens)
        else:
            h = x[..., None] if x.ndim == 2 else x  # [B, T] -> [B, T, 1]
            lengths = jnp.full((x.shape[0],), x.shape[1], jnp.int32)
        if self.dropout > 0.0:
            h = nn.Dropout(self.dropout, deterministic=not train)(h)
        outputs = RNNEncoder(self.cell, self.hidden_size, self.num_layers, self.bidirectional, self.dtype,
                             self.weight_init, backend=self.backend)(h, lengths if self.vocab_size else None)
        features = pool(outputs, lengths, self.head, self.bidirectional)
        if self.dropout > 0.0:
            features = nn.Dropout(self.dropout, deterministic=not train)(features)
        head_init = dense_init(self.weight_init, features.shape[-1])
        logits = nn.Dense(self.num_classes, dtype=self.dtype, **head_init)(features)
        return logits.astype(jnp.float32)
