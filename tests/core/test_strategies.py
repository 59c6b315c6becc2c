"""Leader strategies against scripted opponents (the ``versus_test`` style of Axelrod-Python).

Two harnesses:

* :func:`versus_test` drives the Mesa model: the ROK leader plays the strategy under test while
  Japan is scripted month by month through ``AlignmentModel.set_choice``; it returns what each
  side did each month as a string (``S`` step, ``R`` reversal, ``N`` nothing) so a test reads
  like a game record.
* :func:`view` builds a single :class:`LeaderView` for decision-level checks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.core import rules as R
from sim.core import steps as S
from sim.core.mechanisms import MECHANISMS
from sim.core.params import Event, Scenario
from sim.core.rules import DID_NOTHING, MOVED, NONE, REVERSE, REVERSED
from sim.core.strategies import STRATEGIES, LeaderView
from sim.engines.model import AlignmentModel

K = S.N_STEPS
GB = S.STEP_INDEX["grand_bargain"]
JOINT_STEPS = tuple(s.name for s in S.LADDER if s.owner == "joint")
ROK_OWN_SMALL = [s.name for s in S.LADDER if s.owner == "ROK" and s.tier == "small"]

#: A quiet world: no noise, no random shocks, no turnover, every leader motivated and able to
#: pay, and enough ROK-Japan trust for every step to be on the table. Only strategies act.
QUIET: dict[str, Any] = {
    "approval_noise": 0.0,
    "flashpoint_rate": 0.0,
    "china_episode_rate": 0.0,
    "motivation_threshold": -1.0,
    "coop_rok_jpn0": 0.5,
    "rok_approval0": 0.6,
    "rok_approval_baseline": 0.6,
    "jpn_approval0": 0.6,
    "jpn_approval_baseline": 0.6,
    "rok_term_end_month": 600,
    "jpn_replacement_threshold": 0.0,
    # the second version's mechanisms at their neutral settings: strategies alone act
    **{
        k: v
        for m in MECHANISMS
        if m.name
        not in (
            "cha_symmetry",
            "commitment_effect",
            "pressure_incentive",
            "initiative_margin",
            "us_backlash",
        )
        for k, v in m.neutral
    },  # fmt: skip
}


def versus_test(
    strategy: str,
    jpn_script: list[str],
    disabled: tuple[str, ...] = JOINT_STEPS,
    **params: Any,
) -> tuple[str, str, AlignmentModel]:
    """Play ROK's ``strategy`` against Japan's scripted moves (step names, "none", "reverse").

    Joint steps are off the ladder by default, so the scripted partner's record is exactly its
    script. Returns (ROK's record, Japan's record, the model).
    """
    scenario = Scenario(disabled_steps=disabled).with_params(**{**QUIET, **params})
    model = AlignmentModel(scenario, rng=1, rok_strategy=strategy, months=len(jpn_script))
    for move in jpn_script:
        model.set_choice("JPN", move)
        model.step()
    return record(model, "ROK"), record(model, "JPN"), model


def record(model: AlignmentModel, actor: str) -> str:
    out = []
    for month in range(1, model.month + 1):
        acts = {
            e["action"]
            for e in model.steps_log
            if e["month"] == month and e["actor"] in (actor, "both")
        }
        out.append("R" if "reverse" in acts else ("S" if "take" in acts else "N"))
    return "".join(out)


def view(
    month: int = 5,
    feasible: Any = True,
    available: Any = True,
    motivated: bool = True,
    partner_last: int = DID_NOTHING,
    since: int = 10_000,
    can_reverse: bool = False,
    min_interval: int = 1,
) -> LeaderView:
    """One leader's view for one run."""

    def steps(x: Any) -> np.ndarray:
        a = np.zeros(K, dtype=bool)
        a[:] = x
        return a[None, :]

    return LeaderView(
        month=month,
        feasible=steps(feasible),
        affordable=steps(feasible),
        available=steps(available),
        motivated=np.array([motivated]),
        partner_last=np.array([partner_last]),
        months_since_own_step=np.array([since]),
        can_reverse=np.array([can_reverse]),
        min_interval=np.array([min_interval]),
    )


def decide(name: str, v: LeaderView) -> tuple[int, np.ndarray]:
    d = STRATEGIES[name].decide(v)
    return int(d.proposal[0]), d.accept[0]


