"""Convolutional VAE on MNIST grey levels with a Gaussian likelihood (fixed observation std 0.1), 20-d latent,
Adam 1e-3, batch 128, 20 epochs. Real MNIST is in the shared data dir (`jaxdl prepare mnist` elsewhere):

    jaxdl train --config experiments/configs/mnist_vae.py --workdir runs/mnist_vae \
        --config.data_dir=../shared/datasets/tfds

Not measured yet: the likelihood figure of MNIST is binarized_mnist_vae.py's (Bernoulli, comparable with
published NLLs); a Gaussian negative ELBO with obs_std 0.1 is in nats of a density and can be negative, so it
has no published counterpart. Judge this one by its sample grids and sample_quality.json.
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "mnist"
    c.model = dict(name="vae", architecture="conv", latent_dim=20, hidden=(32, 64))
    c.task.update(name="vae", likelihood="gaussian", obs_std=0.1, binarize="none", num_samples=1000,
                  quality_score=True)
    c.optimizer.learning_rate = 1e-3
    c.batch_size = 128
    c.steps = 9360
    c.log_every = 468
    c.eval_every = 2340
    c.eval_batch_size = 1000
    return c
