"""Semantic segmentation of digit scenes (embedded, offline): a U-Net on 2x2 space-to-depth input (every level
at 24x24 and below), width 24 with one conv per level, per-pixel cross-entropy + soft Dice, Adam 1e-2
(50-step warmup, cosine), 1000 steps of batch 16 (8 epochs), 3 seeds in one program.

    jaxdl train --config experiments/configs/digit_scenes_unet.py --workdir runs/scenes_unet --quiet

Measured (2026-12-07 14:38-14:43 UTC, idle 2-core AMD EPYC, commit 43c4405 with this model as an override):
test mean IoU (11 classes incl. background) = 0.833 ± 0.012 (0.837, 0.845, 0.817), pixel accuracy 0.983 ±
0.001, mean ± std (population) over seeds 0-2; **274 s wall** (goal 5 min: met), 507 CPU s, 29.5 s of it
compiling (24 of 50 programs from the compilation cache). Goal mean IoU 0.85: MISSED. The same command with
1200 steps: 0.847 ± 0.009 (0.840, 0.860, 0.841), over 5 minutes.

Why: width 16 with two convs per level left seed 0 on the no-identity plateau (the net tells digit from
background, not which digit) until step ~500 (0.835 ± 0.030, 355 s wall, same machine, 13:31-13:37 UTC); width
24 with one conv leaves it by step ~250 for all three seeds at 0.8x the CPU. Patch 2 halves the CPU per step
and gives the bottleneck a field of view wider than a digit; Dice (nnU-Net's CE + Dice) weighs each digit
class alike against the background (~88% of pixels). `mesh = {"data": -1}` splits each batch over the host
devices (one per core), so the 3 replicas cost 3, not the 4 of the default replica split over 2 cores (one
padding replica). One evaluation, at the end. Variants and step costs: experiments/RESULTS.md.
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
    c.batch_size = 16
    c.steps = 1000
    c.log_every = 50
    c.eval_every = 1000
    c.eval_batch_size = 200
    c.mesh = {"data": -1}
    return c
