"""(h) The cost of compilation: the first call in a new environment, and the first call once the
compilation cache is filled; and ``alignsim run baseline_2022`` warm.

Each measurement is a fresh subprocess. "Cold": ``ALIGNSIM_NUMBA_CACHE`` (the month) and
``NUMBA_CACHE_DIR`` (the histogram kernel) point at empty folders, so the first
``simulate`` (10 runs x 12 months) compiles the month and the first histogram month compiles
its kernel. "Cached": a second subprocess with the same, now filled, folders. The two alternate
(cold, cached, cold, cached, ...), a new pair of empty folders for each cold one. Also timed:
``alignsim run baseline_2022 --out DIR --quiet`` (the Mesa model, one run, files written) as a
subprocess with the usual cache, after one warm-up.
Run: .venv/bin/python benchmarks/bench_compile.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import ROOT, load_avg, others_running, save, stats  # noqa: E402

#: Timed inside the subprocess: the import, the first simulate, the first histogram month.
PROBE = r"""
import json, time
t0 = time.perf_counter()
import numpy as np
from sim.engines.batch import simulate
from sim.scenario import load_scenario
from sim.experiments.histogram import MonthlyHistogram
t1 = time.perf_counter()
res = simulate(load_scenario("baseline_2022"), 1, np.arange(10), months=12, keep_monthly=True)
t2 = time.perf_counter()
h = MonthlyHistogram(np.zeros(10, dtype=np.int64), [0, 1, 2])
h.add(12, res.monthly[:, 12])
t3 = time.perf_counter()
res = simulate(load_scenario("baseline_2022"), 1, np.arange(10), months=12)
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first_simulate": t2 - t1, "first_histogram": t3 - t2,
                  "second_simulate": t4 - t3}))
"""


def probe(month_cache: Path, hist_cache: Path) -> dict[str, float]:
    env = dict(os.environ, ALIGNSIM_NUMBA_CACHE=str(month_cache), NUMBA_CACHE_DIR=str(hist_cache))
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=True)  # fmt: skip
    wall = time.perf_counter() - t0
    out = json.loads(res.stdout.strip().splitlines()[-1])
    out["process_wall"] = wall
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    load, others = load_avg(), others_running()
    cold: list[dict[str, float]] = []
    cached: list[dict[str, float]] = []
    run_t: list[float] = []
    exe = str(Path(sys.executable).parent / "alignsim")
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for i in range(args.repeats):
            month_cache, hist_cache = tmp / f"month{i}", tmp / f"hist{i}"
            month_cache.mkdir()
            hist_cache.mkdir()
            cold.append(probe(month_cache, hist_cache))
            cached.append(probe(month_cache, hist_cache))
        cmd = [exe, "run", "baseline_2022", "--quiet", "--out"]
        subprocess.run([*cmd, str(tmp / "run_warm")], cwd=ROOT, capture_output=True, check=True)
        for i in range(args.repeats):
            t0 = time.perf_counter()
            subprocess.run([*cmd, str(tmp / f"run{i}")], cwd=ROOT, capture_output=True,
                           check=True)  # fmt: skip
            run_t.append(time.perf_counter() - t0)

    def col(rows: list[dict[str, float]]) -> dict[str, dict]:
        return {k: stats([r[k] for r in rows], 3) for k in rows[0]}

    c, w = col(cold), col(cached)
    save("compile", {
        "_load": load,
        "_others": others,
        "probe": "simulate(baseline_2022, 10 runs x 12 months) then one histogram month "
                 "(3 variables), in a fresh subprocess",
        "repeats": args.repeats,
        "order": "alternating cold (empty caches), cached (the same caches, filled)",
        "cold_seconds": c,
        "cached_seconds": w,
        "compile_cost_seconds_median": round(
            c["first_simulate"]["median"] + c["first_histogram"]["median"]
            - w["first_simulate"]["median"] - w["first_histogram"]["median"], 2),
        "alignsim_run": "alignsim run baseline_2022 --quiet --out DIR",
        "alignsim_run_warm_seconds": stats(run_t, 3),
    })  # fmt: skip


if __name__ == "__main__":
    main()
