"""Semantic segmentation: per-pixel softmax cross-entropy; pixel accuracy and mean IoU from a confusion matrix.

Batches hold "inputs" [B, H, W, C] and an integer class map (config.task.target, default "segmentation")
[B, H, W] with values in [0, num_classes]: 0 is background and 1 + c is object class c, so the model
predicts `dataset.num_classes + 1` classes. Evaluation sums a confusion matrix over the split, so pixel
accuracy and IoU are exact over all test pixels, not means of per-batch values.
"""

from __future__ import annotations

import os

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxdl.data import to_float
from jaxdl.errors import UserError
from jaxdl.models import build_model_from_config
from jaxdl.tasks.base import init_state
from jaxdl.train.optim import make_optimizer

NUM_PLOTTED = 8  # test scenes drawn by write_artifacts


def from_config(config, dataset) -> SegmentationTask:
    target = config.task.target
    if target not in dataset.train:
        raise UserError(f"task 'segmentation' needs a per-pixel class map {target!r}; dataset "
                        f"{dataset.name!r} has {', '.join(sorted(dataset.train))}")
    num_classes = dataset.num_classes + 1  # + background
    model = build_model_from_config(config.model, num_classes, config.dtype)
    examples = {"inputs": dataset.test["inputs"][:NUM_PLOTTED], "target": dataset.test[target][:NUM_PLOTTED]}
    dice_weight = float(config.task.get("dice_weight", 0.0))
    if not dice_weight >= 0:
        raise UserError(f"task.dice_weight must be >= 0, got {config.task.dice_weight!r}")
    return SegmentationTask(model, make_optimizer(config.optimizer, config.steps), num_classes, target, examples,
                            dice_weight)


def confusion_matrix(labels: jax.Array, pred: jax.Array, weights: jax.Array, num_classes: int) -> jax.Array:
    """confusion[i, j] = summed weight of pixels of true class i predicted as j; labels, pred int [...],
    weights float [...] (0 for padding). float32 [num_classes, num_classes], summable over batches."""
    index = labels.reshape(-1) * num_classes + pred.reshape(-1)
    flat = jnp.zeros(num_classes * num_classes, jnp.float32).at[index].add(weights.reshape(-1))
    return flat.reshape(num_classes, num_classes)


def soft_dice_loss(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """1 - mean over the object classes 1..C-1 of the batch's soft Dice, (2 sum p y + 1) / (sum p + sum y + 1),
    with p the softmax of logits [B, H, W, C] and y the one-hot of labels int [B, H, W]; sums over the whole
    batch (nnU-Net's batch Dice, background left out). Every class counts alike however few its pixels, so
    the digits' identity is not drowned by the background, which is most pixels. Scalar float32."""
    p = jax.nn.softmax(logits.astype(jnp.float32), -1)[..., 1:]
    y = jax.nn.one_hot(labels, logits.shape[-1], dtype=jnp.float32)[..., 1:]
    axes = tuple(range(p.ndim - 1))
    dice = (2 * jnp.sum(p * y, axes) + 1) / (jnp.sum(p, axes) + jnp.sum(y, axes) + 1)
    return 1 - jnp.mean(dice)


def iou_per_class(confusion: jax.Array) -> jax.Array:
    """IoU_c = TP / (TP + FP + FN) from confusion [..., C, C]; NaN for a class absent from both truth and
    predictions (union 0), so that nanmean skips it. Returns [..., C]."""
    tp = jnp.diagonal(confusion, axis1=-2, axis2=-1)
    union = confusion.sum(-1) + confusion.sum(-2) - tp
    return jnp.where(union > 0, tp / jnp.where(union > 0, union, 1), jnp.nan)


def segmentation_metrics(confusion: jax.Array) -> dict[str, jax.Array]:
    """pixel_accuracy and mean_iou (over classes with a non-empty union, background included) from
    confusion [..., C, C]; leading axes (replicas) kept."""
    tp = jnp.diagonal(confusion, axis1=-2, axis2=-1)
    return {"pixel_accuracy": tp.sum(-1) / confusion.sum((-2, -1)),
            "mean_iou": jnp.nanmean(iou_per_class(confusion), axis=-1)}


class SegmentationTask:
    """Per-pixel classification of a model mapping inputs [B, H, W, C] to logits [B, H, W, num_classes];
    BatchNorm statistics (if any) live in `TrainState.model_state`."""

    def __init__(self, model: nn.Module, tx: optax.GradientTransformation, num_classes: int,
                 target: str = "segmentation", examples: dict[str, np.ndarray] | None = None,
                 dice_weight: float = 0.0):
        self.model, self.tx, self.num_classes = model, tx, num_classes
        self.target, self.examples, self.dice_weight = target, examples, dice_weight

    def init(self, rng, example_batch):
        return init_state(self.model, self.tx, rng, to_float(example_batch["inputs"]), train=False)

    def pixel_loss(self, logits, labels):
        """Softmax cross-entropy per pixel: logits [B, H, W, C], labels int [B, H, W] -> [B, H, W]."""
        return optax.softmax_cross_entropy_with_integer_labels(logits.astype(jnp.float32), labels.astype(jnp.int32))

    def loss(self, params, model_state, batch, rng):
        """Mean per-pixel cross-entropy of inputs [B, H, W, C] against the class map [B, H, W], plus
        dice_weight * `soft_dice_loss` when dice_weight > 0; metrics: pixel_accuracy."""
        labels = batch[self.target].astype(jnp.int32)
        logits, new_model_state = self.model.apply(
            {"params": params, **model_state}, to_float(batch["inputs"]), train=True,
            rngs={"dropout": rng}, mutable=list(model_state.keys()))
        accuracy = jnp.mean(jnp.argmax(logits, -1) == labels)
        loss = self.pixel_loss(logits, labels).mean()
        if self.dice_weight > 0:
            loss = loss + self.dice_weight * soft_dice_loss(logits, labels)
        return loss, ({"pixel_accuracy": accuracy}, new_model_state)

    def predict(self, state, inputs):
        """Per-pixel logits [B, H, W, C] in inference mode (running BatchNorm statistics)."""
        return self.model.apply({"params": state.params, **state.model_state}, to_float(inputs), train=False)

    def eval_step(self, state, batch):
        logits = self.predict(state, batch["inputs"])
        labels = batch[self.target].astype(jnp.int32)
        weights = jnp.broadcast_to(batch["mask"][:, None, None], labels.shape)  # 0 on padded examples
        return {"loss": jnp.sum(self.pixel_loss(logits, labels) * weights), "pixels": jnp.sum(weights),
                "confusion": confusion_matrix(labels, jnp.argmax(logits, -1), weights, self.num_classes)}

    def summarize(self, sums):
        return {"loss": sums["loss"] / sums["pixels"], **segmentation_metrics(sums["confusion"])}

    def write_artifacts(self, states, step, workdir, final):
        """At the end: replica 0's predicted masks on the first test scenes -> plots/segmentation.png."""
        if not final or self.examples is None:
            return
        from jaxdl import plots

        state0 = jax.tree_util.tree_map(lambda a: a[0], states)
        pred = np.asarray(jnp.argmax(jax.jit(self.predict)(state0, self.examples["inputs"]), -1))
        plots.segmentation_predictions(self.examples["inputs"], self.examples["target"], pred,
                                       os.path.join(workdir, "plots", "segmentation.png"))
