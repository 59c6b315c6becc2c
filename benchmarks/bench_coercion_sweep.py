"""(c) experiments/coercion_sweep.toml (84,000 runs) end to end with `alignsim batch`, including
writing the store and printing the headline table.
Run: .venv/bin/python benchmarks/bench_coercion_sweep.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import load_avg, save  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    load = load_avg()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "coercion_sweep"
        cmd = [str(Path(sys.executable).parent / "alignsim"), "batch",
               "experiments/coercion_sweep.toml", "--out", str(out), "--quiet"]  # fmt: skip
        t0 = time.perf_counter()
        res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
        seconds = time.perf_counter() - t0
        from sim.experiments.store import load as load_store

        st = load_store(out)
        size_mb = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 2**20
        chunk_seconds = sum(c["seconds"] for c in st.manifest["chunks"])
    save("coercion_sweep", {
        "_load": load,
        "command": "alignsim batch experiments/coercion_sweep.toml --out DIR --quiet",
        "runs": len(st.runs),
        "design_points": len(st.design),
        "monthly_rows": len(st.monthly),
        "seconds_end_to_end": round(seconds, 1),
        "runs_per_second": round(len(st.runs) / seconds, 1),
        "sum_of_chunk_seconds": round(chunk_seconds, 1),
        "workers": st.manifest["sessions"][-1]["workers"],
        "store_size_mb": round(size_mb, 1),
        "last_lines": res.stdout.strip().splitlines()[-3:],
    })  # fmt: skip


if __name__ == "__main__":
    main()
