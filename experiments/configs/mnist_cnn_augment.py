"""MNIST, mnist_cnn's model and optimizer with random shifts of up to 2 pixels in the compiled step.

PILOT
"""

import os

from jaxdl.config import load_config


def get_config():
    c = load_config(os.path.join(os.path.dirname(os.path.abspath(__file__)), "mnist_cnn.py"))
    with c.unlocked():
        c.dataset.augment = dict(translate=2)  # no flip: a mirrored digit is another symbol or none
    return c
