"""DCGAN task: one pure step updates the discriminator, then the generator (non-saturating losses).

TrainState.params = {"generator": ..., "discriminator": ...}; model_state = {"generator": {"batch_stats"}};
opt_state = {"generator": ..., "discriminator": ...}, two optimizers built from `config.optimizer` with the
same settings (the DCGAN paper's Adam 2e-4, b1 = 0.5 are set by the configs). A sweep over
`optimizer.<hp>` sets that hyperparameter in both, since `set_hyperparams` rewrites every injected state.
Images are scaled from [0, 1] to [-1, 1] for the networks (the generator ends in tanh); samples are mapped
back to [0, 1].

config.task: name="gan" plus the generative keys of `jaxdl.tasks.generative`, and the GAN's own (all off by
default): d_lr_scale (the discriminator's updates scaled by it: TTUR's larger discriminator learning rate,
kept under a learning-rate sweep), r1_weight (gamma of the R1 penalty gamma / 2 * E ||grad_x D(x)||^2 on real
images), label_smoothing (one-sided: real images' target is 1 - label_smoothing), spectral_norm (True: the
discriminator's kernels divided by their largest singular value, estimated by one power-iteration step per
update whose vectors live in model_state["discriminator"]; Miyato et al. 2018), g_ema (decay of an
exponential moving average of the generator's weights, kept in model_state["generator_ema"]; samples and the
sample scores then come from the average, the game's losses from the live generator). config.model: {name:
"dcgan", latent_dim, generator_features, discriminator_features, generator_upsample}.

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
from jaxdl.models.gan import discriminator_loss, generator_loss, power_iteration, spectral_normalize, spectral_vectors
from jaxdl.tasks import generative
from jaxdl.train.optim import make_optimizer
from jaxdl.train.state import TrainState
from jaxdl.train.step import descend

EVAL_TAG = 0x0E7A1  # folded into a replica's key for the evaluation's latent draws (same every evaluation)


def from_config(config, dataset) -> GANTask:
    if config.model.name != "dcgan":
        raise UserError(f"task 'gan' needs model.name='dcgan', got {config.model.name!r}")
    gan = build_model_from_config(config.model, dtype=config.dtype, image_shape=dataset.input_shape)
    t = config.task
    options = {k: t[k] for k in ("d_lr_scale", "r1_weight", "label_smoothing", "g_ema")}
    for key, value in options.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UserError(f"task.{key} must be a number, got {value!r}")
    if not options["d_lr_scale"] > 0:
        raise UserError(f"task.d_lr_scale must be > 0, got {options['d_lr_scale']}")
    if options["r1_weight"] < 0:
        raise UserError(f"task.r1_weight must be >= 0, got {options['r1_weight']}")
    for key in ("label_smoothing", "g_ema"):
        if not 0 <= options[key] < 1:
            raise UserError(f"task.{key} must be in [0, 1), got {options[key]}")
    d_tx = make_optimizer(config.optimizer, config.steps)
    if options["d_lr_scale"] != 1:
        d_tx = optax.chain(d_tx, optax.scale(float(options["d_lr_scale"])))
    return GANTask(gan.generator, gan.discriminator, gan.latent_dim, make_optimizer(config.optimizer, config.steps),
                   d_tx, artifacts=generative.ArtifactSettings.from_config(config, dataset),
                   r1_weight=float(options["r1_weight"]), real_target=1.0 - float(options["label_smoothing"]),
                   g_ema=float(options["g_ema"]), spectral_norm=bool(t.spectral_norm))


class GANTask:
    def __init__(self, generator: nn.Module, discriminator: nn.Module, latent_dim: int,
                 g_tx: optax.GradientTransformation, d_tx: optax.GradientTransformation,
                 artifacts: generative.ArtifactSettings | None = None, r1_weight: float = 0.0,
                 real_target: float = 1.0, g_ema: float = 0.0, spectral_norm: bool = False):
        self.generator, self.discriminator, self.latent_dim = generator, discriminator, latent_dim
        self.g_tx, self.d_tx, self.artifacts = g_tx, d_tx, artifacts
        self.r1_weight, self.real_target, self.g_ema = r1_weight, real_target, g_ema
        self.spectral_norm = spectral_norm

    def images(self, inputs: jax.Array) -> jax.Array:
        """Stored inputs -> float32 [B, H, W, C] in [-1, 1]."""
        return 2.0 * to_float(inputs).reshape(inputs.shape[0], *self.generator.image_shape) - 1.0

    def init(self, rng, example_batch):
        g_key, d_key, train_key = jax.random.split(rng, 3)
        x = self.images(example_batch["inputs"])
        g_vars = self.generator.init(g_key, jnp.zeros((x.shape[0], self.latent_dim)), train=False)
        params = {"generator": g_vars["params"], "discriminator": self.discriminator.init(d_key, x)["params"]}
        model_state = {"generator": {"batch_stats": g_vars["batch_stats"]}}
        if self.spectral_norm:  # a key of its own: the other draws stay those of a run without it
            model_state["discriminator"] = {"spectral": spectral_vectors(params["discriminator"],
                                                                         jax.random.fold_in(d_key, 1))}
        if self.g_ema:
            model_state["generator_ema"] = {"params": g_vars["params"], "batch_stats": g_vars["batch_stats"]}
        return TrainState.create(params=params, tx={"generator": self.g_tx, "discriminator": self.d_tx},
                                 rng=train_key, model_state=model_state)

    def generate(self, g_params, g_state, z, train: bool):
        """Images [B, H, W, C] in [-1, 1] from z [B, latent_dim]; in train mode also the new batch_stats."""
        if train:
            return self.generator.apply({"params": g_params, **g_state}, z, train=True, mutable=["batch_stats"])
        return self.generator.apply({"params": g_params, **g_state}, z, train=False), g_state

    def logits(self, d_params, vectors, x):
        """The discriminator's logits [B] of images x [B, H, W, C]; with spectral_norm its kernels are first
        divided by their spectral norms (estimated from the power iteration's `vectors`)."""
        if self.spectral_norm:
            d_params = spectral_normalize(d_params, vectors)
        return self.discriminator.apply({"params": d_params}, x)

    def vectors(self, state: TrainState):
        """The power iteration's vectors of the state (None without spectral_norm)."""
        return state.model_state["discriminator"]["spectral"] if self.spectral_norm else None

    def discriminator_update(self, state: TrainState, x_real, key):
        """One optimizer step on the discriminator only; generator params, stats and optimizer untouched.
        With spectral_norm, first one power-iteration step on the discriminator's kernels."""
        z = jax.random.normal(key, (x_real.shape[0], self.latent_dim))
        fake, _ = self.generate(state.params["generator"], state.model_state["generator"], z, train=True)
        fake = jax.lax.stop_gradient(fake)
        vectors = self.vectors(state)
        if self.spectral_norm:
            vectors = power_iteration(state.params["discriminator"], vectors)
            state = state.replace(model_state={**state.model_state, "discriminator": {"spectral": vectors}})

        def loss_fn(d_params):
            d = lambda x: self.logits(d_params, vectors, x)
            real_logits, fake_logits = d(x_real), d(fake)
            loss = discriminator_loss(real_logits, fake_logits, self.real_target).mean()
            if self.r1_weight:  # gamma / 2 * E ||grad_x D(x)||^2 on real images (Mescheder et al. 2018)
                grad_x = jax.grad(lambda x: d(x).sum())(x_real)
                loss = loss + 0.5 * self.r1_weight * jnp.sum(grad_x ** 2, axis=(1, 2, 3)).mean()
            return loss, (real_logits, fake_logits)

        loss, (real, fake_l), d_params, d_opt = descend(loss_fn, self.d_tx, state.params["discriminator"],
                                                        state.opt_state["discriminator"])
        state = state.replace(params={**state.params, "discriminator": d_params},
                              opt_state={**state.opt_state, "discriminator": d_opt})
        return state, {"d_loss": loss, "d_real": jax.nn.sigmoid(real).mean(), "d_fake": jax.nn.sigmoid(fake_l).mean()}

    def generator_update(self, state: TrainState, batch_size: int, key):
        """One optimizer step on the generator only (through the current discriminator, which is untouched)."""
        z = jax.random.normal(key, (batch_size, self.latent_dim))
        d_params, vectors = state.params["discriminator"], self.vectors(state)

        def loss_fn(g_params):
            fake, g_state = self.generate(g_params, state.model_state["generator"], z, train=True)
            logits = self.logits(d_params, vectors, fake)
            return generator_loss(logits).mean(), g_state

        loss, g_state, g_params, g_opt = descend(loss_fn, self.g_tx, state.params["generator"],
                                                 state.opt_state["generator"])
        model_state = {**state.model_state, "generator": g_state}
        if self.g_ema:  # the average's BatchNorm statistics: the live generator's running averages
            ema = jax.tree_util.tree_map(lambda a, p: self.g_ema * a + (1.0 - self.g_ema) * p,
                                         state.model_state["generator_ema"]["params"], g_params)
            model_state["generator_ema"] = {"params": ema, **g_state}
        state = state.replace(params={**state.params, "generator": g_params}, model_state=model_state,
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
        real_logits = self.logits(state.params["discriminator"], self.vectors(state), x)
        fake_logits = self.logits(state.params["discriminator"], self.vectors(state), fake)
        s = lambda v: jnp.sum(v * mask)
        return {"d_loss": s(discriminator_loss(real_logits, fake_logits, self.real_target)),
                "g_loss": s(generator_loss(fake_logits)),
                "d_acc_real": s(real_logits > 0), "d_acc_fake": s(fake_logits < 0), "count": jnp.sum(mask)}

    def summarize(self, sums):
        out = {k: sums[k] / sums["count"] for k in ("d_loss", "g_loss", "d_acc_real", "d_acc_fake")}
        return {"loss": out["d_loss"] + out["g_loss"], **out}

    def sample(self, params, model_state, key, n: int) -> jax.Array:
        """n generator samples (eval-mode BatchNorm; the weight average with g_ema) [n, H, W, C] in [0, 1]."""
        z = jax.random.normal(key, (n, self.latent_dim))
        if self.g_ema:
            ema = model_state["generator_ema"]
            fake, _ = self.generate(ema["params"], {"batch_stats": ema["batch_stats"]}, z, train=False)
        else:
            fake, _ = self.generate(params["generator"], model_state["generator"], z, train=False)
        return (fake + 1.0) / 2.0

    def write_artifacts(self, states, step, workdir, final):
        generative.write_artifacts(self, states, step, workdir, final)
