"""The outcome tests' values under several XLA:CPU instruction-set limits and host-device counts.

    .venv/bin/python experiments/outcome_margins.py [--isa DEFAULT,AVX2,AVX,SSE4_2] [--devices 2,1]
        [--extra LABEL=XLA_FLAGS ...] [--json FILE] [-- extra pytest args]
    .venv/bin/python experiments/outcome_margins.py --table FILE.json [FILE.json ...]

XLA:CPU picks its kernels by instruction set, so rounding, and with it every training trajectory, differs
from machine to machine. This runs `pytest -m outcome` (the tests that assert where training ends) once per
setting, with `--xla_cpu_max_isa` and `--xla_force_host_platform_device_count` in XLA_FLAGS, reads the
values each test recorded through the `outcome` fixture (tests/conftest.py), and prints one markdown row per
checked value: its bound, its value per setting, the worst, and the margin (worst against the bound, as a
fraction of the bound). A bound belongs clearly outside the worst value seen.

`--xla_cpu_max_isa` limits the code XLA generates itself (elementwise fusions, loops), not the kernel
libraries it calls for dots and convolutions, which choose by the CPU they run on: on one machine it moves
few values. `--extra` adds settings that change those kernels too (e.g. YNNPACK's dot fusions off).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_setting(isa: str, devices: int, extra: list[str], more_flags: str = "") -> tuple[list[dict], int, float]:
    """Run the outcome tests under one setting -> (recorded checks, pytest exit code, seconds)."""
    flags = [f"--xla_force_host_platform_device_count={devices}", *more_flags.split()]
    if isa != "DEFAULT":
        flags.append(f"--xla_cpu_max_isa={isa}")
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "outcomes.jsonl")
        env = dict(os.environ, XLA_FLAGS=" ".join(flags), JAXDL_OUTCOME_LOG=log)
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "pytest", "-m", "outcome", "-p", "no:cacheprovider", "-q",
                               *extra], cwd=ROOT, env=env)
        seconds = time.perf_counter() - t
        rows = [json.loads(line) for line in open(log)] if os.path.exists(log) else []
    return rows, proc.returncode, seconds


def margin(value: float, op: str, bound: float) -> float:
    """How far `value` is on the good side of `bound`, as a fraction of |bound| (negative: it fails)."""
    gap = value - bound if op == ">=" else bound - value
    return gap / abs(bound) if bound else gap


def table(results: dict[str, list[dict]]) -> str:
    """Markdown: one row per checked value, one column per setting. A value's bound is the one recorded last
    (results in order, so a table over older runs shows today's bounds)."""
    settings = list(results)
    checks: dict[tuple[str, str, str], dict[str, float]] = {}
    bounds: dict[tuple[str, str, str], float] = {}
    for setting, rows in results.items():
        for r in rows:
            key = (r["test"], r["name"], r["op"])
            checks.setdefault(key, {})[setting] = r["value"]
            bounds[key] = r["bound"]
    head = "| test | value | bound | " + " | ".join(settings) + " | worst | margin |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for (test, name, op), values in sorted(checks.items()):
        bound, seen = bounds[(test, name, op)], list(values.values())
        worst = min(seen) if op == ">=" else max(seen)
        cells = " | ".join(f"{values[s]:.4g}" if s in values else "-" for s in settings)
        short = test.split("::", 1)[1] if "::" in test else test
        lines.append(f"| `{short}` | {name} | {op} {bound:g} | {cells} | {worst:.4g} | "
                     f"{100 * margin(worst, op, bound):+.0f}% |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--isa", default="DEFAULT,AVX2,AVX,SSE4_2", help="comma-separated --xla_cpu_max_isa values")
    p.add_argument("--devices", default="2,1", help="comma-separated host device counts")
    p.add_argument("--extra", action="append", default=[], metavar="LABEL=FLAGS",
                   help="one more setting: these XLA flags, the default instruction set, the first device count "
                        "(e.g. 'noYNN=--xla_cpu_experimental_ynn_fusion_type=': the dots through Eigen instead)")
    p.add_argument("--json", default=None, help="also write every recorded value here")
    p.add_argument("--table", nargs="+", default=None, metavar="JSON",
                   help="run nothing: print the table of earlier --json files (each value's bound as the last file "
                        "gives it)")
    args = p.parse_args(argv)
    if args.table:
        results = {}
        for path in args.table:
            with open(path) as f:
                results.update(json.load(f)["results"])
        print(table(results))
        return 0
    devices = [int(d) for d in args.devices.split(",")]
    settings = [(f"{isa} {d}d", isa, d, "") for d in devices for isa in args.isa.split(",") if isa]
    settings += [(f"{label} {devices[0]}d", "DEFAULT", devices[0], flags)
                 for label, _, flags in (e.partition("=") for e in args.extra)]
    results, status = {}, {}
    for name, isa, d, flags in settings:
        rows, code, seconds = run_setting(isa, d, extra, flags)
        results[name], status[name] = rows, {"pytest_exit": code, "seconds": round(seconds, 1)}
        print(f"{name}: pytest exit {code}, {len(rows)} values, {seconds:.0f} s", file=sys.stderr, flush=True)
        if args.json:  # after every setting, so that a long measurement keeps what it has
            with open(args.json, "w") as f:
                json.dump({"results": results, "status": status}, f, indent=1)
    print(table(results))
    print("\n" + ", ".join(f"{k}: exit {v['pytest_exit']} in {v['seconds']:.0f} s" for k, v in status.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
