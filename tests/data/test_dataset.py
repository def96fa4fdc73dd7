"""to_float: uint8 images to float32 in [0, 1], floating inputs unchanged, inside jit too."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.data import to_float


def test_uint8_maps_to_unit_interval():
    x = np.array([[0, 51, 255]], dtype=np.uint8)
    y = to_float(x)
    assert y.dtype == jnp.float32 and y.shape == (1, 3)
    np.testing.assert_allclose(y, [[0.0, 0.2, 1.0]], rtol=1e-7)
    assert y[0, 0] == 0.0 and y[0, 2] == 1.0


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.bfloat16])
def test_floating_inputs_unchanged(dtype):
    x = jnp.array([-3.5, 0.25, 7.0], dtype=dtype)
    y = to_float(x)
    assert y.dtype == dtype
    np.testing.assert_array_equal(np.asarray(y, np.float32), np.asarray(x, np.float32))


def test_jittable():
    x = np.arange(256, dtype=np.uint8).reshape(16, 16, 1)
    np.testing.assert_array_equal(jax.jit(to_float)(x), to_float(x))


def test_rejects_other_integer_types():
    with pytest.raises(TypeError, match="int16"):
        to_float(jnp.zeros(3, jnp.int16))


def test_int32_token_ids_unchanged():
    x = jnp.array([[3, 0, 7]], jnp.int32)
    assert to_float(x).dtype == jnp.int32 and (to_float(x) == x).all()


def _small(n_train=10, n_test=4):
    from jaxdl.data import Dataset

    x = np.arange(n_train * 4, dtype=np.uint8).reshape(n_train, 2, 2)
    return Dataset.from_arrays(x, np.arange(n_train) % 3, x[:n_test] + 1, np.zeros(n_test, int), num_classes=3)


def test_hold_out_evaluates_on_the_last_training_examples():
    dataset = _small()
    held = dataset.hold_out(3)
    assert held.num_train == 7 and len(held.test["label"]) == 3
    np.testing.assert_array_equal(held.train["inputs"], dataset.train["inputs"][:7])
    np.testing.assert_array_equal(held.test["inputs"], dataset.train["inputs"][7:])
    np.testing.assert_array_equal(held.test["label"], [1, 2, 0])  # labels 7 % 3, 8 % 3, 9 % 3
    assert dataset.hold_out(0) is dataset and dataset.num_train == 10  # the original is untouched


@pytest.mark.parametrize("n", [-1, 10, 11, 2.5, True, "3"])
def test_hold_out_refuses_bad_sizes(n):
    from jaxdl.errors import UserError

    with pytest.raises(UserError, match=r"dataset.holdout must be an integer in \[0, 10\)"):
        _small().hold_out(n)


def test_config_holdout_reaches_the_experiment_and_its_config(tiny):
    from jaxdl.config import to_json
    from jaxdl.train.setup import build_experiment

    config = tiny(batch_size=4, dataset={"name": "arrays", "holdout": 3})
    config.model = dict(name="mlp", hidden_sizes=(4,))
    exp = build_experiment(config, dataset=_small())
    np.testing.assert_array_equal(exp.dataset.test["inputs"], _small().train["inputs"][7:])
    assert exp.dataset.num_train == 7
    assert '"holdout": 3' in to_json(exp.config)  # what the run directory's config.json records
