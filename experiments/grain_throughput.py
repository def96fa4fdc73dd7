"""The grain pipeline's speed: host examples/s against Grain worker processes, and the real-MNIST CNN's step time
on the grain path against the device path (issue #23's goal: grain within 1.3x of device).

    .venv/bin/python experiments/grain_throughput.py pipeline --workers 0 1 2 3 --json out.json
    .venv/bin/python experiments/grain_throughput.py steps --steps 500 --json out.json

`pipeline`: examples/s of `jaxdl.data.stream.train_stream` alone (no training), after its first batch (worker
start-up excluded), for real MNIST (../shared/datasets/tfds; PNG decode, no augmentation) and for synthetic
224x224 JPEG photos (a fake imagenet2012 made here, smooth random images, JPEG-encoded by TFDS) with the ImageNet
training augmentation (random-resized crop to 224 + flip). `steps`: experiments/configs/mnist_cnn.py on real
MNIST, --replicas replicas (1), --steps steps without evaluation, grain (2 workers) then device, back to back; per-step
time = summary.json train_s / steps (the grain path's train_s includes waiting for its batches).
Prints the 1-minute load average beside every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "datasets", "tfds")


def load() -> float:
    return float(open("/proc/loadavg").read().split()[0])


def fake_jpegs(data_dir: str, n: int) -> None:
    """A fake imagenet2012 of n 224x224 JPEG photos (smooth random colour fields plus noise) in data_dir."""
    import PIL.Image
    import tensorflow_datasets as tfds

    real = tfds.builder("imagenet2012", data_dir=data_dir)
    features = real.info.features
    rng = np.random.default_rng(0)

    def photo():
        small = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
        image = np.asarray(PIL.Image.fromarray(small).resize((224, 224), PIL.Image.Resampling.BICUBIC), np.int16)
        return np.clip(image + rng.integers(-20, 21, image.shape), 0, 255).astype(np.uint8)

    class Fake(tfds.core.GeneratorBasedBuilder, skip_registration=True):
        name, VERSION, code_path = "imagenet2012", real.version, None

        def _info(self):
            return tfds.core.DatasetInfo(builder=self, features=features, disable_shuffling=True)

        def _split_generators(self, dl_manager):
            return {"train": self._generate_examples(n), "validation": self._generate_examples(8)}

        def _generate_examples(self, count):
            for i in range(count):
                yield i, {"image": PIL.Image.fromarray(photo()), "label": i % 1000, "file_name": f"{i}.JPEG"}

    Fake(data_dir=data_dir, file_format="array_record").download_and_prepare()


def pipeline_rate(name: str, data_dir: str, options: dict, workers: int, batch: int, batches: int) -> dict:
    from jaxdl.data import stream

    spec = stream.spec(name, data_dir, options)
    it = iter(stream.train_stream(spec, batch=batch, steps=batches + 1, shard=0, shards=1, key=(0, 1),
                                  shuffle=True, ops={}, workers=workers))
    try:
        t0 = time.perf_counter()
        next(it)  # worker start-up
        start_s = time.perf_counter() - t0
        cpu0, t0 = os.times(), time.perf_counter()
        for _ in range(batches):
            next(it)
        wall = time.perf_counter() - t0
        cpu1 = os.times()
    finally:
        it.close()
    main_cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    return {"dataset": name, "workers": workers, "batch": batch, "batches": batches,
            "examples_per_s": batch * batches / wall, "first_batch_s": start_s,
            "main_process_cpu_s": main_cpu, "load": load()}


def cmd_pipeline(args) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        fake_jpegs(tmp, args.jpegs)
        print(f"made {args.jpegs} JPEGs in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        for workers in args.workers:
            if os.path.isdir(os.path.join(SHARED, "mnist")):
                rows.append(pipeline_rate("mnist", SHARED, {}, workers, 128, args.mnist_batches))
                print(json.dumps(rows[-1]), flush=True)
            rows.append(pipeline_rate("imagenet2012", tmp, {"image_size": 224}, workers, 32, args.jpeg_batches))
            print(json.dumps(rows[-1]), flush=True)
    return rows


def cmd_steps(args) -> list[dict]:
    from jaxdl.config import apply_overrides, load_config
    from jaxdl.train.run import train_and_evaluate

    rows = []
    for pipeline in args.pipelines:
        c = load_config(os.path.join(ROOT, "experiments", "configs", "mnist_cnn.py"))
        apply_overrides(c, [("data_dir", SHARED), ("dataset.pipeline", repr(pipeline)),
                            ("dataset.workers", str(args.workers)), ("steps", str(args.steps)),
                            ("log_every", str(args.log_every)), ("eval_every", str(args.steps)),
                            ("eval_batch_size", "10000"), ("replicas", str(args.replicas))])
        with tempfile.TemporaryDirectory() as tmp:
            load0 = load()
            s = train_and_evaluate(c, os.path.join(tmp, "run"), quiet=True, plots=False, tensorboard=False)
        rows.append({"pipeline": pipeline, "workers": args.workers if pipeline == "grain" else None,
                     "steps": args.steps, "train_s": s["train_s"], "ms_per_step": 1e3 * s["train_s"] / args.steps,
                     "data_s": s["timings"]["total"].get("data_s"), "compile_s": s["compile_s"],
                     "accuracy": s["final"]["test"]["accuracy"][0], "load_start": load0, "load_end": load()})
        print(json.dumps(rows[-1]), flush=True)
    ms = {p: [r["ms_per_step"] for r in rows if r["pipeline"] == p] for p in ("grain", "device")}
    if ms["grain"] and ms["device"]:
        print(f"grain / device, mean ms per step: {np.mean(ms['grain']):.1f} / {np.mean(ms['device']):.1f} = "
              f"{np.mean(ms['grain']) / np.mean(ms['device']):.2f}x", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pipeline")
    p.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2, 3])
    p.add_argument("--jpegs", type=int, default=512)
    p.add_argument("--mnist_batches", type=int, default=60)
    p.add_argument("--jpeg_batches", type=int, default=12)
    s = sub.add_parser("steps")
    s.add_argument("--steps", type=int, default=500)
    s.add_argument("--log_every", type=int, default=250)
    s.add_argument("--workers", type=int, default=2)
    s.add_argument("--pipelines", nargs="+", default=["grain", "device"])
    s.add_argument("--replicas", type=int, default=1)
    for q in (p, s):
        q.add_argument("--json", default=None)
    args = parser.parse_args()
    rows = cmd_pipeline(args) if args.cmd == "pipeline" else cmd_steps(args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
