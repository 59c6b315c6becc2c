"""Behaviour of the month (sim.core.month), one mechanism at a time, in scripted worlds.

Each test sets up a quiet world (no noise, no random shocks, no turnover), scripts both
leaders' moves (``AlignmentModel.set_choice``) and checks one line of the month by comparing two
runs that differ in one thing only. The expected behaviour comes from the month's docstring and
the rules' docstrings, not from a stored run. Several of these tests were written to kill
survivors of the mutation check (``tools/mutation_check.py``, docs/TESTING.md).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from worlds import QUIET

from sim.core import month as M
from sim.core import outputs as O
from sim.core import rules as R
from sim.core import steps as S
from sim.core.outputs import MONTHLY_VARS
from sim.core.params import Event, ParameterError, Scenario
from sim.engines.batch import simulate
from sim.engines.model import AlignmentModel
from sim.scenario import load_scenario

JOINT_STEPS = tuple(s.name for s in S.LADDER if s.owner == "joint")


def quiet_model(
    months: int, disabled: tuple[str, ...] = JOINT_STEPS, **params: Any
) -> AlignmentModel:
    """A quiet world whose leaders (status quo) never act on their own: only a script moves."""
    scenario = Scenario(disabled_steps=disabled, months=months).with_params(**{**QUIET, **params})
    return AlignmentModel(scenario, rng=1, rok_strategy="status_quo", jpn_strategy="status_quo")


def scripted(
    rok: list[str], jpn: list[str], disabled: tuple[str, ...] = JOINT_STEPS, **params: Any
) -> AlignmentModel:
    """Both leaders play scripts (step names, "none", "reverse") over len(rok) months."""
    assert len(rok) == len(jpn)
    model = quiet_model(len(rok), disabled, **params)
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


# ----------------------------------------------------------------------------- what the partner sees


@pytest.mark.parametrize("actor", ["ROK", "JPN"])
def test_each_leaders_last_action_is_what_it_did_this_month(actor: str) -> None:
    """The month records MOVED, REVERSED or DID_NOTHING for each leader: what the partner sees
    next month."""
    own = "visa_free_entry_rok" if actor == "ROK" else "visa_free_entry_jpn"
    model = quiet_model(4)
    mover, other = (model.rok, model.jpn) if actor == "ROK" else (model.jpn, model.rok)
    seen = []
    for move in (own, "none", "reverse", "none"):
        model.set_choice(actor, move)
        model.step()
        seen.append(mover.last_action)
        assert other.last_action == R.DID_NOTHING
    assert seen == [R.MOVED, R.DID_NOTHING, R.REVERSED, R.DID_NOTHING]
    assert (mover.n_steps, mover.n_reversals) == (1, 1)


@pytest.mark.parametrize("actor", ["ROK", "JPN"])
def test_tit_for_tat_on_either_side_answers_a_reversal_with_a_reversal(actor: str) -> None:
    """The partner's reversal reaches a tit-for-tat leader on either side the next month."""
    partner = "JPN" if actor == "ROK" else "ROK"
    partner_step = "visa_free_entry_jpn" if partner == "JPN" else "visa_free_entry_rok"
    scenario = Scenario(disabled_steps=JOINT_STEPS).with_params(**QUIET)
    strategies = {"rok_strategy": "status_quo", "jpn_strategy": "status_quo"}
    strategies[f"{actor.lower()}_strategy"] = "tit_for_tat"
    model = AlignmentModel(scenario, rng=1, months=4, **strategies)
    for move in [partner_step, "none", "reverse", "none"]:
        model.set_choice(partner, move)
        model.step()
    mine = [(e["month"], e["action"]) for e in model.steps_log if e["actor"] == actor]
    assert (4, "reverse") in mine  # month 3's reversal answered in month 4
    assert (1, "take") in mine and (2, "take") in mine  # opening step, then the answer


# ----------------------------------------------------------------------------- who moved first


@pytest.mark.parametrize(
    ("rok", "jpn", "first_rok", "first_jpn", "mover"),
    [
        (["visa_free_entry_rok", "none", "none"], ["none", "none", "visa_free_entry_jpn"], 1, 3, 0),
        (["none", "none", "visa_free_entry_rok"], ["visa_free_entry_jpn", "none", "none"], 3, 1, 1),
        (["none", "visa_free_entry_rok", "none"], ["none", "visa_free_entry_jpn", "none"], 2, 2, 2),
        (["none", "visa_free_entry_rok", "none"], ["none"] * 3, 2, -1, 0),
        (["none"] * 3, ["none", "none", "visa_free_entry_jpn"], -1, 3, 1),
        (["none"] * 3, ["none"] * 3, -1, -1, -1),
    ],
)
def test_the_summary_names_each_sides_first_own_step_and_the_first_mover(
    rok: list[str], jpn: list[str], first_rok: int, first_jpn: int, mover: int
) -> None:
    summary = scripted(rok, jpn).summary()
    assert summary["first_step_month_ROK"] == first_rok
    assert summary["first_step_month_JPN"] == first_jpn
    assert summary["first_mover"] == mover


# ----------------------------------------------------------------------------- affordability


