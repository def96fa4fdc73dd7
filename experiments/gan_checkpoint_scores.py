"""Score every checkpoint of a GAN run, with the live generator and (when the run kept one, task.g_ema) the
exponential moving average of its weights, on the same latent draws: one run gives the sample quality over
training and the EMA's effect on it (the average does not change the training trajectory). Each generator is
also scored with BatchNorm in train mode over its n samples ("batch statistics"): the running averages that
eval mode uses were gathered while the weights moved.

    .venv/bin/python experiments/gan_checkpoint_scores.py W [N [STEP ...]]

N samples per checkpoint, generator and replica (default 0: the run's task.num_samples); STEPs: only those
checkpoints. Prints one markdown row per
checkpoint, generator and replica (seed): the CNN scorer's confidence, smallest class share, classifier score
and Fréchet distance (the real test split's values in the header line).
"""

import copy
import os
import sys

import jax
import numpy as np

from jaxdl import sample_quality
from jaxdl.tasks.generative import replica_samples
from jaxdl.train.checkpoint import Checkpoints
from jaxdl.train.evaluate_checkpoint import restore_run


class BatchStats:
    """A generator with BatchNorm in train mode: statistics of the n-sample batch itself (with n = 10,000 the
    current weights' population statistics), not the running averages gathered while the weights moved; of
    the live weights, or of the EMA's."""

    def __init__(self, task, ema: bool):
        self.task, self.ema = task, ema

    def sample(self, params, model_state, key, n):
        t = self.task
        z = jax.random.normal(key, (n, t.latent_dim))
        g = model_state["generator_ema"] if self.ema else {"params": params["generator"], **model_state["generator"]}
        fake, _ = t.generate(g["params"], {"batch_stats": g["batch_stats"]}, z, train=True)
        return (fake + 1.0) / 2.0


def main():
    workdir = sys.argv[1]
    steps = Checkpoints(os.path.join(workdir, "checkpoints"), read_only=True).steps()
    steps = [s for s in steps if str(s) in sys.argv[3:]] if len(sys.argv) > 3 else steps
    rows, batches = [], []
    for step in steps:
        exp, _, states, _, _ = restore_run(workdir, step)
        task = exp.task
        n = int(sys.argv[2]) if len(sys.argv) > 2 and int(sys.argv[2]) else task.artifacts.num_samples
        live = copy.copy(task)
        live.g_ema = 0.0  # a new object: replica_samples' jit does not reuse the EMA program
        generators = [("live", live), ("live, batch statistics", BatchStats(live, ema=False))]
        if task.g_ema:
            generators += [(f"EMA {task.g_ema}", task), (f"EMA {task.g_ema}, batch statistics", BatchStats(task, True))]
        for name, t in generators:
            for r, replica in enumerate(exp.replicas):  # one replica at a time: the samples' memory
                one = jax.tree_util.tree_map(lambda a, r=r: a[r:r + 1], states)
                rows.append((step, name, replica.seed))
                batches.append(replica_samples(t, one, n)[0])
    settings = task.artifacts
    report = sample_quality.report(settings.dataset, np.stack(batches), settings.data_dir, settings.scorer_steps)
    s, r = report["samples"], report["real_test"]
    print(f"real test: confidence {r['classifier_confidence']:.3f}, min class share "
          f"{r['classifier_min_class_share']:.3f}, score {r['classifier_score']:.2f}, "
          f"Fréchet {r['classifier_frechet']:.2f}; scorer test accuracy {report['scorer']['test_accuracy']:.4f}")
    print("| step | generator | seed | confidence | min class share | classifier score | Fréchet |")
    print("|---|---|---|---|---|---|---|")
    for i, (step, name, seed) in enumerate(rows):
        print(f"| {step} | {name} | {seed} | {s['classifier_confidence'][i]:.3f} | "
              f"{s['classifier_min_class_share'][i]:.3f} | {s['classifier_score'][i]:.2f} | "
              f"{s['classifier_frechet'][i]:.2f} |", flush=True)


if __name__ == "__main__":
    main()
