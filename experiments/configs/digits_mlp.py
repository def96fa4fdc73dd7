"""sklearn's 8x8 digits (embedded, offline), an MLP 64-128-128-10 with GELU, Adam 3e-3 with cosine decay.

    jaxdl train --config experiments/configs/digits_mlp.py --workdir runs/digits_mlp --config.replicas=5

Measured on a 2-core CPU (2026-11-27): mean test accuracy 0.9150 ± 0.0038 over 5 seeds.
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "digits"
    c.model = dict(name="mlp", hidden_sizes=(128, 128), activation="gelu")
    c.optimizer.learning_rate = 3e-3
    c.optimizer.schedule = "cosine"
    c.batch_size = 64
    c.steps = 2000
    c.log_every = 100
    c.eval_every = 500
    c.eval_batch_size = 360
    return c
