"""XLA settings for the machine jaxdl runs on, applied explicitly at the edge: `configure()`.

`jaxdl train` (jaxdl/cli.py) calls it first thing; a notebook, test session or script that trains calls it
itself before its first computation, since XLA reads XLA_FLAGS once, when jax starts its backend:

    import jaxdl.platform
    jaxdl.platform.configure()

Importing jaxdl changes nothing. The two settings below are for XLA:CPU; other backends ignore them.
`configure(deterministic=True)` (what `config.deterministic`, default True, asks for) also turns on XLA:GPU's
deterministic ops, which XLA:CPU ignores. `configure(compilation_cache=True)` (`jaxdl train`, `eval` and
`bench` unless --no-compilation-cache) turns on JAX's persistent compilation cache.
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

# JAX's persistent compilation cache (XLA:CPU executables too: jax 0.10's compilation_cache.is_cache_used): a
# second run of a command loads its programs instead of compiling them (experiments/RESULTS.md). Where:
# $JAXDL_COMPILATION_CACHE, else a directory JAX was told already ($JAX_COMPILATION_CACHE_DIR), else this one
# under the user's cache home. Every program is cached, however small or quick to compile: jaxdl's are CPU
# programs that compile in well under JAX's default 1 s threshold.
CACHE_ENV = "JAXDL_COMPILATION_CACHE"
# Its size cap, applied once per process when the cache is turned on: past it, the least recently used
# programs go (`trim_compilation_cache`). jaxdl's CPU programs are 0.3-1 MB each, so 1 GiB holds a thousand or
# more. Not JAX's own cap (jax_compilation_cache_max_size): its LRU cache lists and reads every entry's access
# time on each write, 0.9 s per write at 1,000 entries and 5 s at 5,000 on this 2-core machine
# (experiments/RESULTS.md). A cap the user set in $JAX_COMPILATION_CACHE_MAX_SIZE (bytes; -1: none) is JAX's,
# and kept.
CACHE_MAX_BYTES = 1 << 30
_MAX_SIZE_ENV = "JAX_COMPILATION_CACHE_MAX_SIZE"


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


def cache_home() -> str:
    """$XDG_CACHE_HOME, else ~/.cache: where jaxdl keeps what it can recompute (compiled programs, decoded
    datasets)."""
    return os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")


def default_compilation_cache() -> str:
    """$JAXDL_COMPILATION_CACHE, else <cache home>/jaxdl/xla."""
    return os.path.expanduser(os.environ.get(CACHE_ENV) or os.path.join(cache_home(), "jaxdl", "xla"))


def use_compilation_cache(on: bool) -> str | None:
    """Turn JAX's persistent compilation cache on (every program cached; trimmed to CACHE_MAX_BYTES now,
    unless $JAX_COMPILATION_CACHE_MAX_SIZE sets JAX's own cap) or off; returns its directory, None when off. On:
    $JAXDL_COMPILATION_CACHE, else the directory JAX has already (the user's $JAX_COMPILATION_CACHE_DIR), else
    `default_compilation_cache()`. Call it before the process's first compile: JAX decides once, then,
    whether a process uses the cache."""
    import jax

    if not on:
        jax.config.update("jax_enable_compilation_cache", False)
        return None
    path = default_compilation_cache()
    if not os.environ.get(CACHE_ENV) and jax.config.jax_compilation_cache_dir:
        path = jax.config.jax_compilation_cache_dir
    jax.config.update("jax_enable_compilation_cache", True)
    jax.config.update("jax_compilation_cache_dir", path)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    if _MAX_SIZE_ENV in os.environ:  # the user's cap: JAX's LRU cache, which needs every entry's access time
        if jax.config.jax_compilation_cache_max_size != -1:
            _stamp_access_times(path)
    else:
        jax.config.update("jax_compilation_cache_max_size", -1)
        _trim_daily(path)
    return path


_TRIMMED = ".jaxdl-trimmed"  # in the cache directory: its mtime is the last trim's time


def _trim_daily(path: str) -> None:
    """`trim_compilation_cache` to CACHE_MAX_BYTES at most once a day per cache: listing thousands of entries
    takes 0.03-0.4 s (idle to loaded 2-core machine), too much for every run's start; between two trims the
    cache outgrows its cap by a day's new programs at most."""
    import time

    stamp = os.path.join(path, _TRIMMED)
    try:
        if time.time() - os.stat(stamp).st_mtime < 24 * 3600:
            return
    except OSError:  # never trimmed, or no cache yet
        pass
    trim_compilation_cache(path, CACHE_MAX_BYTES)
    try:
        with open(stamp, "w"):
            pass
    except OSError:  # no cache directory yet (JAX creates it at the first write), or read-only
        pass


def trim_compilation_cache(path: str, max_bytes: int) -> list[str]:
    """Remove the least recently used programs ("<key>-cache" files, by access time, else modification time)
    from the cache at `path` until the rest take at most `max_bytes`; returns the removed keys. A missing or
    read-only cache is left as it is. One directory listing per process: a few ms for thousands of entries."""
    stats = []
    try:
        for entry in os.scandir(path):
            if entry.name.endswith("-cache"):
                st = entry.stat()
                stats.append((max(st.st_atime_ns, st.st_mtime_ns), st.st_size, entry.name[:-len("-cache")]))
    except OSError:  # no cache yet, or an entry removed meanwhile: trim next time
        return []
    total, removed = sum(size for _, size, _ in stats), []
    for _, size, key in sorted(stats):
        if total <= max_bytes:
            break
        try:
            os.remove(os.path.join(path, key + "-cache"))
        except OSError:  # removed meanwhile, or read-only
            continue
        if os.path.exists(os.path.join(path, key + "-atime")):  # JAX's own LRU cache wrote it (a user's cap)
            os.remove(os.path.join(path, key + "-atime"))
        total -= size
        removed.append(key)
    return removed


def _stamp_access_times(path: str) -> None:
    """Give each entry of a cache written without JAX's cap (no "<key>-atime" file beside "<key>-cache") its
    modification time as last access: JAX's eviction reads every entry's, and fails on one that has none."""
    try:
        names = set(os.listdir(path))
    except OSError:  # not there yet: JAX creates it
        return
    for name in names:
        if name.endswith("-cache") and name[:-len("-cache")] + "-atime" not in names:
            try:
                stamp = os.stat(os.path.join(path, name)).st_mtime_ns.to_bytes(8, "little")
                with open(os.path.join(path, name[:-len("-cache")] + "-atime"), "wb") as f:
                    f.write(stamp)
            except OSError:  # removed meanwhile, or a read-only cache: JAX reports what it cannot do
                pass


def compilation_cache_dir() -> str | None:
    """The persistent compilation cache's directory (None: off), as env.json records it."""
    import jax

    return jax.config.jax_compilation_cache_dir if jax.config.jax_enable_compilation_cache else None


def configure(deterministic: bool = False, compilation_cache: bool | None = None) -> str:
    """Add jaxdl's XLA:CPU settings to $XLA_FLAGS (the user's own settings win) and return the flags;
    with `deterministic`, XLA:GPU's deterministic ops too (what `config.deterministic` asks for);
    `compilation_cache` True/False turns JAX's persistent compilation cache on/off (`use_compilation_cache`;
    None leaves it, and jax unimported, as it is).

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
    if compilation_cache is not None:
        use_compilation_cache(compilation_cache)
    return flags


def _backend_started() -> bool:
    import sys

    if "jax" not in sys.modules:
        return False
    from jax._src import xla_bridge  # jax has no public test for this

    return xla_bridge.backends_are_initialized()
