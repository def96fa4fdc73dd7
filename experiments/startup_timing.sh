#!/usr/bin/env bash
# Back-to-back end-to-end timings of three short runs (issue #21): BASE, a checkout of the code before the
# start-up caches (`git archive 77a561f | tar -x -C /tmp/speed/base`), against MAIN, one interpreter, a fresh
# cache home. Per command: base, base, main (empty caches), main (cached), base, main.
# Usage: MAIN=$PWD BASE=/tmp/speed/base bash experiments/startup_timing.sh
set -u
MAIN=${MAIN:-$PWD}
BASE=${BASE:-/tmp/speed/base}
PY=${PY:-$MAIN/.venv/bin/python}
DATA=${DATA:-$MAIN/../shared/datasets/tfds}
export XDG_CACHE_HOME=/tmp/m21cache
mkdir -p $XDG_CACHE_HOME
run() { # label checkout args...
  local label=$1 co=$2; shift 2
  local t0=$(date +%s.%N)
  (cd $co && PYTHONPATH=$co $PY -m jaxdl.cli train "$@" --workdir /tmp/m21/$label --overwrite --quiet >/dev/null 2>&1)
  local rc=$?
  local t1=$(date +%s.%N)
  printf "%-12s rc=%s %6.2f s  %s\n" "$label" $rc $(echo "$t1 - $t0" | bc) "$*"
}
MNIST="--config experiments/configs/mnist_mlp.py --config.data_dir=$DATA --config.steps=100"
M1D="--config experiments/configs/mnist1d_mlp.py --config.steps=250"
DEMO="--config experiments/configs/mnist1d_cnn.py --config.replicas=5"
uptime
for cmd in MNIST M1D DEMO; do
  args=${!cmd}
  run base_$cmd $BASE $args; run base_$cmd $BASE $args
  run main_$cmd $MAIN $args; run main_$cmd $MAIN $args
  run base_$cmd $BASE $args; run main_$cmd $MAIN $args
done
uptime
