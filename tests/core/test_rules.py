"""Per-rule tests of direction AND magnitude (sim.core.rules) and of the counter-based draws (sim.core.rng).

Each test names the mechanism it checks; expected values are worked out from the rule's
docstring, so a changed formula fails here with the mechanism's name on it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from sim.core import rng
from sim.core import rules as R
from sim.core import steps as S
from sim.core.params import Params

P = Params()
K = S.N_STEPS


def params(**changes: Any) -> Params:
    return dataclasses.replace(P, **changes)


def a(*values: float) -> np.ndarray:
    """A (1, n) array: one run, n democracies."""
    return np.array([values], dtype=float)


# ----------------------------------------------------------------------------- fears (Snyder)


def test_more_commitment_lowers_abandonment_and_raises_entrapment() -> None:
    threat, dep = a(0.6), np.array([0.2])
    commitments = np.linspace(0.0, 1.0, 11)
    aband, entrap = zip(*(R.fear_targets(threat, c, 0.4, dep, P) for c in commitments), strict=True)
    assert np.all(np.diff(np.ravel(aband)) < 0)
    assert np.all(np.diff(np.ravel(entrap)) > 0)


def test_fear_target_magnitudes() -> None:
    aband, e = R.fear_targets(a(0.6), 0.7, 0.4, np.array([0.2]), P)
    entrap = np.ravel(e)  # entrapment does not depend on threat: shape of dependence
    assert aband[0, 0] == pytest.approx(0.6 * (1.2 - 0.7))
    assert entrap[0] == pytest.approx(0.7 * (0.2 + 0.4 * 0.4) + 0.5 * 0.2)
    # entrapment grows with US pressure (per unit commitment) and with dependence on China
    _, e_more_pressure = R.fear_targets(a(0.6), 0.7, 0.9, np.array([0.2]), P)
    _, e_more_dep = R.fear_targets(a(0.6), 0.7, 0.4, np.array([0.4]), P)
    assert np.ravel(e_more_pressure)[0] - entrap[0] == pytest.approx(0.7 * 0.4 * 0.5)
    assert np.ravel(e_more_dep)[0] - entrap[0] == pytest.approx(0.5 * 0.2)
    # clipped to the fear scale
    hi_a, hi_e = R.fear_targets(a(1.0), 0.0, 1.0, np.array([1.0]), params(abandonment_slack=2.0))
    assert hi_a[0, 0] == 1.0 and 0.0 <= np.ravel(hi_e)[0] <= 1.0


def test_fears_close_a_fixed_share_of_the_gap_each_month() -> None:
    out = R.fear_after_month(a(0.2, 0.8), a(0.6, 0.4), P)
    np.testing.assert_allclose(out, a(0.2 + 0.3 * 0.4, 0.8 - 0.3 * 0.4))


# ----------------------------------------------------------------------------- cooperation incentive (Cha)


def incentive(p: Params, aband_r: float, aband_j: float, commitment: float = 0.7) -> float:
    out = R.cooperation_incentive(a(0.6), a(0.6), a(aband_r), a(aband_j), commitment, 0.4, p)
    return float(out[0, 0])


@pytest.mark.parametrize("effect", [-0.8, -0.3, 0.3, 0.8])
def test_commitment_effect_sets_the_sign_of_the_commitment_term(effect: float) -> None:
    p = params(commitment_effect=effect)
    slope = (incentive(p, 0.4, 0.4, commitment=0.9) - incentive(p, 0.4, 0.4, commitment=0.4)) / 0.5
    assert slope == pytest.approx(effect)
    assert np.sign(slope) == np.sign(effect)  # < 0 Cha 1999, > 0 the 2024 re-test


def test_symmetric_fears_give_a_larger_incentive_than_asymmetric_ones_at_equal_mean() -> None:
    sym = incentive(P, 0.5, 0.5)
    asym = incentive(P, 0.3, 0.7)
    # shared - asym: (0.5 - 0) vs (0.3 - 0.4); times cha_symmetry_weight 0.5
    assert sym - asym == pytest.approx(0.5 * (0.5 - (0.3 - 0.4)))
    assert incentive(params(cha_symmetry_weight=0.0), 0.3, 0.7) == pytest.approx(
        incentive(params(cha_symmetry_weight=0.0), 0.5, 0.5)
    )


def test_incentive_magnitude_and_us_pressure_term() -> None:
    got = R.cooperation_incentive(a(0.7), a(0.5), a(0.4), a(0.2), 0.7, 0.4, P)[0, 0]
    expected = 0.5 * (0.6 - 0.5) + 0.5 * (0.7 - 0.5) + 0.5 * (0.2 - 0.2) + 0.6 * 0.4
    assert got == pytest.approx(expected)
    more = R.cooperation_incentive(a(0.7), a(0.5), a(0.4), a(0.2), 0.7, 0.9, P)[0, 0]
    assert more - got == pytest.approx(0.6 * 0.5)


def test_motivation_weighs_abandonment_against_entrapment() -> None:
    m = R.motivation(a(0.5, 0.5), a(0.2, 0.4), a(0.1), params(entrapment_weight=2.0))
    np.testing.assert_allclose(m, a(0.5 - 0.4 + 0.1, 0.5 - 0.8 + 0.1))


# ----------------------------------------------------------------------------- step cost and feasibility (Putnam)


def test_step_cost_grows_with_grievance_salience() -> None:
    cost = R.step_cost(np.array([[0.0, 0.5, 1.0]]), 0.4, P)
    assert cost.shape == (1, 3, K)
    np.testing.assert_allclose(cost[0, 0], 0.5 * S.COST)
    np.testing.assert_allclose(cost[0, 1], 1.0 * S.COST)  # ladder costs are quoted at 0.5
    np.testing.assert_allclose(cost[0, 2], 1.5 * S.COST)
    assert np.all(cost[0, 2] > cost[0, 1]) and np.all(cost[0, 1] > cost[0, 0])


def test_step_cost_grows_with_us_pressure_only_above_the_tolerance() -> None:
    g = a(0.5)
    below = [R.step_cost(g, u, P)[0, 0] for u in (0.0, 0.3, 0.6)]
    for c in below:
        np.testing.assert_allclose(c, S.COST)
    above = R.step_cost(g, 0.8, P)[0, 0]
    np.testing.assert_allclose(above, S.COST * (1.0 + 2.0 * 0.2))
    scaled = R.step_cost(g, 0.4, params(concession_cost_scale=3.0))[0, 0]
    np.testing.assert_allclose(scaled, 3.0 * S.COST)


def test_a_leader_below_the_floor_can_take_no_costly_step() -> None:
    scale = R.step_cost_scale(0.5, 0.4, P)
    assert R.affordable_steps(0.19, 0.2, scale, 0.0, S.ALL_MASK) == 0
    assert R.affordable_steps(0.60, 0.2, scale, 0.0, S.ALL_MASK) == S.ALL_MASK


def test_feasibility_is_approval_after_cost_at_or_above_the_floor() -> None:
    # at scale 1 the ladder's own costs apply: 0.28 - cost >= 0.25 holds for costs up to 0.03
    ok = S.steps_in(R.affordable_steps(0.28, 0.25, 1.0, 0.0, S.ALL_MASK))
    np.testing.assert_array_equal(ok, 0.28 - S.COST >= 0.25)
    assert ok.any() and not ok.all()
    # only steps among those offered are considered
    some = S.mask_of(np.arange(K) < 3)
    assert R.affordable_steps(0.28, 0.25, 1.0, 0.0, some) == S.mask_of(ok & (np.arange(K) < 3))


def test_the_initiative_margin_applies_only_without_the_partners_cover() -> None:
    assert R.initiative_margin(1, P) == 0.0  # the partner stepped last month
    assert R.initiative_margin(int(P.reciprocity_window), P) == 0.0
    assert R.initiative_margin(int(P.reciprocity_window) + 1, P) == P.initiative_margin
    scale = R.step_cost_scale(0.5, 0.4, P)
    first = R.affordable_steps(0.31, 0.2, scale, R.initiative_margin(99, P), S.ALL_MASK)
    answer = R.affordable_steps(0.31, 0.2, scale, 0.0, S.ALL_MASK)
    assert first & ~answer == 0 and answer & ~first != 0


def test_available_steps_need_trust_ownership_and_not_taken() -> None:
    taken = R.bit(S.STEP_INDEX["visa_free_entry_rok"])
    rok = S.steps_in(R.available_steps(taken, 0.2, S.OWNED_MASK[0]))
    jpn = S.steps_in(R.available_steps(taken, 0.2, S.OWNED_MASK[1]))
    assert not rok[S.STEP_INDEX["visa_free_entry_rok"]]  # taken
    assert not rok[S.STEP_INDEX["visa_free_entry_jpn"]]  # Japan's step
    assert jpn[S.STEP_INDEX["visa_free_entry_jpn"]]
    assert rok[S.STEP_INDEX["compensation_plan"]]  # needs 0.15
    assert rok[S.STEP_INDEX["bilateral_summit"]] and jpn[S.STEP_INDEX["bilateral_summit"]]
    assert not rok[S.STEP_INDEX["gsomia_normalised"]]  # needs 0.25
    np.testing.assert_array_equal(rok | jpn, (S.MIN_COOP <= 0.2) & ~S.steps_in(taken))


# ----------------------------------------------------------------------------- approval


def approval(p: Params = P, **kw: Any) -> float:
    args: dict[str, Any] = {
        "approval": a(0.30),
        "baseline": np.array([0.30]),
        "paid_cost": a(0.0),
        "reversal_credit": a(0.0),
        "reciprocated": a(0.0),
        "launches": a(0.0),
        "pressure_from_china": a(0.0),
        "dependence": np.array([0.2]),
        "us_coercion": 0.4,
        "noise": a(0.0),
    }
    args.update({k: (a(v) if k not in ("baseline", "dependence", "us_coercion") else v)
                 for k, v in kw.items()})  # fmt: skip
    return float(R.approval_after_month(p=p, **args)[0, 0])


def test_approval_at_its_baseline_and_undisturbed_stays_put() -> None:
    assert approval() == pytest.approx(0.30)


def test_approval_drifts_toward_the_baseline() -> None:
    up = approval(approval=0.20)
    down = approval(approval=0.50)
    assert up == pytest.approx(0.20 + 0.1 * 0.10)
    assert down == pytest.approx(0.50 - 0.1 * 0.20)


def test_concessions_cost_and_reversals_refund_approval() -> None:
    assert approval(paid_cost=0.04) == pytest.approx(0.26)
    assert approval(reversal_credit=0.02) == pytest.approx(0.32)


def test_reciprocity_earns_credit() -> None:
    assert approval(reciprocated=1.0) - approval() == pytest.approx(0.005)


def test_rally_effect_grows_with_launches() -> None:
    assert approval(launches=10.0) - approval() == pytest.approx(10 * 0.001)


def test_coercion_cost_is_proportional_to_dependence() -> None:
    base = approval(pressure_from_china=0.5, dependence=np.array([0.0]))
    c1 = base - approval(pressure_from_china=0.5, dependence=np.array([0.2]))
    c2 = base - approval(pressure_from_china=0.5, dependence=np.array([0.4]))
    assert c1 == pytest.approx(0.04 * 0.5 * 0.2)
    assert c2 == pytest.approx(2 * c1)


def test_us_pressure_costs_approval_only_above_the_tolerance() -> None:
    assert approval(us_coercion=0.6) == pytest.approx(approval(us_coercion=0.0))
    assert approval(us_coercion=0.6) - approval(us_coercion=0.9) == pytest.approx(0.04 * 0.3)


def test_approval_stays_within_its_bounds() -> None:
    assert approval(paid_cost=5.0) == 0.02
    assert approval(reversal_credit=5.0) == 0.98


def test_triangular_noise_is_bounded_and_centred() -> None:
    keys = rng.run_keys(7, np.arange(20_000))
    u = rng.uniform(keys, 1, "noise", (0, 1))
    noise = R.triangular_noise(u[:, 0], u[:, 1], 0.012)
    assert np.all(np.abs(noise) <= 0.012)
    assert abs(noise.mean()) < 0.0003
    assert noise.std() == pytest.approx(0.012 / np.sqrt(6), rel=0.03)


# ----------------------------------------------------------------------------- alignment (H4 mechanism)


def align(alignment: float, us: float, china: float, dep: float, p: Params = P) -> float:
    out = R.alignment_after_month(a(alignment), us, a(china), np.array([dep]), a(0.5), p)
    return float(out[0, 0])


def test_us_pressure_moves_alignment_toward_the_us() -> None:
    moves = [align(0.2, us, 0.0, 0.2) - 0.2 for us in (0.0, 0.3, 0.6, 0.9)]
    assert moves[0] == 0.0
    assert np.all(np.diff(moves) > 0)
    assert moves[2] == pytest.approx(0.05 * (1 - 0.2) * 0.5 * 0.6)


def test_chinese_coercion_pulls_toward_china_only_when_dependence_times_leverage_beats_backlash():
    # leverage 2, backlash 0.3: the pull turns at dependence 0.15
    dependent = align(0.2, 0.0, 0.8, 0.40) - 0.2
    indifferent = align(0.2, 0.0, 0.8, 0.15) - 0.2
    hardened = align(0.2, 0.0, 0.8, 0.05) - 0.2
    assert dependent < 0
    assert indifferent == pytest.approx(0.0, abs=1e-15)
    assert hardened > 0  # coercion of a barely dependent partner backfires (H4)
    assert dependent == pytest.approx(-0.05 * (1 + 0.2) * 0.5 * 0.8 * (0.4 * 2 - 0.3))


def test_threat_above_half_pulls_toward_the_us() -> None:
    out = R.alignment_after_month(a(0.0), 0.0, a(0.0), np.array([0.2]), a(0.9), P)[0, 0]
    assert out == pytest.approx(0.05 * 0.5 * 0.5 * 0.4)


def test_alignment_stays_in_range() -> None:
    p = params(alignment_rate=1.0, china_leverage=10.0)
    assert align(-1.0, 0.0, 1.0, 1.0, p) == -1.0
    assert align(1.0, 1.0, 0.0, 0.0, p) == 1.0


# ----------------------------------------------------------------------------- patrons


def test_contribution_grade_weights_alignment_and_mended_ties() -> None:
    g = R.contribution_grade(a(1.0, -1.0), a(0.5), P)
    np.testing.assert_allclose(g, a(0.6 + 0.4 * 0.5, 0.4 * 0.5))


def test_china_aims_its_pressure_by_contribution() -> None:
    low = R.china_pressure(0.3, a(0.0), a(0.0), P)[0, 0]
    high = R.china_pressure(0.3, a(0.0), a(1.0), P)[0, 0]
    assert low == pytest.approx(0.3 * 0.5) and high == pytest.approx(0.3)
    episode = R.china_pressure(0.3, a(0.3), a(1.0), P)[0, 0]
    assert episode == pytest.approx(0.6)


def test_us_rewards_and_punishes_by_contribution() -> None:
    out = R.us_cooperation_after_month(a(0.7, 0.7), a(0.9, 0.5), a(0.0), P)
    np.testing.assert_allclose(out, a(0.7 + 0.05 * 0.2, 0.7 - 0.05 * 0.2))
    tri = R.us_cooperation_after_month(a(0.7, 0.7), a(0.7, 0.7), a(0.06), P)
    np.testing.assert_allclose(tri, a(0.73, 0.73))


# ----------------------------------------------------------------------------- perception


def test_threat_decays_to_baseline_and_rises_with_launches() -> None:
    assert R.threat_after_month(a(0.7), a(0.0), P)[0, 0] == pytest.approx(0.68)
    assert R.threat_after_month(a(0.5), a(6.0), P)[0, 0] == pytest.approx(0.53)


def test_flashpoints_raise_grievance_and_steps_relieve_it() -> None:
    assert R.grievance_after_flashpoints(a(0.5, 0.5), a(1.0, 0.0), 0.15)[0].tolist() == [
        0.65,
        0.5,
    ]
    drift = R.grievance_after_month(a(0.7), a(0.0), P)[0, 0]
    relief = R.grievance_after_month(a(0.7), a(0.1), P)[0, 0]
    assert drift == pytest.approx(0.7 - 0.03 * 0.3)
    assert drift - relief == pytest.approx(0.3 * 0.1)


# ----------------------------------------------------------------------------- resolution (two-level games)

ROK_STEP = S.STEP_INDEX["compensation_plan"]
JPN_STEP = S.STEP_INDEX["whitelist_jpn"]
SUMMIT = S.STEP_INDEX["bilateral_summit"]
TRI = S.STEP_INDEX["trilateral_summit"]


def resolve(proposal: tuple[int, int], accept: Any = False, feasible: Any = True, rev=(-1, -1)):
    """Resolve with every owned step on the table; returns (paid (2, K), executed (K,),
    withdrawn (2, K)) as flags."""

    def pair(x: Any) -> tuple[int, int]:
        flags = np.broadcast_to(np.asarray(x, dtype=bool), (2, K))
        return S.mask_of(flags[0]), S.mask_of(flags[1])

    out = R.resolve_actions(
        proposal, pair(accept), pair(feasible), pair(feasible), S.OWNED_MASK, rev
    )
    paid = np.array([S.steps_in(out[0]), S.steps_in(out[1])])
    withdrawn = np.array([S.steps_in(out[2]), S.steps_in(out[3])])
    return paid, paid[0] | paid[1], withdrawn


def test_own_steps_happen_when_feasible() -> None:
    paid, executed, reversed_by = resolve((ROK_STEP, JPN_STEP))
    assert np.flatnonzero(paid[0]).tolist() == [ROK_STEP]
    assert np.flatnonzero(paid[1]).tolist() == [JPN_STEP]
    assert np.flatnonzero(executed).tolist() == [ROK_STEP, JPN_STEP]
    assert not reversed_by.any()
    paid, executed, _ = resolve((ROK_STEP, R.NONE), feasible=False)
    assert not paid.any() and not executed.any()


def test_a_leader_cannot_take_the_partners_own_step() -> None:
    _, executed, _ = resolve((JPN_STEP, R.NONE))
    assert not executed.any()


def test_joint_steps_need_both_leaders() -> None:
    _, executed, _ = resolve((SUMMIT, R.NONE))
    assert not executed.any()  # Japan neither proposes nor accepts
    paid, executed, _ = resolve((SUMMIT, R.NONE), accept=True)
    assert executed[SUMMIT] and paid[0, SUMMIT] and paid[1, SUMMIT]
    paid, executed, _ = resolve((SUMMIT, SUMMIT))
    assert executed[SUMMIT] and paid[:, SUMMIT].all()
    jpn_cannot_pay = np.ones((2, K), dtype=bool)
    jpn_cannot_pay[1, SUMMIT] = False
    _, executed, _ = resolve((SUMMIT, R.NONE), accept=True, feasible=jpn_cannot_pay)
    assert not executed.any()


def test_at_most_one_joint_step_a_month_rok_first() -> None:
    paid, executed, _ = resolve((SUMMIT, TRI), accept=True)
    assert np.flatnonzero(executed).tolist() == [SUMMIT]
    assert paid[:, SUMMIT].all() and not paid[:, TRI].any()


def test_reversal_withdraws_the_given_latest_reversible_step() -> None:
    paid, executed, reversed_by = resolve((R.REVERSE, R.REVERSE), rev=(ROK_STEP, -1))
    assert not paid.any() and not executed.any()
    assert np.flatnonzero(reversed_by[0]).tolist() == [ROK_STEP]
    assert not reversed_by[1].any()  # Japan had nothing to withdraw


def test_latest_reversible_is_the_most_recent_reversible_owned_step() -> None:
    taken = 0
    month = np.zeros(K, dtype=np.int64)
    for name, m in (("visa_free_entry_rok", 1), ("compensation_plan", 4), ("wto_case_dropped", 6),
                    ("whitelist_rok", 4), ("whitelist_jpn", 9)):  # fmt: skip
        taken |= R.bit(S.STEP_INDEX[name])
        month[S.STEP_INDEX[name]] = m
    latest = [R.latest_reversible(taken, month, S.OWNED_MASK[d]) for d in (0, 1)]
    # WTO case (month 6) is irreversible; of the two month-4 steps the later on the ladder goes
    assert latest == [S.STEP_INDEX["whitelist_rok"], S.STEP_INDEX["whitelist_jpn"]]
    assert [R.latest_reversible(0, month, S.OWNED_MASK[d]) for d in (0, 1)] == [-1, -1]


# ----------------------------------------------------------------------------- cooperation and the index


def test_cooperation_anchor_is_raised_only_by_locked_in_trust() -> None:
    assert R.cooperation_anchor(a(0.0), P)[0, 0] == pytest.approx(0.10)
    assert R.cooperation_anchor(a(0.1), P)[0, 0] == pytest.approx(0.18)
    locked = R.ladder_sum(S.ALL_MASK & ~S.REVERSIBLE_MASK, 1.0, S.GAIN)
    assert locked == pytest.approx(0.05 + 0.03 + 0.06 + 0.06)


def test_rok_japan_cooperation_terms() -> None:
    base = R.rok_jpn_cooperation_after_month(a(0.3), a(0), a(0), a(0.3), a(0), a(0), P)[0, 0]
    assert base == pytest.approx(0.3)
    assert R.rok_jpn_cooperation_after_month(a(0.3), a(0.05), a(0), a(0.3), a(0), a(0), P)[
        0, 0
    ] == pytest.approx(0.35)
    decay = R.rok_jpn_cooperation_after_month(a(0.3), a(0), a(0), a(0.1), a(0), a(0), P)[0, 0]
    assert decay == pytest.approx(0.3 - 0.04 * 0.2)
    drift = R.rok_jpn_cooperation_after_month(a(0.3), a(0), a(0), a(0.3), a(0.5), a(0), P)[0, 0]
    assert drift == pytest.approx(0.3 + 0.01 * 0.5)
    hit = R.rok_jpn_cooperation_after_month(a(0.3), a(0), a(0.1), a(0.3), a(0), a(0.7), P)[0, 0]
    assert hit == pytest.approx(0.3 - 0.1 - 0.04 * 0.7)


def test_trilateral_index_is_held_down_by_the_weakest_link() -> None:
    weak = R.trilateral_index(0.1, 0.9, 0.9)
    assert weak == pytest.approx(3 / (10 + 2 / 0.9))
    assert weak < 0.3 < np.mean([0.1, 0.9, 0.9])
    assert R.trilateral_index(0.6, 0.6, 0.6) == pytest.approx(0.6)
    raise_weak = R.trilateral_index(0.2, 0.9, 0.9)
    raise_strong = R.trilateral_index(0.1, 1.0, 0.9)
    assert raise_weak - weak > 10 * (raise_strong - weak) > 0
    assert R.trilateral_index(0.0, 1.0, 1.0) < 1e-5
    # the same rule on arrays of runs
    many = R.trilateral_index(np.array([0.1, 0.6]), np.array([0.9, 0.6]), np.array([0.9, 0.6]))
    assert many.tolist() == [weak, R.trilateral_index(0.6, 0.6, 0.6)]


def test_institution_update_counts_consecutive_months_then_collapse() -> None:
    p = params(institution_threshold=0.6, institution_months=3, collapse_threshold=0.4,
               collapse_months=2)  # fmt: skip
    above, below, inst, coll = 0, 0, -1, -1
    history = []
    for month, index in enumerate([0.7, 0.7, 0.5, 0.6, 0.65, 0.7, 0.3, 0.5, 0.3, 0.3, 0.3], 1):
        above, below, inst, coll = R.institution_update(index, above, below, inst, coll, month, p)
        history.append((above, below, inst, coll))
    assert [h[0] for h in history] == [1, 2, 0, 1, 2, 3, 0, 0, 0, 0, 0]
    assert [h[2] for h in history] == [-1] * 5 + [6] * 6  # three months in a row: months 4-6
    assert [h[1] for h in history] == [0] * 6 + [1, 0, 1, 2, 3]
    assert [h[3] for h in history] == [-1] * 9 + [10, 10]  # first met at month 10, kept


def test_no_collapse_without_institutionalisation() -> None:
    above, below, inst, coll = 0, 0, -1, -1
    for month in range(1, 10):
        above, below, inst, coll = R.institution_update(0.1, above, below, inst, coll, month, P)
    assert below == 0 and inst == -1 and coll == -1


def test_japan_replaces_its_leader_after_consecutive_low_months() -> None:
    low = 0
    out = []
    for approval_jpn in (0.2, 0.2, 0.3, 0.2, 0.2, 0.2):
        low, replace = R.japan_replacement(approval_jpn, low, P)
        out.append((low, bool(replace)))
    assert out == [(1, False), (2, False), (0, False), (1, False), (2, False), (3, True)]


# ----------------------------------------------------------------------------- draws


def poisson(u: np.ndarray, rate: float) -> np.ndarray:
    return np.array([R.poisson_from_uniform(float(x), rate) for x in np.ravel(u)])


@pytest.mark.parametrize("rate", [0.5, 4.0, 12.0])
def test_poisson_from_uniform_matches_the_poisson_mean_and_variance(rate: float) -> None:
    keys = rng.run_keys(11, np.arange(40_000))
    counts = poisson(rng.uniform(keys, 3, "nk_launches"), rate)
    assert np.all(counts == np.floor(counts)) and counts.min() >= 0
    se = np.sqrt(rate / counts.size)
    assert abs(counts.mean() - rate) < 4 * se
    assert counts.var() == pytest.approx(rate, rel=0.05)


def test_poisson_inversion_is_monotone_and_zero_at_rate_zero() -> None:
    u = np.linspace(0.0, 0.999999, 1001)
    counts = poisson(u, 4.0)
    assert np.all(np.diff(counts) >= 0)
    assert counts[0] == 0 and counts[-1] >= 12
    assert not poisson(u, 0.0).any()


def test_ladder_sum_adds_in_ladder_order_over_the_mask() -> None:
    mask = S.mask_of(np.arange(K) % 3 == 0)
    expected = 0.0
    for k in range(K):
        if k % 3 == 0:
            expected = expected + 2.0 * S.GAIN[k]
    assert R.ladder_sum(mask, 2.0, S.GAIN) == expected
    assert R.ladder_sum(0, 2.0, S.GAIN) == 0.0


def test_the_scalar_draw_is_the_vectorised_draw() -> None:
    keys = rng.run_keys(5, np.arange(50))
    many = rng.uniform(keys, 9, "approval_noise", (2, 12))
    for r in range(50):
        for j, actor in enumerate((2, 12)):
            with np.errstate(over="ignore"):
                one = rng.draw(keys[r, 0], 9, rng.STREAM_NOISE, actor)
            assert one == many[r, j]


def test_rng_same_coordinates_give_the_same_numbers() -> None:
    k1, k2 = rng.run_keys(42, [0, 1, 2]), rng.run_keys(42, [0, 1, 2])
    np.testing.assert_array_equal(rng.uniform(k1, 5, "s", (0, 1)), rng.uniform(k2, 5, "s", (0, 1)))


@pytest.mark.parametrize(
    "other",
    [
        {"seed": 43},
        {"run": 1},
        {"month": 6},
        {"stream": "t"},
        {"actor": 1},
    ],
)
def test_rng_different_coordinates_give_different_numbers(other: dict[str, Any]) -> None:
    base = {"seed": 42, "run": 0, "month": 5, "stream": "s", "actor": 0}

    def draw(c: dict[str, Any]) -> float:
        keys = rng.run_keys(c["seed"], [c["run"]])
        return float(rng.uniform(keys, c["month"], c["stream"], c["actor"])[0, 0])

    assert draw(base) != draw({**base, **other})


def test_rng_uniform_distribution_sanity() -> None:
    keys = rng.run_keys(3, np.arange(50_000))
    u = rng.uniform(keys, 1, "x", (0, 1, 2, 3))
    assert u.shape == (50_000, 4) and u.dtype == np.float64
    assert u.min() >= 0.0 and u.max() < 1.0
    assert u.mean() == pytest.approx(0.5, abs=0.003)
    assert u.var() == pytest.approx(1 / 12, rel=0.01)
    hist, _ = np.histogram(u, bins=10, range=(0, 1))
    assert np.all(np.abs(hist / u.size - 0.1) < 0.005)
    # neighbouring runs and actors are not correlated
    assert abs(np.corrcoef(u[:-1, 0], u[1:, 0])[0, 1]) < 0.02
    assert abs(np.corrcoef(u[:, 0], u[:, 1])[0, 1]) < 0.02


def test_rng_is_shape_independent() -> None:
    runs = np.array([0, 7, 123, 99_999])
    many = rng.uniform(rng.run_keys(5, runs), 9, "approval_noise", (2, 3, 12, 13))
    for i, r in enumerate(runs):
        one = rng.uniform(rng.run_keys(5, [r]), 9, "approval_noise", (2, 3, 12, 13))
        np.testing.assert_array_equal(one[0], many[i])
        for j, actor in enumerate((2, 3, 12, 13)):
            single = rng.uniform(rng.run_keys(5, [r]), 9, "approval_noise", actor)
            assert single.shape == (1, 1)
            assert single[0, 0] == many[i, j]


def test_stream_id_is_fnv1a() -> None:
    assert rng.stream_id("") == 0xCBF29CE484222325
    assert rng.stream_id("a") == 0xAF63DC4C8601EC8C


def test_a_kept_poisson_table_gives_the_counts_of_fresh_ones() -> None:
    """The month keeps a run's Poisson terms across months; counts must not depend on it."""
    u = np.random.default_rng(1).random(400)
    u[:3] = [0.999999999, 0.0, 0.5]
    for rate in (0.0, 0.7, 4.0, 19.0):
        table, known = R.poisson_table(rate), 1
        for x in u:
            count, known = R.poisson_count(float(x), rate, table, known)
            assert count == R.poisson_from_uniform(float(x), rate)
            assert 1 <= known <= R.MAX_LAUNCHES + 1


