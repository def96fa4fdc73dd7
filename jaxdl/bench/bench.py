"""`jaxdl bench`: the trainer's compiled chunk of any task, timed honestly on synthetic data of the config's shapes.

Reports compile time, steady-state step time (median and range of repeats, synchronised; the trainer, the
reference loop and the single-replica baseline are timed in interleaved rounds), examples/s,
FLOPs of one step from XLA's cost analysis, achieved FLOP/s and MFU where a peak is known, peak device
memory where the backend reports it, jaxdl's steps/s over a minimal hand-written scan loop, and for K
replicas the throughput relative to K sequential single-replica runs.
"""

from __future__ import annotations

import time
from typing import Any

import jax
import ml_collections

from jaxdl.bench.measure import make_reference_chunk, spread, step_flops, time_interleaved
from jaxdl.bench.peaks import peak_flops
from jaxdl.data.pipeline import reader_options
from jaxdl.data.synthetic import synthetic_dataset
from jaxdl.errors import UserError
from jaxdl.train.loop import compiler_options, init_states, make_programs
from jaxdl.train.replicas import replica_keys
from jaxdl.train.setup import build_experiment
from jaxdl.train.timings import Timings, section


def trainer_run(exp, length: int) -> dict[str, Any]:
    """The trainer's compiled chunk as a timeable `run(states) -> states`, its compile time, the initial
    states and the data keys [K, 2]."""
    programs = make_programs(exp, length)
    states, data_keys = init_states(exp, programs)
    place = exp.placement
    data = place.put(exp.dataset.train, place.replicated)
    t = time.perf_counter()
    # the program the driver runs while no replica has diverged (jaxdl.train.run.train_chunk)
    chunk = programs.unguarded_chunk.lower(states, data, place.scalar(0), data_keys).compile()
    compile_s = time.perf_counter() - t
    step = [0]

    def run(states):
        out, _, _ = chunk(states, data, place.scalar(step[0]), data_keys)
        step[0] += length
        return out

    return {"compile_s": compile_s, "run": run, "states": states, "keys": data_keys}


def _reference(exp, length: int):
    """The minimal hand-written scan loop of the same model, batch and optimizer: (run, carry)."""
    task, cfg = exp.task, exp.config
    ref = make_reference_chunk(task.model, task.tx, cfg.batch_size, exp.dataset.num_train, length,
                               exp.dataset.num_classes)
    init_keys, _ = replica_keys(exp.replicas)
    states = jax.vmap(task.init, in_axes=(0, None))(init_keys, exp.example_batch())
    # the run's XLA options and device layout apply to the reference too, so the ratio compares the loops
    place = exp.placement
    carry = place.put((states.params, states.model_state, states.opt_state, states.rng), place.per_replica)
    fn = jax.jit(place.split_replicas(jax.vmap(ref, in_axes=(0, None, None)), (0,)), donate_argnums=0,
                 compiler_options=compiler_options(cfg))
    x, y = place.put((exp.dataset.train["inputs"], exp.dataset.train["label"]), place.replicated)
    return (lambda c: fn(c, x, y)[0]), carry


