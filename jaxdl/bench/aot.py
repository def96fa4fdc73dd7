"""`jaxdl bench --target tpu:v5e:16x16` or `gpu:h100x8`: the trainer's chunk compiled ahead of time for
accelerators this machine lacks, and what XLA says about it per device: FLOPs and bytes accessed (cost
analysis), HBM argument, output and temp bytes (memory analysis), the collectives of the optimized HLO, and a
roofline lower bound on step time, hence upper bounds on MFU and examples/s.

The program is the one the driver runs (jaxdl.train.loop.make_programs' unguarded chunk), built by
build_experiment with the config's mesh placed on the target's devices ({"data": -1} when config.mesh is
empty), on synthetic data of the dataset's shapes. XLA's cost analysis counts a loop body once, whatever its
trip count, so the chunk's FLOPs and bytes are one step's (plus the chunk's one-time epoch permutation);
collectives are counted as they appear in the program text, so those in the loop body are per step.

Traps handled here: collectives appear only in the compiled HLO (`compiled.as_text()`), not the lowered
StableHLO; on v5e and v6e XLA keeps small temporaries in on-chip memory, outside `temp`; the cost dict's
"optimal_seconds" is not a time, so it is not used.

GPU targets (jaxdl/bench/gpu_target.py) give memory analysis and optimized HLO but no cost analysis (None),
so their FLOPs and bytes accessed come from XLA:CPU's cost analysis of the same per-device program (the
GPU implementations of the models, the per-device batch and replicas, one device); on TPU targets, where
both exist, the two FLOP counts agree within a few % (tests/bench/test_aot.py). Bytes accessed depend more
on each backend's fusions, so the GPU HBM time is rougher than its compute time.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import os
import re
import time
from typing import Any

import jax
import ml_collections
import numpy as np

from jaxdl.bench import gpu_target
from jaxdl.bench.peaks import CHIPS, GPUS, Chip
from jaxdl.data.dataset import Dataset
from jaxdl.data.pipeline import reader_options
from jaxdl.data.synthetic import synthetic_dataset
from jaxdl.errors import UserError
from jaxdl.models import built_for
from jaxdl.train.loop import make_programs
from jaxdl.train.replicas import replica_keys
from jaxdl.train.setup import build_experiment

INSTALL = "pip install -e '.[tpu-aot]'"
HEADROOM = 0.9  # a program "fits" when it needs at most this fraction of HBM: the runtime keeps some
COLLECTIVES = ("all-reduce", "all-gather", "reduce-scatter", "all-to-all", "collective-permute")
# "%name = SHAPE kind(" or "kind-start(" on one line; SHAPE may be a tuple with layouts such as {1,0:T(8,128)}
_COLLECTIVE = re.compile(r"= (.+?) (" + "|".join(COLLECTIVES) + r")(-start)?\(", re.MULTILINE)
_ARRAY = re.compile(r"(pred|[a-z]+\d+(?:e\d+m\d+\w*)?)\[([\d,]*)\]")


def compile_only_env() -> None:
    """Environment for a compile-only TPU or GPU topology: computation stays on the CPU (JAX_PLATFORMS, also
    in jax's config, which read the environment at import: without it the CUDA plugin fails to start for
    want of a GPU and registers no topology), and libtpu gets a host description so it does not warn that it
    found no TPU. Call before jax starts a backend."""
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    if not jax.config.jax_platforms:
        jax.config.update("jax_platforms", os.environ["JAX_PLATFORMS"])
    os.environ.setdefault("TPU_ACCELERATOR_TYPE", "v5litepod-4")
    os.environ.setdefault("TPU_WORKER_HOSTNAMES", "localhost")
    os.environ.setdefault("ALLOW_MULTIPLE_LIBTPU_LOAD", "1")  # compiles in parallel processes (pytest -n 2)


def parse_target(target: str) -> tuple[str, str, Chip]:
    """"tpu:v5e:16x16" -> ("tpu", "v5e:16x16", the v5e Chip), "gpu:h100x8" -> ("gpu", "h100x8", the H100
    Chip); UserError for anything else."""
    platform, _, topology = target.partition(":")
    generation = topology.split(":")[0]
    gpu = re.fullmatch(r"([a-z]\d+)x(\d+)", topology)
    if platform == "gpu" and gpu and gpu.group(1) in GPUS and int(gpu.group(2)) >= 1:
        return platform, topology, GPUS[gpu.group(1)]
    if platform != "tpu" or generation not in CHIPS or not re.fullmatch(r"\w+:\d+(x\d+)+", topology):
        raise UserError(f"--target {target!r}: expected tpu:GENERATION:TOPOLOGY with GENERATION one of "
                        f"{', '.join(CHIPS)}, e.g. tpu:v5e:2x2 or tpu:v5p:4x4x4, or gpu:NAMExCOUNT with NAME "
                        f"one of {', '.join(GPUS)}, e.g. gpu:h100x8")
    return platform, topology, CHIPS[generation]


def has_libtpu() -> bool:
    return importlib.util.find_spec("libtpu") is not None


def target_devices(target: str) -> tuple[list, Chip]:
    """The compile-only devices of `target` and its chip; UserError without libtpu or for a bad topology."""
    platform, topology, chip = parse_target(target)
    if platform == "gpu":
        if not gpu_target.has_cuda_plugin():
            raise UserError(f"--target {target} compiles with jax-cuda12-plugin, which is not installed: "
                            f"{gpu_target.INSTALL}")
        card, count = topology.split("x")
        return gpu_target.gpu_devices(card, int(count)), chip
    if not has_libtpu():
        raise UserError(f"--target {target} compiles with libtpu, which is not installed: {INSTALL}")
    from jax.experimental import topologies

    extra = {"chip_config_name": "megacore"} if topology.startswith("v4:") else {}
    try:
        topo = topologies.get_topology_desc(topology_name=topology, platform="tpu", **extra)
    except Exception as e:  # libtpu's own message names what it could not parse
        raise UserError(f"--target {target}: {str(e).strip().splitlines()[0]}") from None
    return list(topo.devices), chip


def _array_bytes(text: str) -> int:
    total = 0
    for dtype, dims in _ARRAY.findall(text):
        bits = 1 if dtype == "pred" else int(re.search(r"\d+", dtype).group())
        total += math.prod(int(d) for d in dims.split(",") if d) * max(bits, 8) // 8
    return total


def collectives(hlo_text: str) -> dict[str, dict[str, int]]:
    """kind -> {"count", "bytes"} of the collectives in optimized HLO text; bytes are each op's result (half
    the tuple of an async all-gather's or permute's "-start", which holds operand and result)."""
    out = {kind: {"count": 0, "bytes": 0} for kind in COLLECTIVES}
    for shape, kind, start in _COLLECTIVE.findall(hlo_text):
        size = _array_bytes(shape)
        if start and kind != "all-reduce" and shape.startswith("("):  # (operand, result) of an async op
            size //= 2
        out[kind]["count"] += 1
        out[kind]["bytes"] += size
    return {kind: v for kind, v in out.items() if v["count"]}


def _abstract(tree, sharding):
    return jax.tree_util.tree_map(lambda x: jax.ShapeDtypeStruct(np.shape(x), x.dtype, sharding=sharding), tree)


def shaped_dataset(config: ml_collections.ConfigDict) -> Dataset:
    """Synthetic splits of one global batch (the least build_experiment accepts) as broadcast views of one
    example: the shapes and dtypes a compile needs, without the host memory (ImageNet at batch 32768: 5 GB).
    jaxdl holds the training split whole on every device, so the compiled chunk's arguments include it."""
    options = reader_options(config.dataset)
    one = synthetic_dataset(config.dataset.name, 1, num_test=1, **options)

    def widen(split, n):
        return {k: np.broadcast_to(v[:1], (n, *v.shape[1:])) for k, v in split.items()}

    return dataclasses.replace(one, train=widen(one.train, config.batch_size),
                               test=widen(one.test, config.eval_batch_size))


