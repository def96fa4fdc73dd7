"""Datasets through TFDS without TensorFlow: embedded builders (mnist1d, digits, digit_scenes), standard names."""

from jaxdl.data.dataset import Dataset, to_float
from jaxdl.data.load import default_data_dir, is_prepared, list_datasets, load_dataset

__all__ = ["Dataset", "default_data_dir", "is_prepared", "list_datasets", "load_dataset", "to_float"]
