"""Semantic segmentation of digit scenes (embedded, offline): a small U-Net, per-pixel cross-entropy, Adam.

    jaxdl train --config experiments/configs/digit_scenes_unet.py --workdir runs/scenes_unet --quiet

Measured after 200 steps (short: 2 CPU cores shared by ~6 developers) as two 1-replica runs,
`--config.replicas=1 --config.seed=S` for S = 0, 1 (= replicas 0 and 1 of the command above, up to float
drift): test mean IoU (11 classes incl. background) = 0.22 ± 0.09 (0.310, 0.126), pixel accuracy =
0.90 ± 0.01 (0.916, 0.887), mean ± std over the 2 seeds. Far from converged (train loss still falling;
background alone is ~85% of the pixels); expect much higher with more steps.
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
