"""The training chunk's data order: a permutation per epoch, or the stored order with shuffle=False."""

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.train.loop import make_train_chunk
from jaxdl.train.state import TrainState


class _RecordBatches:
    """A stand-in task whose step reports which examples its batch held."""

    def update(self, state, batch, rng):
        return state, {"loss": jnp.float32(0.0), "idx": batch["idx"]}


def _batches(shuffle, key):
    chunk = make_train_chunk(_RecordBatches(), batch_size=4, num_train=10, length=6, shuffle=shuffle,
                             guarded=True)
    state = TrainState(step=jnp.int32(0), params={"w": jnp.zeros(())}, model_state={}, opt_state={}, rng=key)
    _, metrics = jax.jit(chunk)(state, {"idx": jnp.arange(10)}, jnp.int32(0), key)
    return np.asarray(metrics["idx"])  # [6 steps, 4]


def test_unshuffled_epochs_read_stored_order_and_drop_the_remainder():
    idx = _batches(False, jax.random.key_data(jax.random.key(0)))
    expected = np.array([[0, 1, 2, 3], [4, 5, 6, 7]] * 3)  # 2 steps per epoch; examples 8, 9 never used
    np.testing.assert_array_equal(idx, expected)
    np.testing.assert_array_equal(_batches(False, jax.random.key_data(jax.random.key(1))), expected)


def test_shuffled_epochs_are_permutations_that_change_per_epoch():
    idx = _batches(True, jax.random.key_data(jax.random.key(0)))
    epochs = idx.reshape(3, 8)
    assert all(len(set(e)) == 8 for e in epochs)  # no example twice within an epoch
    assert not np.array_equal(epochs[0], epochs[1])
