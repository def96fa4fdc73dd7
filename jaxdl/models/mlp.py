"""Multi-layer perceptron classifier; logistic regression is the MLP with no hidden layer."""

from collections.abc import Sequence
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxdl.models.activations import get_activation
from jaxdl.models.initializers import INITS, dense_init


class MLP(nn.Module):
    """Dense stack on flattened inputs: x [B, ...] -> logits float32 [B, num_classes].

    Each hidden layer is `h = act(Dense(h))`; with `residual=True` a hidden layer whose width equals the
    previous hidden layer's becomes `h = h + act(Dense(h))` (the MNIST-1D paper's MLPBase, whose
    40-100-100-10 net has 15,210 parameters). The input never gets a skip connection. Dropout (rate
    `dropout`, rng stream 'dropout', train mode only) follows each hidden layer.
    """

    num_classes: int
    hidden_sizes: Sequence[int] = (100, 100)
    activation: str = "relu"
    residual: bool = False
    dropout: float = 0.0
    dtype: Any = jnp.float32  # compute dtype; params stay float32
    weight_init: str = "flax"  # "flax" (lecun-normal, zero bias) or "torch" (nn.Linear's U(±1/sqrt(fan_in)))

    def __post_init__(self):
        get_activation(self.activation)
        if self.weight_init not in INITS:
            raise ValueError(f"unknown weight_init {self.weight_init!r}; choose one of: {', '.join(INITS)}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if any(int(w) < 1 for w in self.hidden_sizes):
            raise ValueError(f"hidden_sizes must be positive, got {list(self.hidden_sizes)}")
        super().__post_init__()

    @nn.compact
    def __call__(self, x: jax.Array, *, train: bool = False) -> jax.Array:
        act = get_activation(self.activation)
        h = jnp.reshape(x, (x.shape[0], -1)).astype(self.dtype)
        for i, width in enumerate(self.hidden_sizes):
            y = act(nn.Dense(int(width), dtype=self.dtype, **dense_init(self.weight_init, h.shape[-1]))(h))
            h = h + y if self.residual and i > 0 and h.shape[-1] == y.shape[-1] else y
            if self.dropout > 0.0:
                h = nn.Dropout(self.dropout, deterministic=not train)(h)
        logits = nn.Dense(self.num_classes, dtype=self.dtype, **dense_init(self.weight_init, h.shape[-1]))(h)
        return logits.astype(jnp.promote_types(self.dtype, jnp.float32))  # float64 stays (gradcheck)
