"""(d) Startup: wall time of `alignsim --help` (best and median of 7 runs, after a warm-up).
Run: .venv/bin/python benchmarks/bench_help.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import load_avg, others_running, save  # noqa: E402


def main() -> None:
    load, others = load_avg(), others_running()
    exe = str(Path(sys.executable).parent / "alignsim")
    subprocess.run([exe, "--help"], capture_output=True, check=True)
    times = []
    for _ in range(7):
        t0 = time.perf_counter()
        subprocess.run([exe, "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    save("help", {"_load": load, "_others": others, "command": "alignsim --help",
                  "best_seconds": round(min(times), 3),
                  "median_seconds": round(statistics.median(times), 3),
                  "under_half_second": statistics.median(times) < 0.5})  # fmt: skip


if __name__ == "__main__":
    main()