# ----------------------------------------------------------------------------- the harness


def test_the_scripted_partner_plays_its_script() -> None:
    script = ["visa_free_entry_jpn", "none", "export_curbs_lifted", "reverse", "none"]
    _, jpn, model = versus_test("status_quo", script)
    assert jpn == "SNSRN"
    assert [e["step"] for e in model.steps_log if e["actor"] == "JPN"] == [
        "visa_free_entry_jpn",
        "export_curbs_lifted",
        "export_curbs_lifted",
    ]


# ----------------------------------------------------------------------------- tit-for-tat


def test_tit_for_tat_mirrors_the_partner_one_month_later() -> None:
    script = ["visa_free_entry_jpn", "none", "export_curbs_lifted", "reverse", "none", "none"]
    rok, jpn, _ = versus_test("tit_for_tat", script)
    assert jpn == "SNSRNN"
    # opens with a step, then copies last month: step->step, nothing->nothing, reversal->reversal
    assert rok == "SSNSRN"


def test_tit_for_tat_against_a_partner_who_never_moves_opens_then_stops() -> None:
    rok, _, _ = versus_test("tit_for_tat", ["none"] * 6)
    assert rok == "SNNNNN"


def test_tit_for_tat_reversal_withdraws_its_latest_reversible_step() -> None:
    script = ["visa_free_entry_jpn", "whitelist_jpn", "reverse", "none"]
    rok, _, model = versus_test("tit_for_tat", script)
    assert rok == "SSSR"
    rok_log = [e for e in model.steps_log if e["actor"] == "ROK"]
    taken = [e["step"] for e in rok_log if e["action"] == "take"]
    assert taken == ["visa_free_entry_rok", "compensation_plan", "wto_case_dropped"]
    # the WTO case cannot be re-filed: the latest *reversible* step goes
    assert [e["step"] for e in rok_log if e["action"] == "reverse"] == ["compensation_plan"]


def test_tit_for_tat_does_not_open_without_motivation() -> None:
    proposal, _ = decide("tit_for_tat", view(month=1, motivated=False))
    assert proposal == NONE
    rok, _, _ = versus_test("tit_for_tat", ["none"] * 3, motivation_threshold=1.0)
    assert rok == "NNN"


def test_tit_for_tat_opens_when_motivated_and_joins_unless_the_partner_reversed() -> None:
    proposal, accept = decide("tit_for_tat", view(month=1, motivated=True))
    assert proposal == 0  # the first step of the ladder
    # after a quiet month it proposes nothing itself but answers a partner's joint proposal
    proposal, accept = decide("tit_for_tat", view(month=5, partner_last=DID_NOTHING))
    assert proposal == NONE
    assert accept.tolist() == S.SMALL.tolist()
    proposal, accept = decide("tit_for_tat", view(month=5, partner_last=MOVED))
    assert proposal == 0
    assert accept.tolist() == S.SMALL.tolist()
    _, accept = decide("tit_for_tat", view(month=5, partner_last=REVERSED))
    assert not accept.any()


def test_tit_for_tat_retaliates_only_with_something_to_reverse() -> None:
    assert decide("tit_for_tat", view(partner_last=REVERSED, can_reverse=True))[0] == REVERSE
    assert decide("tit_for_tat", view(partner_last=REVERSED, can_reverse=False))[0] == NONE


# ----------------------------------------------------------------------------- small steps


def test_small_steps_keeps_stepping_when_the_partner_does_nothing() -> None:
    n = len(ROK_OWN_SMALL)
    rok, jpn, model = versus_test("small_steps", ["none"] * (n + 3))
    assert jpn == "N" * (n + 3)
    assert rok == "S" * n + "NNN"  # one step a month until its own ladder is climbed
    taken = [e["step"] for e in model.steps_log if e["actor"] == "ROK"]
    assert taken == ROK_OWN_SMALL  # in ladder order


def test_small_steps_paces_itself_by_the_interval() -> None:
    rok, _, _ = versus_test("small_steps", ["none"] * 7, small_step_interval=3)
    assert rok == "SNNSNNS"


def test_small_steps_does_not_retaliate() -> None:
    script = ["visa_free_entry_jpn", "reverse", "none", "none"]
    rok, jpn, _ = versus_test("small_steps", script)
    assert jpn == "SRNN"
    assert "R" not in rok
    assert rok == "SSSS"


