"""Semantic segmentation of digit scenes (embedded, offline): a U-Net on 2x2 space-to-depth input, width 24,
one conv per level, cross-entropy + soft Dice, Adam 1e-2 (50-step warmup, cosine), 4000 steps of batch 4 (8
epochs), 3 seeds in one program.

    jaxdl train --config experiments/configs/digit_scenes_unet.py --workdir runs/scenes_unet --quiet

Measured (2026-12-07, idle 2-core AMD EPYC, empty compilation cache): test mean IoU 0.853 ± 0.006 (0.847, 0.851,
0.861) over seeds 0-2 in **249 s wall**; seeds 3-5 (`--config.seed=3`) 0.845 ± 0.011: the goal 0.85 sits inside
the seed spread. Why: at the same 8 epochs, batch 4 beats batch 16 by ~0.015 on both seed sets for less CPU;
Dice weighs each digit class alike against the background (~88% of pixels); `mesh = {"data": -1}` splits each
batch over the cores, so 3 replicas cost 3, not 4 (experiments/RESULTS.md "Dense vision on digit_scenes").
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "digit_scenes"
    c.task.update(name="segmentation", target="segmentation", dice_weight=1.0)
    c.model = dict(name="unet", depth=2, width=24, convs=1, patch=2)
    c.optimizer.learning_rate = 1e-2
    c.optimizer.schedule = "warmup_cosine"
    c.optimizer.warmup_steps = 50
    c.replicas = 3
    c.batch_size = 4
    c.steps = 4000
    c.log_every = 50
    c.eval_every = 4000
    c.eval_batch_size = 200
    c.mesh = {"data": -1}
    return c
