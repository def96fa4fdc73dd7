"""Mean average precision (COCO-style) from statistics that sum over evaluation batches.

mAP is not a mean of per-batch values: it ranks every detection of the split by score. The trainer only
sums per-batch statistics, so each batch contributes histograms over a fine score grid:

    tp[t, c, s] / fp[t, c, s]: detections of class c with score in bin s = floor(score * S) that are true /
                               false positives at IoU threshold t;      num_gt[c]: ground-truth boxes.

Matching is exact and per image, as in pycocotools: detections in descending score order each take the
unmatched ground-truth box of their class with the highest IoU >= t. Only the ranking *across* images
uses the bins: the precision/recall curve gets one point per bin, detections sharing a bin counted
together. So the result is COCO's 101-point interpolated AP computed on scores rounded down to multiples
of 1/S (with ties in a bin treated as one operating point instead of pycocotools' arbitrary order); with
S = 1000 it agrees with the exact computation to ~1e-3 (tested against a direct implementation).
No pycocotools here: it is well kept but works on JSON/dicts on the host, not on summable statistics.
"""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np

IOU_THRESHOLDS = tuple(np.round(np.arange(0.5, 0.951, 0.05), 2).tolist())  # COCO's 0.5:0.05:0.95
RECALL_POINTS = 101  # COCO's interpolation grid 0, 0.01, ..., 1


def box_iou(a: jax.Array, b: jax.Array) -> jax.Array:
    """IoU of boxes a [..., N, 4] and b [..., M, 4], each (y0, x0, y1, x1) with y1 >= y0 -> [..., N, M]."""
    a, b = a[..., :, None, :], b[..., None, :, :]
    ih = jnp.clip(jnp.minimum(a[..., 2], b[..., 2]) - jnp.maximum(a[..., 0], b[..., 0]), 0)
    iw = jnp.clip(jnp.minimum(a[..., 3], b[..., 3]) - jnp.maximum(a[..., 1], b[..., 1]), 0)
    inter = ih * iw
    area = lambda z: (z[..., 2] - z[..., 0]) * (z[..., 3] - z[..., 1])  # noqa: E731
    union = area(a) + area(b) - inter
    return jnp.where(union > 0, inter / jnp.where(union > 0, union, 1), 0.0)


def match_image(det_boxes, det_scores, det_classes, gt_boxes, gt_classes, gt_valid,
                iou_thresholds=IOU_THRESHOLDS) -> jax.Array:
    """True-positive flags bool [T, K] of one image's K detections at each IoU threshold.

    det_boxes [K, 4], det_scores [K], det_classes int [K]; gt_boxes [M, 4], gt_classes int [M], gt_valid
    bool [M]. Greedy in descending score order (pycocotools' rule); a matched ground truth is used once.
    """
    thresholds = jnp.asarray(iou_thresholds, jnp.float32)
    order = jnp.argsort(-det_scores, stable=True)
    iou = box_iou(det_boxes, gt_boxes)  # [K, M]
    iou = jnp.where((det_classes[:, None] == gt_classes[None, :]) & gt_valid[None, :], iou, -1.0)

    def step(matched, k):  # matched: bool [T, M]
        candidates = (iou[k][None, :] >= thresholds[:, None]) & ~matched
        best = jnp.argmax(jnp.where(candidates, iou[k][None, :], -2.0), axis=-1)  # [T]
        hit = candidates.any(-1)
        matched = matched | (jax.nn.one_hot(best, matched.shape[1], dtype=bool) & hit[:, None])
        return matched, hit

    _, hits = jax.lax.scan(step, jnp.zeros((len(thresholds), gt_boxes.shape[0]), bool), order)
    return jnp.zeros_like(hits.T).at[:, order].set(hits.T)  # back to the detections' own order


