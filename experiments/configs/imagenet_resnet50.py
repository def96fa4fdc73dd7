"""ImageNet (TFDS `imagenet2012`, 224 px), ResNet-50 v1, SGD + Nesterov 0.1 x batch/256, cosine, wd 1e-4,
label smoothing 0.1: the shape of issue #5's accelerator benchmark (synthetic data, no dataset needed):

    jaxdl bench --config experiments/configs/imagenet_resnet50.py --config.dtype=bfloat16 --json r50.json

This config is for benchmarks; no accuracy is claimed. `jaxdl train` needs imagenet2012 prepared: put
ILSVRC2012_img_train.tar and ILSVRC2012_img_val.tar into DIR/downloads/manual, then
`jaxdl prepare imagenet2012 --data_dir DIR`. jaxdl has no streaming input pipeline: it loads train and
validation whole into memory, centre-cropped and resized to config.dataset.image_size (224: ~200 GB; a
machine with less memory is refused in one line), so only a smaller image_size fits most machines.
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "imagenet2012"
    c.dataset.pipeline = "grain"  # streamed: random-resized crop + flip in Grain's workers (what "auto" picks too)
    c.model = dict(name="resnet50")
    c.task.label_smoothing = 0.1
    c.optimizer.name = "nesterov"
    c.optimizer.learning_rate = 0.1
    c.optimizer.momentum = 0.9
    c.optimizer.weight_decay = 1e-4
    c.optimizer.schedule = "cosine"
    c.batch_size = 256
    c.dtype = "bfloat16"  # compute dtype; parameters and optimizer state stay float32 (jaxdl.models DTYPES)
    c.steps = 5005 * 90  # 90 epochs of 1,281,167 images
    c.log_every = 500
    c.eval_every = 5000
    c.eval_batch_size = 500
    c.checkpoint_every = 5000
    return c
