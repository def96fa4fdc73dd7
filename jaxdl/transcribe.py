"""`jaxdl transcribe --workdir DIR FILE.wav ...`: transcripts of WAV files from a trained CTC run.

Parameters come from `restore_params`. Run directories do not hold orbax checkpoints yet (another branch
adds <workdir>/checkpoints); until then the CTC task saves every replica's final parameters in
<workdir>/final_params.msgpack (`jaxdl.tasks.ctc.PARAMS_FILE`) at the end of training, and this reads them.
STOPGAP: when checkpoints land, restore the newest checkpoint's `states.params` here instead.
"""

from __future__ import annotations

import json
import os

import flax
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from jaxdl.data import audio
from jaxdl.data.speech import NUM_CTC_CLASSES, decode_tokens, features_of
from jaxdl.errors import UserError
from jaxdl.models import build_model_from_config
from jaxdl.tasks.ctc import PARAMS_FILE
from jaxdl.tasks.ctc_decode import beam_search, greedy_decode


def load_run_config(workdir: str) -> ml_collections.ConfigDict:
    path = os.path.join(workdir, "config.json")
    if not os.path.isfile(path):
        raise UserError(f"{workdir} is not a jaxdl run directory (no config.json)")
    with open(path) as f:
        config = ml_collections.ConfigDict(json.load(f))
    if config.task.name != "ctc":
        raise UserError(f"{workdir} is a {config.task.name!r} run; transcribe needs a 'ctc' run")
    return config


def restore_params(workdir: str, model, example: np.ndarray, replica: int = 0):
    """Parameters of `replica` of the finished run in workdir (STOPGAP file, see the module docstring)."""
    path = os.path.join(workdir, PARAMS_FILE)
    if not os.path.isfile(path):
        raise UserError(f"no trained parameters in {workdir} ({PARAMS_FILE}); has the run finished?")
    lengths = jnp.array([example.shape[0]], jnp.int32)
    one = jax.eval_shape(lambda: model.init(jax.random.PRNGKey(0), example[None], lengths)["params"])
    with open(path, "rb") as f:
        raw = flax.serialization.msgpack_restore(f.read())
    replicas = jax.tree_util.tree_leaves(raw)[0].shape[0]
    if not 0 <= replica < replicas:
        raise UserError(f"replica {replica} not in the run (it has {replicas})")
    picked = jax.tree_util.tree_map(lambda a: np.asarray(a)[replica], raw)
    try:
        return flax.serialization.from_state_dict(jax.tree_util.tree_map(np.zeros_like, one), picked)
    except (ValueError, KeyError) as e:
        raise UserError(f"{path} does not match the run's model ({e})") from None


def transcribe(workdir: str, paths: list[str], beam_width: int = 0, replica: int = 0) -> list[str]:
    """One transcript per WAV file (16 kHz): greedy decoding, or prefix beam search when beam_width > 0."""
    config = load_run_config(workdir)
    waves = [audio.read_wav(p) for p in paths]  # every file checked before any work
    model = build_model_from_config(config.model, NUM_CTC_CLASSES, config.dtype)
    frames = [features_of(w) for w in waves]
    params = restore_params(workdir, model, frames[0], replica)
    apply = jax.jit(lambda p, x, n: model.apply({"params": p}, x, n))
    out = []
    for f in frames:
        logits, lengths = apply(params, jnp.asarray(f[None]), jnp.array([len(f)], jnp.int32))
        if beam_width > 0:
            log_probs = np.asarray(jax.nn.log_softmax(logits[0, : int(lengths[0])]))
            out.append(decode_tokens(beam_search(log_probs, beam_width)))
        else:
            tokens, count = greedy_decode(logits, lengths)
            out.append(decode_tokens(np.asarray(tokens[0, : int(count[0])])))
    return out
