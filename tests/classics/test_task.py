"""The hand path (hand backprop + hand optimizer) trains along the library path's curve, in the one trainer."""

import numpy as np
import pytest

from jaxdl.data import load_dataset
from jaxdl.errors import UserError
from jaxdl.train.setup import build_experiment


@pytest.fixture(scope="module")
def mnist1d():
    return load_dataset("mnist1d")


@pytest.mark.outcome
def test_hand_and_autodiff_training_curves_agree(tiny, mnist1d, train_losses, outcome):
    curves = {}
    for task in ("classification", "classification_by_hand"):
        c = tiny(model="mlp", replicas=2)
        c.model = dict(name="mlp", hidden_sizes=(32, 32), activation="tanh", residual=True)
        c.task.name = task  # Adam (tiny's default); the other optimizers are checked in test_optimizers
        curves[task] = train_losses(build_experiment(c, mnist1d), steps=30)  # per-step losses [K=2, 30]
    library, hand = curves["classification"], curves["classification_by_hand"]
    outcome.at_most("last / first 5 losses", library[:, -5:].mean() / library[:, :5].mean(), 0.9)  # it learns
    np.testing.assert_allclose(hand, library, rtol=1e-5)


def test_bad_configs_are_user_errors(tiny, mnist1d):
    for change, match in [(lambda c: setattr(c, "model", dict(name="cnn1d")), "not ConvNet"),
                          (lambda c: c.optimizer.update(name="adamw"), "no hand-written version"),
                          (lambda c: c.optimizer.update(schedule="cosine"), "constant learning rate"),
                          (lambda c: c.sweep.update({"optimizer.learning_rate": [1e-3, 1e-2]}), "sweep")]:
        c = tiny(model="mlp")
        c.task.name = "classification_by_hand"
        change(c)
        with pytest.raises(UserError, match=match):
            build_experiment(c, mnist1d)
