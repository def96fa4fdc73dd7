"""CIFAR-10, ResNet-18 with the CIFAR stem (3x3 conv, no max-pool), SGD + Nesterov 0.1, cosine, wd 5e-4,
label smoothing 0.1. Needs the TFDS data: TFDS encodes images through TensorFlow when it *prepares* a
dataset, so prepare `cifar10` once on a machine with network and TensorFlow
(`tfds build cifar10 --file_format=array_record --data_dir=DIR`); jaxdl then reads it without TensorFlow:

    jaxdl train --config experiments/configs/cifar10_resnet18.py --workdir runs/cifar10_resnet18 \
        --config.data_dir=/path/to/tensorflow_datasets

Not run on this project's 2-core CPU machines (hours per epoch); no accuracy is claimed here. The usual
figure for this recipe with augmentation is ~95%; jaxdl has no augmentation yet, so expect less.
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "cifar10"
    c.model = dict(name="resnet18", cifar_stem=True)
    c.task.label_smoothing = 0.1
    c.optimizer.name = "nesterov"
    c.optimizer.learning_rate = 0.1
    c.optimizer.momentum = 0.9
    c.optimizer.weight_decay = 5e-4
    c.optimizer.schedule = "cosine"
    c.batch_size = 128
    c.dtype = "bfloat16"  # compute dtype; parameters and optimizer state stay float32 (jaxdl.models DTYPES)
    c.steps = 390 * 30  # 30 epochs of 50,000 images
    c.log_every = 390
    c.eval_every = 1950
    c.eval_batch_size = 500
    c.checkpoint_every = 1950
    return c
