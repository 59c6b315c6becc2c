"""(b) 1,000,000 runs x 120 months, summaries only, through the full pipeline into a store.

``benchmarks/million.toml`` through ``run_experiment`` with two worker processes and the default
(adaptive) chunk size, into a fresh temporary store each time; one small warm-up call first (so
the compilation cache exists), then the timed calls (min and median), which run on the worker
processes the call before kept (``sim.experiments.executors.KEEP_WORKERS_SECONDS``). Peak memory is the sum of
the peak resident set sizes of the driver and of every worker process (an upper bound on the
peak of the whole process tree).
Run: .venv/bin/python benchmarks/bench_million.py [--workers 2] [--chunk-size N] [--repeats 3]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import load_avg, others_running, save, stats  # noqa: E402

EXPERIMENT = Path(__file__).parent / "million.toml"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunk-size", type=int, default=None)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    from sim.experiments.driver import run_experiment
    from sim.experiments.store import read_manifest

    load, others = load_avg(), others_running()
    times: list[float] = []
    workers: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        run_experiment(EXPERIMENT, Path(tmp) / "warm", workers=args.workers,
                       chunk_size=args.chunk_size, replications=2_000, quiet=True)  # fmt: skip
        for i in range(args.repeats):
            t0 = time.perf_counter()
            store = run_experiment(EXPERIMENT, Path(tmp) / f"million{i}", workers=args.workers,
                                   chunk_size=args.chunk_size, quiet=True)  # fmt: skip
            times.append(time.perf_counter() - t0)
            m = read_manifest(store)
            size_mb = sum(f.stat().st_size for f in store.rglob("*") if f.is_file()) / 2**20
            run_workers: dict[str, float] = {}
            for c in m["chunks"]:
                run_workers[c["worker"]] = max(run_workers.get(c["worker"], 0.0), c["max_rss_mb"])
            if sum(run_workers.values()) > sum(workers.values()):
                workers = run_workers
    driver_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    in_process = m["sessions"][-1]["executor"] == "in-process"
    peak = driver_mb + (0.0 if in_process else sum(workers.values()))
    runs = sum(c["runs"] for c in m["chunks"])
    s = stats(times, 2)
    save("million", {
        "_load": load,
        "_others": others,
        "runs": runs,
        "months": m["months"],
        "chunks": len(m["chunks"]),
        "chunk_size": m["chunk_size"],
        "chunk_size_option": args.chunk_size,
        "executor": m["sessions"][-1]["executor"],
        "workers": m["sessions"][-1]["workers"],
        "repeats": args.repeats,
        "seconds": s,
        "runs_per_second_median": round(runs / s["median"], 1),
        "goal_seconds": 30,
        "meets_goal": s["median"] < 30,
        "driver_peak_rss_mb": round(driver_mb, 1),
        "worker_peak_rss_mb": {k: round(v, 1) for k, v in workers.items()},
        "peak_memory_mb_upper_bound": round(peak, 1),
        "under_2_gb": peak < 2048,
        "store_size_mb": round(size_mb, 1),
    })  # fmt: skip


if __name__ == "__main__":
    main()
