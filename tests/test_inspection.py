"""Model inspection: restored states reproduce a run; mistakes are ranked by confidence; counts per layer."""

import jax
import numpy as np

from jaxdl import inspection, standins
from jaxdl.runs import load_run
from jaxdl.train.setup import build_experiment


def test_restored_states_reproduce_the_runs_confusion(tmp_path):
    run = load_run(standins.tiny_run(str(tmp_path / "run"), replicas=2, steps=20))
    exp, states, step = inspection.load_states(run.path)
    assert step == 20
    labels = exp.dataset.test["label"]
    for r in range(2):
        preds = inspection.predict(exp, inspection.replica_state(states, r)).argmax(-1)
        conf = inspection.confusion_matrix(labels, preds, 10)
        np.testing.assert_array_equal(conf, run.summary["final_stats"]["confusion"][r])


def test_confident_mistakes_are_wrong_and_ranked():
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.3, 0.7], [0.95, 0.05]])
    labels = np.array([0, 0, 0, 1, 1])  # wrong: 1 (0.8), 2 (0.6), 4 (0.95)
    np.testing.assert_array_equal(inspection.confident_mistakes(probs, labels, k=2), [4, 1])
    np.testing.assert_array_equal(inspection.confusion_matrix(labels, probs.argmax(-1), 2), [[1, 2], [1, 1]])


def test_parameter_counts_per_layer():
    exp = build_experiment(standins.tiny_config(dict(name="mlp", hidden_sizes=(32,)), replicas=1))
    params = jax.eval_shape(exp.task.init, jax.random.PRNGKey(0), exp.example_batch()).params
    assert inspection.parameter_counts(params) == {"Dense_0": 40 * 32 + 32, "Dense_1": 32 * 10 + 10}
    table = inspection.parameter_table(exp)
    assert "Dense_0" in table and "1,642" in table
