"""CTC: the loss against hand-computed path sums, greedy and beam decoding, edit distance, loss falls."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxdl.data.speech import decode_tokens
from jaxdl.models.speech import SpeechRNN
from jaxdl.tasks.ctc import CTCTask, ctc_losses
from jaxdl.tasks.ctc_decode import beam_search, edit_distance, edit_distance_py, greedy_decode
from jaxdl.train.step import train_step


def _logits(probs):
    return jnp.log(jnp.asarray(probs, jnp.float32))


def test_ctc_loss_equals_hand_computed_path_sums():
    # classes (blank, a); frame probabilities p_t(blank), p_t(a)
    p = np.array([[0.6, 0.4], [0.3, 0.7], [0.2, 0.8]])
    # "a" over 2 frames: paths aa, a-, -a
    two = p[0, 1] * p[1, 1] + p[0, 1] * p[1, 0] + p[0, 0] * p[1, 1]
    # "aa" over 3 frames: only a - a (a repeat needs a blank between)
    three = p[0, 1] * p[1, 0] * p[2, 1]
    logits = _logits(p)[None]
    got_two = ctc_losses(logits, jnp.array([2]), jnp.array([[1, 0]]), jnp.array([1]))  # frame 3, label 2 padded
    got_three = ctc_losses(logits, jnp.array([3]), jnp.array([[1, 1]]), jnp.array([2]))
    np.testing.assert_allclose(got_two, [-np.log(two)], rtol=1e-5)
    np.testing.assert_allclose(got_three, [-np.log(three)], rtol=1e-5)
    direct = optax.ctc_loss(_logits(p[:2])[None], jnp.zeros((1, 2)), jnp.array([[1]]), jnp.zeros((1, 1)))
    np.testing.assert_allclose(got_two, direct, rtol=1e-6)  # the padding really is ignored


def test_greedy_collapses_repeats_and_blanks():
    best = np.array([[1, 1, 0, 1, 2, 2, 0, 0, 3], [3, 3, 3, 0, 0, 0, 0, 0, 0]])
    logits = jax.nn.one_hot(best, 5) * 5.0
    tokens, counts = greedy_decode(logits, jnp.array([9, 9]))
    assert np.asarray(counts).tolist() == [4, 1]
    np.testing.assert_array_equal(tokens[0, :4], [1, 1, 2, 3])  # blank separates the repeated 1
    np.testing.assert_array_equal(tokens[1], [3, 0, 0, 0, 0, 0, 0, 0, 0])
    tokens, counts = greedy_decode(logits, jnp.array([5, 9]))  # frames past the length are ignored
    assert int(counts[0]) == 3 and np.asarray(tokens[0, :3]).tolist() == [1, 1, 2]


@pytest.mark.parametrize("a, b, d", [("kitten", "sitting", 3), ("", "abc", 3), ("abc", "", 3), ("abc", "abc", 0),
                                     ("ab", "ba", 2), ("1234", "1324", 2), ("9", "99999", 4)])
def test_edit_distance_hand_cases(a, b, d):
    assert edit_distance_py(a, b) == d
    enc = lambda s, n: np.array([ord(c) for c in s] + [0] * (n - len(s)), np.int32)
    got = edit_distance(jnp.array([enc(a, 8)]), jnp.array([len(a)]), jnp.array([enc(b, 7)]), jnp.array([len(b)]))
    assert int(got[0]) == d


def test_beam_search_sums_paths_where_greedy_does_not():
    # each frame: blank 0.6, a 0.4. Greedy: "" (p = 0.36); beam: "a" (p = 0.16 + 0.24 + 0.24 = 0.64)
    log_probs = np.log([[0.6, 0.4], [0.6, 0.4]])
    tokens, counts = greedy_decode(jnp.asarray(log_probs)[None], jnp.array([2]))
    assert int(counts[0]) == 0
    assert beam_search(log_probs, beam_width=4) == (1,)
    peaked = np.log(jax.nn.softmax(jax.nn.one_hot(np.array([2, 2, 0, 2, 3, 0]), 4) * 8.0))
    assert beam_search(np.asarray(peaked), 4) == (2, 2, 3)


@pytest.mark.outcome
def test_short_run_reduces_ctc_loss(outcome):
    rng = np.random.default_rng(0)
    labels = rng.integers(1, 11, (8, 3)).astype(np.int32)
    # frames that carry their labels: each label token's one-hot pattern held for 6 frames, plus noise
    frames = np.repeat(np.eye(40, dtype=np.float32)[labels * 3], 6, axis=1) + 0.1 * rng.standard_normal((8, 18, 40))
    batch = {"inputs": jnp.asarray(frames, jnp.float32), "input_lengths": jnp.full((8,), 18, jnp.int32),
             "labels": jnp.asarray(labels), "label_lengths": jnp.full((8,), 3, jnp.int32)}
    model = SpeechRNN(num_classes=11, conv_channels=(), hidden_size=16, num_layers=1)
    task = CTCTask(model, optax.adam(1e-2))
    state = task.init(jax.random.PRNGKey(0), batch)
    step = jax.jit(functools.partial(train_step, task))
    losses = []
    for _ in range(40):
        state, metrics = step(state, batch)
        losses.append(float(metrics["loss"]))
    outcome.at_most("last / first loss", losses[-1] / losses[0], 0.5)
    stats = task.summarize(jax.jit(task.eval_step)(state, {**batch, "mask": jnp.ones(8)}))
    assert 0.0 <= float(stats["digit_error_rate"]) and 0.0 <= float(stats["utterance_accuracy"]) <= 1.0


def test_the_end_of_a_run_writes_test_transcripts_beside_their_references(tmp_path):
    rng = np.random.default_rng(0)
    labels = np.array([[3, 5, 0], [2, 0, 0]], np.int32)  # "24" and "1", padded
    examples = {"inputs": rng.standard_normal((2, 12, 40)).astype(np.float32),
                "input_lengths": np.array([12, 9], np.int32), "labels": labels,
                "label_lengths": np.array([2, 1], np.int32)}
    task = CTCTask(SpeechRNN(num_classes=11, conv_channels=(), hidden_size=8, num_layers=1), optax.adam(1e-2),
                   examples)
    states = jax.tree_util.tree_map(lambda a: a[None], jax.jit(task.init)(jax.random.PRNGKey(0), examples))
    task.write_artifacts(states, 7, str(tmp_path), final=True)  # what the driver calls at the end of a run
    lines = (tmp_path / "predictions.txt").read_text().splitlines()
    assert lines[:2] == ["# replica 0 at step 7, greedy decoding (plots/spectrograms.png)",
                         "# input\treference\tprediction\tright"]
    logits, lengths = jax.jit(task.apply)(jax.tree_util.tree_map(lambda a: a[0], states.params), examples)
    tokens, counts = jax.jit(greedy_decode)(logits, lengths)
    hyps = [decode_tokens(np.asarray(tokens[i][: int(counts[i])])) for i in range(2)]
    expected = [["test utterance 0", "24", hyps[0]], ["test utterance 1", "1", hyps[1]]]
    assert [line.split("\t")[:3] for line in lines[2:]] == expected
    right = ["yes" if h == r else "no" for h, r in zip(hyps, ("24", "1"), strict=True)]
    assert [line.split("\t")[3] for line in lines[2:]] == right
    for name in ("predictions.png", "spectrograms.png"):
        assert (tmp_path / "plots" / name).stat().st_size > 0
