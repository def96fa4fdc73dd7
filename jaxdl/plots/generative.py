"""Generative runs: VAE reconstructions, latent interpolations and the latent map of a trained model.

`restored_model(run, replica)` restores one replica of a run directory's checkpoint through
`jaxdl.train.evaluate_checkpoint.restore_run`, the one restore path. The figure functions take a task, one
replica's parameters (no replica axis) and a split {"inputs": [N, ...], "label": [N] (optional)}, so the VAE
task's end-of-run PNGs and the notebooks draw the same figures. Sample grids of `samples.npy` are
`jaxdl.plots.images.sample_grid_figure` on `Run.samples()`.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from matplotlib.figure import Figure

from jaxdl.errors import UserError
from jaxdl.plots.images import image_grids_figure
from jaxdl.runs import Run


@dataclasses.dataclass
class RestoredModel:
    """One replica of a run's checkpoint: its task, params and model_state (leaves without the replica axis),
    the run's dataset (train / test splits as numpy) and the checkpoint's step."""

    task: Any
    params: Any
    model_state: Any
    dataset: Any
    step: int
    replica: int


def restored_model(run: Run, replica: int = 0, step: int | None = None) -> RestoredModel:
    """Replica `replica` of checkpoint `step` (default: the newest good one) of `run`. UserError without one."""
    # Imported here: the trainer imports the tasks, which import this package (a cycle at import time).
    from jaxdl.train.evaluate_checkpoint import restore_run

    exp, _, states, step, _ = restore_run(run.path, step)
    if not 0 <= replica < len(exp.replicas):
        raise UserError(f"replica {replica} does not exist: {run.path} has {len(exp.replicas)} replica(s)")
    one = lambda tree: jax.tree_util.tree_map(lambda a: a[replica], tree)  # noqa: E731
    return RestoredModel(exp.task, one(states.params), one(states.model_state), exp.dataset, int(step), replica)


def _images(task, split: dict[str, np.ndarray], n: int | None = None) -> jax.Array:
    """The first n examples of a split as the task's images float32 [n, H, W, C]."""
    return task.images(jnp.asarray(split["inputs"][:n]))


def reconstructions_figure(task, params, split: dict[str, np.ndarray], n: int = 16, title: str = "") -> Figure:
    """The first n examples of `split` beside the VAE's reconstructions (decoder means at the posterior means)."""
    x = _images(task, split, n)
    recon = jax.jit(task.reconstruct)(params, x)
    return image_grids_figure({"test images": np.asarray(x), f"reconstructions{title}": np.asarray(recon)})


def interpolation_pairs(labels: np.ndarray | None, rows: int) -> list[tuple[int, int]]:
    """`rows` index pairs (a, b) to interpolate between: the first example of class 2i and of class 2i + 1
    (classes mod the number present) when labelled, else examples (2i, 2i + 1)."""
    if labels is None or len(np.unique(labels)) < 2:
        return [(2 * i, 2 * i + 1) for i in range(rows)]
    classes = np.unique(labels)
    first = {c: int(np.argmax(labels == c)) for c in classes}
    return [(first[classes[(2 * i) % len(classes)]], first[classes[(2 * i + 1) % len(classes)]])
            for i in range(rows)]


def interpolations_figure(task, params, split: dict[str, np.ndarray], rows: int = 4, steps: int = 10,
                          title: str = "") -> Figure:
    """`rows` strips of `steps` decoded images on the straight line between the posterior means of two
    examples of `split` of different classes (see `interpolation_pairs`)."""
    pairs = np.array(interpolation_pairs(split.get("label"), rows))
    x = _images(task, split, int(pairs.max()) + 1)
    line = jax.jit(jax.vmap(functools.partial(task.interpolate, steps=steps), in_axes=(None, 0, 0)))
    strips = np.asarray(line(params, x[pairs[:, 0]], x[pairs[:, 1]]))  # [rows, steps, H, W, C]
    what = "interpolation between two encoded test images" + ("" if rows == 1 else " per row")
    return image_grids_figure({f"{what}{title}": strips.reshape(-1, *strips.shape[2:])}, ncols=steps)


def latent_codes(task, params, split: dict[str, np.ndarray], batch_size: int = 500
                 ) -> tuple[np.ndarray, np.ndarray | None]:
    """Posterior means float32 [N, D] of every example of `split`, and its labels [N] (None without)."""
    encode = jax.jit(task.encode)
    n = len(split["inputs"])
    z = [np.asarray(encode(params, _images(task, {"inputs": split["inputs"][i:i + batch_size]})))
         for i in range(0, n, batch_size)]
    return np.concatenate(z), split.get("label")


def latent_map_figure(latents: np.ndarray, labels: np.ndarray, title: str = "latent space") -> Figure:
    """Latent codes [N, D] as a scatter coloured by int labels [N]: the first two dimensions when D == 2,
    otherwise their first two principal components (the axis labels say which)."""
    z = np.asarray(latents, np.float64)
    if z.shape[1] == 2:
        xy, names = z, ("z[0]", "z[1]")
    else:
        zc = z - z.mean(0)
        _, _, vt = np.linalg.svd(zc, full_matrices=False)
        xy, names = zc @ vt[:2].T, ("PC 1", "PC 2")
    fig = Figure(figsize=(5, 4.3))
    ax = fig.subplots()
    sc = ax.scatter(xy[:, 0], xy[:, 1], c=labels, cmap="tab10", s=6, alpha=0.8)
    fig.colorbar(sc, ax=ax, label="class")
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.set_title(title)
    fig.tight_layout()
    return fig
