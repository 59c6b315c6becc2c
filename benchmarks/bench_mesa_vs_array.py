"""(a) The same sweep through mesa.batch_run over the Mesa model and through the array engine.

Sweep: US coercion at 5 levels x 4 strategies x 50 replications (1,000 runs of 60 months), root
seed 1. Both sides get the same (scenario, seed, replication) per run; outcomes must be equal.
One warm-up of the batch engine, then the two alternate (Mesa, engine, ...), 3 times.
Run: .venv/bin/python benchmarks/bench_mesa_vs_array.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import mesa
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import load_avg, others_running, ratio, save, stats  # noqa: E402

from sim.core.params import Scenario  # noqa: E402
from sim.engines.batch import MONTHLY_VARS, simulate  # noqa: E402
from sim.engines.model import AlignmentModel  # noqa: E402

LEVELS = [0.0, 0.25, 0.5, 0.75, 1.0]
STRATEGIES = ["small_steps", "grand_bargain", "tit_for_tat", "status_quo"]
REPS = 50
MONTHS = 60
SEED = 1


def scenario(strategy: str) -> Scenario:
    return Scenario(months=MONTHS).with_strategies(
        ROK=strategy, JPN=strategy, ROK_successor=strategy, JPN_successor=strategy
    )


def mesa_side(specs: list[Scenario]) -> tuple[float, dict]:
    t0 = time.perf_counter()
    rows = mesa.batch_run(
        AlignmentModel,
        parameters={
            "spec": specs,
            "us_coercion": LEVELS,
            "replication": list(range(REPS)),
            "months": MONTHS,
        },  # fmt: skip
        max_steps=MONTHS,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
        rng=[SEED],
    )
    seconds = time.perf_counter() - t0
    out = {}
    for r in rows:
        key = (STRATEGIES.index(r["spec"].strategy("ROK")), r["us_coercion"], r["replication"])
        out[key] = (r["trilateral"], r["approval_ROK"], r["institutionalised"])
    return seconds, out


def array_side(specs: list[Scenario]) -> tuple[float, dict]:
    """One call per strategy, US coercion varying per run (as alignsim batch does)."""
    t0 = time.perf_counter()
    out = {}
    for si, sc in enumerate(specs):
        us = np.repeat(LEVELS, REPS)
        reps = np.tile(np.arange(REPS), len(LEVELS))
        res = simulate(sc, SEED, reps, varying={"us_coercion": us}, keep_monthly=True)
        last = res.monthly[:, -1, :]
        for i in range(len(us)):
            out[(si, float(us[i]), int(reps[i]))] = (
                last[i, MONTHLY_VARS.index("trilateral")],
                last[i, MONTHLY_VARS.index("approval_ROK")],
                last[i, MONTHLY_VARS.index("institutionalised")],
            )
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    load, others = load_avg(), others_running()
    specs = [scenario(s) for s in STRATEGIES]
    array_side(specs)  # warm-up (loads the compiled month)
    t_mesa: list[float] = []
    t_array: list[float] = []
    for _ in range(args.repeats):
        s, mesa_out = mesa_side(specs)
        t_mesa.append(s)
        s, arr_out = array_side(specs)
        t_array.append(s)
    n_runs = len(mesa_out)
    identical = arr_out.keys() == mesa_out.keys() and all(
        arr_out[k] == mesa_out[k] for k in mesa_out
    )
    m, a = stats(t_mesa, 3), stats(t_array, 4)
    save("mesa_vs_array", {
        "_load": load,
        "_others": others,
        "sweep": f"{len(LEVELS)} US coercion levels x {len(STRATEGIES)} strategies x {REPS} "
                 f"replications, {MONTHS} months",
        "runs": n_runs,
        "repeats": args.repeats,
        "order": "alternating mesa.batch_run, batch engine (after one warm-up of the engine)",
        "mesa_batch_run_seconds": m,
        "array_engine_seconds": a,
        "mesa_runs_per_second_median": round(n_runs / m["median"], 1),
        "array_runs_per_second_median": round(n_runs / a["median"], 1),
        "speedup": ratio(m, a, 1),
        "outcomes_identical": identical,
    })  # fmt: skip
    if not identical:
        sys.exit("outcomes differ")


if __name__ == "__main__":
    main()
