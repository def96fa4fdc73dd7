"""Time of the augmentation alone, per training batch, inside a compiled `lax.scan` as in the trainer.

    python experiments/augment_cost.py

For each case (the mnist_cnn_augment and cifar10_resnet18 ops on their batch shapes): the median over 5
repeats of a 100-step scan that augments the batch with the key of each step and sums every output pixel (so
that no work can be dropped), minus the same scan without the augmentation (XLA hoists its constant sum out
of the loop), divided by 100: an upper bound, the sum included. Compare it with `jaxdl bench`'s step time.
"""

import time

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.data.augment import augment_key, make_augment

CASES = {"mnist_cnn_augment {'translate': 2}, [128, 28, 28, 1]": ({"shift": 2}, (128, 28, 28, 1)),
         "cifar10_resnet18 {'crop': 4, 'flip': True}, [128, 32, 32, 3]": ({"shift": 4, "flip": True},
                                                                           (128, 32, 32, 3))}
STEPS, REPEATS = 100, 5


def scan_time(fn, x):
    def body(acc, step):
        out = fn({"inputs": x}, augment_key(jax.random.PRNGKey(0), step))["inputs"]
        return acc + jnp.sum(out, dtype=jnp.int32), None  # reads every pixel: no work can be dropped

    run = jax.jit(lambda: jax.lax.scan(body, jnp.int32(0), jnp.arange(STEPS))[0])
    run().block_until_ready()
    times = []
    for _ in range(REPEATS):
        t = time.perf_counter()
        run().block_until_ready()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


if __name__ == "__main__":
    for name, (ops, shape) in CASES.items():
        x = jnp.asarray(np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8))
        with_ops = scan_time(make_augment(ops), x)
        without = scan_time(lambda batch, key: batch, x)
        print(f"{name}: {(with_ops - without) / STEPS * 1e3:.3f} ms per batch "
              f"(scan of {STEPS}: {with_ops * 1e3:.1f} ms with, {without * 1e3:.1f} ms without)")
