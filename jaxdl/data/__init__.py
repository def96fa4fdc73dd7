"""Datasets through TFDS without TensorFlow: embedded builders and standard TFDS names."""

from jaxdl.data.dataset import Dataset, to_float
from jaxdl.data.load import default_data_dir, list_datasets, load_dataset, resolve_data_dir
from jaxdl.data.prepare import is_prepared

__all__ = ["Dataset", "default_data_dir", "is_prepared", "list_datasets", "load_dataset", "resolve_data_dir",
           "to_float"]
