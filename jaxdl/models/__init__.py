"""Model registry: `build_model(name, num_classes, **kwargs)` from a config's plain values.

Every model is a linen Module called as `model.apply(variables, x, train=bool, rngs=..., mutable=...)`
and returns float32 logits [B, num_classes]. Dropout draws from the 'dropout' rng stream; BatchNorm
statistics live in the 'batch_stats' collection.
"""

import dataclasses
from collections.abc import Callable
from functools import partial
from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from jaxdl.errors import UserError
from jaxdl.models.activations import ACTIVATIONS, get_activation
from jaxdl.models.cnn import ConvNet
from jaxdl.models.detector import CenterNet
from jaxdl.models.mlp import MLP
from jaxdl.models.options import check_options
from jaxdl.models.resnet import (
    BottleneckResNetBlock,
    ResNet,
    ResNet18,
    ResNet34,
    ResNet50,
    ResNetBlock,
    ResNetTiny,
)
from jaxdl.models.rnn import RNNClassifier
from jaxdl.models.seq2seq import Seq2Seq
from jaxdl.models.speech import SpeechRNN
from jaxdl.models.unet import UNet

MODELS: dict[str, Callable[..., nn.Module]] = {
    "mlp": MLP,
    "logreg": partial(MLP, hidden_sizes=()),
    "cnn1d": partial(ConvNet, ndim=1),  # the MNIST-1D paper's ConvBase by default
    "cnn2d": partial(
        ConvNet,
        ndim=2,
        channels=(32, 64),
        kernel_sizes=(3, 3),
        strides=1,
        padding="SAME",
        pool="avg",
        hidden=(256,),
    ),  # the flax examples/mnist CNN
    "resnet18": ResNet18,
    "resnet34": ResNet34,
    "resnet50": ResNet50,
    "resnet_tiny": ResNetTiny,
    "rnn": RNNClassifier,
    # the MNIST-1D paper's GRU: bidirectional, hidden 6, all 40 steps flattened into one linear layer
    "gru_mnist1d": partial(RNNClassifier, cell="gru", hidden_size=6, bidirectional=True, head="flatten"),
    "seq2seq": Seq2Seq,
    "lstm_text": partial(RNNClassifier, cell="lstm", bidirectional=True, head="mean", vocab_size=20000),
    "unet": UNet,  # dense: per-pixel logits [B, H, W, num_classes]
    "centernet": CenterNet,  # dense: {"heatmap", "size", "offset"} maps at stride 4 (see detector.py)
    # log-mel frames -> conv front end -> bidirectional GRU -> per-frame logits (CTC) or a mean-pooled class
    "speech_rnn": SpeechRNN,
    "speech_keywords": partial(SpeechRNN, head="mean"),
}

# Fields that define a registered architecture: set by its entry above, never overridable from a config.
_STRUCTURAL = frozenset({"ndim", "stage_sizes", "block_cls", "hidden_sizes"})
# Fields that would do nothing for a registered model (logistic regression has no hidden layer).
_INERT = {"logreg": {"activation", "residual", "dropout"}}
_DTYPES = {"float32": jnp.float32, "bfloat16": jnp.bfloat16, "float16": jnp.float16}


def model_kwargs(name: str) -> list[str]:
    """The keyword arguments `build_model(name, ...)` accepts besides num_classes."""
    factory = MODELS[name]
    fixed = set(factory.keywords) & _STRUCTURAL if isinstance(factory, partial) else set()
    cls = factory.func if isinstance(factory, partial) else factory
    skip = {"parent", "name", "num_classes"} | fixed | _INERT.get(name, set())
    return [f.name for f in dataclasses.fields(cls) if f.name not in skip and f.init]


def _plain(value: Any) -> Any:
    """Lists (as ConfigDicts and JSON give them) become tuples, so modules hold hashable values."""
    return tuple(_plain(v) for v in value) if isinstance(value, list | tuple) else value


def build_model(name: str, num_classes: int, **kwargs: Any) -> nn.Module:
    """The registered model `name` with `num_classes` outputs; bad name, kwarg or value -> UserError.

    `dtype` may be a string ("float32", "bfloat16", "float16"); it is the compute dtype only.
    """
    if name not in MODELS:
        raise UserError(f"unknown model {name!r}; choose one of: {', '.join(MODELS)}")
    check_options(name, kwargs, model_kwargs(name))
    if not isinstance(num_classes, int) or num_classes < 1:
        raise UserError(f"num_classes must be a positive int, got {num_classes!r}")
    kwargs = {k: _plain(v) for k, v in kwargs.items()}
    if isinstance(kwargs.get("dtype"), str):
        if kwargs["dtype"] not in _DTYPES:
            raise UserError(f"unknown dtype {kwargs['dtype']!r}; choose one of: {', '.join(_DTYPES)}")
        kwargs["dtype"] = _DTYPES[kwargs["dtype"]]
    try:
        return MODELS[name](num_classes=num_classes, **kwargs)
    except (TypeError, ValueError) as e:  # e.g. a string where an int belongs
        raise UserError(f"bad option for model {name!r}: {e}") from None


def build_model_from_config(model_cfg, num_classes: int, dtype: str = "float32") -> nn.Module:
    """`build_model` from a config's `model` dict (name + options) and the run's compute dtype name."""
    kwargs = dict(model_cfg)
    name = kwargs.pop("name", None)
    if "dtype" in kwargs:
        raise UserError("set the compute dtype with --config.dtype, not inside config.model")
    return build_model(name, num_classes=num_classes, dtype=dtype, **kwargs)


__all__ = [
    "build_model_from_config",
    "ACTIVATIONS",
    "MODELS",
    "MLP",
    "BottleneckResNetBlock",
    "ConvNet",
    "ResNet",
    "ResNetBlock",
    "RNNClassifier",
    "build_model",
    "get_activation",
    "model_kwargs",
]
