"""The second version's mechanisms: each declared with a neutral setting inside its parameters'
ranges, and at that setting the mechanism has no effect (its state stays put); switched on, it
changes runs."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.core import month as M
from sim.core import rules as R
from sim.core.mechanisms import MECHANISM_BY_NAME, MECHANISMS, neutral_params
from sim.core.params import PARAM_FIELDS, Params, Scenario, out_of_range
from sim.engines.batch import simulate

RUNS = 300


def run(scenario: Scenario, *off: str, months: int = 60, **params: float):
    sc = dataclasses.replace(scenario, params=neutral_params(scenario.params, *off))
    return simulate(sc.with_params(**params), 3, range(RUNS), months=months, keep_monthly=True)


def monthly(result, name: str) -> np.ndarray:
    from sim.core.outputs import MONTHLY_VARS

    return result.monthly[..., MONTHLY_VARS.index(name)]


@pytest.mark.parametrize("mechanism", MECHANISMS, ids=lambda m: m.name)
def test_every_neutral_setting_is_a_valid_value_of_its_parameter(mechanism) -> None:
    assert mechanism.neutral, mechanism.name
    for key, value in mechanism.neutral:
        assert key in PARAM_FIELDS, key
        assert out_of_range(key, value) is None, (key, value)


def test_neutral_params_switches_only_the_named_mechanisms() -> None:
    p = neutral_params(Params(), "deepening")
    changed = {k for k in PARAM_FIELDS if getattr(p, k) != getattr(Params(), k)}
    assert changed == {k for k, v in MECHANISM_BY_NAME["deepening"].neutral if
                       PARAM_FIELDS[k].default != v}  # fmt: skip
    with pytest.raises(KeyError, match="unknown mechanism"):
        neutral_params(Params(), "no_such_mechanism")


def test_moving_capital_off_keeps_the_baseline_fixed_and_on_spreads_approval() -> None:
    base = Scenario(months=40).with_params(rok_term_end_month=600)
    off = run(base, "moving_capital", "scandals", months=40)
    on = run(base, "scandals", months=40)
    assert np.all(monthly(off, "baseline_ROK") == base.params.rok_approval_baseline)
    assert monthly(on, "baseline_ROK")[:, 1:].std() > 0
    # the spread of approval across runs at month 36 grows with a moving baseline
    assert monthly(on, "approval_ROK")[:, 36].std() > 2 * monthly(off, "approval_ROK")[:, 36].std()


def test_a_new_leaders_honeymoon_fades_at_the_baseline_reversion() -> None:
    """Mueller: after a turnover the baseline starts at the honeymoon and returns to the long-run
    level; with reversion 1 (neutral) it is back at once."""
    base = Scenario(months=30).with_params(rok_term_end_month=10, approval_volatility=0.0,
                                           scandal_rate=0.0, honeymoon_approval=0.6)  # fmt: skip
    slow = run(base, baseline_reversion=0.1, months=30)
    snap = run(base, baseline_reversion=1.0, months=30)
    long_run = base.params.rok_approval_baseline
    b_slow, b_snap = monthly(slow, "baseline_ROK"), monthly(snap, "baseline_ROK")
    assert np.allclose(b_snap[:, 11:], long_run)
    gap = b_slow[:, 11:21] - long_run
    assert np.all(gap > 0) and np.all(np.diff(gap, axis=1) < 0)


def test_early_exit_comes_only_at_low_approval_and_not_when_off() -> None:
    low = Scenario(months=36).with_params(rok_approval0=0.05, rok_approval_baseline=0.05,
                                          rok_term_end_month=600)  # fmt: skip
    on = run(low, months=36).summary
    off = run(low, "early_exit", months=36).summary
    assert np.all(off["leaders_ROK"] == 1)
    assert np.mean(on["leaders_ROK"] > 1) > 0.5
    high = run(Scenario(months=36).with_params(rok_term_end_month=600), "moving_capital",
               "scandals", months=36).summary  # fmt: skip
    assert np.all(high["leaders_ROK"] == 1)
    assert R.early_exit_hazard(0.0, Params()) == pytest.approx(Params().early_exit_rate)


def test_successors_stance_is_drawn_and_off_it_is_inherited() -> None:
    base = Scenario(months=30).with_params(rok_term_end_month=10)
    on = run(base, months=30)
    off = run(base, "successor_draw", months=30)
    stance0 = base.params.rok_stance0
    assert np.all(monthly(off, "stance_ROK") == stance0)
    after = monthly(on, "stance_ROK")[:, 11]
    assert after.std() > 0.1
    hostile = on.summary["hostile_successor_ROK"]
    share = float(np.mean(hostile))
    assert 0.2 < share < 0.8  # about half the successors are from the other camp
    assert np.array_equal(hostile, after < 0)


def test_lock_in_keeps_a_hostile_successors_hands_tied() -> None:
    """With exit costs and deepening, a hardline successor undoes fewer steps than without."""
    ev = dataclasses.replace(Scenario(), events=(M_event(30),), months=60).with_params(
        rok_opposition_prob=1.0, rok_term_end_month=600
    )
    locked = run(ev).summary
    free = run(ev, "exit_costs", "deepening").summary
    assert free["reversals_ROK"].mean() > locked["reversals_ROK"].mean()
    assert free["final_trilateral"].mean() < locked["final_trilateral"].mean()
    # deepening off: depth never grows
    assert np.all(run(ev, "deepening").summary["final_depth"] == 0)


def M_event(month: int):
    from sim.core.params import Event

    return Event(month=month, kind="leader_change", actor="ROK", value=0.5, strategy="hardline")


def test_resentment_builds_only_above_the_tolerance_and_not_when_off() -> None:
    hot = Scenario(months=24).with_params(us_coercion=1.0, us_backlash_tolerance=0.6)
    assert monthly(run(hot, months=24), "resentment_ROK")[:, -1].min() > 0
    assert np.all(monthly(run(hot, "us_backlash", months=24), "resentment_ROK") == 0)
    calm = Scenario(months=24).with_params(us_coercion=0.5, us_backlash_tolerance=0.6)
    assert np.all(monthly(run(calm, months=24), "resentment_ROK") == 0)


def test_ally_signals_make_perceived_commitment_asymmetric_only_when_on() -> None:
    base = Scenario(months=48)
    on = run(base, months=48)
    off = run(base, "ally_signals", months=48)
    gap_on = monthly(on, "perceived_commitment_ROK") - monthly(on, "perceived_commitment_JPN")
    gap_off = monthly(off, "perceived_commitment_ROK") - monthly(off, "perceived_commitment_JPN")
    assert np.all(gap_off == 0)
    assert np.abs(gap_on).max() > 0.1
    # asymmetric perceived commitment gives asymmetric abandonment fear
    fear_gap = monthly(on, "abandonment_ROK") - monthly(on, "abandonment_JPN")
    assert np.corrcoef(gap_on[:, 1:].ravel(), fear_gap[:, 1:].ravel())[0, 1] < -0.1


def test_the_bargain_bundle_takes_the_open_steps_with_it() -> None:
    gb = Scenario(months=24).with_strategies(ROK="grand_bargain", JPN="grand_bargain")
    gb = gb.with_params(rok_approval0=0.6, rok_approval_baseline=0.6)
    on = simulate(gb, 1, range(50))
    off = simulate(
        dataclasses.replace(gb, params=neutral_params(gb.params, "bargain_bundle")), 1, range(50)
    )
    from sim.core import steps as S

    summit = S.STEP_INDEX["bilateral_summit"]
    gbk = S.STEP_INDEX["grand_bargain"]
    struck = on.first_taken_month[:, gbk] >= 0
    assert struck.mean() > 0.5
    assert np.all(on.first_taken_month[struck, summit] == on.first_taken_month[struck, gbk])
    assert np.all(off.first_taken_month[:, summit] < 0)


def test_a_china_aligned_state_is_less_motivated_than_a_us_aligned_one() -> None:
    p = Params()
    args = (0.4, 0.3, 0.1)
    toward_china = R.leader_motivation(*args, -0.8, 0.5, 0.0, 0.0, p)
    toward_us = R.leader_motivation(*args, 0.8, 0.5, 0.0, 0.0, p)
    assert toward_china < toward_us
    q = neutral_params(p, "alignment_motivation")
    assert R.leader_motivation(*args, -0.8, 0.5, 0.0, 0.0, q) == R.leader_motivation(
        *args, 0.8, 0.5, 0.0, 0.0, q
    )


def test_unmotivated_leaders_decline_joint_steps_only_when_declining_is_on() -> None:
    from sim.core import steps as S

    # Japan proposes the bilateral summit each month; the ROK is unmotivated
    sc = Scenario(months=6).with_params(coop_rok_jpn0=0.5, motivation_threshold=3.0,
                                        engagement_slack=0.0, rok_approval0=0.6,
                                        rok_approval_baseline=0.6)  # fmt: skip
    summit = S.STEP_INDEX["bilateral_summit"]
    from sim.engines.model import AlignmentModel

    def summit_month(scenario: Scenario) -> int:
        model = AlignmentModel(scenario, rng=1, rok_strategy="small_steps", months=6)
        for _ in range(6):
            model.set_choice("JPN", "bilateral_summit")
            model.step()
        return int(model.state.first_month[0, summit])

    assert summit_month(sc) == M.NEVER
    assert summit_month(dataclasses.replace(sc, params=neutral_params(sc.params, "decline"))) == 1


def test_every_drawn_mechanism_parameter_can_be_drawn_at_no_effect() -> None:
    """A mechanism's parameter drawn in ensembles has a prior that includes its neutral value,
    so the parameter uncertainty spans "no effect"."""
    from sim.core.priors import PRIORS

    priors = {p.name: p for p in PRIORS}
    checked = 0
    for m in MECHANISMS:
        for key, value in m.neutral:
            if key in priors:
                assert priors[key].lo <= value <= priors[key].hi, (m.name, key)
                checked += 1
    assert checked >= 10


@pytest.mark.parametrize("actor", ["ROK", "JPN"])
def test_a_scheduled_baseline_shock_moves_that_leaders_baseline_only(actor: str) -> None:
    """An election or scandal scheduled as a baseline shock shifts the named leader's baseline
    in its month and it fades at the baseline reversion; the other leader's is untouched."""
    from sim.core.params import Event

    quiet = neutral_params(Params(), "moving_capital", "scandals")
    sc = Scenario(months=8, params=quiet, events=(
        Event(month=3, kind="baseline_shock", actor=actor, value=-0.1),))  # fmt: skip
    out = simulate(sc, 1, range(2), keep_monthly=True)
    other = "JPN" if actor == "ROK" else "ROK"
    hit, calm = monthly(out, f"baseline_{actor}"), monthly(out, f"baseline_{other}")
    start = getattr(quiet, f"{actor.lower()}_approval_baseline")
    assert np.all(hit[:, :3] == start)
    assert np.allclose(hit[:, 3], start - 0.1)
    assert np.all(calm == getattr(quiet, f"{other.lower()}_approval_baseline"))


def test_without_us_signals_each_ally_perceives_the_commitment_as_given() -> None:
    base = Scenario(months=24).with_params(us_commitment=0.6)
    off = run(base, "ally_signals", months=24)
    for who in ("ROK", "JPN"):
        assert np.all(monthly(off, f"perceived_commitment_{who}") == 0.6)