def _poisson_by_search(u: float, rate: float) -> int:
    """The Poisson inversion written out: the first k whose cumulative probability exceeds u."""
    term = cdf = float(np.exp(-rate))
    k = 0
    while u >= cdf and k < R.MAX_LAUNCHES:
        k += 1
        term = term * rate / k
        cdf = cdf + term
    return k


def test_poisson_counts_by_comparison_equal_the_plain_search() -> None:
    """The count by comparisons over the first POISSON_FAST terms (what the month runs), the
    search beyond them and poisson_count all give the inversion's count, at every rate and
    on both sides of the table's last fast term."""
    gen = np.random.default_rng(3)
    for rate in (0.0, 0.3, 4.0, 9.5, 30.0, 700.0):
        table = R.poisson_table(rate)
        known = R.poisson_terms(rate, table, 1, R.POISSON_FAST)
        edge = table[0, R.POISSON_FAST - 1]
        u = np.concatenate([gen.random(300), [0.0, edge, np.nextafter(edge, 0.0), 1 - 2**-53]])
        for x in u:
            expected = _poisson_by_search(float(x), rate)
            if x < edge:
                assert R.poisson_below(float(x), table) == expected
            assert R.poisson_search(float(x), rate, table, known)[0] == expected
            count, known = R.poisson_count(float(x), rate, table, known)
            assert count == expected


