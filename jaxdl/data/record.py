"""The run's data record: which prepared copy of a dataset a run read (`data_record`, written to the run
directory), and `check_data`, which refuses one that is gone or changed since."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from jaxdl.data import decoded
from jaxdl.data.load import _absl_warnings_off, _builder, _source, _tfds, resolve_data_dir
from jaxdl.errors import UserError

if TYPE_CHECKING:
    import tensorflow_datasets as tfds


def data_record(name: str, data_dir: str | None = None, options: dict | None = None) -> dict | None:
    """{"name", "data_dir", "version", "fingerprint"} of `name` as prepared in data_dir (what a run directory
    records); None when it is not prepared there. The fingerprint is a hash of its dataset_info.json and the
    names and sizes of its data files: cheap, nothing decoded. Given the `options` it was loaded with, the
    version and fingerprint are kept beside its decoded-cache entry, whose key covers every file of the
    prepared copy: a later run of the same copy reads them there without opening the TFDS builder."""
    if _source(name).own_file:  # the user's file: config.json records its absolute path
        return None
    data_dir = resolve_data_dir(data_dir)
    entry = decoded.entry_path(name, data_dir, options) if options is not None else None
    known = decoded.read_record(entry)
    if known is not None:
        return {"name": name, "data_dir": data_dir, **known}
    with _absl_warnings_off():
        try:
            builder = _builder(name, data_dir)
        except (UserError, _tfds().core.registered.DatasetNotFoundError):
            return None
        if not builder.is_prepared():
            return None
        known = {"version": str(builder.version), "fingerprint": _fingerprint(builder)}
    decoded.write_record(entry, known)
    return {"name": name, "data_dir": data_dir, **known}


def check_data(name: str, data_dir: str, record: dict | None = None) -> None:
    """UserError unless `name` is still prepared in `data_dir` (never prepares it) and, given the `record`
    (`data_record`) a run wrote, unchanged since."""
    now = data_record(name, data_dir)
    if now is None and not _is_tfds(name):
        return  # not a TFDS dataset: no prepared copy to check
    if now is None:
        raise UserError(f"dataset '{name}' is gone from {data_dir}, the data dir this run used; restore it there "
                        f"(`jaxdl prepare {name} --data_dir {data_dir}` makes it anew, maybe not identical)")
    if record and (record.get("version"), record.get("fingerprint")) != (now["version"], now["fingerprint"]):
        raise UserError(f"dataset '{name}' in {data_dir} changed since this run used it (version "
                        f"{record.get('version')}, fingerprint {record.get('fingerprint')} then; {now['version']}, "
                        f"{now['fingerprint']} now)")


def _is_tfds(name: str) -> bool:
    """Whether `name` is an embedded builder or one TFDS registers (prepared or not)."""
    if _source(name).embedded:
        return True
    if _source(name).own_file:
        return False
    tfds = _tfds()
    try:
        tfds.builder_cls(name.split("/")[0])
    except tfds.core.registered.DatasetNotFoundError:
        return False
    return True


def _fingerprint(builder: tfds.core.DatasetBuilder) -> str:
    digest = hashlib.sha256()
    root = builder.data_path
    digest.update((root / "dataset_info.json").read_bytes())
    for split in sorted(builder.info.splits):
        for path in builder.info.splits[split].filepaths:
            digest.update(f"{path.name} {path.stat().length}\n".encode())
    return digest.hexdigest()[:16]

