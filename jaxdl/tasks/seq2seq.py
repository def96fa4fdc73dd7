"""Sequence to sequence: teacher-forced cross-entropy for training, greedy decoding for evaluation.

Batches hold "inputs" int32 [B, Tin] and "targets" int32 [B, Tout] (answer tokens, then EOS, then
padding id 0). Padding positions carry no loss. Sequence accuracy counts an example right only when every
non-padding target position (the whole answer and its EOS) is predicted exactly, by greedy decoding.

A dataset of characters (`CODECS`: addition) also gets its predictions shown: a run writes a few test
queries with their references and replica 0's answers (predictions.txt, plots/predictions.png), and
`jaxdl predict --workdir DIR "123+45"` answers new queries.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxdl.data import addition_builder
from jaxdl.errors import UserError
from jaxdl.models import build_model_from_config
from jaxdl.train.optim import make_optimizer
from jaxdl.train.state import TrainState

PAD_ID = 0
NUM_SHOWN = 8  # test queries written to predictions.txt at the end of a run


@dataclasses.dataclass(frozen=True)
class Codec:
    """Text <-> token ids of a character dataset: `encode(text, length)` -> int32 [length],
    `decode(ids)` -> text (up to the end token)."""

    alphabet: str  # the characters a query may hold
    input_len: int  # the longest query
    encode: Callable[[str, int], np.ndarray]
    decode: Callable[[np.ndarray], str]

    def encode_query(self, text: str, dataset: str) -> np.ndarray:
        """int32 [input_len] of a query; UserError for a character outside the alphabet or a too long one."""
        bad = sorted(set(text) - set(self.alphabet))
        if not text or bad:
            what = "is empty" if not text else f"has {', '.join(map(repr, bad))}, not in the vocabulary"
            raise UserError(f"query {text!r} {what} of {dataset!r} (characters: {self.alphabet})")
        if len(text) > self.input_len:
            raise UserError(f"query {text!r} has {len(text)} characters; {dataset!r} queries have at most "
                            f"{self.input_len}")
        return self.encode(text, self.input_len)


# dataset name -> its character codec
CODECS = {"addition": Codec("0123456789+", addition_builder.INPUT_LEN, addition_builder.encode,
                            addition_builder.decode)}


def from_config(config, dataset) -> Seq2SeqTask:
    # dataset.num_classes is the vocabulary size of a sequence dataset
    model = build_model_from_config(config.model, dataset.num_classes, config.dtype)
    codec = CODECS.get(dataset.name)
    examples = {k: dataset.test[k][:NUM_SHOWN] for k in ("inputs", "targets")} if codec else None
    return Seq2SeqTask(model, make_optimizer(config.optimizer, config.steps), codec, examples)


def token_stats(logits, targets):
    """Per-example sums over valid positions: (cross-entropy [B], correct tokens [B], tokens [B],
    all-correct [B] float)."""
    valid = (targets != PAD_ID).astype(jnp.float32)
    ce = optax.softmax_cross_entropy_with_integer_labels(logits, targets) * valid
    right = (jnp.argmax(logits, -1) == targets) * valid
    return ce.sum(1), right.sum(1), valid.sum(1), (right.sum(1) == valid.sum(1)).astype(jnp.float32)


class Seq2SeqTask:
    def __init__(self, model: nn.Module, tx: optax.GradientTransformation, codec: Codec | None = None,
                 examples: dict | None = None):
        self.model, self.tx, self.codec, self.examples = model, tx, codec, examples

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

    def answer(self, params, inputs, target_len: int):
        """Greedy answers int32 [B, target_len] (up to EOS, then anything) to queries int32 [B, Tin]."""
        targets = jnp.zeros((inputs.shape[0], target_len), jnp.int32)  # only their length is read
        return jnp.argmax(self.model.apply({"params": params}, inputs, targets, greedy=True), -1)

    def write_artifacts(self, states, step: int, workdir: str, final: bool) -> None:
        """At the end: the first test queries, their references and replica 0's greedy answers ->
        predictions.txt and plots/predictions.png (datasets with a `Codec`)."""
        if not final or self.codec is None:
            return
        from jaxdl.tasks.predictions import write_predictions

        first = jax.tree_util.tree_map(lambda a: a[0], jax.device_get(states.params))
        ex, decode = self.examples, self.codec.decode
        answer = jax.jit(self.answer, static_argnums=2)
        answers = jax.device_get(answer(first, jnp.asarray(ex["inputs"]), ex["targets"].shape[1]))
        rows = [(decode(q), decode(t), decode(a)) for q, t, a in zip(ex["inputs"], ex["targets"], answers,
                                                                       strict=True)]
        write_predictions(workdir, rows, f"replica 0 at step {step}, greedy decoding, first test queries")
