"""Shared fixtures: one prepared data dir and one compilation cache per test session (shared by pytest-xdist's
workers, `make test` runs two), tiny configs."""

import os

import pytest


def shared_dir(tmp_path_factory, name):
    """A directory every xdist worker of this session shares (each worker's own base temp has the session's
    base as its parent); without xdist, a fresh temporary directory. TFDS preparation renames a finished
    temporary copy into place, so two workers preparing one dataset at once are safe (jaxdl.data.load)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        path = tmp_path_factory.getbasetemp().parent / name
        path.mkdir(exist_ok=True)
        return str(path)
    return str(tmp_path_factory.mktemp(name))


@pytest.fixture(scope="session", autouse=True)
def compilation_cache(tmp_path_factory):
    """One persistent XLA compilation cache per session: tests build many programs that are identical
    (a single-seed run per seed, the same tiny model in several tests), and the cache keys on the program."""
    import jax

    path = shared_dir(tmp_path_factory, "jax_cache")
    jax.config.update("jax_compilation_cache_dir", path)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    yield path


@pytest.fixture(scope="session", autouse=True)
def data_dir(tmp_path_factory):
    """Embedded datasets are prepared once per session into a temporary TFDS data dir."""
    path = shared_dir(tmp_path_factory, "tfds")
    old = os.environ.get("JAXDL_DATA_DIR")
    os.environ["JAXDL_DATA_DIR"] = path
    yield path
    if old is None:
        os.environ.pop("JAXDL_DATA_DIR", None)
    else:
        os.environ["JAXDL_DATA_DIR"] = old


def tiny_config(model="mlp", **overrides):
    """A few-second MNIST-1D config for behaviour tests."""
    from jaxdl.config import base_config

    c = base_config()
    c.dataset.name = "mnist1d"
    c.model = {"mlp": dict(name="mlp", hidden_sizes=(32,)), "logreg": dict(name="logreg"),
               "cnn1d": dict(name="cnn1d")}.get(model, dict(name=model))
    c.optimizer.learning_rate = 1e-2
    c.batch_size = 50
    c.steps = 40
    c.log_every = 20
    c.eval_every = 20
    c.eval_batch_size = 500
    for k, v in overrides.items():
        c[k] = v
    return c


@pytest.fixture
def tiny():
    return tiny_config


TINY_RUN_CONFIG = os.path.join(os.path.dirname(__file__), "configs", "tiny_mlp.py")


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory, data_dir):
    """A finished, uninterrupted run of tests/configs/tiny_mlp.py (2 replicas, 120 steps, checkpoints at
    40/80/120). Read-only: tests that change a run copy it first."""
    from jaxdl.config import load_config
    from jaxdl.train.run import train_and_evaluate

    workdir = str(tmp_path_factory.mktemp("tiny_run") / "run")
    train_and_evaluate(load_config(TINY_RUN_CONFIG), workdir, quiet=True)
    return workdir