def compile_for_target(config: ml_collections.ConfigDict, target: str, replicas: int | None = None,
                       steps: int | None = None) -> dict[str, Any]:
    """Compile `config`'s training chunk for `target` and report per-device costs and the roofline bound.
    Raises UserError (one line) when the program does not fit the chip's HBM."""
    devices, chip = target_devices(target)
    if replicas is not None:
        config.replicas = replicas
    length = steps or config.log_every
    if config.dataset.get("holdout"):  # synthetic data, nothing to hold out; the program is the same
        config.dataset.holdout = 0
    dataset = shaped_dataset(config)
    backend = parse_target(target)[0]
    with built_for(backend):  # the models' TPU/GPU implementations (e.g. no CPU im2col convolutions)
        exp = build_experiment(config, dataset=dataset, devices=devices)
    try:
        compiled, compile_s = compile_chunk(exp, length)
    except Exception as e:
        msg = str(e)
        if "RESOURCE_EXHAUSTED" in msg:  # XLA's compile-time HBM check, with both sizes
            sizes = re.search(r"\(([\d.]+\w?)\) exceeds available HBM \(([\d.]+\w?)\)", msg)
            need, have = sizes.groups() if sizes else ("more than", f"{chip.hbm_bytes / 2**30:.1f}G")
            raise UserError(f"does not fit on {chip.name}: the chunk needs {need} of HBM per device, the chip has "
                            f"{have} (XLA: {msg.strip().splitlines()[0][:160]})") from None
        raise
    cost, source = _cost(compiled), f"XLA:{backend.upper()}"
    if not cost.get("flops"):  # compile-only GPU targets: none (see the module docstring)
        cost, source = _cost(per_device_cpu_chunk(config, exp, length, backend)), "XLA:CPU, same per-device program"
    report = analyse(compiled, chip, config, exp, target, len(exp.replicas), len(devices), compile_s, length, cost)
    report["cost_analysis_from"] = source
    return report


