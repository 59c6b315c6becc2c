"""(b) 1,000,000 runs x 120 months, summaries only, through the full pipeline into a store.

Peak memory is the sum of the peak resident set sizes of the driver and of every worker process
(an upper bound on the peak of the whole process tree).
Run: .venv/bin/python benchmarks/bench_million.py [--workers N] [--chunk-size N]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import load_avg, save  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--chunk-size", type=int, default=20_000)
    args = ap.parse_args()
    from sim.experiments.driver import run_experiment
    from sim.experiments.store import read_manifest

    load = load_avg()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        store = run_experiment(Path(__file__).parent / "million.toml", Path(tmp) / "million",
                               workers=args.workers, chunk_size=args.chunk_size, quiet=True)  # fmt: skip
        seconds = time.perf_counter() - t0
        m = read_manifest(store)
        size_mb = sum(f.stat().st_size for f in store.rglob("*") if f.is_file()) / 2**20
    driver_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers: dict[str, float] = {}
    for c in m["chunks"]:
        workers[c["worker"]] = max(workers.get(c["worker"], 0.0), c["max_rss_mb"])
    peak = driver_mb + (sum(workers.values()) if m["sessions"][-1]["executor"] != "in-process"
                        else 0.0)  # fmt: skip
    runs = sum(c["runs"] for c in m["chunks"])
    save("million", {
        "_load": load,
        "runs": runs,
        "months": m["months"],
        "chunks": len(m["chunks"]),
        "chunk_size": args.chunk_size,
        "executor": m["sessions"][-1]["executor"],
        "workers": m["sessions"][-1]["workers"],
        "seconds": round(seconds, 1),
        "runs_per_second": round(runs / seconds, 1),
        "driver_peak_rss_mb": round(driver_mb, 1),
        "worker_peak_rss_mb": {k: round(v, 1) for k, v in workers.items()},
        "peak_memory_mb_upper_bound": round(peak, 1),
        "under_2_gb": peak < 2048,
        "store_size_mb": round(size_mb, 1),
    })  # fmt: skip


if __name__ == "__main__":
    main()
