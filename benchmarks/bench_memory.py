"""(g) Peak memory per process at long horizons: the main experiment's design with months = 60,
240 and 600, two workers, monthly aggregates of every variable.

For each horizon an experiment file is derived from experiments/coercion_sweep.toml in a
temporary folder (``months = N``), keeping the full design (168 points x 500 replications):
fewer replications would NOT give the same memory, because a (point, month, variable) has up
to min(replications, 512) histogram rows, and how many points a chunk spans (its histogram and
the driver's merge) depends on the replications per point. Each horizon runs in a fresh
driver subprocess (so its ``ru_maxrss`` is that run's alone) with ``run_experiment(...,
workers=2)``; the workers' peaks are the ``max_rss_mb`` of their chunks in the manifest.
Run: .venv/bin/python benchmarks/bench_memory.py
"""

from __future__ import annotations

import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import ROOT, load_avg, others_running, save  # noqa: E402

SOURCE = ROOT / "experiments" / "coercion_sweep.toml"
#: horizon -> replications per design point (168 points): the main experiment's own 500
HORIZONS = {60: 500, 240: 500, 600: 500}
LIMIT_MB = 1024


def derive(months: int, replications: int, folder: Path) -> Path:
    text = SOURCE.read_text()
    text, n1 = re.subn(r"(?m)^months\s*=.*$", f"months = {months}", text)
    text, n2 = re.subn(r"(?m)^replications\s*=.*$", f"replications = {replications}", text)
    assert n1 == 1 and n2 == 1, "experiments/coercion_sweep.toml lacks months/replications"
    path = folder / f"coercion_sweep_{months}.toml"
    path.write_text(text)
    return path


def one(experiment: str, out: str) -> None:
    """Child: run the experiment, print what was measured as JSON."""
    from sim.experiments.driver import run_experiment
    from sim.experiments.store import read_manifest

    t0 = time.perf_counter()
    store = run_experiment(experiment, out, workers=2, quiet=True)
    seconds = time.perf_counter() - t0
    m = read_manifest(store)
    workers: dict[str, float] = {}
    for c in m["chunks"]:
        workers[c["worker"]] = max(workers.get(c["worker"], 0.0), c["max_rss_mb"])
    print(json.dumps({
        "seconds": round(seconds, 2),
        "runs": sum(c["runs"] for c in m["chunks"]),
        "chunk_size": m["chunk_size"],
        "chunks": len(m["chunks"]),
        "monthly_vars": len(m["outputs"]["monthly"]),
        "driver_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "worker_peak_rss_mb": workers,
    }))  # fmt: skip


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        one(sys.argv[2], sys.argv[3])
        return
    load, others = load_avg(), others_running()
    horizons = {}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        warm = derive(12, 5, tmp)  # loads/compiles the month and the histogram kernels
        subprocess.run([sys.executable, __file__, "--one", str(warm), str(tmp / "warm")],
                       check=True, capture_output=True)  # fmt: skip
        for months, reps in HORIZONS.items():
            path = derive(months, reps, tmp)
            res = subprocess.run([sys.executable, __file__, "--one", str(path),
                                  str(tmp / f"store{months}")],
                                 check=True, capture_output=True, text=True)  # fmt: skip
            r = json.loads(res.stdout.strip().splitlines()[-1])
            peaks = [r["driver_peak_rss_mb"], *r["worker_peak_rss_mb"].values()]
            r["replications_per_point"] = reps
            r["largest_process_mb"] = max(peaks)
            r["every_process_under_1_gb"] = max(peaks) < LIMIT_MB
            horizons[str(months)] = r
            print(months, r, file=sys.stderr)
    save("memory", {
        "_load": load,
        "_others": others,
        "design": "experiments/coercion_sweep.toml (168 points, monthly aggregates of all "
                  "variables) with months overridden",
        "workers": 2,
        "horizons": horizons,
        "goal_mb_per_process": LIMIT_MB,
        "meets_goal": all(h["every_process_under_1_gb"] for h in horizons.values()),
    })  # fmt: skip


if __name__ == "__main__":
    main()
