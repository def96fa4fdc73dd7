"""Where a segmentation run's test mean IoU goes: finding the digits (foreground vs background) or naming them.

    .venv/bin/python experiments/segmentation_errors.py W [train]

`train` scores the train split instead of the test split (its first 500 images, the test split's size): the gap
between the two says whether naming fails from too little capacity or from too few examples.

For each replica of the run in W (its newest good checkpoint), prints one markdown row: the mean IoU; the
foreground IoU (any digit class against the background); the share of pixels that are foreground in both truth
and prediction but get the wrong digit class; the mean IoU with those pixels' classes made right (what perfect
naming would reach with this segmentation); and, over the true digits (connected ink components of one class of
at least 5 pixels), how many are named right at every pixel, how many mostly wrong, how many mostly right but
mixed, with the wrongly named pixels of the last two groups.
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
    """Over the true ink components of one class of >= 5 pixels: (all right, mostly wrong, its wrong pixels, mixed
    but mostly right, its wrong pixels), counting only the pixels the prediction calls foreground."""
    right = wrong = wrong_px = mixed = mixed_px = 0
    for t, p in zip(truth, pred, strict=True):
        for true_class in np.unique(t[t > 0]):  # per class: touching digits of two classes stay apart
            components, n = ndimage.label(t == true_class)
            for c in range(1, n + 1):
                inside = components == c
                named = p[inside][p[inside] > 0]
                if inside.sum() < 5 or not len(named):
                    continue
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
    split = sys.argv[2] if len(sys.argv) > 2 else "test"
    if split not in ("train", "test"):
        print(f"segmentation_errors: the split is train or test, got {split!r}", file=sys.stderr)
        sys.exit(2)
    data, classes = (exp.dataset.train if split == "train" else exp.dataset.test), exp.task.num_classes
    n = len(exp.dataset.test["inputs"])
    x, truth = np.asarray(data["inputs"][:n]), np.asarray(data[exp.task.target][:n]).astype(np.int64)
    predict = jax.jit(exp.task.predict)
    print(f"step {step}; {split} split, {len(x)} images\n")
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
