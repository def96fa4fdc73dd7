"""DCGAN on MNIST: generator 7x7x256 -> 14x14x128 -> 28x28x1 (BatchNorm, ReLU, tanh), discriminator 64 -> 128
strided convs with leaky ReLU, 100-d latent, Adam 2e-4, b1 = 0.5 (Radford et al.), batch 128, ~20 epochs.
NOT RUN HERE (MNIST needs a TFDS data dir; this machine is offline).

    jaxdl train --config experiments/configs/mnist_dcgan.py --workdir runs/mnist_dcgan \
        --config.data_dir=/path/to/tensorflow_datasets     # holding `mnist` prepared as array_record

Expected: no reference number (Flax has no DCGAN example); recognisable digits in plots/samples_step*.png and
sample_quality.json compared with its real-test ceiling.
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "mnist"
    c.model = dict(name="dcgan", latent_dim=100, generator_features=(256, 128), discriminator_features=(64, 128))
    c.task.update(name="gan", num_samples=1000, quality_score=True)
    c.optimizer.name = "adam"
    c.optimizer.learning_rate = 2e-4
    c.optimizer.b1 = 0.5
    c.batch_size = 128
    c.steps = 9360
    c.log_every = 468
    c.eval_every = 2340
    c.eval_batch_size = 1000
    return c
