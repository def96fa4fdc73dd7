"""`jaxdl transcribe --workdir DIR [--replica R] [--beam W] FILE.wav ...`: transcripts of WAV files from a
trained CTC run.

Parameters come from the run's newest good checkpoint through `restore_run` (the one restore path, as for
`jaxdl eval`). A run of K replicas holds K models; `--replica` picks one, default 0: the run's first seed,
a fixed choice rather than the best by a test metric (picking on the test split would make its numbers
optimistic). Restoring rebuilds the run's experiment, so it loads the run's dataset from the data dir
the run recorded (one line, exit 2, when it is gone from there).
"""

from __future__ import annotations

import os
import sys

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from jaxdl.config import config_from_json
from jaxdl.data import audio
from jaxdl.data.speech import decode_tokens, features_of
from jaxdl.errors import UserError
from jaxdl.tasks.ctc_decode import beam_search, greedy_decode
from jaxdl.train.evaluate_checkpoint import restore_run
from jaxdl.train.loop import diverged_mask
from jaxdl.train.replicas import layout


def load_run_config(workdir: str, task: str = "ctc", command: str = "transcribe") -> ml_collections.ConfigDict:
    """The run's config, checked to be a run of `task` (before the costlier restore)."""
    path = os.path.join(workdir, "config.json")
    if not os.path.isfile(path):
        raise UserError(f"{workdir} is not a jaxdl run directory (no config.json)")
    with open(path) as f:
        config = config_from_json(f.read())
    if config.task.name != task:
        raise UserError(f"{workdir} is a {config.task.name!r} run; {command} needs a {task!r} run")
    return config


def check_replica(config: ml_collections.ConfigDict, workdir: str, replica: int) -> None:
    replicas = len(layout(config))
    if not 0 <= replica < replicas:
        raise UserError(f"replica {replica} is not in {workdir} (it has {replicas}: 0..{replicas - 1})")


def transcribe(workdir: str, paths: list[str], beam_width: int = 0, replica: int = 0) -> list[str]:
    """One transcript per WAV file (16 kHz), by replica `replica` of the run's newest good checkpoint:
    greedy decoding, or prefix beam search when beam_width > 0. Bad input raises UserError before any work."""
    if beam_width < 0:
        raise UserError(f"--beam must be >= 0 (0: greedy decoding), got {beam_width}")
    check_replica(load_run_config(workdir), workdir, replica)
    waves = [audio.read_wav(p) for p in paths]  # every file checked before the restore
    exp, _, states, step, path = restore_run(workdir)
    if diverged_mask(states, step)[replica]:
        print(f"jaxdl: warning: replica {replica} diverged; its parameters are from before that ({path})",
              file=sys.stderr)
    params = jax.tree_util.tree_map(lambda a: a[replica], states.params)
    apply = jax.jit(lambda p, x, n: exp.task.apply(p, {"inputs": x, "input_lengths": n}))
    out = []
    for f in (features_of(w) for w in waves):  # f: float32 [F, 40]
        logits, lengths = apply(params, jnp.asarray(f[None]), jnp.array([len(f)], jnp.int32))
        if beam_width > 0:
            log_probs = np.asarray(jax.nn.log_softmax(logits[0, : int(lengths[0])]))
            out.append(decode_tokens(beam_search(log_probs, beam_width)))
        else:
            tokens, count = greedy_decode(logits, lengths)
            out.append(decode_tokens(np.asarray(tokens[0, : int(count[0])])))
    return out
