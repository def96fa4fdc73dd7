"""CIFAR-10, ResNet-18 with the CIFAR stem (3x3 conv, no max-pool), SGD + Nesterov 0.1, cosine, wd 5e-4,
label smoothing 0.1, and the standard augmentation in the compiled step: random crops of the image padded by
4 pixels, plus horizontal flips. Needs the TFDS data, prepared once with
`jaxdl prepare cifar10 --data_dir DIR` (network and the prepare extra, TensorFlow); jaxdl then reads it
without TensorFlow:

    jaxdl train --config experiments/configs/cifar10_resnet18.py --workdir runs/cifar10_resnet18 \
        --config.data_dir=/path/to/tensorflow_datasets

Not run on this project's 2-core CPU machines (hours per epoch); no accuracy is claimed here. The usual
figure for this recipe (30 epochs, crop + flip) is ~95%.
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "cifar10"
    c.dataset.augment = dict(crop=4, flip=True)
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
