"""Score every checkpoint of a GAN run, with the live generator and (when the run kept one, task.g_ema) the
exponential moving average of its weights, on the same latent draws: one run gives the sample quality over
training and the EMA's effect on it (the average does not change the training trajectory).

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


class BatchStatsEMA:
    """The EMA generator with BatchNorm in train mode: statistics of the sample batch itself, not the live
    generator's running averages (which were gathered with other weights)."""

    def __init__(self, task):
        self.task = task

    def sample(self, params, model_state, key, n):
        t = self.task
        z = jax.random.normal(key, (n, t.latent_dim))
        ema = model_state["generator_ema"]
        fake, _ = t.generate(ema["params"], {"batch_stats": ema["batch_stats"]}, z, train=True)
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
        generators = [("live", live)]
        if task.g_ema:
            generators += [(f"EMA {task.g_ema}", task), (f"EMA {task.g_ema}, batch statistics", BatchStatsEMA(task))]
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
