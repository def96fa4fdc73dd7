"""load_dataset: embedded and standard TFDS datasets read whole into numpy through TFDS data sources.

No TensorFlow: every dataset is read with `builder.as_data_source()` over array_record files.
Embedded datasets (mnist1d, digits, ...) are generated into the data dir on first use. Standard TFDS datasets
are prepared there once by `jaxdl.data.prepare.prepare_dataset` (`jaxdl prepare NAME`: TFDS's own builder,
which needs TensorFlow, the `prepare` extra). `jaxdl.data.record` fingerprints a prepared copy for the run
directory.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import logging
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from jaxdl.data import decoded
from jaxdl.data.dataset import Dataset
from jaxdl.data.imagenet import OPTIONS as IMAGENET_OPTIONS
from jaxdl.data.imagenet import SPLITS as IMAGENET_SPLITS
from jaxdl.data.pets import OPTIONS as PET_OPTIONS
from jaxdl.errors import UserError

if TYPE_CHECKING:
    import tensorflow_datasets as tfds

SPLITS = ("train", "test")
_CHUNK = 4096  # examples decoded per data-source call
INSTALL_PREPARE = "pip install -e '.[prepare]'"  # in the jaxdl checkout; `make install-prepare` runs it


def _tfds():
    """TFDS, imported when a dataset is first read, prepared or looked up (a cached dataset needs none)."""
    import tensorflow_datasets

    return tensorflow_datasets


def _lazy(path: str):
    """`_lazy("digits_builder.Digits")`: that attribute of a jaxdl.data module, imported on first use (the
    builders import TFDS; the readers of audio and text import what only they need)."""
    module, attr = path.rsplit(".", 1)
    return getattr(importlib.import_module(f"jaxdl.data.{module}"), attr)


@dataclasses.dataclass(frozen=True)
class Source:
    """How jaxdl reads one dataset: `read(builder, name, options) -> Dataset` over its train and test splits,
    the config.dataset options it takes, and for an embedded dataset its builder class (generated into the
    data dir on first use; the others must be prepared there already)."""

    read: Callable[[tfds.core.DatasetBuilder, str, dict], Dataset]
    options: tuple[str, ...] = ()
    embedded: str | None = None  # "module.Class" in jaxdl.data (`_lazy`)
    configs: bool = False  # also "name/config" (a TFDS builder config, e.g. ted_hrlr_translate/pt_to_en)
    open_prepared: Callable[[str, str], tfds.core.DatasetBuilder] | None = None  # (name, data_dir) -> builder,
    # for a prepared copy that tfds.builder cannot open without TensorFlow
    splits: tuple[str, str] = SPLITS  # the stored (train, test) splits jaxdl reads
    own_file: bool = False  # read from the user's file (config.dataset.path), no TFDS builder: read(None, ...)


def _sources(builder: tfds.core.DatasetBuilder) -> list:
    return builder.as_data_source(split=list(SPLITS))


def _arrays(keys: dict[str, str]) -> Callable:
    """Reader of fixed-shape features, TFDS feature -> Dataset key (one of them "inputs"); the class count
    from the "label" ClassLabel, else from the builder's NUM_CLASSES (digit_scenes)."""

    def read(builder, name, options):
        info = builder.info
        (input_key,) = [k for k, v in keys.items() if v == "inputs"]
        input_feature = info.features[input_key]
        input_shape = tuple(input_feature.shape)
        if None in input_shape:
            raise UserError(f"dataset '{name}' has variable-size inputs {input_shape}; jaxdl needs a fixed shape")
        specs = {"inputs": (input_shape, input_feature.np_dtype), "label": ((), np.int32)}
        specs = {key: specs.get(key) or (tuple(info.features[f].shape), info.features[f].np_dtype)
                 for f, key in keys.items()}
        train, test = (_to_numpy(source, keys, specs) for source in _sources(builder))
        num_classes = info.features["label"].num_classes if "label" in info.features else builder.NUM_CLASSES
        return Dataset(name=name, train=train, test=test, num_classes=int(num_classes), input_shape=input_shape)

    return read


