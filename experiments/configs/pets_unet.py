"""Semantic segmentation of Oxford-IIIT Pet (TFDS oxford_iiit_pet: 3,680 train / 3,669 test photos) with a
U-Net: photos and trimaps resized to 64x64 (dataset.image_size; nearest neighbour for the trimaps), three
classes per pixel (0 background, 1 pet, 2 border), per-pixel cross-entropy, Adam, 3 seeds in one program.

    jaxdl train --config experiments/configs/pets_unet.py --workdir runs/pets_unet \
        --config.data_dir=DIR_WITH_oxford_iiit_pet_AS_ARRAY_RECORD

Add `--config.dataset.image_size=128` for the loader's default size. NOT RUN HERE: no real-data figure
was measured for this config. The machine it was written on is offline and holds no copy of
oxford_iiit_pet; the loading code and a few training
steps are tested end to end under tfds.testing.mock_data and on a prepared fake copy
(tests/data/test_pets.py). Prepare the data with
`jaxdl prepare oxford_iiit_pet --data_dir DIR` (network and the prepare extra). Without it the command
stops with one line giving that command (exit 2).
Test metrics: pixel_accuracy and mean_iou over the 3 classes; plots/segmentation.png draws predictions.
"""

from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset = dict(name="oxford_iiit_pet", image_size=64)
    c.task.update(name="segmentation", target="segmentation")
    c.model = dict(name="unet", depth=3, width=16, convs=2)
    c.optimizer.learning_rate = 3e-3
    c.optimizer.schedule = "cosine"
    c.replicas = 3
    c.batch_size = 32
    c.steps = 2300  # 20 epochs of the 3,680 training photos
    c.log_every = 115
    c.eval_every = 1150
    c.eval_batch_size = 123  # 3,669 test photos = 29 x 123 + 102 (the last batch padded)
    return c
