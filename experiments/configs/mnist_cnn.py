"""MNIST, a small all-convolutional CNN: two stride-2 3x3 convs (32, 64 channels), dense 128 with dropout,
AdamW 3e-3 with warmup + cosine, batch 128.

PILOT
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "mnist"
    # stride-2 convs instead of conv + pool: on CPU pooling's gradient costs more than the convs themselves
    c.model = dict(name="cnn2d", channels=(32, 64), strides=2, pool="none", hidden=(128,), dropout=0.25)
    c.optimizer.name = "adamw"
    c.optimizer.learning_rate = 3e-3
    c.optimizer.weight_decay = 1e-4
    c.optimizer.schedule = "warmup_cosine"
    c.optimizer.warmup_steps = 100
    c.batch_size = 128
    c.steps = 1200
    c.log_every = 100
    c.eval_every = 400
    c.eval_batch_size = 1000
    return c
