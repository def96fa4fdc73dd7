"""The one config mechanism: ml_collections ConfigDicts from Python files, plus `--config.key=value` overrides.

An experiment config file defines `get_config()` returning `base_config()` with its fields filled in. The
config is locked after loading, so an override of a key that does not exist is an error, not a silent new
field. Overrides use the Flax / big_vision spelling: `--config.optimizer.learning_rate=3e-3`.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
from typing import Any

import ml_collections

from jaxdl.errors import UserError


def sweep_dict(values: dict[str, list] | None = None) -> ml_collections.ConfigDict:
    """A sweep: dotted config key -> list of values, e.g. {"optimizer.learning_rate": [1e-3, 1e-2]}."""
    return ml_collections.ConfigDict(values or {}, allow_dotted_keys=True)


def base_config() -> ml_collections.ConfigDict:
    """Every key the trainer reads, with defaults. Experiment configs start from this."""
    c = ml_collections.ConfigDict()
    c.seed = 0
    c.replicas = 1  # seeds trained together in one vmapped program
    c.sweep = sweep_dict()  # crossed with seeds: replicas * prod(len(values)) members
    # pipeline: "device" (the split on the device) | "grain" (streamed) | "auto": "grain" for splits larger
    # than device_budget_gb decoded; workers: Grain's decoding processes (jaxdl/data/pipeline.py)
    c.dataset = ml_collections.ConfigDict(dict(name="mnist1d", pipeline="auto", device_budget_gb=4.0, workers=2))
    c.data_dir = ""  # TFDS data dir; "" means $JAXDL_DATA_DIR, else ~/tensorflow_datasets
    c.model = ml_collections.ConfigDict(dict(name="mlp"))  # name + keyword arguments of the model
    # name + every task's keys (each task reads only its own; set them one by one, c.task.name = "vae", so the
    # others keep their defaults)
    c.task = ml_collections.ConfigDict(
        dict(
            name="classification",  # see jaxdl.tasks.TASKS
            label_smoothing=0.0,  # classification, classification_by_hand; gan: one-sided, real images
            likelihood="bernoulli",  # vae: bernoulli | gaussian
            obs_std=0.1,  # vae: the Gaussian likelihood's fixed observation std
            binarize="none",  # vae: none | threshold (at 0.5) | dynamic (a Bernoulli draw per step)
            iw_samples=0,  # vae: k of the importance-weighted NLL reported at evaluation (0: none)
            num_samples=1000,  # vae, gan: samples per replica written at the end (samples.npy)
            quality_score=True,  # vae, gan: score the samples with a classifier (sample_quality.json)
            scorer_steps=0,  # vae, gan: training steps of that classifier (0: its recipe's, jaxdl.sample_quality)
            d_lr_scale=1.0,  # gan: discriminator learning rate / generator's (TTUR)
            r1_weight=0.0,  # gan: gamma of the R1 gradient penalty on real images
            spectral_norm=False,  # gan: spectral normalisation of the discriminator's kernels
            g_ema=0.0,  # gan: decay of the generator's weight average that draws the samples (0: none)
            target="segmentation",  # segmentation: the dataset's per-pixel class map
            dice_weight=0.0,  # segmentation: weight of a soft Dice loss over the object classes, added to the CE
            top_k=20,  # detection: peaks decoded per image
            score_bins=1000,  # detection: score histogram bins of the mAP computation
            size_weight=0.1,  # detection: weight of the box-size L1 loss
            offset_weight=1.0,  # detection: weight of the centre-offset L1 loss
        )
    )
    c.optimizer = ml_collections.ConfigDict(
        dict(
            name="adam",  # sgd | momentum | nesterov | adam | adamw
            learning_rate=1e-3,
            momentum=0.9,  # momentum / nesterov
            b1=0.9,
            b2=0.999,
            eps=1e-8,
            weight_decay=0.0,  # decoupled for adamw, L2 added to the gradient otherwise
            clip_norm=0.0,  # global-norm gradient clipping; 0 disables
            schedule="constant",  # constant | cosine | warmup_cosine
            warmup_steps=0,
        )
    )
    c.batch_size = 100
    c.shuffle = True  # a new permutation of the training split every epoch; False: stored order every epoch
    c.steps = 1000
    c.log_every = 50  # train metrics are averaged over this many steps; also the compiled chunk length
    c.eval_every = 250  # must be a multiple of log_every
    c.eval_batch_size = 1000
    c.checkpoint_every = 0  # 0: at every evaluation; else a multiple of log_every
    c.keep_checkpoints = 3
    c.dtype = "float32"  # compute dtype: float32 | bfloat16
    # GPU: XLA's deterministic ops (--xla_gpu_deterministic_ops), so reruns repeat bit for bit at some cost in
    # speed; set by `jaxdl train/eval/bench` before jax starts its backend. No effect on CPU.
    c.deterministic = True
    # devices: {} one device (on CPU: the replicas split over one host device per core, jaxdl/train/mesh.py);
    # {"replica": 1} one device; else axis -> size over all devices, e.g. {"data": -1}, {"replica": 2, "data": 4}
    c.mesh = ml_collections.ConfigDict()
    # XLA options for every compiled program of the run (jax.jit's compiler_options), e.g.
    # {"xla_cpu_experimental_ynn_fusion_type": ""} (no YNNPACK dot fusions: faster for the MNIST-1D CNN on CPU)
    c.compiler_options = ml_collections.ConfigDict()
    return c


def load_config(path: str) -> ml_collections.ConfigDict:
    """Import `path`, call its `get_config()`, lock the result. Any failure is a UserError."""
    if not os.path.isfile(path):
        raise UserError(f"config file not found: {path}")
    spec = importlib.util.spec_from_file_location("jaxdl_user_config", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        if not hasattr(module, "get_config"):
            raise UserError(f"config file {path} defines no get_config()")
        config = module.get_config()
    except UserError:
        raise
    except Exception as e:  # a user's file may raise anything; report it in one line
        raise UserError(f"config file {path} raised {type(e).__name__}: {e}") from None
    if not isinstance(config, ml_collections.ConfigDict):
        raise UserError(f"get_config() in {path} must return an ml_collections.ConfigDict")
    config.lock()
    return config


# A dict given for one of these is merged into the config's dict: `--config.optimizer="{'name': 'sgd'}"` is
# `--config.optimizer.name=sgd`; the optimizer's keys are fixed, a task or dataset may take keys of its own.
MERGED = ("optimizer", "task", "dataset")
# A dict given for one of these replaces it, so it must say what it builds.
NAMED = ("model",)


def parse_value(text: str) -> Any:
    """Parse an override value as a Python literal (1e-3, 5, True, [1, 2], {"a": 1}); else keep the string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def did_you_mean(name: str, keys) -> str:
    """The hint " (did you mean 'learning_rate'?)" for a near miss of `name` among `keys`, else ""."""
    import difflib

    close = difflib.get_close_matches(name, list(keys), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _did_you_mean(node, name: str) -> str:
    """`did_you_mean` among `node`'s keys ("" when node is no ConfigDict)."""
    return did_you_mean(name, node.keys()) if isinstance(node, ml_collections.ConfigDict) else ""


def apply_override(config: ml_collections.ConfigDict, key: str, text: str) -> None:
    """Set dotted `key` (e.g. "optimizer.learning_rate") to the parsed `text`, keeping the field's type."""
    *parents, leaf = key.split(".")
    node = config
    for i, name in enumerate(parents):
        if not isinstance(node, ml_collections.ConfigDict) or name not in node:
            raise UserError(f"unknown config key: {'.'.join(parents[: i + 1])}{_did_you_mean(node, name)}")
        node = node[name]
    value = parse_value(text)
    if parents == ["dataset"] and leaf not in node:  # a dataset's own option (path, max_len, augment, ...):
        _add(node, leaf, value)  # checked against the dataset's reader once its name is final (train/setup.py)
        return
    if not isinstance(node, ml_collections.ConfigDict) or leaf not in node:
        raise UserError(f"unknown config key: {key}{_did_you_mean(node, leaf)}")
    old = node[leaf]
    if isinstance(old, ml_collections.ConfigDict):
        if not isinstance(value, dict):
            raise UserError(f"config key {key} takes a dict, got {text!r}")
        if key in MERGED:  # a partial dict must not drop the keys the trainer reads (schedule, name, ...)
            for k, v in value.items():
                if not isinstance(k, str) or (key == "optimizer" and k not in old):
                    raise UserError(f"unknown config key: {key}.{k}")
                if k in old:
                    apply_override(config, f"{key}.{k}", repr(v))
                else:
                    _add(old, k, v)
            return
        if key in NAMED and "name" not in value:
            raise UserError(f"config key {key} takes a dict with a 'name', got {text!r}")
        value = sweep_dict(value) if key == "sweep" else ml_collections.ConfigDict(value)
    elif isinstance(old, bool) and not isinstance(value, bool):
        if str(value).lower() not in ("true", "false"):  # true/false as well as Python's True/False
            raise UserError(f"config key {key} takes True or False, got {text!r}")
        value = str(value).lower() == "true"
    elif isinstance(old, float) and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    elif isinstance(old, str) and old == "" and value is None:
        value = ""
    try:
        with node.unlocked():
            node[leaf] = value
    except (TypeError, ValueError) as e:
        kind = type(old).__name__
        raise UserError(f"config key {key} takes a {kind}, got {text!r}") from e


def _add(node: ml_collections.ConfigDict, key: str, value: Any) -> None:
    """A task's or dataset's own keyword argument, absent from the defaults (e.g. a text dataset's max_len)."""
    with node.unlocked():
        node[key] = ml_collections.ConfigDict(value) if isinstance(value, dict) else value


def apply_overrides(config: ml_collections.ConfigDict, overrides: list[tuple[str, str]]) -> None:
    for key, text in overrides:
        apply_override(config, key, text)


def to_json(config: ml_collections.ConfigDict) -> str:
    """Canonical JSON of the resolved config (sorted keys), the run directory's config.json."""
    return json.dumps(json.loads(config.to_json()), indent=2, sort_keys=True) + "\n"


def _with_defaults(values: dict, defaults: dict) -> dict:
    """`values` plus, recursively, the keys of `defaults` it lacks."""
    out = dict(values)
    for key, default in defaults.items():
        if key not in out:
            out[key] = default
        elif isinstance(default, dict) and isinstance(out[key], dict):
            out[key] = _with_defaults(out[key], default)
    return out


def config_from_json(text: str) -> ml_collections.ConfigDict:
    """The locked config a run directory's config.json (from `to_json`) describes.

    JSON has no tuples: lists become tuples again (model sizes such as hidden_sizes are tuples in configs),
    except the sweep's value lists. A key the file lacks (a run written before the key existed) gets its
    `base_config` default, which keeps the behaviour of that time; model and dataset keys (their own, resolved
    per model and dataset) are left as read.
    """

    def tuples(x):
        if isinstance(x, dict):
            return {k: tuples(v) for k, v in x.items()}
        return tuple(tuples(v) for v in x) if isinstance(x, list) else x

    try:
        values = json.loads(text)
        sweep = values.pop("sweep", {})
        defaults = json.loads(base_config().to_json())
        del defaults["model"], defaults["sweep"], defaults["dataset"]  # per model, per dataset
        values = _with_defaults(values, defaults)
        config = ml_collections.ConfigDict(tuples(values))
        config.sweep = sweep_dict(sweep)
    except (ValueError, TypeError, AttributeError) as e:
        raise UserError(f"config.json is not a jaxdl config: {type(e).__name__}: {e}") from None
    config.lock()
    return config
