"""ResNet v1 (He et al. 2015) in the style of flax examples/imagenet, with a CIFAR stem option.

Convs have no bias; BatchNorm (momentum 0.9, eps 1e-5) keeps its running statistics in the 'batch_stats'
collection and normalizes with them when `train=False`. The last BatchNorm of every residual branch starts
with scale 0, so each block starts as the identity.

Parameter counts (trainable, `params` collection) equal torchvision's: ResNet-18 11,689,512,
ResNet-34 21,797,672 and ResNet-50 25,557,032 at 1000 classes. ResNet-18 with the CIFAR stem and
10 classes has 11,173,962, the figure of the common PyTorch CIFAR ResNet-18 (kuangliu/pytorch-cifar).
"""

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxdl.models.activations import get_activation
from jaxdl.models.conv import conv_for
from jaxdl.models.initializers import lecun_normal

ModuleDef = Any


class ResNetBlock(nn.Module):
    """Basic block (ResNet-18/34): two 3x3 convs. x [B, H, W, C] -> [B, H/s, W/s, filters]."""

    filters: int
    conv: ModuleDef
    norm: ModuleDef
    act: Callable
    strides: tuple[int, int] = (1, 1)

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        residual = x
        y = self.conv(self.filters, (3, 3), self.strides)(x)
        y = self.act(self.norm()(y))
        y = self.conv(self.filters, (3, 3))(y)
        y = self.norm(scale_init=nn.initializers.zeros_init())(y)
        if residual.shape != y.shape:
            residual = self.conv(self.filters, (1, 1), self.strides, name="conv_proj")(residual)
            residual = self.norm(name="norm_proj")(residual)
        return self.act(residual + y)


class BottleneckResNetBlock(nn.Module):
    """Bottleneck block (ResNet-50+): 1x1, strided 3x3, 1x1 to 4x: [B, H, W, C] -> [B, H/s, W/s, 4F]."""

    filters: int
    conv: ModuleDef
    norm: ModuleDef
    act: Callable
    strides: tuple[int, int] = (1, 1)

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        residual = x
        y = self.act(self.norm()(self.conv(self.filters, (1, 1))(x)))
        y = self.act(self.norm()(self.conv(self.filters, (3, 3), self.strides)(y)))
        y = self.conv(self.filters * 4, (1, 1))(y)
        y = self.norm(scale_init=nn.initializers.zeros_init())(y)
        if residual.shape != y.shape:
            residual = self.conv(self.filters * 4, (1, 1), self.strides, name="conv_proj")(residual)
            residual = self.norm(name="norm_proj")(residual)
        return self.act(residual + y)


class ResNet(nn.Module):
    """ResNet v1: images [B, H, W, C] -> logits float32 [B, num_classes].

    Stem: 7x7 stride-2 conv + 3x3 stride-2 max-pool (ImageNet), or with `cifar_stem` one 3x3 stride-1
    conv and no pool (32x32 inputs). Stage i has `stage_sizes[i]` blocks of `num_filters * 2**i` filters,
    the first block of stages i > 0 striding by 2. Then global average pooling and a linear head.
    """

    stage_sizes: Sequence[int]
    block_cls: ModuleDef
    num_classes: int
    num_filters: int = 64
    cifar_stem: bool = False
    activation: str = "relu"
    dtype: Any = jnp.float32  # compute dtype; params and BatchNorm statistics stay float32
    backend: str = "cpu"  # XLA backend the program is built for; build_model sets jax.default_backend()

    def __post_init__(self):
        get_activation(self.activation)
        if int(self.num_filters) < 1 or not self.stage_sizes or any(int(n) < 1 for n in self.stage_sizes):
            raise ValueError(
                f"num_filters and stage_sizes must be positive, got {self.num_filters}, {self.stage_sizes}"
            )
        super().__post_init__()

    @nn.compact
    def __call__(self, x: jax.Array, *, train: bool = False) -> jax.Array:
        conv = partial(conv_for(self.backend), use_bias=False, dtype=self.dtype, kernel_init=lecun_normal)
        norm = partial(
            nn.BatchNorm, use_running_average=not train, momentum=0.9, epsilon=1e-5, dtype=self.dtype
        )
        act = get_activation(self.activation)

        x = x.astype(self.dtype)
        if self.cifar_stem:
            x = conv(self.num_filters, (3, 3), padding=[(1, 1), (1, 1)], name="conv_init")(x)
            x = act(norm(name="bn_init")(x))
        else:
            x = conv(self.num_filters, (7, 7), (2, 2), padding=[(3, 3), (3, 3)], name="conv_init")(x)
            x = act(norm(name="bn_init")(x))
            x = nn.max_pool(x, (3, 3), strides=(2, 2), padding="SAME")
        for i, block_size in enumerate(self.stage_sizes):
            for j in range(block_size):
                strides = (2, 2) if i > 0 and j == 0 else (1, 1)
                x = self.block_cls(self.num_filters * 2**i, strides=strides, conv=conv, norm=norm, act=act)(x)
        x = jnp.mean(x, axis=(1, 2))
        x = nn.Dense(self.num_classes, dtype=self.dtype, kernel_init=lecun_normal)(x)
        return x.astype(jnp.promote_types(self.dtype, jnp.float32))  # float64 stays (gradcheck)


ResNet18 = partial(ResNet, stage_sizes=(2, 2, 2, 2), block_cls=ResNetBlock)
ResNet34 = partial(ResNet, stage_sizes=(3, 4, 6, 3), block_cls=ResNetBlock)
ResNet50 = partial(ResNet, stage_sizes=(3, 4, 6, 3), block_cls=BottleneckResNetBlock)
ResNetTiny = partial(ResNet, stage_sizes=(1, 1), block_cls=ResNetBlock, num_filters=8, cifar_stem=True)
