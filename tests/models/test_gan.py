"""The DCGAN generator's two upsamplings: the stride-2 transposed conv paints a periodic pattern on a flat
input (the checkerboard), nearest-neighbour resize + conv does not (Odena et al. 2016)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.errors import UserError
from jaxdl.models import build_model
from jaxdl.models.gan import DCGAN


def flat_input_image(upsample: str) -> np.ndarray:
    """The generator's image [28, 28] when its first feature map is flat in space (eval mode)."""
    gen = DCGAN((28, 28, 1), latent_dim=8, generator_upsample=upsample).generator
    variables = jax.jit(lambda k: gen.init(k, jnp.zeros((1, 8)), train=False))(jax.random.PRNGKey(0))
    params = dict(variables["params"])
    params["Dense_0"] = {"kernel": jnp.zeros_like(params["Dense_0"]["kernel"]),
                         "bias": jnp.zeros_like(params["Dense_0"]["bias"])}
    per_channel = jax.random.uniform(jax.random.PRNGKey(1), (64,), minval=0.5, maxval=1.5)
    params["BatchNorm_0"] = dict(params["BatchNorm_0"], bias=jnp.tile(per_channel, 7 * 7))  # [7*7*64], (h, w, c)
    image = gen.apply({**variables, "params": params}, jnp.ones((1, 8)), train=False)
    return np.asarray(image[0, :, :, 0])


def test_resize_upsampling_keeps_a_flat_map_flat_and_the_transposed_conv_does_not():
    inner = (slice(4, -4), slice(4, -4))  # away from the zero padding's reach
    resized, transposed = flat_input_image("resize")[inner], flat_input_image("transpose")[inner]
    assert np.ptp(resized) < 1e-5
    assert np.ptp(transposed) > 1e-3
    # two stride-2 stages: a pattern of period 4 (the checkerboard)
    np.testing.assert_allclose(transposed[:-4, :-4], transposed[4:, 4:], atol=1e-5)


def test_an_unknown_upsampling_is_a_one_line_error():
    with pytest.raises(UserError, match="generator_upsample"):
        build_model("dcgan", image_shape=(28, 28, 1), generator_upsample="bilinear")
