"""A seconds-long digits DCGAN run for generative and resume tests: tiny_vae.py's schedule (40 steps,
train metrics every 20, test at the end, checkpoints every 20) with a DCGAN of 4-8 feature maps, 8-d
latent, Adam 2e-3 (b1 = 0.5) for both networks, 30 samples per replica, no quality score.

    jaxdl train --config tests/configs/tiny_dcgan.py --workdir /tmp/tiny_dcgan
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "digits"
    c.model = dict(name="dcgan", latent_dim=8, generator_features=(8, 4), discriminator_features=(4, 8))
    c.task.update(name="gan", num_samples=30, quality_score=False, scorer_steps=20)
    c.optimizer.learning_rate, c.optimizer.b1 = 2e-3, 0.5
    c.batch_size, c.steps, c.log_every, c.eval_every, c.eval_batch_size = 32, 40, 20, 40, 360
    c.checkpoint_every, c.keep_checkpoints = 20, 3
    return c
