"""The in-memory dataset every task trains on, and the dtype conversion applied inside compiled steps."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.errors import UserError


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

    def hold_out(self, n: int) -> Dataset:
        """This dataset with its last `n` training examples (in stored order) as the evaluation split in place
        of test: train [N - n, ...], test [n, ...] (views, nothing copied). n = 0: self. For choosing a recipe
        without looking at the test split (config.dataset.holdout). UserError unless 0 <= n < N."""
        num_train = self.num_train
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n < num_train:
            raise UserError(f"dataset.holdout must be an integer in [0, {num_train}) (training examples of "
                            f"{self.name} held out for evaluation), got {n!r}")
        if n == 0:
            return self
        cut = num_train - n
        return dataclasses.replace(self, train={k: v[:cut] for k, v in self.train.items()},
                                   test={k: v[cut:] for k, v in self.train.items()})

    @classmethod
    def from_arrays(cls, x_train, y_train, x_test, y_test, *, num_classes: int | None = None,
                    name: str = "arrays") -> Dataset:
        """A classification dataset from your own arrays, validated (each failure a one-line UserError).

        x_train [N, *input_shape], x_test [M, *input_shape]: uint8 (images, scaled to [0, 1] in the step) or
        floating (used as given; stored float32, finite); y_train [N], y_test [M]: integer class labels in
        [0, num_classes). num_classes None: the largest label + 1. Images are [N, H, W, C] (or [N, H, W]).
        """
        xs = {"x_train": np.asarray(x_train), "x_test": np.asarray(x_test)}
        ys = {"y_train": np.asarray(y_train), "y_test": np.asarray(y_test)}
        for key, x in xs.items():
            if x.ndim < 2 or not len(x):
                raise UserError(f"{key} must be [N, ...] with N >= 1 and at least one feature axis, got shape "
                                f"{x.shape}")
            if not (x.dtype == np.uint8 or np.issubdtype(x.dtype, np.floating)):
                raise UserError(f"{key} must be uint8 (images) or floating, got dtype {x.dtype}")
            if np.issubdtype(x.dtype, np.floating) and not np.isfinite(x).all():
                raise UserError(f"{key} holds non-finite values (NaN or inf)")
        if xs["x_train"].shape[1:] != xs["x_test"].shape[1:]:
            raise UserError(f"x_train examples are {xs['x_train'].shape[1:]} but x_test examples are "
                            f"{xs['x_test'].shape[1:]}")
        if xs["x_train"].dtype != xs["x_test"].dtype:
            raise UserError(f"x_train is {xs['x_train'].dtype} but x_test is {xs['x_test'].dtype}")
        for (key, y), x in zip(ys.items(), xs.values(), strict=True):
            if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
                raise UserError(f"{key} must be integer class labels [N], got shape {y.shape} dtype {y.dtype}")
            if len(y) != len(x):
                raise UserError(f"{key} has {len(y)} labels for {len(x)} inputs")
        labels = np.concatenate(list(ys.values()))
        if num_classes is None:
            num_classes = int(labels.max()) + 1
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
            raise UserError(f"num_classes must be an integer >= 2, got {num_classes!r}")
        if labels.min() < 0 or labels.max() >= num_classes:
            raise UserError(f"labels must be in [0, {num_classes}), got values from {labels.min()} to "
                            f"{labels.max()}")
        dtype = np.uint8 if xs["x_train"].dtype == np.uint8 else np.float32
        train, test = ({"inputs": x.astype(dtype, copy=False), "label": y.astype(np.int32)}
                       for x, y in zip(xs.values(), ys.values(), strict=True))
        return cls(name=name, train=train, test=test, num_classes=num_classes,
                   input_shape=tuple(xs["x_train"].shape[1:]))


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
