"""From a config to everything a run needs, with every user error found before anything is written.

The experiment's config is the *resolved* one (`resolve_config`): what the run's config.json records.
"""

from __future__ import annotations

import dataclasses
import os
import warnings

import jax
import ml_collections
import numpy as np

from jaxdl import platform
from jaxdl.config import did_you_mean
from jaxdl.data import Dataset, load_dataset, resolve_data_dir
from jaxdl.data.augment import parse_augment
from jaxdl.data.load import dataset_options_of
from jaxdl.data.pipeline import TRAINER_KEYS, check_pipeline, choose_pipeline, reader_options
from jaxdl.data.stream import open_streamed
from jaxdl.errors import UserError
from jaxdl.models import DTYPES, MODELS, is_import_path, model_defaults
from jaxdl.tasks import build_task
from jaxdl.train.mesh import Placement, build_placement
from jaxdl.train.replicas import Replica, layout
from jaxdl.train.timings import Timings, section


@dataclasses.dataclass
class Experiment:
    config: ml_collections.ConfigDict
    dataset: Dataset
    task: object  # a jaxdl.tasks.base.Task
    replicas: list[Replica]
    placement: Placement = dataclasses.field(default_factory=Placement)  # devices and shardings
    augment: dict = dataclasses.field(default_factory=dict)  # training-batch ops (jaxdl.data.augment)
    pipeline: str = "device"  # "device" | "grain": what feeds the compiled step (jaxdl/data/pipeline.py)

    def example_batch(self) -> dict[str, np.ndarray]:
        """The first batch_size training examples: shapes for init, never trained on as such."""
        return {k: v[: self.config.batch_size] for k, v in self.dataset.train.items()}


def _check_positive_ints(config: ml_collections.ConfigDict) -> None:
    for key in ("steps", "batch_size", "log_every", "eval_every", "eval_batch_size", "checkpoint_every",
                "keep_checkpoints"):
        value = config[key]
        lowest = 0 if key == "checkpoint_every" else 1  # checkpoint_every 0: with every evaluation
        if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
            raise UserError(f"{key} must be an integer >= {lowest}, got {value!r}")
    if config.eval_every % config.log_every:
        raise UserError(f"eval_every ({config.eval_every}) must be a multiple of log_every ({config.log_every})")
    if config.checkpoint_every % config.log_every:  # checkpoints are taken at chunk boundaries
        raise UserError(f"checkpoint_every ({config.checkpoint_every}) must be a multiple of "
                        f"log_every ({config.log_every})")


def check_dataset_keys(config: ml_collections.ConfigDict) -> None:
    """UserError in one line, as for any unknown config key, for a config.dataset key that neither the
    trainer nor the dataset's reader takes (a near miss gets "did you mean")."""
    takes = (*TRAINER_KEYS, *dataset_options_of(config.dataset.name))
    for key in sorted(reader_options(config.dataset)):
        if key not in takes:
            hint = did_you_mean(key, takes) or f"; dataset {config.dataset.name!r} takes {', '.join(takes)}"
            raise UserError(f"unknown config key: dataset.{key}{hint}")


def _check_compiler_options(config: ml_collections.ConfigDict) -> None:
    """An option XLA does not know fails here, in one line, not at the first compile of the run."""
    options = dict(config.get("compiler_options") or {})
    if not options:
        return
    try:
        jax.jit(lambda: 0, compiler_options=options).lower().compile()
    except Exception as e:  # XLA's own message names the option
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise UserError(f"compiler_options {options}: {msg}") from None


def resolve_config(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
    """A locked copy of `config` with every default that code, not the config, would decide written out: the
    model's options (`jaxdl.models.model_defaults`, for those config.model leaves out) and the absolute data
    dir (`jaxdl.data.resolve_data_dir`). Deterministic, and resolving a resolved config changes nothing, so
    a resumed run's config.json compares equal. An unknown model name is left for build_model to report."""
    resolved = config.copy_and_resolve_references()
    with resolved.unlocked():
        resolved.data_dir = resolve_data_dir(resolved.data_dir)
        if resolved.dataset.get("path"):  # your own file (dataset "arrays"): found again from any directory
            resolved.dataset.path = os.path.abspath(os.path.expanduser(resolved.dataset.path))
        name = resolved.model.get("name")
        if name in MODELS or is_import_path(name):
            for key, value in model_defaults(name).items():
                if key not in resolved.model:
                    resolved.model[key] = value
    return resolved


def build_experiment(config: ml_collections.ConfigDict, dataset: Dataset | None = None,
                     timings: Timings | None = None, devices=None) -> Experiment:
    """Validate `config` and build dataset, model, optimizer and task. Raises UserError on bad input.

    The experiment holds `resolve_config(config)`. `dataset` may be passed to reuse arrays already loaded
    (tests, table scripts). `timings`: the driver's stopwatch (the dataset's loading counts as "data").
    `devices` places the mesh on a compile-only target's devices (jaxdl/bench/aot.py).
    """
    config = resolve_config(config)
    _check_positive_ints(config)
    _check_compiler_options(config)
    if not isinstance(config.deterministic, bool):
        raise UserError(f"deterministic must be True or False, got {config.deterministic!r}")
    if (config.deterministic and jax.default_backend() == "gpu"
            and not platform.gpu_deterministic(os.environ.get("XLA_FLAGS", ""))):
        warnings.warn("config.deterministic is set, but XLA_FLAGS lacks --xla_gpu_deterministic_ops=true, so this "
                      "GPU run may not repeat bit for bit: call jaxdl.platform.configure(deterministic=True) "
                      "before jax starts its backend", stacklevel=2)
    if config.dtype not in DTYPES:
        raise UserError(f"unknown dtype {config.dtype!r}; choose one of {', '.join(DTYPES)}")
    replicas = layout(config)
    placement = build_placement(config, len(replicas), devices)
    pipeline = "device"
    if dataset is None:
        check_dataset_keys(config)
        options = reader_options(config.dataset)  # e.g. a text dataset's max_len
        with section(timings, "data"):
            pipeline = choose_pipeline(config)
            if pipeline == "grain":  # a preview only: the splits are streamed (jaxdl/train/feed.py)
                dataset = open_streamed(config.dataset.name, config.data_dir, options, config.batch_size)
            else:
                dataset = load_dataset(config.dataset.name, config.data_dir, **options)
    else:
        check_pipeline(config.dataset)
    if config.dataset.get("holdout") and pipeline == "grain":
        raise UserError("dataset.holdout is for the device pipeline; set --config.dataset.pipeline=device")
    dataset = dataset.hold_out(config.dataset.get("holdout", 0))  # a validation split in place of test
    num_train = dataset.num_train
    if config.batch_size > num_train:
        raise UserError(f"batch_size {config.batch_size} is larger than the training split "
                        f"of {config.dataset.name} ({num_train} examples)")
    augment = parse_augment(config.dataset.get("augment"), dataset)
    task = build_task(config, dataset)
    exp = Experiment(config, dataset, task, replicas, placement, augment, pipeline)
    try:  # shapes only: surfaces a model that cannot take this dataset's inputs before any file is written
        jax.eval_shape(task.init, jax.random.PRNGKey(0), exp.example_batch())
    except UserError:
        raise
    except Exception as e:
        msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
        name = config.model.get("name")
        raise UserError(f"cannot initialise model {name!r} with its optimizer on dataset {config.dataset.name!r} "
                        f"(inputs {dataset.input_shape}): {type(e).__name__}: {msg}") from None
    return exp
