"""MNIST, mnist_cnn's recipe (three stride-2 convs with BatchNorm) with random shifts of up to 2 pixels (zeros
shifted in) in the compiled step, for 7050 steps (15 epochs); no flip, as a mirrored digit is another symbol.

    jaxdl train --config experiments/configs/mnist_cnn_augment.py --workdir runs/mnist_cnn_augment \
        --config.replicas=5 --config.data_dir=../shared/datasets/tfds

Measured on the 2-core AMD EPYC CPU (2026-12-07 10:44-11:37 UTC, beside mnist_cnn for its first 44 min): test
accuracy 0.9957 ± 0.0003 over 5 seeds (0.9959, 0.9957, 0.9958, 0.9959, 0.9951), meeting the 99.5% goal by
0.07 points; 3152 s wall (compile 25 s), 3436 CPU s. At 2250 steps (mnist_cnn's old schedule) it reached
0.9939 ± 0.0006.
Why: shifts are the standard MNIST augmentation, and shifted digits keep the net from fitting the training
set, so a longer schedule than mnist_cnn's pays; both fixed before the run, never tuned on test. The shifts
cost at most 0.08 ms of a ~40 ms single-replica step (experiments/augment_cost.py).
"""

import os

from jaxdl.config import load_config


def get_config():
    c = load_config(os.path.join(os.path.dirname(os.path.abspath(__file__)), "mnist_cnn.py"))
    with c.unlocked():
        c.dataset.augment = dict(translate=2)
        # 15 epochs: shifted digits keep the net from fitting the training set, so a longer schedule pays
        c.steps = 7050
    return c