def detection_stats(det_boxes, det_scores, det_classes, gt_boxes, gt_classes, gt_valid, weights,
                    num_classes: int, bins: int = 1000, iou_thresholds=IOU_THRESHOLDS) -> dict[str, jax.Array]:
    """Summable AP statistics of a batch: {"tp", "fp": float32 [T, C, bins], "num_gt": float32 [C]}.

    Detections: det_boxes [B, K, 4], det_scores [B, K] in [0, 1], det_classes int [B, K]. Ground truth:
    gt_boxes [B, M, 4], gt_classes int [B, M], gt_valid bool [B, M]. weights [B]: 0 drops an image (padding).
    """
    tp = jax.vmap(lambda *a: match_image(*a, iou_thresholds))(det_boxes, det_scores, det_classes,
                                                              gt_boxes, gt_classes, gt_valid)  # [B, T, K]
    t_count = len(iou_thresholds)
    w = jnp.broadcast_to(weights[:, None, None], tp.shape).astype(jnp.float32)
    score_bin = jnp.clip(jnp.floor(det_scores * bins).astype(jnp.int32), 0, bins - 1)  # [B, K]
    index = (jnp.arange(t_count)[None, :, None] * num_classes + det_classes[:, None, :]) * bins + score_bin[:, None, :]
    size = t_count * num_classes * bins
    hist = lambda v: jnp.zeros(size, jnp.float32).at[index.reshape(-1)].add(v.reshape(-1)).reshape(  # noqa: E731
        t_count, num_classes, bins)
    gt_w = jnp.where(gt_valid, weights[:, None], 0.0).reshape(-1)
    num_gt = jnp.zeros(num_classes, jnp.float32).at[jnp.clip(gt_classes, 0).reshape(-1)].add(gt_w)
    return {"tp": hist(w * tp), "fp": hist(w * ~tp), "num_gt": num_gt}


def average_precision(tp: np.ndarray, fp: np.ndarray, num_gt: np.ndarray) -> np.ndarray:
    """COCO 101-point interpolated AP [..., T, C] from summed tp/fp [..., T, C, S] and num_gt [..., C];
    NaN for a class without ground truth (left out of means, as pycocotools does)."""
    tp, fp = np.asarray(tp, np.float64), np.asarray(fp, np.float64)
    num_gt = np.asarray(num_gt, np.float64)[..., None, :, None]
    tp_cum = np.cumsum(tp[..., ::-1], -1)  # from the highest score bin down
    fp_cum = np.cumsum(fp[..., ::-1], -1)
    recall = tp_cum / np.maximum(num_gt, 1e-12)
    seen = tp_cum + fp_cum
    precision = np.where(seen > 0, tp_cum / np.maximum(seen, 1e-12), 0.0)
    envelope = np.maximum.accumulate(precision[..., ::-1], -1)[..., ::-1]  # max precision at >= this recall
    points = np.linspace(0, 1, RECALL_POINTS)
    flat_recall, flat_env = recall.reshape(-1, recall.shape[-1]), envelope.reshape(-1, recall.shape[-1])
    ap = np.zeros(len(flat_recall))
    for i, (rc, pr) in enumerate(zip(flat_recall, flat_env, strict=True)):
        # as pycocotools: the first curve point with recall >= r (recall is non-decreasing); 0 if never reached
        first = np.searchsorted(rc, points, side="left")
        ap[i] = np.where(first < len(rc), pr[np.minimum(first, len(rc) - 1)], 0.0).mean()
    ap = ap.reshape(recall.shape[:-1])
    return np.where(num_gt[..., 0] > 0, ap, np.nan)


def map_metrics(tp, fp, num_gt) -> dict[str, np.ndarray]:
    """{"map50": mAP at IoU 0.5, "map": mean over IoU 0.5:0.95} per replica (leading axes kept)."""
    ap = average_precision(tp, fp, num_gt)  # [..., T, C]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # nanmean of all-NaN (no ground truth at all) -> NaN
        return {"map50": np.nanmean(ap[..., 0, :], -1), "map": np.nanmean(ap, (-2, -1))}
