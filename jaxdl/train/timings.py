"""Where a run's time goes: `Timings`, the driver's stopwatch, and summary.json's "timings".

A run segment (a first run, or one resume) is split into sections that add up to its `total_s`: import
(jaxdl, jax and the config), data (reading the dataset, putting it on the devices), setup (model, task,
workdir, initial states), compile (tracing, lowering and compiling every program, or loading it from the
persistent compilation cache), train, eval, checkpoints (saves, restores), files (metrics, summaries), plots,
and `other_s`, what no section claims. A section that runs inside another is the inner one's only; a
compile inside any section is compile's only. Compiles are seen through jax.monitoring's events, so one that
a program triggers lazily (the shorter last chunk, the guarded chunk) is counted too; only the driver's
thread's (a library's background thread compiling meanwhile takes no time from the run).
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

SECTIONS = ("import", "data", "setup", "compile", "train", "eval", "checkpoints", "files", "plots")
# jax.monitoring events, each with a fun_name: tracing to a jaxpr, lowering to MLIR, the backend compile
# (or the persistent cache's load); the first two nest (a jit inside a jit), hence the union of their spans
_COMPILE_EVENTS = ("/jax/core/compile/jaxpr_trace_duration", "/jax/core/compile/jaxpr_to_mlir_module_duration",
                   "/jax/core/compile/backend_compile_duration")
_BACKEND_COMPILE = _COMPILE_EVENTS[2]
_CACHE_REQUEST, _CACHE_HIT = "/jax/compilation_cache/compile_requests_use_cache", "/jax/compilation_cache/cache_hits"


class Timings:
    """One segment's stopwatch: `with timings("eval"): ...` adds the block's time to a section; `with
    timings.watching():` (the driver's whole run) counts compiles. Created when the segment starts (the CLI
    creates it before its imports, so that they count)."""

    def __init__(self):
        self.start = time.perf_counter()
        self.seconds = dict.fromkeys(SECTIONS, 0.0)
        self.programs: dict[str, float] = {}  # fun_name -> seconds of backend compile (or cache load)
        self.cache_requests = self.cache_hits = 0
        self._spans: list[tuple[float, float]] = []  # compile events' (start, end), time.time()
        self._frames: list[list[float]] = []  # per open section: [seconds claimed by inner sections, compile]
        self._lock = threading.Lock()
        self._thread = threading.get_ident()  # the driver's: a compile in another thread overlaps, not adds

    def compile_s(self) -> float:
        """Seconds covered by at least one compile event so far."""
        with self._lock:
            spans = sorted(self._spans)
        total, end = 0.0, float("-inf")
        for a, b in spans:
            if b > end:
                total += b - max(a, end)
                end = b
        return total

    @contextlib.contextmanager
    def __call__(self, section: str):
        t, c = time.perf_counter(), self.compile_s()
        self._frames.append([0.0, 0.0])
        try:
            yield
        finally:
            inner, inner_compile = self._frames.pop()
            elapsed, compiled = time.perf_counter() - t, self.compile_s() - c
            self.seconds[section] += elapsed - inner - (compiled - inner_compile)
            if self._frames:
                self._frames[-1][0] += elapsed
                self._frames[-1][1] += compiled

    def _on_span(self, event: str, start: float, end: float, **kwargs) -> None:
        if event in _COMPILE_EVENTS and threading.get_ident() == self._thread:
            with self._lock:
                self._spans.append((start, end))
                if event == _BACKEND_COMPILE:
                    name = str(kwargs.get("fun_name", "?"))
                    self.programs[name] = self.programs.get(name, 0.0) + (end - start)

    def _on_event(self, event: str, **kwargs) -> None:
        with self._lock:
            self.cache_requests += event == _CACHE_REQUEST
            self.cache_hits += event == _CACHE_HIT

    @contextlib.contextmanager
    def watching(self):
        """Count the compiles (and persistent-cache hits) of this process while the block runs."""
        import jax  # here, not at the top: the CLI starts a Timings before it imports jax

        jax.monitoring.register_event_time_span_listener(self._on_span)
        jax.monitoring.register_event_listener(self._on_event)
        try:
            yield self
        finally:
            jax.monitoring.unregister_event_time_span_listener(self._on_span)
            jax.monitoring.unregister_event_listener(self._on_event)

    def segment(self, first_step: int, step: int, **extra: Any) -> dict[str, Any]:
        """This segment so far: {"steps": [first, last], "<section>_s", "other_s", "total_s" (their sum),
        "programs" (name -> compile s, largest first), "cache_hits", "cache_misses", **extra}."""
        total = time.perf_counter() - self.start
        parts = {f"{k}_s": (self.compile_s() if k == "compile" else v) for k, v in self.seconds.items()}
        with self._lock:
            programs = dict(sorted(self.programs.items(), key=lambda kv: -kv[1]))
            hits, misses = self.cache_hits, self.cache_requests - self.cache_hits
        return {"steps": [int(first_step), int(step)], **parts, "other_s": total - sum(parts.values()),
                "total_s": total, "programs": programs, "cache_hits": hits, "cache_misses": misses, **extra}


def section(timings: Timings | None, name: str):
    """`timings(name)`, or nothing when there is no stopwatch (a library caller's)."""
    return timings(name) if timings is not None else contextlib.nullcontext()


def add_up(segments: list[dict[str, Any]]) -> dict[str, Any]:
    """The segments' sum: every *_s, the cache counts and each program's compile seconds; "steps" trained,
    "segments" their count."""
    keys = [k for k in segments[-1] if k.endswith("_s")]
    total: dict[str, Any] = {k: sum(s.get(k) or 0.0 for s in segments) for k in keys}
    total["steps"] = sum(s["steps"][1] - s["steps"][0] for s in segments)
    total["segments"] = len(segments)
    for k in ("cache_hits", "cache_misses"):
        total[k] = sum(s.get(k, 0) for s in segments)
    programs: dict[str, float] = {}
    for s in segments:
        for name, v in s.get("programs", {}).items():
            programs[name] = programs.get(name, 0.0) + v
    total["programs"] = dict(sorted(programs.items(), key=lambda kv: -kv[1]))
    return total


def format_timings(t: dict[str, Any]) -> str:
    """A segment's timings, or summary.json's "timings" "total", in one line: where the time went."""
    parts = ", ".join(f"{k} {t[k + '_s']:.1f}" for k in (*SECTIONS, "other"))
    segments = f" over {t['segments']} segments" if t.get("segments", 1) > 1 else ""
    return (f"time: {t['total_s']:.1f} s{segments} = {parts} s; {t['cache_hits'] + t['cache_misses']} programs "
            f"compiled, {t['cache_hits']} of them loaded from the compilation cache")
