"""MNIST (TFDS `mnist`, prepared once with `jaxdl prepare mnist`) with an MLP 784-256-256-10, Adam 1e-3, batch 128.

    jaxdl train --config experiments/configs/mnist_mlp.py --workdir runs/mnist_mlp --config.replicas=5

Also the benchmark shape of the issue "K = 8 vmapped replicas vs eight sequential runs" (synthetic data,
no download):

    jaxdl bench --config experiments/configs/mnist_mlp.py --replicas 8

No accuracy has been measured here (no internet on the development machines to fetch MNIST).
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "mnist"
    c.model = dict(name="mlp", hidden_sizes=(256, 256))
    c.optimizer.learning_rate = 1e-3
    c.batch_size = 128
    c.steps = 5000
    c.log_every = 100
    c.eval_every = 500
    c.eval_batch_size = 1000
    return c
