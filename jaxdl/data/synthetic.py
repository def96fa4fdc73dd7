"""Synthetic data of a dataset's shapes, for benchmarks that must not need the real data."""

from __future__ import annotations

import numpy as np

from jaxdl.data.dataset import Dataset
from jaxdl.errors import UserError

# name -> (per-example input shape, stored dtype, num_classes), as load_dataset would return them.
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


def synthetic_dataset(name: str, num_train: int, num_test: int = 0, seed: int = 0) -> Dataset:
    """Random "inputs" [N, *shape] (the stored dtype) and "label" int32 [N] shaped like dataset `name`."""
    if name not in SHAPES:
        raise UserError(f"no synthetic shapes for dataset {name!r}; known: {', '.join(SHAPES)}")
    shape, dtype, num_classes = SHAPES[name]
    rng = np.random.default_rng(seed)  # a local generator: no global random state

    def split(n):
        if dtype == np.uint8:
            x = rng.integers(0, 256, (n, *shape), dtype=np.uint8)
        else:
            x = rng.standard_normal((n, *shape), dtype=np.float32)
        return {"inputs": x, "label": rng.integers(0, num_classes, n, dtype=np.int32)}

    return Dataset(name=f"synthetic:{name}", train=split(num_train), test=split(max(num_test, 1)),
                   num_classes=num_classes, input_shape=shape)
