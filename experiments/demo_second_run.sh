#!/usr/bin/env bash
# `make demo`'s command run again with warm caches, BASE against NEW, interleaved (issue #21): each into a fresh
# workdir (base, new, base, new), then the literal second `make demo` (the finished run: printed, left alone).
# Each checkout has its own decoded-data cache (their reader code differs, so their keys do); the compilation
# cache is shared (same programs). Prints the timings line, wall and CPU seconds (/usr/bin/time), the load.
# Usage: NEW=$PWD BASE=/tmp/base bash experiments/demo_second_run.sh   (BASE: `git archive REV | tar -x -C`)
set -u
NEW=${NEW:-$PWD}
BASE=${BASE:-/tmp/base}
PY=${PY:-$NEW/.venv/bin/python}
export XDG_CACHE_HOME=${XDG_CACHE_HOME:-/tmp/demo_cache}
OUT=${OUT:-/tmp/demo_runs}
DEMO="--config experiments/configs/mnist1d_cnn.py --config.replicas=5 --quiet"
one() { # label checkout data-cache workdir
  local label=$1 co=$2 dc=$3 w=$4 load=$(cut -d' ' -f1 /proc/loadavg)
  local out=$(cd $co && JAXDL_DATA_CACHE=$dc PYTHONPATH=$co /usr/bin/time -f "TIME %e wall %U user %S sys" \
    $PY -m jaxdl.cli train $DEMO --workdir $w 2>&1 | grep -E "^time:|^TIME")
  echo "$label load=$load $(date -u +%H:%M:%S)"; echo "$out"
}
rm -rf $OUT; mkdir -p $OUT
# warm both: the decoded data (and, for NEW, its data record), every program in the compilation cache
for co in $BASE $NEW; do
  (cd $co && JAXDL_DATA_CACHE=$OUT/dc_$(basename $co) PYTHONPATH=$co $PY -m jaxdl.cli train $DEMO \
    --workdir $OUT/warm_$(basename $co) >/dev/null 2>&1)
done
for i in 1 2; do
  one base$i $BASE $OUT/dc_$(basename $BASE) $OUT/base$i
  one new$i $NEW $OUT/dc_$(basename $NEW) $OUT/new$i
done
one new_literal_second $NEW $OUT/dc_$(basename $NEW) $OUT/new1
one base_literal_second $BASE $OUT/dc_$(basename $BASE) $OUT/base1
