"""Shared fixtures: one prepared data dir per test session, tiny configs."""

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def data_dir(tmp_path_factory):
    """Embedded datasets are prepared once per session into a temporary TFDS data dir."""
    path = str(tmp_path_factory.mktemp("tfds"))
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
