"""jaxdl: classic deep-learning systems as pure Flax modules, trained by one vmapped trainer."""

import os as _os

__version__ = "0.1.0"

# XLA:CPU runs a while loop without matmuls as one compiled kernel only when it touches few bytes per
# iteration (1 kB by default); otherwise it dispatches every op of every iteration on its own, ~1-2 us each,
# which dominates a small recurrence (models/gru_layer.py: 2.7 -> 1.1 ms per MNIST-1D GRU step, one replica;
# experiments/RESULTS.md). XLA reads XLA_FLAGS when jax starts its CPU backend, so this must run before the
# first computation; importing jaxdl first does that. A threshold the user set already is kept.
_SMALL_LOOP = "xla_cpu_small_while_loop_byte_threshold"


def with_small_loop_threshold(flags: str, threshold: int = 4 << 20) -> str:
    """XLA_FLAGS `flags` with the small-loop threshold added, unless `flags` sets one already."""
    if _SMALL_LOOP in flags:
        return flags
    extra, setting = "--xla_backend_extra_options=", f"{_SMALL_LOOP}={threshold}"
    if extra in flags:  # one comma-separated list: add to it rather than override it
        return flags.replace(extra, f"{extra}{setting},", 1)
    return f"{flags} {extra}{setting}".strip()


_os.environ["XLA_FLAGS"] = with_small_loop_threshold(_os.environ.get("XLA_FLAGS", ""))
