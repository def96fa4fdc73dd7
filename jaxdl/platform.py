"""XLA settings for the machine jaxdl runs on, applied explicitly at the edge: `configure()`.

`jaxdl train` (jaxdl/cli.py) calls it first thing; a notebook, test session or script that trains calls it
itself before its first computation, since XLA reads XLA_FLAGS once, when jax starts its backend:

    import jaxdl.platform
    jaxdl.platform.configure()

Importing jaxdl changes nothing. The two settings below are for XLA:CPU; other backends ignore them.
`configure(deterministic=True)` (what `config.deterministic`, default True, asks for) also turns on XLA:GPU's
deterministic ops, which XLA:CPU ignores.
"""

from __future__ import annotations

import os
import warnings

# XLA:CPU runs a while loop without matmuls as one compiled kernel only when it touches few bytes per
# iteration (1 kB by default); otherwise it dispatches every op of every iteration on its own, ~1-2 us each,
# which dominates a small recurrence (models/gru_layer.py: 2.7 -> 1.1 ms per MNIST-1D GRU step, one replica;
# experiments/RESULTS.md). A threshold the user set already is kept.
_SMALL_LOOP = "xla_cpu_small_while_loop_byte_threshold"

# One XLA:CPU device per core: with no `config.mesh`, a run's replicas are split over them
# (jaxdl/train/mesh.py, auto_placement) and the devices' programs run concurrently, which beats one program
# whose every small op is split over both cores (K = 8 on 2 cores, step time on one device over the split's:
# MNIST MLP 1.08x, MNIST-1D CNN 1.34x, GRU 1.88x; experiments/RESULTS.md). A count the user set already is
# kept; a count of 1 turns it off.
_HOST_DEVICES = "xla_force_host_platform_device_count"

# XLA:GPU runs scatter-adds, some reductions and convolution algorithms with atomics or autotuned kernels whose
# results change from run to run; this flag (a superset of --xla_gpu_exclude_nondeterministic_ops) selects
# deterministic implementations instead, at some cost in speed. A value the user set already is kept.
_GPU_DETERMINISTIC = "xla_gpu_deterministic_ops"


def with_small_loop_threshold(flags: str, threshold: int = 4 << 20) -> str:
    """XLA_FLAGS `flags` with the small-loop threshold added, unless `flags` sets one already."""
    if _SMALL_LOOP in flags:
        return flags
    extra, setting = "--xla_backend_extra_options=", f"{_SMALL_LOOP}={threshold}"
    if extra in flags:  # one comma-separated list: add to it rather than override it
        return flags.replace(extra, f"{extra}{setting},", 1)
    return f"{flags} {extra}{setting}".strip()


def with_host_devices(flags: str, count: int) -> str:
    """XLA_FLAGS `flags` asking for `count` host (CPU) devices, unless `flags` sets a count already."""
    if _HOST_DEVICES in flags or count <= 1:
        return flags
    return f"{flags} --{_HOST_DEVICES}={count}".strip()


def with_gpu_determinism(flags: str) -> str:
    """XLA_FLAGS `flags` asking XLA:GPU for deterministic ops, unless `flags` sets the flag already."""
    if _GPU_DETERMINISTIC in flags:
        return flags
    return f"{flags} --{_GPU_DETERMINISTIC}=true".strip()


def gpu_deterministic(flags: str) -> bool:
    """Whether XLA_FLAGS `flags` ask XLA:GPU for deterministic ops."""
    return f"--{_GPU_DETERMINISTIC}=true" in flags or f"--{_GPU_DETERMINISTIC}=1" in flags


def cores() -> int:
    """The cores this process may run on (taskset and cgroup CPU sets respected where the OS says)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def configure(deterministic: bool = False) -> str:
    """Add jaxdl's XLA:CPU settings to $XLA_FLAGS (the user's own settings win) and return the flags;
    with `deterministic`, XLA:GPU's deterministic ops too (what `config.deterministic` asks for).

    Idempotent. Warns when the flags change after jax has started a backend: they then apply only to
    processes started later.
    """
    old = os.environ.get("XLA_FLAGS", "")
    flags = with_host_devices(with_small_loop_threshold(old), cores())
    if deterministic:
        flags = with_gpu_determinism(flags)
    os.environ["XLA_FLAGS"] = flags
    if flags != old and _backend_started():
        warnings.warn("jaxdl.platform.configure() ran after jax started its backend: XLA_FLAGS take effect in "
                      "new processes only", stacklevel=2)
    return flags


def _backend_started() -> bool:
    import sys

    if "jax" not in sys.modules:
        return False
    from jax._src import xla_bridge  # jax has no public test for this

    return xla_bridge.backends_are_initialized()
