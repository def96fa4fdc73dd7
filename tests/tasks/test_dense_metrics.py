"""Segmentation IoU and detection mAP on hand-computed cases; CenterNet targets and peak decoding."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.tasks.detection import decode, gaussian_radius, make_targets
from jaxdl.tasks.detection_metrics import average_precision, box_iou, detection_stats, map_metrics, match_image
from jaxdl.tasks.segmentation import confusion_matrix, iou_per_class, segmentation_metrics, soft_dice_loss


def test_confusion_and_iou_by_hand():
    labels = jnp.array([[0, 0, 1, 1], [2, 2, 2, 0]])
    pred = jnp.array([[0, 1, 1, 1], [2, 2, 0, 0]])
    weights = jnp.array([[1, 1, 1, 1], [1, 1, 1, 0]], jnp.float32)  # last pixel is padding
    conf = confusion_matrix(labels, pred, weights, 4)
    assert conf.tolist() == [[1, 1, 0, 0], [0, 2, 0, 0], [1, 0, 2, 0], [0, 0, 0, 0]]
    # class 0: tp 1, union 1 + 1 + 1 = 3; class 1: tp 2, union 3; class 2: tp 2, union 3; class 3: absent
    np.testing.assert_allclose(iou_per_class(conf)[:3], [1 / 3, 2 / 3, 2 / 3], rtol=1e-6)
    assert np.isnan(iou_per_class(conf)[3])
    m = segmentation_metrics(jnp.stack([conf, conf * 2]))  # leading replica axis kept
    np.testing.assert_allclose(m["pixel_accuracy"], [5 / 7, 5 / 7], rtol=1e-6)
    np.testing.assert_allclose(m["mean_iou"], [5 / 9, 5 / 9], rtol=1e-6)


def test_soft_dice_by_hand():
    labels = jnp.array([[[0, 1], [1, 2]]])  # [B=1, 2, 2]; classes 1 and 2 present, 3 absent
    sure = 50.0 * jax.nn.one_hot(labels, 4)  # softmax ~ one-hot: every object class's Dice ~ 1
    assert abs(float(soft_dice_loss(sure, labels))) < 1e-4
    # uniform softmax (1/4 each): class 1 (2 pixels): (2 * 0.5 + 1) / (1 + 2 + 1) = 1/2; class 2 (1 pixel):
    # (2 * 0.25 + 1) / (1 + 1 + 1) = 1/2; class 3 (absent): 1 / (1 + 0 + 1) = 1/2; the background is left out
    np.testing.assert_allclose(soft_dice_loss(jnp.zeros((1, 2, 2, 4)), labels), 0.5, rtol=1e-6)
    # classes 1 and 2 predicted on each other's pixels: Dice 1 / (1 + 2 + 1) and 1 / (2 + 1 + 1); class 3: 1
    wrong = 50.0 * jax.nn.one_hot(jnp.array([[[0, 2], [2, 1]]]), 4)
    np.testing.assert_allclose(soft_dice_loss(wrong, labels), 1 - (0.25 + 0.25 + 1) / 3, atol=1e-4)


def test_box_iou_by_hand():
    a = jnp.array([[0, 0, 10, 10], [0, 0, 2, 2]], jnp.float32)
    b = jnp.array([[5, 0, 15, 10], [20, 20, 30, 30]], jnp.float32)
    np.testing.assert_allclose(box_iou(a, b), [[50 / 150, 0], [0, 0]], rtol=1e-6)


def test_matching_is_greedy_by_score_and_per_threshold():
    gt = jnp.array([[0, 0, 10, 10], [20, 20, 30, 30]], jnp.float32)
    dets = jnp.array([[0, 0, 10, 10], [0, 0, 10, 10], [20, 20, 30, 36], [40, 40, 50, 50]], jnp.float32)
    tp = match_image(dets, jnp.array([0.5, 0.9, 0.8, 0.7]), jnp.array([0, 0, 0, 0]), gt, jnp.array([0, 0]),
                     jnp.array([True, True]), iou_thresholds=(0.5, 0.7))
    # det 1 (score .9) takes gt 0, so the duplicate det 0 is a false positive; det 2 has IoU 100/160 = .625
    assert tp.tolist() == [[False, True, True, False], [False, True, False, False]]
    # a class mismatch or an invalid (padded) ground truth is never matched
    tp = match_image(dets[:1], jnp.array([0.9]), jnp.array([1]), gt, jnp.array([0, 1]), jnp.array([True, False]))
    assert not tp.any()


def _stats(scores, tps, num_gt, bins=100):
    """tp/fp histograms [T=1, C=1, bins] from per-detection scores and TP flags."""
    tp, fp = np.zeros((1, 1, bins)), np.zeros((1, 1, bins))
    for s, t in zip(scores, tps, strict=True):
        (tp if t else fp)[0, 0, min(int(s * bins), bins - 1)] += 1
    return tp, fp, np.array([num_gt])


def test_average_precision_by_hand():
    # ranked TP, FP, TP of 2 objects: precision 1 up to recall .5, then 2/3 up to recall 1
    ap = average_precision(*_stats([0.9, 0.8, 0.7], [1, 0, 1], 2))
    np.testing.assert_allclose(ap, [[(51 + 50 * 2 / 3) / 101]])
    # a missed object: recall never passes 1/2 -> the 50 points above it are 0
    np.testing.assert_allclose(average_precision(*_stats([0.9], [1], 2)), [[51 / 101]])
    # the envelope: FP first then TP gives precision 1/2 at every recall
    np.testing.assert_allclose(average_precision(*_stats([0.9, 0.8], [0, 1], 1)), [[0.5]])
    # no detections -> 0; no ground truth -> NaN (left out of the class mean)
    assert average_precision(*_stats([], [], 3))[0, 0] == 0
    assert np.isnan(average_precision(*_stats([0.5], [0], 0))[0, 0])


def _exact_ap(scores, tps, num_gt):
    """pycocotools' accumulate() for one class and threshold, on unbinned scores."""
    order = np.argsort(-np.asarray(scores), kind="mergesort")
    tp = np.cumsum(np.asarray(tps)[order])
    fp = np.cumsum(1 - np.asarray(tps)[order])
    rc, pr = tp / num_gt, tp / np.maximum(tp + fp, np.spacing(1))
    pr = np.maximum.accumulate(pr[::-1])[::-1]
    idx = np.searchsorted(rc, np.linspace(0, 1, 101), side="left")
    return np.mean([pr[i] if i < len(pr) else 0.0 for i in idx])


