"""Backprop by hand vs autodiff: the same MLP trained twice on MNIST-1D and on digits, curves compared.

    python experiments/backprop_vs_autodiff.py --workdir runs/backprop_vs_autodiff [--steps N] [--replicas K]

Each dataset's MLP config (experiments/configs/mnist1d_mlp.py, digits_mlp.py; digits with a constant
learning rate, since the hand optimizers have no schedules) is trained by the one trainer twice from the same
seeds, hence the same initial parameters and batches:
  library: task "classification"          — Flax forward, jax.grad, optax Adam
  by hand: task "classification_by_hand"  — jaxdl.classics.HandMLP backward pass, jaxdl.classics.adam
It prints the largest difference between the two runs' logged curves (train metrics every 50 steps, test
at each config's eval_every) and writes <workdir>/<dataset>.png (jaxdl.plots.agreement_figure).

Measured (2 replicas, CPU, 2026-11-27, `python experiments/backprop_vs_autodiff.py --workdir /tmp/bva_full`):
  digits, 2000 steps: the curves coincide: train loss max |difference| 3.0e-08, test loss 1.2e-07,
    train/test accuracy identical; final test accuracy 0.9167 on both paths.
  mnist1d, 6000 steps (Adam 1e-2): the first 100 steps are bitwise identical, the first rounding difference
    (1e-7 relative) appears by step 150, and Adam at this learning rate amplifies it: train loss differs by
    up to 0.33 around steps 1000-2300, where each path's loss spikes at a different step, then the curves
    rejoin (both ~6e-5 at step 6000); final test accuracy 0.6470 (library) vs 0.6455 (by hand), test
    accuracy max |difference| 0.03 along the way. The paths differ only in how XLA rounds the compiled
    backward pass: hand and jax.grad gradients of one batch agree to ~1e-7 (tests/classics).
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import jaxdl.platform
from jaxdl import plots
from jaxdl.config import apply_overrides, load_config
from jaxdl.runs import load_run
from jaxdl.train.run import train_and_evaluate

CONFIGS = {"mnist1d": "experiments/configs/mnist1d_mlp.py", "digits": "experiments/configs/digits_mlp.py"}
PATHS = {"library (jax.grad + optax)": "classification", "by hand (backprop + adam)": "classification_by_hand"}
CURVES = (("train", "loss"), ("train", "accuracy"), ("test", "loss"), ("test", "accuracy"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", default="runs/backprop_vs_autodiff")
    parser.add_argument("--steps", type=int, default=None, help="override each config's steps")
    parser.add_argument("--replicas", type=int, default=2)
    args = parser.parse_args(argv)
    for dataset, config_path in CONFIGS.items():
        runs = {}
        for label, task in PATHS.items():
            config = load_config(os.path.join(os.path.dirname(__file__), "..", config_path))
            overrides = [("task.name", task), ("optimizer.schedule", "constant"), ("replicas", str(args.replicas)),
                         ("log_every", "50")]  # dense train curves: where the paths part, if they do
            if args.steps:
                overrides.append(("steps", str(args.steps)))
            apply_overrides(config, overrides)
            workdir = os.path.join(args.workdir, dataset, task)
            summary = train_and_evaluate(config, workdir, quiet=True, overwrite=True, tensorboard=False)
            runs[label] = load_run(workdir)
            print(f"{dataset:8s} {label:28s} test accuracy {summary['final_mean_std']['test']['accuracy']['mean']:.4f}"
                  f"  ({summary['wall_s']:.1f} s)")
        (_, first), (_, second) = runs.items()
        for split, key in CURVES:
            a, b = first.series(split, key)[1], second.series(split, key)[1]
            rel = np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-12))
            print(f"{dataset:8s} {split:5s} {key:8s} max |difference| {np.max(np.abs(a - b)):.3g} "
                  f"(relative {rel:.3g}) over {a.shape[0]} points x {a.shape[1]} replicas")
        figure = plots.agreement_figure(runs, panels=CURVES[::3], title=f"{dataset}: hand-written backprop vs autodiff")
        path = plots.save(figure, os.path.join(args.workdir, f"{dataset}.png"))
        print(f"{dataset:8s} plot: {path}")


if __name__ == "__main__":
    jaxdl.platform.configure()  # XLA_FLAGS as `jaxdl train` sets them, before jax starts
    main()
