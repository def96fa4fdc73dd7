"""Convolutional VAE on MNIST grey levels with a Gaussian likelihood (fixed observation std 0.1), 20-d latent,
Adam 1e-3, batch 128, 20 epochs. NOT RUN HERE (MNIST needs a TFDS data dir; this machine is offline).

    jaxdl train --config experiments/configs/mnist_vae.py --workdir runs/mnist_vae \
        --config.data_dir=/path/to/tensorflow_datasets     # holding `mnist` prepared as array_record

Expected: no reference figure exists for this exact recipe (a Gaussian negative ELBO with obs_std 0.1 is in nats
and can be negative); judge it by sample_quality.json against its real-test ceiling and the sample grids.
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "mnist"
    c.model = dict(name="vae", architecture="conv", latent_dim=20, hidden=(32, 64))
    c.task.update(name="vae", likelihood="gaussian", obs_std=0.1, binarize="none", num_samples=1000,
                  quality_score=True, scorer_steps=2000)
    c.optimizer.learning_rate = 1e-3
    c.batch_size = 128
    c.steps = 9360
    c.log_every = 468
    c.eval_every = 2340
    c.eval_batch_size = 1000
    return c
