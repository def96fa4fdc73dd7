"""DCGAN task: one pure step updates the discriminator, then the generator (non-saturating losses).

TrainState.params = {"generator": ..., "discriminator": ...}; model_state = {"generator": {"batch_stats"}};
opt_state = {"generator": ..., "discriminator": ...}, two optimizers built from `config.optimizer` with the
same settings (the DCGAN paper's Adam 2e-4, b1 = 0.5 are set by the configs). A sweep over
`optimizer.<hp>` sets that hyperparameter in both, since `set_hyperparams` rewrites every injected state.
Images are scaled from [0, 1] to [-1, 1] for the networks (the generator ends in tanh); samples are mapped
back to [0, 1].

config.task: name="gan" plus the generative keys of `jaxdl.tasks.generative`. config.model: {name: "dcgan",
latent_dim, generator_features, discriminator_features}.

Metrics: d_loss, g_loss, d_real / d_fake (mean D(x) on real / generated images) and "loss" = d_loss + g_loss,
which the trainer needs; it is a progress number, not an objective either network minimises.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from jaxdl.data import to_float
from jaxdl.errors import UserError
from jaxdl.models import build_model_from_config
from jaxdl.models.gan import discriminator_loss, generator_loss
from jaxdl.tasks import generative
from jaxdl.train.optim import make_optimizer
from jaxdl.train.state import TrainState
from jaxdl.train.step import descend

EVAL_TAG = 0x0E7A1  # folded into a replica's key for the evaluation's latent draws (same every evaluation)


def from_config(config, dataset) -> GANTask:
    if config.model.name != "dcgan":
        raise UserError(f"task 'gan' needs model.name='dcgan', got {config.model.name!r}")
    gan = build_model_from_config(config.model, dtype=config.dtype, image_shape=dataset.input_shape)
    return GANTask(gan.generator, gan.discriminator, gan.latent_dim, make_optimizer(config.optimizer, config.steps),
                   make_optimizer(config.optimizer, config.steps),
                   artifacts=generative.ArtifactSettings.from_config(config, dataset))


class GANTask:
    def __init__(self, generator: nn.Module, discriminator: nn.Module, latent_dim: int,
                 g_tx: optax.GradientTransformation, d_tx: optax.GradientTransformation,
                 artifacts: generative.ArtifactSettings | None = None):
        self.generator, self.discriminator, self.latent_dim = generator, discriminator, latent_dim
        self.g_tx, self.d_tx, self.artifacts = g_tx, d_tx, artifacts

    def images(self, inputs: jax.Array) -> jax.Array:
        """Stored inputs -> float32 [B, H, W, C] in [-1, 1]."""
        return 2.0 * to_float(inputs).reshape(inputs.shape[0], *self.generator.image_shape) - 1.0

    def init(self, rng, example_batch):
        g_key, d_key, train_key = jax.random.split(rng, 3)
        x = self.images(example_batch["inputs"])
        g_vars = self.generator.init(g_key, jnp.zeros((x.shape[0], self.latent_dim)), train=False)
        params = {"generator": g_vars["params"], "discriminator": self.discriminator.init(d_key, x)["params"]}
        return TrainState.create(params=params, tx={"generator": self.g_tx, "discriminator": self.d_tx},
                                 rng=train_key, model_state={"generator": {"batch_stats": g_vars["batch_stats"]}})

    def generate(self, g_params, g_state, z, train: bool):
        """Images [B, H, W, C] in [-1, 1] from z [B, latent_dim]; in train mode also the new batch_stats."""
        if train:
            return self.generator.apply({"params": g_params, **g_state}, z, train=True, mutable=["batch_stats"])
        return self.generator.apply({"params": g_params, **g_state}, z, train=False), g_state

    def discriminator_update(self, state: TrainState, x_real, key):
        """One optimizer step on the discriminator only; generator params, stats and optimizer untouched."""
        z = jax.random.normal(key, (x_real.shape[0], self.latent_dim))
        fake, _ = self.generate(state.params["generator"], state.model_state["generator"], z, train=True)
        fake = jax.lax.stop_gradient(fake)

        def loss_fn(d_params):
            real_logits = self.discriminator.apply({"params": d_params}, x_real)
            fake_logits = self.discriminator.apply({"params": d_params}, fake)
            return discriminator_loss(real_logits, fake_logits).mean(), (real_logits, fake_logits)

        loss, (real, fake_l), d_params, d_opt = descend(loss_fn, self.d_tx, state.params["discriminator"],
                                                        state.opt_state["discriminator"])
        state = state.replace(params={**state.params, "discriminator": d_params},
                              opt_state={**state.opt_state, "discriminator": d_opt})
        return state, {"d_loss": loss, "d_real": jax.nn.sigmoid(real).mean(), "d_fake": jax.nn.sigmoid(fake_l).mean()}

    def generator_update(self, state: TrainState, batch_size: int, key):
        """One optimizer step on the generator only (through the current discriminator, which is untouched)."""
        z = jax.random.normal(key, (batch_size, self.latent_dim))
        d_params = state.params["discriminator"]

        def loss_fn(g_params):
            fake, g_state = self.generate(g_params, state.model_state["generator"], z, train=True)
            logits = self.discriminator.apply({"params": d_params}, fake)
            return generator_loss(logits).mean(), g_state

        loss, g_state, g_params, g_opt = descend(loss_fn, self.g_tx, state.params["generator"],
                                                 state.opt_state["generator"])
        state = state.replace(params={**state.params, "generator": g_params},
                              model_state={**state.model_state, "generator": g_state},
                              opt_state={**state.opt_state, "generator": g_opt})
        return state, {"g_loss": loss}

    def update(self, state, batch, rng):
        """The two-player step (jaxdl/train/step.py's extension point): the discriminator, then the generator
        against the updated discriminator, each with its own half of the step's key."""
        x = self.images(batch["inputs"])
        d_key, g_key = jax.random.split(rng)
        state, d_metrics = self.discriminator_update(state, x, d_key)
        state, g_metrics = self.generator_update(state, x.shape[0], g_key)
        metrics = {**d_metrics, **g_metrics}
        return state, {"loss": metrics["d_loss"] + metrics["g_loss"], **metrics}

    def eval_step(self, state, batch):
        x, mask = self.images(batch["inputs"]), batch["mask"]
        z = jax.random.normal(jax.random.fold_in(state.rng, EVAL_TAG), (x.shape[0], self.latent_dim))
        fake, _ = self.generate(state.params["generator"], state.model_state["generator"], z, train=False)
        real_logits = self.discriminator.apply({"params": state.params["discriminator"]}, x)
        fake_logits = self.discriminator.apply({"params": state.params["discriminator"]}, fake)
        s = lambda v: jnp.sum(v * mask)
        return {"d_loss": s(discriminator_loss(real_logits, fake_logits)), "g_loss": s(generator_loss(fake_logits)),
                "d_acc_real": s(real_logits > 0), "d_acc_fake": s(fake_logits < 0), "count": jnp.sum(mask)}

    def summarize(self, sums):
        out = {k: sums[k] / sums["count"] for k in ("d_loss", "g_loss", "d_acc_real", "d_acc_fake")}
        return {"loss": out["d_loss"] + out["g_loss"], **out}

    def sample(self, params, model_state, key, n: int) -> jax.Array:
        """n generator samples (eval-mode BatchNorm) [n, H, W, C] in [0, 1]."""
        z = jax.random.normal(key, (n, self.latent_dim))
        fake, _ = self.generate(params["generator"], model_state["generator"], z, train=False)
        return (fake + 1.0) / 2.0

    def write_artifacts(self, states, step, workdir, final):
        generative.write_artifacts(self, states, step, workdir, final)
