"""`jaxdl prepare` and `jaxdl datasets`: prepare a dataset into the data dir with TFDS's own builder, and say
what is prepared there (read from dataset_info.json, nothing decoded)."""

from __future__ import annotations

import importlib.util
import os

from jaxdl.data.load import INSTALL_PREPARE, _absl_warnings_off, _builder, _prepare, _source, _tfds, resolve_data_dir
from jaxdl.errors import UserError


def prepare_dataset(name: str, data_dir: str | None = None) -> tuple[str, bool]:
    """Prepares `name` into `data_dir` as array_record with TFDS's own builder (downloading a standard
    dataset; an embedded one is generated offline). Returns (the prepared copy's directory, whether it was
    prepared now rather than found). UserError without TensorFlow (standard datasets), for a manual-download
    dataset whose files are not in TFDS's manual_dir (DATA_DIR/downloads/manual), or when preparing fails."""
    source = _source(name)
    data_dir = resolve_data_dir(data_dir)
    if source.own_file:
        raise UserError(f"'{name}' is read from your own file (--config.dataset.path=FILE.npz): nothing to prepare")
    if source.configs and "/" not in name:  # TFDS would pick its default config, likely not the one meant
        configs = [c.name for c in _tfds().builder_cls(name).BUILDER_CONFIGS]
        raise UserError(f"'{name}' has builder configs: name one, e.g. `jaxdl prepare {name}/{configs[0]}`; "
                        f"its configs: {', '.join(configs)}")
    if not source.embedded and not has_tensorflow():
        raise UserError(f"preparing '{name}' needs TensorFlow (TFDS's builders encode through it); install it "
                        f"with `{INSTALL_PREPARE}` in the jaxdl checkout (or `make install-prepare`)")
    with _absl_warnings_off():
        builder = _builder(name, data_dir, file_format="array_record")
        if builder.is_prepared():
            return str(builder.data_dir), False
        instructions = " ".join((getattr(builder, "MANUAL_DOWNLOAD_INSTRUCTIONS", None) or "").split())
        manual_dir = os.path.join(data_dir, "downloads", "manual")
        if instructions and not (os.path.isdir(manual_dir) and os.listdir(manual_dir)):
            raise UserError(f"'{name}' cannot be downloaded automatically: put its files into {manual_dir} "
                            f"(TFDS: {instructions}), then run `jaxdl prepare {name} --data_dir {data_dir}` again")
        _prepare(builder, name, data_dir)
        return str(builder.data_dir), True


def has_tensorflow() -> bool:
    """Whether TensorFlow is installed (the `prepare` extra), without importing it (seconds)."""
    return importlib.util.find_spec("tensorflow") is not None


def is_prepared(name: str, data_dir: str | None = None) -> bool:
    """Whether `name` is already prepared in `data_dir` (embedded datasets prepare themselves anyway; "arrays",
    a file of the user's, has nothing to prepare)."""
    if _source(name).own_file:
        return True
    data_dir = resolve_data_dir(data_dir)
    with _absl_warnings_off():
        return _builder(name, data_dir).is_prepared()


def describe(name: str, data_dir: str | None = None) -> dict:
    """What `jaxdl datasets` shows of `name` in data_dir: {"name", "kind": "embedded" | "standard",
    "prepared": bool, "splits": {split: examples}} ({} unless prepared), read from the builder's
    dataset_info.json (nothing decoded)."""
    source = _source(name)
    data_dir = resolve_data_dir(data_dir)
    kind = "embedded" if source.embedded else "own" if source.own_file else "standard"
    out = {"name": name, "kind": kind, "prepared": False, "splits": {}}
    if source.own_file:  # nothing in the data dir: the file is the config's
        return out
    if source.configs and "/" not in name:  # a family: its configs are the datasets (`listed`)
        return out
    if not os.path.isdir(os.path.join(data_dir, *name.split("/"))):  # TFDS's layout: DATA_DIR/name/version
        return out  # not prepared, and no builder imported (speech_commands' imports TensorFlow)
    with _absl_warnings_off():
        try:
            builder = _builder(name, data_dir)
        except UserError:  # e.g. speech_commands without TensorFlow and not prepared
            return out
        if builder.is_prepared():
            out["prepared"] = True
            out["splits"] = {k: int(v.num_examples) for k, v in builder.info.splits.items()}
    return out