def bench(config: ml_collections.ConfigDict, replicas: int | None = None, steps: int = 100,
          repeats: int = 5, sequential_baseline: bool = True, timings: Timings | None = None) -> dict[str, Any]:
    """Benchmark `config` (its model, batch, optimizer, dtype) on synthetic data; returns the report dict.
    `timings`: the stopwatch of `jaxdl bench` (the timed chunks count as "train")."""
    if replicas is not None:
        if replicas < 1:
            raise UserError(f"--replicas must be >= 1, got {replicas}")
        config.replicas = replicas
    if steps < 1 or repeats < 1:
        raise UserError("--steps and --repeats must be >= 1")
    config.log_every = config.eval_every = steps
    if config.dataset.get("holdout"):  # synthetic data, nothing to hold out; the step is the same
        config.dataset.holdout = 0
    num_train = max(config.batch_size * 8, config.batch_size)
    options = reader_options(config.dataset)  # e.g. a translation's max_len
    with section(timings, "data"):
        dataset = synthetic_dataset(config.dataset.name, num_train, num_test=config.batch_size, **options)
    with section(timings, "setup"):
        exp = build_experiment(config, dataset=dataset)
    k = len(exp.replicas)

    trainer = trainer_run(exp, steps)
    runs = {"trainer": (trainer["run"], trainer["states"])}
    if config.task.name == "classification":  # the hand-written loop is a classifier's (softmax cross-entropy)
        runs["reference"] = _reference(exp, steps)
    if sequential_baseline and k > 1:
        one = config.copy_and_resolve_references()
        with one.unlocked():
            one.replicas = 1
            one.sweep = ml_collections.ConfigDict({}, allow_dotted_keys=True)
        single = trainer_run(build_experiment(one, dataset=dataset), steps)
        runs["single"] = (single["run"], single["states"])
    with section(timings, "train"):
        times, carries = time_interleaved(runs, repeats)  # in rounds: the ratios below are of one period
    first = {key: v[: config.batch_size] for key, v in dataset.train.items()}
    # counted on one device: a program split over d devices reports the FLOPs of one device's share
    flops, flops_source = step_flops(exp.task, jax.device_get(carries["trainer"]), first)

    device, place = jax.devices()[0], exp.placement
    num_devices = place.mesh.devices.size if place.sharded else 1  # the devices the run uses
    step_s = spread([t / steps for t in times["trainer"]])
    ref_step_s = spread([t / steps for t in times["reference"]]) if "reference" in times else None
    achieved = flops / step_s["median"] if flops else None
    peak = peak_flops(device.device_kind, config.dtype)
    mem = (device.memory_stats() or {}).get("peak_bytes_in_use") if hasattr(device, "memory_stats") else None
    report = {
        "config": {"dataset": config.dataset.name, "model": dict(config.model), "dtype": config.dtype,
                   "batch_size": config.batch_size, "optimizer": config.optimizer.name, "task": config.task.name},
        "backend": jax.default_backend(), "device": device.device_kind, "num_devices": num_devices,
        "mesh": place.shape, "replicas_padded_to": place.pad_to,  # None: no padding replicas
        "replicas": k, "steps_per_chunk": steps, "repeats": repeats,
        "compile_s": trainer["compile_s"],
        "step_s": step_s,
        "steps_per_s": 1.0 / step_s["median"],
        "examples_per_s": k * config.batch_size / step_s["median"],
        "flops_per_step": flops, "flops_source": flops_source,
        "achieved_flops_per_s": achieved,
        "peak_flops_per_s": peak,
        "mfu": achieved / peak if achieved and peak else None,
        "peak_memory_bytes": mem,
        "reference_step_s": ref_step_s,
        # jaxdl steps/s over the reference's (classification only)
        "vs_reference": ref_step_s["median"] / step_s["median"] if ref_step_s else None,
    }
    if "single" in times:
        single_step = spread([t / steps for t in times["single"]])["median"]
        # K sequential runs take K * single_step per step of each; the vmapped run takes step_s.
        report["vs_sequential"] = k * single_step / step_s["median"]
        report["single_replica_step_s"] = single_step
    return report


def format_report(r: dict[str, Any]) -> str:
    def fmt(x, unit="", scale=1.0, digits=3):
        return "n/a" if x is None else f"{x / scale:.{digits}g}{unit}"

    s = r["step_s"]
    mfu = "n/a (no peak for this device)" if r["mfu"] is None else f"{100 * r['mfu']:.1f}%"
    lines = [
        f"device           {r['device']} ({r['backend']}, {r['num_devices']} device(s)"
        + (f", mesh {r['mesh']}" if r["mesh"] else "")
        + (f", replicas padded to {r['replicas_padded_to']})" if r.get("replicas_padded_to") else ")"),
        f"model            {r['config']['model'].get('name')} ({r['config'].get('task', 'classification')}) on "
        f"{r['config']['dataset']} shapes, batch {r['config']['batch_size']}, {r['config']['dtype']}, "
        f"{r['replicas']} replica(s)",
        f"compile          {r['compile_s']:.2f} s (chunk of {r['steps_per_chunk']} steps)",
        f"step time        {fmt(s['median'] * 1e3, ' ms')} median  [{fmt(s['min'] * 1e3)} .. "
        f"{fmt(s['max'] * 1e3)}] over {r['repeats']} repeats; one step of all {r['replicas']} replica(s) together",
        f"throughput       {r['steps_per_s']:.1f} steps/s, {r['examples_per_s']:.0f} examples/s (all replicas)",
        f"FLOPs per step   {fmt(r['flops_per_step'], ' GFLOP', 1e9)} ({r['flops_source']}; all replicas)",
        f"achieved         {fmt(r['achieved_flops_per_s'], ' TFLOP/s', 1e12)}; MFU {mfu}",
        f"peak memory      {fmt(r['peak_memory_bytes'], ' GiB', 2**30)}",
    ]
    if r["vs_reference"] is None:
        lines.append("vs reference     n/a (the hand-written reference loop is a classifier's)")
    else:
        lines.append(f"vs reference     {r['vs_reference']:.3f}x (jaxdl steps/s over a minimal hand-written scan "
                     f"loop, which takes {fmt(r['reference_step_s']['median'] * 1e3, ' ms')} per step)")
    if "vs_sequential" in r:
        lines.append(f"vs sequential    {r['vs_sequential']:.2f}x ({r['replicas']} vmapped replicas vs "
                     f"{r['replicas']} sequential single runs, one of which takes "
                     f"{fmt(r['single_replica_step_s'] * 1e3, ' ms')} per step)")
    return "\n".join(lines)
