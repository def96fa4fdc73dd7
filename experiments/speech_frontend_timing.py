"""Log-mel features at build time or inside the compiled step? Times one CTC training step of the
spoken_digits_ctc model on a batch of precomputed features, and on raw 16 kHz audio featurised in-graph
(`jaxdl.data.audio.log_mel` with jax.numpy, vmapped), after compiling each once.

    python experiments/speech_frontend_timing.py [--batch 32] [--repeats 10]
"""

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np

import jaxdl.platform
from jaxdl.config import load_config
from jaxdl.data import audio
from jaxdl.models import build_model_from_config
from jaxdl.tasks.ctc import CTCTask
from jaxdl.train.optim import make_optimizer
from jaxdl.train.step import train_step


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    config = load_config("experiments/configs/spoken_digits_ctc.py")
    task = CTCTask(build_model_from_config(config.model, 11), make_optimizer(config.optimizer, config.steps))
    samples = 395 * audio.HOP + audio.WINDOW  # the longest utterance of spoken_digits: 395 frames
    rng = np.random.default_rng(0)
    waves = rng.standard_normal((args.batch, samples)).astype(np.float32) * 0.1
    labels = {"labels": jnp.asarray(rng.integers(1, 11, (args.batch, 7)), jnp.int32),
              "label_lengths": jnp.full((args.batch,), 7, jnp.int32)}
    lengths = jnp.full((args.batch,), audio.num_frames(samples), jnp.int32)
    feats = jnp.asarray(np.stack([audio.log_mel(w) for w in waves]))
    featurise = jax.vmap(lambda w: audio.log_mel(w, jnp))
    state = task.init(jax.random.PRNGKey(0), {"inputs": feats, "input_lengths": lengths, **labels})

    stored = jax.jit(lambda s, x: train_step(task, s, {"inputs": x, "input_lengths": lengths, **labels}))
    in_graph = jax.jit(lambda s, w: train_step(task, s, {"inputs": featurise(w), "input_lengths": lengths, **labels}))
    for name, fn, x in (("stored features", stored, feats), ("in-graph log-mel", in_graph, jnp.asarray(waves))):
        jax.block_until_ready(fn(state, x))
        t = time.perf_counter()
        for _ in range(args.repeats):
            jax.block_until_ready(fn(state, x))
        print(f"{name:>18}: {(time.perf_counter() - t) / args.repeats * 1e3:8.1f} ms/step (batch {args.batch})")
    t = time.perf_counter()
    jax.block_until_ready(jax.jit(featurise)(jnp.asarray(waves)))
    print(f"featurisation alone (incl. compile): {(time.perf_counter() - t) * 1e3:.1f} ms")


if __name__ == "__main__":
    jaxdl.platform.configure()  # XLA_FLAGS as `jaxdl train` sets them, before jax starts
    main()