def _cost(compiled) -> dict:
    cost = compiled.cost_analysis()
    if isinstance(cost, (list, tuple)):
        cost = cost[0] if cost else None
    return dict(cost or {})


def per_device_cpu_chunk(config: ml_collections.ConfigDict, exp, length: int, backend: str):
    """`exp`'s chunk as one device of its placement runs it (batch / data axis, replicas / replica axis),
    built with `backend`'s model implementations and compiled for this process's CPU."""
    sizes = dict(exp.placement.shape)
    if any(size > 1 for axis, size in sizes.items() if axis not in ("data", "replica")):
        raise UserError(f"mesh {sizes}: FLOPs for a GPU target are counted per device on the CPU, which "
                        "supports only the data and replica axes")
    c = config.copy_and_resolve_references()
    data = sizes.get("data", 1)
    c.batch_size, c.eval_batch_size, c.mesh = c.batch_size // data, c.eval_batch_size // data, {"replica": 1}
    if sizes.get("replica", 1) > 1:
        c.replicas = len(exp.replicas) // sizes["replica"]
    with built_for(backend):
        one = build_experiment(c, dataset=shaped_dataset(c), devices=None)
    return compile_chunk(one, length)[0]


def compile_chunk(exp, length: int):
    """(compiled, seconds): the experiment's unguarded chunk of `length` steps (what the driver runs while no
    replica diverges), compiled from shapes alone for the devices of its placement, nothing computed."""
    place = exp.placement
    programs = make_programs(exp, length)
    init_keys, data_keys = replica_keys(exp.replicas)
    states = programs.init_shapes(init_keys, exp.example_batch())
    args = (_abstract(states, place.per_replica), _abstract(exp.dataset.train, place.replicated),
            jax.ShapeDtypeStruct((), np.int32, sharding=place.replicated),
            _abstract(data_keys, place.per_replica))
    t = time.perf_counter()
    compiled = programs.unguarded_chunk.trace(*args).lower().compile()
    return compiled, time.perf_counter() - t


def analyse(compiled, chip: Chip, config, exp, target: str, k: int, num_devices: int, compile_s: float,
            length: int, cost: dict) -> dict[str, Any]:
    """The report dict of one compiled chunk (see the module docstring); `cost`: its per-device cost analysis."""
    flops, accessed = float(cost.get("flops", 0.0)), float(cost.get("bytes accessed", 0.0))
    mem = compiled.memory_analysis()
    memory = {name: int(getattr(mem, f"{name}_size_in_bytes", 0) or 0)
              for name in ("argument", "output", "alias", "temp", "generated_code")}
    needed = memory["argument"] + memory["output"] - memory["alias"] + memory["temp"]
    colls = collectives(compiled.as_text())
    coll_bytes = sum(v["bytes"] for v in colls.values())
    times = {"compute_s": flops / chip.peak_flops, "hbm_s": accessed / chip.hbm_bw,
             "collective_s": coll_bytes / chip.ici_bw if chip.ici_bw else None}
    bound = max(t for t in times.values() if t is not None)
    examples = k * config.batch_size  # per step, all replicas, all devices
    report = {
        "target": target, "chip": chip.name, "num_devices": num_devices, "mesh": exp.placement.shape,
        "config": {"dataset": config.dataset.name, "model": dict(config.model), "dtype": config.dtype,
                   "batch_size": config.batch_size, "task": config.task.name},
        "replicas": k, "steps_per_chunk": length, "compile_s": compile_s,
        "flops_per_step_per_device": flops, "bytes_accessed_per_step_per_device": accessed,
        "memory_per_device": memory, "memory_needed_per_device": needed, "hbm_bytes": chip.hbm_bytes,
        "training_split_bytes": sum(v.nbytes for v in exp.dataset.train.values()),
        "fits": needed <= HEADROOM * chip.hbm_bytes, "collectives_per_step": colls,
        "collective_bytes_per_step": coll_bytes, "roofline": times, "step_s_lower_bound": bound,
        "bottleneck": max((t, name) for name, t in times.items() if t is not None)[1],
        "mfu_upper_bound": times["compute_s"] / bound if bound else None,
        "examples_per_s_upper_bound": examples / bound if bound else None,
    }
    if not report["fits"]:
        raise UserError(f"does not fit on {chip.name}: the chunk needs {needed / 2**30:.2f} GiB of HBM per "
                        f"device, the chip has {chip.hbm_bytes / 2**30:.1f} GiB (fit: at most {HEADROOM:.0%})")
    return report


