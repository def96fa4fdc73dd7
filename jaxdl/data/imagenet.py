"""ImageNet (TFDS `imagenet2012`) as in-memory arrays: photos centre-cropped to a square and resized.

TFDS stores each photo "image" uint8 [h, w, 3] at its own size with a "label" ClassLabel of 1,000 classes, in
splits train (1,281,167), validation (50,000) and test (100,000, unlabelled). `read_imagenet` reads train
and validation (as jaxdl's test split) into
  "inputs" uint8 [N, S, S, 3]  the central square of each photo, bilinear resize (PIL, antialiased when
                               shrinking) to S = config.dataset.image_size
  "label"  int32 [N]
jaxdl holds a split whole in host memory: at S = 224 the train split alone is 193 GB, so a copy that does
not fit in this machine's memory is refused in one line before decoding (a smaller image_size fits).
"""

from __future__ import annotations

import os

import numpy as np
import PIL.Image

from jaxdl.data.dataset import Dataset
from jaxdl.errors import UserError

OPTIONS = ("image_size",)
SPLITS = ("train", "validation")
_CHUNK = 256  # examples decoded per data-source call: bounds the memory held by full-size decoded photos


def centre_crop_resize(image: np.ndarray, size: int) -> np.ndarray:
    """uint8 [h, w, 3] (or [h, w, 1]) -> uint8 [size, size, 3]: the central min(h, w) square, resized."""
    image = np.asarray(image, np.uint8)
    if image.shape[-1] == 1:
        image = np.repeat(image, 3, axis=-1)
    h, w = image.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    square = PIL.Image.fromarray(image[top:top + side, left:left + side])
    return np.asarray(square.resize((size, size), PIL.Image.Resampling.BILINEAR), np.uint8)


def _memory_bytes() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def read_imagenet(builder, name: str, *, image_size: int = 224) -> Dataset:
    """Dataset of a prepared imagenet2012 `builder`; see the module docstring. UserError for a bad image_size
    or arrays larger than this machine's memory."""
    if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 1:
        raise UserError(f"dataset.image_size must be an integer >= 1, got {image_size!r}")
    sources = builder.as_data_source(split=list(SPLITS))
    need = sum(len(s) for s in sources) * image_size * image_size * 3
    if need > _memory_bytes():
        raise UserError(f"dataset '{name}' at image_size {image_size} is {need / 2**30:.0f} GiB of arrays, more "
                        f"than this machine's {_memory_bytes() / 2**30:.0f} GiB of memory (jaxdl holds a split "
                        f"whole in memory); choose a smaller --config.dataset.image_size")
    splits = []
    for source in sources:
        n = len(source)
        split = {"inputs": np.empty((n, image_size, image_size, 3), np.uint8), "label": np.empty((n,), np.int32)}
        for start in range(0, n, _CHUNK):
            indices = list(range(start, min(n, start + _CHUNK)))
            for i, example in zip(indices, source.__getitems__(indices), strict=True):
                split["inputs"][i] = centre_crop_resize(example["image"], image_size)
                split["label"][i] = example["label"]
        splits.append(split)
    train, test = splits
    num_classes = int(builder.info.features["label"].num_classes)
    return Dataset(name=name, train=train, test=test, num_classes=num_classes,
                   input_shape=(image_size, image_size, 3))
