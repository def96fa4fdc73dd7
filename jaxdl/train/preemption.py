"""SIGTERM / SIGINT during training: remember the signal; the driver checkpoints at the next chunk boundary.

A second signal of the same kind aborts at once (the default behaviour), for a user who will not wait.
"""

from __future__ import annotations

import signal
import threading

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StopRequest:
    """Context manager: while active, `self.signum` is the first SIGTERM/SIGINT received (else None)."""

    def __init__(self, active: bool = True):
        self.signum: int | None = None
        self.active, self._old = active, {}

    def _handle(self, signum, frame):
        if self.signum is not None:  # second signal: stop waiting for the boundary
            signal.signal(signum, self._old.get(signum, signal.SIG_DFL))
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            signal.raise_signal(signum)
        self.signum = signum

    def __enter__(self) -> StopRequest:
        if self.active and threading.current_thread() is threading.main_thread():  # signals reach the main thread only
            for s in SIGNALS:
                self._old[s] = signal.signal(s, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for s, old in self._old.items():
            signal.signal(s, old)
        self._old = {}
