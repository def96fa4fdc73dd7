import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.models.initializers import lecun_normal, orthogonal


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


@pytest.mark.parametrize("shape", [(16, 16), (8, 24), (24, 8)])
def test_orthogonal_equals_flax_default_one_by_one_and_vmapped(shape):
    reference = nn.initializers.orthogonal()
    keys = jax.random.split(jax.random.key(3), 3)
    expected = np.stack([reference(k, shape) for k in keys])
    np.testing.assert_array_equal(orthogonal(keys[1], shape), expected[1])
    np.testing.assert_array_equal(jax.jit(jax.vmap(lambda k: orthogonal(k, shape)))(keys), expected)
    nested = jax.vmap(jax.vmap(lambda k: orthogonal(k, shape)))(keys.reshape(1, 3))  # a sweep x seeds layout
    np.testing.assert_array_equal(nested[0], expected)
