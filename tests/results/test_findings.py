"""The declared findings on hand-built runs tables with known answers: effects, intervals,
verdicts, the spread across parameter draws, and why a finding cannot be evaluated."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.results import findings as F
from sim.results.windows import Windows

W = Windows(24, 24, 60)
NEVER = -1


def runs(**columns: Any) -> pd.DataFrame:
    """A runs table: every column given as a list; inst/collapse months default to never."""
    n = len(next(iter(columns.values())))
    base: dict[str, Any] = {"inst_month": [NEVER] * n, "collapse_month": [NEVER] * n}
    base.update(columns)
    return pd.DataFrame(base)


def strategy_runs(counts: dict[str, tuple[int, int]], month: int = 10) -> pd.DataFrame:
    """Runs per strategy: (institutionalised in ``month``, not institutionalised)."""
    strategy, inst = [], []
    for s, (yes, no) in counts.items():
        strategy += [s] * (yes + no)
        inst += [month] * yes + [NEVER] * no
    return runs(strategy=strategy, inst_month=inst)


# --------------------------------------------------------------------------------- statistics
def test_newcombe_reproduces_the_published_example() -> None:
    """Newcombe (1998), method 10, example (a): 56/70 against 48/80 -> 0.2000 (0.0524, 0.3339)."""
    d, lo, hi = F.newcombe(56, 70, 48, 80)
    assert d == pytest.approx(0.2)
    assert (lo, hi) == pytest.approx((0.0524, 0.3339), abs=5e-5)
    assert all(math.isnan(x) for x in F.newcombe(1, 0, 1, 2))


def test_share_is_wilson_and_empty_is_missing() -> None:
    p, lo, hi = F.share(8, 10)
    assert (
        p == 0.8 and lo == pytest.approx(0.4902, abs=1e-4) and hi == pytest.approx(0.9433, abs=1e-4)
    )
    assert math.isnan(F.share(0, 0)[0])


@pytest.mark.parametrize(("lo", "hi", "null", "direction", "want"), [
    (0.1, 0.3, 0.0, 1, F.SUPPORTED), (-0.3, -0.1, 0.0, 1, F.CONTRADICTED),
    (-0.1, 0.1, 0.0, 1, F.OPEN), (0.1, 0.3, 0.5, -1, F.SUPPORTED),
    (0.6, 0.7, 0.5, -1, F.CONTRADICTED), (0.4, 0.6, 0.5, -1, F.OPEN),
    (0.0, 0.2, 0.0, 1, F.OPEN),  # touching the null is not separated
])  # fmt: skip
def test_verdict_compares_the_interval_with_the_null(lo, hi, null, direction, want) -> None:
    assert F.verdict(lo, hi, null, direction) == want


# ----------------------------------------------------------------------------------------- H1
def test_h1_difference_and_verdicts() -> None:
    h1 = F.FINDING_BY_NAME["H1"]
    e = h1.evaluate(strategy_runs({"small_steps": (80, 20), "grand_bargain": (40, 60)}), W)
    assert e.effect == pytest.approx(0.4) and e.verdict == F.SUPPORTED and e.n == 200
    assert (e.lo, e.hi) == pytest.approx(F.newcombe(80, 100, 40, 100)[1:])
    assert e.detail["p_small_steps"] == 0.8 and e.detail["k_grand_bargain"] == 40
    e = h1.evaluate(strategy_runs({"small_steps": (40, 60), "grand_bargain": (80, 20)}), W)
    assert e.verdict == F.CONTRADICTED and e.effect == pytest.approx(-0.4)
    e = h1.evaluate(strategy_runs({"small_steps": (50, 50), "grand_bargain": (52, 48)}), W)
    assert e.verdict == F.OPEN and e.draws == 0 and math.isnan(e.draw_share)


def test_h1_counts_only_institutions_within_the_window() -> None:
    """Institutions after month W do not count: the same runs institutionalised in month 30
    leave small steps at zero."""
    t = pd.concat([strategy_runs({"small_steps": (80, 20)}, month=30),
                   strategy_runs({"grand_bargain": (40, 60)})], ignore_index=True)  # fmt: skip
    e = F.FINDING_BY_NAME["H1"].evaluate(t, W)
    assert e.detail["p_small_steps"] == 0.0 and e.verdict == F.CONTRADICTED


def test_h1_against_tit_for_tat_reads_its_own_contrast() -> None:
    t = strategy_runs({"small_steps": (30, 70), "grand_bargain": (90, 10), "tit_for_tat": (10, 90)})
    ev = F.evaluate_all(t, W)
    assert ev["H1"].verdict == F.CONTRADICTED and ev["H1_tft"].verdict == F.SUPPORTED
    assert ev["H1_tft"].effect == pytest.approx(0.2)


def test_why_a_finding_cannot_be_evaluated() -> None:
    t = strategy_runs({"small_steps": (30, 70), "status_quo": (5, 95)})
    ev = F.evaluate_all(t, W)
    assert ev["H1"].verdict == F.NOT_EVALUABLE and "lack grand_bargain" in ev["H1"].reason
    assert "does not vary us_coercion" in ev["H2"].reason
    assert "does not vary china_coercion" in ev["H4"].reason
    assert (
        "lacks first_mover" in ev["japan_first"].reason and "[outputs]" in ev["japan_first"].reason
    )
    assert ev["status_quo"].evaluable and ev["status_quo"].effect == pytest.approx(0.05)
    no_strategy = runs(inst_month=[5] * 30)
    assert "does not vary strategy" in F.FINDING_BY_NAME["H1"].evaluate(no_strategy, W).reason
    tiny = strategy_runs({"small_steps": (3, 2), "grand_bargain": (1, 4)})
    e = F.FINDING_BY_NAME["H1"].evaluate(tiny, W)
    assert e.verdict == F.NOT_EVALUABLE and f"at least {F.MIN_RUNS}" in e.reason


def test_spread_across_parameter_draws() -> None:
    """Four draws of 50 runs per strategy: small steps ahead in two, behind in one, tied in one."""
    rows = []
    for draw, (ss, gb) in enumerate(((40, 10), (30, 20), (10, 40), (25, 25))):
        t = strategy_runs({"small_steps": (ss, 50 - ss), "grand_bargain": (gb, 50 - gb)})
        rows.append(t.assign(draw=draw))
    e = F.FINDING_BY_NAME["H1"].evaluate(pd.concat(rows, ignore_index=True), W)
    per_draw = np.array([0.6, 0.2, -0.6, 0.0])
    assert e.draws == 4 and e.draw_share == pytest.approx(2.5 / 4)
    assert (e.draw_lo, e.draw_hi) == pytest.approx(tuple(np.quantile(per_draw, [0.05, 0.95])))
    assert e.effect == pytest.approx(per_draw.mean())


# ----------------------------------------------------------------------------------------- H2
def _coercion_runs(p_by_level: dict[float, float], n: int = 100) -> pd.DataFrame:
    us, inst = [], []
    for level, p in p_by_level.items():
        k = round(p * n)
        us += [level] * n
        inst += [10] * k + [NEVER] * (n - k)
    return runs(us_coercion=us, inst_month=inst, strategy=["small_steps"] * len(us))


def test_h2_moderate_band_against_the_better_end() -> None:
    h2 = F.FINDING_BY_NAME["H2"]
    levels = {0.0: 0.5, 0.25: 0.6, 0.5: 0.9, 0.75: 0.6, 1.0: 0.6}
    e = h2.evaluate(_coercion_runs(levels), W)
    assert e.detail["band_lo"] == 0.5 and e.detail["band_hi"] == 0.5  # the middle third: 0.5
    assert e.detail["better_end"] == "high" and e.effect == pytest.approx(0.3)
    assert e.verdict == F.SUPPORTED
    e = h2.evaluate(_coercion_runs({0.0: 0.2, 0.5: 0.5, 1.0: 0.9}), W)
    assert e.verdict == F.CONTRADICTED and e.effect == pytest.approx(-0.4)
    assert (
        "over 2 level(s); the finding needs 3"
        in h2.evaluate(_coercion_runs({0.0: 0.2, 1.0: 0.9}), W).reason
    )
    # with the strategy varied, the finding follows small steps only
    other = _coercion_runs({0.0: 0.9, 0.5: 0.1, 1.0: 0.9}).assign(strategy="grand_bargain")
    both = pd.concat([_coercion_runs(levels), other], ignore_index=True)
    assert h2.evaluate(both, W).effect == pytest.approx(0.3)


# ----------------------------------------------------------------------------------------- H4
def test_h4_share_on_the_us_side_under_the_higher_chinese_coercion() -> None:
    china = [0.15] * 50 + [0.6] * 50
    align = [0.5] * 50 + [0.3] * 40 + [-0.2] * 10
    approval = [0.4] * 50 + [0.3] * 50
    e = F.FINDING_BY_NAME["H4"].evaluate(
        runs(china_coercion=china, final_alignment_ROK=align, final_approval_ROK=approval), W
    )
    assert e.effect == pytest.approx(0.8) and e.n == 50 and e.verdict == F.SUPPORTED
    assert e.detail["approval_diff"] == pytest.approx(-0.1)
    flipped = runs(china_coercion=china, final_alignment_ROK=[-a for a in align])
    assert F.FINDING_BY_NAME["H4"].evaluate(flipped, W).verdict == F.CONTRADICTED


# ------------------------------------------------------------------- Japan first, status quo
def test_japan_first_counts_japan_alone_among_the_small_steps_runs() -> None:
    fm = [1] * 30 + [0] * 5 + [2] * 10 + [NEVER] * 5 + [0] * 50
    strategy = ["small_steps"] * 50 + ["tit_for_tat"] * 50
    e = F.FINDING_BY_NAME["japan_first"].evaluate(runs(first_mover=fm, strategy=strategy), W)
    assert e.effect == pytest.approx(0.6) and e.n == 50
    assert (e.detail["k_ROK"], e.detail["k_both"], e.detail["k_none"]) == (5, 10, 5)
    assert e.verdict == F.OPEN  # 30/50: the Wilson interval contains one half
    no_small = runs(first_mover=[1] * 30, strategy=["tit_for_tat"] * 30)
    assert "lack small_steps" in F.FINDING_BY_NAME["japan_first"].evaluate(no_small, W).reason


def test_status_quo_claims_a_minority() -> None:
    f = F.FINDING_BY_NAME["status_quo"]
    assert f.direction == -1
    assert f.evaluate(strategy_runs({"status_quo": (10, 90)}), W).verdict == F.SUPPORTED
    assert f.evaluate(strategy_runs({"status_quo": (90, 10)}), W).verdict == F.CONTRADICTED


# ------------------------------------------------------------------------------------ lock-in
def _lock_in(inst: int, turn: int, coll: int, hostile: bool = True, leaders: int = 2) -> dict:
    return {"inst_month": inst, "turnover_month_ROK": turn, "collapse_month": coll,
            "hostile_successor_ROK": hostile, "leaders_ROK": leaders}  # fmt: skip


def test_lock_in_follows_the_hostile_successor_for_f_months() -> None:
    rows = ([_lock_in(5, 20, NEVER)] * 20          # survive
            + [_lock_in(5, 20, 30)] * 5            # collapse 10 months after the change
            + [_lock_in(5, 20, 50)] * 3            # collapse after the follow-up: survived
            + [_lock_in(5, 40, 45)] * 7            # arrives with 20 < F months left: censored
            + [_lock_in(5, 20, 10)] * 4            # collapsed before the successor: left out
            + [_lock_in(25, 20, NEVER)] * 4        # institution after the change: left out
            + [_lock_in(5, 20, 30, hostile=False)] * 4
            + [_lock_in(5, 20, 30, leaders=3)] * 4)  # fmt: skip
    e = F.FINDING_BY_NAME["lock_in"].evaluate(pd.DataFrame(rows), W)
    assert e.n == 28 and e.detail["censored"] == 7
    assert e.effect == pytest.approx(23 / 28) and e.verdict == F.SUPPORTED
    few = F.FINDING_BY_NAME["lock_in"].evaluate(pd.DataFrame(rows[20:]), W)
    assert few.verdict == F.NOT_EVALUABLE and "7 more arrive later" in few.reason


def test_records_are_json_with_missing_values_as_null() -> None:
    ev = F.evaluate_all(strategy_runs({"small_steps": (30, 70), "grand_bargain": (50, 50)}), W)
    text = json.dumps({k: e.record() for k, e in ev.items()})
    back = json.loads(text)
    assert back["H1"]["verdict"] == F.CONTRADICTED and back["H2"]["effect"] is None
    assert back["H1"]["detail"]["n_small_steps"] == 100


def test_every_finding_is_declared_once_with_its_conditions() -> None:
    names = [f.name for f in F.FINDINGS]
    assert len(names) == len(set(names)) == 7
    for f in F.FINDINGS:
        assert f.statement and f.outcome and f.contrast and f.window and f.columns
        assert f.kind in ("difference", "share") and f.direction in (1, -1)
        assert "runs keep" in f.needs()
