"""(e) The engine on one core, summaries only: the compiled month vs the previous engine.

baseline_2022, 20,000 runs x 120 months, root seed 1, nothing monthly kept. The previous engine
is the package at commit 3501c8a (``benchmarks/_common.PREVIOUS_COMMIT``), run in its own
long-lived subprocess (PYTHONPATH = an extracted copy of that commit) that answers one timed
``simulate`` call per request; the new engine runs in this process with ``threads=1``. Each side
makes one warm-up call first (compilation and imports excluded); then the timed calls alternate
(new, previous, new, previous, ...), every numeric library held to one thread. Also: both engines'
summaries compared run by run for the first 2,000 runs, and ``simulate(..., threads=2)`` vs
``threads=1`` in this process (alternating).
Run: .venv/bin/python benchmarks/bench_engine.py [--repeats 5]
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
os.environ.update({k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")})
from _common import (  # noqa: E402
    PREVIOUS_COMMIT,
    extract_previous,
    load_avg,
    others_running,
    ratio,
    save,
    single_thread_env,
    stats,
)

SCENARIO = "baseline_2022"
RUNS = 20_000
MONTHS = 120
SEED = 1
CHECK_RUNS = 2_000

#: The previous engine's side: one warm-up call, then one timed call per line read on stdin.
SERVER = r"""
import json, sys, time
import numpy as np
import sim
from sim.batch import simulate
from sim.scenario import load_scenario
root = sys.argv[1]
assert sim.__file__.startswith(root), sim.__file__
runs, months, seed, check, dump = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), \
    int(sys.argv[5]), sys.argv[6]
sc = load_scenario(sys.argv[7])
reps = np.arange(runs)
res = simulate(sc, seed, reps, months=months)   # warm-up, and the runs compared
np.savez(dump, **{k: v[:check] for k, v in res.summary.items()})
print(json.dumps({"ready": sim.__file__}), flush=True)
for line in sys.stdin:
    t0 = time.perf_counter()
    simulate(sc, seed, reps, months=months)
    print(json.dumps({"seconds": time.perf_counter() - t0}), flush=True)
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--runs", type=int, default=RUNS)
    args = ap.parse_args()
    load, others = load_avg(), others_running()
    import numpy as np

    from sim.engines.batch import simulate
    from sim.scenario import load_scenario

    runs, reps = args.runs, np.arange(args.runs)
    sc = load_scenario(SCENARIO)
    with tempfile.TemporaryDirectory() as tmp:
        old_root = extract_previous(Path(tmp))
        dump = Path(tmp) / "previous_summary.npz"
        env = single_thread_env()
        env["PYTHONPATH"] = str(old_root)
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(old_root), str(runs), str(MONTHS), str(SEED),
             str(CHECK_RUNS), str(dump), SCENARIO],
            cwd=old_root, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert server.stdin is not None and server.stdout is not None
        try:
            res = simulate(sc, SEED, reps, months=MONTHS, threads=1)  # warm-up (compiles/loads)
            ready = json.loads(server.stdout.readline())
            assert ready["ready"].startswith(str(old_root)), ready
            prev = dict(np.load(dump))
            same = {k: bool(np.array_equal(res.summary[k][:CHECK_RUNS], prev[k]))
                    for k in prev if k in res.summary}  # fmt: skip

            new_t: list[float] = []
            old_t: list[float] = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                simulate(sc, SEED, reps, months=MONTHS, threads=1)
                new_t.append(time.perf_counter() - t0)
                server.stdin.write("run\n")
                server.stdin.flush()
                old_t.append(json.loads(server.stdout.readline())["seconds"])
        finally:
            server.stdin.close()
            server.wait(timeout=60)

    # threads=2 vs threads=1 (alternating, same call)
    simulate(sc, SEED, reps, months=MONTHS, threads=2)
    t1: list[float] = []
    t2: list[float] = []
    for _ in range(args.repeats):
        for th, acc in ((1, t1), (2, t2)):
            t0 = time.perf_counter()
            simulate(sc, SEED, reps, months=MONTHS, threads=th)
            acc.append(time.perf_counter() - t0)

    rm = runs * MONTHS
    new_s, old_s, s1, s2 = stats(new_t), stats(old_t), stats(t1), stats(t2)

    def rate(s: dict) -> dict:
        return {
            "at_min_seconds": round(rm / s["min"]),
            "at_median_seconds": round(rm / s["median"]),
        }

    speedup = ratio(old_s, new_s)
    save("engine", {
        "_load": load,
        "_others": others,
        "scenario": SCENARIO,
        "runs": runs,
        "months": MONTHS,
        "seed": SEED,
        "run_months_per_call": rm,
        "repeats": args.repeats,
        "order": "alternating new, previous (after one warm-up call each)",
        "previous_engine": f"sim.batch.simulate at commit {PREVIOUS_COMMIT} (subprocess)",
        "new_seconds": new_s,
        "previous_seconds": old_s,
        "new_run_months_per_second": rate(new_s),
        "previous_run_months_per_second": rate(old_s),
        "speedup_vs_previous": speedup,
        "goal_run_months_per_second": 5_000_000,
        "goal_speedup": 10,
        "meets_rate_goal": rm / new_s["median"] >= 5_000_000,
        "meets_speedup_goal": speedup["of_medians"] >= 10,
        "identical_summaries": {"runs_compared": CHECK_RUNS, "by_variable": same,
                                "all": all(same.values())},  # fmt: skip
        "threads_1_seconds": s1,
        "threads_2_seconds": s2,
        "threads_2_speedup": ratio(s1, s2),
    })  # fmt: skip


if __name__ == "__main__":
    main()