def test_small_steps_never_proposes_the_grand_bargain() -> None:
    only_gb = np.arange(K) == GB
    assert decide("small_steps", view(available=only_gb, feasible=only_gb))[0] == NONE


def test_small_steps_waits_while_not_motivated() -> None:
    rok, _, _ = versus_test("small_steps", ["none"] * 4, motivation_threshold=1.0)
    assert rok == "NNNN"


# ----------------------------------------------------------------------------- grand bargain


def test_grand_bargain_proposes_only_the_grand_bargain_when_it_can_afford_it() -> None:
    assert decide("grand_bargain", view())[0] == GB
    proposal, accept = decide("grand_bargain", view())
    assert accept.tolist() == (np.arange(K) == GB).tolist()
    unaffordable = np.arange(K) != GB
    assert decide("grand_bargain", view(feasible=unaffordable))[0] == NONE
    assert not decide("grand_bargain", view(feasible=unaffordable))[1].any()


def test_grand_bargain_is_struck_when_the_partner_joins_and_then_nothing_else() -> None:
    rok, jpn, model = versus_test("grand_bargain", ["grand_bargain", "none", "none"], disabled=())
    assert rok == "SNN"
    assert jpn == "SNN"
    assert [(e["step"], e["actor"]) for e in model.steps_log] == [("grand_bargain", "both")]


def test_grand_bargain_waits_while_it_cannot_afford_it() -> None:
    # cost at grievance 0.7: 0.04 x 1.2 = 0.048; 0.24 - 0.048 < floor 0.2
    rok, _, model = versus_test(
        "grand_bargain",
        ["grand_bargain"] * 4,
        disabled=(),
        rok_approval0=0.24,
        rok_approval_baseline=0.24,
    )
    assert rok == "NNNN"
    assert model.steps_log == []


# ----------------------------------------------------------------------------- status quo, hardline


def test_status_quo_never_moves_whatever_the_partner_does() -> None:
    script = ["visa_free_entry_jpn", "export_curbs_lifted", "reverse", "whitelist_jpn", "none"]
    rok, jpn, _ = versus_test("status_quo", script, disabled=())
    assert jpn == "SSRSN"
    assert rok == "NNNNN"


def test_hardline_withdraws_its_predecessors_reversible_steps_latest_first() -> None:
    # ROK climbs with small steps for three months, then a hardliner takes over (month 4).
    scenario = Scenario(
        disabled_steps=JOINT_STEPS,
        events=(Event(month=4, kind="leader_change", actor="ROK", value=0.6, strategy="hardline"),),
    ).with_params(**QUIET)
    model = AlignmentModel(scenario, rng=1, rok_strategy="small_steps", months=8)
    for _ in range(8):
        model.step()
    assert record(model, "ROK") == "SSSRRNNN"
    rok_log = [e for e in model.steps_log if e["actor"] == "ROK"]
    taken = [e["step"] for e in rok_log if e["action"] == "take"]
    withdrawn = [e["step"] for e in rok_log if e["action"] == "reverse"]
    reversible = [t for t in taken if S.LADDER[S.STEP_INDEX[t]].reversible]
    assert withdrawn == reversible[::-1] == ["compensation_plan", "visa_free_entry_rok"]


def test_a_leader_keeps_its_own_steps_even_when_hardline() -> None:
    """Reversal is a choice about a predecessor's steps: a leader who turns hardline in office
    does not undo its own word."""
    scenario = Scenario(disabled_steps=JOINT_STEPS).with_params(**QUIET)
    model = AlignmentModel(scenario, rng=1, rok_strategy="small_steps", months=8)
    for _ in range(3):
        model.step()
    model.rok.strategy = "hardline"
    for _ in range(5):
        model.step()
    assert record(model, "ROK") == "SSSNNNNN"


def test_hardline_proposes_and_joins_nothing_and_weighs_reversal_more() -> None:
    for can in (True, False):
        proposal, accept = decide("hardline", view(can_reverse=can, partner_last=MOVED))
        assert proposal == NONE
        assert not accept.any()
    # the same gain and exit cost: a hardliner reverses where an ordinary leader does not
    gain, cost = 0.02, 0.05
    assert R.wants_reversal(gain, cost, 5.0)
    assert not R.wants_reversal(gain, cost, 1.0)
    assert not R.wants_reversal(gain, 0.0, 0.0)  # weight 0 never reverses


