"""Looking inside a trained classifier: parameter counts per layer, predictions on the test split, the
most confidently misclassified examples. Named `inspection` so it never shadows the standard `inspect`.

States come from the run's checkpoints through `jaxdl.train.evaluate_checkpoint.restore_run`, the same
restore path as `jaxdl eval`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.data import to_float
from jaxdl.train.evaluate_checkpoint import restore_run
from jaxdl.train.setup import Experiment
from jaxdl.train.state import TrainState


def load_states(workdir: str, step: int | None = None) -> tuple[Experiment, TrainState, int]:
    """(experiment, states [K, ...], step) of checkpoint `step` (default: newest good) of a run directory."""
    exp, _, states, step, _ = restore_run(workdir, step)
    return exp, states, step


def replica_state(states: TrainState, r: int) -> TrainState:
    """Replica r of states with a leading replica axis [K, ...]."""
    return jax.tree_util.tree_map(lambda a: a[r], states)


def parameter_table(exp: Experiment) -> str:
    """flax.linen's per-layer table (input/output shapes, parameter counts) of the task's model."""
    x = to_float(exp.example_batch()["inputs"][:1])
    return exp.task.model.tabulate(jax.random.PRNGKey(0), x, train=False, compute_flops=False,
                                   console_kwargs={"width": 140, "force_terminal": False})


def parameter_counts(params) -> dict[str, int]:
    """Parameters per layer: "Dense_0" -> count (kernel + bias ...), in the order flax stores them."""
    counts: dict[str, int] = {}
    for path, leaf in jax.tree_util.tree_flatten_with_path(params)[0]:
        names = [str(getattr(p, "key", p)) for p in path[:-1]] or ["(root)"]
        layer = "/".join(names)
        counts[layer] = counts.get(layer, 0) + int(np.prod(np.shape(leaf)))
    return counts


def predict(exp: Experiment, state: TrainState, batch_size: int = 1000) -> np.ndarray:
    """Class probabilities float32 [N, C] of one replica's state on the test split."""
    task = exp.task

    @jax.jit
    def probs(x):
        logits = task.model.apply({"params": state.params, **state.model_state}, to_float(x), train=False)
        return jax.nn.softmax(logits.astype(jnp.float32), -1)

    x = exp.dataset.test["inputs"]
    return np.concatenate([np.asarray(probs(x[i:i + batch_size])) for i in range(0, len(x), batch_size)])


def confusion_matrix(labels: np.ndarray, preds: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts int64 [C, C]: row = true class, column = predicted class, for int labels and preds [N]."""
    conf = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(conf, (np.asarray(labels), np.asarray(preds)), 1)
    return conf


def confident_mistakes(probs: np.ndarray, labels: np.ndarray, k: int = 10) -> np.ndarray:
    """Indices int [<= k] of misclassified examples, most confident (highest predicted probability) first.

    probs: [N, C] class probabilities; labels: int [N].
    """
    preds = probs.argmax(-1)
    wrong = np.flatnonzero(preds != labels)
    confidence = probs[wrong, preds[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")][:k]
