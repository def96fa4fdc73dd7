"""im2col_conv equals XLA's convolution (values and gradients) for the layouts jaxdl's models use."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from jaxdl.models.conv import im2col_conv

CASES = [  # lhs shape, kernel shape, strides, padding
    ((4, 40, 1), (5, 1, 25), (2,), [(1, 1)]),
    ((4, 19, 25), (3, 25, 25), (2,), [(1, 1)]),
    ((2, 8, 8, 3), (3, 3, 3, 16), (1, 1), "SAME"),
    ((2, 9, 7, 3), (3, 3, 3, 8), (2, 2), "SAME"),
    ((2, 9, 7, 3), (7, 7, 3, 8), (2, 2), [(3, 3), (3, 3)]),
    ((2, 6, 6, 2), (1, 1, 2, 4), (2, 2), "VALID"),
]


@pytest.mark.parametrize("lhs_shape,rhs_shape,strides,padding", CASES)
def test_im2col_matches_xla(lhs_shape, rhs_shape, strides, padding):
    k1, k2 = jax.random.split(jax.random.PRNGKey(0))
    x, w = jax.random.normal(k1, lhs_shape), jax.random.normal(k2, rhs_shape)
    nd = len(lhs_shape) - 2
    dn = lax.conv_dimension_numbers(lhs_shape, rhs_shape, ("NWC", "WIO", "NWC") if nd == 1
                                    else ("NHWC", "HWIO", "NHWC"))

    def ref(x, w):
        return lax.conv_general_dilated(x, w, strides, padding, dimension_numbers=dn,
                                        precision=lax.Precision.HIGHEST)

    def ours(x, w):
        return im2col_conv(x, w, strides, padding, dimension_numbers=dn, precision=lax.Precision.HIGHEST)

    np.testing.assert_allclose(ours(x, w), ref(x, w), rtol=1e-5, atol=1e-5)
    g_ref = jax.grad(lambda x, w: jnp.sum(jnp.sin(ref(x, w))), argnums=(0, 1))(x, w)
    g_ours = jax.grad(lambda x, w: jnp.sum(jnp.sin(ours(x, w))), argnums=(0, 1))(x, w)
    for a, b in zip(g_ours, g_ref, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
