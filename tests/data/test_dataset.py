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
