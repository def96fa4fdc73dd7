"""`GRULayer`: one direction of a GRU over a whole sequence, the same function and parameters as flax's
`nn.RNN(nn.GRUCell)`, written so that XLA:CPU runs each of its loops as one compiled kernel.

Why (measured on a 2-core CPU, the MNIST-1D bidirectional GRU, hidden 6, 40 steps, batch 100, 5 replicas;
experiments/RESULTS.md): a tiny recurrence is bound by per-op overhead, not by FLOPs. Through flax's cell
every step is ~20 XLA ops forward and ~30 backward (three 6x6 matmuls, their weight-gradient matmuls
and accumulations, one dynamic-update-slice per saved activation). Here:

- the input projections of all time steps are one matmul before the loop;
- the recurrent product `h @ U` of a small hidden size (<= `SMALL_HIDDEN`) is written out as `hidden`
  broadcast multiply-adds: a loop without a matmul, which XLA:CPU compiles into one kernel when its
  small-loop threshold allows (jaxdl.platform.configure() raises it), instead of dispatching every op of every step;
- inside the loops arrays are feature-major ([T, C, B], state [H, B]) so each step's elementwise work runs
  along the batch, the vectorisable dimension;
- a hand-written backward pass (`jax.custom_vjp`) saves the activations it needs, computes only the
  per-step cotangents in its loop, and the weight gradients as one matmul over all time steps after it
  (autodiff of a scan accumulates them step by step inside the loop).

Math (flax's GRUCell): r = s(x Wir + bir + h Uhr), z = s(x Wiz + biz + h Uhz),
n = tanh(x Win + bin + r * (h Uhn + bhn)), h' = (1 - z) n + z h.
"""

from __future__ import annotations

import functools
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
from flax.linen.recurrent import flip_sequences

# Up to this hidden size the recurrent product is unrolled into broadcast multiplies (one fused kernel per
# step); above it a matmul is cheaper than hidden-many passes over the state.
SMALL_HIDDEN = 16


def _small_matmul(w: jax.Array, x: jax.Array, hidden: int) -> jax.Array:
    """w [I, O], x [I, B] -> w.T @ x [O, B]; unrolled over I when hidden <= SMALL_HIDDEN (module docstring)."""
    if hidden > SMALL_HIDDEN:
        return w.T @ x
    out = w[0][:, None] * x[0][None, :]
    for i in range(1, x.shape[0]):
        out = out + w[i][:, None] * x[i][None, :]
    return out


def _sigmoid(x: jax.Array) -> jax.Array:
    # the same function as jax.nn.sigmoid through tanh, which XLA:CPU evaluates without a division
    return 0.5 * jnp.tanh(0.5 * x) + 0.5


def _slice(a: jax.Array, t) -> jax.Array:
    """a [T, C, B] -> a[t] [C, B]."""
    return jax.lax.dynamic_index_in_dim(a, t, axis=0, keepdims=False)


def _put(a: jax.Array, t, v: jax.Array) -> jax.Array:
    """a [T, C, B] with a[t] = v [C, B]."""
    return jax.lax.dynamic_update_index_in_dim(a, v, t, axis=0)


def _time(s, steps: int, reverse: bool):
    return steps - 1 - s if reverse else s


# Inside the loops every array is feature-major, [T, C, B] and state [H, B]: the batch is the minor
# dimension, so each step's elementwise kernel runs along B (vectorisable) instead of along H = 6.
def _forward(gi, u, bhn, h0, reverse):
    """gi [T, 3H, B], h0 [H, B] -> saved dict of [T, H, B]: h (outputs), hp (state before the step), r, z,
    n, a (= Uhn h + bhn). Steps run t = 0..T-1, or T-1..0 with `reverse`."""
    steps, _, batch = gi.shape
    hidden = h0.shape[0]
    zeros = jnp.zeros((steps, hidden, batch), gi.dtype)
    names = ("h", "hp", "r", "z", "n", "a")
    bhn = bhn[:, None]

    def body(s, carry):
        h, saved = carry
        t = _time(s, steps, reverse)
        g = _slice(gi, t)
        gh = _small_matmul(u, h, hidden)
        r = _sigmoid(g[:hidden] + gh[:hidden])
        z = _sigmoid(g[hidden:2 * hidden] + gh[hidden:2 * hidden])
        a = gh[2 * hidden:] + bhn
        n = jnp.tanh(g[2 * hidden:] + r * a)
        new = (1.0 - z) * n + z * h
        values = dict(h=new, hp=h, r=r, z=z, n=n, a=a)
        return new, {k: _put(saved[k], t, values[k]) for k in names}

    _, saved = jax.lax.fori_loop(0, steps, body, (h0, {k: zeros for k in names}))
    return saved