def test_latest_reversible_and_steps_before_equal_a_scan_of_the_held_steps() -> None:
    gen = np.random.default_rng(5)
    for _ in range(300):
        taken = int(gen.integers(0, 1 << K))
        month = gen.integers(0, 40, K)
        since = int(gen.integers(0, 45))
        for owned in S.OWNED_MASK:
            held = [k for k in range(K) if taken & owned & S.REVERSIBLE_MASK & (1 << k)]
            latest = max(held, key=lambda k: (month[k], k)) if held else -1
            assert R.latest_reversible(taken, month, owned) == latest
        before = sum(1 << k for k in range(K) if taken & (1 << k) and month[k] < since)
        assert R.steps_before(taken, month, since) == before


def test_the_months_draws_side_by_side_are_the_single_draws() -> None:
    """rng.draws_in_month (the month's usual draws, all at once) gives each slot the draw of
    its stream and actor, plain and compiled."""
    import numba

    from sim.core import month as M

    batch = numba.njit(rng.draws_in_month)
    keys = rng.run_keys(11, np.arange(40))[:, 0]
    out, jit_out = np.empty(M.N_DRAWS), np.empty(M.N_DRAWS)
    for key in keys:
        with np.errstate(over="ignore"):
            slots = np.array([rng.stream_key(key, s) for s in M.DRAW_STREAMS], dtype=np.uint64)
            for month in (1, 7, 59):
                rng.draws_in_month(slots, month, M.DRAW_ACTORS, out)
                batch(slots, month, M.DRAW_ACTORS, jit_out)
                one = [rng.draw(key, month, s, int(a))
                       for s, a in zip(M.DRAW_STREAMS, M.DRAW_ACTORS, strict=True)]  # fmt: skip
                assert out.tolist() == one and jit_out.tolist() == one
                assert rng.draw_in_stream(rng.stream_key(key, rng.STREAM_POLITICS), month, 4) == (
                    rng.draw(key, month, rng.STREAM_POLITICS, 4)
                )
    # the slots are the month's streams and actors, each once
    pairs = set(zip(M.DRAW_STREAMS.tolist(), M.DRAW_ACTORS.tolist(), strict=True))
    assert len(pairs) == M.N_DRAWS


