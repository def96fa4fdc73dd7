"""SpeechRNN: output lengths, and padding invariance of logits and CTC loss through the conv front end."""

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.models.speech import SpeechRNN
from jaxdl.tasks.ctc import ctc_losses


def test_padding_does_not_change_valid_outputs():
    model = SpeechRNN(num_classes=11, conv_channels=(8, 8), conv_kernel=5, hidden_size=8, num_layers=2)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 23, 40)).astype(np.float32)
    lengths = jnp.array([23, 14])
    params = model.init(jax.random.PRNGKey(0), x, lengths)
    logits, out_lengths = model.apply(params, x, lengths)
    assert logits.shape == (2, 6, 11) and np.asarray(out_lengths).tolist() == [6, 4]
    padded = np.concatenate([x, rng.standard_normal((2, 10, 40)).astype(np.float32)], axis=1)  # junk padding
    padded[1, 14:] = rng.standard_normal((19, 40))
    logits_p, out_lengths_p = model.apply(params, padded, lengths)
    assert np.asarray(out_lengths_p).tolist() == [6, 4]
    np.testing.assert_allclose(logits_p[0, :6], logits[0], atol=1e-5)
    np.testing.assert_allclose(logits_p[1, :4], logits[1, :4], atol=1e-5)
    alone, _ = model.apply(params, x[1:, :14], lengths[1:])  # the short utterance unpadded
    np.testing.assert_allclose(logits[1, :4], alone[0], atol=1e-5)
    labels, label_lengths = jnp.array([[1, 2, 0], [3, 0, 0]]), jnp.array([2, 1])
    np.testing.assert_allclose(ctc_losses(logits, out_lengths, labels, label_lengths),
                               ctc_losses(logits_p, out_lengths_p, labels, label_lengths), rtol=1e-5)
