"""Synthetic data of a dataset's shapes, for benchmarks and ahead-of-time compiles that must not need the real
data. Values are random but valid for the dataset's task (token ids below the vocabulary, boxes inside the
canvas, label lengths the frames can hold), so every task's step runs as it would on the real split.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from jaxdl.data.dataset import Dataset
from jaxdl.errors import UserError

# classification: name -> (per-example input shape, stored dtype, num_classes), as load_dataset returns them.
SHAPES = {
    "mnist1d": ((40,), np.float32, 10),
    "digits": ((8, 8, 1), np.float32, 10),
    "mnist": ((28, 28, 1), np.uint8, 10),
    "fashion_mnist": ((28, 28, 1), np.uint8, 10),
    "kmnist": ((28, 28, 1), np.uint8, 10),
    "cifar10": ((32, 32, 3), np.uint8, 10),
    "cifar100": ((32, 32, 3), np.uint8, 100),
    "svhn_cropped": ((32, 32, 3), np.uint8, 10),
    "imagenet2012": ((224, 224, 3), np.uint8, 1000),
}
# spoken_digits pads every utterance to its split's longest; 300 frames (3 s at 10 ms hops) is typical of
# its 1..7 digits with silences, MAX_LABEL its most digits.
SPEECH_FRAMES, SPEECH_MELS, SPEECH_MAX_LABEL = 300, 40, 7


def _image(rng, n, shape, dtype):
    if dtype == np.uint8:
        return rng.integers(0, 256, (n, *shape), dtype=np.uint8)
    return rng.standard_normal((n, *shape), dtype=np.float32)


def _classification(name):
    shape, dtype, num_classes = SHAPES[name]

    def make(rng, n, options):
        return {"inputs": _image(rng, n, shape, dtype), "label": rng.integers(0, num_classes, n, dtype=np.int32)}

    return make, lambda options: (num_classes, shape)


def _tokens(rng, n, in_len, out_len, vocab):
    """Seq2seq ids: 3 reserved ids (pad, bos, eos) below, the last target an EOS (id 2)."""
    targets = rng.integers(3, vocab, (n, out_len), dtype=np.int32)
    targets[:, -1] = 2
    return {"inputs": rng.integers(3, vocab, (n, in_len), dtype=np.int32), "targets": targets}


def _addition(rng, n, options):
    from jaxdl.data.addition_builder import CHARS, INPUT_LEN, TARGET_LEN
    return _tokens(rng, n, INPUT_LEN, TARGET_LEN, len(CHARS))


def _translation(rng, n, options):
    return _tokens(rng, n, options.get("max_len", 32), options.get("target_max_len", 32),
                   options.get("vocab_size", 8000))


def _scenes(rng, n, options):
    """digit_scenes: 48 x 48 canvases, 1..4 boxes of 12..28 px each, a class map of 11 values."""
    from jaxdl.data.digit_scenes_builder import MAX_BOXES, NUM_CLASSES, SIZE
    num_boxes = rng.integers(1, MAX_BOXES + 1, n, dtype=np.int32)
    corner = rng.uniform(0, SIZE - 28, (n, MAX_BOXES, 2))
    size = rng.uniform(12, 28, (n, MAX_BOXES, 2))
    boxes = np.concatenate([corner, corner + size], -1).astype(np.float32)
    present = np.arange(MAX_BOXES)[None] < num_boxes[:, None]
    classes = np.where(present, rng.integers(0, NUM_CLASSES, (n, MAX_BOXES)), -1).astype(np.int32)
    return {"inputs": _image(rng, n, (SIZE, SIZE, 1), np.uint8),
            "segmentation": rng.integers(0, NUM_CLASSES + 1, (n, SIZE, SIZE), dtype=np.uint8),
            "boxes": np.where(present[..., None], boxes, 0).astype(np.float32), "box_classes": classes,
            "num_boxes": num_boxes}


def _pets(rng, n, options):
    s = options.get("image_size", 128)
    return {"inputs": _image(rng, n, (s, s, 3), np.uint8),
            "segmentation": rng.integers(0, 3, (n, s, s), dtype=np.uint8)}


def _speech(rng, n, options):
    from jaxdl.data.speech import NUM_CTC_CLASSES
    label_lengths = rng.integers(1, SPEECH_MAX_LABEL + 1, n, dtype=np.int32)
    labels = rng.integers(1, NUM_CTC_CLASSES, (n, SPEECH_MAX_LABEL), dtype=np.int32)
    labels[np.arange(SPEECH_MAX_LABEL)[None] >= label_lengths[:, None]] = 0
    return {"inputs": rng.standard_normal((n, SPEECH_FRAMES, SPEECH_MELS), dtype=np.float32),
            "input_lengths": rng.integers(SPEECH_FRAMES // 2, SPEECH_FRAMES + 1, n, dtype=np.int32),
            "labels": labels, "label_lengths": label_lengths}


def _addition_classes():
    from jaxdl.data.addition_builder import CHARS, INPUT_LEN
    return len(CHARS), (INPUT_LEN,)


def _scenes_classes():
    from jaxdl.data.digit_scenes_builder import NUM_CLASSES, SIZE
    return NUM_CLASSES, (SIZE, SIZE, 1)


def _speech_classes(options):
    from jaxdl.data.speech import NUM_CTC_CLASSES
    return NUM_CTC_CLASSES, (SPEECH_FRAMES, SPEECH_MELS)


# name -> (make(rng, n, options) -> split, classes_and_shape(options) -> (num_classes, input_shape));
# options are config.dataset's other keys (e.g. a translation's max_len, the pets' image_size).
GENERATORS: dict[str, tuple[Callable, Callable]] = {
    **{name: _classification(name) for name in SHAPES},
    "addition": (_addition, lambda o: _addition_classes()),
    "ted_hrlr_translate/pt_to_en": (_translation, lambda o: (o.get("vocab_size", 8000), (o.get("max_len", 32),))),
    "digit_scenes": (_scenes, lambda o: _scenes_classes()),
    "oxford_iiit_pet": (_pets, lambda o: (2, (o.get("image_size", 128),) * 2 + (3,))),
    "spoken_digits": (_speech, _speech_classes),
}


def synthetic_dataset(name: str, num_train: int, num_test: int = 0, seed: int = 0, **options) -> Dataset:
    """Random splits of `num_train` and max(num_test, 1) examples with dataset `name`'s keys, shapes and
    stored dtypes (e.g. classification: "inputs" [N, *shape], "label" int32 [N])."""
    if name not in GENERATORS:
        raise UserError(f"no synthetic shapes for dataset {name!r}; known: {', '.join(GENERATORS)}")
    make, classes_and_shape = GENERATORS[name]
    rng = np.random.default_rng(seed)  # a local generator: no global random state
    num_classes, input_shape = classes_and_shape(options)
    return Dataset(name=f"synthetic:{name}", train=make(rng, num_train, options),
                   test=make(rng, max(num_test, 1), options), num_classes=num_classes, input_shape=input_shape)
