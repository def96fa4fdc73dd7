"""VAE on sklearn's 8x8 digits (embedded, offline): MLP encoder/decoder (256 hidden, 8-d latent), Gaussian
likelihood with fixed observation std 0.1 (inputs are grey levels in [0, 1]), Adam 1e-3.

    jaxdl train --config experiments/configs/digits_vae.py --workdir runs/digits_vae --config.replicas=3

Measured (CPU, 3 replicas): see the "Generative models" section of README.md / experiments/RESULTS.md.
Writes plots/samples_step*.png, plots/reconstructions.png, plots/interpolation.png, samples.npy
[3000, 8, 8, 1], samples_meta.json and sample_quality.json.
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "digits"
    c.model = dict(name="vae", architecture="mlp", latent_dim=8, hidden=(256,))
    c.task = dict(name="vae", likelihood="gaussian", obs_std=0.1, binarize=False, num_samples=1000,
                  quality_score=True, scorer_steps=1000)
    c.optimizer.learning_rate = 1e-3
    c.batch_size = 64
    c.steps = 3000
    c.log_every = 100
    c.eval_every = 1000
    c.eval_batch_size = 360
    return c
