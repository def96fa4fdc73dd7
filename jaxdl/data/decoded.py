"""The decoded-array cache: a dataset decoded once (MNIST: 70,000 PNGs, seconds), memory-mapped afterwards.

An entry is a directory of .npy files ({split}.{key}.npy, one per array of a `Dataset` split) and meta.json
(num_classes, input_shape), under $JAXDL_DATA_CACHE, else <cache home>/jaxdl/datasets (never inside the data
dir, which may be read-only). Its name holds a key of everything the arrays follow from: the dataset's name
and options, every file of its prepared copy in the data dir (relative path, size, mtime, and
dataset_info.json's content) and the source of jaxdl's readers (jaxdl/data/*.py). Preparing the dataset
again, or changing a reader, gives a new key; the entry of the old key for the same data dir is removed when
the new one is written. An entry is written to a temporary directory and renamed into place, so a killed
process leaves none half written. JAXDL_DATA_CACHE=off turns the cache off. Beside the arrays, an entry may
hold record.json, the prepared copy's version and fingerprint (jaxdl/data/record.py), valid as long as the
entry's key is.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import hashlib
import json
import os
import shutil
import tempfile
import warnings

import numpy as np

from jaxdl import platform
from jaxdl.data.dataset import Dataset

ENV = "JAXDL_DATA_CACHE"
SPLITS = ("train", "test")
RECORD = "record.json"


def cache_dir() -> str | None:
    """$JAXDL_DATA_CACHE, else <cache home>/jaxdl/datasets; None when $JAXDL_DATA_CACHE is "off"."""
    path = os.environ.get(ENV)
    if path == "off":
        return None
    return os.path.expanduser(path) if path else os.path.join(platform.cache_home(), "jaxdl", "datasets")


def _prepared_dir(name: str, data_dir: str) -> str:
    return os.path.join(data_dir, *name.split("/"))  # TFDS: <data dir>/<name>[/<config>]/<version>/


def _digest(parts: list) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:24]


@functools.cache
def _readers() -> tuple:
    """(file, sha256) of jaxdl's dataset code: a change to how a dataset is read is a new key. Hashed once
    per process (the code a process reads with does not change under it)."""
    here = os.path.dirname(os.path.abspath(__file__))
    out = []
    for path in sorted(glob.glob(os.path.join(here, "*.py"))):
        with open(path, "rb") as f:
            out.append((os.path.basename(path), hashlib.sha256(f.read()).hexdigest()))
    return tuple(out)


def entry_path(name: str, data_dir: str, options: dict) -> str | None:
    """The cache entry that `name` prepared in `data_dir`, read with `options`, has (existing or not); None
    when the cache is off or the dataset is not in the data dir."""
    root, prepared = cache_dir(), _prepared_dir(name, data_dir)
    if root is None or not os.path.isdir(prepared):
        return None
    files = []
    for dirpath, dirnames, filenames in os.walk(prepared):
        dirnames.sort()
        for f in sorted(filenames):
            path = os.path.join(dirpath, f)
            st = os.stat(path)
            files.append((os.path.relpath(path, prepared), st.st_size, st.st_mtime_ns))
            if f == "dataset_info.json":
                with open(path, "rb") as fh:
                    files.append(hashlib.sha256(fh.read()).hexdigest())
    if not files:
        return None
    key = _digest([name, options, files, _readers()])
    return os.path.join(root, f"{_prefix(name, data_dir)}{key}")


def _prefix(name: str, data_dir: str) -> str:
    """Entries of one dataset in one data dir share this prefix (one of them is current)."""
    return f"{name.replace('/', '_')}-{_digest([data_dir])[:8]}-"


def load(path: str | None, name: str) -> Dataset | None:
    """The entry at `path` as a Dataset of read-only memory-mapped arrays; None when there is none."""
    if path is None or not os.path.isfile(os.path.join(path, "meta.json")):
        return None
    try:
        with open(os.path.join(path, "meta.json")) as f:
            meta = json.load(f)
        splits = {s: {k: np.load(os.path.join(path, f"{s}.{k}.npy"), mmap_mode="r") for k in meta["keys"][s]}
                  for s in SPLITS}
    except (OSError, ValueError, KeyError):
        return None  # unreadable: decoded again, and written again
    return Dataset(name=name, train=splits["train"], test=splits["test"], num_classes=meta["num_classes"],
                   input_shape=tuple(meta["input_shape"]))


def read_record(path: str | None) -> dict | None:
    """The entry's record.json ({"version", "fingerprint"} of its prepared copy), None when it has none."""
    try:
        with open(os.path.join(path, RECORD)) as f:
            record = json.load(f)
    except (TypeError, OSError, ValueError):  # TypeError: no entry (path None)
        return None
    return record if isinstance(record, dict) and set(record) == {"version", "fingerprint"} else None


def write_record(path: str | None, record: dict) -> None:
    """Keep `record` as the entry's record.json (atomically), when the entry exists and is writable; else
    nothing (the record is computed again next time)."""
    if path is None or not os.path.isfile(os.path.join(path, "meta.json")):
        return
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path)
        with os.fdopen(fd, "w") as f:
            json.dump(record, f)
        os.replace(tmp, os.path.join(path, RECORD))
    except OSError:  # a read-only cache, or the entry removed meanwhile
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.remove(tmp)


def store(path: str | None, dataset: Dataset, name: str, data_dir: str) -> None:
    """Write `dataset` as the entry at `path` (atomically), removing older entries of the same dataset and
    data dir. Only a plain Dataset (arrays and two numbers) is cached. A failed write warns and is skipped:
    the run goes on with the decoded arrays."""
    if path is None or type(dataset) is not Dataset or os.path.exists(path):
        return
    root = os.path.dirname(path)
    tmp = None
    try:
        os.makedirs(root, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=".tmp-", dir=root)
        splits = {"train": dataset.train, "test": dataset.test}
        for s, arrays in splits.items():
            for k, v in arrays.items():
                np.save(os.path.join(tmp, f"{s}.{k}.npy"), np.asarray(v))
        meta = {"keys": {s: sorted(a) for s, a in splits.items()}, "num_classes": int(dataset.num_classes),
                "input_shape": list(dataset.input_shape)}
        with open(os.path.join(tmp, "meta.json"), "w") as f:
            json.dump(meta, f)
        os.replace(tmp, path)  # a directory: atomic; another process that wrote it first wins
        tmp = None
        prefix = _prefix(name, data_dir)
        for old in os.listdir(root):
            if old.startswith(prefix) and os.path.join(root, old) != path:
                shutil.rmtree(os.path.join(root, old), ignore_errors=True)
    except OSError as e:
        if not os.path.isdir(path):
            warnings.warn(f"could not cache the decoded '{name}' in {root}: {e.strerror or e}", stacklevel=3)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
