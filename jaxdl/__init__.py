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


# One XLA:CPU device per core: with no `config.mesh`, a run's replicas are split over them
# (jaxdl/train/mesh.py, auto_placement) and the devices' programs run concurrently, which beats one program
# whose every small op is split over both cores (K = 8 on 2 cores, step time on one device over the split's:
# MNIST MLP 1.08x, MNIST-1D CNN 1.34x, GRU 1.88x; experiments/RESULTS.md). A count the user set already is
# kept; a count of 1 turns it off.
_HOST_DEVICES = "xla_force_host_platform_device_count"


def with_host_devices(flags: str, count: int) -> str:
    """XLA_FLAGS `flags` asking for `count` host (CPU) devices, unless `flags` sets a count already."""
    if _HOST_DEVICES in flags or count <= 1:
        return flags
    return f"{flags} --{_HOST_DEVICES}={count}".strip()


def _cores() -> int:
    """The cores this process may run on (taskset and cgroup CPU sets respected where the OS says)."""
    try:
        return len(_os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return _os.cpu_count() or 1


_os.environ["XLA_FLAGS"] = with_host_devices(with_small_loop_threshold(_os.environ.get("XLA_FLAGS", "")),
                                             _cores())