def _tokens(chars: str) -> Callable:
    """Reader of fixed-length token ids {"inputs": [N, Tin], "targets": [N, Tout]} (seq2seq); num_classes is
    the vocabulary size, len(`_lazy(chars)`)."""

    def read(builder, name, options):
        keys = {"inputs": "inputs", "targets": "targets"}
        specs = {k: (tuple(builder.info.features[k].shape), np.int32) for k in keys}
        train, test = (_to_numpy(s, keys, specs) for s in _sources(builder))
        return Dataset(name=name, train=train, test=test, num_classes=len(_lazy(chars)),
                       input_shape=specs["inputs"][0])

    return read


def _text(builder, name, options):
    return _lazy("text.read_text_classification")(_sources(builder), name,
                                                   int(builder.info.features["label"].num_classes), **options)


def _translation(builder, name, options):
    source_lang, target_lang = builder.info.supervised_keys  # (source language, target language)
    return _lazy("text.read_translation")(_sources(builder), name, source_lang, target_lang, **options)


def _keywords(builder, name, options):
    return _lazy("speech.read_keywords")(_sources(builder), name, int(builder.info.features["label"].num_classes))


_IMAGES = _arrays({"image": "inputs", "label": "label"})  # standard TFDS image classification
_TEXT_OPTIONS = ("max_len", "vocab_size")

# name -> how to read it. Embedded first (generated offline on first use), then standard TFDS datasets.
DATASETS: dict[str, Source] = {
    "digits": Source(_arrays({"inputs": "inputs", "label": "label"}), embedded="digits_builder.Digits"),
    "digit_scenes": Source(_arrays({k: k for k in ("inputs", "segmentation", "boxes", "box_classes", "num_boxes")}),
                           embedded="digit_scenes_builder.DigitScenes"),
    "mnist1d": Source(_arrays({"inputs": "inputs", "label": "label"}), embedded="mnist1d_builder.Mnist1d"),
    "addition": Source(_tokens("addition_builder.CHARS"), embedded="addition_builder.Addition"),
    # CTC transcription from log-mel "features" + "digits" (jaxdl.data.speech)
    "spoken_digits": Source(lambda builder, name, options: _lazy("speech.read_ctc")(_sources(builder), name),
                            embedded="spoken_digits_builder.SpokenDigits"),
    **{name: Source(_IMAGES) for name in ("cifar10", "cifar100", "fashion_mnist", "kmnist", "mnist", "svhn_cropped")},
    "imdb_reviews": Source(_text, _TEXT_OPTIONS),  # ("text", "label") tokenized by jaxdl.data.text
    # keywords from "audio" + "label" (jaxdl.data.speech)
    "speech_commands": Source(_keywords, open_prepared=lambda name, data_dir: _speech_builder(name, data_dir)),
    # a TFDS Translation feature, tokenized by jaxdl.data.text, for seq2seq
    "ted_hrlr_translate": Source(_translation, ("max_len", "target_max_len", "vocab_size"), configs=True),
    # photos + trimaps, resized to config.dataset.image_size (jaxdl.data.pets)
    "oxford_iiit_pet": Source(lambda builder, name, options: _lazy("pets.read_pet_segmentation")(
        _sources(builder), name, **options), PET_OPTIONS),
    # manual download; photos centre-cropped and resized to config.dataset.image_size (jaxdl.data.imagenet),
    # evaluated on the validation split (TFDS's test split has no labels)
    "imagenet2012": Source(lambda builder, name, options: _lazy("imagenet.read_imagenet")(builder, name, **options),
                           IMAGENET_OPTIONS, splits=IMAGENET_SPLITS),
    # your own arrays: an .npz of x_train, y_train, x_test, y_test (jaxdl.data.arrays)
    "arrays": Source(lambda builder, name, options: _lazy("arrays.read_arrays")(**options), ("path",), own_file=True),
}


def default_data_dir() -> str:
    """$JAXDL_DATA_DIR if set, else ~/tensorflow_datasets (the TFDS default)."""
    return os.path.expanduser(os.environ.get("JAXDL_DATA_DIR") or "~/tensorflow_datasets")


