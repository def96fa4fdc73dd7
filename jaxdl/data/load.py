"""load_dataset: embedded and standard TFDS datasets read whole into numpy through TFDS data sources.

No TensorFlow: every dataset is read with `builder.as_data_source()` over array_record files.
Embedded datasets (mnist1d, digits) are generated into the data dir on first use. Standard TFDS datasets
must already be prepared there in array_record format; jaxdl downloads only when asked (download=True).
"""

import contextlib
import logging
import os
import sys

import numpy as np
import tensorflow_datasets as tfds

from jaxdl.data.addition_builder import CHARS, Addition
from jaxdl.data.dataset import Dataset
from jaxdl.data.digit_scenes_builder import DigitScenes
from jaxdl.data.digits_builder import Digits
from jaxdl.data.mnist1d_builder import Mnist1d
from jaxdl.data.pets import OPTIONS as PET_OPTIONS
from jaxdl.data.pets import SEGMENTATION, read_pet_segmentation
from jaxdl.data.speech import read_ctc, read_keywords
from jaxdl.data.spoken_digits_builder import SpokenDigits
from jaxdl.data.text import read_text_classification, read_translation
from jaxdl.errors import UserError

EMBEDDED = {"digits": Digits, "digit_scenes": DigitScenes, "mnist1d": Mnist1d, "addition": Addition,
            "spoken_digits": SpokenDigits}
SEQUENCE = {"addition": len(CHARS)}  # embedded seq2seq datasets ("inputs", "targets") -> vocabulary size
# Standard TFDS image classification: feature "image" uint8 [H, W, C] -> "inputs", "label" -> "label".
# Text classification ("text", "label") is tokenized by jaxdl.data.text (options max_len, vocab_size).
TEXT = ("imdb_reviews",)
# Translation (a TFDS Translation feature; "name/config", e.g. ted_hrlr_translate/pt_to_en) for seq2seq:
# tokenized by jaxdl.data.text.read_translation (options max_len, target_max_len, vocab_size).
TRANSLATION = ("ted_hrlr_translate",)
# Speech (jaxdl.data.speech): CTC transcription from log-mel "features" + "digits"; keywords from "audio" + "label".
SPEECH_CTC, SPEECH_KEYWORDS = ("spoken_digits",), ("speech_commands",)
# Segmentation (jaxdl.data.pets): oxford_iiit_pet's photos + trimaps, resized to config.dataset.image_size.
STANDARD = ("cifar10", "cifar100", "fashion_mnist", "kmnist", "mnist", "svhn_cropped", *TEXT, *SPEECH_KEYWORDS,
            *TRANSLATION, *SEGMENTATION)
SPLITS = ("train", "test")
_EMBEDDED_KEYS = {"inputs": "inputs", "label": "label"}  # TFDS feature -> Dataset key
_STANDARD_KEYS = {"image": "inputs", "label": "label"}
# Dense-vision datasets carry other targets than "label" (every feature keeps its name).
_DENSE_KEYS = {"digit_scenes": {k: k for k in ("inputs", "segmentation", "boxes", "box_classes", "num_boxes")}}
_CHUNK = 4096  # examples decoded per data-source call
_RANDOM_ACCESS = tfds.core.file_adapters.FileFormat.with_random_access()  # array_record, parquet


def default_data_dir() -> str:
    """$JAXDL_DATA_DIR if set, else ~/tensorflow_datasets (the TFDS default)."""
    return os.path.expanduser(os.environ.get("JAXDL_DATA_DIR") or "~/tensorflow_datasets")


def list_datasets() -> list[str]:
    """Names load_dataset accepts: the embedded datasets, then the standard TFDS ones."""
    return [*EMBEDDED, *STANDARD]


