"""Replica r of a vmapped K-run computes the 1-run with seed + r; a sweep member equals its single run."""

import numpy as np
import pytest

from jaxdl.config import sweep_dict
from jaxdl.train.replicas import layout
from jaxdl.train.setup import build_experiment
from jaxdl.train.trainer import train_losses

FAMILIES = [("mnist1d", "mlp"), ("mnist1d", "logreg"), ("mnist1d", "cnn1d"), ("digits", "cnn2d"),
            ("digits", "resnet_tiny")]


@pytest.mark.parametrize("dataset,model", FAMILIES)
def test_replica_equals_single_run(tiny, dataset, model):
    c = tiny(model, replicas=3, seed=7)
    c.dataset.name = dataset
    many = train_losses(build_experiment(c), steps=20)
    assert many.shape == (3, 20)
    for r in range(3):
        single_cfg = tiny(model, replicas=1, seed=7 + r)
        single_cfg.dataset.name = dataset
        single = train_losses(build_experiment(single_cfg), steps=20)[0]
        np.testing.assert_allclose(many[r], single, rtol=1e-5)
    assert not np.allclose(many[0], many[1])  # different seeds really differ


def test_sweep_member_equals_single_run(tiny):
    lrs = [1e-3, 3e-2]
    c = tiny("mlp", replicas=2, seed=3)
    c.sweep = sweep_dict({"optimizer.learning_rate": lrs})
    swept = train_losses(build_experiment(c), steps=20)
    assert swept.shape == (4, 20)
    for rep in layout(c):
        single_cfg = tiny("mlp", replicas=1, seed=rep.seed)
        single_cfg.optimizer.learning_rate = rep.hparams["optimizer.learning_rate"]
        single = train_losses(build_experiment(single_cfg), steps=20)[0]
        np.testing.assert_allclose(swept[rep.index], single, rtol=1e-5)
    assert not np.allclose(swept[0], swept[2])  # the learning rate really reached the optimizer


def test_layout_labels_seeds_and_hparams(tiny):
    c = tiny("mlp", replicas=2, seed=10)
    c.sweep = sweep_dict({"optimizer.learning_rate": [0.1, 0.2], "optimizer.b1": [0.8, 0.9]})
    reps = layout(c)
    assert len(reps) == 8
    assert [r.seed for r in reps] == [10, 11] * 4
    assert reps[0].hparams == {"optimizer.learning_rate": 0.1, "optimizer.b1": 0.8}
    assert reps[7].hparams == {"optimizer.learning_rate": 0.2, "optimizer.b1": 0.9}