def resolve_data_dir(data_dir: str | None = None) -> str:
    """The absolute TFDS data dir that `data_dir` (config.data_dir; "" or None: `default_data_dir()`) names."""
    return os.path.abspath(os.path.expanduser(data_dir or default_data_dir()))


def list_datasets() -> list[str]:
    """Names load_dataset accepts: the embedded datasets, then the standard TFDS ones."""
    return list(DATASETS)


def listed(data_dir: str | None = None) -> list[str]:
    """`list_datasets()` with each family of builder configs (ted_hrlr_translate) replaced by the configs
    prepared in data_dir ("ted_hrlr_translate/pt_to_en"), when there are any."""
    data_dir = resolve_data_dir(data_dir)
    names = []
    for name, source in DATASETS.items():
        family = os.path.join(data_dir, name)
        found = sorted(c for c in os.listdir(family) if os.path.isdir(os.path.join(family, c))) \
            if source.configs and os.path.isdir(family) else []
        names += [f"{name}/{c}" for c in found] or [name]
    return names


def dataset_options_of(name: str) -> tuple[str, ...]:
    """The options (config.dataset keys besides its name) that `name`'s reader takes; UserError for an
    unknown dataset."""
    return _source(name).options


def load_dataset(name: str, data_dir: str | None = None, **options) -> Dataset:
    """Loads the whole train and test splits of `name` into host memory.

    `options` (from config.dataset besides its name) only for text datasets (max_len, vocab_size),
    translation datasets (also target_max_len), oxford_iiit_pet and imagenet2012 (image_size).

    Embedded datasets are prepared into `data_dir` on first use (seconds, no network). Standard ones must
    be prepared there already (`jaxdl prepare NAME`). The decoded arrays are cached (jaxdl/data/decoded.py):
    a later load of the same prepared files memory-maps them. Raises UserError for an unknown name or a
    standard dataset that is missing locally (the message gives the `jaxdl prepare` command).
    """
    source = _source(name)
    allowed = source.options
    if set(options) - set(allowed):
        takes = f"only the options {', '.join(allowed)}" if allowed else "no options"
        raise UserError(f"dataset '{name}' takes {takes}, got {', '.join(sorted(options))}")
    if source.own_file:
        return source.read(None, name, options)
    data_dir = resolve_data_dir(data_dir)
    cached = decoded.load(decoded.entry_path(name, data_dir, options), name)  # decoded before: memory-mapped
    if cached is not None:
        return cached
    with _absl_warnings_off():
        builder = _builder(name, data_dir)
        if not builder.is_prepared():
            if not source.embedded:
                raise UserError(_not_prepared(name, data_dir))
            _prepare(_builder(name, data_dir, file_format="array_record"), name, data_dir)
            builder = _builder(name, data_dir)  # read back exactly as on every later use
        dataset = _read(builder, name, source, options)
    decoded.store(decoded.entry_path(name, data_dir, options), dataset, name, data_dir)
    return dataset






def _not_prepared(name: str, data_dir: str) -> str:
    return (f"dataset '{name}' is not prepared in {data_dir}: run `jaxdl prepare {name} --data_dir {data_dir}` "
            f"once, or set --config.data_dir to a TFDS data dir that holds it as array_record")














def _source(name: str) -> Source:
    """The table's entry for `name` ("name/config" for a dataset with builder configs); else UserError."""
    family = name.split("/")[0]
    if name in DATASETS:
        return DATASETS[name]
    if family in DATASETS and DATASETS[family].configs:
        return DATASETS[family]
    raise UserError(f"unknown dataset '{name}'; known datasets: {', '.join(list_datasets())}")


def _builder(name: str, data_dir: str, **kwargs) -> tfds.core.DatasetBuilder:
    """The builder for `name` in data_dir; file_format only for preparing (a prepared copy fixes its own)."""
    source = _source(name)
    if source.embedded:
        return _lazy(source.embedded)(data_dir=data_dir, **kwargs)
    if source.open_prepared and not kwargs:
        return source.open_prepared(name, data_dir)
    return _tfds().builder(name, data_dir=data_dir, **kwargs)


