"""Encoder-decoder: teacher forcing vs greedy decoding, padding of the source ignored, the addition data,
and the seq2seq task learning through the one trainer."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.config import base_config
from jaxdl.data import Dataset, load_dataset
from jaxdl.data.addition_builder import CHARS, EOS_ID, decode, encode, encode_pairs, make_pairs
from jaxdl.models import build_model
from jaxdl.models.seq2seq import reverse_valid
from jaxdl.tasks.seq2seq import token_stats
from jaxdl.train.loop import init_states, make_programs, pad_for_eval
from jaxdl.train.setup import build_experiment

V = len(CHARS)


@pytest.mark.parametrize("attention,reverse", [(False, False), (True, False), (False, True)])
def test_greedy_decoding_shape_and_consistency(attention, reverse):
    """Greedy decoding returns [B, length] tokens; feeding those tokens back as teacher inputs gives the same
    logits, i.e. greedy = teacher forcing on its own output (also when source and answer are reversed).
    Source padding does not change the output."""
    model = build_model("seq2seq", V, cell="gru", hidden_size=16, embed_dim=8, attention=attention,
                        reverse_source=reverse, reverse_target=reverse)
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


def test_reverse_valid_keeps_padding_in_place():
    x = jnp.array([[5, 6, 7, 0], [5, 6, 2, 0]])
    np.testing.assert_array_equal(reverse_valid(x, jnp.array([3, 2])), [[7, 6, 5, 0], [6, 5, 2, 0]])


def test_addition_dataset_is_deterministic_and_correct():
    ds = load_dataset("addition")
    assert ds.train["inputs"].shape == (20000, 7) and ds.test["targets"].shape == (1000, 5)
    for i in range(0, 1000, 97):
        a, b = decode(ds.test["inputs"][i]).split("+")
        assert decode(ds.test["targets"][i]) == str(int(a) + int(b))
    # held out: no test query is a train query, nor a train query with its operands swapped
    train = {decode(r) for r in ds.train["inputs"]}
    test = [decode(r).split("+") for r in ds.test["inputs"]]
    assert not any(f"{a}+{b}" in train or f"{b}+{a}" in train for a, b in test)


def test_addition_pairs_exclude_swapped_test_pairs():
    pairs = make_pairs(digits=1, num_train=40, num_test=20, seed=3)
    train = set(map(tuple, pairs["train"].tolist()))
    assert len(train) == 40 and len(set(map(tuple, pairs["test"].tolist()))) == 20
    assert not any((a, b) in train or (b, a) in train for a, b in pairs["test"].tolist())


@pytest.mark.outcome
def test_addition_reaches_high_held_out_accuracy_in_a_short_run(outcome):
    """Two-digit addition (2000 train / 200 held-out pairs), the config's model recipe at hidden 64
    (reversed source and answer, LSTM, Adam with clipping): greedy decoding gets most held-out sums exactly
    right after 600 steps, through the trainer's compiled chunk and evaluation. 600 steps sit just past the
    knee of the learning curve, where rounding moves the result: 0.845-0.935 over 4 seeds and 2 instruction
    sets here, 0.79 on an AMD EPYC (experiments/RESULTS.md), so the floor is 0.6 (chance is ~0)."""
    pairs = make_pairs(digits=2, num_train=2000, num_test=200, seed=0)
    ds = Dataset("addition", encode_pairs(pairs["train"], 2), encode_pairs(pairs["test"], 2), V, (5,))
    c = base_config()
    c.dataset.name, c.task.name = "addition", "seq2seq"
    c.model = dict(name="seq2seq", cell="lstm", hidden_size=64, embed_dim=16, reverse_source=True,
                   reverse_target=True)
    c.optimizer.learning_rate, c.optimizer.clip_norm = 1e-2, 1.0
    c.batch_size, c.steps, c.log_every, c.eval_every = 64, 600, 600, 600
    exp = build_experiment(c, ds)
    programs = make_programs(exp, c.steps)
    states, data_keys = init_states(exp, programs)
    states, _ = programs.guarded_chunk(states, jax.device_put(ds.train), jnp.int32(0), data_keys)
    metrics = exp.task.summarize(programs.evaluate(states, jax.device_put(pad_for_eval(ds.test, 200))))
    outcome.at_least("held-out sequence accuracy", metrics["sequence_accuracy"][0], 0.6)


@pytest.mark.outcome
def test_seq2seq_task_loss_falls_through_the_trainer(tiny, train_losses, outcome):
    c = tiny("seq2seq")
    c.dataset.name = "addition"
    c.task.name = "seq2seq"
    c.model = dict(name="seq2seq", cell="lstm", hidden_size=32, embed_dim=8, attention=True)
    c.batch_size, c.replicas = 64, 2
    losses = train_losses(build_experiment(c), steps=40)
    assert losses.shape == (2, 40)
    outcome.at_least("first - last 5 losses", losses[:, :5].mean() - losses[:, -5:].mean(), 0.5)
