"""Encoder-decoder: teacher forcing vs greedy decoding, padding of the source ignored, the addition data,
and the seq2seq task learning through the one trainer."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.data import load_dataset
from jaxdl.data.addition_builder import CHARS, EOS_ID, decode, encode
from jaxdl.models import build_model
from jaxdl.tasks.seq2seq import token_stats
from jaxdl.train.setup import build_experiment
from jaxdl.train.trainer import train_losses

V = len(CHARS)


@pytest.mark.parametrize("attention", [False, True])
def test_greedy_decoding_shape_and_consistency(attention):
    """Greedy decoding returns [B, length] tokens; feeding those tokens back as teacher inputs gives the same
    logits, i.e. greedy = teacher forcing on its own output. Source padding does not change the output."""
    model = build_model("seq2seq", V, cell="gru", hidden_size=16, embed_dim=8, attention=attention)
    src = np.stack([encode("12+345", 7), encode("9+9", 7)])
    variables = model.init(jax.random.PRNGKey(0), src, np.zeros((2, 5), np.int32))
    tokens = model.apply(variables, src, 5, method="decode")
    assert tokens.shape == (2, 5) and tokens.dtype == jnp.int32
    greedy_logits = model.apply(variables, src, jnp.zeros((2, 5), jnp.int32), greedy=True)
    teacher_logits = model.apply(variables, src, tokens)
    np.testing.assert_allclose(greedy_logits, teacher_logits, atol=1e-5)
    short = model.apply(variables, jnp.asarray(src[1:, :3]), 5, method="decode")  # "9+9" unpadded
    np.testing.assert_array_equal(short[0], tokens[1])


def test_sequence_accuracy_needs_every_answer_token():
    targets = jnp.array([[3, 4, EOS_ID, 0], [3, 4, EOS_ID, 0]])
    preds = jnp.array([[3, 4, EOS_ID, 7], [3, 5, EOS_ID, 0]])  # after EOS nothing counts
    logits = jax.nn.one_hot(preds, V) * 10.0
    _, right, count, exact = token_stats(logits, targets)
    np.testing.assert_array_equal(exact, [1.0, 0.0])
    np.testing.assert_array_equal(right, [3, 2]) and np.testing.assert_array_equal(count, [3, 3])


def test_addition_dataset_is_deterministic_and_correct():
    ds = load_dataset("addition")
    assert ds.train["inputs"].shape == (20000, 7) and ds.test["targets"].shape == (1000, 5)
    for i in range(0, 1000, 97):
        a, b = decode(ds.test["inputs"][i]).split("+")
        assert decode(ds.test["targets"][i]) == str(int(a) + int(b))
    train = {tuple(r) for r in ds.train["inputs"].tolist()}
    assert not any(tuple(r) in train for r in ds.test["inputs"].tolist())  # held out


def test_seq2seq_task_loss_falls_through_the_trainer(tiny):
    c = tiny("seq2seq")
    c.dataset.name = "addition"
    c.task = dict(name="seq2seq")
    c.model = dict(name="seq2seq", cell="lstm", hidden_size=32, embed_dim=8, attention=True)
    c.batch_size, c.replicas = 64, 2
    losses = train_losses(build_experiment(c), steps=40)
    assert losses.shape == (2, 40)
    assert losses[:, -5:].mean() < losses[:, :5].mean() - 0.5
