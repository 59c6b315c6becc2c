"""The contract between the engines: one month, driven two ways, equal to the bit.

The month is written once (``sim.core.month``). The batch engine runs it compiled over many runs;
the Mesa model steps it for one run; the reference path runs the same month uncompiled. For every
shipped scenario x 20 seeds and for hypothesis-generated scenarios (every strategy, schedules,
events of every kind, disabled steps, parameters anywhere in their ranges), all of them must
give identical monthly trajectories, summaries and first-taken months, compared with exact
equality. A failure here is a bug in an engine (docs/ARCHITECTURE.md, "One month, two drivers").
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import replications, scenarios, seeds
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.core.params import Scenario
from sim.engines.batch import MONTHLY_VARS, BatchResult, simulate
from sim.engines.model import AlignmentModel
from sim.scenario import load_scenario

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SHIPPED = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.toml"))
SEEDS = list(range(20))


def mesa_run(
    scenario: Scenario, seed: int, replication: int, compiled: bool = True
) -> AlignmentModel:
    model = AlignmentModel(scenario, rng=seed, replication=replication, compiled=compiled)
    model.run()
    return model


def mesa_monthly(model: AlignmentModel) -> np.ndarray:
    return model.datacollector.get_model_vars_dataframe()[list(MONTHLY_VARS)].to_numpy()


def assert_identical(a: BatchResult, b: BatchResult) -> None:
    assert a.monthly is not None and b.monthly is not None
    np.testing.assert_array_equal(a.monthly, b.monthly)
    np.testing.assert_array_equal(a.first_taken_month, b.first_taken_month)
    np.testing.assert_array_equal(a.first_taken_by, b.first_taken_by)
    assert list(a.summary) == list(b.summary)
    for key in a.summary:
        np.testing.assert_array_equal(a.summary[key], b.summary[key], err_msg=key)


def assert_mesa_equals_batch(model: AlignmentModel, result: BatchResult, i: int) -> None:
    assert result.monthly is not None
    mesa = mesa_monthly(model)
    assert mesa.shape == result.monthly[i].shape
    np.testing.assert_array_equal(mesa, result.monthly[i])
    summary = model.summary()
    assert list(summary) == list(result.summary)
    for key, value in summary.items():
        assert value == result.summary[key][i].item(), key
    np.testing.assert_array_equal(model.first_taken_month, result.first_taken_month[i])
    np.testing.assert_array_equal(model.first_taken_by, result.first_taken_by[i])


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenario_engines_agree_over_20_seeds(path: Path) -> None:
    scenario = load_scenario(path)
    for seed in SEEDS:
        batch = simulate(scenario, seed, [0, 1], keep_monthly=True)
        reference = simulate(scenario, seed, [0, 1], keep_monthly=True, compiled=False)
        assert_identical(batch, reference)
        assert_mesa_equals_batch(mesa_run(scenario, seed, 1), batch, 1)


def test_every_shipped_scenario_is_covered() -> None:
    assert len(SHIPPED) >= 10


@SETTINGS
@given(scenario=scenarios(), seed=seeds, replication=replications)
def test_mesa_batch_and_reference_agree(scenario: Scenario, seed: int, replication: int) -> None:
    batch = simulate(scenario, seed, [replication], keep_monthly=True)
    reference = simulate(scenario, seed, [replication], keep_monthly=True, compiled=False)
    assert_identical(batch, reference)
    assert_mesa_equals_batch(mesa_run(scenario, seed, replication), batch, 0)


@settings(max_examples=5, deadline=None)
@given(scenario=scenarios(max_months=12), seed=seeds, replication=replications)
def test_the_mesa_model_on_the_reference_month_agrees(
    scenario: Scenario, seed: int, replication: int
) -> None:
    batch = simulate(scenario, seed, [replication], keep_monthly=True)
    assert_mesa_equals_batch(mesa_run(scenario, seed, replication, compiled=False), batch, 0)


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
        assert_mesa_equals_batch(mesa_run(one, seed, i), batch, i)


def test_monthly_callback_sees_the_kept_trajectories() -> None:
    seen: dict[int, np.ndarray] = {}
    result = simulate(Scenario(months=12), 3, range(4), keep_monthly=True,
                      on_month=lambda m, rec: seen.__setitem__(m, rec.copy()))  # fmt: skip
    assert result.monthly is not None and sorted(seen) == list(range(13))
    for m, rec in seen.items():
        np.testing.assert_array_equal(rec, result.monthly[:, m])


def test_a_player_move_reaches_the_month() -> None:
    """A human choice is part of the month: the model with a scripted player differs from the
    strategy's run exactly from that month."""
    quiet: dict[str, Any] = {"approval_noise": 0.0, "rok_approval0": 0.6, "coop_rok_jpn0": 0.5}
    base = Scenario(months=4).with_params(**quiet).with_strategies(ROK="status_quo")
    plain = mesa_run(base, 1, 0)
    played = AlignmentModel(base, rng=1)
    played.set_choice("ROK", "visa_free_entry_rok")
    played.run()
    assert [s["step"] for s in played.steps_log if s["actor"] == "ROK"][:1] == [
        "visa_free_entry_rok"
    ]
    assert not [s for s in plain.steps_log if s["actor"] == "ROK"]
