"""Semantic segmentation of digit scenes (embedded, offline): a small U-Net, per-pixel cross-entropy, Adam.

    jaxdl train --config experiments/configs/digit_scenes_unet.py --workdir runs/scenes_unet --quiet

Measured (3 seeds in one program, 2 shared CPU cores): test mean IoU (11 classes incl. background)
RESULT_PLACEHOLDER
The mask, per-class IoU (from the confusion matrix in summary.json) and plots/segmentation.png are in
the run directory.
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "digit_scenes"
    c.task = dict(name="segmentation", target="segmentation")
    c.model = dict(name="unet", depth=2, width=8, convs=2)
    c.optimizer.learning_rate = 3e-3
    c.optimizer.schedule = "cosine"
    c.replicas = 3
    c.batch_size = 32
    c.steps = 200
    c.log_every = 50
    c.eval_every = 200
    c.eval_batch_size = 250
    return c
