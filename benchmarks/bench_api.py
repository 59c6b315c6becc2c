"""(i) The function API: per-run cost of ``sim.run_many`` (a table of 100,000 runs) vs a loop of
``sim.run_one`` calls (300), 60 months, the same parameters.

The runs: baseline_2022 with US and Chinese coercion drawn uniformly on [0, 1] (numpy seed 0),
root seed 1, replication = row number. ``run_many`` runs with its default threads (every core
this process may use); ``run_one`` is called once per row for the first 300 rows. One warm-up of
each, then the timed calls alternate (run_many, run_one loop, ...). The outcomes of the 300 runs
are compared with the same rows of the run_many table.
Run: .venv/bin/python benchmarks/bench_api.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import load_avg, others_running, ratio, save, stats  # noqa: E402

ROWS = 100_000
LOOP = 300
MONTHS = 60
SEED = 1


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

    def many() -> pd.DataFrame:
        return sim.run_many(table, seed=SEED, scenario="baseline_2022", months=MONTHS)

    def loop() -> list[dict]:
        return [sim.run_one({**r, "scenario": "baseline_2022", "months": MONTHS}, SEED, i)
                for i, r in enumerate(rows)]  # fmt: skip

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
    same = all(
        ones[i][k] == out[k].iloc[i] or (ones[i][k] != ones[i][k] and out[k].iloc[i] != out[k].iloc[i])
        for i in range(LOOP) for k in ones[i]
    )  # fmt: skip
    m, o = stats([t * 1e6 for t in many_t], 3), stats([t * 1e6 for t in one_t], 3)
    speed = ratio(o, m, 1)
    save("api", {
        "_load": load,
        "_others": others,
        "run_many": f"sim.run_many(table of {ROWS:,} rows, seed={SEED}, scenario='baseline_2022', "
                    f"months={MONTHS}) (default threads)",
        "run_one": f"{LOOP} calls sim.run_one(row, {SEED}, i)",
        "repeats": args.repeats,
        "order": "alternating run_many, run_one loop (after one warm-up each)",
        "run_many_microseconds_per_run": m,
        "run_one_microseconds_per_run": o,
        "per_run_speedup": speed,
        "goal_speedup": 100,
        "meets_goal": speed["of_medians"] >= 100,
        "same_outcomes_first_300": same,
    })  # fmt: skip


if __name__ == "__main__":
    main()
