"""im2col_conv and jaxdl's ConvTranspose equal XLA's convolutions (values and gradients) for the layouts
jaxdl's models use."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from jaxdl.models import build_model
from jaxdl.models.conv import ConvTranspose, im2col_conv

CASES = [  # lhs shape, kernel shape, strides, padding, kernel dilation
    ((4, 40, 1), (5, 1, 25), (2,), [(1, 1)], None),
    ((4, 19, 25), (3, 25, 25), (2,), [(1, 1)], None),
    ((2, 8, 8, 3), (3, 3, 3, 16), (1, 1), "SAME", None),
    ((2, 9, 7, 3), (3, 3, 3, 8), (2, 2), "SAME", None),
    ((2, 9, 7, 3), (7, 7, 3, 8), (2, 2), [(3, 3), (3, 3)], None),
    ((2, 6, 6, 2), (1, 1, 2, 4), (2, 2), "VALID", None),
    ((2, 6, 6, 4), (3, 3, 4, 5), (1, 1), "SAME", (2, 2)),  # the U-Net's atrous context block
    ((2, 9, 7, 3), (3, 2, 3, 4), (2, 1), [(2, 1), (0, 3)], (3, 2)),
    ((3, 17, 2), (3, 2, 3), (1,), "VALID", (4,)),
]


@pytest.mark.parametrize("lhs_shape,rhs_shape,strides,padding,dilation", CASES)
def test_im2col_matches_xla(lhs_shape, rhs_shape, strides, padding, dilation):
    k1, k2 = jax.random.split(jax.random.PRNGKey(0))
    x, w = jax.random.normal(k1, lhs_shape), jax.random.normal(k2, rhs_shape)
    nd = len(lhs_shape) - 2
    dn = lax.conv_dimension_numbers(lhs_shape, rhs_shape, ("NWC", "WIO", "NWC") if nd == 1
                                    else ("NHWC", "HWIO", "NHWC"))

    def ref(x, w):
        return lax.conv_general_dilated(x, w, strides, padding, rhs_dilation=dilation, dimension_numbers=dn,
                                        precision=lax.Precision.HIGHEST)

    def ours(x, w):
        return im2col_conv(x, w, strides, padding, rhs_dilation=dilation, dimension_numbers=dn,
                           precision=lax.Precision.HIGHEST)

    np.testing.assert_allclose(ours(x, w), ref(x, w), rtol=1e-5, atol=1e-5)
    g_ref = jax.grad(lambda x, w: jnp.sum(jnp.sin(ref(x, w))), argnums=(0, 1))(x, w)
    g_ours = jax.grad(lambda x, w: jnp.sum(jnp.sin(ours(x, w))), argnums=(0, 1))(x, w)
    for a, b in zip(g_ours, g_ref, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


TRANSPOSE_CASES = [  # input shape, kernel size, strides, padding: the DCGAN's, the U-Net's (odd sizes), others
    ((2, 2, 3, 4), (4, 4), (2, 2), "SAME"),
    ((2, 3, 5, 4), (2, 2), (2, 2), "SAME"),
    ((2, 5, 4), (3,), (3,), ((1, 2),)),
]


@pytest.mark.parametrize("shape,kernel,strides,padding", TRANSPOSE_CASES)
def test_conv_transpose_matches_flax_under_vmap(shape, kernel, strides, padding):
    """CPU ConvTranspose (sub-pixel im2col) vs flax's nn.ConvTranspose: same parameters from the same key;
    same values and gradients for 3 replicas vmapped with their own parameters, as the trainer runs them;
    no XLA convolution left in the program; built for another backend, flax's function."""
    ours = ConvTranspose(5, kernel, strides, padding=padding, backend="cpu")
    ref = nn.ConvTranspose(5, kernel, strides, padding=padding, precision=lax.Precision.HIGHEST)
    keys = jax.random.split(jax.random.PRNGKey(0), 3)
    x = jax.random.normal(jax.random.PRNGKey(1), (3, *shape))
    v_ours, v_ref = (jax.vmap(m.init)(keys, x) for m in (ours, ref))
    for a, b in zip(jax.tree_util.tree_leaves(v_ours), jax.tree_util.tree_leaves(v_ref), strict=True):
        np.testing.assert_array_equal(a, b)

    def grads(m):
        loss = lambda v, x: jnp.sum(jnp.sin(m.apply(v, x)))
        return jax.jit(jax.vmap(jax.value_and_grad(loss, argnums=(0, 1))))(v_ref, x)

    (y_ours, g_ours), (y_ref, g_ref) = grads(ours), grads(ref)
    np.testing.assert_allclose(y_ours, y_ref, rtol=1e-5, atol=1e-5)
    for a, b in zip(jax.tree_util.tree_leaves(g_ours), jax.tree_util.tree_leaves(g_ref), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    assert "conv_general_dilated" not in _primitives(jax.make_jaxpr(jax.vmap(ours.apply))(v_ref, x).jaxpr)
    on_gpu = ConvTranspose(5, kernel, strides, padding=padding, backend="gpu")  # XLA's, as built for a GPU
    np.testing.assert_allclose(jax.vmap(on_gpu.apply)(v_ref, x), jax.vmap(ref.apply)(v_ref, x), rtol=1e-5, atol=1e-5)


def _primitives(jaxpr) -> set[str]:
    """Every primitive's name in a jaxpr, nested jaxprs (loops, custom_vjp) included."""
    names = set()
    for eqn in jaxpr.eqns:
        names.add(eqn.primitive.name)
        for value in eqn.params.values():
            for sub in value if isinstance(value, list | tuple) else (value,):
                inner = getattr(sub, "jaxpr", sub)
                if hasattr(inner, "eqns"):
                    names |= _primitives(inner)
    return names


# (model, input shape, a primitive only one of the two programs has, which one)
BACKEND_CASES = [("cnn1d", (4, 40), "conv_general_dilated", "gpu"), ("cnn2d", (2, 8, 8), "conv_general_dilated", "gpu"),
                 ("gru_mnist1d", (4, 40), "custom_vjp_call", "cpu")]  # the fused GRU layer's hand-written backward


@pytest.mark.parametrize("name,shape,marker,owner", BACKEND_CASES)
def test_a_model_built_for_another_backend_uses_xla_layers_with_the_same_function(name, shape, marker, owner):
    """backend="gpu" (what build_model picks on a GPU): XLA's convolution and flax's GRUCell instead of
    im2col and the fused GRU layer; same parameters from the same key, same outputs."""
    x = jax.random.normal(jax.random.PRNGKey(1), shape)
    cpu, gpu = build_model(name, 10, backend="cpu"), build_model(name, 10, backend="gpu")
    assert build_model(name, 10).backend == jax.default_backend()
    v_cpu, v_gpu = cpu.init(jax.random.PRNGKey(0), x), gpu.init(jax.random.PRNGKey(0), x)
    assert jax.tree_util.tree_structure(v_cpu) == jax.tree_util.tree_structure(v_gpu)
    for a, b in zip(jax.tree_util.tree_leaves(v_cpu), jax.tree_util.tree_leaves(v_gpu), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(cpu.apply(v_cpu, x), gpu.apply(v_cpu, x), rtol=1e-4, atol=1e-5)
    ops = {b: _primitives(jax.make_jaxpr(lambda v, m=m: m.apply(v, x))(v_cpu).jaxpr) for b, m in
           (("cpu", cpu), ("gpu", gpu))}
    other = "cpu" if owner == "gpu" else "gpu"
    assert marker in ops[owner] and marker not in ops[other], {b: sorted(o) for b, o in ops.items()}


@pytest.mark.parametrize("limit", [5 * 6 * 6 * 9 * 3, 6 * 6 * 9 * 3, 6 * 6 * 9 * 3 - 1])  # 5 per chunk, 1, none
def test_batches_past_the_patch_bound_are_convolved_in_chunks_or_by_xla(monkeypatch, limit):
    """Past MAX_PATCH_ELEMENTS XLA:CPU's im2col matmul goes silently wrong (2.26e9 elements, measured); a small
    bound stands in for 2^31 here: chunks of 5 (12 images: the last chunk padded), of 1, or XLA's convolution."""
    from jaxdl.models import conv
    monkeypatch.setattr(conv, "MAX_PATCH_ELEMENTS", limit)
    k1, k2 = jax.random.split(jax.random.PRNGKey(0))
    x, w = jax.random.normal(k1, (12, 6, 6, 3)), jax.random.normal(k2, (3, 3, 3, 4))
    dn = lax.conv_dimension_numbers(x.shape, w.shape, ("NHWC", "HWIO", "NHWC"))
    for rate in (None, (2, 2)):  # plain and atrous: the same number of patch elements
        ref = lax.conv_general_dilated(x, w, (1, 1), "SAME", rhs_dilation=rate, dimension_numbers=dn,
                                       precision=lax.Precision.HIGHEST)
        conv_ = lambda x, w, rate=rate: conv.im2col_conv(x, w, (1, 1), "SAME", rhs_dilation=rate,  # noqa: E731
                                                         precision=lax.Precision.HIGHEST)
        np.testing.assert_allclose(jax.jit(conv_)(x, w), ref, rtol=1e-5, atol=1e-5)
        per_member = jax.vmap(lambda x, conv_=conv_: conv_(x, w))
        np.testing.assert_allclose(per_member(x.reshape(2, 6, 6, 6, 3)).reshape(ref.shape), ref, rtol=1e-5,
                                   atol=1e-5)
