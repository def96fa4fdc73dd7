"""Classification: softmax cross-entropy (optional label smoothing), accuracy, per-class counts."""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from jaxdl.data import to_float
from jaxdl.errors import UserError
from jaxdl.models import build_model_from_config
from jaxdl.train.optim import make_optimizer
from jaxdl.train.state import TrainState


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
        params_key, dropout_key, train_key = jax.random.split(rng, 3)
        x = to_float(example_batch["inputs"])
        variables = self.model.init({"params": params_key, "dropout": dropout_key}, x, train=False)
        params = variables.pop("params") if isinstance(variables, dict) else variables["params"]
        model_state = {k: v for k, v in variables.items() if k != "params"}
        return TrainState(step=jnp.zeros((), jnp.int32), params=params, model_state=model_state,
                          opt_state=self.tx.init(params), rng=train_key)

    def loss(self, logits, labels):
        """Mean softmax cross-entropy of logits [B, C] (float32) against int labels [B]."""
        targets = jax.nn.one_hot(labels, self.num_classes)
        if self.label_smoothing:
            targets = optax.smooth_labels(targets, self.label_smoothing)
        return optax.softmax_cross_entropy(logits.astype(jnp.float32), targets)

    def train_step(self, state, batch):
        mutable = list(state.model_state.keys())

        def loss_fn(params):
            out = self.model.apply({"params": params, **state.model_state}, to_float(batch["inputs"]),
                                   train=True, rngs={"dropout": state.step_key()}, mutable=mutable or False)
            logits, new_model_state = out if mutable else (out, {})
            return self.loss(logits, batch["label"]).mean(), (logits, new_model_state)

        (loss, (logits, new_model_state)), grads = jax.value_and_grad(loss_fn, has_aux=True)(state.params)
        updates, opt_state = self.tx.update(grads, state.opt_state, state.params)
        params = optax.apply_updates(state.params, updates)
        accuracy = jnp.mean(jnp.argmax(logits, -1) == batch["label"])
        new_state = state.replace(step=state.step + 1, params=params, model_state=new_model_state,
                                  opt_state=opt_state)
        return new_state, {"loss": loss, "accuracy": accuracy}

    def eval_step(self, state, batch):
        logits = self.model.apply({"params": state.params, **state.model_state},
                                  to_float(batch["inputs"]), train=False)
        mask, labels = batch["mask"], batch["label"]
        pred = jnp.argmax(logits, -1)
        # confusion[i, j]: examples of true class i predicted as j
        confusion = jnp.einsum("bi,bj->ij", jax.nn.one_hot(labels, self.num_classes) * mask[:, None],
                               jax.nn.one_hot(pred, self.num_classes))
        return {"loss": jnp.sum(self.loss(logits, labels) * mask),
                "correct": jnp.sum((pred == labels) * mask), "count": jnp.sum(mask),
                "confusion": confusion}

    def summarize(self, sums):
        return {"loss": sums["loss"] / sums["count"], "accuracy": sums["correct"] / sums["count"]}
