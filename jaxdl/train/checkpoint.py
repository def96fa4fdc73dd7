"""<workdir>/checkpoints: orbax CheckpointManager over everything a bitwise-exact resume needs.

A checkpoint at step S holds {"states": TrainState with a leading replica axis [K, ...] (params,
model_state, opt_state with the injected hyperparameters, rng, per-replica step), "data_keys": uint32 [K, 2]}.
The data order of any step is a function of (data key, step), so nothing else is needed.

A step directory counts only when it is complete: orbax's `commit_success.txt` is present, its
`_CHECKPOINT_METADATA` parses, its arrays read back with the CRC-32 checksums stored with them (orbax checks
only its own index, so a flipped byte in an array file used to load as a wrong value), and every array has
the shape the config builds.
Damaged newer checkpoints are moved aside to <workdir>/damaged_checkpoints/ (never deleted) so that
orbax's own bookkeeping sees only good ones; good checkpoints are never touched because a newer one is bad.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import zlib
from typing import Any

import jax
import numpy as np
import orbax.checkpoint as ocp

from jaxdl.errors import StorageError, UserError
from jaxdl.train.mesh import fetch, is_primary, sync

DAMAGED_DIR = "damaged_checkpoints"  # a sibling of checkpoints/, so orbax never lists what is in it
CHECKSUMS = "jaxdl_crc32"  # key of the per-array checksums in a step's _CHECKPOINT_METADATA custom_metadata


def _first_line(e: Exception) -> str:
    """An orbax/tensorstore error in a few words: its first line, without the TensorStore spec orbax appends
    (printed as "<bound method ...>")."""
    text = re.split(r"\s*See full TensorStore details", str(e).strip())[0]
    return (text.splitlines() or [""])[0][:160]


def checksums(tree: Any) -> dict[str, int]:
    """Leaf name -> CRC-32 of the array's bytes, for every array of `tree` (gathered across processes when
    split: then a collective)."""
    return {_leaf_name(p): zlib.crc32(np.ascontiguousarray(x).tobytes())
            for p, x in jax.tree_util.tree_flatten_with_path(fetch(tree))[0]}


def _leaf_name(path) -> str:
    """'states.opt_state.inner_state.1.mu.Dense_0.kernel': orbax's naming of a leaf's key path."""
    parts = []
    for k in path:
        parts.append(str(getattr(k, "key", getattr(k, "name", getattr(k, "idx", k)))))
    return ".".join(parts)


def _shapes(tree) -> dict[str, tuple[tuple[int, ...], str]]:
    return {_leaf_name(p): (tuple(x.shape), str(np.dtype(x.dtype)))
            for p, x in jax.tree_util.tree_flatten_with_path(tree)[0]}


class Checkpoints:
    """Save / restore the run state in `directory` (opened lazily, so a refusal writes nothing)."""

    def __init__(self, directory: str, keep: int | None = None, read_only: bool = False):
        self.directory = os.path.abspath(directory)
        self.keep, self.read_only = keep, read_only
        self._manager, self._pending, self._broken = None, None, False

    @property
    def manager(self) -> ocp.CheckpointManager:
        if self._manager is None:
            # read_only: never saves, so no preservation policy can delete anything (orbax's own read_only
            # mode only adds log noise); otherwise a save killed half-way left a tmp dir to clean up.
            options = ocp.CheckpointManagerOptions(
                preservation_policy=None if self.read_only else ocp.checkpoint_managers.LatestN(n=self.keep),
                create=not self.read_only, cleanup_tmp_directories=not self.read_only)
            self._manager = ocp.CheckpointManager(self.directory, options=options,
                                                  item_handlers=ocp.StandardCheckpointHandler())
        return self._manager

    def steps(self) -> list[int]:
        """Step directories on disk, complete or not, ascending."""
        if not os.path.isdir(self.directory):
            return []
        return sorted(int(n) for n in os.listdir(self.directory)
                      if n.isdigit() and os.path.isdir(os.path.join(self.directory, n)))

    def path(self, step: int) -> str:
        return os.path.join(self.directory, str(step))

    def _check_complete(self, step: int) -> None:
        """Raise ValueError when step's directory lacks its commit marker or its metadata is unreadable."""
        path = self.path(step)
        if not os.path.exists(os.path.join(path, "commit_success.txt")):
            raise ValueError("no commit marker (commit_success.txt)")
        try:
            with open(os.path.join(path, "_CHECKPOINT_METADATA")) as f:
                json.load(f)
        except (OSError, ValueError) as e:
            raise ValueError(f"unreadable _CHECKPOINT_METADATA ({type(e).__name__})") from None

    def _check_compatible(self, step: int, template: Any) -> None:
        """UserError when the checkpoint's arrays do not have the shapes this config builds."""
        saved, want = _shapes(self.manager.item_metadata(step)), _shapes(template)
        for name in sorted(set(saved) | set(want)):
            if saved.get(name) != want.get(name):
                got = saved.get(name, ("absent",))[0]
                need = want.get(name, ("absent",))[0]
                raise UserError(f"checkpoint {self.path(step)} does not fit this config: {name} is {got} there, "
                                f"{need} here; use a fresh workdir or --overwrite")

    def _saved_checksums(self, step: int) -> dict[str, int] | None:
        """The checksums stored with step's checkpoint (None: saved before jaxdl stored them)."""
        with open(os.path.join(self.path(step), "_CHECKPOINT_METADATA")) as f:
            return (json.load(f).get("custom_metadata") or {}).get(CHECKSUMS)

    def restore(self, template: Any, step: int) -> Any:
        """The checkpoint at `step` shaped like `template` (arrays or ShapeDtypeStructs). Raises ValueError
        (or OSError) when it is damaged (an array whose checksum differs from the one saved with it
        included), UserError when it does not fit the template."""
        self._check_complete(step)
        try:
            self._check_compatible(step, template)
            # the template's shardings: with a mesh the arrays come back split as the run places them
            abstract = jax.tree_util.tree_map(
                lambda x: jax.ShapeDtypeStruct(x.shape, x.dtype, sharding=getattr(x, "sharding", None)), template)
            tree = self.manager.restore(step, args=ocp.args.StandardRestore(abstract))
        except UserError:
            raise
        except Exception as e:  # orbax/tensorstore raise many types for truncated or garbled files
            raise ValueError(f"{type(e).__name__}: {_first_line(e)}") from None
        saved = self._saved_checksums(step)
        if saved is not None:
            for name, value in checksums(tree).items():
                if saved.get(name) != value:
                    raise ValueError(f"array {name} does not match its checksum")
        return tree

    def restore_latest(self, template: Any, move_damaged: bool = True) -> tuple[Any, int] | None:
        """(tree, step) from the newest good checkpoint, None when there are no checkpoints at all.

        Each damaged newer checkpoint gets a one-line warning on stderr naming it and, when `move_damaged`,
        is moved to damaged_checkpoints/. Only damaged checkpoints (no good one at all) is a UserError.
        """
        steps = self.steps()
        damaged = []
        for step in reversed(steps):
            try:
                tree = self.restore(template, step)
            except (ValueError, OSError) as e:
                damaged.append((step, e))
                continue
            for bad, e in damaged:  # warned only when resuming; with no good one the error says it all
                print(f"jaxdl: warning: checkpoint {self.path(bad)} is damaged ({e}); "
                      f"resuming from step {step}", file=sys.stderr)
            if move_damaged and damaged:
                if is_primary():  # every process found the same damage; one moves it
                    self._move_aside([bad for bad, _ in damaged])
                sync("jaxdl_checkpoints_quarantined")
                self.manager.reload()
            return tree, step
        if steps:
            raise UserError(f"no usable checkpoint in {self.directory}: all {len(steps)} damaged "
                            f"(newest: {damaged[0][1]}); use --overwrite to start again")
        return None

    def _move_aside(self, steps: list[int]) -> None:
        aside = os.path.join(os.path.dirname(self.directory), DAMAGED_DIR)
        os.makedirs(aside, exist_ok=True)
        for step in steps:
            target = os.path.join(aside, str(step))
            n = 1
            while os.path.exists(target):
                target, n = os.path.join(aside, f"{step}.{n}"), n + 1
            shutil.move(self.path(step), target)

    def save(self, step: int, tree: Any) -> None:
        """Start an (async) save of `tree` at `step`; the arrays are copied first, so the caller may donate
        its buffers to the next compiled call while orbax writes."""
        if step in self.manager.all_steps():
            return
        if all(getattr(x, "is_fully_addressable", True) for x in jax.tree_util.tree_leaves(tree)):
            tree = jax.tree_util.tree_map(lambda x: np.array(x, copy=True), jax.device_get(tree))
        # else: arrays split across processes; every process saves its shards (orbax's multi-process save,
        # which copies them to host memory before returning)
        sums = checksums(tree)  # of the values as they are now: orbax writes them later, in its own thread
        self._pending = step
        try:
            self.manager.save(step, args=ocp.args.StandardSave(tree), custom_metadata={CHECKSUMS: sums})
        except Exception as e:
            self._failed(e)

    def _failed(self, e: Exception) -> None:
        """A save that did not complete (disk full, read-only, no permission): StorageError, with the
        half-written step directory removed; the checkpoints before it are untouched."""
        self._broken = True
        if is_primary() and os.path.isdir(self.directory):
            for name in os.listdir(self.directory):
                if name.split(".")[0] == str(self._pending) and "tmp" in name:
                    shutil.rmtree(os.path.join(self.directory, name), ignore_errors=True)
        os_error = re.search(r"\[os_error_code='(\d+)'\]", str(e))  # tensorstore's report of a failed write
        why = (e.strerror if isinstance(e, OSError) and e.strerror
               else os.strerror(int(os_error.group(1))) if os_error else _first_line(e))
        raise StorageError(f"cannot save checkpoint {self._pending} in {self.directory}: {why}") from None

    def wait(self) -> None:
        """Block until the pending save (if any) is committed; StorageError when it failed."""
        if self._manager is not None and not self._broken:
            try:
                self._manager.wait_until_finished()
            except Exception as e:
                self._failed(e)

    def close(self) -> None:
        """Wait for pending saves to commit (StorageError when one failed), then release the manager."""
        if self._manager is None:
            return
        try:
            self.wait()
        finally:
            try:
                self._manager.close()
            except Exception:  # a failed save is reported by wait(), once
                if not self._broken:
                    raise
            self._manager = None
