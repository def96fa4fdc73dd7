"""Train a config on its training split less a held-out tail, and evaluate on that tail: a validation run
for choosing a recipe without looking at the test split.

    python experiments/holdout_run.py experiments/configs/digit_scenes_unet.py --holdout 400 \
        --workdir /tmp/holdout [--config.steps=500 ...]

The last `--holdout` examples of the training split become the "test" split the run reports (summary.json's
"test" metrics are then validation metrics); the model trains on the rest. Prints each seed's final metrics.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("config")
    p.add_argument("--holdout", type=int, required=True, help="examples held out from the end of train")
    p.add_argument("--workdir", required=True)
    args, rest = p.parse_known_args(argv)
    from jaxdl import platform

    platform.configure()  # before jax starts its backend, as `jaxdl train` does
    from jaxdl.config import apply_overrides, load_config
    from jaxdl.errors import UserError
    from jaxdl.train.run import train_and_evaluate
    from jaxdl.train.setup import build_experiment

    try:
        config = load_config(args.config)
        overrides = []
        for arg in rest:
            if not arg.startswith("--config.") or "=" not in arg:
                raise UserError(f"unknown argument {arg!r}; overrides are --config.KEY=VALUE")
            key, value = arg[len("--config.") :].split("=", 1)
            overrides.append((key, value))
        apply_overrides(config, overrides)
        full = build_experiment(config).dataset
        n = full.num_train - args.holdout
        if not 0 < args.holdout < full.num_train:
            raise UserError(f"--holdout must be in (0, {full.num_train}), got {args.holdout}")
        held = dataclasses.replace(
            full, train={k: v[:n] for k, v in full.train.items()}, test={k: v[n:] for k, v in full.train.items()}
        )
        summary = train_and_evaluate(config, args.workdir, quiet=True, overwrite=True, dataset=held, plots=False)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for name, values in summary["final"]["test"].items():
        if isinstance(values, list) and values and not isinstance(values[0], list):
            print(f"validation {name}: {', '.join(f'{v:.3f}' for v in values)}")
    print(f"wall_s {summary['wall_s']:.1f}, timings {summary.get('timings')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
