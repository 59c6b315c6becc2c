"""(c) The main experiment, experiments/coercion_sweep.toml (84,000 runs x 60 months, monthly
aggregates of every variable, the store written), end to end.

Two ways, alternating, each into a fresh store: in this process with
``run_experiment(..., workers=2)`` and as the CLI subprocess
``alignsim batch experiments/coercion_sweep.toml --out DIR --quiet --no-summary``
(start-up and imports included). One small warm-up call first (fills the compilation cache);
the in-process calls then run on the worker processes the call before kept.
Run: .venv/bin/python benchmarks/bench_coercion_sweep.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import ROOT, load_avg, others_running, save, stats  # noqa: E402

EXPERIMENT = "experiments/coercion_sweep.toml"
COMMAND = f"alignsim batch {EXPERIMENT} --out DIR --quiet --no-summary"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    from sim.experiments.driver import run_experiment
    from sim.experiments.store import load as load_store

    load, others = load_avg(), others_running()
    exe = str(Path(sys.executable).parent / "alignsim")
    api_t: list[float] = []
    cli_t: list[float] = []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        run_experiment(ROOT / EXPERIMENT, tmp / "warm", workers=2, replications=5, quiet=True)
        for i in range(args.repeats):
            out = tmp / f"api{i}"
            t0 = time.perf_counter()
            run_experiment(ROOT / EXPERIMENT, out, workers=2, quiet=True)
            api_t.append(time.perf_counter() - t0)
            cli_out = tmp / f"cli{i}"
            cmd = [exe, "batch", EXPERIMENT, "--out", str(cli_out), "--quiet", "--no-summary"]
            t0 = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
            cli_t.append(time.perf_counter() - t0)
        st = load_store(out)
        size_mb = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 2**20
        chunks = st.manifest["chunks"]
        chunk_seconds = sum(c["seconds"] for c in chunks)
        cli_runs = len(load_store(cli_out).runs)
    api_s, cli_s = stats(api_t, 2), stats(cli_t, 2)
    save("coercion_sweep", {
        "_load": load,
        "_others": others,
        "experiment": EXPERIMENT,
        "in_process_call": "run_experiment(experiments/coercion_sweep.toml, DIR, workers=2, "
                           "quiet=True)",
        "command": COMMAND,
        "runs": len(st.runs),
        "cli_runs": cli_runs,
        "months": st.manifest["months"],
        "design_points": len(st.design),
        "monthly_rows": len(st.monthly),
        "workers": st.manifest["sessions"][-1]["workers"],
        "chunk_size": st.manifest["chunk_size"],
        "chunks": len(chunks),
        "repeats": args.repeats,
        "order": "alternating in-process, CLI (after one small warm-up call)",
        "in_process_seconds": api_s,
        "cli_seconds": cli_s,
        "in_process_runs_per_second_median": round(len(st.runs) / api_s["median"], 1),
        "sum_of_chunk_seconds_last_in_process": round(chunk_seconds, 2),
        "goal_in_process_seconds": 5,
        "meets_goal": api_s["median"] < 5,
        "store_size_mb": round(size_mb, 1),
    })  # fmt: skip


if __name__ == "__main__":
    main()
