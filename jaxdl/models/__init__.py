"""Model registry: `build_model(name, num_classes, **kwargs)` from a config's plain values.

Every entry of MODELS documents its output contract in its class docstring. The classifiers (mlp ...
speech_keywords) are linen Modules called as `model.apply(variables, x, train=bool, rngs=..., mutable=...)`
that return float32 logits [B, num_classes]; the dense models (unet, centernet), the sequence models
(seq2seq, speech_rnn) and the generative ones (vae, dcgan) say what they return instead. Dropout draws from
the 'dropout' rng stream; BatchNorm statistics live in the 'batch_stats' collection.

The task supplies what the data decides (`SUPPLIED`: num_classes, or image_shape and the VAE's likelihood);
the config supplies the rest. A model raises ValueError on a bad value; build_model reports it as a one-line
UserError.

A model outside jaxdl is named by import path, `model.name="my_pkg.my_module:MyModel"` (a linen Module
class; `import_model`): its fields are its options, as for the registered ones.
"""

import contextlib
import contextvars
import dataclasses
import importlib
import os
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxdl.errors import UserError
from jaxdl.models.activations import ACTIVATIONS, get_activation
from jaxdl.models.cnn import ConvNet
from jaxdl.models.detector import CenterNet
from jaxdl.models.gan import DCGAN
from jaxdl.models.mlp import MLP
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
from jaxdl.models.vae import VAE

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
    "vae": VAE,  # (reconstruction [B, H, W, C], mean, logvar [B, latent_dim]) of images (see vae.py)
    "dcgan": DCGAN,  # a generator and a discriminator, trained as two players (see gan.py)
}

# compute dtype names (config.dtype) -> jax dtypes: the one table
DTYPES = {"float32": jnp.float32, "bfloat16": jnp.bfloat16}
# Fields the task or build_model fills in, never config options.
SUPPLIED = frozenset({"num_classes", "image_shape", "likelihood", "backend"})

# Fields that define a registered architecture: set by its entry above, never overridable from a config.
_STRUCTURAL = frozenset({"ndim", "stage_sizes", "block_cls", "hidden_sizes"})
# Fields that would do nothing for a registered model (logistic regression has no hidden layer).
_INERT = {"logreg": {"activation", "residual", "dropout"}}


def is_import_path(name: Any) -> bool:
    """True for a model named by import path, "module.path:Attribute"."""
    return isinstance(name, str) and ":" in name


def import_model(name: str, search: tuple[str, ...] | list[str] = ()) -> Callable[..., nn.Module]:
    """The class an import path "my_pkg.my_module:MyModel" names; UserError (one line) when it cannot.

    The module is imported from sys.path, else from the first directory of `search` that holds it (the
    config file's, the one a run recorded: `import_root`); it stays imported (sys.modules), so later look-ups
    of the same path need no `search`.
    """
    module_name, _, attr = name.partition(":")
    if not module_name or not attr:
        raise UserError(f"model {name!r}: an import path is 'module.path:ClassName'")
    try:
        module = sys.modules.get(module_name) or _import(module_name, [os.path.abspath(d) for d in search if d])
    except Exception as e:  # the user's module may raise anything while it is imported
        where = f" (looked in sys.path and {', '.join(search)})" if search else ""
        raise UserError(f"cannot import model {name!r}: {type(e).__name__}: {e}{where}") from None
    factory = getattr(module, attr, None)
    if not (isinstance(factory, type) and issubclass(factory, nn.Module)):
        raise UserError(f"model {name!r}: {module_name} has no linen Module class {attr!r}")
    return factory


def _import(module_name: str, search: list[str]):
    """import_module(module_name), from sys.path, else with each `search` directory in turn put first."""
    for directory in [None, *search]:
        if directory:  # kept on sys.path once the module is found there: its own imports look there too
            sys.path.insert(0, directory)
        try:
            return importlib.import_module(module_name)
        except ModuleNotFoundError as e:  # the module itself is missing (not one that it imports): look on
            if directory:
                sys.path.remove(directory)
            if directory == ([None, *search])[-1] or not f"{module_name}.".startswith(f"{e.name}."):
                raise


def import_root(name: str) -> str | None:
    """The sys.path directory the module of an imported model came from (what a run records in env.json so
    that `jaxdl eval`, `plot`, `transcribe` and notebooks import it again), or None for a registered model."""
    module = sys.modules.get(name.partition(":")[0]) if is_import_path(name) else None
    path = getattr(module, "__file__", None)
    if not path:
        return None
    root = os.path.dirname(os.path.abspath(path))
    depth = module.__name__.count(".") + (os.path.basename(path) == "__init__.py")
    for _ in range(depth):
        root = os.path.dirname(root)
    return root


def _factory(name: str) -> Callable[..., nn.Module]:
    return import_model(name) if is_import_path(name) else MODELS[name]


# the backend models are built for inside `built_for` (None: this process's default backend)
_TARGET_BACKEND: contextvars.ContextVar[str | None] = contextvars.ContextVar("jaxdl_target_backend", default=None)


@contextlib.contextmanager
def built_for(backend: str):
    """Models built inside this block use `backend`'s implementations, e.g. "tpu" for a compile-only TPU
    target (jaxdl/bench/aot.py) while this process computes on the CPU."""
    token = _TARGET_BACKEND.set(backend)
    try:
        yield
    finally:
        _TARGET_BACKEND.reset(token)


