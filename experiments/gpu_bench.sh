#!/usr/bin/env bash
# Issue #5's accelerator record, prepared for a session that is lent a GPU: ResNet-18 at 32 px (CIFAR-10
# shapes) and ResNet-50 at 224 px (ImageNet shapes), bf16 compute, synthetic data, through `jaxdl bench`;
# prints each report and writes its JSON (steps/s, examples/s, FLOPs, MFU, peak memory) under OUTDIR.
# Beside each measured config it prints the ahead-of-time estimate of the same config (`jaxdl bench --target
# $AOT_TARGET`, default gpu:h200x1, the lent machines' card: compiled on the CPU for a compile-only GPU, FLOPs
# from XLA:CPU) through experiments/aot_vs_measured.py, so the roofline bound meets a real GPU. The estimate
# needs jax's CUDA plugin (there whenever jax runs on the GPU); if it fails, the measured numbers still stand.
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

estimate() {  # CONFIG NAME STEPS [extra arguments]: the ahead-of-time estimate beside $out/NAME.json
    local config=$1 name=$2 steps=$3
    shift 3
    if JAX_PLATFORMS=cpu PYTHONPATH=. "$py" -m jaxdl.cli bench --config "experiments/configs/$config.py" \
        --config.dtype=bfloat16 --target "${AOT_TARGET:-gpu:h200x1}" --steps "$steps" \
        --json "$out/$name.aot.json" "$@" > "$out/$name.aot.txt" 2>&1; then
        PYTHONPATH=. "$py" experiments/aot_vs_measured.py "$out/$name.json" "$out/$name.aot.json" \
            | tee "$out/$name.vs_aot.txt"
    else
        echo "ahead-of-time estimate failed, see $out/$name.aot.txt: $(tail -n 1 "$out/$name.aot.txt")"
    fi
}

bench cifar10_resnet18 resnet18_32px_bf16 50 "$@"
estimate cifar10_resnet18 resnet18_32px_bf16 50 "$@"
bench imagenet_resnet50 resnet50_224px_bf16 20 "$@"
estimate imagenet_resnet50 resnet50_224px_bf16 20 "$@"
# what config.deterministic (default True: --xla_gpu_deterministic_ops) costs: the same ResNet-18 without it
bench cifar10_resnet18 resnet18_32px_bf16_nondeterministic 50 --config.deterministic=False "$@"
