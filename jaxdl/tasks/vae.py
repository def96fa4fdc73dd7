"""VAE task: negative ELBO (reconstruction + KL, both reported), an importance-weighted NLL, prior samples,
reconstructions, interpolation.

config.task: name="vae", likelihood ("bernoulli" | "gaussian"), obs_std (the Gaussian's fixed observation
std), binarize ("none"; "threshold": inputs > 0.5; "dynamic": a fresh Bernoulli(grey level) draw of every
training image at every step, and one fixed draw per test image), iw_samples (k of the importance-weighted
NLL `iw_nll` reported at every evaluation; 0: not computed), and the keys every generative task shares (see
`jaxdl.tasks.generative`). config.model: {name: "vae", architecture ("mlp" | "conv"), latent_dim, hidden}.
Batches hold "inputs" [B, H, W(, C)] (any other keys are ignored)."""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp
import optax

from jaxdl import plots
from jaxdl.data import to_float
from jaxdl.errors import UserError
from jaxdl.models import build_model_from_config
from jaxdl.models.vae import VAE, importance_weighted_nll, negative_elbo
from jaxdl.tasks import generative
from jaxdl.train.optim import make_optimizer
from jaxdl.train.state import TrainState

EVAL_TAG = 0x0E7A1  # folded into a replica's key for the evaluation's latent noise (same every evaluation)
IW_TAG = 0x1AE5  # folded into the evaluation key for the importance samples
TEST_BINARIZE_SEED = 0xB1A  # the key of the fixed test-image draws under binarize="dynamic" (same for every run)
BINARIZE = ("none", "threshold", "dynamic")
IW_CHUNK_ROWS = 32768  # importance samples x examples decoded at once (memory ~ rows x the decoder's widths)


def _binarize_mode(value) -> str:
    if isinstance(value, bool):  # the older spelling (config.json of earlier runs): True thresholded at 0.5
        return "threshold" if value else "none"
    if value not in BINARIZE:
        raise UserError(f"task.binarize must be one of {', '.join(BINARIZE)}, got {value!r}")
    return value


def content_keys(key: jax.Array, inputs: jax.Array) -> jax.Array:
    """One key per example [B, 2], `key` folded with a hash of the example's stored values: an image gets the
    same draw in any batch, at any position, in any run."""
    flat = inputs.reshape(inputs.shape[0], -1)
    if not jnp.issubdtype(flat.dtype, jnp.integer):
        flat = jnp.round(flat * 255.0)
    weights = jnp.arange(1, flat.shape[1] + 1, dtype=jnp.uint32) * jnp.uint32(2654435761)  # Knuth's multiplier
    hashes = jnp.sum(flat.astype(jnp.uint32) * weights, axis=1, dtype=jnp.uint32)
    return jax.vmap(lambda h: jax.random.fold_in(key, h))(hashes)


def from_config(config, dataset) -> VAETask:
    t = config.task
    if config.model.name != "vae":
        raise UserError(f"task 'vae' needs model.name='vae', got {config.model.name!r}")
    if not t.obs_std > 0:
        raise UserError(f"task.obs_std must be > 0, got {t.obs_std}")
    iw = t.get("iw_samples", 0)
    if isinstance(iw, bool) or not isinstance(iw, int) or iw < 0:
        raise UserError(f"task.iw_samples must be an integer >= 0, got {iw!r}")
    model = build_model_from_config(config.model, dtype=config.dtype, image_shape=dataset.input_shape,
                                    likelihood=t.likelihood)
    return VAETask(model, make_optimizer(config.optimizer, config.steps), obs_std=float(t.obs_std),
                   binarize=_binarize_mode(t.binarize), iw_samples=iw,
                   artifacts=generative.ArtifactSettings.from_config(config, dataset))


