"""CTC transcription: per-frame logits over characters plus blank, trained with `optax.ctc_loss`.

Batches hold "inputs" float [B, T, M], "input_lengths" int [B], "labels" int [B, L] (token ids >= 1, then
padding), "label_lengths" int [B] (see jaxdl/data/speech.py). Frames past each utterance's end (after the
model's front end: the model returns its output lengths) and label positions past label_lengths are masked
by CTC's paddings. Evaluation decodes greedily inside the compiled step and reports the digit error rate
(edit distance / reference digits, over the split) and whole-utterance accuracy.
"""

from __future__ import annotations

import os

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxdl.data.speech import NUM_CTC_CLASSES, decode_tokens
from jaxdl.errors import UserError
from jaxdl.models import build_model_from_config
from jaxdl.models.rnn import valid_mask
from jaxdl.tasks.base import init_state
from jaxdl.tasks.ctc_decode import BLANK, edit_distance, greedy_decode
from jaxdl.train.optim import make_optimizer

SPECTROGRAMS = 6  # test utterances drawn in plots/spectrograms.png


def from_config(config, dataset) -> CTCTask:
    if "input_lengths" not in dataset.train or "labels" not in dataset.train:
        raise UserError(f"task 'ctc' needs a speech transcription dataset (input_lengths, labels); "
                        f"{dataset.name!r} has {', '.join(sorted(dataset.train))}")
    model = build_model_from_config(config.model, dataset.num_classes, config.dtype)
    if getattr(model, "head", "frames") != "frames":
        raise UserError("task 'ctc' needs per-frame logits: set model.head='frames'")
    examples = {k: v[:SPECTROGRAMS] for k, v in dataset.test.items()}
    return CTCTask(model, make_optimizer(config.optimizer, config.steps), examples)


def ctc_losses(logits, logit_lengths, labels, label_lengths) -> jax.Array:
    """Per-utterance CTC negative log-likelihood float32 [B] (optax.ctc_loss with both paddings)."""
    logit_paddings = 1.0 - valid_mask(logit_lengths, logits.shape[1])
    label_paddings = 1.0 - valid_mask(label_lengths, labels.shape[1])
    return optax.ctc_loss(logits, logit_paddings, labels, label_paddings, blank_id=BLANK)


class CTCTask:
    def __init__(self, model: nn.Module, tx: optax.GradientTransformation, examples: dict | None = None):
        self.model, self.tx, self.examples = model, tx, examples
        self.num_classes = NUM_CTC_CLASSES

    def init(self, rng, example_batch):
        return init_state(self.model, self.tx, rng, example_batch["inputs"], example_batch["input_lengths"])

    def apply(self, params, batch, train: bool = False, rngs=None):
        """(logits [B, T', C], output lengths [B])."""
        return self.model.apply({"params": params}, batch["inputs"], batch["input_lengths"], train=train,
                                rngs=rngs)

    def loss(self, params, model_state, batch, rng):
        """Mean CTC negative log-likelihood of the utterances [B, T, M] (dropout from rng)."""
        logits, lengths = self.apply(params, batch, train=True, rngs={"dropout": rng})
        return ctc_losses(logits, lengths, batch["labels"], batch["label_lengths"]).mean(), ({}, model_state)

    def eval_step(self, state, batch):
        """Sums over the batch's real rows (batch["mask"] [B]): CTC loss, edit distance of the greedy
        transcripts, reference digits, exactly right utterances, utterances."""
        logits, lengths = self.apply(state.params, batch)
        mask = batch["mask"]
        tokens, counts = greedy_decode(logits, lengths)
        edits = edit_distance(tokens, counts, batch["labels"], batch["label_lengths"])
        losses = ctc_losses(logits, lengths, batch["labels"], batch["label_lengths"])
        return {"loss": jnp.sum(losses * mask), "edits": jnp.sum(edits * mask),
                "digits": jnp.sum(batch["label_lengths"] * mask), "exact": jnp.sum((edits == 0) * mask),
                "count": jnp.sum(mask)}

    def summarize(self, sums):
        return {"loss": sums["loss"] / sums["count"], "digit_error_rate": sums["edits"] / sums["digits"],
                "utterance_accuracy": sums["exact"] / sums["count"]}

    def write_artifacts(self, states, step: int, workdir: str, final: bool) -> None:
        """At the end: plots/spectrograms.png, a few test utterances with the reference and replica 0's greedy
        transcript, and the same transcripts in predictions.txt and plots/predictions.png. (Trained
        parameters are in the run's checkpoints; `jaxdl transcribe` restores them.)"""
        if not final or not self.examples:
            return
        first = jax.tree_util.tree_map(lambda a: a[0], jax.device_get(states.params))
        transcribe = jax.jit(lambda params, batch: greedy_decode(*self.apply(params, batch)))  # one program
        tokens, counts = jax.device_get(transcribe(first, self.examples))
        ex = self.examples
        refs = [decode_tokens(ex["labels"][i][: ex["label_lengths"][i]]) for i in range(len(tokens))]
        hyps = [decode_tokens(tokens[i][: counts[i]]) for i in range(len(tokens))]
        titles = [f"ref {r}   hyp {h}" for r, h in zip(refs, hyps, strict=True)]
        from jaxdl import plots
        from jaxdl.tasks.predictions import write_predictions

        rows = [(f"test utterance {i}", refs[i], hyps[i]) for i in range(len(tokens))]
        write_predictions(workdir, rows, f"replica 0 at step {step}, greedy decoding (plots/spectrograms.png)")

        frames = [np.asarray(ex["inputs"][i][: ex["input_lengths"][i]]) for i in range(len(tokens))]
        plots.save(plots.spectrogram_figure(frames, titles), os.path.join(workdir, "plots", "spectrograms.png"))
