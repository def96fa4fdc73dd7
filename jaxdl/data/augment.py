"""Image augmentation inside the compiled training step: pure functions of (batch, key), no host work.

`config.dataset.augment` names the ops, e.g. {"crop": 4, "flip": True}:

  crop: P       pad P zero pixels on each side, then cut a random H x W window (shifts of up to P pixels)
  translate: P  the same op under its other name (a random shift of up to P pixels, zeros shifted in)
  flip: True    mirror left-right with probability 1/2 (not for digits or text)
  cutout: S     zero a random S x S square (its centre anywhere in the image, so it may be clipped)

Each example draws its own shift, flip and square. The key is `augment_key(data_key, step)`, so every
replica and every step draw anew and a rerun or a resumed run draws the same. Only training batches are
augmented; evaluation reads the stored images.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp

from jaxdl.errors import UserError

OPS = ("crop", "translate", "flip", "cutout")
_STREAM = 0x7FFFFFFF  # folded into the data key first: apart from the epoch keys fold_in(data_key, epoch)


def augment_key(data_key: jax.Array, step: jax.Array) -> jax.Array:
    """The augmentation key of one replica's step: data_key uint32 [2], step int32 [] -> uint32 [2]."""
    return jax.random.fold_in(jax.random.fold_in(data_key, _STREAM), step)


def is_image(input_shape: tuple[int, ...], dtype: Any) -> bool:
    """Whether examples of this shape and dtype are images: [H, W, C], or [H, W] stored as uint8."""
    return len(input_shape) == 3 or (len(input_shape) == 2 and jnp.dtype(dtype) == jnp.uint8)


def parse_augment(spec: Mapping | None, dataset) -> dict[str, int | bool]:
    """The validated ops of config.dataset.augment for `dataset` ({} or None: no augmentation).

    Returns {"shift": P, "flip": bool, "cutout": S} with only the ops asked for. Raises UserError for an
    unknown op, a bad value, or a dataset whose inputs are not images or whose targets are not labels.
    """
    if not spec:
        return {}
    if not hasattr(spec, "keys"):  # a ConfigDict or dict
        raise UserError(f"augment takes a dict of ops, e.g. {{'crop': 4, 'flip': True}}; got {spec!r}")
    spec = dict(spec)
    unknown = sorted(set(spec) - set(OPS))
    if unknown:
        raise UserError(f"unknown augment op {unknown[0]!r}; choose from: {', '.join(OPS)}")
    name, shape = dataset.name, tuple(dataset.input_shape)
    if not is_image(shape, dataset.train["inputs"].dtype):
        raise UserError(f"augment needs image inputs [H, W, C]; dataset {name!r} has inputs {shape}")
    extra = sorted(set(dataset.train) - {"inputs", "label"})
    if extra:
        raise UserError(f"augment transforms inputs only, but dataset {name!r} also has per-example targets "
                        f"{', '.join(extra)} that would have to move with them")
    side = min(shape[:2])
    ops: dict[str, int | bool] = {}
    if "crop" in spec and "translate" in spec:
        raise UserError("augment: crop and translate are the same op (a random shift); give only one")
    for op in ("crop", "translate", "cutout"):
        if op not in spec:
            continue
        value, lowest = spec[op], 0 if op != "cutout" else 1
        if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value < side:
            raise UserError(f"augment {op} must be an integer of pixels in [{lowest}, {side}) for inputs {shape}, "
                            f"got {value!r}")
        if value:
            ops["cutout" if op == "cutout" else "shift"] = value
    if "flip" in spec:
        if not isinstance(spec["flip"], bool):
            raise UserError(f"augment flip must be True or False, got {spec['flip']!r}")
        if spec["flip"]:
            ops["flip"] = True
    return ops


def shift(images: jax.Array, offsets: jax.Array, pad: int) -> jax.Array:
    """images [B, H, W(, C)] shifted by offsets int32 [B, 2] in [0, 2 * pad] (pad: the window's top-left
    corner in the zero-padded image; pad, pad is no shift) -> [B, H, W(, C)], zeros shifted in."""
    h, w = images.shape[1:3]
    rest = images.shape[3:]
    padded = jnp.pad(images, ((0, 0), (pad, pad), (pad, pad)) + ((0, 0),) * len(rest))

    def window(image, offset):
        return jax.lax.dynamic_slice(image, (offset[0], offset[1]) + (0,) * len(rest), (h, w, *rest))

    return jax.vmap(window)(padded, offsets)


def flip(images: jax.Array, which: jax.Array) -> jax.Array:
    """images [B, H, W(, C)] with the examples where which bool [B] is set mirrored left-right."""
    mask = which.reshape((-1,) + (1,) * (images.ndim - 1))
    return jnp.where(mask, images[:, :, ::-1], images)


def cutout(images: jax.Array, centres: jax.Array, size: int) -> jax.Array:
    """images [B, H, W(, C)] with a size x size square of zeros around centres int32 [B, 2] (row, column);
    rows centre - size // 2 up to centre - size // 2 + size (exclusive), clipped at the image's border."""
    h, w = images.shape[1:3]
    top = centres[:, 0, None] - size // 2
    left = centres[:, 1, None] - size // 2
    rows = (jnp.arange(h) >= top) & (jnp.arange(h) < top + size)  # [B, H]
    cols = (jnp.arange(w) >= left) & (jnp.arange(w) < left + size)  # [B, W]
    mask = rows[:, :, None] & cols[:, None, :]
    mask = mask.reshape(mask.shape + (1,) * (images.ndim - 3))
    return jnp.where(mask, jnp.zeros((), images.dtype), images)


def make_augment(ops: Mapping[str, int | bool]) -> Callable | None:
    """`augment(batch, key) -> batch` for the ops of `parse_augment` (None for none): batch["inputs"]
    [B, H, W(, C)] transformed in place of the stored ones, other keys unchanged; key uint32 [2]."""
    if not ops:
        return None
    pad, mirror, square = int(ops.get("shift", 0)), bool(ops.get("flip", False)), int(ops.get("cutout", 0))

    def augment(batch: dict[str, jax.Array], key: jax.Array) -> dict[str, jax.Array]:
        x = batch["inputs"]
        b, h, w = x.shape[:3]
        k_shift, k_flip, k_cut = jax.random.split(key, 3)
        if pad:
            x = shift(x, jax.random.randint(k_shift, (b, 2), 0, 2 * pad + 1), pad)
        if mirror:
            x = flip(x, jax.random.bernoulli(k_flip, 0.5, (b,)))
        if square:
            x = cutout(x, jax.random.randint(k_cut, (b, 2), 0, jnp.array([h, w])), square)
        return {**batch, "inputs": x}

    return augment
