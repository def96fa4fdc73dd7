"""Data parallel over D devices vs one device: how far apart do the same runs drift, and does it matter?

    python experiments/data_parallel_drift.py [--devices 4] [--replicas 5] [--config CONFIG]

(default config: experiments/configs/mnist1d_mlp.py, the MNIST-1D paper's MLP recipe)

On CPU the D devices are forced host devices (XLA_FLAGS, set before JAX starts). For each optimizer (the
config's Adam, then plain SGD at lr 0.1) it trains the config's replicas (seeds) on one device and with
mesh {"data": D}, and prints: the largest relative difference of the per-step training loss over the first
50 and the first 300 steps, and the final test accuracy (mean ± std over seeds) of both.

Why they drift: the D-way gradient all-reduce sums in another order than one device does (float32 rounding,
~1e-7 relative), and Adam divides by sqrt(v): for parameters whose gradients are near zero that rounding
noise becomes a full-size step, so trajectories separate; SGD keeps the difference at rounding size.
"""

from __future__ import annotations

import argparse
import os
import sys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=4)
    parser.add_argument("--replicas", type=int, default=5, help="seeds, trained as one vmapped program")
    parser.add_argument("--config", default=os.path.join(os.path.dirname(__file__), "configs", "mnist1d_mlp.py"))
    args = parser.parse_args()
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                               f" --xla_force_host_platform_device_count={args.devices}")
    import jaxdl.platform

    jaxdl.platform.configure()  # jaxdl's other XLA flags, as `jaxdl train` sets them
    import tempfile

    import numpy as np

    from jaxdl.config import apply_overrides, load_config
    from jaxdl.train.loop import init_states, make_programs
    from jaxdl.train.mesh import fetch
    from jaxdl.train.run import train_and_evaluate
    from jaxdl.train.setup import build_experiment

    def run(mesh: str, optimizer: list[tuple[str, str]]):
        """(per-step training losses [K, 300] of a fresh start, the summary of the whole run)."""
        config = load_config(args.config)
        apply_overrides(config, [("mesh", mesh), ("replicas", str(args.replicas)), *optimizer])
        exp = build_experiment(config)
        first = make_programs(exp, 300)  # one chunk of 300 steps: a loss per step
        states, data_keys = init_states(exp, first)
        data = exp.placement.put(exp.dataset.train, exp.placement.replicated)
        _, metrics = first.guarded_chunk(states, data, exp.placement.scalar(0), data_keys)
        with tempfile.TemporaryDirectory() as workdir:
            summary = train_and_evaluate(config, workdir, quiet=True, tensorboard=False, dataset=exp.dataset,
                                         plots=False)
        return fetch(metrics["loss"]), summary

    print(f"{args.config}, {args.replicas} seeds: one device vs mesh {{'data': {args.devices}}}")
    for label, optimizer in [("adam (config)", []),
                             ("sgd lr 0.1", [("optimizer.name", "sgd"), ("optimizer.learning_rate", "0.1")])]:
        (l1, s1), (ld, sd) = run("{}", optimizer), run(f'{{"data": {args.devices}}}', optimizer)
        rel = np.abs(ld - l1) / np.abs(l1)
        acc = lambda s: s["final_mean_std"]["test"]["accuracy"]  # noqa: E731
        print(f"  {label:>13}: max rel. loss diff  steps 1-50 {rel[:, :50].max():.1e}  steps 1-300 {rel.max():.1e};"
              f"  final test accuracy  1 device {acc(s1)['mean']:.4f} ± {acc(s1)['std']:.4f}"
              f"  {args.devices} devices {acc(sd)['mean']:.4f} ± {acc(sd)['std']:.4f}", flush=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
