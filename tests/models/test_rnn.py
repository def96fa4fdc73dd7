"""Recurrent classifiers: parameter counts, masking of padded positions, bidirectional identity, heads,
loss falls, and replica equivalence through the one trainer."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.errors import UserError
from jaxdl.models import build_model
from jaxdl.models.rnn import RNNEncoder, pool
from jaxdl.train.setup import build_experiment


def n_params(variables):
    return sum(x.size for x in jax.tree_util.tree_leaves(variables["params"]))


def test_mnist1d_gru_param_count():
    model = build_model("gru_mnist1d", 10)
    variables = model.init(jax.random.PRNGKey(0), jnp.zeros((2, 40)))
    # PyTorch's 5,134 less the 24 redundant reset/update hidden biases Flax's GRUCell leaves out
    assert n_params(variables) == 5134 - 2 * 2 * 6
    assert model.apply(variables, jnp.zeros((3, 40))).shape == (3, 10)


@pytest.mark.parametrize("cell,hidden,expected", [("lstm", 5, 4 * (3 * 5 + 5 * 5 + 5)),
                                                  ("gru", 5, 3 * (3 * 5 + 5 + 5 * 5) + 5)])
def test_cell_param_counts(cell, hidden, expected):
    enc = RNNEncoder(cell=cell, hidden_size=hidden)
    variables = enc.init(jax.random.PRNGKey(0), jnp.zeros((1, 4, 3)))
    assert n_params(variables) == expected


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_padded_batch_equals_unpadded_sequences(cell):
    """Token sequences of lengths 5 and 3, padded to 8 with pad_id 0, through a 2-layer bidirectional
    encoder: each row's outputs at valid positions equal those of the sequence alone, are zero at padding,
    and the 'last'/'mean' logits equal the unpadded sequence's."""
    model = build_model("rnn", 3, cell=cell, hidden_size=4, num_layers=2, bidirectional=True, head="mean",
                        vocab_size=20, embed_dim=3)
    seqs = [np.array([4, 7, 1, 9, 2], np.int32), np.array([5, 3, 8], np.int32)]
    batch = np.zeros((2, 8), np.int32)
    for i, s in enumerate(seqs):
        batch[i, : len(s)] = s
    variables = model.init(jax.random.PRNGKey(1), jnp.asarray(batch))
    apply = jax.jit(model.apply)
    together = apply(variables, jnp.asarray(batch))
    for i, s in enumerate(seqs):
        np.testing.assert_allclose(together[i], apply(variables, jnp.asarray(s[None]))[0], atol=1e-6)
    # the same check one level down, on every position's outputs
    enc = RNNEncoder(cell=cell, hidden_size=4, num_layers=2, bidirectional=True)
    x = jax.random.normal(jax.random.PRNGKey(2), (2, 8, 3))
    enc_vars = enc.init(jax.random.PRNGKey(3), x)
    run = jax.jit(enc.apply)
    out = run(enc_vars, x, jnp.array([5, 3]))
    np.testing.assert_array_equal(out[0, 5:], 0.0)
    np.testing.assert_allclose(out[0, :5], run(enc_vars, x[:1, :5])[0], atol=1e-6)
    np.testing.assert_allclose(out[1, :3], run(enc_vars, x[1:, :3])[0], atol=1e-6)


def test_bidirectional_backward_is_forward_on_reversed_input():
    """With full-length sequences, the backward half of a bidirectional layer equals a forward layer with
    the same parameters run on the time-reversed input, then reversed back."""
    x = jax.random.normal(jax.random.PRNGKey(0), (2, 6, 3))
    bi = RNNEncoder(cell="gru", hidden_size=4, bidirectional=True)
    params = bi.init(jax.random.PRNGKey(1), x)["params"]
    out = bi.apply({"params": params}, x)
    fwd = RNNEncoder(cell="gru", hidden_size=4)
    backward_as_forward = {"forward_0": params["backward_0"]}
    rev = fwd.apply({"params": backward_as_forward}, x[:, ::-1])[:, ::-1]
    np.testing.assert_allclose(out[..., 4:], rev, atol=1e-6)
    forward = fwd.apply({"params": {"forward_0": params["forward_0"]}}, x)
    np.testing.assert_allclose(out[..., :4], forward, atol=1e-6)


def test_heads_shapes_and_last_state():
    outputs = jnp.arange(2 * 4 * 6, dtype=jnp.float32).reshape(2, 4, 6)
    outputs = outputs * (jnp.arange(4)[None, :, None] < jnp.array([4, 2])[:, None, None])
    lengths = jnp.array([4, 2])
    assert pool(outputs, lengths, "flatten", True).shape == (2, 24)
    np.testing.assert_allclose(pool(outputs, lengths, "mean", True)[1], outputs[1, :2].mean(0))
    last = pool(outputs, lengths, "last", True)
    np.testing.assert_allclose(last[1], np.concatenate([outputs[1, 1, :3], outputs[1, 0, 3:]]))
    np.testing.assert_allclose(pool(outputs, lengths, "last", False)[0], outputs[0, 3])


def test_bad_options_are_user_errors():
    for kwargs in (dict(cell="rnn"), dict(head="max"), dict(hidden_size=0), dict(dropout=1.5)):
        with pytest.raises(UserError):
            build_model("rnn", 2, **kwargs)


@pytest.mark.outcome
def test_gru_loss_falls_and_replicas_equal_single_runs(tiny, train_losses, outcome):
    c = tiny("gru_mnist1d", replicas=2, seed=5)
    many = train_losses(build_experiment(c), steps=30)
    outcome.at_least("first - last 5 losses", many[:, :5].mean() - many[:, -5:].mean(), 0.2)  # learns from step 0
    single = train_losses(build_experiment(tiny("gru_mnist1d", replicas=1, seed=6)), steps=30)[0]
    np.testing.assert_allclose(many[1], single, rtol=1e-5)  # replica 1 of the pair = the run with seed + 1
    assert not np.allclose(many[0], many[1])
