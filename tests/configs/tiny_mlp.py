"""A seconds-long MNIST-1D MLP run for checkpoint, resume and command-line tests: 2 replicas, 120 steps,
train metrics every 20 steps, test every 40, checkpoints every 40 (three kept).

    jaxdl train --config tests/configs/tiny_mlp.py --workdir /tmp/tiny
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "mnist1d"
    c.model = dict(name="mlp", hidden_sizes=(32,))
    c.optimizer.learning_rate = 1e-2
    c.replicas = 2
    c.batch_size = 50
    c.steps = 120
    c.log_every = 20
    c.eval_every = 40
    c.eval_batch_size = 500
    c.checkpoint_every = 40
    c.keep_checkpoints = 3
    return c
