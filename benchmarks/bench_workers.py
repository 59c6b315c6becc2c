"""(f) The batch driver with two worker processes vs one, whole ``run_experiment`` calls.

``benchmarks/workers.toml``: one design point, 200,000 replications, 120 months, summaries only,
default (adaptive) chunk size. Each timed call is a whole ``run_experiment(...)`` into a fresh
store, as a user gets it: with ``workers=2`` that includes starting the two worker processes
(which load the compiled month from the cache); ``workers=1`` runs the chunks in this process.
One warm-up call of each first (fills the compilation cache); then the timed calls alternate
(1, 2, 1, 2, ...). Where the time goes: each worker's busy seconds (the sum of its chunks'
``seconds`` in the manifest), the rest (start-up, writing the store, waiting), the seconds of a
worker's first chunk (which loads the compiled month in a new process) and of the other chunks,
and the fixed cost of a tiny run (2 replications) with each worker count. Calls after the first
in one process reuse the process pool's fork server (which has the compiled kernels loaded), so
the same comparison is also made in fresh processes, as the CLI
``alignsim batch benchmarks/workers.toml --out DIR --workers N --quiet --no-summary``
(alternating, 3 times each), where each run pays its imports and the server's start.
Run: .venv/bin/python benchmarks/bench_workers.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _common import ROOT, load_avg, others_running, ratio, save, stats  # noqa: E402

EXPERIMENT = Path(__file__).parent / "workers.toml"


def timed(workers: int, tmp: Path, replications: int | None = None) -> tuple[float, dict]:
    from sim.experiments.driver import run_experiment
    from sim.experiments.store import read_manifest

    out = Path(tempfile.mkdtemp(dir=tmp))
    t0 = time.perf_counter()
    store = run_experiment(EXPERIMENT, out, workers=workers, chunk_size=None, quiet=True,
                           replications=replications, force=True)  # fmt: skip
    seconds = time.perf_counter() - t0
    return seconds, read_manifest(store)


def cli(workers: int, tmp: Path) -> float:
    """A fresh ``alignsim batch`` process: imports, the worker server and the kernels included."""
    exe = str(Path(sys.executable).parent / "alignsim")
    out = Path(tempfile.mkdtemp(dir=tmp)) / "store"
    cmd = [exe, "batch", str(EXPERIMENT), "--out", str(out), "--workers", str(workers),
           "--quiet", "--no-summary"]  # fmt: skip
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, capture_output=True, check=True)
    return time.perf_counter() - t0


def busy(m: dict[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for c in m["chunks"]:
        out[c["worker"]] = out.get(c["worker"], 0.0) + c["seconds"]
    return out


def first_and_rest(m: dict[str, Any]) -> tuple[list[float], list[float]]:
    """Seconds of each worker's first chunk (it loads the compiled month) and of the others."""
    first: list[float] = []
    rest: list[float] = []
    seen: set[str] = set()
    for c in sorted(m["chunks"], key=lambda c: c["id"]):
        (rest if c["worker"] in seen else first).append(c["seconds"])
        seen.add(c["worker"])
    return first, rest


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    load, others = load_avg(), others_running()
    times: dict[int, list[float]] = {1: [], 2: []}
    busiest: dict[int, list[float]] = {1: [], 2: []}
    chunk_sums: dict[int, list[float]] = {1: [], 2: []}
    tiny: dict[int, list[float]] = {1: [], 2: []}
    first: dict[int, list[float]] = {1: [], 2: []}
    rest: dict[int, list[float]] = {1: [], 2: []}
    cli_t: dict[int, list[float]] = {1: [], 2: []}
    m: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for w in (1, 2):  # warm-up: compilation cache, imports
            timed(w, tmp, replications=2_000)
        for _ in range(args.repeats):
            for w in (1, 2):
                s, m = timed(w, tmp)
                times[w].append(s)
                b = busy(m)
                busiest[w].append(max(b.values()))
                chunk_sums[w].append(sum(b.values()))
                f, r = first_and_rest(m)
                first[w] += f
                rest[w] += r
        for _ in range(3):
            for w in (1, 2):
                tiny[w].append(timed(w, tmp, replications=2)[0])
        for _ in range(3):
            for w in (1, 2):
                cli_t[w].append(cli(w, tmp))
    runs = sum(c["runs"] for c in m["chunks"])
    one, two = stats(times[1]), stats(times[2])
    speed = ratio(one, two)
    save("workers", {
        "_load": load,
        "_others": others,
        "experiment": "benchmarks/workers.toml",
        "runs": runs,
        "months": m["months"],
        "chunk_size": m["chunk_size"],
        "chunks": len(m["chunks"]),
        "repeats": args.repeats,
        "order": "alternating 1 worker, 2 workers (after one warm-up call each)",
        "one_worker_seconds": one,
        "two_workers_seconds": two,
        "speedup_two_vs_one": speed,
        "goal_speedup": 1.8,
        "meets_goal": speed["of_medians"] >= 1.8,
        "where_the_time_goes": {
            "busiest_worker_chunk_seconds": {"1": stats(busiest[1]), "2": stats(busiest[2])},
            "sum_of_chunk_seconds": {"1": stats(chunk_sums[1]), "2": stats(chunk_sums[2])},
            "outside_chunks_seconds_median": {
                str(w): round(stats(times[w])["median"] - stats(busiest[w])["median"], 3)
                for w in (1, 2)
            },
            "first_chunk_of_a_worker_seconds": {"1": stats(first[1]), "2": stats(first[2])},
            "other_chunks_seconds": {"1": stats(rest[1]), "2": stats(rest[2])},
            "tiny_run_seconds": {"1": stats(tiny[1]), "2": stats(tiny[2]),
                                 "replications": 2},  # fmt: skip
        },
        "cli_command": "alignsim batch benchmarks/workers.toml --out DIR --workers N --quiet "
                       "--no-summary",
        "cli_one_worker_seconds": stats(cli_t[1]),
        "cli_two_workers_seconds": stats(cli_t[2]),
        "cli_speedup_two_vs_one": ratio(stats(cli_t[1]), stats(cli_t[2])),
        "run_months_per_second_median": {
            str(w): round(runs * m["months"] / stats(times[w])["median"]) for w in (1, 2)
        },
    })  # fmt: skip


if __name__ == "__main__":
    main()
