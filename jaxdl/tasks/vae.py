"""VAE task: negative ELBO (reconstruction + KL, both reported), prior samples, reconstructions, interpolation.

config.task: name="vae", likelihood ("bernoulli" | "gaussian"), obs_std (the Gaussian's fixed observation
std), binarize (threshold inputs at 0.5, for a Bernoulli likelihood on grey images), and the keys every
generative task shares (see `jaxdl.tasks.generative`). config.model: {name: "vae", architecture
("mlp" | "conv"), latent_dim, hidden}. Batches hold "inputs" [B, H, W(, C)] (any other keys are ignored).
"""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp
import optax

from jaxdl import plots
from jaxdl.data import to_float
from jaxdl.errors import UserError
from jaxdl.models import build_model_from_config
from jaxdl.models.vae import VAE, negative_elbo
from jaxdl.tasks import generative
from jaxdl.train.optim import make_optimizer
from jaxdl.train.state import TrainState

EVAL_TAG = 0x0E7A1  # folded into a replica's key for the evaluation's latent noise (same every evaluation)


def from_config(config, dataset) -> VAETask:
    t = config.task
    if config.model.name != "vae":
        raise UserError(f"task 'vae' needs model.name='vae', got {config.model.name!r}")
    if not t.obs_std > 0:
        raise UserError(f"task.obs_std must be > 0, got {t.obs_std}")
    model = build_model_from_config(config.model, dtype=config.dtype, image_shape=dataset.input_shape,
                                    likelihood=t.likelihood)
    return VAETask(model, make_optimizer(config.optimizer, config.steps), obs_std=float(t.obs_std),
                   binarize=bool(t.binarize), artifacts=generative.ArtifactSettings.from_config(config, dataset))


class VAETask:
    """Loss = mean over the batch of the per-example negative ELBO (summed over pixels), as Flax's example."""

    def __init__(self, model: VAE, tx: optax.GradientTransformation, *, obs_std: float = 0.1,
                 binarize: bool = False, artifacts: generative.ArtifactSettings | None = None):
        self.model, self.tx, self.obs_std, self.binarize = model, tx, obs_std, binarize
        self.artifacts = artifacts

    def images(self, inputs: jax.Array) -> jax.Array:
        """Stored inputs -> float32 [B, H, W, C] in [0, 1] (binarised at 0.5 if asked)."""
        x = to_float(inputs).reshape(inputs.shape[0], *self.model.image_shape)
        return (x > 0.5).astype(jnp.float32) if self.binarize else x

    def init(self, rng, example_batch):
        params_key, noise_key, train_key = jax.random.split(rng, 3)
        params = self.model.init(params_key, self.images(example_batch["inputs"]), noise_key)["params"]
        return TrainState.create(params=params, tx=self.tx, rng=train_key)

    def terms(self, params, x, key) -> dict[str, jax.Array]:
        """Per-example [B] loss (negative ELBO), reconstruction and kl of images x [B, H, W, C]."""
        out, mean, logvar = self.model.apply({"params": params}, x, key)
        return negative_elbo(x, out, mean, logvar, self.model.likelihood, self.obs_std)

    def loss(self, params, model_state, batch, rng):
        """Mean negative ELBO; rng draws the reparameterisation noise."""
        terms = self.terms(params, self.images(batch["inputs"]), rng)
        metrics = {"reconstruction": terms["reconstruction"].mean(), "kl": terms["kl"].mean()}
        return terms["loss"].mean(), (metrics, model_state)

    def eval_step(self, state, batch):
        terms = self.terms(state.params, self.images(batch["inputs"]), jax.random.fold_in(state.rng, EVAL_TAG))
        mask = batch["mask"]
        return {**{k: jnp.sum(v * mask) for k, v in terms.items()}, "count": jnp.sum(mask)}

    def summarize(self, sums):
        return {k: sums[k] / sums["count"] for k in ("loss", "reconstruction", "kl")}

    # --- pure sampling functions of explicit keys -------------------------------------------------------

    def sample(self, params, model_state, key, n: int) -> jax.Array:
        """n prior samples: decoder means (Bernoulli probabilities / Gaussian means) [n, H, W, C] in [0, 1]."""
        del model_state
        z = jax.random.normal(key, (n, self.model.latent_dim))
        return self.model.apply({"params": params}, z, method=VAE.mean_image)

    def encode(self, params, x) -> jax.Array:
        """Posterior means [B, latent_dim] of images x [B, H, W, C]."""
        return self.model.apply({"params": params}, x, method=VAE.encode)[0]

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
