"""Object detection, CenterNet-style: focal loss on class-centre heatmaps, L1 on box size and centre offset
at the centres, top-k peak decoding, COCO-style mAP@0.5 and mAP@0.5:0.95 (see detection_metrics.py).

Batches hold "inputs" [B, H, W, C], "boxes" float [B, M, 4] as (y0, x0, y1, x1) in input pixels,
"box_classes" int [B, M] in [0, num_classes) (-1 = padding) and "num_boxes" int [B] (rows [:num_boxes]
valid). The model (e.g. `centernet`) maps inputs to {"heatmap" [B, h, w, C], "size", "offset" [B, h, w, 2]}
at stride = H / h.
"""

from __future__ import annotations

import os

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxdl.data import to_float
from jaxdl.errors import UserError
from jaxdl.models import build_model_from_config
from jaxdl.tasks.base import init_state
from jaxdl.tasks.detection_metrics import detection_stats, map_metrics
from jaxdl.train.optim import make_optimizer

NUM_PLOTTED = 8  # test scenes drawn by write_artifacts
PLOT_SCORE = 0.3  # detections drawn when their score is at least this
KEYS = ("boxes", "box_classes", "num_boxes")


def from_config(config, dataset) -> DetectionTask:
    missing = [k for k in KEYS if k not in dataset.train]
    if missing:
        raise UserError(f"task 'detection' needs {', '.join(KEYS)}; dataset {dataset.name!r} lacks "
                        f"{', '.join(missing)}")
    t = config.task
    top_k, bins = int(t.top_k), int(t.score_bins)
    if top_k < 1 or bins < 1:
        raise UserError(f"task.top_k and task.score_bins must be >= 1, got {top_k} and {bins}")
    model = build_model_from_config(config.model, dataset.num_classes, config.dtype)
    examples = {k: dataset.test[k][:NUM_PLOTTED] for k in ("inputs", *KEYS)}
    return DetectionTask(model, make_optimizer(config.optimizer, config.steps), dataset.num_classes,
                         size_weight=float(t.size_weight), offset_weight=float(t.offset_weight),
                         top_k=top_k, score_bins=bins, examples=examples)


def gaussian_radius(h: jax.Array, w: jax.Array, min_overlap: float = 0.7) -> jax.Array:
    """CenterNet's radius for a box of size (h, w) in cells: a corner shift that keeps IoU >= min_overlap
    (the smallest root of its three cases, as in the reference implementation)."""
    b1, c1 = h + w, w * h * (1 - min_overlap) / (1 + min_overlap)
    r1 = (b1 + jnp.sqrt(b1**2 - 4 * c1)) / 2
    b2, c2 = 2 * (h + w), (1 - min_overlap) * w * h
    r2 = (b2 + jnp.sqrt(b2**2 - 16 * c2)) / 2
    a3, b3, c3 = 4 * min_overlap, -2 * min_overlap * (h + w), (min_overlap - 1) * w * h
    r3 = (b3 + jnp.sqrt(b3**2 - 4 * a3 * c3)) / 2
    return jnp.maximum(jnp.minimum(jnp.minimum(r1, r2), r3), 0.0)


def make_targets(boxes, classes, valid, out_hw: tuple[int, int], stride: float, num_classes: int):
    """Training targets of one image. boxes [M, 4] in pixels, classes int [M], valid bool [M].

    Returns heatmap [h, w, C] (a Gaussian of sigma (2r + 1) / 6 around each object's centre cell, max over
    objects of a class, exactly 1 at the centre cells), cells int [M, 2] (centre cell, clipped to the map),
    size [M, 2] (box height, width in cells) and offset [M, 2] (centre minus cell, in cells).
    """
    h, w = out_hw
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2 / stride  # [M, 2] in cells
    cells = jnp.clip(jnp.floor(centre).astype(jnp.int32), 0, jnp.array([h - 1, w - 1]))
    size = (boxes[:, 2:] - boxes[:, :2]) / stride
    sigma = (2 * gaussian_radius(size[:, 0], size[:, 1]) + 1) / 6  # [M]
    yy, xx = jnp.arange(h)[None, :, None], jnp.arange(w)[None, None, :]
    d2 = (yy - cells[:, 0, None, None]) ** 2 + (xx - cells[:, 1, None, None]) ** 2
    blobs = jnp.exp(-d2 / (2 * sigma[:, None, None] ** 2)) * valid[:, None, None]  # [M, h, w]
    onehot = jax.nn.one_hot(classes, num_classes) * valid[:, None]  # [M, C]
    heatmap = jnp.max(blobs[..., None] * onehot[:, None, None, :], axis=0)
    return heatmap, cells, size, centre - cells


def focal_loss_sum(logits, target, weights):
    """CenterNet's penalty-reduced focal loss (alpha 2, beta 4), summed: logits / target [B, h, w, C],
    weights [B]. Positives are the cells where target == 1; normalise by their count."""
    pos = target == 1.0
    log_p, log_not_p = jax.nn.log_sigmoid(logits), jax.nn.log_sigmoid(-logits)
    p = jax.nn.sigmoid(logits)
    loss = jnp.where(pos, (1 - p) ** 2 * log_p, (1 - target) ** 4 * p**2 * log_not_p)
    return -jnp.sum(loss * weights[:, None, None, None])


def gather_cells(maps, cells):
    """maps [B, h, w, D], cells int [B, M, 2] -> the values at those cells [B, M, D]."""
    return jax.vmap(lambda m, c: m[c[:, 0], c[:, 1]])(maps, cells)


