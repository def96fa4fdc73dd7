"""CPU seconds per trainer step of a config's variants, compiled in one process and timed back to back.

    python experiments/variant_step_timing.py experiments/configs/digit_scenes_unet.py 10 2 "" \\
        "model={'name':'unet','depth':2,'width':16,'convs':2,'patch':2}"

Arguments: config, steps per timed chunk, rounds, then one variant per argument: `key=value` overrides
separated by ";" ("" = the config as it is). Each variant's trainer chunk is built and compiled as `jaxdl
bench` does (`jaxdl.bench.bench.trainer_run` on the config's data, its replicas), run once, then the variants
are timed in interleaved rounds. Prints the median CPU ms per step and wall steps/s of each: on a shared
machine the CPU ratio between variants is the figure to quote.
"""

from __future__ import annotations

import sys
import time


def main(argv: list[str]) -> None:
    from jaxdl import platform

    platform.configure()  # before jax starts its backend, as `jaxdl train` does
    import jax

    from jaxdl.bench.bench import trainer_run
    from jaxdl.config import apply_override, load_config
    from jaxdl.train.setup import build_experiment

    path, steps, rounds, variants = argv[0], int(argv[1]), int(argv[2]), argv[3:]
    runs, dataset = {}, None
    for variant in variants:
        config = load_config(path)
        for item in filter(None, variant.split(";")):
            apply_override(config, *item.split("=", 1))
        apply_override(config, "log_every", str(steps))
        apply_override(config, "eval_every", str(steps))
        exp = build_experiment(config, dataset=dataset)
        dataset = exp.dataset
        cpu = time.process_time()
        run = trainer_run(exp, steps)
        states = jax.block_until_ready(run["run"](run["states"]))
        runs[variant] = {"run": run, "states": states, "times": []}
        print(f"{variant or '(config)'}: compile + first chunk {time.process_time() - cpu:.1f} CPU s", flush=True)
    for _ in range(rounds):
        for r in runs.values():
            wall, cpu = time.perf_counter(), time.process_time()
            r["states"] = jax.block_until_ready(r["run"]["run"](r["states"]))
            r["times"].append((time.perf_counter() - wall, time.process_time() - cpu))
    for variant, r in runs.items():
        wall = sorted(t for t, _ in r["times"])[len(r["times"]) // 2]
        cpu = sorted(c for _, c in r["times"])[len(r["times"]) // 2]
        print(f"{variant or '(config)'}: {1e3 * cpu / steps:.0f} ms CPU per step, {steps / wall:.2f} steps/s")


if __name__ == "__main__":
    main(sys.argv[1:])
