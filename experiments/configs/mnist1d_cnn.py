"""MNIST-1D, the paper's ConvBase CNN (5,210 parameters), the paper's recipe: Adam 1e-2, batch 100, 6000 steps.

    jaxdl train --config experiments/configs/mnist1d_cnn.py --workdir runs/mnist1d_cnn --config.replicas=5

Measured on a shared 2-core CPU (2026-12-02): this command, i.e. `make demo` (the 5 replicas split over the
two host devices): mean test accuracy 0.9350 ± 0.0094 over 5 seeds, 12.7 s wall (an Intel CPU with AVX-512;
on an AMD EPYC with AVX2, 16:01 UTC: 0.9372 ± 0.0092, other rounding); on one device, as
experiments/mnist1d_table.py trains it (2026-11-27): 0.9386 ± 0.0080 (paper: 94%; floor 0.92). Layouts round
differently and Adam amplifies it; earlier programs of the same model are in experiments/RESULTS.md.

Why: PyTorch's default initialisation (`weight_init="torch"`, U(±1/sqrt(fan_in)), fan_in = in_channels *
kernel for the convolutions) and the training split in stored order every epoch (`shuffle=False`), as the
paper's model was trained; XLA:CPU's YNNPACK dot fusions off (`compiler_options`), which runs the im2col
matmuls ~15% faster on CPU.
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "mnist1d"
    c.model = dict(name="cnn1d", weight_init="torch")
    c.optimizer.name = "adam"
    c.optimizer.learning_rate = 1e-2
    c.batch_size = 100
    c.shuffle = False  # the paper reads the 4000 training examples in stored order every epoch
    c.steps = 6000
    c.log_every = 250
    c.eval_every = 250
    c.checkpoint_every = 1000
    # XLA:CPU's YNNPACK dot fusions run this model's small im2col matmuls ~15% slower than without them
    # (2.5 vs 2.2 ms per 5-replica step on 2 cores); no effect on other backends
    c.compiler_options = {"xla_cpu_experimental_ynn_fusion_type": ""}
    return c
