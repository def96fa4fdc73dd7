"""Do refactors leave the numbers alone? Short runs of every model family, compared byte for byte.

    python experiments/numbers_unchanged.py --write experiments/numbers_baseline.json   # record
    python experiments/numbers_unchanged.py --check experiments/numbers_baseline.json   # compare

Each family's config in experiments/configs/ runs through `jaxdl train` in its own process (the CLI sets the
XLA flags, as for a user) with 2 replicas, a few hundred steps (fewer for the slow dense-prediction models)
and `checkpoint_every=0`. The record is the sha256 of each run's metrics.jsonl: every train and test metric of
both replicas, printed by `json.dumps` of float64, so equal hashes mean bitwise equal numbers. Compare only
on the machine (and jax version) that wrote the record: other CPUs round differently.

`--check` exits 1 when some family differs. A change that moves numbers on purpose is named in its commit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# family -> config overrides (besides replicas=2, checkpoint_every=0): two evaluations per run
FAMILIES = {
    "mnist1d_cnn": dict(steps=300, log_every=50, eval_every=150),
    "mnist1d_gru": dict(steps=200, log_every=50, eval_every=100),
    "digits_vae": {"steps": 300, "log_every": 50, "eval_every": 150, "task.quality_score": False},
    "digits_dcgan": {"steps": 300, "log_every": 50, "eval_every": 150, "task.quality_score": False},
    "addition_seq2seq": dict(steps=200, log_every=50, eval_every=100),
    "digit_scenes_unet": dict(steps=100, log_every=25, eval_every=50),
    "digit_scenes_detector": dict(steps=100, log_every=25, eval_every=50),
}


def run_family(name: str, overrides: dict, workdir: str) -> dict:
    """Train `name` into workdir through the CLI -> {"sha256", "lines", "seconds"} of its metrics.jsonl."""
    args = [f"--config.{k}={v}" for k, v in {"replicas": 2, "checkpoint_every": 0, **overrides}.items()]
    cmd = [sys.executable, "-m", "jaxdl.cli", "train", "--config", os.path.join(ROOT, "experiments", "configs",
           f"{name}.py"), "--workdir", workdir, "--quiet", "--overwrite", *args]
    t = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{name}: jaxdl train exited {done.returncode}:\n{done.stderr[-2000:]}")
    with open(os.path.join(workdir, "metrics.jsonl"), "rb") as f:
        data = f.read()
    return {"sha256": hashlib.sha256(data).hexdigest(), "lines": data.count(b"\n"),
            "seconds": round(time.perf_counter() - t, 1)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", metavar="FILE",
                      help="record the families' hashes into FILE (JSON; with --only, other entries are kept)")
    mode.add_argument("--check", metavar="FILE", help="rerun and compare with the record in FILE")
    p.add_argument("--only", nargs="*", default=None, help="these families only")
    args = p.parse_args(argv)
    names = args.only or list(FAMILIES)
    record = json.load(open(args.check)) if args.check else {}
    results, same = {}, True
    with tempfile.TemporaryDirectory(prefix="jaxdl_numbers_") as tmp:
        for name in names:
            results[name] = run_family(name, FAMILIES[name], os.path.join(tmp, name))
            if args.check:
                ok = record.get(name, {}).get("sha256") == results[name]["sha256"]
                same &= ok
                print(f"{name:>22}: {'byte-identical' if ok else 'DIFFERENT'} ({results[name]['seconds']} s)",
                      flush=True)
            else:
                print(f"{name:>22}: {results[name]['sha256'][:16]} ({results[name]['seconds']} s)", flush=True)
    if args.write:
        # with --only, the other families' entries already in FILE stay as they are
        kept = json.load(open(args.write)) if args.only and os.path.exists(args.write) else {}
        kept.update({k: {"sha256": v["sha256"], "lines": v["lines"]} for k, v in results.items()})
        with open(args.write, "w") as f:
            json.dump(kept, f, indent=2)
            f.write("\n")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
