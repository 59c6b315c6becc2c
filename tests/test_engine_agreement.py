"""The contract between the two engines (ARCHITECTURE.md, "One set of rules, two engines").

Hypothesis generates scenarios that exercise every strategy (hardline included, for successors
and for leaders changed by a scheduled event), time-varying schedules, scheduled events of every
kind, disabled steps, parameter values anywhere in their declared ranges, and various seeds and
replications. The Mesa model and the array engine must give identical monthly trajectories,
identical summaries and identical first-taken months. A failure here is a bug in one engine.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.core.params import EVENT_KINDS, SCHEDULABLE, Event, Params, Scenario, param_table
from sim.core.steps import STEP_NAMES
from sim.core.strategies import STRATEGY_NAMES
from sim.engines.batch import MONTHLY_VARS, simulate
from sim.engines.model import AlignmentModel

ROLES = ("ROK", "JPN", "ROK_successor", "JPN_successor")
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def param_value(info: dict[str, Any]) -> st.SearchStrategy[float]:
    """The default or any value in the declared range (whole numbers for integer parameters)."""
    lo, hi = info["lo"], info["hi"]
    if info["name"] == "rok_term_end_month":
        hi = 40  # so the term often ends inside the horizon
    if info["integer"]:
        drawn: st.SearchStrategy[float] = st.integers(int(lo), int(hi)).map(float)
    else:
        drawn = st.floats(lo, hi, allow_nan=False)
    return st.one_of(st.just(float(info["default"])), drawn)


@st.composite
def params_in_range(draw: st.DrawFn) -> Params:
    values = {info["name"]: draw(param_value(info)) for info in param_table()}
    return Params(**values)


@st.composite
def events(draw: st.DrawFn, months: int) -> Event:
    kind = draw(st.sampled_from(sorted(EVENT_KINDS)))
    month = draw(st.integers(1, months))
    actor = draw(st.sampled_from(("ROK", "JPN")))
    if kind == "leader_change":
        return Event(
            month,
            kind,
            actor,
            value=draw(st.one_of(st.none(), st.floats(0.0, 1.0))),
            strategy=draw(st.sampled_from(("", *STRATEGY_NAMES))),
        )
    if kind == "approval_shock":
        return Event(month, kind, actor, value=draw(st.floats(-0.5, 0.5)))
    if kind == "flashpoint":
        return Event(month, kind, actor, value=draw(st.floats(0.0, 0.5)))
    if kind == "provocation":
        return Event(month, kind, "", value=float(draw(st.integers(0, 10))))
    return Event(month, kind, "", value=draw(st.floats(0.0, 1.0)), duration=draw(st.integers(1, 6)))


@st.composite
def scenarios(draw: st.DrawFn, max_months: int = 36) -> Scenario:
    months = draw(st.integers(1, max_months))
    schedules = []
    for key in SCHEDULABLE:
        if draw(st.booleans()):
            m = draw(st.integers(1, months))
            a, b = draw(st.floats(0.0, 1.0)), draw(st.floats(0.0, 1.0))
            schedules.append((key, ((0, a), (m, b))))
    evs = draw(st.lists(events(months), max_size=6))
    return Scenario(
        name="generated",
        params=draw(params_in_range()),
        strategies=tuple((role, draw(st.sampled_from(STRATEGY_NAMES))) for role in ROLES),
        schedules=tuple(schedules),
        events=tuple(sorted(evs, key=lambda e: e.month)),
        disabled_steps=tuple(draw(st.lists(st.sampled_from(STEP_NAMES), unique=True, max_size=4))),
        months=months,
    )


seeds = st.integers(0, 2**63 - 1)
replications = st.integers(0, 10_000)


def mesa_run(scenario: Scenario, seed: int, replication: int) -> AlignmentModel:
    model = AlignmentModel(scenario, rng=seed, replication=replication)
    model.run()
    return model


def mesa_monthly(model: AlignmentModel) -> np.ndarray:
    return model.datacollector.get_model_vars_dataframe()[list(MONTHLY_VARS)].to_numpy()


def assert_same_summary(mesa_summary: dict[str, Any], batch_summary: dict[str, Any], i: int):
    assert set(mesa_summary) == set(batch_summary)
    for key, value in mesa_summary.items():
        assert value == batch_summary[key][i].item(), key


@SETTINGS
@given(scenario=scenarios(), seed=seeds, replication=replications)
def test_mesa_and_array_engine_agree(scenario: Scenario, seed: int, replication: int) -> None:
    model = mesa_run(scenario, seed, replication)
    result = simulate(scenario, seed, [replication], keep_monthly=True)
    assert result.monthly is not None
    mesa = mesa_monthly(model)
    assert mesa.shape == result.monthly[0].shape == (scenario.months + 1, len(MONTHLY_VARS))
    np.testing.assert_allclose(mesa, result.monthly[0], rtol=0, atol=1e-12)
    assert_same_summary(model.summary(), result.summary, 0)
    np.testing.assert_array_equal(model.first_taken_month, result.first_taken_month[0])
    np.testing.assert_array_equal(model.first_taken_by, result.first_taken_by[0])


@settings(max_examples=10, deadline=None)
@given(
    scenario=scenarios(max_months=24),
    seed=seeds,
    reps=st.lists(replications, min_size=2, max_size=5, unique=True),
)
def test_a_run_does_not_depend_on_its_batch(scenario: Scenario, seed: int, reps: list[int]) -> None:
    together = simulate(scenario, seed, reps, keep_monthly=True)
    assert together.monthly is not None
    for i, rep in enumerate(reps):
        alone = simulate(scenario, seed, [rep], keep_monthly=True)
        assert alone.monthly is not None
        np.testing.assert_array_equal(together.monthly[i], alone.monthly[0])
        np.testing.assert_array_equal(together.first_taken_month[i], alone.first_taken_month[0])
        for key, values in alone.summary.items():
            assert together.summary[key][i] == values[0], key


@settings(max_examples=10, deadline=None)
@given(
    scenario=scenarios(max_months=24),
    seed=seeds,
    us=st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3),
    approval=st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3),
)
def test_varying_parameters_equal_one_scenario_per_run(
    scenario: Scenario, seed: int, us: list[float], approval: list[float]
) -> None:
    """Per-run parameter values (``varying``) give the run of the scenario with those values."""
    scenario = dataclasses.replace(scenario, schedules=())
    varying = {"us_coercion": np.array(us), "rok_approval0": np.array(approval)}
    batch = simulate(scenario, seed, [0, 1, 2], keep_monthly=True, varying=varying)
    assert batch.monthly is not None
    for i in range(3):
        one = scenario.with_params(us_coercion=us[i], rok_approval0=approval[i])
        model = mesa_run(one, seed, i)
        np.testing.assert_allclose(mesa_monthly(model), batch.monthly[i], rtol=0, atol=1e-12)


def test_default_scenario_agrees_over_the_full_horizon() -> None:
    scenario = Scenario()
    model = mesa_run(scenario, 1, 0)
    result = simulate(scenario, 1, [0], keep_monthly=True)
    assert result.monthly is not None
    np.testing.assert_array_equal(mesa_monthly(model), result.monthly[0])
    assert_same_summary(model.summary(), result.summary, 0)