def load_dataset(name: str, data_dir: str | None = None, *, download: bool = False, **options) -> Dataset:
    """Loads the whole train and test splits of `name` into host memory.

    `options` (from config.dataset besides its name) only for text datasets (max_len, vocab_size),
    translation datasets (also target_max_len) and oxford_iiit_pet (image_size).

    Embedded datasets are prepared into `data_dir` on first use (seconds, no network). Standard ones must
    be prepared there already (array_record format) unless download=True. Raises UserError for an unknown
    name or a standard dataset that is missing locally.
    """
    _check_name(name)
    allowed = (("max_len", "vocab_size") if name in TEXT else
               ("max_len", "target_max_len", "vocab_size") if _family(name) in TRANSLATION else
               PET_OPTIONS if name in SEGMENTATION else ())
    if set(options) - set(allowed):
        takes = f"only the options {', '.join(allowed)}" if allowed else "no options"
        raise UserError(f"dataset '{name}' takes {takes}, got {', '.join(sorted(options))}")
    data_dir = os.path.expanduser(data_dir or default_data_dir())
    with _absl_warnings_off():
        builder = _builder(name, data_dir)
        if not builder.is_prepared():
            if name not in EMBEDDED and not download:
                raise UserError(
                    f"dataset '{name}' is not in {data_dir} and jaxdl does not download unless asked: "
                    f"set --config.data_dir to a TFDS data dir holding {name} prepared as array_record"
                )
            _prepare(_builder(name, data_dir, file_format="array_record"), name, data_dir)
            builder = _builder(name, data_dir)  # read back exactly as on every later use
        keys = _DENSE_KEYS.get(name) or (_EMBEDDED_KEYS if name in EMBEDDED else _STANDARD_KEYS)
        return _read(builder, name, keys, options)


def is_prepared(name: str, data_dir: str | None = None) -> bool:
    """Whether `name` is already prepared in `data_dir` (embedded datasets prepare themselves anyway)."""
    _check_name(name)
    data_dir = os.path.expanduser(data_dir or default_data_dir())
    with _absl_warnings_off():
        return _builder(name, data_dir).is_prepared()


def _family(name: str) -> str:
    """The TFDS dataset name without its config: "ted_hrlr_translate/pt_to_en" -> "ted_hrlr_translate"."""
    return name.split("/")[0]


def _check_name(name: str) -> None:
    if name not in EMBEDDED and name not in STANDARD and _family(name) not in TRANSLATION:
        raise UserError(f"unknown dataset '{name}'; known datasets: {', '.join(list_datasets())}")


def _builder(name: str, data_dir: str, **kwargs) -> tfds.core.DatasetBuilder:
    """The builder for `name` in data_dir; file_format only for preparing (a prepared copy fixes its own)."""
    if name in EMBEDDED:
        return EMBEDDED[name](data_dir=data_dir, **kwargs)
    if name in SPEECH_KEYWORDS and not kwargs:
        return _speech_builder(name, data_dir)
    return tfds.builder(name, data_dir=data_dir, **kwargs)


