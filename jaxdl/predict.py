"""`jaxdl predict --workdir DIR [--replica R] QUERY ...`: a trained seq2seq run's greedy answers to queries
such as "123+45" (datasets with a character codec: jaxdl.tasks.seq2seq.CODECS).

Parameters come from the run's newest good checkpoint through `restore_run`, as for `jaxdl transcribe`
(its CTC counterpart); replica 0, the run's first seed, unless `--replica` says otherwise.
"""

from __future__ import annotations

import sys

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.errors import UserError
from jaxdl.tasks.seq2seq import CODECS
from jaxdl.train.evaluate_checkpoint import restore_run
from jaxdl.train.loop import diverged_mask
from jaxdl.transcribe import check_replica, load_run_config


def predict(workdir: str, queries: list[str], replica: int = 0) -> list[str]:
    """One answer per query, by replica `replica` of the run's newest good checkpoint. Bad input (a
    character outside the dataset's vocabulary, a query too long) raises UserError before the restore."""
    config = load_run_config(workdir, "seq2seq", "predict")
    codec = CODECS.get(config.dataset.name)
    if codec is None:
        raise UserError(f"predict reads queries as characters of {', '.join(CODECS)}; {workdir} is a run on "
                        f"{config.dataset.name!r}")
    check_replica(config, workdir, replica)
    ids = np.stack([codec.encode_query(q, config.dataset.name) for q in queries])  # int32 [N, input_len]
    exp, _, states, step, path = restore_run(workdir)
    if diverged_mask(states, step)[replica]:
        print(f"jaxdl: warning: replica {replica} diverged; its parameters are from before that ({path})",
              file=sys.stderr)
    params = jax.tree_util.tree_map(lambda a: a[replica], states.params)
    answers = jax.jit(exp.task.answer, static_argnums=2)(params, jnp.asarray(ids),
                                                         exp.dataset.test["targets"].shape[1])
    return [codec.decode(a) for a in jax.device_get(answers)]
