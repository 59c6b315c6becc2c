"""Interop: ``mesa.batch_run`` drives the Mesa model, and its outcomes equal the array engine's
(and hence the result store's) for the same (scenario, seed, replication)."""

from __future__ import annotations

import mesa
import numpy as np

import sim
from sim.core.params import Scenario
from sim.engines.batch import simulate
from sim.engines.model import AlignmentModel


def test_mesa_batch_run_drives_the_model() -> None:
    sc = Scenario(months=12)
    rows = mesa.batch_run(
        AlignmentModel,
        parameters={
            "spec": [sc],
            "us_coercion": [0.2, 0.8],
            "replication": [0, 1, 2],
            "months": 12,
        },  # fmt: skip
        max_steps=12,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
        rng=[7],
    )
    # one row per agent per run; model-level variables repeat
    runs = {(r["us_coercion"], r["replication"]): r for r in rows}
    assert len(runs) == 6
    for (us, rep), r in runs.items():
        assert r["rng"] == 7 and r["Step"] == 12
        res = simulate(sc.with_params(us_coercion=us), 7, [rep], keep_monthly=True)
        assert r["trilateral"] == res.monthly[0, -1, :][list(res_vars()).index("trilateral")]
        assert r["approval_ROK"] == res.summary["final_approval_ROK"][0]
        assert r["institutionalised"] == float(res.summary["inst_month"][0] >= 0)


def res_vars() -> tuple[str, ...]:
    from sim.engines.batch import MONTHLY_VARS

    return MONTHLY_VARS


def test_run_one_works_as_a_salib_model() -> None:
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    problem = {"num_vars": 2, "names": ["us_coercion", "china_coercion"],
               "bounds": [[0.0, 1.0], [0.0, 1.0]]}  # fmt: skip
    x = sobol_sample.sample(problem, 8, calc_second_order=False, seed=1)
    y = np.array(
        [
            sim.run_one({"us_coercion": a, "china_coercion": b, "months": 24}, seed=3)[
                "final_trilateral"
            ]
            for a, b in x
        ]  # fmt: skip
    )
    assert y.shape == (8 * 4,) and np.isfinite(y).all() and y.std() > 0
    si = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=1)
    assert np.isfinite(si["ST"]).all() and si["ST"].max() > 0
