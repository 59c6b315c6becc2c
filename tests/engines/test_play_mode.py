"""Play mode of the Mesa model: a player's "decline" against "none", and the moves offered.

"none" proposes nothing of one's own but joins a joint step the partner proposes; "decline"
joins nothing, so the partner's joint step does not happen. The partner is scripted through
``AlignmentModel.set_choice`` to propose the bilateral summit, with ROK-Japan cooperation high
enough (0.5) for the summit to be on the table and approval high enough for both to afford it.
"""

from __future__ import annotations

import pytest

from sim.core import steps as S
from sim.core.params import Scenario
from sim.engines.model import AlignmentModel

SUMMIT = S.STEP_INDEX["bilateral_summit"]
JOINT_STEPS = tuple(s.name for s in S.LADDER if s.owner == "joint")
#: the summit on the table (min_coop 0.20) and affordable to both leaders, leading or answering
ABLE = {"coop_rok_jpn0": 0.5, "rok_approval0": 0.6, "rok_approval_baseline": 0.6}
PARTNER = {"ROK": "JPN", "JPN": "ROK"}


def play(player: str, moves: list[str], months: int = 3) -> AlignmentModel:
    """``player`` plays ``moves`` month by month while the partner proposes the summit."""
    model = AlignmentModel(Scenario().with_params(**ABLE), rng=1, months=months)
    for move in moves:
        model.set_choice(PARTNER[player], "bilateral_summit")
        model.set_choice(player, move)
        model.step()
    return model


def options(model: AlignmentModel, actor: str) -> dict[str, dict]:
    return {o["move"]: o for o in model.move_options(actor)}


@pytest.mark.parametrize("player", ["ROK", "JPN"])
def test_a_player_who_declines_blocks_the_joint_step_the_partner_proposes(player: str) -> None:
    declined = play(player, ["decline"])
    assert declined.state.first_month[0, SUMMIT] == -1
    assert not [s for s in declined.steps_log if s["step"] == "bilateral_summit"]
    joined = play(player, ["none"])
    assert joined.state.first_month[0, SUMMIT] == 1
    assert ("both", "bilateral_summit", "take") in {
        (s["actor"], s["step"], s["action"]) for s in joined.steps_log
    }


def test_declining_holds_for_the_month_it_is_chosen_only() -> None:
    model = play("ROK", ["decline", "decline", "none"])
    assert model.state.first_month[0, SUMMIT] == 3


def test_declining_leaves_the_partners_own_steps_alone() -> None:
    model = AlignmentModel(Scenario().with_params(**ABLE), rng=1, months=1)
    model.set_choice("JPN", "visa_free_entry_jpn")
    model.set_choice("ROK", "decline")
    model.step()
    assert [(s["actor"], s["step"]) for s in model.steps_log] == [("JPN", "visa_free_entry_jpn")]


@pytest.mark.parametrize("actor", ["ROK", "JPN"])
def test_move_options_offer_decline_last_and_say_how_it_differs_from_none(actor: str) -> None:
    model = AlignmentModel(Scenario().with_params(**ABLE), rng=1, months=3)
    opts = model.move_options(actor)
    assert opts[0]["move"] == "none" and opts[-1]["move"] == "decline"
    none, decline = opts[0], opts[-1]
    assert none["label"] == "No step of my own (join a joint step if proposed)"
    assert decline["label"] == "Decline any joint step this month"
    for o in (none, decline):
        assert o["cost"] == 0.0 and o["feasible"] is True
    # the steps keep their places (``alignsim play`` reads moves by number)
    assert [o["move"] for o in opts[1:-1]] == [
        s.name for s in S.LADDER if s.owner in (actor, "joint")
    ]


def test_decline_is_not_offered_when_no_joint_step_is_on_the_table() -> None:
    model = AlignmentModel(Scenario(disabled_steps=JOINT_STEPS), rng=1, months=3)
    for actor in ("ROK", "JPN"):
        moves = [o["move"] for o in model.move_options(actor)]
        assert "none" in moves and "decline" not in moves
    # the table at the partner's trust: below the summit's min_coop only the grand bargain is
    # joint, so with it taken off the table there is nothing to decline
    low = AlignmentModel(Scenario(disabled_steps=("grand_bargain",)), rng=1, months=3)
    assert float(low.coop[0]) < S.LADDER[SUMMIT].min_coop
    assert "decline" not in {o["move"] for o in low.move_options("ROK")}


def test_set_choice_accepts_decline_and_refuses_unknown_moves() -> None:
    model = AlignmentModel(rng=1, months=2)
    model.set_choice("ROK", "decline")
    assert model.human_choice == {"ROK": "decline"}
    with pytest.raises(ValueError, match="unknown move"):
        model.set_choice("ROK", "refuse")
    with pytest.raises(ValueError, match="ROK or JPN"):
        model.set_choice("US", "decline")
