"""Your own arrays as a jaxdl dataset: `--config.dataset.name=arrays --config.dataset.path=FILE.npz`.

The .npz file (numpy.savez) holds four arrays under these names:

  x_train [N, ...], y_train [N], x_test [M, ...], y_test [M]

inputs uint8 (images, [H, W, C] or [H, W] each) or floating, labels integers in [0, num_classes), the class
count being the largest label + 1. `Dataset.from_arrays` (jaxdl/data/dataset.py) validates them.
"""

from __future__ import annotations

import os
import zipfile

import numpy as np

from jaxdl.data.dataset import Dataset
from jaxdl.errors import UserError

KEYS = ("x_train", "y_train", "x_test", "y_test")


def read_arrays(path: str = "") -> Dataset:
    """The classification dataset in the .npz file at `path` (config.dataset.path); UserError if the file is
    missing, not an .npz of plain arrays, lacks one of KEYS, or holds arrays `Dataset.from_arrays` refuses."""
    if not path:
        raise UserError("dataset 'arrays' needs the file: --config.dataset.path=FILE.npz "
                        f"(arrays {', '.join(KEYS)})")
    if not os.path.isfile(path):
        raise UserError(f"dataset file not found: {path}")
    try:
        npz = np.load(path, allow_pickle=False)
        if not isinstance(npz, np.lib.npyio.NpzFile):
            raise UserError(f"{path} is a single .npy array; jaxdl needs an .npz with {', '.join(KEYS)}")
        with npz:
            missing = [k for k in KEYS if k not in npz.files]
            if missing:
                raise UserError(f"{path} lacks {', '.join(missing)} (has {', '.join(npz.files) or 'nothing'}); "
                                f"it needs {', '.join(KEYS)}")
            arrays = {k: npz[k] for k in KEYS}
    except (OSError, ValueError, zipfile.BadZipFile) as e:  # not numpy's format, or object arrays
        raise UserError(f"cannot read {path} as an .npz of arrays: {str(e).splitlines()[0] if str(e) else e}") \
            from None
    return Dataset.from_arrays(**arrays)