@functools.partial(jax.custom_vjp, nondiff_argnums=(4,))
def gru_sequence(gi: jax.Array, u: jax.Array, bhn: jax.Array, h0: jax.Array, reverse: bool = False) -> jax.Array:
    """The GRU state after every step, feature-major: gi [T, 3H, B] input projections (W x + b), u [H, 3H]
    recurrent kernels (r | z | n), bhn [H], h0 [H, B] -> outputs [T, H, B]. With `reverse` the steps run
    from T-1 down to 0 (outputs stay in input order)."""
    return _forward(gi, u, bhn, h0, reverse)["h"]


def _fwd(gi, u, bhn, h0, reverse):
    saved = _forward(gi, u, bhn, h0, reverse)
    return saved["h"], (saved, u)


def _bwd(reverse, res, d_out):
    saved, u = res
    steps, hidden, batch = d_out.shape
    u_t = u.T  # [3H, H]

    def body(s, carry):
        dh, d_gi, d_a = carry
        t = _time(steps - 1 - s, steps, reverse)  # the forward steps, last first
        hp, r, z, n, a = (_slice(saved[k], t) for k in ("hp", "r", "z", "n", "a"))
        g = _slice(d_out, t) + dh
        dn = g * (1.0 - z) * (1.0 - n * n)
        dz = g * (hp - n) * z * (1.0 - z)
        dr = dn * a * r * (1.0 - r)
        da = dn * r
        dgh = jnp.concatenate([dr, dz, da], axis=0)  # cotangent of u.T @ h, [3H, B]
        dh = g * z + _small_matmul(u_t, dgh, hidden)
        return dh, _put(d_gi, t, jnp.concatenate([dr, dz, dn], axis=0)), _put(d_a, t, da)

    init = (jnp.zeros((hidden, batch), d_out.dtype), jnp.zeros((steps, 3 * hidden, batch), d_out.dtype),
            jnp.zeros((steps, hidden, batch), d_out.dtype))
    dh0, d_gi, d_a = jax.lax.fori_loop(0, steps, body, init)
    dgh = jnp.concatenate([d_gi[:, :2 * hidden], d_a], axis=1)
    du = jnp.einsum("thb,tgb->hg", saved["hp"], dgh)  # all steps' weight gradients in one matmul
    dbhn = jnp.sum(d_a, axis=(0, 2))
    return d_gi, du.astype(u.dtype), dbhn.astype(u.dtype), dh0


gru_sequence.defvjp(_fwd, _bwd)


class _Affine(nn.Module):
    """The parameters of an `nn.Dense` (same names, shapes, init order), returned instead of applied."""

    features: int
    use_bias: bool
    kernel_init: Any
    bias_init: Any

    @nn.compact
    def __call__(self, in_features: int):
        kernel = self.param("kernel", self.kernel_init, (in_features, self.features), jnp.float32)
        bias = self.param("bias", self.bias_init, (self.features,), jnp.float32) if self.use_bias else None
        return kernel, bias


class GRULayer(nn.Module):
    """x [B, T, F] -> outputs [B, T, H]: flax's `nn.RNN(nn.GRUCell(H))` (or, with `reverse`, its backward
    direction: each sequence's valid part read backwards, outputs in input order), same parameter tree
    (ir, iz, in, hr, hz, hn), same values from the same key. `lengths` int [B], or None when no
    sequence is padded: outputs at padded positions are undefined (the encoder zeroes them). Starts from
    a zero state."""

    hidden_size: int
    reverse: bool = False
    dtype: Any = jnp.float32
    kernel_init: Any = nn.initializers.lecun_normal()
    recurrent_kernel_init: Any = nn.initializers.orthogonal()
    bias_init: Any = nn.initializers.zeros_init()

    @nn.compact
    def __call__(self, x: jax.Array, lengths: jax.Array | None = None) -> jax.Array:
        hidden = int(self.hidden_size)
        inp = [_Affine(hidden, True, self.kernel_init, self.bias_init, name=k)(x.shape[-1])
               for k in ("ir", "iz", "in")]
        rec = [_Affine(hidden, k == "hn", self.recurrent_kernel_init, self.bias_init, name=k)(hidden)
               for k in ("hr", "hz", "hn")]
        w = jnp.concatenate([k for k, _ in inp], axis=1).astype(self.dtype)
        b = jnp.concatenate([b for _, b in inp]).astype(self.dtype)
        u = jnp.concatenate([k for k, _ in rec], axis=1).astype(self.dtype)
        bhn = rec[2][1].astype(self.dtype)
        x = x.astype(self.dtype)
        padded = self.reverse and lengths is not None
        if padded:  # read each sequence's valid part backwards, as nn.RNN(reverse=True, keep_order=True)
            x = flip_sequences(x, lengths, num_batch_dims=1, time_major=False)
        # every step's input projection in one matmul, straight into the loop's [T, 3H, B] layout
        gi = jnp.einsum("btf,fg->tgb", x, w) + b[:, None]
        h0 = jnp.zeros((hidden, x.shape[0]), self.dtype)
        out = jnp.transpose(gru_sequence(gi, u, bhn, h0, self.reverse and not padded), (2, 0, 1))  # [B, T, H]
        if padded:
            out = flip_sequences(out, lengths, num_batch_dims=1, time_major=False)
        return out