def test_binned_ap_agrees_with_exact_ranking():
    rng = np.random.default_rng(0)
    for _trial in range(5):
        n = 200
        scores = rng.uniform(size=n)
        tps = (rng.uniform(size=n) < scores).astype(int)  # higher scores are more often right
        num_gt = tps.sum() + 10
        binned = average_precision(*_stats(scores, tps, num_gt, bins=1000))[0, 0]
        np.testing.assert_allclose(binned, _exact_ap(scores, tps, num_gt), atol=5e-3)
        # scores in distinct bins: the binned curve has every point, so AP is exact
        distinct = (rng.permutation(1000)[:n] + 0.5) / 1000
        np.testing.assert_allclose(average_precision(*_stats(distinct, tps, num_gt, bins=1000))[0, 0],
                                   _exact_ap(distinct, tps, num_gt), atol=1e-12)


def test_map_of_perfect_and_shifted_detections():
    gt = jnp.array([[[0, 0, 10, 10], [20, 20, 30, 30], [0, 0, 0, 0]]], jnp.float32)
    gt_classes, valid = jnp.array([[3, 7, -1]]), jnp.array([[True, True, False]])
    perfect = detection_stats(gt[:, :2], jnp.array([[0.9, 0.8]]), gt_classes[:, :2], gt, gt_classes, valid,
                              jnp.ones(1), num_classes=10)
    m = map_metrics(perfect["tp"], perfect["fp"], perfect["num_gt"])
    assert m["map50"] == 1.0 and m["map"] == 1.0
    # class 7's box shifted by 2 px: IoU 80/120 = .667 -> TP for thresholds .5-.65 (4 of 10), FP above
    shifted = gt[:, :2].at[0, 1, 3].add(-2).at[0, 1, 1].add(-2)
    stats = detection_stats(shifted, jnp.array([[0.9, 0.8]]), gt_classes[:, :2], gt, gt_classes, valid,
                            jnp.ones(1), num_classes=10)
    m = map_metrics(stats["tp"], stats["fp"], stats["num_gt"])
    assert m["map50"] == 1.0 and m["map"] == pytest.approx((1 + 0.4) / 2)
    # a padded image (weight 0) adds nothing
    padded = detection_stats(gt[:, :2], jnp.array([[0.9, 0.8]]), gt_classes[:, :2], gt, gt_classes, valid,
                             jnp.zeros(1), num_classes=10)
    assert float(padded["tp"].sum() + padded["fp"].sum() + padded["num_gt"].sum()) == 0


def test_targets_then_decoding_recover_the_boxes():
    stride, hw = 4.0, (12, 12)
    boxes = jnp.array([[4, 6, 20, 18], [25, 30, 44, 41], [0, 0, 0, 0]], jnp.float32)
    classes, valid = jnp.array([2, 9, -1]), jnp.array([True, True, False])
    heatmap, cells, size, offset = make_targets(boxes, classes, valid, hw, stride, 10)
    assert heatmap.shape == (12, 12, 10) and int((heatmap == 1).sum()) == 2  # one exact peak per object
    assert heatmap[cells[0, 0], cells[0, 1], 2] == 1 and heatmap[cells[1, 0], cells[1, 1], 9] == 1
    assert heatmap[..., 0].max() == 0  # no object of class 0
    # plant the targets as network outputs: peaks as logits, size/offset written at the centre cells
    p = jnp.clip(heatmap, 1e-4, 1 - 1e-4)
    logits = jnp.log(p / (1 - p))  # the target itself as probabilities: Gaussian shoulders around each peak
    size_map = jnp.zeros((*hw, 2)).at[cells[:2, 0], cells[:2, 1]].set(size[:2])
    offset_map = jnp.zeros((*hw, 2)).at[cells[:2, 0], cells[:2, 1]].set(offset[:2])
    outputs = {"heatmap": logits[None], "size": size_map[None], "offset": offset_map[None]}
    det_boxes, scores, det_classes = decode(outputs, stride, top_k=5)
    assert det_classes[0, :2].tolist() == [2, 9] or det_classes[0, :2].tolist() == [9, 2]
    order = np.argsort(np.asarray(det_classes[0, :2]))
    np.testing.assert_allclose(det_boxes[0, :2][order], boxes[:2], atol=1e-5)
    np.testing.assert_allclose(scores[0, :2], 1 - 1e-4, rtol=1e-5)
    assert (scores[0, 2:] < 2e-4).all()  # the shoulders are not peaks (3x3 max-pool suppression)


def test_gaussian_radius_grows_with_box_size():
    r = gaussian_radius(jnp.array([2.0, 4.0, 8.0]), jnp.array([2.0, 4.0, 8.0]))
    assert (jnp.diff(r) > 0).all() and (r > 0).all()
