"""Measure DCGAN recipe changes one at a time: each variant is one `jaxdl train` run of a config with
overrides; prints a markdown row per run with the scorer's confidence (mean max-probability), the smallest
class share, classifier score and Fréchet distance (replica 0 and the real-test ceiling), and the CPU
seconds of the whole command (user + system, compile included; the scorer is loaded from its cache).

    .venv/bin/python experiments/dcgan_recipes.py experiments/configs/digits_dcgan.py /tmp/dcgan \
        "baseline" "" "EMA 0.999" "--config.task.g_ema=0.999" ...

Arguments after the workdir root come in pairs: a label, then the overrides (space-separated, no spaces
inside one). Runs one after another (one process at a time on a shared machine).
"""

import json
import os
import resource
import subprocess
import sys
import time


def cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main():
    config, root, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
    jaxdl = os.path.join(os.path.dirname(sys.executable), "jaxdl")
    print("| change | confidence | min class share | classifier score | Fréchet | CPU s | wall s | load |")
    print("|---|---|---|---|---|---|---|---|", flush=True)
    for i in range(0, len(pairs), 2):
        label, overrides = pairs[i], pairs[i + 1].split()
        workdir = os.path.join(root, f"v{i // 2:02d}")
        cmd = [jaxdl, "train", "--config", config, "--workdir", workdir, "--overwrite", *overrides]
        cpu, wall = cpu_children(), time.time()
        out = subprocess.run(cmd, capture_output=True, text=True)
        cpu, wall = cpu_children() - cpu, time.time() - wall
        load = open("/proc/loadavg").read().split()[0]
        if out.returncode:
            print(f"| {label} | failed ({out.returncode}): {out.stderr.strip().splitlines()[-1:]} |", flush=True)
            continue
        q = json.load(open(os.path.join(workdir, "sample_quality.json")))
        s, r = q["samples"], q["real_test"]
        fmt = lambda key, f, s=s, r=r: " / ".join(format(v, f) for v in s[key]) + f" ({r[key]:{f}})"
        print(f"| {label} | {fmt('classifier_confidence', '.3f')} | {fmt('classifier_min_class_share', '.3f')} | "
              f"{fmt('classifier_score', '.2f')} | {fmt('classifier_frechet', '.2f')} | {cpu:.0f} | {wall:.0f} | "
              f"{load} |", flush=True)


if __name__ == "__main__":
    main()
