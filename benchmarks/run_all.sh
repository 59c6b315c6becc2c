#!/usr/bin/env bash
# Every benchmark, then the table in benchmarks/README.md. Run on a quiet machine (the scripts
# record the load average and any known heavy job at their start): from the repository root,
#   benchmarks/run_all.sh            # about 10 minutes on 2 cores
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
# Wait (at most 3 minutes) until the 1-minute load average is below 1: the browser benchmarks
# leave Chromium processes exiting for a while, and a benchmark started meanwhile measures them.
settle() {
    for _ in $(seq 36); do
        awk '{ exit !($1 < 1.0) }' /proc/loadavg && return 0
        sleep 5
    done
}
for b in engine workers million coercion_sweep memory compile api help mesa_vs_array; do
    echo "== bench_$b" >&2
    "$PY" "benchmarks/bench_$b.py" > /dev/null
done
settle
"$PY" benchmarks/bench_class.py > /dev/null   # (j) class mode: 30 students in Chromium
settle
"$PY" benchmarks/bench_app.py > /dev/null     # (k) the teaching app: 30 sessions in Chromium
"$PY" benchmarks/make_readme.py > /dev/null
echo "figures: benchmarks/README.md (JSON in benchmarks/results/)" >&2
