"""Objectives. Each task file holds init + a pure loss and eval_step + metrics, and a `from_config`.

The update itself (gradient, optimizer, step counter) is the trainer's: jaxdl/train/step.py.
To add an objective: write `jaxdl/tasks/<name>.py` with a class implementing `jaxdl.tasks.base.Task` and a
`from_config(config, dataset) -> Task` function, then add one line to `TASKS`.
"""

from __future__ import annotations

import importlib

import ml_collections

from jaxdl.errors import UserError

# task name -> module defining from_config(config, dataset)
TASKS = {
    "classification": "jaxdl.tasks.classification",
    "classification_by_hand": "jaxdl.classics.task",  # hand-written backprop + optimizer (MLP only)
    "vae": "jaxdl.tasks.vae",
    "gan": "jaxdl.tasks.gan",
    "seq2seq": "jaxdl.tasks.seq2seq",
    "segmentation": "jaxdl.tasks.segmentation",
    "detection": "jaxdl.tasks.detection",
    "ctc": "jaxdl.tasks.ctc",
}


def build_task(config: ml_collections.ConfigDict, dataset):
    """The task named by `config.task.name`, with its model(s) and optimizer(s) built from `config`."""
    name = config.task.name
    if name not in TASKS:
        raise UserError(f"unknown task {name!r}; choose one of {', '.join(TASKS)}")
    return importlib.import_module(TASKS[name]).from_config(config, dataset)
