"""MNIST, mnist_cnn's optimizer and its earlier model (no feature dropout, no label smoothing: the recipe measured
below), 5625 steps (12 epochs), with random shifts of up to 2 pixels (zeros shifted in) in the compiled step; no
flip, as a mirrored digit is another symbol or none.

    jaxdl train --config experiments/configs/mnist_cnn_augment.py --workdir runs/mnist_cnn_augment \
        --config.replicas=5 --config.data_dir=../shared/datasets/tfds

Measured on the shared 2-core CPU (2026-12-02 11:50-12:22 UTC, load average 5-10, alongside mnist_cnn until
12:13): test accuracy 0.9937 ± 0.0006 over 5 seeds (0.9943, 0.9936, 0.9928, 0.9936, 0.9943), 1926 s wall
(30 s compile, programs cached). Short of the 99.5% goal. Why this recipe: shifts are the standard MNIST
augmentation and were fixed before any run; the only change since is 12 epochs instead of 2.6 (more than
mnist_cnn's 8, as augmented data takes longer to fit), chosen before this run and not tuned on the test split.
Mean test accuracy 0.9915 / 0.9925 / 0.9937 at steps 2500 / 3750 / 5625. The shifts cost at most 0.08 ms of
a ~40 ms single-replica step (experiments/augment_cost.py).
"""

import os

from jaxdl.config import load_config


def get_config():
    c = load_config(os.path.join(os.path.dirname(os.path.abspath(__file__)), "mnist_cnn.py"))
    with c.unlocked():
        c.dataset.augment = dict(translate=2)
        c.model = dict(name="cnn2d", channels=(32, 64), strides=2, pool="none", hidden=(128,), dropout=0.25)
        c.task.label_smoothing = 0.0
        c.steps = 5625  # 12 epochs of 60,000
    return c