def format_aot_report(r: dict[str, Any]) -> str:
    gib = 2**30
    m, t = r["memory_per_device"], r["roofline"]
    colls = ", ".join(f"{kind} {v['count']} x, {v['bytes'] / 2**20:.3g} MiB" for kind, v in
                      r["collectives_per_step"].items()) or "none"
    coll_t = "n/a (no published ICI bandwidth)" if t["collective_s"] is None else f"{t['collective_s'] * 1e3:.3g} ms"
    return "\n".join([
        f"target           {r['target']}: {r['num_devices']} x {r['chip']}, mesh {r['mesh']}",
        f"model            {r['config']['model'].get('name')} ({r['config']['task']}) on {r['config']['dataset']} "
        f"shapes, batch {r['config']['batch_size']} (global), {r['config']['dtype']}, {r['replicas']} replica(s)",
        f"compile          {r['compile_s']:.1f} s (chunk of {r['steps_per_chunk']} steps, compiled on this CPU)",
        "per device, one step (all replicas on the device together):",
        f"  FLOPs          {r['flops_per_step_per_device'] / 1e9:.4g} GFLOP (cost analysis: {r['cost_analysis_from']})",
        f"  HBM accessed   {r['bytes_accessed_per_step_per_device'] / gib:.4g} GiB",
        f"  memory         arguments {m['argument'] / gib:.3g} + outputs {m['output'] / gib:.3g} - aliased "
        f"{m['alias'] / gib:.3g} + temp {m['temp'] / gib:.3g} = {r['memory_needed_per_device'] / gib:.3g} GiB of "
        f"{r['hbm_bytes'] / gib:.3g} GiB ({'fits' if r['fits'] else 'does NOT fit'} with {1 - HEADROOM:.0%} headroom; "
        f"arguments include the training split, here one global batch: {r['training_split_bytes'] / gib:.3g} GiB)",
        f"  collectives    {colls}",
        f"roofline         step >= max(compute {t['compute_s'] * 1e3:.3g} ms, HBM {t['hbm_s'] * 1e3:.3g} ms, "
        f"collectives {coll_t}) = {r['step_s_lower_bound'] * 1e3:.3g} ms ({r['bottleneck'][:-2]}-bound)",
        f"upper bounds     MFU {100 * r['mfu_upper_bound']:.1f}%, {r['examples_per_s_upper_bound']:.4g} examples/s "
        f"(all replicas, all devices)",
    ])


def format_comparison(measured: dict[str, Any], estimate: dict[str, Any]) -> str:
    """The estimate of `jaxdl bench --target` beside the measured `jaxdl bench` report of the same config (both
    their --json dicts), per device: how far the measured step is above the roofline bound, and how XLA's
    FLOPs and memory on the real device compare with the ahead-of-time figures."""
    gib, step, bound = 2**30, measured["step_s"]["median"], estimate["step_s_lower_bound"]

    def ratio(a, b):
        return f"{a / b:.3g}x" if a and b else "n/a"

    flops, est_flops = measured.get("flops_per_step"), estimate["flops_per_step_per_device"]
    mfu = "n/a" if measured.get("mfu") is None else f"{100 * measured['mfu']:.1f}%"
    mem = measured.get("peak_memory_bytes")
    return "\n".join([
        f"ahead-of-time estimate ({estimate['target']}: {estimate['chip']}, compiled on the CPU) beside the "
        f"measured run on {measured['device']}, per device:",
        f"  step time      measured {step * 1e3:.4g} ms (median) vs roofline bound {bound * 1e3:.4g} ms "
        f"({estimate['bottleneck'][:-2]}-bound): measured / bound {ratio(step, bound)}",
        f"  examples/s     measured {measured['examples_per_s']:.4g} vs upper bound "
        f"{estimate['examples_per_s_upper_bound']:.4g}",
        f"  FLOPs/step     measured {'n/a' if not flops else f'{flops / 1e9:.4g} GFLOP'} "
        f"({measured.get('flops_source')}) "
        f"vs estimate {est_flops / 1e9:.4g} GFLOP ({estimate['cost_analysis_from']}): ratio {ratio(flops, est_flops)}",
        f"  MFU            measured {mfu} vs upper bound {100 * estimate['mfu_upper_bound']:.1f}%",
        f"  memory         measured peak {'n/a' if mem is None else f'{mem / gib:.3g} GiB'} (training split of 8 "
        f"batches) vs estimate {estimate['memory_needed_per_device'] / gib:.3g} GiB (split of one batch)",
    ])
