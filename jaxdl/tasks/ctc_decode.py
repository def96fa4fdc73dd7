"""CTC decoding and the edit distance that scores it.

`greedy_decode` and `edit_distance` are pure jnp (they run inside the compiled evaluation); `beam_search`
is numpy on the host (prefix beam search, used by `jaxdl transcribe`). Token 0 is the blank.
"""

from __future__ import annotations

import collections

import jax
import jax.numpy as jnp
import numpy as np

BLANK = 0


def greedy_decode(logits: jax.Array, lengths: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Best path: argmax per frame, repeats collapsed, blanks dropped.

    logits [B, T, C], lengths int [B] valid frames -> (tokens int32 [B, T] left-aligned, 0 after the end,
    counts int32 [B])."""
    batch, steps = logits.shape[:2]
    best = jnp.argmax(logits, -1).astype(jnp.int32)
    previous = jnp.concatenate([jnp.full((batch, 1), -1, jnp.int32), best[:, :-1]], axis=1)
    keep = (best != previous) & (best != BLANK) & (jnp.arange(steps)[None, :] < lengths[:, None])
    position = jnp.where(keep, jnp.cumsum(keep, axis=1) - 1, steps)  # dropped frames go out of bounds
    rows = jnp.broadcast_to(jnp.arange(batch)[:, None], (batch, steps))
    tokens = jnp.zeros((batch, steps), jnp.int32).at[rows, position].set(best, mode="drop")
    return tokens, keep.sum(1).astype(jnp.int32)


def edit_distance(hyp: jax.Array, hyp_len: jax.Array, ref: jax.Array, ref_len: jax.Array) -> jax.Array:
    """Levenshtein distance int32 [B] (insertions, deletions, substitutions cost 1) between hyp [B, H] and
    ref [B, R], each valid up to its length [B]. A scan over hypothesis positions; R is unrolled."""
    batch, ref_steps = ref.shape
    first = jnp.broadcast_to(jnp.arange(ref_steps + 1, dtype=jnp.int32), (batch, ref_steps + 1))

    def row(prev, inputs):
        i, token = inputs  # hypothesis position i, tokens [B]
        cols = [prev[:, 0] + 1]
        for j in range(1, ref_steps + 1):
            substitute = prev[:, j - 1] + (token != ref[:, j - 1]).astype(jnp.int32)
            cols.append(jnp.minimum(jnp.minimum(prev[:, j] + 1, cols[-1] + 1), substitute))
        new = jnp.stack(cols, axis=1)
        return jnp.where((i < hyp_len)[:, None], new, prev), None

    last, _ = jax.lax.scan(row, first, (jnp.arange(hyp.shape[1]), hyp.T))
    return jnp.take_along_axis(last, ref_len[:, None].astype(jnp.int32), axis=1)[:, 0]


def edit_distance_py(a, b) -> int:
    """Levenshtein distance of two sequences, plain Python (the reference for tests and the host side)."""
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def beam_search(log_probs: np.ndarray, beam_width: int = 8) -> tuple[int, ...]:
    """CTC prefix beam search over log_probs [T, C] (log-softmax of one utterance's valid frames): the
    token sequence (blanks and repeats resolved) with the highest total probability among the beam.

    Each prefix keeps two log-probabilities: of all paths ending in blank, and ending in its last token.
    With beam_width 1 this is not greedy decoding: it sums over paths of the surviving prefix."""
    neg_inf = -np.inf
    beams = {(): (0.0, neg_inf)}  # prefix -> (log p ending in blank, log p ending in last token)
    for frame in np.asarray(log_probs, np.float64):
        nxt = collections.defaultdict(lambda: [neg_inf, neg_inf])
        for prefix, (p_b, p_nb) in beams.items():
            total = np.logaddexp(p_b, p_nb)
            entry = nxt[prefix]  # stays on the prefix by emitting blank, or repeating its last token
            entry[0] = np.logaddexp(entry[0], total + frame[BLANK])
            if prefix:
                entry[1] = np.logaddexp(entry[1], p_nb + frame[prefix[-1]])
            for c in range(len(frame)):
                if c == BLANK:
                    continue
                extended = nxt[(*prefix, c)]
                # a repeated token needs a blank in between: only paths ending in blank extend it
                source = p_b if prefix and prefix[-1] == c else total
                extended[1] = np.logaddexp(extended[1], source + frame[c])
        ranked = sorted(nxt.items(), key=lambda kv: -np.logaddexp(*kv[1]))[:beam_width]
        beams = {prefix: tuple(p) for prefix, p in ranked}
    return max(beams.items(), key=lambda kv: np.logaddexp(*kv[1]))[0]