# ----------------------------------------------------------------------------- political capital


def test_a_leader_below_the_floor_never_takes_a_costly_step() -> None:
    for name in ("small_steps", "tit_for_tat", "grand_bargain"):
        rok, _, model = versus_test(
            name,
            ["visa_free_entry_jpn", "export_curbs_lifted", "whitelist_jpn", "none"],
            disabled=(),
            rok_approval0=0.15,
            rok_approval_baseline=0.15,
        )
        assert "S" not in rok, name
        assert all(e["actor"] == "JPN" for e in model.steps_log), name


@st.composite
def views(draw: st.DrawFn) -> LeaderView:
    runs = draw(st.integers(1, 6))
    flags = hnp.arrays(bool, (runs, K))
    vec = hnp.arrays(bool, (runs,))
    return LeaderView(
        month=draw(st.integers(1, 60)),
        feasible=(feasible := draw(flags)),
        affordable=feasible | draw(flags),
        available=draw(flags),
        motivated=draw(vec),
        partner_last=draw(hnp.arrays(np.int64, (runs,), elements=st.sampled_from([0, 1, 2]))),
        months_since_own_step=draw(hnp.arrays(np.int64, (runs,), elements=st.integers(0, 50))),
        can_reverse=draw(vec),
        min_interval=draw(st.integers(1, 6)),
    )


@settings(max_examples=150, deadline=None)
@given(v=views(), name=st.sampled_from(sorted(STRATEGIES)))
def test_every_strategy_proposes_and_accepts_only_what_is_on_the_table_and_affordable(
    v: LeaderView, name: str
) -> None:
    d = STRATEGIES[name].decide(v)
    runs = v.feasible.shape[0]
    assert d.proposal.shape == (runs,)
    assert d.accept.shape == (runs, K)
    for r in range(runs):
        p = int(d.proposal[r])
        assert p in (NONE, REVERSE) or 0 <= p < K
        if p >= 0:
            assert v.feasible[r, p] and v.available[r, p]
        if p == REVERSE:
            assert v.can_reverse[r]
    assert not (d.accept & ~(v.affordable & v.available)).any()


@settings(max_examples=60, deadline=None)
@given(v=views(), name=st.sampled_from(sorted(STRATEGIES)))
def test_a_strategy_decides_each_run_as_if_alone(v: LeaderView, name: str) -> None:
    """Vectorised decisions equal one-run decisions (what lets both engines share strategies)."""
    whole = STRATEGIES[name].decide(v)
    for r in range(v.feasible.shape[0]):
        one = LeaderView(
            month=v.month,
            feasible=v.feasible[r : r + 1],
            affordable=v.affordable[r : r + 1],
            available=v.available[r : r + 1],
            motivated=v.motivated[r : r + 1],
            partner_last=v.partner_last[r : r + 1],
            months_since_own_step=v.months_since_own_step[r : r + 1],
            can_reverse=v.can_reverse[r : r + 1],
            min_interval=v.min_interval,
        )
        alone = STRATEGIES[name].decide(one)
        assert int(alone.proposal[0]) == int(whole.proposal[r])
        assert alone.accept[0].tolist() == whole.accept[r].tolist()


def test_every_strategy_is_tested_here() -> None:
    assert set(STRATEGIES) == {
        "small_steps",
        "grand_bargain",
        "tit_for_tat",
        "status_quo",
        "hardline",
    }


def test_with_no_step_on_the_table_and_none_to_withdraw_no_strategy_moves() -> None:
    """The month skips the decision in that case (sim.core.month); this holds for every
    strategy, whatever else the leader sees."""
    from itertools import product

    from sim.core.strategies import STRATEGY_ID, decide

    for name, sid in STRATEGY_ID.items():
        for month, motivated, partner_last, since in product(
            (1, 2, 30), (True, False), (DID_NOTHING, MOVED, REVERSED), (1, 5, 10_000)
        ):
            assert decide(sid, month, 0, 0, 0, motivated, partner_last, since, False, 2.0) == (
                NONE,
                0,
            ), name
