"""Where a segmentation run's test mean IoU goes: finding the digits (foreground vs background) or naming them.

    .venv/bin/python experiments/segmentation_errors.py W

For each replica of the run in W (its newest good checkpoint), prints one markdown row: the mean IoU; the
foreground IoU (any digit class against the background); the share of pixels that are foreground in both truth
and prediction but get the wrong digit class; the mean IoU with those pixels' classes made right (what perfect
naming would reach with this segmentation); and, over the true digits (connected ink components of at least 5
pixels), how many are named right at every pixel, how many mostly wrong, how many mostly right but mixed, with
the wrongly named pixels of the last two groups.
"""

import sys

import jax
import numpy as np
from scipy import ndimage

from jaxdl.tasks.segmentation import confusion_matrix, segmentation_metrics
from jaxdl.train.evaluate_checkpoint import restore_run


def mean_iou(truth: np.ndarray, pred: np.ndarray, classes: int) -> float:
    """truth, pred int [N, H, W] -> the task's own mean IoU (jaxdl.tasks.segmentation)."""
    confusion = confusion_matrix(truth, pred, np.ones(truth.shape, np.float32), classes)
    return float(segmentation_metrics(confusion)["mean_iou"])


def digits_named(truth: np.ndarray, pred: np.ndarray) -> tuple[int, int, int, int, int]:
    """Over the true ink components of >= 5 pixels: (all right, mostly wrong, its wrong pixels, mixed but mostly
    right, its wrong pixels), counting only the pixels the prediction calls foreground."""
    right = wrong = wrong_px = mixed = mixed_px = 0
    for t, p in zip(truth, pred, strict=True):
        components, n = ndimage.label(t > 0)
        for c in range(1, n + 1):
            inside = components == c
            named = p[inside][p[inside] > 0]
            if inside.sum() < 5 or not len(named):
                continue
            true_class = np.bincount(t[inside]).argmax()
            counts = np.bincount(named, minlength=true_class + 1)
            errors = int(len(named) - counts[true_class])
            if not errors:
                right += 1
            elif counts.argmax() != true_class:
                wrong, wrong_px = wrong + 1, wrong_px + errors
            else:
                mixed, mixed_px = mixed + 1, mixed_px + errors
    return right, wrong, wrong_px, mixed, mixed_px


def main():
    exp, _, states, step, _ = restore_run(sys.argv[1])
    test, classes = exp.dataset.test, exp.task.num_classes
    x, truth = np.asarray(test["inputs"]), np.asarray(test[exp.task.target]).astype(np.int64)
    predict = jax.jit(exp.task.predict)
    print(f"step {step}; test split, {len(x)} images\n")
    print("| replica | mean IoU | foreground IoU | wrong class on foreground | mean IoU, classes made right | "
          "digits all right / mostly wrong (px) / mixed (px) |")
    print("|---|---|---|---|---|---|")
    for r in range(len(jax.tree_util.tree_leaves(states.params)[0])):
        state = jax.tree_util.tree_map(lambda a, r=r: a[r], states)
        pred = np.concatenate([np.asarray(predict(state, x[i:i + 100])).argmax(-1) for i in range(0, len(x), 100)])
        fg_t, fg_p = truth > 0, pred > 0
        both = fg_t & fg_p
        named_right = np.where(both, truth, pred)
        right, wrong, wrong_px, mixed, mixed_px = digits_named(truth, pred)
        print(f"| {r} | {mean_iou(truth, pred, classes):.4f} | {(both.sum() / (fg_t | fg_p).sum()):.4f} | "
              f"{np.mean(truth[both] != pred[both]):.4f} | {mean_iou(truth, named_right, classes):.4f} | "
              f"{right} / {wrong} ({wrong_px}) / {mixed} ({mixed_px}) |", flush=True)


if __name__ == "__main__":
    main()
