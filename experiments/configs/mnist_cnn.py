"""MNIST, a small all-convolutional CNN: two stride-2 3x3 convs (32, 64 channels), dropout 0.25 on the flattened
features and after dense 128, label smoothing 0.1, AdamW 3e-3 (wd 1e-4) with warmup + cosine, batch 128,
3750 steps (8 epochs).

    jaxdl train --config experiments/configs/mnist_cnn.py --workdir runs/mnist_cnn --config.replicas=5 \
        --config.data_dir=../shared/datasets/tfds

Measured on the shared 2-core CPU (2026-12-02 15:52-17:00 UTC, load average 4-19, alone): test
accuracy 0.9916 ± 0.0004 over 5 seeds (0.9920, 0.9912, 0.9911, 0.9915, 0.9920), 3982 s wall
(93 s compile): misses the 99.3% goal by 0.14 points. The first recipe (no feature dropout or label smoothing)
gave 0.9910 ± 0.0005.
Why this recipe: that run overfit (train loss 0.004) and the head's 401k weights are nearly all the
parameters. Checked on a held-out split (last 10,000 training images, 1250-step probes, 2 seeds), never on
test: it tied the first recipe there (0.9879 vs 0.9883), and was kept for the longer run (RESULTS, appendix).
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