def decode(outputs: dict[str, jax.Array], stride: float, top_k: int):
    """Top-k peaks of the heatmaps as boxes: (boxes [B, k, 4] in input pixels, scores [B, k], classes [B, k]).

    A peak is a cell whose sigmoid score is the maximum of its 3x3 neighbourhood in its class's map
    (CenterNet's max-pool NMS); the box is centred at (cell + offset) * stride with size * stride.
    """
    heat = jax.nn.sigmoid(outputs["heatmap"])
    b, h, w, c = heat.shape
    peaks = heat == nn.max_pool(heat, (3, 3), strides=(1, 1), padding="SAME")
    scores, index = jax.lax.top_k(jnp.where(peaks, heat, 0.0).reshape(b, -1), top_k)
    classes, cell = index % c, index // c
    cells = jnp.stack([cell // w, cell % w], -1)  # [B, k, 2]
    centre = (cells + gather_cells(outputs["offset"], cells)) * stride
    half = gather_cells(outputs["size"], cells) * stride / 2
    return jnp.concatenate([centre - half, centre + half], -1), scores, classes


class DetectionTask:
    """CenterNet's loss, metrics and decoding for a model with {"heatmap", "size", "offset"} outputs;
    BatchNorm statistics (if any) live in `TrainState.model_state`."""

    def __init__(self, model: nn.Module, tx: optax.GradientTransformation, num_classes: int, *,
                 size_weight: float = 0.1, offset_weight: float = 1.0, top_k: int = 20, score_bins: int = 1000,
                 examples: dict[str, np.ndarray] | None = None):
        self.model, self.tx, self.num_classes = model, tx, num_classes
        self.size_weight, self.offset_weight = size_weight, offset_weight
        self.top_k, self.score_bins, self.examples = top_k, score_bins, examples

    def init(self, rng, example_batch):
        return init_state(self.model, self.tx, rng, to_float(example_batch["inputs"]), train=False)

    def loss_terms(self, outputs, batch, weights):
        """Summed loss pieces of a batch: {"focal", "size", "offset" (L1 sums), "centres" (object count)}."""
        hm = outputs["heatmap"]
        stride = batch["inputs"].shape[1] / hm.shape[1]
        valid = jnp.arange(batch["boxes"].shape[1])[None, :] < batch["num_boxes"][:, None]
        heatmap, cells, size, offset = jax.vmap(
            lambda bx, cl, v: make_targets(bx, cl, v, hm.shape[1:3], stride, self.num_classes)
        )(batch["boxes"], batch["box_classes"], valid)
        obj = valid * weights[:, None]  # [B, M]
        l1 = lambda key, target: jnp.sum(  # noqa: E731
            jnp.abs(gather_cells(outputs[key], cells) - target).mean(-1) * obj)
        return {"focal": focal_loss_sum(hm, heatmap, weights), "size": l1("size", size),
                "offset": l1("offset", offset), "centres": jnp.sum(obj)}

    def combine(self, terms):
        n = jnp.maximum(terms["centres"], 1.0)
        return (terms["focal"] + self.size_weight * terms["size"] + self.offset_weight * terms["offset"]) / n

    def loss(self, params, model_state, batch, rng):
        """CenterNet's loss of inputs [B, H, W, C] and their boxes: (focal + weighted L1 sums) / objects."""
        weights = jnp.ones(batch["inputs"].shape[0])
        outputs, new_model_state = self.model.apply(
            {"params": params, **model_state}, to_float(batch["inputs"]), train=True,
            rngs={"dropout": rng}, mutable=list(model_state.keys()))
        return self.combine(self.loss_terms(outputs, batch, weights)), ({}, new_model_state)

    def predict(self, state, inputs):
        """Decoded detections of inputs [B, H, W, C]: boxes [B, k, 4], scores [B, k], classes [B, k]."""
        outputs = self.model.apply({"params": state.params, **state.model_state}, to_float(inputs), train=False)
        return decode(outputs, inputs.shape[1] / outputs["heatmap"].shape[1], self.top_k)

    def eval_step(self, state, batch):
        outputs = self.model.apply({"params": state.params, **state.model_state},
                                   to_float(batch["inputs"]), train=False)
        weights = batch["mask"]
        terms = self.loss_terms(outputs, batch, weights)
        boxes, scores, classes = decode(outputs, batch["inputs"].shape[1] / outputs["heatmap"].shape[1], self.top_k)
        valid = jnp.arange(batch["boxes"].shape[1])[None, :] < batch["num_boxes"][:, None]
        stats = detection_stats(boxes, scores, classes, batch["boxes"], batch["box_classes"], valid, weights,
                                self.num_classes, self.score_bins)
        # The histograms sit in a nested dict: the trainer copies only top-level arrays with more than a
        # replica axis into summary.json ("final_stats"), and [K, 10, 10, 1000] histograms do not belong there.
        return {**terms, "num_gt": stats["num_gt"], "histograms": {"tp": stats["tp"], "fp": stats["fp"]}}

    def summarize(self, sums):
        metrics = map_metrics(sums["histograms"]["tp"], sums["histograms"]["fp"], sums["num_gt"])
        return {"loss": self.combine(sums), **metrics}

    def write_artifacts(self, states, step, workdir, final):
        """At the end: replica 0's detections (score >= PLOT_SCORE) on the first test scenes, with the
        ground truth -> plots/detections.png."""
        if not final or self.examples is None:
            return
        from jaxdl import plots

        state0 = jax.tree_util.tree_map(lambda a: a[0], states)
        boxes, scores, classes = jax.device_get(jax.jit(self.predict)(state0, jnp.asarray(self.examples["inputs"])))
        plots.detection_predictions(self.examples, boxes, scores, classes, PLOT_SCORE,
                                    os.path.join(workdir, "plots", "detections.png"))
