"""(f) The batch driver with two worker processes vs one, whole ``run_experiment`` calls.

``benchmarks/workers.toml``: one design point, 200,000 replications, 120 months, summaries only,
default (adaptive) chunk size. Each timed call is a whole ``run_experiment(...)`` into a fresh
store, as a user gets it. ``workers=1`` runs the chunks in this process. ``workers=2`` runs them
in two worker processes, timed two ways: as repeated calls of one Python process get them (the
workers a finished call kept are reused: ``sim.experiments.executors.KEEP_WORKERS_SECONDS``),
and with a new pool each call (``shutdown_workers()`` before the call, not timed: the call
starts its two processes, forked from the fork server that has the compiled kernels loaded).
One warm-up call of each first (fills the compilation cache, starts the fork server); then the
timed calls alternate (1, 2 kept, 2 new, 1, ...). Where the time goes: each worker's busy
seconds (the sum of its chunks' ``seconds`` in the manifest), the rest (start-up, writing the
store, waiting), the seconds of a worker's first chunk in the call and of the other chunks, and
the time of a tiny run (2 replications) each way. Fresh processes are timed too, as the CLI
``alignsim batch benchmarks/workers.toml --out DIR --workers N --quiet --no-summary``
(alternating, 3 times each), where each run pays its imports and the fork server's start.
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


#: the timed ways of running: label -> (workers, a new pool for the call)
WAYS = {"1": (1, False), "2": (2, False), "2new": (2, True)}


def timed(way: str, tmp: Path, replications: int | None = None) -> tuple[float, dict]:
    from sim.experiments.driver import run_experiment
    from sim.experiments.executors import shutdown_workers
    from sim.experiments.store import read_manifest

    workers, new_pool = WAYS[way]
    if new_pool:
        shutdown_workers()
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
    times: dict[str, list[float]] = {w: [] for w in WAYS}
    busiest: dict[str, list[float]] = {w: [] for w in WAYS}
    chunk_sums: dict[str, list[float]] = {w: [] for w in WAYS}
    tiny: dict[str, list[float]] = {w: [] for w in WAYS}
    first: dict[str, list[float]] = {w: [] for w in WAYS}
    rest: dict[str, list[float]] = {w: [] for w in WAYS}
    cli_t: dict[int, list[float]] = {1: [], 2: []}
    m: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for w in WAYS:  # warm-up: compilation cache, imports, the fork server
            timed(w, tmp, replications=2_000)
        for _ in range(args.repeats):
            for w in WAYS:
                s, m = timed(w, tmp)
                times[w].append(s)
                b = busy(m)
                busiest[w].append(max(b.values()))
                chunk_sums[w].append(sum(b.values()))
                f, r = first_and_rest(m)
                first[w] += f
                rest[w] += r
        for _ in range(3):
            for w in WAYS:
                tiny[w].append(timed(w, tmp, replications=2)[0])
        for _ in range(3):
            for n in (1, 2):
                cli_t[n].append(cli(n, tmp))
    runs = sum(c["runs"] for c in m["chunks"])
    st = {w: stats(times[w]) for w in WAYS}
    speed = ratio(st["1"], st["2"])
    speed_new = ratio(st["1"], st["2new"])
    save("workers", {
        "_load": load,
        "_others": others,
        "experiment": "benchmarks/workers.toml",
        "runs": runs,
        "months": m["months"],
        "chunk_size": m["chunk_size"],
        "chunks": len(m["chunks"]),
        "repeats": args.repeats,
        "order": "alternating 1 worker, 2 workers (kept pool), 2 workers (new pool), after one "
                 "warm-up call each",
        "one_worker_seconds": st["1"],
        "two_workers_seconds": st["2"],
        "two_workers_new_pool_seconds": st["2new"],
        "speedup_two_vs_one": speed,
        "speedup_two_new_pool_vs_one": speed_new,
        "goal_speedup": 1.8,
        "meets_goal": speed["of_medians"] >= 1.8,
        "where_the_time_goes": {
            "busiest_worker_chunk_seconds": {w: stats(busiest[w]) for w in WAYS},
            "sum_of_chunk_seconds": {w: stats(chunk_sums[w]) for w in WAYS},
            "outside_chunks_seconds_median": {
                w: round(st[w]["median"] - stats(busiest[w])["median"], 3) for w in WAYS
            },
            "first_chunk_of_a_worker_seconds": {w: stats(first[w]) for w in WAYS},
            "other_chunks_seconds": {w: stats(rest[w]) for w in WAYS},
            "tiny_run_seconds": {**{w: stats(tiny[w]) for w in WAYS}, "replications": 2},
        },
        "cli_command": "alignsim batch benchmarks/workers.toml --out DIR --workers N --quiet "
                       "--no-summary",
        "cli_one_worker_seconds": stats(cli_t[1]),
        "cli_two_workers_seconds": stats(cli_t[2]),
        "cli_speedup_two_vs_one": ratio(stats(cli_t[1]), stats(cli_t[2])),
        "run_months_per_second_median": {
            w: round(runs * m["months"] / st[w]["median"]) for w in WAYS
        },
    })  # fmt: skip


if __name__ == "__main__":
    main()
