"""Print `jaxdl bench --target`'s ahead-of-time estimate beside a measured `jaxdl bench` of the same config:

    python experiments/aot_vs_measured.py MEASURED.json ESTIMATE.json

(experiments/gpu_bench.sh runs it after each measured config on a lent GPU.)"""

import json
import sys

from jaxdl.bench.aot import format_comparison

if __name__ == "__main__":
    measured, estimate = (json.load(open(path)) for path in sys.argv[1:3])
    print(format_comparison(measured, estimate))
