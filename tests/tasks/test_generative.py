"""VAE and DCGAN tasks through the one trainer: loss falls, replicas equal single runs, the GAN step updates
each network in its own half, and a whole run writes the promised sample files."""

import json
import os

import jax
import numpy as np
import pytest

from jaxdl.config import base_config
from jaxdl.data import load_dataset
from jaxdl.train.optim import set_hyperparams
from jaxdl.train.run import train_and_evaluate
from jaxdl.train.setup import build_experiment
from jaxdl.train.trainer import train_losses


def tiny_vae(**overrides):
    c = base_config()
    c.dataset.name = "digits"
    c.model = dict(name="vae", architecture="mlp", latent_dim=4, hidden=(32,))
    c.task = dict(name="vae", likelihood="gaussian", obs_std=0.2, binarize=False, num_samples=50,
                  quality_score=False, scorer_steps=20)
    c.optimizer.learning_rate = 3e-3
    c.batch_size, c.steps, c.log_every, c.eval_every, c.eval_batch_size = 32, 40, 20, 40, 360
    for k, v in overrides.items():
        c[k] = v
    return c


def tiny_gan(**overrides):
    c = tiny_vae(**overrides)
    c.model = dict(name="dcgan", latent_dim=8, generator_features=(8, 4), discriminator_features=(4, 8))
    c.task = dict(name="gan", num_samples=30, quality_score=False, scorer_steps=20)
    c.optimizer.learning_rate, c.optimizer.b1 = 2e-3, 0.5
    return c


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


def test_vae_loss_falls_and_replicas_equal_single_runs(digits):
    many = train_losses(build_experiment(tiny_vae(replicas=2, seed=5), digits), steps=60)
    assert many.shape == (2, 60)
    assert many[:, -10:].mean() < 0.8 * many[:, :10].mean()
    for r in range(2):
        single = train_losses(build_experiment(tiny_vae(replicas=1, seed=5 + r), digits), steps=60)[0]
        np.testing.assert_allclose(many[r], single, rtol=1e-5)
    assert not np.allclose(many[0], many[1])


def _changed(a, b):
    return any(not np.array_equal(x, y) for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b),
                                                         strict=True))


def test_gan_halves_update_only_their_network(digits):
    exp = build_experiment(tiny_gan(), digits)
    task, batch = exp.task, exp.example_batch()
    state = jax.jit(task.init)(jax.random.PRNGKey(0), batch)
    x = task.images(batch["inputs"])

    after_d, metrics = jax.jit(task.discriminator_update)(state, x, jax.random.PRNGKey(1))
    assert _changed(state.params["discriminator"], after_d.params["discriminator"])
    assert _changed(state.opt_state["discriminator"], after_d.opt_state["discriminator"])
    assert not _changed(state.params["generator"], after_d.params["generator"])
    assert not _changed(state.opt_state["generator"], after_d.opt_state["generator"])
    assert not _changed(state.model_state, after_d.model_state)

    after_g, _ = jax.jit(task.generator_update, static_argnums=1)(state, x.shape[0], jax.random.PRNGKey(2))
    assert _changed(state.params["generator"], after_g.params["generator"])
    assert _changed(state.model_state, after_g.model_state)  # BatchNorm running statistics moved
    assert not _changed(state.params["discriminator"], after_g.params["discriminator"])
    assert not _changed(state.opt_state["discriminator"], after_g.opt_state["discriminator"])

    stepped, m = jax.jit(task.train_step)(state, batch)
    assert _changed(state.params["generator"], stepped.params["generator"])
    assert _changed(state.params["discriminator"], stepped.params["discriminator"])
    assert int(stepped.step) == 1 and np.isclose(m["loss"], m["d_loss"] + m["g_loss"])

    swept = set_hyperparams(state.opt_state, {"learning_rate": 0.123})  # a sweep reaches both optimizers
    for name in ("generator", "discriminator"):
        np.testing.assert_allclose(swept[name].hyperparams["learning_rate"], 0.123)


def _check_samples(workdir, replicas, per_replica):
    samples = np.load(os.path.join(workdir, "samples.npy"))
    meta = json.load(open(os.path.join(workdir, "samples_meta.json")))
    assert samples.shape == (replicas * per_replica, 8, 8, 1) and samples.dtype == np.float32
    assert samples.min() >= 0.0 and samples.max() <= 1.0 and samples.std() > 0
    assert meta["shape"] == list(samples.shape) and meta["range"] == [0.0, 1.0]
    assert meta["replicas"] == replicas and meta["per_replica"] == per_replica
    return samples


def test_vae_run_writes_samples_grids_and_quality(tmp_path):
    c = tiny_vae(replicas=2)
    c.task.quality_score = True
    workdir = str(tmp_path / "vae")
    train_and_evaluate(c, workdir, quiet=True, tensorboard=False)
    samples = _check_samples(workdir, replicas=2, per_replica=50)
    assert not np.array_equal(samples[:50], samples[50:])  # replicas have their own networks
    for name in ("samples_step000040.png", "reconstructions.png", "interpolation.png"):
        assert os.path.isfile(os.path.join(workdir, "plots", name)), name
    quality = json.load(open(os.path.join(workdir, "sample_quality.json")))
    assert len(quality["samples"]["classifier_frechet"]) == 2
    assert 1.0 <= quality["real_test"]["classifier_score"] <= 10.0


def test_gan_run_writes_samples_and_its_losses_move(tmp_path):
    c = tiny_gan(steps=60, eval_every=20)
    workdir = str(tmp_path / "gan")
    train_and_evaluate(c, workdir, quiet=True, tensorboard=False)
    _check_samples(workdir, replicas=1, per_replica=30)
    for step in (20, 40, 60):
        assert os.path.isfile(os.path.join(workdir, "plots", f"samples_step{step:06d}.png"))
    rows = [json.loads(line) for line in open(os.path.join(workdir, "metrics.jsonl"))]
    d_loss = [r["d_loss"][0] for r in rows if r["split"] == "train"]
    assert len(d_loss) == 3 and len(set(d_loss)) == 3 and all(np.isfinite(d_loss))
