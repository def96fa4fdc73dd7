"""sklearn's 8x8 digits (embedded, offline), the small 2-D CNN (flax examples/mnist shape), AdamW 3e-3,
warmup + cosine.

    jaxdl train --config experiments/configs/digits_cnn.py --workdir runs/digits_cnn --config.replicas=5

Measured on a 2-core CPU (2026-11-27): mean test accuracy 0.9506 ± 0.0064 over 5 seeds.
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "digits"
    c.model = dict(name="cnn2d")
    c.optimizer.name = "adamw"
    c.optimizer.learning_rate = 3e-3
    c.optimizer.weight_decay = 1e-4
    c.optimizer.schedule = "warmup_cosine"
    c.optimizer.warmup_steps = 100
    c.batch_size = 64
    c.steps = 2000
    c.log_every = 100
    c.eval_every = 500
    c.eval_batch_size = 360
    return c
