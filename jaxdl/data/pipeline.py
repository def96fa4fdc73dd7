"""Which input pipeline feeds the compiled step: `config.dataset.pipeline`, checked and decided.

  "device"  the split is decoded whole into host memory and put on the device once; each step slices its batch
            inside the compiled program (jaxdl/train/loop.py). The fastest path for data that fits.
  "grain"   Grain streams batches from the prepared array_record files (jaxdl/data/stream.py): decoded and
            augmented in worker processes, sharded per process, its iterator state checkpointed.
  "auto"    (the default) "grain" when the decoded train + test splits are larger than
            `config.dataset.device_budget_gb`, else "device"; datasets the grain path cannot read stay "device".

`device_budget_gb` defaults to 4.0 (GB, 1e9 bytes): the device path keeps both splits on every device (and
decoded in host memory), so 4 GB is a quarter of a 16 GB accelerator (TPU v5e, T4), leaving the rest to the
model, its activations and the optimizer state. Every dataset jaxdl lists is far below it (CIFAR-100 0.18 GB,
SVHN 0.25 GB) except imagenet2012 (194 GB at 224 px, 15 GB even at 64 px), which "auto" therefore streams.
"""

from __future__ import annotations

import numbers

from jaxdl.errors import UserError

PIPELINES = ("device", "grain", "auto")
DEFAULT_BUDGET_GB = 4.0
DEFAULT_WORKERS = 2
# config.dataset keys the trainer reads; the rest are the dataset reader's options (e.g. image_size, max_len)
TRAINER_KEYS = ("name", "augment", "holdout", "pipeline", "device_budget_gb", "workers")


def reader_options(dataset_config) -> dict:
    """config.dataset without the trainer's keys: the keyword options of the dataset's reader."""
    return {k: v for k, v in dataset_config.items() if k not in TRAINER_KEYS}


def check_pipeline(dataset_config) -> tuple[str, float, int]:
    """(pipeline, device_budget_gb, workers) of config.dataset, each checked; UserError (one line) otherwise."""
    pipeline = dataset_config.get("pipeline", "auto")
    if pipeline not in PIPELINES:
        raise UserError(f"dataset.pipeline must be one of {', '.join(map(repr, PIPELINES))}, got {pipeline!r}")
    budget = dataset_config.get("device_budget_gb", DEFAULT_BUDGET_GB)
    if isinstance(budget, bool) or not isinstance(budget, numbers.Real) or not budget > 0:
        raise UserError(f"dataset.device_budget_gb must be a number of GB > 0, got {budget!r}")
    workers = dataset_config.get("workers", DEFAULT_WORKERS)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
        raise UserError(f"dataset.workers must be an integer >= 0 (Grain worker processes; 0: decode in the "
                        f"training process), got {workers!r}")
    return pipeline, float(budget), workers


def choose_pipeline(config) -> str:
    """"device" or "grain" for `config` (config.data_dir resolved). Reads the prepared dataset's
    dataset_info only (nothing decoded); UserError for bad settings or "grain" on a dataset it cannot read."""
    from jaxdl.data import stream  # TFDS: imported only when a dataset is looked at

    pipeline, budget, _ = check_pipeline(config.dataset)
    if pipeline == "device":
        return "device"
    name = config.dataset.name
    if not stream.streamable(name):
        if pipeline == "grain":
            raise UserError(f"dataset.pipeline 'grain' reads image classification datasets "
                            f"({', '.join(stream.STREAMABLE)}); '{name}' is read whole: use pipeline 'device'")
        return "device"
    if pipeline == "grain":
        return "grain"
    size = stream.decoded_bytes(name, config.data_dir, reader_options(config.dataset))
    return "grain" if size is not None and size > budget * 1e9 else "device"
