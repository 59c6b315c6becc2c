"""Behaviour of the month (sim.core.month), one mechanism at a time, in scripted worlds.

Each test sets up a quiet world (no noise, no random shocks, no turnover), scripts both
leaders' moves (``AlignmentModel.set_choice``) and checks one line of the month by comparing two
runs that differ in one thing only. The expected behaviour comes from the month's docstring and
the rules' docstrings, not from a stored run. Several of these tests were written to kill
survivors of the mutation check (``tools/mutation_check.py``, docs/TESTING.md).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from sim.core import rules as R
from sim.core import steps as S
from sim.core.outputs import MONTHLY_VARS
from sim.core.params import Event, Scenario
from sim.engines.model import AlignmentModel

JOINT_STEPS = tuple(s.name for s in S.LADDER if s.owner == "joint")

#: No noise, no random shocks, no turnover; both leaders can pay for small steps.
QUIET: dict[str, Any] = {
    "approval_noise": 0.0,
    "flashpoint_rate": 0.0,
    "china_episode_rate": 0.0,
    "nk_launch_rate": 0.0,
    "coop_rok_jpn0": 0.5,
    "rok_approval0": 0.6,
    "rok_approval_baseline": 0.6,
    "jpn_approval0": 0.6,
    "jpn_approval_baseline": 0.6,
    "rok_term_end_month": 600,
    "jpn_replacement_threshold": 0.0,
}


def scripted(
    rok: list[str], jpn: list[str], disabled: tuple[str, ...] = JOINT_STEPS, **params: Any
) -> AlignmentModel:
    """Both leaders play scripts (step names, "none", "reverse") over len(rok) months; their
    strategies (status quo) never act on their own."""
    assert len(rok) == len(jpn)
    scenario = Scenario(disabled_steps=disabled).with_params(**{**QUIET, **params})
    model = AlignmentModel(scenario, rng=1, rok_strategy="status_quo", jpn_strategy="status_quo",
                           months=len(rok))  # fmt: skip
    for move_rok, move_jpn in zip(rok, jpn, strict=True):
        model.set_choice("ROK", move_rok)
        model.set_choice("JPN", move_jpn)
        model.step()
    return model


def table(model: AlignmentModel) -> pd.DataFrame:
    """The run's monthly variables, indexed by month."""
    return model.datacollector.get_model_vars_dataframe().set_index("month")[list(MONTHLY_VARS)]


def credit_gained(rok: list[str], jpn: list[str]) -> pd.DataFrame:
    """Approval each month with the reciprocity credit minus approval without it, from the first
    month that differs (the runs are the same up to it)."""
    with_credit = table(scripted(rok, jpn, reciprocity_credit=0.02))
    without = table(scripted(rok, jpn, reciprocity_credit=0.0))
    return with_credit[["approval_ROK", "approval_JPN"]] - without[["approval_ROK", "approval_JPN"]]


# ----------------------------------------------------------------------------- reciprocity


def test_a_step_answered_within_a_month_earns_both_leaders_the_reciprocity_credit() -> None:
    diff = credit_gained(
        ["visa_free_entry_rok", "none", "none"], ["none", "visa_free_entry_jpn", "none"]
    )
    assert diff.loc[1].tolist() == [0.0, 0.0]  # a step not (yet) answered earns nothing
    assert diff.loc[2].tolist() == pytest.approx([0.02, 0.02], abs=1e-12)


def test_an_answer_two_months_later_earns_no_reciprocity_credit() -> None:
    """Reciprocity is visible only when both leaders stepped within one month of each other."""
    diff = credit_gained(
        ["visa_free_entry_rok", "none", "none", "none"],
        ["none", "none", "visa_free_entry_jpn", "none"],
    )
    assert (diff.to_numpy() == 0.0).all()


def test_steps_in_the_same_month_earn_the_credit_and_a_lone_step_does_not() -> None:
    same = credit_gained(["visa_free_entry_rok", "none"], ["visa_free_entry_jpn", "none"])
    assert same.loc[1].tolist() == pytest.approx([0.02, 0.02], abs=1e-12)
    lone = credit_gained(["visa_free_entry_rok", "compensation_plan", "none"], ["none"] * 3)
    assert (lone.to_numpy() == 0.0).all()


# ----------------------------------------------------------------------------- month 0


def test_month_0_is_the_scenarios_initial_state_with_nothing_done_before() -> None:
    """Before month 1 no leader has acted: each partner has seen nothing (a tit-for-tat opener
    starts from DID_NOTHING), no own step was taken, no step is in force, one leader each."""
    model = AlignmentModel(Scenario(months=3), rng=1)
    for agent in model.democracies:
        assert agent.last_action == R.DID_NOTHING
        assert agent.last_own_step < -100
        assert (agent.n_steps, agent.n_reversals, agent.leader) == (0, 0, 1)
    assert not model.taken.any()
    assert model.inst_month == model.collapse_month == -1


# ----------------------------------------------------------------------------- scheduled events


def run_with(events: tuple[Event, ...], months: int = 3, **params: Any) -> pd.DataFrame:
    scenario = Scenario(events=events, months=months).with_params(**{**QUIET, **params})
    model = AlignmentModel(scenario, rng=1, rok_strategy="status_quo", jpn_strategy="status_quo")
    model.run()
    return table(model)


@pytest.mark.parametrize("actor", ["ROK", "JPN"])
@pytest.mark.parametrize("shock", [0.1, -0.1])
def test_an_approval_shock_moves_only_its_leaders_approval_by_its_size(
    actor: str, shock: float
) -> None:
    other = "JPN" if actor == "ROK" else "ROK"
    quiet = run_with((), approval_drift=0.0)
    shocked = run_with((Event(2, "approval_shock", actor, value=shock),), approval_drift=0.0)
    diff = shocked - quiet
    assert diff.loc[1, f"approval_{actor}"] == 0.0
    assert diff.loc[2, f"approval_{actor}"] == pytest.approx(shock, abs=1e-12)
    assert (diff[f"approval_{other}"] == 0.0).all()


@pytest.mark.parametrize("actor", ["ROK", "JPN"])
def test_an_approval_shock_is_clipped_to_the_approval_bounds(actor: str) -> None:
    still = {"approval_drift": 0.0, "china_coercion": 0.0}  # approval otherwise stays put
    assert (run_with((), **still)[f"approval_{actor}"] == 0.6).all()
    up = run_with((Event(2, "approval_shock", actor, value=0.9),), **still)
    down = run_with((Event(2, "approval_shock", actor, value=-0.9),), **still)
    assert up.loc[2, f"approval_{actor}"] == R.APPROVAL_MAX
    assert down.loc[2, f"approval_{actor}"] == R.APPROVAL_MIN


@pytest.mark.parametrize("actor", ["ROK", "JPN"])
def test_a_leader_change_brings_the_new_leaders_strategy_or_keeps_the_old_one(actor: str) -> None:
    d = 0 if actor == "ROK" else 1
    for strategy, expected in (("hardline", "hardline"), ("", "status_quo")):
        scenario = Scenario(
            events=(Event(2, "leader_change", actor, value=0.45, strategy=strategy),), months=3
        ).with_params(**QUIET)
        model = AlignmentModel(scenario, rng=1, rok_strategy="status_quo",
                               jpn_strategy="status_quo")  # fmt: skip
        model.step()
        assert model.democracies[d].strategy == "status_quo"
        model.step()
        assert model.democracies[d].strategy == expected
        assert model.democracies[1 - d].strategy == "status_quo"
        assert [a.leader for a in model.democracies][d] == 2
