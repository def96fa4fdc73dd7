"""The in-memory dataset every task trains on, and the dtype conversion applied inside compiled steps."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np


@dataclasses.dataclass(frozen=True, eq=False)  # eq=False: identity eq/hash (== on dicts of arrays raises)
class Dataset:
    """Whole train and test splits held in host memory as numpy arrays.

    Each split is a dict with at least
      "inputs": [N, *input_shape] in the stored dtype (uint8 for images, float32 for mnist1d and digits),
    and its targets: for classification datasets
      "label":  [N] int32 in [0, num_classes);
    for digit_scenes (dense vision) "segmentation", "boxes", "box_classes", "num_boxes" instead, with
    num_classes the number of object classes (see jaxdl/data/digit_scenes_builder.py).
    """

    name: str
    train: dict[str, np.ndarray]
    test: dict[str, np.ndarray]
    num_classes: int
    input_shape: tuple[int, ...]

    @property
    def num_train(self) -> int:
        return len(next(iter(self.train.values())))


def to_float(x: jax.Array) -> jax.Array:
    """uint8 images [..., H, W, C] -> float32 in [0, 1]; floating inputs and int32 token ids (for an
    embedding lookup) are returned unchanged.

    Pure and jittable: the branch is on the (static) dtype, so it costs nothing inside a compiled step.
    """
    x = jnp.asarray(x)
    if jnp.issubdtype(x.dtype, jnp.floating) or x.dtype == jnp.int32:
        return x
    if x.dtype == jnp.uint8:
        return x.astype(jnp.float32) / 255.0
    raise TypeError(f"to_float expects uint8 or floating inputs, got {x.dtype}")
