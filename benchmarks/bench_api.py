"""(i) The function API: per-run cost of ``sim.run_many`` (a table of 100,000 runs) vs a loop of
``sim.run_one`` calls (300), 60 months, the same parameters.

The runs: US and Chinese coercion drawn uniformly on [0, 1] (numpy seed 0), root seed 1,
replication = row number, on two bases: the scenario baseline_2022 (run_many's
``scenario="baseline_2022"``; each run_one call gets ``"scenario": "baseline_2022"`` and so
reads the scenario file each time, as a tool calling it per run would) and the built-in
defaults (no scenario: run_one's cheapest use). ``run_many`` runs with its default threads
(every core this process may use); ``run_one`` is called once per row for the first 300 rows.
One warm-up of each, then the timed calls alternate (run_many, run_one loop, ...). The
outcomes of the 300 runs are compared with the same rows of the run_many table.
Run: .venv/bin/python benchmarks/bench_api.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _common import load_avg, others_running, ratio, save, stats  # noqa: E402

ROWS = 100_000
LOOP = 300
MONTHS = 60
SEED = 1
BASES = {"baseline_2022": "baseline_2022", "defaults": None}


def equal(a: Any, b: Any) -> bool:
    return bool(a == b) or (isinstance(a, float) and math.isnan(a) and math.isnan(float(b)))


def profile(loop: Any, calls: int) -> dict[str, float]:
    """Where a run_one call's time goes: cumulative microseconds per call of the ten costliest
    functions under it (one extra, profiled loop; profiling slows every call down)."""
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    loop()
    prof.disable()
    st: Any = pstats.Stats(prof)
    rows = []
    for (file, _line, fn), (_cc, _nc, _tt, ct, _callers) in st.stats.items():
        if fn != "run_one" and ("/sim/" in file or "tomllib" in file):
            where = file.split("/sim/")[-1] if "/sim/" in file else "tomllib"
            rows.append((ct, f"{where}:{fn}"))
    rows.sort(reverse=True)
    return {name: round(ct / calls * 1e6, 1) for ct, name in rows[:10]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    import numpy as np
    import pandas as pd

    import sim

    load, others = load_avg(), others_running()
    draw = np.random.default_rng(0)
    table = pd.DataFrame({"us_coercion": draw.uniform(0, 1, ROWS),
                          "china_coercion": draw.uniform(0, 1, ROWS)})  # fmt: skip
    rows = table.to_dict("records")[:LOOP]
    results: dict[str, Any] = {}
    for base, scenario in BASES.items():
        extra = {"months": MONTHS} | ({"scenario": scenario} if scenario else {})

        def many(scenario: str | None = scenario) -> pd.DataFrame:
            return sim.run_many(table, seed=SEED, scenario=scenario, months=MONTHS)

        def loop(extra: dict[str, Any] = extra) -> list[dict]:
            return [sim.run_one({**r, **extra}, SEED, i) for i, r in enumerate(rows)]

        many()  # warm-up
        loop()
        many_t: list[float] = []
        one_t: list[float] = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            out = many()
            many_t.append((time.perf_counter() - t0) / ROWS)
            t0 = time.perf_counter()
            ones = loop()
            one_t.append((time.perf_counter() - t0) / LOOP)
        where = profile(loop, LOOP)
        same = all(equal(ones[i][k], out[k].iloc[i]) for i in range(LOOP) for k in ones[i])
        m, o = stats([t * 1e6 for t in many_t], 3), stats([t * 1e6 for t in one_t], 3)
        speed = ratio(o, m, 1)
        results[base] = {
            "run_many": f"sim.run_many(table of {ROWS:,} rows, seed={SEED}, "
                        f"scenario={scenario!r}, months={MONTHS}) (default threads)",
            "run_one": f"{LOOP} calls sim.run_one({{**row, **{extra!r}}}, {SEED}, i)",
            "run_many_microseconds_per_run": m,
            "run_one_microseconds_per_run": o,
            "per_run_speedup": speed,
            "meets_goal": speed["of_medians"] >= 100,
            "same_outcomes_first_300": same,
            "run_one_profile_us_per_call": where,
        }  # fmt: skip
    save("api", {
        "_load": load,
        "_others": others,
        "rows": ROWS,
        "loop_calls": LOOP,
        "months": MONTHS,
        "repeats": args.repeats,
        "order": "per base: alternating run_many, run_one loop (after one warm-up each)",
        "goal_speedup": 100,
        "bases": results,
    })  # fmt: skip


if __name__ == "__main__":
    main()
