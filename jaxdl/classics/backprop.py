"""Backpropagation written out by hand for `jaxdl.models.MLP`: no `jax.grad` anywhere in this file.

The network, for hidden layers l = 0..L-1 and h₀ = x flattened to [B, D]:

    z_l = h_l W_l + b_l            (Dense_l: kernel W_l [d_l, d_{l+1}], bias b_l [d_{l+1}])
    a_l = act(z_l)
    h_{l+1} = a_l                  (or h_l + a_l for a residual layer: l > 0 and equal widths)
    logits = h_L W_L + b_L         (Dense_L)
    loss = mean_b  -Σ_c t_bc log softmax(logits)_bc

and the backward pass applies the chain rule layer by layer, last to first:

    ∂loss/∂logits = (softmax(logits) - t) / B                      [B, C]
    ∂W_L = h_Lᵀ ∂logits,   ∂b_L = Σ_b ∂logits,   ∂h_L = ∂logits W_Lᵀ
    ∂z_l = ∂h_{l+1} ⊙ act'(z_l)                                    (elementwise)
    ∂W_l = h_lᵀ ∂z_l,      ∂b_l = Σ_b ∂z_l,      ∂h_l = ∂z_l W_lᵀ (+ ∂h_{l+1} if residual)

Parameters use exactly the flax layout of `jaxdl.models.MLP` ({"Dense_i": {"kernel", "bias"}}), so both
paths start from the same `model.init` parameters. Computation runs in the parameters' dtype (float32 for
training, float64 under the gradient checker).
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from jaxdl.classics.activations import Activation, get_activation
from jaxdl.errors import UserError
from jaxdl.models.mlp import MLP

Params = dict[str, dict[str, jax.Array]]


class Layer(NamedTuple):
    """What the forward pass keeps of hidden layer l for the backward pass."""

    h: jax.Array  # layer input [B, d_l]
    z: jax.Array  # pre-activation [B, d_{l+1}]
    a: jax.Array  # activation [B, d_{l+1}]
    residual: bool  # static: h_{l+1} = h_l + a_l


class Cache(NamedTuple):
    hidden: tuple[Layer, ...]  # one per hidden layer, first to last
    h_last: jax.Array  # input of the output layer [B, d_L]


def dense(h: jax.Array, layer: dict[str, jax.Array]) -> jax.Array:
    """h [B, d_in] @ kernel [d_in, d_out] + bias [d_out] -> [B, d_out] (flax Dense's contraction)."""
    return jnp.dot(h, layer["kernel"]) + layer["bias"]


def dense_backward(h: jax.Array, layer: dict[str, jax.Array], dy: jax.Array, need_dh: bool = True):
    """Gradients of y = h W + b given dy = ∂loss/∂y [B, d_out]: ({"kernel", "bias"}, ∂loss/∂h or None)."""
    grads = {"kernel": jnp.dot(h.T, dy), "bias": jnp.sum(dy, axis=0)}
    return grads, (jnp.dot(dy, layer["kernel"].T) if need_dh else None)


def softmax_cross_entropy(logits: jax.Array, targets: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Mean cross-entropy of logits [B, C] against target distributions [B, C], and ∂loss/∂logits [B, C].

    Same definition as `optax.softmax_cross_entropy(logits, targets).mean()`: log-softmax with the row max
    subtracted first, so exp never overflows.
    """
    shifted = logits - jnp.max(logits, axis=-1, keepdims=True)  # the max is a constant: no gradient
    exp = jnp.exp(shifted)
    total = jnp.sum(exp, axis=-1, keepdims=True)
    log_probs = shifted - jnp.log(total)
    loss = jnp.mean(-jnp.sum(targets * log_probs, axis=-1))
    # Chain rule, last operation first. The result is (softmax - targets) / B (targets sum to 1), but written
    # in these steps it rounds exactly as jax.grad of the forward above does (measured: bitwise on CPU).
    dlog_probs = targets * -(1.0 / logits.shape[0])  # through the mean over B and the minus sign
    dtotal = -jnp.sum(dlog_probs, axis=-1, keepdims=True) / total  # log_probs = shifted - log(total)
    return loss, dlog_probs + dtotal * exp  # shifted feeds log_probs directly and through total = Σ exp


@dataclasses.dataclass(frozen=True)
class HandMLP:
    """`jaxdl.models.MLP` (hidden_sizes, activation, residual; no dropout) with a hand-written backward pass.

    Usable where the task expects the flax module: `init` is the flax module's own (same parameters),
    `apply` runs the hand forward pass.
    """

    hidden_sizes: tuple[int, ...]
    activation: str | Activation = "relu"
    residual: bool = False
    module: Any = None  # the flax MLP whose `init` gives the parameters

    @classmethod
    def from_module(cls, model: MLP) -> HandMLP:
        if not isinstance(model, MLP):
            raise UserError(f"hand backprop implements the 'mlp' and 'logreg' models, not {type(model).__name__}")
        if model.dropout:
            raise UserError("hand backprop has no dropout; set model.dropout=0")
        if jnp.dtype(model.dtype) != jnp.float32:
            raise UserError(f"hand backprop computes in the parameters' float32, not {jnp.dtype(model.dtype)}")
        return cls(tuple(int(w) for w in model.hidden_sizes), model.activation, model.residual, model)

    def init(self, rngs, x, **kwargs):
        return self.module.init(rngs, x, **kwargs)

    def apply(self, variables, x, **kwargs):
        """Logits [B, C] of inputs [B, ...] (flax-style call; train/rngs/mutable are ignored: no dropout)."""
        return self.forward(variables["params"], x)[0]

    def forward(self, params: Params, x: jax.Array) -> tuple[jax.Array, Cache]:
        """x [B, ...] -> (logits [B, C], Cache of every layer's input, pre-activation and activation)."""
        act = get_activation(self.activation)
        n = len(self.hidden_sizes)
        if len(params) != n + 1:
            raise UserError(f"params hold {len(params)} Dense layers, this MLP has {n + 1}")
        h = jnp.reshape(x, (x.shape[0], -1)).astype(params["Dense_0"]["kernel"].dtype)
        hidden = []
        for i in range(n):
            z = dense(h, params[f"Dense_{i}"])
            a = act.fn(z)
            skip = self.residual and i > 0 and h.shape[-1] == a.shape[-1]  # the same rule as jaxdl's MLP
            hidden.append(Layer(h, z, a, skip))
            h = h + a if skip else a
        return dense(h, params[f"Dense_{n}"]), Cache(tuple(hidden), h)

    def backward(self, params: Params, cache: Cache, dlogits: jax.Array) -> Params:
        """∂loss/∂params, the same pytree as params, from ∂loss/∂logits [B, C] and the forward's cache."""
        act = get_activation(self.activation)
        n = len(cache.hidden)
        grads = {}
        grads[f"Dense_{n}"], dh = dense_backward(cache.h_last, params[f"Dense_{n}"], dlogits, need_dh=n > 0)
        for i in reversed(range(n)):
            layer = cache.hidden[i]
            dz = dh * act.derivative(layer.z, layer.a)  # through the activation, elementwise
            grads[f"Dense_{i}"], dh_in = dense_backward(layer.h, params[f"Dense_{i}"], dz, need_dh=i > 0)
            if i > 0:  # the input's gradient is never needed
                dh = dh_in + dh if layer.residual else dh_in
        return grads

    def loss_and_grad(self, params: Params, x: jax.Array, targets: jax.Array):
        """(mean loss [], logits [B, C], grads) of softmax cross-entropy against targets [B, C]."""
        logits, cache = self.forward(params, x)
        loss, dlogits = softmax_cross_entropy(logits, targets.astype(logits.dtype))
        return loss, logits, self.backward(params, cache, dlogits)
