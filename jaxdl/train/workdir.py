"""Owning a run directory: the lock one `jaxdl train` holds on it, and manifest.json, what jaxdl wrote there.

The lock is an `fcntl.flock` on <workdir>/.lock held for the run's life (by process 0 of a multi-process
run). The kernel drops it when the process dies, so a `kill -9` leaves nothing stale; the file itself is
removed when the run ends. manifest.json lists the paths (relative, "checkpoints" for a whole directory) that
jaxdl writes in the run directory; `--overwrite` removes those and nothing else, so a user's file (even
plots/thesis_fig.pdf) survives.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import socket
import tempfile

from jaxdl.errors import StorageError, UserError

LOCK = ".lock"
MANIFEST = "manifest.json"
# top-level names that only jaxdl writes into a run directory (plots/ holds the user's files too: its
# files are listed one by one as they are written)
OWNED = ("config.json", "env.json", "metrics.jsonl", "summary.json", "checkpoints", "tensorboard",
         "damaged_checkpoints", "eval.json", "samples.npy", "samples_meta.json", "sample_quality.json",
         "vocab.json", "predictions.txt", MANIFEST)
ARTEFACTS = (*OWNED, "plots")  # what marks a directory as (part of) a jaxdl run
# errno values of a write that failed for lack of space or permission: exit 4, not a traceback
STORAGE_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS, errno.EFBIG)


def storage_error(what: str, e: OSError) -> StorageError:
    return StorageError(f"cannot {what}: {e.strerror or e}")


def probe_writable(directory: str, what: str) -> None:
    """UserError unless a file can be created in `directory` (created and removed again)."""
    try:
        fd, path = tempfile.mkstemp(prefix=".jaxdl_probe", dir=directory)
        os.close(fd)
        os.remove(path)
    except OSError as e:
        raise UserError(f"{what} {directory} is not writable: {e.strerror or e}") from None


def make_dirs(path: str) -> list[str]:
    """os.makedirs(path), returning the directories it created, outermost first. On failure it removes
    them again (a 6000-character path must not leave 20 empty directories) and raises UserError."""
    missing, head = [], os.path.abspath(path)
    while not os.path.isdir(head):
        missing.append(head)
        head = os.path.dirname(head)
    created = []
    try:
        for d in reversed(missing):
            os.mkdir(d)
            created.append(d)
    except OSError as e:
        remove_dirs(created)
        raise UserError(f"workdir {path} cannot be created: {e.strerror or e}") from None
    return created


def remove_dirs(created: list[str]) -> None:
    """Remove the directories `make_dirs` created, innermost first, as long as they are empty."""
    for d in reversed(created):
        try:
            os.rmdir(d)
        except OSError:
            return


class WorkdirLock:
    """`with WorkdirLock(workdir):` one `jaxdl train` at a time in `workdir` (created when missing).

    Refused (UserError, one line naming the holder's PID and host) while another process holds it. On
    release the lock file is removed, and so are the directories the lock created if nothing else was
    written into them (a run refused or failed before its first file leaves no empty workdir behind)."""

    def __init__(self, workdir: str):
        self.workdir, self.path = workdir, os.path.join(workdir, LOCK)
        self.fd, self.created = None, []

    def acquire(self) -> WorkdirLock:
        if os.path.exists(self.workdir) and not os.path.isdir(self.workdir):
            raise UserError(f"workdir {self.workdir} exists and is not a directory")
        self.created = make_dirs(self.workdir)
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as e:
                remove_dirs(self.created)
                raise UserError(f"workdir {self.workdir} is not writable: {e.strerror or e}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = os.read(fd, 200).decode(errors="replace").split()
                os.close(fd)
                who = f"PID {holder[0]} on host {holder[1]}" if len(holder) == 2 else "another process"
                raise UserError(f"workdir {self.workdir} is in use by another jaxdl train ({who}); wait for it "
                                "to end or use another workdir") from None
            try:  # the holder before us may have removed the file after we opened it: lock the current one
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        self.fd = fd
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
        except OSError as e:
            self.release()
            raise UserError(f"workdir {self.workdir} is not writable: {e.strerror or e}") from None
        return self

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            os.remove(self.path)  # while still locked: a process waiting on this file then retries
        except OSError:
            pass
        os.close(self.fd)
        self.fd = None
        remove_dirs(self.created)

    def __enter__(self) -> WorkdirLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def artefacts(workdir: str) -> list[str]:
    """The jaxdl run files present in `workdir` (directories with a trailing /), sorted."""
    if not os.path.isdir(workdir):
        return []
    return sorted(n + "/" * os.path.isdir(os.path.join(workdir, n)) for n in os.listdir(workdir) if n in ARTEFACTS)


def recorded(workdir: str) -> list[str] | None:
    """manifest.json's paths, None when there is no (readable) manifest."""
    try:
        with open(os.path.join(workdir, MANIFEST)) as f:
            paths = json.load(f)["paths"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return [p for p in paths if isinstance(p, str)]


def record(workdir: str, paths: list[str]) -> None:
    """Add `paths` (relative to `workdir`) to its manifest.json, written atomically."""
    from jaxdl.train.rundir import write_json

    have = recorded(workdir) or [MANIFEST]
    new = [p for p in paths if p not in have]
    if new:
        write_json(os.path.join(workdir, MANIFEST), {"paths": sorted(set(have + new))})


def record_plot(path: str) -> None:
    """A figure written at <run dir>/plots/NAME: listed in that run's manifest (no manifest: not a run)."""
    plots = os.path.dirname(os.path.abspath(path))
    workdir = os.path.dirname(plots)
    if os.path.basename(plots) == "plots" and os.path.isfile(os.path.join(workdir, MANIFEST)):
        record(workdir, [os.path.join("plots", os.path.basename(path))])


def remove_recorded(workdir: str) -> None:
    """Remove what jaxdl wrote in `workdir`: the manifest's paths (a run from before manifests: the OWNED
    names), then plots/ if that leaves it empty. Nothing else is touched."""
    paths = recorded(workdir)
    if paths is None:
        paths = list(OWNED)
    for rel in sorted(paths, key=lambda p: p == MANIFEST):  # the manifest last: a failure can be retried
        path = os.path.join(workdir, rel)
        if os.path.normpath(rel).startswith("..") or os.path.isabs(rel):
            continue  # a manifest never points outside its run directory
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            elif os.path.lexists(path):
                os.remove(path)
        except OSError as e:
            raise storage_error(f"remove {path}", e) from None
    plots = os.path.join(workdir, "plots")
    if os.path.isdir(plots) and not os.listdir(plots):
        os.rmdir(plots)
