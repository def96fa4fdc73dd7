"""DCGAN on real MNIST: generator 7x7x64 -> 14x14x32 -> 28x28x1 (BatchNorm, ReLU, tanh), discriminator 32 -> 64
strided convs with leaky ReLU, 64-d latent, Adam 5e-4, b1 = 0.5 for both, batch 64, 4500 steps (4.8 epochs),
seeds 0-2 in one program.

    jaxdl train --config experiments/configs/mnist_dcgan.py --workdir runs/mnist_dcgan \
        --config.data_dir=../shared/datasets/tfds

Measured (2026-12-07 14:45-16:06 UTC, 2-core AMD EPYC, beside the fresh-clone CI until 15:58, then alone): 4856 s
wall, 4841 CPU s. The CNN scorer (0.9947 test accuracy), 10,000 samples per seed, mean ± std over seeds:
confidence 0.858 ± 0.005 (0.859, 0.863, 0.852; goal >= 0.9: MISSED; real test 0.993); smallest class share 0.048
± 0.004 (0.052, 0.043, 0.050; goal >= 0.05 for every seed: MISSED for seed 1; real 0.089); classifier score 6.55
± 0.05 and Fréchet 56.2 ± 2.9, against 9.76 and 1.13 for the real test split. docs/samples/mnist_dcgan.png shows
seed 0's samples. Why this recipe: confidence rises with steps, slowly past 3000 (seed 0: 0.816, 0.853,
0.859, 0.876 at 1500, 3000, 4500, 9000 steps; twice the steps gave 0.877 ± 0.001 over seeds 0-2 for twice the
CPU, the largest gain found, still short of 0.9); on seed 0, wider nets gave +0.012 at 3000 steps for 3x the
CPU, a resize-conv generator, label smoothing or a batch of 128 at most +0.008 at 4500, and spectral norm,
cosine decay and an EMA of the generator nothing or harm (experiments/RESULTS.md "MNIST DCGAN"). `mesh = {"data": -1}`
splits each replica's batch over the host devices (no padding replica on 2 cores).
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "mnist"
    c.model = dict(name="dcgan", latent_dim=64, generator_features=(64, 32), discriminator_features=(32, 64))
    c.task.update(name="gan", num_samples=10000, quality_score=True)  # Fréchet at n = 10,000, as the test split
    c.optimizer.name = "adam"
    c.optimizer.learning_rate = 5e-4
    c.optimizer.b1 = 0.5
    c.batch_size = 64
    c.steps = 4500
    c.log_every = 50
    c.eval_every = 1500
    c.replicas = 3  # seeds 0-2 in one program
    c.mesh = {"data": -1}  # each replica's batch split over the host devices: no padding replica on 2 cores
    c.eval_batch_size = 1000
    return c
