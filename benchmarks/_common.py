"""Shared helpers for the benchmark scripts: write results as JSON with provenance."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import threading
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def save(name: str, data: dict[str, Any]) -> Path:
    from sim.experiments.provenance import code_version

    RESULTS.mkdir(exist_ok=True)
    out = {
        "benchmark": name,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_avg_at_start": data.pop("_load", None),
            "other_jobs_at_start": data.pop("_others", None),
            "load_avg_at_end": load_avg(),
            "other_jobs_at_end": others_running(),
        },  # fmt: skip
        "code": code_version(),
        **data,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(out, indent=1))
    print(json.dumps(out, indent=1))
    return path


def load_avg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def stats(values: list[float], digits: int = 4) -> dict[str, Any]:
    """Every measurement, their minimum and their median (rounded)."""
    import statistics

    return {
        "all": [round(v, digits) for v in values],
        "min": round(min(values), digits),
        "median": round(statistics.median(values), digits),
    }


def ratio(num: dict[str, Any], den: dict[str, Any], digits: int = 2) -> dict[str, float]:
    """num / den of two :func:`stats` results: of the medians and of the minimums."""
    return {
        "of_medians": round(num["median"] / den["median"], digits),
        "of_mins": round(num["min"] / den["min"], digits),
    }


def others_running() -> list[str]:
    """Command lines of other heavy jobs known to share this machine (tools/mutation_check.py,
    test runs)."""
    import subprocess

    res = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True, check=False)
    return [ln.strip() for ln in res.stdout.splitlines()
            if ("mutation_check" in ln or "pytest" in ln) and "ps -eo" not in ln]  # fmt: skip


def single_thread_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """An environment whose numeric libraries use one thread (one-core measurements)."""
    env = dict(os.environ if env is None else env)
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
              "NUMBA_NUM_THREADS"):  # fmt: skip
        env[k] = "1"
    return env


#: The previous engine (the reference point of the speed goals): the package at this commit.
PREVIOUS_COMMIT = "3501c8a"
ROOT = Path(__file__).resolve().parents[1]


def extract_previous(dest: Path) -> Path:
    """``sim/`` and ``scenarios/`` of the previous engine (PREVIOUS_COMMIT) into ``dest``."""
    import subprocess

    archive = subprocess.run(["git", "archive", PREVIOUS_COMMIT, "sim", "scenarios"], cwd=ROOT,
                             capture_output=True, check=True).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def mb(proc: Any) -> float:
    """A process's resident memory in MB (psutil)."""
    return round(proc.memory_info().rss / 2**20, 1)


def pct(values: list[float], q: float) -> float:
    """The q quantile of ``values`` (nearest rank)."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(q * (len(s) - 1))))
    return s[k]


def spread(values: list[float]) -> dict[str, Any]:
    """Every value, and their min, median, 95th percentile and max (3 decimals)."""
    return {"all": [round(v, 3) for v in values], "min": round(min(values), 3),
            "median": round(statistics.median(values), 3), "p95": round(pct(values, 0.95), 3),
            "max": round(max(values), 3)}  # fmt: skip


class Sampler(threading.Thread):
    """The server's peak RSS, sampled every 0.2 s while running."""

    def __init__(self, proc: Any) -> None:
        super().__init__(daemon=True)
        self.proc, self.peak, self.stop = proc, 0.0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, mb(self.proc))
            time.sleep(0.2)
