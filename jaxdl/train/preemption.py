"""SIGTERM / SIGINT: remembered when they arrive, acted on at safe points.

`jaxdl train` installs `install()` first thing. Its handler only records the first signal: an exception
raised wherever the main thread happens to be (inside XLA compilation or backend start, inside a garbage
collector callback) crashed the process or was swallowed as "Exception ignored in ...". The driver looks
at `received()` at safe points: before it writes the workdir and before the first step (exit 128 + signum,
nothing saved), and at each chunk boundary (a checkpoint, then exit). A second signal aborts at once with
one line, without a traceback and without waiting for anything (os._exit), for a user who will not wait.

Without `install()` (train_and_evaluate called from Python), `StopRequest` installs the same recording
handler for the training loop only, and a second SIGINT raises KeyboardInterrupt there as usual.
"""

from __future__ import annotations

import os
import signal
import threading

from jaxdl.errors import Interrupted

SIGNALS = (signal.SIGTERM, signal.SIGINT)
_received: int | None = None  # the first signal since install() / StopRequest began
_installed = False


def _abort(signum: int) -> None:
    os.write(2, f"jaxdl: aborted by a second {signal.Signals(signum).name}\n".encode())
    os._exit(128 + signum)


def _record(signum, frame) -> None:
    global _received
    if _received is not None:
        _abort(signum)
    _received = signum


def _exit_now(signum, frame) -> None:
    os.write(2, f"jaxdl: interrupted by {signal.Signals(signum).name}\n".encode())
    os._exit(128 + signum)


def install(record: bool = True) -> dict:
    """For the whole process: record the first SIGTERM/SIGINT (`record`; for `jaxdl train`) or exit at
    once with one line (commands that write nothing partial, e.g. `eval`, whose files are atomic).
    Returns the handlers it replaced, for `uninstall`."""
    global _installed, _received
    _received, _installed = None, record
    return {s: signal.signal(s, _record if record else _exit_now) for s in SIGNALS}


def reclaim() -> None:
    """Take SIGTERM/SIGINT back after jax.distributed.initialize, whose preemption notifier replaces the
    SIGTERM handler in C++: the stop is agreed by jaxdl itself, for SIGINT too (a signal recorded before
    stays recorded)."""
    if _installed:
        for s in SIGNALS:
            signal.signal(s, _record)


def uninstall(old: dict) -> None:
    global _installed, _received
    for s, handler in old.items():
        signal.signal(s, handler)
    _received, _installed = None, False


def received() -> int | None:
    """The first SIGTERM/SIGINT recorded, or None."""
    return _received


def stop_if_signalled() -> None:
    """A safe point before training: raise Interrupted when some process got a signal (all processes call
    it: the decision is shared, so none is left waiting in a collective)."""
    from jaxdl.train.mesh import agree

    signum = agree(_received or 0)
    if signum:
        raise Interrupted(signum)


class StopRequest:
    """Context manager: while active, `self.signum` is the first SIGTERM/SIGINT received (else None)."""

    def __init__(self, active: bool = True):
        self.active, self._old = active, {}

    @property
    def signum(self) -> int | None:
        return _received if self.active else None

    def _handle(self, signum, frame):
        global _received
        if _received is not None:  # second signal: stop waiting for the boundary
            signal.signal(signum, self._old.get(signum, signal.SIG_DFL))
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            signal.raise_signal(signum)
        _received = signum

    def __enter__(self) -> StopRequest:
        global _received
        main = threading.current_thread() is threading.main_thread()  # signals reach the main thread only
        if self.active and not _installed and main:
            _received = None
            for s in SIGNALS:
                self._old[s] = signal.signal(s, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        global _received
        for s, old in self._old.items():
            signal.signal(s, old)
        if self._old:
            _received = None
        self._old = {}
