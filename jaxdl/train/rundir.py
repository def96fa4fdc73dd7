"""Writing the run directory (the reader is `jaxdl.runs`). Only the driver calls this: effects live here.

metrics.jsonl holds no wall-clock values, so two runs of one command write byte-identical files on CPU;
timings go to summary.json.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import secrets
import subprocess
import sys
from typing import Any

import numpy as np

from jaxdl import platform
from jaxdl.errors import UserError
from jaxdl.train.workdir import OWNED, artefacts, probe_writable, record, remove_recorded, storage_error


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


def write_text(path: str, text: str) -> None:
    """Write atomically (a temp file of its own, then rename) so that a killed process never leaves half a
    file and a full disk leaves no empty one. A failed write raises StorageError."""
    tmp = f"{path}.{os.getpid()}.{secrets.token_hex(4)}.tmp"  # two writers of one file never share it
    try:
        with open(tmp, "x") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise storage_error(f"write {path}", e) from None


def write_json(path: str, obj: Any) -> None:
    """`obj` as indented JSON with sorted keys, written atomically (`write_text`)."""
    write_text(path, json.dumps(to_jsonable(obj), indent=2, sort_keys=True) + "\n")


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=os.path.dirname(os.path.abspath(__file__)))
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def environment(replicas: list[dict[str, Any]], mesh: dict[str, int] | None = None,
                model_path: str | None = None) -> dict[str, Any]:
    """env.json: versions, devices, XLA flags, command, and `mesh`, the run's device layout ({}: one device);
    `model_path`: the directory a model named by import path was imported from (jaxdl.models.import_root)."""
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
        "gpu_deterministic_ops": platform.gpu_deterministic(os.environ.get("XLA_FLAGS", "")),  # config.deterministic
        "compilation_cache": platform.compilation_cache_dir(),  # None: off (--no-compilation-cache)
        "git_commit": git_commit(),
        "command": sys.argv,
        "start_time": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "replicas": replicas,
    } | ({"model_path": model_path} if model_path else {})


def has_checkpoints(workdir: str) -> bool:
    ckpt = os.path.join(workdir, "checkpoints")
    return os.path.isdir(ckpt) and any(n.isdigit() for n in os.listdir(ckpt))


def _is_config(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _flat(tree: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(tree, dict):
        return {prefix: tree}
    out = {}
    for k, v in tree.items():
        out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
    return out


def differing_values(*configs: dict[str, Any]) -> dict[str, list[Any]]:
    """Dotted key ("optimizer.learning_rate") -> its value in each of `configs` (config.json dicts;
    "<absent>" where one lacks it), for the keys whose values are not all the same, sorted by key."""
    flat = [_flat(c) for c in configs]
    values = {k: [f.get(k, "<absent>") for f in flat] for k in sorted(set().union(*flat))}
    return {k: v for k, v in values.items() if any(x != v[0] for x in v)}


def config_difference(old: str, new: str, most: int = 3) -> str:
    """The keys two config.json texts differ in, e.g. "steps: 500 there, 600 here" (at most `most`)."""
    diff = differing_values(json.loads(old), json.loads(new))
    said = [f"{k}: {json.dumps(a)} there, {json.dumps(b)} here" for k, (a, b) in diff.items()]
    return "; ".join(said[:most]) + (f"; and {len(said) - most} more" if len(said) > most else "")


# The keys a run may change and still continue: only its length (see `extension_refusal`).
EXTENDABLE = ("steps",)


def extension_refusal(old: str, new: str) -> str | None:
    """Why the run of config.json text `old` cannot be continued as `new`, or None when it can: `new` differs
    only in a larger `steps`, and the steps already taken (their learning rates, their logged intervals)
    are those the longer run takes. Data order depends on the step alone (jaxdl/train/loop.py)."""
    a, b = _flat(json.loads(old)), _flat(json.loads(new))
    changed = {k for k in a.keys() | b.keys() if a.get(k, "<absent>") != b.get(k, "<absent>")}
    if not changed or changed - set(EXTENDABLE):
        return "a different config"
    if not b["steps"] > a["steps"]:
        return f"steps: {a['steps']} there, {b['steps']} here: a run can be extended, not shortened"
    if a["optimizer.schedule"] != "constant":
        return (f"optimizer.schedule is {a['optimizer.schedule']!r}: its decay length is steps, so steps "
                f"{b['steps']} would change the learning rate of the {a['steps']} steps already taken")
    if a["steps"] % a["log_every"]:
        return (f"log_every: the {a['steps']}-step run's last train line averages {a['steps'] % a['log_every']} "
                f"steps, not log_every={a['log_every']} as a {b['steps']}-step run's would")
    return None


def prepare_workdir(workdir: str, config_json: str, overwrite: bool, write: bool = True) -> bool:
    """Make `workdir` ready for a run of `config_json`; True when it resumes (same config, checkpoints).

    A config that only extends the run there (a larger `steps`, `extension_refusal`) continues it:
    config.json is rewritten to the new one, once the checks pass, and the run resumes.

    Process 0 calls it holding the workdir's lock (jaxdl.train.workdir.WorkdirLock), which created the
    directory. Refused (UserError) unless `overwrite`: a run of a different config, and jaxdl files without a
    valid config.json (e.g. checkpoints whose config.json was lost). `overwrite` always starts afresh and
    removes only what manifest.json says jaxdl wrote. The workdir and an existing checkpoints/ are checked
    writable. Nothing is written before the checks pass, and nothing at all when resuming (the driver
    truncates metrics.jsonl once a checkpoint has been restored). write=False only checks (the processes
    other than 0 of a multi-process run).
    """
    existing = os.path.join(workdir, "config.json")
    if os.path.exists(workdir) and not os.path.isdir(workdir):
        raise UserError(f"workdir {workdir} exists and is not a directory")
    text = None
    if os.path.isfile(existing):
        with open(existing) as f:
            text = f.read()
    valid = text is not None and _is_config(text)
    same = valid and text == config_json
    if not overwrite:
        refusal = extension_refusal(text, config_json) if valid and not same else None
        if refusal == "a different config":
            raise UserError(f"workdir {workdir} holds a run of a different config "
                            f"({config_difference(text, config_json)}); use a fresh workdir or --overwrite")
        if refusal:
            raise UserError(f"workdir {workdir} holds a run that cannot be extended ({refusal}); use a fresh "
                            "workdir or --overwrite")
        same = valid  # the same config, or an extension of it
        found = artefacts(workdir)
        if not valid and found:
            raise UserError(f"workdir {workdir} holds jaxdl files ({', '.join(found)}) but no valid config.json; "
                            "use another workdir, or --overwrite to replace them")
    if not write:
        return same and not overwrite and has_checkpoints(workdir)
    probe_writable(workdir, "workdir")
    if os.path.isdir(os.path.join(workdir, "checkpoints")):
        probe_writable(os.path.join(workdir, "checkpoints"), "checkpoints directory")
    if same and not overwrite and has_checkpoints(workdir):
        if text != config_json:  # an extension: the run is now the longer one
            write_text(existing, config_json)
        return True
    remove_recorded(workdir)
    write_text(existing, config_json)
    record(workdir, list(OWNED))  # before the other files: a run killed at any point leaves them listed
    return False


def finished_summary(workdir: str, steps: int) -> dict[str, Any] | None:
    """summary.json of a run in `workdir` that completed all `steps`, or None: a rerun of it changes nothing."""
    try:
        with open(os.path.join(workdir, "summary.json")) as f:
            summary = json.load(f)
    except (OSError, ValueError):
        return None
    done = isinstance(summary, dict) and summary.get("status") == "completed" and summary.get("steps") == steps
    return summary if done else None


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

    def __init__(self, workdir: str, tensorboard: bool = True, start_step: int = 0,
                 points: list[tuple[dict[str, float], list[int]]] | None = None):
        """start_step > 0 resumes: lines (and TensorBoard events) after start_step are dropped. points: the
        sweep points as (hparams, replica indices); TensorBoard gets the mean over each point's replicas
        ("test/accuracy/learning_rate_0.001"; "test/accuracy" for a run without a sweep)."""
        self.points = points if points and len(points) > 1 else None
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
        try:
            with open(self.path, "a") as f:
                f.write(json.dumps(to_jsonable(row)) + "\n")
        except OSError as e:
            raise storage_error(f"write {self.path}", e) from None
        if self._tensorboard() is not None:
            for k, v in metrics.items():
                v = np.asarray(v, np.float64).reshape(-1)
                for hparams, idx in self.points or [({}, list(range(len(v))))]:
                    where = "_".join(f"{n.split('.')[-1]}_{x:g}" for n, x in hparams.items())
                    tag = f"{split}/{k}/{where}" if where else f"{split}/{k}"
                    if np.isfinite(v[idx]).any():  # every replica diverged: nothing to average
                        self.tb.add_scalar(tag, float(np.nanmean(v[idx])), step)
                if 1 < len(v) <= 16:
                    for r, x in enumerate(v):
                        if np.isfinite(x):  # a diverged replica's NaN: a gap, not a tensorboardX warning
                            self.tb.add_scalar(f"{split}/{k}/replica_{r}", float(x), step)

    def close(self) -> None:
        if self.tb is not None:
            self.tb.close()
            self.tb, self.tb_dir = None, None  # closed for good: a second close does nothing
