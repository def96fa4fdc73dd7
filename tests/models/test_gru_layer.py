"""The GRU layer (jaxdl/models/gru_layer.py) is flax's nn.RNN(GRUCell): same parameters from the same key,
same outputs and gradients, padded or not, bidirectional, stacked, vmapped over replicas; and for a small
hidden size its recurrence loops contain no matmul (what lets XLA:CPU compile each loop as one kernel)."""

import flax.linen as nn
import jax
import jax.extend
import jax.numpy as jnp
import numpy as np
import pytest

import jaxdl.platform
from jaxdl.models.rnn import CELLS, RNNEncoder, valid_mask


class FlaxGRUEncoder(RNNEncoder):
    """The reference: RNNEncoder's layers as flax's nn.RNN over GRUCell, the same names and inits."""

    @nn.compact
    def __call__(self, x, lengths):
        mask = valid_mask(lengths, x.shape[1])[..., None]
        h = x
        for i in range(self.num_layers):
            fwd = nn.RNN(CELLS["gru"](self.hidden_size, name=f"forward_{i}", **self._inits()))
            if self.bidirectional:
                bwd = nn.RNN(CELLS["gru"](self.hidden_size, name=f"backward_{i}", **self._inits()))
                fwd = nn.Bidirectional(fwd, bwd)
            h = fwd(h, seq_lengths=lengths) * mask
        return h


def max_diff(a, b):
    pairs = zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True)
    return max(float(jnp.max(jnp.abs(x - y))) for x, y in pairs)


@pytest.mark.parametrize("hidden,features,init", [(5, 3, "flax"), (6, 1, "torch"), (20, 4, "flax")])
def test_padded_stacked_bidirectional_equals_flax(hidden, features, init):
    """hidden 5 and 6 take the unrolled path, 20 the matmul path (SMALL_HIDDEN = 16)."""
    x = jax.random.normal(jax.random.PRNGKey(0), (3, 7, features))
    lengths = jnp.array([7, 4, 1])
    kw = dict(cell="gru", hidden_size=hidden, num_layers=2, bidirectional=True, weight_init=init)
    ours, ref = RNNEncoder(**kw), FlaxGRUEncoder(**kw)
    variables = ours.init(jax.random.PRNGKey(1), x, lengths)
    assert max_diff(variables, ref.init(jax.random.PRNGKey(1), x, lengths)) == 0.0  # same tree, same values
    out, ref_out = ours.apply(variables, x, lengths), ref.apply(variables, x, lengths)
    np.testing.assert_allclose(out, ref_out, atol=1e-6)
    np.testing.assert_array_equal(out[1, 4:], 0.0)

    def loss(module):
        return lambda v, x: jnp.sum(jnp.sin(3.0 * module.apply(v, x, lengths)))

    grads = jax.grad(loss(ours), argnums=(0, 1))(variables, x)
    ref_grads = jax.grad(loss(ref), argnums=(0, 1))(variables, x)
    assert max_diff(grads, ref_grads) < 1e-5
    assert max(float(jnp.max(jnp.abs(g))) for g in jax.tree_util.tree_leaves(grads)) > 0.1  # not all zero


def test_unpadded_vmapped_replicas_equal_flax():
    """lengths=None (the MNIST-1D classifier): the backward direction runs as a reverse loop, no flipping."""
    x = jax.random.normal(jax.random.PRNGKey(0), (4, 9, 1))
    kw = dict(cell="gru", hidden_size=6, bidirectional=True, weight_init="torch")
    ours, ref = RNNEncoder(**kw), FlaxGRUEncoder(**kw)
    full = jnp.full((4,), 9)
    replicas = jax.vmap(lambda k: ours.init(k, x))(jax.random.split(jax.random.PRNGKey(3), 3))
    f = lambda v: jnp.sum(jnp.cos(ours.apply(v, x)))  # noqa: E731
    f_ref = lambda v: jnp.sum(jnp.cos(ref.apply(v, x, full)))  # noqa: E731
    np.testing.assert_allclose(jax.vmap(lambda v: ours.apply(v, x))(replicas),
                               jax.vmap(lambda v: ref.apply(v, x, full))(replicas), atol=1e-6)
    assert max_diff(jax.vmap(jax.grad(f))(replicas), jax.vmap(jax.grad(f_ref))(replicas)) < 1e-5


def _loop_bodies(jaxpr):
    """Every loop body jaxpr (scan, while) inside `jaxpr`, recursively."""
    for eqn in jaxpr.eqns:
        for sub in jax.extend.core.jaxprs_in_params(eqn.params):
            if eqn.primitive.name in ("while", "scan"):
                yield sub
            yield from _loop_bodies(sub)


def _primitives(jaxpr):
    names = set()
    for eqn in jaxpr.eqns:
        names.add(eqn.primitive.name)
        for sub in jax.extend.core.jaxprs_in_params(eqn.params):
            names |= _primitives(sub)
    return names


def test_small_hidden_recurrence_has_no_matmul():
    """Forward and backward loops of a hidden-6 layer are matmul-free (XLA:CPU only compiles such loops
    into one kernel); a hidden-20 layer keeps its matmul."""
    x = jnp.ones((2, 5, 1))
    for hidden, expect_dot in ((6, False), (20, True)):
        enc = RNNEncoder(cell="gru", hidden_size=hidden, bidirectional=True)
        v = enc.init(jax.random.PRNGKey(0), x)
        jaxpr = jax.make_jaxpr(jax.grad(lambda v, enc=enc: jnp.sum(enc.apply(v, x))))(v).jaxpr
        bodies = list(_loop_bodies(jaxpr))
        assert len(bodies) >= 4  # two directions, forward and backward
        assert any("dot_general" in _primitives(b) for b in bodies) == expect_dot


def test_xla_flags_host_devices():
    assert jaxdl.platform.with_host_devices("", 2) == "--xla_force_host_platform_device_count=2"
    assert jaxdl.platform.with_host_devices("--a=1", 4) == "--a=1 --xla_force_host_platform_device_count=4"
    assert jaxdl.platform.with_host_devices("", 1) == ""  # one core: one device, nothing to ask for
    mine = "--xla_force_host_platform_device_count=1"
    assert jaxdl.platform.with_host_devices(mine, 8) == mine  # the user's own count wins (1 turns the split off)


def test_xla_flags_small_loop_threshold():
    set_it = jaxdl.platform.with_small_loop_threshold
    assert set_it("") == "--xla_backend_extra_options=xla_cpu_small_while_loop_byte_threshold=4194304"
    assert set_it("--xla_force_host_platform_device_count=4", 8) == ("--xla_force_host_platform_device_count=4 "
                                                                     "--xla_backend_extra_options="
                                                                     "xla_cpu_small_while_loop_byte_threshold=8")
    assert set_it("--xla_backend_extra_options=a=1", 8) == (
        "--xla_backend_extra_options=xla_cpu_small_while_loop_byte_threshold=8,a=1")
    mine = "--xla_backend_extra_options=xla_cpu_small_while_loop_byte_threshold=0"
    assert set_it(mine) == mine  # the user's own setting wins
