"""Writing the run directory (the reader is `jaxdl.runs`). Only the driver calls this: effects live here.

metrics.jsonl holds no wall-clock values, so two runs of one command write byte-identical files on CPU;
timings go to summary.json.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import shutil
import subprocess
import sys
from typing import Any

import numpy as np

from jaxdl.errors import UserError

RUN_FILES = ("config.json", "env.json", "metrics.jsonl", "summary.json", "checkpoints", "tensorboard", "plots",
             "damaged_checkpoints", "eval.json")


def to_jsonable(x: Any) -> Any:
    """numpy/jax values -> plain JSON types; non-finite floats become None (JSON has no NaN)."""
    if isinstance(x, dict):
        return {k: to_jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [to_jsonable(v) for v in x]
    if hasattr(x, "tolist"):
        return to_jsonable(np.asarray(x).tolist())
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def write_json(path: str, obj: Any) -> None:
    """Write atomically (temp file + rename) so a killed process never leaves half a file."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(to_jsonable(obj), f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=os.path.dirname(os.path.abspath(__file__)))
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def environment(replicas: list[dict[str, Any]], mesh: dict[str, int] | None = None) -> dict[str, Any]:
    """env.json: versions, devices, XLA flags, command, and `mesh`, the run's device layout ({}: one device)."""
    import flax
    import jax
    import optax

    return {
        "versions": {"jax": jax.__version__, "flax": flax.__version__, "optax": optax.__version__,
                     "python": sys.version.split()[0]},
        "backend": jax.default_backend(),
        "devices": [str(d) for d in jax.devices()],  # of every process
        "process_count": jax.process_count(),
        "mesh": mesh or {},
        "xla_flags": os.environ.get("XLA_FLAGS", ""),  # jaxdl/platform.py adds a CPU loop threshold, host devices
        "git_commit": git_commit(),
        "command": sys.argv,
        "start_time": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "replicas": replicas,
    }


def has_checkpoints(workdir: str) -> bool:
    ckpt = os.path.join(workdir, "checkpoints")
    return os.path.isdir(ckpt) and any(n.isdigit() for n in os.listdir(ckpt))


def prepare_workdir(workdir: str, config_json: str, overwrite: bool, write: bool = True) -> bool:
    """Make `workdir` ready for a run of `config_json`; True when it resumes (same config, checkpoints).

    A workdir holding a run of a different config is refused unless `overwrite`; `overwrite` always starts
    afresh, and then only jaxdl's own run files are removed. Nothing is written before the checks pass, and
    nothing at all when resuming (the driver truncates metrics.jsonl once a checkpoint has been restored).
    write=False only checks (the processes other than 0 of a multi-process run).
    """
    existing = os.path.join(workdir, "config.json")
    if os.path.exists(workdir) and not os.path.isdir(workdir):
        raise UserError(f"workdir {workdir} exists and is not a directory")
    same = False
    if os.path.exists(existing):
        with open(existing) as f:
            same = f.read() == config_json
        if not same and not overwrite:
            raise UserError(f"workdir {workdir} holds a run of a different config; "
                            "use a fresh workdir or --overwrite")
    if not write:
        return same and not overwrite and has_checkpoints(workdir)
    try:
        os.makedirs(workdir, exist_ok=True)
        probe = os.path.join(workdir, ".write_test")
        with open(probe, "w"):
            pass
        os.remove(probe)
    except OSError as e:
        raise UserError(f"workdir {workdir} is not writable: {e.strerror}") from None
    if same and not overwrite and has_checkpoints(workdir):
        return True
    for name in RUN_FILES:
        path = os.path.join(workdir, name)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.remove(path)
    with open(existing, "w") as f:
        f.write(config_json)
    return False


def truncate_metrics(path: str, step: int) -> None:
    """Keep the metrics.jsonl lines with step <= `step` (a resume replays the rest); drops a torn last line."""
    if not os.path.exists(path):
        return
    keep = []
    with open(path) as f:
        for line in f:
            try:
                row = json.loads(line)
            except ValueError:
                continue  # a line cut short by a kill: written after the checkpoint, so replayed
            if line.endswith("\n") and row.get("step", step + 1) <= step:
                keep.append(line)  # the original bytes
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.writelines(keep)
    os.replace(tmp, path)


class NullLog:
    """The MetricsLog of a process that does not write (all but process 0 of a multi-process run)."""

    def write(self, step: int, split: str, metrics: dict[str, np.ndarray]) -> None:
        pass

    def close(self) -> None:
        pass


class MetricsLog:
    """Appends metrics.jsonl lines ({"step", "split", name: [K values]}) and TensorBoard scalars."""

    def __init__(self, workdir: str, tensorboard: bool = True, start_step: int = 0):
        """start_step > 0 resumes: lines (and TensorBoard events) after start_step are dropped."""
        self.path = os.path.join(workdir, "metrics.jsonl")
        self.tb_dir = os.path.join(workdir, "tensorboard") if tensorboard else None
        self.start_step, self.tb = start_step, None
        if start_step:
            truncate_metrics(self.path, start_step)

    def _tensorboard(self):
        if self.tb is None and self.tb_dir:  # opened on first write, so a refused run leaves no event file
            from tensorboardX import SummaryWriter

            self.tb = SummaryWriter(self.tb_dir, purge_step=self.start_step + 1 if self.start_step else None)
        return self.tb

    def write(self, step: int, split: str, metrics: dict[str, np.ndarray]) -> None:
        row = {"step": int(step), "split": split}
        row.update({k: np.asarray(v, np.float64).reshape(-1).tolist() for k, v in sorted(metrics.items())})
        with open(self.path, "a") as f:
            f.write(json.dumps(to_jsonable(row)) + "\n")
        if self._tensorboard() is not None:
            for k, v in metrics.items():
                v = np.asarray(v, np.float64).reshape(-1)
                if np.isfinite(v).any():  # every replica diverged: nothing to average
                    self.tb.add_scalar(f"{split}/{k}", float(np.nanmean(v)), step)
                if 1 < len(v) <= 16:
                    for r, x in enumerate(v):
                        self.tb.add_scalar(f"{split}/{k}/replica_{r}", float(x), step)

    def close(self) -> None:
        if self.tb is not None:
            self.tb.close()
