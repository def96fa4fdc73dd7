"""Object detection on digit scenes (embedded, offline): CenterNet-style heads on a small CNN, Adam.

    jaxdl train --config experiments/configs/digit_scenes_detector.py --workdir runs/scenes_det --quiet

Measured after 200 steps (short: 2 CPU cores shared by ~6 developers) as two 1-replica runs,
`--config.replicas=1 --config.seed=S` for S = 0, 1 (= replicas 0 and 1 of the command above, up to float
drift): test mAP@0.5 = 0.47 ± 0.25 (0.718, 0.225), mAP@0.5:0.95 = 0.31 ± 0.16 (0.465, 0.153), mean ± std
over the 2 seeds. Far from converged (train loss still falling fast); expect much higher with more steps.
Detections drawn on test scenes are in plots/detections.png of the run directory.
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "digit_scenes"
    c.task = dict(name="detection", top_k=20, score_bins=1000, size_weight=0.1, offset_weight=1.0)
    c.model = dict(name="centernet", channels=(8, 16, 32, 32), head_width=16)
    c.optimizer.learning_rate = 3e-3
    c.optimizer.schedule = "cosine"
    c.replicas = 3
    c.batch_size = 32
    c.steps = 200
    c.log_every = 50
    c.eval_every = 200
    c.eval_batch_size = 250
    return c
