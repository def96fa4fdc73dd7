"""Encoder-decoder over token ids: an `RNNEncoder` (Flax LSTM/GRU cells), a decoder cell scanned over the
output steps, optional dot-product (Luong "general") attention over the encoder states.

Training feeds the decoder the true previous token (teacher forcing); evaluation feeds back its own argmax
(greedy decoding). Both run the same scanned step, so the parameters are shared by construction.
Token id conventions (jaxdl.data.addition_builder, jaxdl.data.text.SEQ2SEQ_SPECIALS): 0 padding, 1 the
decoder's start token, 2 end.
"""

from __future__ import annotations

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxdl.models.initializers import lecun_normal, orthogonal
from jaxdl.models.rnn import CELLS, RNNEncoder, valid_mask

PAD_ID, BOS_ID, EOS_ID = 0, 1, 2


def reverse_valid(x: jax.Array, lengths: jax.Array) -> jax.Array:
    """x [B, T, ...] with each row's first lengths[b] positions reversed, the rest in place."""
    t = jnp.arange(x.shape[1])[None, :]
    index = jnp.where(t < lengths[:, None], lengths[:, None] - 1 - t, t)
    index = index.reshape(*index.shape, *(1,) * (x.ndim - 2))
    return jnp.take_along_axis(x, index, axis=1)


def answer_lengths(tokens: jax.Array) -> jax.Array:
    """tokens [B, T] -> int32 [B]: the position of each row's first EOS (T where there is none)."""
    is_eos = tokens == EOS_ID
    return jnp.where(is_eos.any(1), jnp.argmax(is_eos, 1), tokens.shape[1]).astype(jnp.int32)


class DecoderStep(nn.Module):
    """One output step: (carry, token [B]) -> (carry, logits [B, V]).

    carry = (cell state, previous prediction [B] int32). In greedy mode the step's input token is the
    previous prediction; otherwise the given (teacher) token.
    """

    vocab_size: int
    cell: str
    hidden_size: int
    embed_dim: int
    attention: bool
    greedy: bool
    dtype: Any = jnp.float32

    @nn.compact
    def __call__(self, carry, token, enc_states, enc_mask):
        state, previous = carry
        token = previous if self.greedy else token
        x = nn.Embed(self.vocab_size, self.embed_dim, dtype=self.dtype, name="embed")(token)
        cell = CELLS[self.cell](self.hidden_size, dtype=self.dtype, kernel_init=lecun_normal,
                                recurrent_kernel_init=orthogonal, name="cell")  # vmap-safe, see orthogonal
        state, h = cell(state, x)
        if self.attention:  # enc_states [B, Tin, D], enc_mask [B, Tin]
            query = nn.Dense(enc_states.shape[-1], use_bias=False, dtype=self.dtype, name="query")(h)
            scores = jnp.einsum("bd,btd->bt", query, enc_states)
            weights = jax.nn.softmax(jnp.where(enc_mask > 0, scores, -1e9), axis=-1)
            context = jnp.einsum("bt,btd->bd", weights, enc_states)
            h = jnp.tanh(nn.Dense(self.hidden_size, dtype=self.dtype, name="combine")(
                jnp.concatenate([h, context], -1)))
        logits = nn.Dense(self.vocab_size, dtype=self.dtype, kernel_init=lecun_normal, name="out")(h)
        return (state, jnp.argmax(logits, -1).astype(jnp.int32)), logits.astype(jnp.float32)


class Seq2Seq(nn.Module):
    """inputs int32 [B, Tin] (padding at the end) -> logits float32 [B, Tout, vocab_size].

    `__call__(inputs, targets)` decodes with teacher forcing (decoder input at step t is targets[:, t-1],
    BOS at t = 0); `__call__(inputs, targets, greedy=True)` feeds back its own predictions and uses
    targets only for its length Tout. `decode(inputs, length)` -> int32 [B, length] greedy tokens.
    The decoder starts from the encoder's whole final cell state (LSTM: c and h) after each sequence's
    last valid step, not the state after the padding.

    `reverse_source`: the encoder reads each source's valid tokens in reverse order (padding stays at
    the end), Sutskever et al. 2014's trick: the first target tokens then depend on the source tokens
    read last, a short path for the gradient.
    `reverse_target`: the decoder writes each answer's tokens before EOS in reverse order (for addition:
    least significant digit first, so every digit needs only the digits read so far and one carry);
    the returned logits are put back in the target order, so losses and metrics compare the same
    tokens. Greedy decoding reverses by its own predicted length (up to its first EOS).
    """

    num_classes: int  # the vocabulary size (shared by inputs and outputs)
    cell: str = "lstm"
    hidden_size: int = 128
    embed_dim: int = 32
    attention: bool = False
    reverse_source: bool = False
    reverse_target: bool = False
    dtype: Any = jnp.float32

    def __post_init__(self):
        if self.cell not in CELLS:
            raise ValueError(f"unknown cell {self.cell!r}; choose one of: {', '.join(CELLS)}")
        if int(self.hidden_size) < 1 or int(self.embed_dim) < 1:
            raise ValueError(f"hidden_size and embed_dim must be >= 1, got {self.hidden_size}, {self.embed_dim}")
        super().__post_init__()

    @nn.compact
    def __call__(self, inputs, targets, *, greedy: bool = False, train: bool = False):
        del train  # no dropout
        inputs = inputs.astype(jnp.int32)
        lengths = jnp.sum(inputs != PAD_ID, axis=1)
        if self.reverse_source:
            inputs = reverse_valid(inputs, lengths)
        x = nn.Embed(self.num_classes, self.embed_dim, dtype=self.dtype, name="embed")(inputs)
        encoder = RNNEncoder(self.cell, self.hidden_size, 1, False, self.dtype, return_carry=True, name="encoder")
        state, enc_states = encoder(x, lengths)  # state: the cell state after each last valid step
        batch = inputs.shape[0]
        targets = targets.astype(jnp.int32)
        if self.reverse_target and not greedy:
            targets = reverse_valid(targets, answer_lengths(targets))
        teacher = jnp.concatenate([jnp.full((batch, 1), BOS_ID, jnp.int32), targets[:, :-1]], 1)
        scan = nn.scan(DecoderStep, variable_broadcast="params", split_rngs={"params": False},
                       in_axes=(1, nn.broadcast, nn.broadcast), out_axes=1)
        step = scan(self.num_classes, self.cell, int(self.hidden_size), int(self.embed_dim), self.attention,
                    greedy, self.dtype, name="decoder")
        start = (state, jnp.full((batch,), BOS_ID, jnp.int32))
        _, logits = step(start, teacher, enc_states, valid_mask(lengths, inputs.shape[1]))
        if self.reverse_target:  # back to target order: by the true answer length, or the predicted one
            answer = answer_lengths(jnp.argmax(logits, -1) if greedy else targets)
            logits = reverse_valid(logits, answer)
        return logits

    def decode(self, inputs, length: int):
        """Greedy decoding: int32 [B, length] argmax tokens (call via `model.apply(..., method="decode")`)."""
        dummy = jnp.zeros((inputs.shape[0], length), jnp.int32)
        return jnp.argmax(self(inputs, dummy, greedy=True), -1).astype(jnp.int32)