def _fields(name: str) -> list[str]:
    factory = _factory(name)
    cls = factory.func if isinstance(factory, partial) else factory
    return [f.name for f in dataclasses.fields(cls) if f.init]


def model_kwargs(name: str) -> list[str]:
    """The keyword arguments `build_model(name, ...)` accepts from a config (not the SUPPLIED ones)."""
    factory = _factory(name)
    fixed = set(factory.keywords) & _STRUCTURAL if isinstance(factory, partial) else set()
    skip = {"parent", "name"} | SUPPLIED | fixed | _INERT.get(name, set())
    return [f for f in _fields(name) if f not in skip]


def model_defaults(name: str) -> dict[str, Any]:
    """The value of every option a config may set for model `name` (`model_kwargs`) when the config leaves it
    out: the registry entry's own (e.g. cnn2d's channels) over the module's field defaults. The compute dtype
    is not among them (it is config.dtype). What a run's config.json records for the options not set."""
    factory = _factory(name)
    cls, fixed = (factory.func, factory.keywords) if isinstance(factory, partial) else (factory, {})
    defaults = {f.name: fixed.get(f.name, f.default) for f in dataclasses.fields(cls)}
    # an imported model's field without a default is the config's to set (build_model says when it is not)
    return {k: defaults[k] for k in model_kwargs(name) if k != "dtype" and defaults[k] is not dataclasses.MISSING}


def _plain(value: Any) -> Any:
    """Lists (as ConfigDicts and JSON give them) become tuples, so modules hold hashable values."""
    return tuple(_plain(v) for v in value) if isinstance(value, list | tuple) else value


def build_model(name: str, num_classes: int | None = None, **kwargs: Any) -> nn.Module | DCGAN:
    """The registered model `name` (a linen Module; for "dcgan" the DCGAN pair); bad name, kwarg or value ->
    UserError.

    num_classes: for the models that have outputs per class. Other SUPPLIED fields come as kwargs:
    image_shape (H, W) or (H, W, C) (a missing channel axis becomes 1), likelihood. `dtype` may be a string
    (a key of DTYPES); it is the compute dtype only. `backend` (default jax.default_backend()) picks the
    implementations the model's program uses: jaxdl/models/conv.py, jaxdl/models/gru_layer.py.
    """
    if name not in MODELS and not is_import_path(name):
        raise UserError(f"unknown model {name!r}; choose one of: {', '.join(MODELS)}, or an import path "
                        "'my_pkg.my_module:MyModel'")
    allowed, fields = model_kwargs(name), _fields(name)
    if "dtype" not in fields and kwargs.get("dtype") == "float32":  # an imported model without the option
        kwargs.pop("dtype")
    unknown = sorted(set(kwargs) - set(allowed) - (SUPPLIED & set(fields)))
    if unknown:
        raise UserError(f"model {name!r} has no option {', '.join(unknown)}; valid: {', '.join(allowed)}")
    if "num_classes" in fields:
        if not isinstance(num_classes, int) or num_classes < 1:
            raise UserError(f"num_classes must be a positive int, got {num_classes!r}")
        kwargs["num_classes"] = num_classes
    kwargs = {k: _plain(v) for k, v in kwargs.items()}
    if "image_shape" in kwargs:
        shape = tuple(int(s) for s in kwargs["image_shape"])
        kwargs["image_shape"] = (*shape, 1) if len(shape) == 2 else shape
    if isinstance(kwargs.get("dtype"), str):
        if kwargs["dtype"] not in DTYPES:
            raise UserError(f"unknown dtype {kwargs['dtype']!r}; choose one of: {', '.join(DTYPES)}")
        kwargs["dtype"] = DTYPES[kwargs["dtype"]]
    if "backend" in fields:  # implementations for this machine (jaxdl/models/conv.py, gru_layer.py)
        kwargs.setdefault("backend", _TARGET_BACKEND.get() or jax.default_backend())
    try:
        return _factory(name)(**kwargs)
    except (TypeError, ValueError) as e:  # a model's own check, or e.g. a string where an int belongs
        raise UserError(f"bad option for model {name!r}: {e}") from None


def build_model_from_config(model_cfg, num_classes: int | None = None, dtype: str = "float32",
                            **supplied: Any) -> nn.Module | DCGAN:
    """`build_model` from a config's `model` dict (name + options), the run's compute dtype name and what
    the task supplies (`supplied`: e.g. image_shape, likelihood)."""
    kwargs = dict(model_cfg)
    name = kwargs.pop("name", None)
    if "dtype" in kwargs:
        raise UserError("set the compute dtype with --config.dtype, not inside config.model")
    if (name in MODELS or is_import_path(name)) and SUPPLIED & set(kwargs):  # the task and the machine decide these
        raise UserError(f"model {name!r} has no option {', '.join(sorted(SUPPLIED & set(kwargs)))}; "
                        f"valid: {', '.join(model_kwargs(name))}")
    return build_model(name, num_classes, dtype=dtype, **kwargs, **supplied)


__all__ = [
    "build_model_from_config",
    "ACTIVATIONS",
    "DTYPES",
    "MODELS",
    "MLP",
    "BottleneckResNetBlock",
    "ConvNet",
    "ResNet",
    "ResNetBlock",
    "RNNClassifier",
    "build_model",
    "get_activation",
    "import_model",
    "import_root",
    "is_import_path",
    "model_defaults",
    "model_kwargs",
]