class VAETask:
    """Loss = mean over the batch of the per-example negative ELBO (summed over pixels), as Flax's example."""

    def __init__(self, model: VAE, tx: optax.GradientTransformation, *, obs_std: float = 0.1,
                 binarize: str = "none", iw_samples: int = 0,
                 artifacts: generative.ArtifactSettings | None = None):
        self.model, self.tx, self.obs_std = model, tx, obs_std
        self.binarize, self.iw_samples = _binarize_mode(binarize), int(iw_samples)
        self.artifacts = artifacts

    def images(self, inputs: jax.Array, key: jax.Array | None = None) -> jax.Array:
        """Stored inputs [B, ...] -> float32 [B, H, W, C] in [0, 1], binarised as task.binarize says. Under
        "dynamic", `key` draws the pixels (training); without one each image gets its fixed test draw."""
        x = to_float(inputs).reshape(inputs.shape[0], *self.model.image_shape)
        if self.binarize == "threshold":
            return (x > 0.5).astype(jnp.float32)
        if self.binarize == "dynamic":
            if key is None:
                keys = content_keys(jax.random.PRNGKey(TEST_BINARIZE_SEED), inputs)
                return jax.vmap(lambda k, p: jax.random.bernoulli(k, p).astype(jnp.float32))(keys, x)
            return jax.random.bernoulli(key, x).astype(jnp.float32)
        return x

    def init(self, rng, example_batch):
        params_key, noise_key, train_key = jax.random.split(rng, 3)
        params = self.model.init(params_key, self.images(example_batch["inputs"]), noise_key)["params"]
        return TrainState.create(params=params, tx=self.tx, rng=train_key)

    def terms(self, params, x, key) -> dict[str, jax.Array]:
        """Per-example [B] loss (negative ELBO), reconstruction and kl of images x [B, H, W, C]."""
        out, mean, logvar = self.model.apply({"params": params}, x, key)
        return negative_elbo(x, out, mean, logvar, self.model.likelihood, self.obs_std)

    def loss(self, params, model_state, batch, rng):
        """Mean negative ELBO; rng draws the reparameterisation noise (and, binarize="dynamic", the pixels)."""
        if self.binarize == "dynamic":
            pixel_key, rng = jax.random.split(rng)
            x = self.images(batch["inputs"], pixel_key)
        else:
            x = self.images(batch["inputs"])
        terms = self.terms(params, x, rng)
        metrics = {"reconstruction": terms["reconstruction"].mean(), "kl": terms["kl"].mean()}
        return terms["loss"].mean(), (metrics, model_state)

    def iw_nll(self, params, x, key, k: int) -> jax.Array:
        """Importance-weighted NLL [B] of images x [B, H, W, C] with k samples (`importance_weighted_nll`)."""
        mean, logvar = self.encode_distribution(params, x)
        decode = lambda z: self.model.apply({"params": params}, z, method=VAE.decode)  # noqa: E731
        return importance_weighted_nll(decode, x, mean, logvar, key, k, self.model.likelihood, self.obs_std,
                                       chunk=max(1, IW_CHUNK_ROWS // x.shape[0]))

    def eval_step(self, state, batch):
        x, key = self.images(batch["inputs"]), jax.random.fold_in(state.rng, EVAL_TAG)
        terms = self.terms(state.params, x, key)
        if self.iw_samples:
            terms["iw_nll"] = self.iw_nll(state.params, x, jax.random.fold_in(key, IW_TAG), self.iw_samples)
        mask = batch["mask"]
        return {**{k: jnp.sum(v * mask) for k, v in terms.items()}, "count": jnp.sum(mask)}

    def summarize(self, sums):
        names = ("loss", "reconstruction", "kl", "iw_nll")
        return {k: sums[k] / sums["count"] for k in names if k in sums}

    # --- pure sampling functions of explicit keys -------------------------------------------------------

    def sample(self, params, model_state, key, n: int) -> jax.Array:
        """n prior samples: decoder means (Bernoulli probabilities / Gaussian means) [n, H, W, C] in [0, 1]."""
        del model_state
        z = jax.random.normal(key, (n, self.model.latent_dim))
        return self.model.apply({"params": params}, z, method=VAE.mean_image)

    def encode_distribution(self, params, x) -> tuple[jax.Array, jax.Array]:
        """Posterior (mean, logvar), each [B, latent_dim], of images x [B, H, W, C]."""
        return self.model.apply({"params": params}, x, method=VAE.encode)

    def encode(self, params, x) -> jax.Array:
        """Posterior means [B, latent_dim] of images x [B, H, W, C]."""
        return self.encode_distribution(params, x)[0]

    def reconstruct(self, params, x) -> jax.Array:
        """Decoder means at the posterior means of images x [B, H, W, C] -> [B, H, W, C] in [0, 1]."""
        return self.model.apply({"params": params}, self.encode(params, x), method=VAE.mean_image)

    def interpolate(self, params, x_a, x_b, steps: int = 10) -> jax.Array:
        """Decoded straight line between the posterior means of images x_a, x_b [H, W, C] -> [steps, H, W, C]."""
        mean = self.encode(params, jnp.stack([x_a, x_b]))
        t = jnp.linspace(0.0, 1.0, steps)[:, None]
        return self.model.apply({"params": params}, (1 - t) * mean[0] + t * mean[1], method=VAE.mean_image)

    # --- driver side --------------------------------------------------------------------------------------

    def write_artifacts(self, states, step, workdir, final):
        generative.write_artifacts(self, states, step, workdir, final)
        if not final or self.artifacts is None:
            return
        params = jax.tree_util.tree_map(lambda a: a[0], states.params)  # replica 0
        test, plots_dir = self.artifacts.test_examples, os.path.join(workdir, "plots")
        plots.save(plots.reconstructions_figure(self, params, test, n=32, title=" (replica 0)"),
                   os.path.join(plots_dir, "reconstructions.png"))
        plots.save(plots.interpolations_figure(self, params, test, rows=1, title=" (replica 0)"),
                   os.path.join(plots_dir, "interpolation.png"))
