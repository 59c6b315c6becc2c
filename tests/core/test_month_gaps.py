"""Two lines of the month listed as gaps of the mutation check (docs/TESTING.md, the mutation
check): the highest trilateral index at month 0 (``TRI_MAX`` in ``start_run``) and
``write_record`` over more runs than the float state has columns (its loop over
``state[0].shape[0]``, the runs, read as ``shape[1]``, the columns, would skip runs 19 and up;
the survivor ``state[1].shape[0]`` itself is equivalent: every state array has one row a run).

The expected values come from the month's definitions (the trilateral index of the initial
cooperation levels; each run's record is that run's ``record_run``), not from a stored run.
"""

from __future__ import annotations

import numpy as np
import pytest
from worlds import NO_RANDOMNESS as QUIET

from sim.core import month as M
from sim.core import outputs as O
from sim.core import rng
from sim.core import rules as R
from sim.core.outputs import MONTHLY_VARS
from sim.core.params import Scenario
from sim.engines.batch import NO_MONTHLY, kernels, simulate
from sim.engines.model import AlignmentModel

#: Three different initial cooperation levels (ROK-Japan, ROK-US, Japan-US), so that reading any
#: other column for one of them changes the index.
COOP0 = {"coop_rok_jpn0": 0.95, "coop_rok_us0": 0.9, "coop_jpn_us0": 0.85}
TRILATERAL = MONTHLY_VARS.index("trilateral")


def falling(months: int) -> Scenario:
    """A quiet world that starts with high cooperation and does nothing to keep it."""
    return (
        Scenario(months=months)
        .with_params(**{**QUIET, **COOP0})
        .with_strategies(ROK="status_quo", JPN="status_quo")
    )


def initial_trilateral() -> float:
    return float(
        R.trilateral_index(COOP0["coop_rok_jpn0"], COOP0["coop_rok_us0"], COOP0["coop_jpn_us0"])
    )


# ----------------------------------------------------------------------------- TRI_MAX at month 0


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "reference"])
def test_at_month_0_the_highest_trilateral_index_is_that_of_the_initial_cooperation(
    compiled: bool,
) -> None:
    """Before any month has run, the highest index so far is the index of the scenario's initial
    cooperation levels (what the model shows as ``trilateral`` now)."""
    model = AlignmentModel(falling(3), rng=1, compiled=compiled)
    assert model.trilateral == pytest.approx(initial_trilateral(), abs=1e-12)
    assert model.tri_max == pytest.approx(initial_trilateral(), abs=1e-12)


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "reference"])
def test_when_cooperation_only_falls_the_highest_trilateral_index_is_month_0s(
    compiled: bool,
) -> None:
    """``max_trilateral`` is the highest index over months 0..M. In a world where cooperation
    falls every month, that is month 0's, which only ``start_run`` sets."""
    result = simulate(falling(12), 1, range(3), keep_monthly=True, compiled=compiled)
    assert result.monthly is not None
    tri = result.monthly[:, :, TRILATERAL]
    assert (np.diff(tri, axis=1) < 0).all()  # the case under test: month 0 stays the highest
    np.testing.assert_allclose(tri[:, 0], initial_trilateral(), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(result.summary["max_trilateral"], tri.max(axis=1))
    # the Mesa model's read-out of the same state agrees at the horizon
    model = AlignmentModel(falling(12), rng=1, compiled=compiled)
    model.run()
    assert model.tri_max == result.summary["max_trilateral"][0]
    assert model.tri_max > model.trilateral


# ----------------------------------------------------------------------------- write_record

#: More runs than the float state has columns (N_FLOAT), and than the integer state has.
MANY_RUNS = 2 * max(M.N_FLOAT, M.N_INT) + 3


def varied_runs() -> tuple[Scenario, dict[str, np.ndarray]]:
    """A scenario whose runs all differ (noise, random shocks and per-run parameters)."""
    varying = {
        "rok_approval0": np.linspace(0.3, 0.8, MANY_RUNS),
        "coop_rok_jpn0": np.linspace(0.2, 0.7, MANY_RUNS),
    }
    return Scenario(months=6), varying


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "reference"])
def test_write_record_writes_each_runs_own_record_for_many_runs(compiled: bool) -> None:
    """``write_record`` fills row r with run r's ``record_run``, for every run, however many."""
    scenario, varying = varied_runs()
    assert MANY_RUNS > M.N_FLOAT
    k = kernels(compiled)
    world = M.world_of(scenario)
    world_t = world.arrays()
    params = M.param_records(scenario.params, MANY_RUNS, varying, world)
    keys = rng.run_keys(5, np.arange(MANY_RUNS))[:, 0]
    state, trace = M.new_state(MANY_RUNS), M.new_trace(MANY_RUNS)
    state_t, trace_t = state.arrays(), (trace.floats, trace.ints)
    choices = np.full((MANY_RUNS, 2), M.NO_CHOICE, dtype=np.int64)
    no_override = np.full(MANY_RUNS, np.nan)
    nv = len(MONTHLY_VARS)
    with np.errstate(over="ignore"):
        k.start_runs(params, world_t, state_t, trace_t)
        for month in range(scenario.months + 1):
            if month > 0:
                k.step_runs(month, month, params, keys, world_t, state_t, trace_t, choices,
                            no_override, O.RECORD_SOURCES, NO_MONTHLY)  # fmt: skip
            out = np.full((MANY_RUNS, nv), np.nan)
            k.write_record(state_t, trace_t, O.RECORD_SOURCES, out)
            expected = np.full((MANY_RUNS, nv), np.nan)
            for r in range(MANY_RUNS):
                M.record_run(r, state_t, trace_t, O.RECORD_SOURCES, expected[r])
            assert not np.isnan(expected).any()
            np.testing.assert_array_equal(out, expected, err_msg=f"month {month}")
    assert len({tuple(row) for row in out}) == MANY_RUNS  # the runs differ: rows not mixed up


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "reference"])
def test_records_seen_month_by_month_equal_the_kept_trajectories_for_many_runs(
    compiled: bool,
) -> None:
    """``simulate`` records a run's months two ways: month by month for ``on_month`` (with
    ``write_record``) and inside the month when it keeps the trajectories; they agree for every
    run, also when there are more runs than the float state has columns."""
    scenario, varying = varied_runs()
    kept = simulate(scenario, 5, range(MANY_RUNS), varying=varying, keep_monthly=True,
                    compiled=compiled)  # fmt: skip
    seen: dict[int, np.ndarray] = {}
    simulate(scenario, 5, range(MANY_RUNS), varying=varying, compiled=compiled,
             on_month=lambda m, rec: seen.__setitem__(m, rec.copy()))  # fmt: skip
    assert kept.monthly is not None and sorted(seen) == list(range(scenario.months + 1))
    for month, record in seen.items():
        np.testing.assert_array_equal(record, kept.monthly[:, month], err_msg=f"month {month}")
