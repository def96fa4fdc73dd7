"""MNIST, a small all-convolutional CNN: two stride-2 3x3 convs (32, 64 channels), dense 128 with dropout
0.25, AdamW 3e-3 (wd 1e-4) with warmup + cosine, batch 128, 1200 steps (2.6 epochs): sized to train 5 seeds
in under half an hour on the shared 2-core CPU.

    jaxdl train --config experiments/configs/mnist_cnn.py --workdir runs/mnist_cnn --config.replicas=5 \
        --config.data_dir=../shared/datasets/tfds

Measured on the shared 2-core CPU (2026-12-02, load average 14-20 from the other jobs): test accuracy
0.9896 ± 0.0003 over 5 seeds (0.9894, 0.9900, 0.9893, 0.9892, 0.9899), 1563 s wall (89 s compile). Short
of the 99.3% goal: the recipe was chosen once, before any run, and not tuned on the test split; longer
training is the lever left (test accuracy 0.9812 at step 400, 0.9879 at 800, 0.9896 at 1200).
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "mnist"
    # stride-2 convs instead of conv + pool: on CPU pooling's gradient costs more than the convs themselves
    c.model = dict(name="cnn2d", channels=(32, 64), strides=2, pool="none", hidden=(128,), dropout=0.25)
    c.optimizer.name = "adamw"
    c.optimizer.learning_rate = 3e-3
    c.optimizer.weight_decay = 1e-4
    c.optimizer.schedule = "warmup_cosine"
    c.optimizer.warmup_steps = 100
    c.batch_size = 128
    c.steps = 1200
    c.log_every = 100
    c.eval_every = 400
    c.eval_batch_size = 1000
    return c
