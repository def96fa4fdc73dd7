#!/usr/bin/env bash
# Issue #5's accelerator record, prepared for a session that is lent a GPU: ResNet-18 at 32 px (CIFAR-10
# shapes) and ResNet-50 at 224 px (ImageNet shapes), bf16 compute, synthetic data, through `jaxdl bench`;
# prints each report and writes its JSON (steps/s, examples/s, FLOPs, MFU, peak memory) under OUTDIR.
#
#   experiments/gpu_bench.sh OUTDIR [extra jaxdl bench arguments, e.g. --config.batch_size=2 --steps 2]
#
# PYTHON picks the interpreter (default python3). It needs jaxdl's dependencies: on the lent machines'
# image ml_collections and tensorflow-datasets are missing and travel as wheels (see the device tool's
# README); the check below names what is missing before any time is spent.
set -euo pipefail
out=${1:?usage: experiments/gpu_bench.sh OUTDIR [jaxdl bench arguments]}
shift
py=${PYTHON:-python3}
cd "$(dirname "$0")/.."
"$py" -c "import jax, flax, optax, orbax.checkpoint, ml_collections, tensorflow_datasets; print(jax.devices())"
mkdir -p "$out"

bench() {  # CONFIG NAME STEPS [extra arguments]
    local config=$1 name=$2 steps=$3
    shift 3
    PYTHONPATH=. "$py" -m jaxdl.cli bench --config "experiments/configs/$config.py" --config.dtype=bfloat16 \
        --steps "$steps" --repeats 5 --json "$out/$name.json" "$@" | tee "$out/$name.txt"
}

bench cifar10_resnet18 resnet18_32px_bf16 50 "$@"
bench imagenet_resnet50 resnet50_224px_bf16 20 "$@"
# what config.deterministic (default True: --xla_gpu_deterministic_ops) costs: the same ResNet-18 without it
bench cifar10_resnet18 resnet18_32px_bf16_nondeterministic 50 --config.deterministic=False "$@"