def _speech_builder(name: str, data_dir: str) -> tfds.core.DatasetBuilder:
    """speech_commands' TFDS code (its Audio feature) imports TensorFlow; without it, read the prepared
    copy from its files. A copy whose stored features are Audio still needs TensorFlow: one-line error."""
    tfds = _tfds()
    try:
        return tfds.builder(name, data_dir=data_dir)
    except ModuleNotFoundError:
        pass
    try:
        return tfds.core.read_only_builder.builder_from_files(name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError:
        raise UserError(_not_prepared(name, data_dir)) from None
    except ModuleNotFoundError as e:
        raise UserError(f"reading '{name}' with TFDS {tfds.__version__} needs the missing package '{e.name}' "
                        f"(its Audio feature); install it, or store the audio as a plain int16 Tensor") from None


def _prepare(builder: tfds.core.DatasetBuilder, name: str, data_dir: str) -> None:
    """Runs TFDS preparation, its progress bars off and its stdout chatter replaced by one line of ours."""
    print(f"jaxdl: preparing dataset '{name}' in {data_dir}", file=sys.stderr)
    tfds = _tfds()
    tqdm_utils = tfds.core.utils.tqdm_utils
    bars = getattr(tqdm_utils, "_active", True)
    tfds.display_progress_bar(False)
    try:  # urllib3 warns at each of TFDS's download retries (10 per file, minutes when offline)
        with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull), _absl_warnings_off("urllib3"):
            builder.download_and_prepare()
    except ModuleNotFoundError as e:
        # TFDS 4.9.10 needs TensorFlow to encode images while preparing (mnist, cifar10, ...), and
        # importlib_resources (undeclared, tensorflow/datasets#11212) for any builder with a checksums file.
        how = f"`{INSTALL_PREPARE}` in the jaxdl checkout" if e.name == "tensorflow" else f"`pip install {e.name}`"
        raise UserError(f"preparing '{name}' with TFDS {tfds.__version__} needs the missing package '{e.name}': "
                        f"install it with {how}") from e
    except OSError as e:  # no network, permission denied, disk full
        if builder.is_prepared():  # another process finished preparing it first
            return
        message = f"could not prepare dataset '{name}' in {data_dir} ({e}); check the network and the data dir"
        raise UserError(message) from e
    finally:
        tfds.display_progress_bar(bars)


def _read(builder: tfds.core.DatasetBuilder, name: str, source: Source, options: dict) -> Dataset:
    info = builder.info
    if not info.available_file_formats() & _tfds().core.file_adapters.FileFormat.with_random_access():
        raise UserError(
            f"dataset '{name}' in {builder.data_dir} is stored as {info.file_format.value}, which needs "
            f"TensorFlow; prepare it as array_record into another dir (`jaxdl prepare {name} --data_dir DIR`) "
            f"and set --config.data_dir to it"
        )
    missing = [s for s in source.splits if s not in info.splits]
    if missing:
        raise UserError(f"dataset '{name}' in {builder.data_dir} has no split(s) {missing}")
    return source.read(builder, name, options)


def _to_numpy(source, keys: dict[str, str], specs: dict[str, tuple]) -> dict[str, np.ndarray]:
    """Decodes a whole data source into preallocated arrays {"inputs": [N, *shape], "label": [N]}."""
    n = len(source)
    out = {key: np.empty((n, *shape), dtype) for key, (shape, dtype) in specs.items()}
    for start in range(0, n, _CHUNK):
        indices = list(range(start, min(n, start + _CHUNK)))
        for i, example in zip(indices, source.__getitems__(indices), strict=True):
            for feature, key in keys.items():
                out[key][i] = example[feature]
    return out


@contextlib.contextmanager
def _absl_warnings_off(*others: str):
    """Silences TFDS's absl warnings (e.g. 'no dataset_info.json', 'OpenCV is not installed'), and those of
    the loggers named in `others`."""
    loggers = [logging.getLogger(name) for name in ("absl", *others)]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