def _speech_builder(name: str, data_dir: str) -> tfds.core.DatasetBuilder:
    """speech_commands' TFDS code (its Audio feature) imports TensorFlow; without it, read the prepared
    copy from its files. A copy whose stored features are Audio still needs TensorFlow: one-line error."""
    try:
        return tfds.builder(name, data_dir=data_dir)
    except ModuleNotFoundError:
        pass
    try:
        return tfds.core.read_only_builder.builder_from_files(name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError:
        raise UserError(f"dataset '{name}' is not in {data_dir} and jaxdl does not download it: set "
                        f"--config.data_dir to a TFDS data dir holding {name} prepared as array_record") from None
    except ModuleNotFoundError as e:
        raise UserError(f"reading '{name}' with TFDS {tfds.__version__} needs the missing package '{e.name}' "
                        f"(its Audio feature); install it, or store the audio as a plain int16 Tensor") from None


def _prepare(builder: tfds.core.DatasetBuilder, name: str, data_dir: str) -> None:
    """Runs TFDS preparation, its progress bars off and its stdout chatter replaced by one line of ours."""
    print(f"jaxdl: preparing dataset '{name}' in {data_dir} (first use)", file=sys.stderr)
    tqdm_utils = tfds.core.utils.tqdm_utils
    bars = getattr(tqdm_utils, "_active", True)
    tfds.display_progress_bar(False)
    try:
        with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
            builder.download_and_prepare()
    except ModuleNotFoundError as e:
        # TFDS 4.9.10 needs TensorFlow to encode images while preparing (mnist, cifar10, ...), and
        # importlib_resources (undeclared, tensorflow/datasets#11212) for any builder with a checksums file.
        raise UserError(
            f"preparing '{name}' with TFDS {tfds.__version__} needs the missing package '{e.name}'; prepare "
            f"it elsewhere with `tfds build {name} --file_format=array_record`; set --config.data_dir to it"
        ) from e
    except OSError as e:  # no network, permission denied, disk full
        if builder.is_prepared():  # another process finished preparing it first
            return
        message = f"could not prepare dataset '{name}' in {data_dir} ({e}); check --config.data_dir"
        raise UserError(message) from e
    finally:
        tfds.display_progress_bar(bars)


def _read(builder: tfds.core.DatasetBuilder, name: str, keys: dict[str, str], options: dict) -> Dataset:
    info = builder.info
    if not info.available_file_formats() & _RANDOM_ACCESS:
        raise UserError(
            f"dataset '{name}' in {builder.data_dir} is stored as {info.file_format.value}, which needs "
            f"TensorFlow; re-prepare it with --file_format=array_record; set --config.data_dir to it"
        )
    missing = [s for s in SPLITS if s not in info.splits]
    if missing:
        raise UserError(f"dataset '{name}' in {builder.data_dir} has no split(s) {missing}")
    if name in TEXT:
        sources = builder.as_data_source(split=list(SPLITS))
        return read_text_classification(sources, name, int(info.features["label"].num_classes), **options)
    if _family(name) in TRANSLATION:  # supervised_keys: (source language, target language)
        source_lang, target_lang = info.supervised_keys
        sources = builder.as_data_source(split=list(SPLITS))
        return read_translation(sources, name, source_lang, target_lang, **options)
    if name in SEGMENTATION:
        return read_pet_segmentation(builder.as_data_source(split=list(SPLITS)), name, **options)
    if name in SPEECH_CTC:
        return read_ctc(builder.as_data_source(split=list(SPLITS)), name)
    if name in SPEECH_KEYWORDS:
        sources = builder.as_data_source(split=list(SPLITS))
        return read_keywords(sources, name, int(info.features["label"].num_classes))
    if name in SEQUENCE:  # fixed-length token ids: {"inputs": [N, Tin], "targets": [N, Tout]}
        keys = {"inputs": "inputs", "targets": "targets"}
        specs = {k: (tuple(info.features[k].shape), np.int32) for k in keys}
        train, test = (_to_numpy(s, keys, specs) for s in builder.as_data_source(split=list(SPLITS)))
        return Dataset(name=name, train=train, test=test, num_classes=SEQUENCE[name],
                       input_shape=specs["inputs"][0])
    (input_key,) = [k for k, v in keys.items() if v == "inputs"]
    input_feature = info.features[input_key]
    input_shape = tuple(input_feature.shape)
    if None in input_shape:
        raise UserError(f"dataset '{name}' has variable-size inputs {input_shape}; jaxdl needs a fixed shape")
    specs = {"inputs": (input_shape, input_feature.np_dtype), "label": ((), np.int32)}
    specs = {key: specs.get(key) or (tuple(info.features[f].shape), info.features[f].np_dtype)
             for f, key in keys.items()}
    sources = builder.as_data_source(split=list(SPLITS))
    train, test = (_to_numpy(source, keys, specs) for source in sources)
    return Dataset(
        name=name,
        train=train,
        test=test,
        # datasets without a "label" ClassLabel (digit_scenes) state their class count on the builder
        num_classes=int(info.features["label"].num_classes if "label" in info.features else builder.NUM_CLASSES),
        input_shape=input_shape,
    )


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
def _absl_warnings_off():
    """Silences TFDS's absl warnings (e.g. 'no dataset_info.json', 'OpenCV is not installed')."""
    logger = logging.getLogger("absl")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
