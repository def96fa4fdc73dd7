"""Semantic segmentation from a standard TFDS dataset: oxford_iiit_pet's photos and trimaps at a fixed size.

TFDS `oxford_iiit_pet` (4.0.0: 3,680 train / 3,669 test photos of 37 cat and dog breeds) stores each photo
"image" uint8 [h, w, 3] at its own size with a trimap "segmentation_mask" uint8 [h, w, 1]: 1 = pet,
2 = background, 3 = border (the pet's outline, left unclassified by the annotators). `read_pet_segmentation`
resizes both to S x S (S = config.dataset.image_size; the aspect ratio is not kept, as in TensorFlow's
segmentation tutorial) and gives each split
  "inputs"       uint8 [N, S, S, 3]  bilinear resize (PIL, antialiased when shrinking)
  "segmentation" uint8 [N, S, S]     nearest-neighbour resize (no invented classes at edges), trimap 1..3
                                     mapped to classes 0..2 as 0 = background, 1 = pet, 2 = border
with num_classes = 2 (pet, border): the segmentation task adds background as class 0, its convention and
that of the plots (class 0 is drawn transparent), hence background -> 0 rather than trimap - 1.
"""

from __future__ import annotations

import numpy as np
import PIL.Image

from jaxdl.data.dataset import Dataset
from jaxdl.errors import UserError

OPTIONS = ("image_size",)
NUM_CLASSES = 2  # pet, border; background (0) is added by the segmentation task
_INVALID = 255
TRIMAP_TO_CLASS = np.full(256, _INVALID, np.uint8)  # index = trimap value; anything but 1..3 is invalid
TRIMAP_TO_CLASS[1:4] = (1, 0, 2)  # trimap 1 pet, 2 background, 3 border
_CHUNK = 256  # examples decoded per data-source call: bounds the memory held by full-size decoded photos


def resize_example(image: np.ndarray, trimap: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """image uint8 [h, w, 3], trimap uint8 [h', w'(, 1)] (1..3) -> (uint8 [size, size, 3], classes uint8
    [size, size] in 0..2). The two are resized independently, so a trimap of another size still fits."""
    photo = PIL.Image.fromarray(np.asarray(image, np.uint8)).resize((size, size), PIL.Image.Resampling.BILINEAR)
    mask = np.asarray(trimap, np.uint8).reshape(np.shape(trimap)[:2])
    mask = PIL.Image.fromarray(mask).resize((size, size), PIL.Image.Resampling.NEAREST)
    return np.asarray(photo, np.uint8), TRIMAP_TO_CLASS[np.asarray(mask)]


def read_pet_segmentation(sources, name: str, *, image_size: int = 128) -> Dataset:
    """Dataset from (train, test) TFDS data sources of {"image", "segmentation_mask", ...}; see the module
    docstring. Raises UserError for a bad image_size or a mask value outside the trimap's 1..3."""
    if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 1:
        raise UserError(f"dataset.image_size must be an integer >= 1, got {image_size!r}")
    splits = []
    for source in sources:
        n = len(source)
        split = {"inputs": np.empty((n, image_size, image_size, 3), np.uint8),
                 "segmentation": np.empty((n, image_size, image_size), np.uint8)}
        for start in range(0, n, _CHUNK):
            indices = list(range(start, min(n, start + _CHUNK)))
            for i, example in zip(indices, source.__getitems__(indices), strict=True):
                image, classes = resize_example(example["image"], example["segmentation_mask"], image_size)
                if (classes == _INVALID).any():
                    raise UserError(f"dataset '{name}': example {i} has segmentation_mask values "
                                    f"{sorted(set(np.unique(example['segmentation_mask']).tolist()))}, "
                                    f"expected a trimap (1 pet, 2 background, 3 border)")
                split["inputs"][i], split["segmentation"][i] = image, classes
        splits.append(split)
    train, test = splits
    return Dataset(name=name, train=train, test=test, num_classes=NUM_CLASSES,
                   input_shape=(image_size, image_size, 3))