def test_a_step_that_leaves_approval_exactly_at_the_floor_is_affordable() -> None:
    """'Approval after the cost stays at or above the floor': equality counts."""
    k = S.STEP_INDEX["compensation_plan"]
    scale = 1.3
    approval = 0.4
    floor = approval - scale * S.COST[k]  # the floor the step lands on, to the bit
    assert R.affordable_steps(approval, floor, scale, 0.0, R.bit(k)) == R.bit(k)
    assert R.affordable_steps(approval, np.nextafter(floor, 1.0), scale, 0.0, R.bit(k)) == 0


# ----------------------------------------------------------------------------- the Mesa model


def test_the_model_stops_at_its_horizon() -> None:
    model = AlignmentModel(Scenario(months=2), rng=1)
    model.step()
    assert model.running
    model.step()
    assert not model.running and model.month == 2
    model.step()  # past the horizon: nothing happens, and the model stays stopped
    assert model.month == 2 and len(table(model)) == 3
    assert not model.running


def test_scheduled_events_are_logged_in_the_month_they_happen() -> None:
    events = (
        Event(2, "leader_change", "JPN", value=0.5, strategy="hardline", label="new PM"),
        Event(3, "approval_shock", "ROK", value=-0.05, label="scandal"),
    )
    scenario = Scenario(events=events, months=3).with_params(**QUIET)
    model = AlignmentModel(scenario, rng=1)
    model.run()
    log = [(e["month"], e["kind"], e["actor"], e["text"]) for e in model.event_log]
    assert (2, "leader_change", "JPN", "JPN: new leader (new PM); strategy hardline") in log
    assert (3, "approval_shock", "ROK", "scandal") in log


def test_a_player_sets_us_pressure_only_on_its_scale() -> None:
    model = AlignmentModel(Scenario(months=2), rng=1)
    model.set_us_pressure(1.0)
    model.set_us_pressure(0.0)
    for bad in (1.2, -0.1):
        with pytest.raises(ValueError, match="US pressure"):
            model.set_us_pressure(bad)


def test_move_costs_use_next_months_us_pressure() -> None:
    """A step's cost in the move options is what the month will charge: next month's US
    pressure (scheduled), not a later month's."""
    scenario = Scenario(schedules=(("us_coercion", ((0, 0.4), (3, 1.0))),), months=6)
    model = AlignmentModel(scenario.with_params(**QUIET), rng=1, rok_strategy="status_quo",
                           jpn_strategy="status_quo")  # fmt: skip
    agent = model.rok
    k = S.STEP_INDEX["visa_free_entry_rok"]

    def cost_now() -> float:
        return {o["move"]: o for o in model.move_options("ROK")}[S.STEP_NAMES[k]]["cost"]

    for month in range(3):
        us = 0.4 if month + 1 < 3 else 1.0
        p = model.run_params
        pressure = float(model.state.floats[0, M.CHINA_PRESSURE])  # no episodes: as next month
        expected = (
            R.step_cost_scale(agent.grievance, us, p)
            * R.china_cost_factor(pressure, p.rok_china_dependence, p)
            * S.COST[k]
        )
        assert cost_now() == pytest.approx(float(expected)), month
        model.step()


def test_move_options_waive_the_initiative_margin_after_the_partners_step() -> None:
    """A step the leader can afford only in answer to the partner is offered as feasible right
    after the partner's step, and not before it (initiative margin, Putnam)."""
    k = S.STEP_INDEX["compensation_plan"]
    # approval that pays the step's cost above the floor, but not the initiative margin too
    model = quiet_model(3, rok_approval0=0.3, rok_approval_floor=0.2, initiative_margin=0.2)

    def feasible() -> bool:
        return {o["move"]: o for o in model.move_options("ROK")}[S.STEP_NAMES[k]]["feasible"]

    assert not feasible()
    model.set_choice("JPN", "visa_free_entry_jpn")
    model.step()
    assert feasible()
    model.set_choice("ROK", S.STEP_NAMES[k])
    model.step()
    assert [e["step"] for e in model.steps_log if e["actor"] == "ROK"] == [S.STEP_NAMES[k]]


@pytest.mark.parametrize("seed", [-1, 2**64, 1.5, True, "1"])
def test_the_root_seed_must_be_a_whole_number_in_range(seed: Any) -> None:
    with pytest.raises(ParameterError, match="rng"):
        AlignmentModel(Scenario(months=1), rng=seed)


@pytest.mark.parametrize("seed", [0, 2**64 - 1, 7.0, np.int64(7), np.uint64(2**63)])
def test_any_whole_number_seed_in_range_is_accepted(seed: Any) -> None:
    assert AlignmentModel(Scenario(months=1), rng=seed).root_seed == int(seed)


# ----------------------------------------------------------------------------- the agents


