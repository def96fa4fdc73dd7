"""K replicas in one run vs K sequential single runs, for each replica layout.

    python experiments/replica_layout_probe.py CONFIG K STEPS [ROUNDS]
    e.g. python experiments/replica_layout_probe.py experiments/configs/mnist_mlp.py 8 100

Times one compiled chunk of STEPS training steps (synthetic data of the config's shapes) for: the trainer's
default layout (on CPU the K replicas split over the host devices, jaxdl/train/mesh.py auto_placement), the
K replicas vmapped on one device (`config.mesh={"replica": 1}`), the K replicas as a `lax.map` inside one
program on one device (sequential, unbatched kernels), and a single replica; all in interleaved rounds
(default 7, medians) because the machines are noisy. Prints ms/step and each multi-replica layout's
throughput relative to K sequential single runs.
"""

import sys

import jax
import numpy as np

import jaxdl.platform
from jaxdl.bench.bench import trainer_run
from jaxdl.bench.measure import time_interleaved
from jaxdl.config import apply_overrides, load_config
from jaxdl.data.synthetic import synthetic_dataset
from jaxdl.train.loop import make_train_chunk
from jaxdl.train.setup import build_experiment


def main(path: str, k: int, length: int, rounds: int = 7) -> None:
    def experiment(replicas, mesh):
        config = load_config(path)
        apply_overrides(config, [("replicas", str(replicas)), ("mesh", mesh)])
        return build_experiment(config, dataset=dataset)

    config = load_config(path)
    dataset = synthetic_dataset(config.dataset.name, config.batch_size * 8, num_test=config.batch_size)
    default = experiment(k, "{}")
    layouts = {f"vmap {default.placement.shape or 'one device'}": default,
               "vmap one device": experiment(k, '{"replica": 1}'), "single": experiment(1, "{}")}
    trainers = {name: trainer_run(exp, length) for name, exp in layouts.items()}  # one entry if no host devices
    runs = {name: (t["run"], t["states"]) for name, t in trainers.items()}
    one = layouts["vmap one device"]
    chunk = make_train_chunk(one.task, one.config.batch_size, dataset.num_train, length, True, guarded=False)
    mapped = jax.jit(lambda s, d, key: jax.lax.map(lambda a: chunk(a[0], d, 0, a[1]), (s, key))[0])
    data, keys = jax.device_put(dataset.train), trainers["vmap one device"]["keys"]
    runs["lax.map one device"] = (lambda s: mapped(s, data, keys), trainers["vmap one device"]["states"])
    times, _ = time_interleaved(runs, rounds)
    med = {name: float(np.median(v)) / length for name, v in times.items()}
    print(", ".join(f"{name}: {v * 1e3:.2f} ms/step" for name, v in med.items()))
    print(f"vs {k} sequential single runs: " + ", ".join(
        f"{name} {k * med['single'] / v:.2f}x" for name, v in med.items() if name != "single"))


if __name__ == "__main__":
    jaxdl.platform.configure()  # XLA_FLAGS as `jaxdl train` sets them, before jax starts
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), *map(int, sys.argv[4:5]))
