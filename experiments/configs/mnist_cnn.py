"""MNIST, a small all-convolutional CNN: three stride-2 3x3 convs (32, 64, 128 channels) with BatchNorm, dropout
0.25 on the flattened features and after dense 128, label smoothing 0.1, AdamW 3e-3 (wd 1e-4) with warmup +
cosine, batch 128, 4700 steps (10 epochs).

    jaxdl train --config experiments/configs/mnist_cnn.py --workdir runs/mnist_cnn --config.replicas=5 \
        --config.data_dir=../shared/datasets/tfds

Measured on the 2-core AMD EPYC CPU (2026-12-07 10:44-11:28 UTC, beside mnist_cnn_augment): test accuracy
0.9934 ± 0.0004 over 5 seeds (0.9939, 0.9939, 0.9930, 0.9934, 0.9930), meeting the 99.3% goal by 0.04 points;
2579 s wall (compile 45 s), 2327 CPU s. At 2250 steps (4.8 epochs) the same net reached 0.9927 ± 0.0005; the
two-conv recipe before it, 0.9916 ± 0.0004.
Why this recipe: the two-conv net overfit its head; a third conv with BatchNorm reached that net's final
accuracy at 60% of a shorter schedule; 10 epochs (Flax's MNIST example trains 10) because at 4.8 it was still
rising. Fixed before the run (no held-out probe); never tuned on test.
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "mnist"
    # stride-2 convs, not stride-1 convs + 2x2 max pool: that variant's 5-replica step took 1430 ms against 235
    # (jaxdl bench, back to back, load ~10; 3.1x the FLOPs), 6x the training time on this CPU; a third conv
    # with BatchNorm costs 1.6x the two-conv step (9.5 against 5.4 GFLOP per 5-replica step)
    # dropout on the flattened features too: the head's weights are most of the parameters
    c.model = dict(name="cnn2d", channels=(32, 64, 128), kernel_sizes=(3, 3, 3), strides=2, pool="none",
                   norm="batch", hidden=(128,), dropout=0.25, feature_dropout=0.25)
    c.task.label_smoothing = 0.1
    c.optimizer.name = "adamw"
    c.optimizer.learning_rate = 3e-3
    c.optimizer.weight_decay = 1e-4
    c.optimizer.schedule = "warmup_cosine"
    c.optimizer.warmup_steps = 100
    c.batch_size = 128
    c.steps = 4700  # 10.0 epochs of 60,000 (at 2250 steps, 4.8 epochs, it was still rising: 0.9927)
    c.log_every = 150
    c.eval_every = 900
    c.eval_batch_size = 1000
    return c
