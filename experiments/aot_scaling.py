"""The ahead-of-time scaling table: the trainer's chunk compiled for TPU topologies this machine lacks
(`jaxdl bench --target`, jaxdl/bench/aot.py; needs libtpu: pip install -e '.[tpu-aot]'), one row each:

    python experiments/aot_scaling.py [--out experiments/aot_scaling] [--timeout 900] [--only resnet50,cifar]
        [--targets v5e]

Rows: ResNet-50 at 224 px in bf16, 128 examples per device, data-parallel over v5e 2x2 -> 4x4 -> 16x16 and
v5p 2x2x1 -> 4x4x4; the CIFAR ResNet-18 in bf16, 128 per device, over v5e 2x2 -> 16x16; the MNIST-1D
table's models (batch 100 each, f32) with K replicas split over the devices ({"replica": devices}), K = 4 and
64 on v5e 2x2, K = 256 on v5e 16x16: the examples/s bound grows with K while per-device memory stays tiny.

Each row is one `jaxdl bench --target ... --json` process (capped at --timeout seconds: big compiles on a
loaded 2-core machine are slow); rows that fail or time out are written with the reason. Writes OUT.json
(every report) and OUT.md (the table), rewritten after every row so a stopped run keeps what it finished.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIGS = os.path.join(HERE, "configs")


def rows() -> list[tuple[str, str, str, list[str]]]:
    """(family, config file, target, overrides) in the order they are compiled: cheap first."""
    out = []
    for model in ("logreg", "mlp", "cnn", "gru"):
        for target, k, mesh in (("tpu:v5e:2x2", 4, 4), ("tpu:v5e:2x2", 64, 4), ("tpu:v5e:16x16", 256, 256)):
            out.append((f"mnist1d {model}, K={k}", f"mnist1d_{model}.py", target,
                        [f"--config.replicas={k}", f'--config.mesh={{"replica": {mesh}}}']))
    for target, chips in (("tpu:v5e:2x2", 4), ("tpu:v5e:4x4", 16), ("tpu:v5e:16x16", 256)):
        out.append(("cifar10 resnet18 bf16", "cifar10_resnet18.py", target,
                    ["--config.dtype=bfloat16", f"--config.batch_size={128 * chips}",
                     f"--config.eval_batch_size={128 * chips}"]))
    for target, chips in (("tpu:v5e:2x2", 4), ("tpu:v5p:2x2x1", 4), ("tpu:v5e:4x4", 16), ("tpu:v5e:16x16", 256),
                          ("tpu:v5p:4x4x4", 64)):
        out.append(("imagenet resnet50 bf16", "imagenet_resnet50.py", target,
                    ["--config.dtype=bfloat16", f"--config.batch_size={128 * chips}",
                     f"--config.eval_batch_size={128 * chips}"]))
    return out


def run_row(config: str, target: str, overrides: list[str], timeout: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "report.json")
        cmd = [os.path.join(os.path.dirname(sys.executable), "jaxdl"), "bench", "--config",
               os.path.join(CONFIGS, config), "--target", target, "--steps", "2", "--json", path, *overrides]
        t = time.perf_counter()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"error": f"not compiled within {timeout} s"}
        if proc.returncode:
            return {"error": (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1][:300]}
        with open(path) as f:
            report = json.load(f)
        report["wall_s"] = time.perf_counter() - t
        return report


def table(results: list[dict]) -> str:
    head = ("| model | target | devices | mesh | batch (global) | K | memory/device GiB | collectives/step | "
            "all-reduce MiB/step | step >= ms | bound by | MFU <= | examples/s <= | compile s |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in results:
        rep = r["report"]
        if "error" in rep:
            lines.append(f"| {r['family']} | {r['target']} | | | | | | | | | {rep['error']} | | | |")
            continue
        colls = rep["collectives_per_step"]
        lines.append(
            f"| {r['family']} | {r['target']} | {rep['num_devices']} | {rep['mesh']} | {rep['config']['batch_size']} | "
            f"{rep['replicas']} | {rep['memory_needed_per_device'] / 2**30:.3g} | "
            f"{sum(v['count'] for v in colls.values())} | {colls.get('all-reduce', {}).get('bytes', 0) / 2**20:.3g} | "
            f"{rep['step_s_lower_bound'] * 1e3:.3g} | {rep['bottleneck'][:-2]} | {100 * rep['mfu_upper_bound']:.1f}% | "
            f"{rep['examples_per_s_upper_bound']:.3g} | {rep['compile_s']:.0f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(HERE, "aot_scaling"), help="OUT.json and OUT.md")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per compile")
    parser.add_argument("--only", default="", help="comma-separated substrings of the families to run")
    parser.add_argument("--targets", default="", help="comma-separated substrings of the targets to run")
    args = parser.parse_args()
    wanted = [w for w in args.only.split(",") if w]
    results = []
    for family, config, target, overrides in rows():
        if wanted and not any(w in family for w in wanted):
            continue
        if args.targets and not any(t in target for t in args.targets.split(",")):
            continue
        report = run_row(config, target, overrides, args.timeout)
        results.append({"family": family, "config": config, "target": target, "overrides": overrides,
                        "report": report})
        print(f"{family:28s} {target:16s} " + (report.get("error") or
              f"{report['step_s_lower_bound'] * 1e3:.3g} ms, compile {report['compile_s']:.0f} s"), flush=True)
        with open(args.out + ".json", "w") as f:
            json.dump(results, f, indent=1, sort_keys=True)
        with open(args.out + ".md", "w") as f:
            f.write(table(results) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
