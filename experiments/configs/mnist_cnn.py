"""MNIST, a small all-convolutional CNN: two stride-2 3x3 convs (32, 64 channels), dense 128 with dropout
0.25, AdamW 3e-3 (wd 1e-4) with warmup + cosine, batch 128, 3750 steps (8 epochs).

    jaxdl train --config experiments/configs/mnist_cnn.py --workdir runs/mnist_cnn --config.replicas=5 \
        --config.data_dir=../shared/datasets/tfds

Measured on the shared 2-core CPU (2026-12-02 11:47-12:13 UTC, load average 6.5-10, alongside
mnist_cnn_augment): test accuracy 0.9910 ± 0.0005 over 5 seeds (0.9907, 0.9909, 0.9903, 0.9917, 0.9915),
1543 s wall (15 s compile, programs cached). Short of the 99.3% goal. Why this recipe: model and optimizer
were fixed before any run; the only change since was training 8 epochs (a standard MNIST length) instead of
2.6, chosen before this run and not tuned on the test split. Mean test accuracy 0.9877 / 0.9907 / 0.9910 at
steps 1250 / 2500 / 3750 and a train loss of 0.004 at the end: more epochs alone look unlikely to reach 99.3%.
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "mnist"
    # stride-2 convs, not stride-1 convs + 2x2 max pool: that variant's 5-replica step took 1430 ms against 235
    # (jaxdl bench, back to back, load ~10; 3.1x the FLOPs), 6x the training time on this CPU
    # dropout on the 3136 flattened features too: the head's 401k weights are nearly all the parameters
    c.model = dict(name="cnn2d", channels=(32, 64), strides=2, pool="none", hidden=(128,), dropout=0.25,
                   feature_dropout=0.25)
    c.task.label_smoothing = 0.1
    c.optimizer.name = "adamw"
    c.optimizer.learning_rate = 3e-3
    c.optimizer.weight_decay = 1e-4
    c.optimizer.schedule = "warmup_cosine"
    c.optimizer.warmup_steps = 100
    c.batch_size = 128
    c.steps = 3750  # 8 epochs of 60,000
    c.log_every = 250
    c.eval_every = 1250
    c.eval_batch_size = 1000
    return c
