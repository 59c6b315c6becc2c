"""The Mesa model's agents and move options, where the mutation check found no test
(docs/TESTING.md, the mutation check): Japan's side of the ``strategy`` setter, China's
``episode_left`` read-out, and the reverse option when the step to withdraw is ladder step 0.

Each test follows from the documented behaviour (an agent's attributes are its own columns of
the run's state; ``move_options`` lists the moves open now), not from a stored run.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from worlds import QUIET

from sim.core import month as M
from sim.core import steps as S
from sim.core.outputs import MONTHLY_VARS
from sim.core.params import Event, Scenario
from sim.core.strategies import STRATEGY_ID, STRATEGY_NAMES
from sim.engines.model import AlignmentModel
from sim.teaching.play import Game

JOINT_STEPS = tuple(s.name for s in S.LADDER if s.owner == "joint")


def quiet_scenario(months: int, events: tuple[Event, ...] = ()) -> Scenario:
    """A quiet world without joint steps whose leaders (status quo) never act on their own."""
    return (
        Scenario(months=months, events=events, disabled_steps=JOINT_STEPS)
        .with_params(**QUIET)
        .with_strategies(ROK="status_quo", JPN="status_quo")
    )


def table(model: AlignmentModel) -> pd.DataFrame:
    """The run's monthly variables, indexed by month."""
    return model.datacollector.get_model_vars_dataframe().set_index("month")[list(MONTHLY_VARS)]


def moves(model: AlignmentModel, actor: str) -> dict[str, dict[str, Any]]:
    return {o["move"]: o for o in model.move_options(actor)}


# ----------------------------------------------------------------------------- strategy setter


@pytest.mark.parametrize("name", [n for n in STRATEGY_NAMES if n != "status_quo"])
@pytest.mark.parametrize("d", [0, 1], ids=["ROK", "JPN"])
def test_setting_a_leaders_strategy_writes_that_leaders_column_and_no_other(
    d: int, name: str
) -> None:
    """``agent.strategy = name`` changes this democracy's strategy column of the state, and
    nothing else: not the partner's strategy, not any other column."""
    model = AlignmentModel(quiet_scenario(3), rng=1)
    agent, other = model.democracies[d], model.democracies[1 - d]
    ints_before = model.state.ints[0].copy()
    agent.strategy = name
    expected = ints_before.copy()
    expected[M.STRATEGY + d] = STRATEGY_ID[name]
    np.testing.assert_array_equal(model.state.ints[0], expected)
    assert (agent.strategy, other.strategy) == (name, "status_quo")


@pytest.mark.parametrize("d", [0, 1], ids=["ROK", "JPN"])
def test_a_strategy_set_at_month_0_is_the_run_of_a_leader_that_starts_with_it(d: int) -> None:
    """Setting a leader's strategy changes what that leader does from the next month: the run is
    the run of a scenario whose leader has that strategy, and differs from the run without it
    (a small-steps leader steps where a status-quo leader does not)."""
    role = ("ROK", "JPN")[d]
    untouched = AlignmentModel(quiet_scenario(6), rng=1)
    untouched.run()
    changed = AlignmentModel(quiet_scenario(6), rng=1)
    changed.democracies[d].strategy = "small_steps"
    changed.run()
    started = AlignmentModel(quiet_scenario(6).with_strategies(**{role: "small_steps"}), rng=1)
    started.run()
    pd.testing.assert_frame_equal(table(changed), table(started))
    assert untouched.democracies[d].n_steps == 0
    assert changed.democracies[d].n_steps > 0
    assert changed.democracies[1 - d].n_steps == 0  # the partner still keeps the status quo
    assert {e["actor"] for e in changed.steps_log} == {role}


# ----------------------------------------------------------------------------- China's episode


def test_chinas_episode_left_is_the_states_countdown_of_a_scheduled_episode() -> None:
    """During a scheduled coercion episode China's ``episode_left`` is the state's count of months
    left: an episode of ``duration`` months from ``start`` runs months start .. start+duration-1,
    so after month m (m >= start) start + duration - 1 - m months are left. The US has none."""
    start, duration, months, size = 2, 4, 8, 0.3
    episode = Event(start, "coercion_episode", value=size, duration=duration)
    model = AlignmentModel(quiet_scenario(months, events=(episode,)), rng=1)
    seen = []
    for month in range(months + 1):
        if month > 0:
            model.step()
        assert model.china.episode_left == int(model.state.ints[0, M.EPISODE_LEFT]), month
        assert model.us.episode_left == 0, month
        seen.append(model.china.episode_left)
    expected = [max(start + duration - 1 - m, 0) if m >= start else 0 for m in range(months + 1)]
    assert seen == expected
    assert model.china.episode_size == size and model.us.episode_size == 0.0


# ----------------------------------------------------------------------------- move options


def test_a_leader_whose_only_reversible_step_is_ladder_step_0_is_offered_to_reverse_it() -> None:
    """Japan's visa-free entry is step 0 of the ladder. Once Japan has taken it, and nothing
    else, the move options offer to withdraw it; the move is played; then it is gone."""
    step0 = S.LADDER[0]
    assert (step0.name, step0.owner, step0.reversible) == ("visa_free_entry_jpn", "JPN", True)
    model = AlignmentModel(quiet_scenario(3), rng=1)
    assert "reverse" not in moves(model, "JPN")  # nothing to withdraw yet
    model.set_choice("JPN", step0.name)
    model.step()
    assert model.taken.tolist() == [k == 0 for k in range(S.N_STEPS)]
    reverse = moves(model, "JPN")["reverse"]
    assert reverse["label"] == f"Reverse: {step0.label}"
    assert reverse["feasible"]
    assert "reverse" not in moves(model, "ROK")  # Japan's step is not the ROK's to withdraw
    model.set_choice("JPN", "reverse")
    model.step()
    assert [(e["actor"], e["step"], e["action"]) for e in model.steps_log] == [
        ("JPN", step0.name, "take"),
        ("JPN", step0.name, "reverse"),
    ]
    assert not model.taken.any()
    assert "reverse" not in moves(model, "JPN")


def test_a_player_as_japan_can_withdraw_visa_free_entry_in_play_mode() -> None:
    """Play mode (``alignsim play``) accepts only moves the options list: a Japanese player who
    restored visa-free entry (ladder step 0) can withdraw it the next month."""
    game = Game("JPN", scenario=quiet_scenario(3), months=3)
    game.play("visa_free_entry_jpn")
    assert "reverse" in [o["move"] for o in game.options()]
    row = game.play("reverse")
    assert row["move"] == "reverse"
    assert f"JPN reverses {S.LADDER[0].label}" in row["what_happened"]