@pytest.mark.parametrize("d", [0, 1])
def test_setting_a_democracys_attribute_sets_its_own_state_for_the_next_month(d: int) -> None:
    """Agents' attributes are their own columns of the run's state: setting them at month 0 is
    the same run as a scenario that starts there."""
    who = ("rok", "jpn")[d]
    quiet = Scenario(months=3).with_params(**QUIET)
    model = AlignmentModel(quiet, rng=1)
    agent, other = model.democracies[d], model.democracies[1 - d]
    before = other.approval, other.grievance, other.last_own_step
    agent.approval = 0.31
    agent.grievance = 0.77
    agent.last_own_step = -5
    assert (agent.approval, agent.grievance, agent.last_own_step) == (0.31, 0.77, -5)
    assert (other.approval, other.grievance, other.last_own_step) == before
    model.run()
    started_there = AlignmentModel(
        quiet.with_params(**{f"{who}_approval0": 0.31, f"{who}_grievance0": 0.77}), rng=1
    )
    started_there.run()
    after = table(model).loc[1:]
    pd.testing.assert_frame_equal(after, table(started_there).loc[1:])


def test_patrons_report_their_own_pressure_and_commitment() -> None:
    scenario = Scenario(
        schedules=(
            ("us_coercion", ((0, 0.25),)),
            ("china_coercion", ((0, 0.65),)),
            ("us_commitment", ((0, 0.85),)),
        ),
        months=2,
    )
    model = AlignmentModel(scenario, rng=1)
    model.step()
    assert (model.us.coercion, model.china.coercion) == (0.25, 0.65)
    assert (model.us.commitment, model.china.commitment) == (0.85, 0.0)
    assert model.us.episode_left == 0 and model.us.episode_size == 0.0


# ----------------------------------------------------------------------------- declared outputs

SCALE = re.compile(r"(-?\d+)\.\.\+?(\d+)$")


@pytest.mark.parametrize("out", [*O.MONTHLY, *O.SUMMARY], ids=lambda o: o.name)
def test_an_outputs_histogram_range_is_its_declared_scale(out: O.Output) -> None:
    """Histograms clip to [lo, hi]: for an output on a scale (unit "0..1", "-1..+1", ...) the
    range is exactly that scale, so no value is clipped and no bin is wasted."""
    scale = SCALE.search(out.unit)
    if scale:
        assert (out.lo, out.hi) == (float(scale[1]), float(scale[2])), out.unit
    elif out.unit in ("count", "number", "0/1") or out.unit.startswith("month"):
        assert out.integer and out.lo == 0.0, out.unit


def test_summary_outputs_declared_integer_are_the_ones_the_month_counts_in_whole_numbers() -> None:
    summary = simulate(Scenario(months=12), 1, range(4)).summary
    for out in O.SUMMARY:
        values = np.asarray(summary[out.name])
        assert np.issubdtype(values.dtype, np.integer) == out.integer, out.name
        assert (values.dtype == np.bool_) == (out.unit == "true/false"), out.name


def test_monthly_outputs_declared_integer_are_exactly_the_whole_numbered_ones() -> None:
    """Over a few shipped scenarios, a monthly variable holds only whole numbers if and only if it
    is declared integer (counts, flags, leaders)."""
    root = Path(__file__).resolve().parents[2] / "scenarios"
    runs = [
        simulate(load_scenario(root / f"{name}.toml"), 1, range(10), keep_monthly=True).monthly
        for name in ("baseline_2022", "leader_crisis", "tit_for_tat", "us_pressure_high")
    ]
    values = np.concatenate([r for r in runs if r is not None], axis=1)
    for v, out in enumerate(O.MONTHLY):
        whole = bool(np.all(values[..., v] == np.floor(values[..., v])))
        assert whole == out.integer, out.name


# ----------------------------------------------------------------------------- the batch engine


@pytest.mark.parametrize("threads", [0, -3, 2, 64])
def test_any_thread_count_gives_the_same_runs(threads: int) -> None:
    """Threads only split the runs: any count gives the runs of one thread (fewer than one
    means one)."""
    one = simulate(Scenario(months=6), 1, range(2500), threads=1)
    other = simulate(Scenario(months=6), 1, range(2500), threads=threads)
    np.testing.assert_array_equal(other.first_taken_month, one.first_taken_month)
    for key, values in one.summary.items():
        np.testing.assert_array_equal(other.summary[key], values, err_msg=key)


@pytest.mark.parametrize("rate", [0.0, 1.0])
def test_a_random_chinese_coercion_episode_starts_when_none_is_running(rate: float) -> None:
    """With no Chinese coercion outside episodes, pressure is felt only while an episode runs:
    at chance 1 a month one starts in month 1 and another as soon as each ends (the month's
    draw is made whenever no episode is running); at chance 0 none ever does."""
    months = 12
    scenario = Scenario(months=months).with_params(
        **{**QUIET, "china_coercion": 0.0, "china_episode_rate": rate,
           "china_episode_size": 0.4, "china_episode_months": 3}
    )  # fmt: skip
    model = AlignmentModel(scenario, rng=1, rok_strategy="status_quo", jpn_strategy="status_quo")
    model.run()
    felt = table(model)[["china_pressure_ROK", "china_pressure_JPN"]]
    assert (felt.loc[0] == 0.0).all()
    if rate == 0.0:
        assert (felt == 0.0).all().all()
    else:
        assert (felt.loc[1:] > 0.0).all().all()
