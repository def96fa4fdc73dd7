"""VAE and DCGAN tasks through the one trainer: loss falls, replicas equal single runs, the GAN step updates
each network in its own half, a whole run writes the promised sample files, a run killed mid-way and resumed
is bitwise the uninterrupted run, and the same config twice gives the same bytes."""

import functools
import json
import os
import signal

import jax
import numpy as np
import pytest

from jaxdl import plots
from jaxdl.config import load_config
from jaxdl.data import load_dataset
from jaxdl.errors import UserError
from jaxdl.runs import load_run
from jaxdl.train.checkpoint import Checkpoints
from jaxdl.train.optim import set_hyperparams
from jaxdl.train.run import train_and_evaluate
from jaxdl.train.setup import build_experiment
from jaxdl.train.step import train_step

CONFIGS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "configs")
TINY_VAE, TINY_GAN = os.path.join(CONFIGS, "tiny_vae.py"), os.path.join(CONFIGS, "tiny_dcgan.py")


def _tiny(path, **overrides):
    c = load_config(path)
    for k, v in overrides.items():
        c[k] = v
    return c


def tiny_vae(**overrides):
    return _tiny(TINY_VAE, **overrides)


def tiny_gan(**overrides):
    return _tiny(TINY_GAN, **overrides)


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


@pytest.mark.outcome
def test_vae_loss_falls_and_replicas_equal_single_runs(digits, train_losses, outcome):
    many = train_losses(build_experiment(tiny_vae(replicas=2, seed=5), digits), steps=60)
    assert many.shape == (2, 60)
    outcome.at_most("last / first 10 losses", many[:, -10:].mean() / many[:, :10].mean(), 0.8)
    for r in range(2):
        single = train_losses(build_experiment(tiny_vae(replicas=1, seed=5 + r), digits), steps=60)[0]
        np.testing.assert_allclose(many[r], single, rtol=1e-5)
    assert not np.allclose(many[0], many[1])


def test_vae_dynamic_binarization_and_iw_nll_in_the_eval_step(digits):
    c = tiny_vae()
    c.task.update(likelihood="bernoulli", binarize="dynamic", iw_samples=30)
    task = build_experiment(c, digits).task
    inputs = digits.test["inputs"][:64]
    fixed = np.asarray(task.images(inputs))
    assert set(np.unique(fixed)) == {0.0, 1.0}
    # one fixed draw per test image, whatever its batch or position; fresh draws in training, mean = grey level
    np.testing.assert_array_equal(np.asarray(task.images(inputs[::-1])), fixed[::-1])
    draws = jax.vmap(lambda k: task.images(inputs, k))(jax.random.split(jax.random.PRNGKey(0), 400))
    assert not np.array_equal(draws[0], draws[1])
    np.testing.assert_allclose(draws.mean(0), np.asarray(inputs).reshape(fixed.shape), atol=0.1)  # 4.2 std

    state = jax.jit(task.init)(jax.random.PRNGKey(1), {"inputs": digits.train["inputs"][:32]})
    stats = jax.jit(task.eval_step)(state, {"inputs": inputs, "mask": np.ones(64, np.float32)})
    metrics = {k: float(v) for k, v in task.summarize(stats).items()}
    assert set(metrics) == {"loss", "reconstruction", "kl", "iw_nll"}
    assert metrics["loss"] - 10.0 < metrics["iw_nll"] < metrics["loss"] - 0.05  # a tighter bound than the ELBO

    for key, value, match in (("binarize", "sometimes", "task.binarize"), ("iw_samples", -1, "task.iw_samples")):
        bad = tiny_vae()
        bad.task[key] = value
        with pytest.raises(UserError, match=match):
            build_experiment(bad, digits)


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

    stepped, m = jax.jit(functools.partial(train_step, task))(state, batch)
    assert _changed(state.params["generator"], stepped.params["generator"])
    assert _changed(state.params["discriminator"], stepped.params["discriminator"])
    assert int(stepped.step) == 1 and np.isclose(m["loss"], m["d_loss"] + m["g_loss"])

    swept = set_hyperparams(state.opt_state, {"learning_rate": 0.123})  # a sweep reaches both optimizers
    for name in ("generator", "discriminator"):
        np.testing.assert_allclose(swept[name].hyperparams["learning_rate"], 0.123)


@pytest.mark.parametrize("config", [TINY_VAE, TINY_GAN])
def test_samples_one_replica_at_a_time_are_the_all_replica_programs(digits, config):
    """replica_samples samples one replica at a time (memory); each replica's samples must be those the
    vmapped program over all replicas gives, after some training (BatchNorm statistics, weights apart). Bitwise
    on the project's CPU; the two are different programs, so another CPU may round them apart: 1e-6 here."""
    from jaxdl.tasks.generative import _sample_all, replica_samples
    from jaxdl.train.loop import init_states, make_programs

    exp = build_experiment(_tiny(config, replicas=3), digits)
    programs = make_programs(exp, 5)
    states, data_keys = init_states(exp, programs)
    place = exp.placement
    states, _ = programs.guarded_chunk(states, place.put(exp.dataset.train, place.replicated), place.scalar(0),
                                       data_keys)
    task = exp.task
    together = np.clip(np.asarray(_sample_all(task.sample, states.params, states.model_state, states.rng, 64)),
                       0.0, 1.0)
    apart = replica_samples(task, states, 64)
    assert apart.shape == (3, 64, 8, 8, 1) and not np.array_equal(apart[0], apart[1])
    np.testing.assert_allclose(apart, together, rtol=0, atol=1e-6)
    np.testing.assert_allclose(replica_samples(task, states, 64, replicas=2), together[:2], rtol=0, atol=1e-6)


