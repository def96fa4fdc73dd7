"""A seconds-long digits VAE run for generative, resume and notebook-free tests: MLP encoder/decoder
(32 hidden, 4-d latent), Gaussian likelihood, 40 steps, train metrics every 20, test at the end,
checkpoints every 20 (so a run killed after step 20 resumes mid-run), 50 samples per replica, no quality
score (its classifier would dominate the time).

    jaxdl train --config tests/configs/tiny_vae.py --workdir /tmp/tiny_vae
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "digits"
    c.model = dict(name="vae", architecture="mlp", latent_dim=4, hidden=(32,))
    c.task.update(name="vae", likelihood="gaussian", obs_std=0.2, binarize="none", num_samples=50,
                  quality_score=False, scorer_steps=20)
    c.optimizer.learning_rate = 3e-3
    c.batch_size, c.steps, c.log_every, c.eval_every, c.eval_batch_size = 32, 40, 20, 40, 360
    c.checkpoint_every, c.keep_checkpoints = 20, 3
    return c
