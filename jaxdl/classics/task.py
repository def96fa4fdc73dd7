"""Classification trained by hand: hand-written backprop (HandMLP) and a hand-written optimizer.

The task "classification_by_hand" is `ClassificationTask` with the gradient and the update replaced:
same init (the flax MLP's parameters), same evaluation statistics (on the hand forward pass), same
trainer. Trained from the same config as "classification", it follows the same learning curve
(experiments/backprop_vs_autodiff.py measures how closely).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from jaxdl.classics.backprop import HandMLP
from jaxdl.classics.optimizers import OPTIMIZERS, Optimizer
from jaxdl.data import to_float
from jaxdl.errors import UserError
from jaxdl.models import build_model_from_config
from jaxdl.tasks.classification import ClassificationTask

_HPARAMS = {"sgd": (), "momentum": ("momentum",), "nesterov": ("momentum",), "adam": ("b1", "b2", "eps")}


def hand_optimizer(cfg) -> Optimizer:
    """The config's optimizer by hand. Hyperparameters become float32 scalars, as the library path's
    `optax.inject_hyperparams` holds them, so both round alike. Only what the hand optimizers implement."""
    if cfg.name not in OPTIMIZERS:
        raise UserError(f"optimizer {cfg.name!r} has no hand-written version; choose one of {', '.join(OPTIMIZERS)}")
    if cfg.schedule != "constant" or cfg.clip_norm or cfg.weight_decay:
        raise UserError("hand-written optimizers take a constant learning rate without clipping or weight decay: "
                        "set optimizer.schedule='constant', optimizer.clip_norm=0, optimizer.weight_decay=0")
    f32 = lambda v: jnp.asarray(v, jnp.float32)
    return OPTIMIZERS[cfg.name](f32(cfg.learning_rate), *(f32(cfg[k]) for k in _HPARAMS[cfg.name]))


def from_config(config, dataset) -> HandClassificationTask:
    if dict(config.sweep):
        raise UserError("classification_by_hand cannot sweep hyperparameters; use replicas (seeds) only")
    model = HandMLP.from_module(build_model_from_config(config.model, dataset.num_classes, config.dtype))
    ls = float(config.task.label_smoothing)
    if not 0.0 <= ls < 1.0:
        raise UserError(f"task.label_smoothing must be in [0, 1), got {ls}")
    return HandClassificationTask(model, hand_optimizer(config.optimizer), dataset.num_classes, ls)


class HandClassificationTask(ClassificationTask):
    """`self.model` is a HandMLP (flax init, hand forward) and `self.tx` an Optimizer (init, step)."""

    def update(self, state, batch, rng):
        """Hand-written gradient and optimizer step (jaxdl/train/step.py's extension point); no dropout."""
        targets = jax.nn.one_hot(batch["label"], self.num_classes)
        if self.label_smoothing:
            targets = optax.smooth_labels(targets, self.label_smoothing)
        loss, logits, grads = self.model.loss_and_grad(state.params, to_float(batch["inputs"]), targets)
        params, opt_state = self.tx.step(state.params, grads, state.opt_state)
        accuracy = jnp.mean(jnp.argmax(logits, -1) == batch["label"])
        return state.replace(params=params, opt_state=opt_state), {"loss": loss, "accuracy": accuracy}
