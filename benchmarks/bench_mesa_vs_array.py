"""(a) The same sweep through mesa.batch_run over the Mesa model and through the array engine.

Sweep: US coercion at 5 levels x 4 strategies x 50 replications (1,000 runs of 60 months), root
seed 1. Both sides get the same (scenario, seed, replication) per run; outcomes must be equal.
Run: .venv/bin/python benchmarks/bench_mesa_vs_array.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import mesa
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import load_avg, others_running, save  # noqa: E402

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


def main() -> None:
    load, others = load_avg(), others_running()
    specs = [scenario(s) for s in STRATEGIES]
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
    t_mesa = time.perf_counter() - t0
    mesa_out = {}
    for r in rows:
        key = (STRATEGIES.index(r["spec"].strategy("ROK")), r["us_coercion"], r["replication"])
        mesa_out[key] = (r["trilateral"], r["approval_ROK"], r["institutionalised"])
    n_runs = len(mesa_out)

    # array engine: one call per strategy, US coercion varying per run (as alignsim batch does)
    t0 = time.perf_counter()
    arr_out = {}
    for si, sc in enumerate(specs):
        us = np.repeat(LEVELS, REPS)
        reps = np.tile(np.arange(REPS), len(LEVELS))
        res = simulate(sc, SEED, reps, varying={"us_coercion": us}, keep_monthly=True)
        last = res.monthly[:, -1, :]
        for i in range(len(us)):
            arr_out[(si, float(us[i]), int(reps[i]))] = (
                last[i, MONTHLY_VARS.index("trilateral")],
                last[i, MONTHLY_VARS.index("approval_ROK")],
                last[i, MONTHLY_VARS.index("institutionalised")],
            )
    t_array = time.perf_counter() - t0
    identical = arr_out.keys() == mesa_out.keys() and all(
        arr_out[k] == mesa_out[k] for k in mesa_out
    )
    save("mesa_vs_array", {
        "_load": load,
        "_others": others,
        "sweep": f"{len(LEVELS)} US coercion levels x {len(STRATEGIES)} strategies x {REPS} "
                 f"replications, {MONTHS} months",
        "runs": n_runs,
        "mesa_batch_run_seconds": round(t_mesa, 3),
        "array_engine_seconds": round(t_array, 4),
        "mesa_runs_per_second": round(n_runs / t_mesa, 1),
        "array_runs_per_second": round(n_runs / t_array, 1),
        "speedup": round(t_mesa / t_array, 1),
        "outcomes_identical": identical,
    })  # fmt: skip
    if not identical:
        sys.exit("outcomes differ")


if __name__ == "__main__":
    main()
