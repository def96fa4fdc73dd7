"""Augmentation of one example on the host, in Grain's worker processes (numpy and PIL, no JAX).

The grain path (jaxdl/data/stream.py) applies these per example with a generator `rng` drawn from (data key,
step, position in the global batch), so a rerun, a resume, any number of workers or processes draw the same.

- `augment_image` is config.dataset.augment's ops, the same ops as the in-step ones of jaxdl/data/augment.py
  (shift, flip, cutout with the same meaning), though not the same random draws (those come from JAX keys).
- ImageNet: `random_resized_crop` (Inception-style: 8-100 % of the area, aspect 3/4-4/3) + flip for training,
  `centre_crop` (the central image_size / (image_size + 32) of the shorter side, resized) for evaluation.
"""

from __future__ import annotations

import math

import numpy as np
import PIL.Image


def augment_image(x: np.ndarray, rng: np.random.Generator, ops: dict) -> np.ndarray:
    """x [H, W(, C)] -> the same shape: ops {"shift": P, "flip": bool, "cutout": S} of parse_augment."""
    h, w = x.shape[:2]
    rest = ((0, 0),) * (x.ndim - 2)
    pad = int(ops.get("shift", 0))
    if pad:  # a random H x W window of the image padded with P zeros: a shift of up to P pixels
        top, left = rng.integers(0, 2 * pad + 1, size=2)
        x = np.pad(x, ((pad, pad), (pad, pad), *rest))[top:top + h, left:left + w]
    if ops.get("flip") and rng.random() < 0.5:
        x = x[:, ::-1]
    size = int(ops.get("cutout", 0))
    if size:  # a size x size square of zeros centred anywhere in the image, clipped at its border
        top, left = rng.integers(0, h) - size // 2, rng.integers(0, w) - size // 2
        x = np.array(x)
        x[max(top, 0):max(top + size, 0), max(left, 0):max(left + size, 0)] = 0
    return np.ascontiguousarray(x)


def _rgb(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image, np.uint8)
    return np.repeat(image, 3, axis=-1) if image.shape[-1] == 1 else image


def _resize(image: np.ndarray, size: int) -> np.ndarray:
    """uint8 [h, w, 3] -> [size, size, 3], PIL bilinear (antialiased when shrinking)."""
    return np.asarray(PIL.Image.fromarray(image).resize((size, size), PIL.Image.Resampling.BILINEAR), np.uint8)


def centre_crop(image: np.ndarray, size: int) -> np.ndarray:
    """uint8 [h, w, 3|1] -> [size, size, 3]: the central square of side min(h, w) * size / (size + 32) (224 of
    256, the standard ImageNet evaluation crop), resized to size."""
    image = _rgb(image)
    h, w = image.shape[:2]
    side = max(1, round(min(h, w) * size / (size + 32)))
    top, left = (h - side) // 2, (w - side) // 2
    return _resize(image[top:top + side, left:left + side], size)


def random_resized_crop(image: np.ndarray, rng: np.random.Generator, size: int, area=(0.08, 1.0),
                        aspect=(3 / 4, 4 / 3), attempts: int = 10) -> np.ndarray:
    """uint8 [h, w, 3|1] -> [size, size, 3]: a random crop of `area` of the image at a random `aspect` (log-
    uniform), resized, mirrored with probability 1/2; after `attempts` misfits, `centre_crop`'s window."""
    image = _rgb(image)
    h, w = image.shape[:2]
    for _ in range(attempts):
        target = rng.uniform(*area) * h * w
        ratio = math.exp(rng.uniform(math.log(aspect[0]), math.log(aspect[1])))
        cw, ch = round(math.sqrt(target * ratio)), round(math.sqrt(target / ratio))
        if 0 < cw <= w and 0 < ch <= h:
            top, left = rng.integers(0, h - ch + 1), rng.integers(0, w - cw + 1)
            out = _resize(image[top:top + ch, left:left + cw], size)
            break
    else:
        out = centre_crop(image, size)
    return np.ascontiguousarray(out[:, ::-1]) if rng.random() < 0.5 else out
