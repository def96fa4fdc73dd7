"""K replicas in one program vs K sequential single runs: vmap, lax.map over replicas, and one replica alone.

    python experiments/replica_layout_probe.py CONFIG K STEPS
    e.g. python experiments/replica_layout_probe.py experiments/configs/mnist_mlp.py 8 50

Times one compiled chunk of STEPS training steps (synthetic data of the config's shapes) for: the K replicas
vmapped (what the trainer runs), the K replicas as a `lax.map` inside one program (sequential, unbatched
kernels), and a single replica; repeats interleaved (7 rounds, medians) because the machines are noisy.
Prints ms/step and the throughput of each multi-replica layout relative to K sequential single runs.
"""

import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.config import apply_overrides, load_config
from jaxdl.data.synthetic import synthetic_dataset
from jaxdl.train.loop import make_train_chunk
from jaxdl.train.setup import build_experiment
from jaxdl.train.trainer import init_states, make_programs


def main(path: str, k: int, length: int) -> None:
    config = load_config(path)
    apply_overrides(config, [("replicas", str(k))])
    dataset = synthetic_dataset(config.dataset.name, config.batch_size * 8, num_test=config.batch_size)
    exp = build_experiment(config, dataset=dataset)
    states, keys = init_states(exp, make_programs(exp, length=length))
    data = jax.device_put(dataset.train)
    chunk = make_train_chunk(exp.task, config.batch_size, dataset.num_train, length, True, guarded=False)
    vmapped = jax.jit(jax.vmap(chunk, in_axes=(0, None, None, 0)))
    mapped = jax.jit(lambda s, d, t, key: jax.lax.map(lambda a: chunk(a[0], d, t, a[1]), (s, key)))
    one = jax.jit(chunk)
    first = jax.tree_util.tree_map(lambda x: x[0], states)
    start = jnp.int32(0)
    fns = {"vmap": lambda: vmapped(states, data, start, keys), "map": lambda: mapped(states, data, start, keys),
           "single": lambda: one(first, data, start, keys[0])}
    for fn in fns.values():
        jax.block_until_ready(fn())
    times = {name: [] for name in fns}
    for _ in range(7):
        for name, fn in fns.items():
            t = time.perf_counter()
            jax.block_until_ready(fn())
            times[name].append(time.perf_counter() - t)
    med = {name: float(np.median(v)) for name, v in times.items()}
    print(", ".join(f"{name} {v / length * 1e3:.2f} ms/step" for name, v in med.items()))
    print(f"vs {k} sequential single runs: vmap {k * med['single'] / med['vmap']:.2f}x, "
          f"lax.map {k * med['single'] / med['map']:.2f}x")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
