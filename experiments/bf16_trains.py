"""Does a short bf16 run train? For every model family on its embedded dataset (no download): the trainer's
programs (jaxdl.train.loop) with config.dtype = "bfloat16" (compute; parameters stay float32), STEPS steps
from the config's recipe, mean loss of the first and last 10 steps of replica 0.

    python experiments/bf16_trains.py [--steps 100] [--only mlp,unet]

Prints a markdown table; its measured output is in experiments/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import sys

import jaxdl.platform

HERE = os.path.dirname(os.path.abspath(__file__))
# (family, config, overrides): one config per model family whose dataset is embedded
RUNS = [
    ("mlp", "mnist1d_mlp", {}),
    ("cnn1d", "mnist1d_cnn", {}),
    ("gru", "mnist1d_gru", {}),
    ("cnn2d", "digits_cnn", {}),
    ("resnet_tiny", "digits_cnn", {"model": {"name": "resnet_tiny"}}),
    ("vae", "digits_vae", {}),
    ("dcgan (discriminator + generator loss)", "digits_dcgan", {}),
    ("seq2seq lstm", "addition_seq2seq", {}),
    ("unet", "digit_scenes_unet", {}),
    ("centernet", "digit_scenes_detector", {}),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    jaxdl.platform.configure()
    import jax
    import numpy as np

    from jaxdl.config import load_config, sweep_dict
    from jaxdl.train.loop import init_states, make_programs
    from jaxdl.train.setup import build_experiment

    print("| family | config | dtype | steps | loss, first 10 | loss, last 10 | falls |\n" + "|---" * 7 + "|")
    for family, name, overrides in RUNS:
        if args.only and not any(w in family for w in args.only.split(",")):
            continue
        c = load_config(os.path.join(HERE, "configs", f"{name}.py"))
        for key, value in overrides.items():
            c[key] = value
        c.dtype, c.replicas, c.mesh = "bfloat16", 1, {"replica": 1}
        c.sweep = sweep_dict()
        c.log_every = c.eval_every = c.checkpoint_every = args.steps
        exp = build_experiment(c)
        programs = make_programs(exp, args.steps)
        states, keys = init_states(exp, programs)
        data = jax.device_put(exp.dataset.train)
        _, metrics = programs.guarded_chunk(states, data, np.int32(0), keys)
        loss = np.asarray(metrics["loss"])[0]
        first, last = float(loss[:10].mean()), float(loss[-10:].mean())
        print(f"| {family} | {name}.py | bfloat16 | {args.steps} | {first:.4f} | {last:.4f} | "
              f"{'yes' if np.isfinite(last) and last < first else 'NO'} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