def _check_samples(workdir, replicas, per_replica):
    samples = np.load(os.path.join(workdir, "samples.npy"))
    meta = json.load(open(os.path.join(workdir, "samples_meta.json")))
    assert samples.shape == (replicas * per_replica, 8, 8, 1) and samples.dtype == np.float32
    assert samples.min() >= 0.0 and samples.max() <= 1.0 and samples.std() > 0
    assert meta["shape"] == list(samples.shape) and meta["range"] == [0.0, 1.0]
    assert meta["replicas"] == replicas and meta["per_replica"] == per_replica
    return samples


def test_vae_run_writes_samples_grids_and_quality_and_restores_for_the_plots(tmp_path):
    c = tiny_vae(replicas=2)
    c.task.quality_score, c.task.iw_samples = True, 5
    workdir = str(tmp_path / "vae")
    train_and_evaluate(c, workdir, quiet=True, tensorboard=False)
    test = json.load(open(os.path.join(workdir, "summary.json")))["final"]["test"]
    assert all(iw < loss for iw, loss in zip(test["iw_nll"], test["loss"], strict=True))
    samples = _check_samples(workdir, replicas=2, per_replica=50)
    assert not np.array_equal(samples[:50], samples[50:])  # replicas have their own networks
    for name in ("samples_step000040.png", "reconstructions.png", "interpolation.png"):
        assert os.path.isfile(os.path.join(workdir, "plots", name)), name
    quality = json.load(open(os.path.join(workdir, "sample_quality.json")))
    assert len(quality["samples"]["classifier_frechet"]) == 2
    assert 1.0 <= quality["real_test"]["classifier_score"] <= 10.0

    run = load_run(workdir)  # the notebook's path: loader, one-replica restore, figures
    np.testing.assert_array_equal(run.samples(replica=1)[0], samples[50:])
    models = [plots.restored_model(run, replica=r) for r in (0, 1)]
    assert models[1].step == 40
    z, labels = plots.latent_codes(models[1].task, models[1].params, models[1].dataset.test, batch_size=100)
    assert z.shape == (360, 4) and np.array_equal(labels, models[1].dataset.test["label"])
    z0, _ = plots.latent_codes(models[0].task, models[0].params, models[0].dataset.test)
    assert not np.allclose(z0, z)  # each replica's own encoder
    with pytest.raises(UserError, match="replica 2"):
        plots.restored_model(run, replica=2)
    pairs = plots.interpolation_pairs(labels, rows=4)
    assert len(pairs) == 4 and all(labels[a] != labels[b] for a, b in pairs)
    strips = plots.interpolations_figure(models[1].task, models[1].params, models[1].dataset.test, rows=4, steps=10)
    assert strips.axes[0].images[0].get_array().shape == (4 * 9 - 1, 10 * 9 - 1)  # 4 rows x 10 tiles of 8+1 px
    recon = plots.reconstructions_figure(models[1].task, models[1].params, models[1].dataset.test, n=16)
    assert [len(ax.images) for ax in recon.axes] == [1, 1]


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
    titles = [ax.get_title() for ax in plots.learning_curves_figure(load_run(workdir)).axes]
    assert titles[:3] == ["train loss", "train d_loss", "train g_loss"]  # the two players, not only their sum


@pytest.fixture(scope="module", params=["vae", "dcgan"])
def uninterrupted(request, tmp_path_factory):
    """(config path, a finished uninterrupted run of it, samples per replica): 40 steps, checkpoints at 20, 40."""
    path, per_replica = {"vae": (TINY_VAE, 50), "dcgan": (TINY_GAN, 30)}[request.param]
    workdir = str(tmp_path_factory.mktemp(request.param) / "run")
    train_and_evaluate(load_config(path), workdir, quiet=True, tensorboard=False)
    return path, workdir, per_replica


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def test_killed_mid_run_then_resumed_is_bitwise_the_uninterrupted_run(uninterrupted, faulty_train, assert_same_run,
                                                                     tmp_path):
    """Everything a VAE / DCGAN step carries (both GAN optimizers, the generator's BatchNorm statistics, the
    rng the sampling keys come from) is in the checkpoint: a run SIGKILLed after step 40's train line (before
    that step's evaluation, artifacts and checkpoint) resumes from step 20 to the same bits and samples."""
    config, reference, per_replica = uninterrupted
    w = tmp_path / "run"
    out = faulty_train(w, "kill_at", 40, config=config)
    assert out.returncode == -signal.SIGKILL, out.stderr
    assert Checkpoints(str(w / "checkpoints")).steps() == [20] and not (w / "samples.npy").exists()

    train_and_evaluate(load_config(config), str(w), quiet=True, tensorboard=False)  # the same command again
    assert [r["step"] for r in json.load(open(w / "env.json"))["resumes"]] == [20]
    assert_same_run(str(w), reference)
    samples = _check_samples(str(w), replicas=1, per_replica=per_replica)
    np.testing.assert_array_equal(samples, np.load(os.path.join(reference, "samples.npy")))


def test_same_config_twice_writes_identical_metrics_and_samples(uninterrupted, tmp_path):
    config, reference, _ = uninterrupted
    train_and_evaluate(load_config(config), str(tmp_path / "again"), quiet=True, tensorboard=False)
    for name in ("metrics.jsonl", "samples.npy"):
        assert _read(tmp_path / "again" / name) == _read(os.path.join(reference, name)), name
