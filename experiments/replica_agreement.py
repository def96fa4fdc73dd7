"""How closely replica r of a vmapped run agrees with the single run it stands for, on one machine.

    .venv/bin/python experiments/replica_agreement.py [--steps 3000] [--workdir runs/replica_agreement]

Trains experiments/configs/mnist1d_mlp.py (on one device, mesh {"replica": 1}) as: a 3-seed run and the three
single runs of its seeds; a sweep {learning_rate: [1e-2, 1e30]} (the second member diverges at once) and the
single run at 1e-2. For each pair it prints the first logged step whose train loss differs, the largest
relative difference of the logged train losses up to step 100, and the final test accuracies beside the
seed spread (std over the 3 seeds). The README's statements about bitwise agreement quote this.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

from jaxdl.config import load_config, sweep_dict
from jaxdl.runs import load_run
from jaxdl.train.run import train_and_evaluate

CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "configs", "mnist1d_mlp.py")


def run(workdir: str, steps: int, **changes):
    c = load_config(CONFIG)
    c.unlock()
    c.steps, c.log_every, c.eval_every, c.mesh = steps, 10, steps, {"replica": 1}
    c.optimizer.learning_rate = 1e-2
    for k, v in changes.items():
        c[k] = v
    train_and_evaluate(c, workdir, quiet=True, overwrite=True, tensorboard=False, plots=False)
    return load_run(workdir)


def compare(label: str, many, r: int, single) -> None:
    steps, a = many.series("train", "loss")
    _, b = single.series("train", "loss")
    a, b = a[:, r], b[:, 0]
    differ = np.flatnonzero(a != b)
    early = steps <= 100
    rel = np.max(np.abs(a[early] - b[early]) / np.abs(b[early]))
    first = f"step {steps[differ[0]]}" if differ.size else "never"
    print(f"{label}: first differing train loss at {first}; max relative difference up to step 100: {rel:.1e}; "
          f"final test accuracy {many.final('accuracy')[r]:.4f} vs {single.final('accuracy')[0]:.4f}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--workdir", default="runs/replica_agreement")
    args = p.parse_args(argv)
    w = lambda name: os.path.join(args.workdir, name)
    seeds = run(w("seeds3"), args.steps, replicas=3)
    for r in range(3):
        compare(f"replica {r} of 3 seeds vs single seed {r}", seeds, r, run(w(f"seed{r}"), args.steps, seed=r))
    acc = seeds.final("accuracy")
    print(f"seed spread: final test accuracy {acc.mean():.4f} ± {acc.std():.4f} (3 seeds)")
    sweep = run(w("sweep"), args.steps, sweep=sweep_dict({"optimizer.learning_rate": [1e-2, 1e30]}))
    compare("sane sweep member (lr 1e-2 beside 1e30) vs its single run", sweep, 0,
            run(w("solo"), args.steps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
