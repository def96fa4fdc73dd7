"""Sequence to sequence: teacher-forced cross-entropy for training, greedy decoding for evaluation.

Batches hold "inputs" int32 [B, Tin] and "targets" int32 [B, Tout] (answer tokens, then EOS, then
padding id 0). Padding positions carry no loss. Sequence accuracy counts an example right only when every
non-padding target position (the whole answer and its EOS) is predicted exactly, by greedy decoding.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from jaxdl.models import build_model_from_config
from jaxdl.train.optim import make_optimizer
from jaxdl.train.state import TrainState

PAD_ID = 0


def from_config(config, dataset) -> Seq2SeqTask:
    # dataset.num_classes is the vocabulary size of a sequence dataset
    model = build_model_from_config(config.model, dataset.num_classes, config.dtype)
    return Seq2SeqTask(model, make_optimizer(config.optimizer, config.steps))


def token_stats(logits, targets):
    """Per-example sums over valid positions: (cross-entropy [B], correct tokens [B], tokens [B],
    all-correct [B] float)."""
    valid = (targets != PAD_ID).astype(jnp.float32)
    ce = optax.softmax_cross_entropy_with_integer_labels(logits, targets) * valid
    right = (jnp.argmax(logits, -1) == targets) * valid
    return ce.sum(1), right.sum(1), valid.sum(1), (right.sum(1) == valid.sum(1)).astype(jnp.float32)


class Seq2SeqTask:
    def __init__(self, model: nn.Module, tx: optax.GradientTransformation):
        self.model, self.tx = model, tx

    def init(self, rng, example_batch):
        params_key, train_key = jax.random.split(rng)
        params = self.model.init(params_key, example_batch["inputs"], example_batch["targets"])["params"]
        return TrainState.create(params=params, tx=self.tx, rng=train_key)

    def loss(self, params, model_state, batch, rng):
        """Teacher-forced cross-entropy per valid target token; no dropout, so `rng` is unused."""
        logits = self.model.apply({"params": params}, batch["inputs"], batch["targets"], train=True)
        ce, right, count, _ = token_stats(logits, batch["targets"])
        return ce.sum() / count.sum(), ({"token_accuracy": right.sum() / count.sum()}, model_state)

    def eval_step(self, state, batch):
        """Summed over the batch's real rows (batch["mask"] [B]): teacher-forced loss and token counts,
        greedy-decoded exact sequences."""
        variables, mask, targets = {"params": state.params}, batch["mask"], batch["targets"]
        ce, right, count, _ = token_stats(self.model.apply(variables, batch["inputs"], targets), targets)
        greedy = self.model.apply(variables, batch["inputs"], targets, greedy=True)
        _, _, _, exact = token_stats(greedy, targets)
        return {"loss": jnp.sum(ce * mask), "tokens": jnp.sum(count * mask), "correct_tokens": jnp.sum(right * mask),
                "correct_sequences": jnp.sum(exact * mask), "count": jnp.sum(mask)}

    def summarize(self, sums):
        return {"loss": sums["loss"] / sums["tokens"], "token_accuracy": sums["correct_tokens"] / sums["tokens"],
                "sequence_accuracy": sums["correct_sequences"] / sums["count"]}
