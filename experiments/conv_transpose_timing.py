"""Trainer steps/s with flax's nn.ConvTranspose ("old") against jaxdl's CPU ConvTranspose ("new"), back to back.

    python experiments/conv_transpose_timing.py experiments/configs/digits_dcgan.py --replicas 3 --steps 50

Builds the config's experiment twice on its real data, once with the models' ConvTranspose swapped for
flax's (the XLA transposed convolution: an input-dilated, and under vmap grouped, convolution) and once as
they are (jaxdl/models/conv.py: one im2col matmul per layer), compiles the trainer's chunk of `--steps`
steps for each (as `jaxdl bench` does), and times the two chunks in interleaved rounds. Prints steps/s (wall,
median of the rounds) and CPU seconds per step of each; the ratio is what to quote on a shared machine.
"""

from __future__ import annotations

import argparse
import time

from jaxdl import platform
from jaxdl.config import load_config


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("config")
    p.add_argument("--replicas", type=int, default=3)
    p.add_argument("--steps", type=int, default=20, help="steps per timed chunk")
    p.add_argument("--rounds", type=int, default=3, help="timed rounds after one warm-up chunk each")
    args = p.parse_args(argv)
    platform.configure()  # before jax starts its backend, as `jaxdl train` does

    import flax.linen as nn
    import jax

    import jaxdl.models.detector
    import jaxdl.models.gan
    import jaxdl.models.unet
    from jaxdl.bench.bench import trainer_run
    from jaxdl.train.setup import build_experiment

    users = (jaxdl.models.detector, jaxdl.models.gan, jaxdl.models.unet)  # the models that upsample
    ours = jaxdl.models.unet.ConvTranspose
    flax_ct = lambda *a, backend=None, **kw: nn.ConvTranspose(*a, **kw)  # noqa: E731 (same parameters)
    runs = {}
    for name, layer in (("old", flax_ct), ("new", ours)):
        for module in users:
            module.ConvTranspose = layer
        config = load_config(args.config)
        config.replicas, config.log_every, config.eval_every = args.replicas, args.steps, args.steps
        run = trainer_run(build_experiment(config), args.steps)  # traced and compiled here, with `layer`
        runs[name] = {"run": run, "states": jax.block_until_ready(run["run"](run["states"])), "times": []}
    for module in users:
        module.ConvTranspose = ours
    for _ in range(args.rounds):
        for r in runs.values():
            wall, cpu = time.perf_counter(), time.process_time()
            r["states"] = jax.block_until_ready(r["run"]["run"](r["states"]))
            r["times"].append((time.perf_counter() - wall, time.process_time() - cpu))
    for name, r in runs.items():
        wall = sorted(t for t, _ in r["times"])[len(r["times"]) // 2]
        cpu = sorted(c for _, c in r["times"])[len(r["times"]) // 2]
        print(f"{name}: {args.steps / wall:.1f} steps/s, {1e3 * cpu / args.steps:.1f} ms CPU per step, "
              f"compile {r['run']['compile_s']:.1f} s ({args.config}, {args.replicas} replicas)")


if __name__ == "__main__":
    main()
