"""Classification: softmax cross-entropy (optional label smoothing), accuracy, per-class counts."""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from jaxdl.data import to_float
from jaxdl.errors import UserError
from jaxdl.models import build_model_from_config
from jaxdl.tasks.base import init_state
from jaxdl.train.optim import make_optimizer


def from_config(config, dataset) -> ClassificationTask:
    ls = float(config.task.label_smoothing)
    if not 0.0 <= ls < 1.0:
        raise UserError(f"task.label_smoothing must be in [0, 1), got {ls}")
    model = build_model_from_config(config.model, dataset.num_classes, config.dtype)
    return ClassificationTask(model, make_optimizer(config.optimizer, config.steps), dataset.num_classes, ls)


class ClassificationTask:
    """Batches hold "inputs" [B, ...] and "label" int32 [B]. Works for any model mapping inputs to logits
    [B, num_classes]; BatchNorm statistics (if any) live in `TrainState.model_state`."""

    def __init__(self, model: nn.Module, tx: optax.GradientTransformation, num_classes: int,
                 label_smoothing: float = 0.0):
        self.model, self.tx, self.num_classes = model, tx, num_classes
        self.label_smoothing = label_smoothing

    def init(self, rng, example_batch):
        return init_state(self.model, self.tx, rng, to_float(example_batch["inputs"]), train=False)

    def cross_entropy(self, logits, labels):
        """Softmax cross-entropy [B] of logits [B, C] (float32) against int labels [B]."""
        targets = jax.nn.one_hot(labels, self.num_classes)
        if self.label_smoothing:
            targets = optax.smooth_labels(targets, self.label_smoothing)
        return optax.softmax_cross_entropy(logits.astype(jnp.float32), targets)

    def loss(self, params, model_state, batch, rng):
        """Mean cross-entropy of inputs [B, ...] against label int32 [B] (train mode, dropout from rng);
        metrics: accuracy."""
        mutable = list(model_state.keys())
        out = self.model.apply({"params": params, **model_state}, to_float(batch["inputs"]), train=True,
                               rngs={"dropout": rng}, mutable=mutable or False)
        logits, new_model_state = out if mutable else (out, {})
        accuracy = jnp.mean(jnp.argmax(logits, -1) == batch["label"])
        return self.cross_entropy(logits, batch["label"]).mean(), ({"accuracy": accuracy}, new_model_state)

    def eval_step(self, state, batch):
        logits = self.model.apply({"params": state.params, **state.model_state},
                                  to_float(batch["inputs"]), train=False)
        mask, labels = batch["mask"], batch["label"]
        pred = jnp.argmax(logits, -1)
        # confusion[i, j]: examples of true class i predicted as j
        confusion = jnp.einsum("bi,bj->ij", jax.nn.one_hot(labels, self.num_classes) * mask[:, None],
                               jax.nn.one_hot(pred, self.num_classes))
        return {"loss": jnp.sum(self.cross_entropy(logits, labels) * mask),
                "correct": jnp.sum((pred == labels) * mask), "count": jnp.sum(mask),
                "confusion": confusion}

    def summarize(self, sums):
        return {"loss": sums["loss"] / sums["count"], "accuracy": sums["correct"] / sums["count"]}
