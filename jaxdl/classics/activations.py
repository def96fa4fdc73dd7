"""Activations with their derivatives written out by hand, for the hand-written backward pass.

Each entry pairs the model's activation `jaxdl.models.activations.ACTIVATIONS[name]` (flax's definitions)
with its derivative, derived by hand. The derivative takes both the pre-activation `z` and the output
`a = fn(z)`, because several derivatives are cheapest in terms of the output (sigmoid: a(1-a), tanh: 1-a²).
At kinks the derivative is the one `jax.grad` uses: relu'(0) = 0, leaky_relu'(0) = 1, elu'(0) = 1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.errors import UserError
from jaxdl.models.activations import ACTIVATIONS as FLAX_ACTIVATIONS

LEAKY_SLOPE = 0.01  # flax/jax leaky_relu default negative slope
_GELU_C = 0.044715  # the tanh approximation of GELU, flax's default (approximate=True)


class Activation(NamedTuple):
    """fn(z) -> a and derivative(z, a) -> da/dz, both elementwise on arrays of any shape."""

    fn: Callable[[jax.Array], jax.Array]
    derivative: Callable[[jax.Array, jax.Array], jax.Array]


def _gelu_derivative(z, a):
    # gelu(z) = z Φ(z) with Φ(z) ≈ ½(1 + tanh u), u = √(2/π)(z + c z³)  (flax's default, approximate=True)
    # d/dz [z Φ] = Φ + z Φ',  Φ' = ½ (1 - tanh²u) · √(2/π)(1 + 3c z²)
    k = np.sqrt(2 / np.pi).astype(z.dtype)
    t = jnp.tanh(k * (z + _GELU_C * z**3))
    return 0.5 * (1.0 + t) + z * (0.5 * (1.0 - t * t) * k * (1.0 + 3 * _GELU_C * z * z))


def _silu_derivative(z, a):
    s = jax.nn.sigmoid(z)  # silu(z) = z σ(z) -> σ + z σ (1 - σ)
    return s * (1.0 + z * (1.0 - s))


def _pair(name: str, derivative) -> Activation:
    # The forward function is the model's own (so both paths compute identical activations); only the
    # derivative is ours.
    return Activation(FLAX_ACTIVATIONS[name], derivative)


ACTIVATIONS: dict[str, Activation] = {
    "identity": _pair("identity", lambda z, a: jnp.ones_like(z)),
    "relu": _pair("relu", lambda z, a: (z > 0).astype(z.dtype)),  # max(z, 0)
    "leaky_relu": _pair("leaky_relu", lambda z, a: jnp.where(z >= 0, 1.0, LEAKY_SLOPE).astype(z.dtype)),
    "sigmoid": _pair("sigmoid", lambda z, a: a * (1.0 - a)),  # σ' = σ(1 - σ)
    "tanh": _pair("tanh", lambda z, a: 1.0 - a * a),  # tanh' = 1 - tanh²
    "gelu": _pair("gelu", _gelu_derivative),
    "silu": _pair("silu", _silu_derivative),
    # elu(z) = z for z > 0, e^z - 1 otherwise -> derivative 1, or e^z = a + 1
    "elu": _pair("elu", lambda z, a: jnp.where(z > 0, 1.0, a + 1.0).astype(z.dtype)),
}
assert set(ACTIVATIONS) == set(FLAX_ACTIVATIONS), "every model activation needs a hand derivative"


def get_activation(name: str | Activation) -> Activation:
    """The hand activation called `name` (an Activation passes through); UserError naming choices."""
    if isinstance(name, Activation):
        return name
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise UserError(f"unknown activation {name!r}; choose one of: {', '.join(ACTIVATIONS)}") from None
