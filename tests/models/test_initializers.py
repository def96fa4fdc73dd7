import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.models.initializers import lecun_normal


@pytest.mark.parametrize(
    "shape,dtype",
    [
        ((40, 100), jnp.float32),
        ((3, 25, 25), jnp.float32),
        ((2, 2, 3, 4), jnp.float32),
        ((5, 4), jnp.bfloat16),
    ],
)
def test_flat_draw_equals_flax_default_bitwise(shape, dtype):
    reference = nn.initializers.lecun_normal()
    both = jax.jit(lambda key: (reference(key, shape, dtype), lecun_normal(key, shape, dtype)))
    expected, got = both(jax.random.key(7))
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(np.asarray(got, np.float32), np.asarray(expected, np.float32))
