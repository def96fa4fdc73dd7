"""MNIST (TFDS `mnist` 3.0.1, prepared once with `jaxdl prepare mnist`) with an MLP 784-256-256-10, Adam 1e-3,
batch 128, 5000 steps (~10.7 epochs): the plain baseline the CNNs are measured against.

    jaxdl train --config experiments/configs/mnist_mlp.py --workdir runs/mnist_mlp --config.replicas=5 \
        --config.data_dir=../shared/datasets/tfds

Measured on the shared 2-core CPU (2026-12-02, load average ~6): test accuracy 0.9781 ± 0.0014 over 5 seeds
(0.9767, 0.9797, 0.9764, 0.9798, 0.9780), 119.6 s wall (4.8 s compile).

Also the benchmark shape of the issue "K = 8 vmapped replicas vs eight sequential runs" (synthetic data):

    jaxdl bench --config experiments/configs/mnist_mlp.py --replicas 8
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
