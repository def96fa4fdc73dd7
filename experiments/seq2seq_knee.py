"""Where the addition seq2seq outcome test sits on its learning curve: held-out sequence accuracy every 200
steps, for several seeds, so that its floor can sit clearly below what rounding on another CPU can give.

    XLA_FLAGS=--xla_cpu_max_isa=AVX .venv/bin/python experiments/seq2seq_knee.py [--replicas 4] [--workdir W]

The recipe of tests/models/test_seq2seq.py::test_addition_reaches_high_held_out_accuracy_in_a_short_run
(2000 train / 200 held-out two-digit pairs, LSTM 64, reversed source and answer, Adam 1e-2 with clipping,
batch 64), with `--replicas` seeds in one program on one device, 1200 steps.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

import jaxdl.platform
from jaxdl.config import base_config
from jaxdl.data import Dataset
from jaxdl.data.addition_builder import CHARS, encode_pairs, make_pairs
from jaxdl.runs import load_run
from jaxdl.train.run import train_and_evaluate


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--replicas", type=int, default=4)
    p.add_argument("--workdir", default="runs/seq2seq_knee")
    args = p.parse_args(argv)
    pairs = make_pairs(digits=2, num_train=2000, num_test=200, seed=0)
    ds = Dataset("addition", encode_pairs(pairs["train"], 2), encode_pairs(pairs["test"], 2), len(CHARS), (5,))
    c = base_config()
    c.dataset.name, c.task.name = "addition", "seq2seq"
    c.model = dict(name="seq2seq", cell="lstm", hidden_size=64, embed_dim=16, reverse_source=True,
                   reverse_target=True)
    c.optimizer.learning_rate, c.optimizer.clip_norm = 1e-2, 1.0
    c.batch_size, c.steps, c.log_every, c.eval_every, c.eval_batch_size = 64, 1200, 200, 200, 200
    c.replicas, c.mesh = args.replicas, {"replica": 1}
    train_and_evaluate(c, args.workdir, quiet=True, overwrite=True, tensorboard=False, plots=False, dataset=ds)
    steps, acc = load_run(args.workdir).series("test", "sequence_accuracy")
    for s, a in zip(steps, acc, strict=True):
        print(int(s), np.round(a, 3))
    return 0


if __name__ == "__main__":
    jaxdl.platform.configure()
    sys.exit(main())
