"""jaxdl's GRU layer (jaxdl/models/gru_layer.py) against Flax's nn.RNN(GRUCell), same parameters, timed in
one process: the MNIST-1D paper's bidirectional GRU (hidden 6, 40 steps, batch 100), K replicas vmapped,
one compiled `lax.scan` of STEPS gradient steps (forward, backward, SGD update) on a fixed batch.

    python experiments/gru_layer_timing.py [K] [STEPS]        # defaults 5 and 100

Repeats are interleaved (7 rounds, medians) because the machines are shared and noisy; the printed ratio
is the one figure to compare across machines. Both layers run with the XLA flags `jaxdl.platform.configure()` sets.
"""

import sys

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

import jaxdl.platform
from jaxdl.bench.measure import time_interleaved
from jaxdl.models.rnn import CELLS, RNNEncoder


class FlaxGRUEncoder(RNNEncoder):
    """RNNEncoder's GRU layers as Flax's nn.RNN over GRUCell (full-length sequences)."""

    @nn.compact
    def __call__(self, x, lengths=None):
        fwd = nn.RNN(CELLS["gru"](self.hidden_size, name="forward_0", **self._inits()))
        bwd = nn.RNN(CELLS["gru"](self.hidden_size, name="backward_0", **self._inits()))
        return nn.Bidirectional(fwd, bwd)(x)


def program(encoder, k: int, steps: int):
    x = jax.random.normal(jax.random.PRNGKey(0), (100, 40, 1))
    head = jax.random.normal(jax.random.PRNGKey(1), (40, 12))
    params = jax.vmap(lambda key: encoder.init(key, x))(jax.random.split(jax.random.PRNGKey(2), k))

    def loss(p):
        return jnp.mean(jnp.tanh(jnp.sum(encoder.apply(p, x) * head, axis=(1, 2))))

    def train(p):
        def step(p, _):
            g = jax.grad(loss)(p)
            return jax.tree_util.tree_map(lambda a, b: a - 0.01 * b, p, g), None
        return jax.lax.scan(step, p, None, length=steps)[0]

    return jax.jit(jax.vmap(train)), params  # (run, carry) for time_interleaved


def main(k: int = 5, steps: int = 100) -> None:
    kw = dict(cell="gru", hidden_size=6, bidirectional=True, weight_init="torch")
    runs = {"jaxdl GRULayer": program(RNNEncoder(**kw), k, steps),
            "flax nn.RNN(GRUCell)": program(FlaxGRUEncoder(**kw), k, steps)}
    times, _ = time_interleaved(runs, 7)
    med = {name: float(np.median(v)) / steps * 1e3 for name, v in times.items()}
    print(", ".join(f"{name} {v:.2f} ms/step" for name, v in med.items()) + f" ({k} replicas)")
    print(f"jaxdl's layer is {med['flax nn.RNN(GRUCell)'] / med['jaxdl GRULayer']:.2f}x as fast as flax's")


if __name__ == "__main__":
    jaxdl.platform.configure()  # XLA_FLAGS as `jaxdl train` sets them, before jax starts
    main(*(int(a) for a in sys.argv[1:3]))
