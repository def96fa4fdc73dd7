"""Objectives. Each task file holds init + pure train_step/eval_step + metrics; `build_task` picks one."""

from __future__ import annotations

import ml_collections
import optax

from jaxdl.errors import UserError


def build_task(config: ml_collections.ConfigDict, dataset, model, tx: optax.GradientTransformation):
    """The task named by `config.task.name`, wired to its model, optimizer and dataset."""
    name = config.task.name
    if name == "classification":
        from jaxdl.tasks.classification import ClassificationTask

        ls = float(config.task.label_smoothing)
        if not 0.0 <= ls < 1.0:
            raise UserError(f"task.label_smoothing must be in [0, 1), got {ls}")
        return ClassificationTask(model, tx, dataset.num_classes, label_smoothing=ls)
    raise UserError(f"unknown task {name!r}; choose one of classification")