def test_at_least_and_at_most_are_numpys_maximum_and_minimum_compiled_too() -> None:
    """Compiled on two numbers they skip numpy's NaN test; on every other number, signed zeros
    and ties included, they give what the compiled np.maximum and np.minimum give, to the bit
    (and numpy's values)."""
    import numba

    values = [-1.5, -0.0, 0.0, 1e-300, 0.02, 0.98, 1.0, 3.0, -np.inf, np.inf]
    lo, hi = numba.njit(lambda x, y: R.at_least(x, y)), numba.njit(lambda x, y: R.at_most(x, y))
    np_lo = numba.njit(lambda x, y: np.maximum(x, y))
    np_hi = numba.njit(lambda x, y: np.minimum(x, y))
    for x in values:
        for y in values:
            for mine, numbas, numpys in (
                (lo(x, y), np_lo(x, y), np.maximum(x, y)),
                (hi(x, y), np_hi(x, y), np.minimum(x, y)),
            ):
                assert np.float64(mine).tobytes() == np.float64(numbas).tobytes(), (x, y)
                assert mine == numpys
            assert R.at_least(x, y) == np.maximum(x, y) and R.at_most(x, y) == np.minimum(x, y)
    arr = np.array(values)
    np.testing.assert_array_equal(lo(arr, 0.5), np.maximum(arr, 0.5))
    np.testing.assert_array_equal(hi(arr, 0.5), np.minimum(arr, 0.5))
    assert R.clip01(-0.25) == 0.0 and R.clip01(1.25) == 1.0 and R.clip01(0.25) == 0.25


def test_a_poisson_table_kept_across_runs_is_rebuilt_only_for_a_new_rate() -> None:
    """The month keeps the table while the launch rate stays the same (over months and runs);
    a new rate starts it afresh, and either way the counts are the inversion's."""
    table = np.empty((2, R.MAX_LAUNCHES + 1))
    held, known = -1.0, 0
    gen = np.random.default_rng(8)
    for rate in (4.0, 4.0, 0.5, 0.5, 4.0, 0.0):
        before = known
        same = rate == held
        held, known = R.poisson_table_at(rate, table, held, known)
        assert held == rate
        assert known == before if same else known == R.POISSON_FAST
        for x in np.concatenate([gen.random(50), [1 - 2**-53]]):
            count, known = R.poisson_count(float(x), rate, table, known)
            assert count == _poisson_by_search(float(x), rate)


def test_the_first_step_table_is_the_lowest_step_of_each_mask() -> None:
    from sim.core import strategies as ST

    for mask in range(1 << K):
        lowest = next((k for k in range(K) if mask & (1 << k)), -1)
        assert S.FIRST_STEP[mask] == lowest
        assert ST.first_step(mask) == (lowest if lowest >= 0 else R.NONE)
