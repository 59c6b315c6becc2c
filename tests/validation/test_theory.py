"""Theory-check computations on hand-made states with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.validation import theory as T


def test_eight_two_bloc_configurations() -> None:
    cfgs = T.configurations()
    assert len(cfgs) == 8 and all(c[0] == 0 for c in cfgs)
    assert T.config_label((0, 1, 0, 0)) == "US+ROK+JPN vs CHN"
    assert T.config_label((0, 0, 0, 0)) == "US+CHN+ROK+JPN"


def test_propensities_from_alignment_and_cooperation() -> None:
    p = T.propensities(np.array([1.0]), np.array([-1.0]), [0.0], [1.0], [0.5])[0]
    # US (+1) and China (-1) are opposite camps
    assert p[0, 1] == -1.0
    # ROK fully US-aligned and fully cooperative with the US
    assert p[2, 0] == pytest.approx(1.0)
    # ROK (+1) and Japan (-1) opposite, no cooperation
    assert p[2, 3] == pytest.approx(-1.0)
    # Japan (-1) vs US: alignment term -1, cooperation term 0 -> -0.5
    assert p[3, 0] == pytest.approx(-0.5)
    np.testing.assert_array_equal(p, p.T)
    assert np.all(np.diag(p) == 0)


def test_energy_minimum_separates_the_camps() -> None:
    # ROK and Japan fully with the US: the minimum puts China alone
    p = T.propensities(np.array([1.0]), np.array([1.0]), [1.0], [1.0], [1.0])
    e = T.energies(p)[0]
    best = T.configurations()[int(e.argmin())]
    assert T.config_label(best) == "US+ROK+JPN vs CHN"
    # known energy: China apart from three friends at propensity -1 each (counted both ways)
    assert e.min() == pytest.approx(-6.0)
    # ROK fully with China: the minimum puts ROK with China
    p2 = T.propensities(np.array([-1.0]), np.array([1.0]), [0.0], [0.0], [1.0])
    assert T.config_label(T.configurations()[int(T.energies(p2)[0].argmin())]) == (
        "US+JPN vs CHN+ROK"
    )


def test_settled_configuration() -> None:
    k = T.settled_configuration(np.array([0.5, -0.2]), np.array([0.9, 0.1]))
    labels = [T.config_label(T.configurations()[i]) for i in k]
    assert labels == ["US+ROK+JPN vs CHN", "US+JPN vs CHN+ROK"]


def test_differences_with_intervals() -> None:
    d, lo, hi = T.prop_diff(np.array([1] * 80 + [0] * 20), np.array([1] * 20 + [0] * 80))
    assert d == pytest.approx(0.6) and lo < 0.6 < hi and lo > 0
    d2, lo2, hi2 = T.mean_diff(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0]))
    assert d2 == 0 and lo2 < 0 < hi2
    assert T._sig((0.1, 0.05, 0.2)) == 1 and T._sig((0.0, -0.1, 0.1)) == 0


class FakeStore:
    def __init__(self, runs: pd.DataFrame) -> None:
        self.runs = runs


def test_h1_verdict_follows_the_runs() -> None:
    rows = []
    for strat, inst in (("small_steps", True), ("grand_bargain", False)):
        for cu in (0.0, 0.5, 1.0):
            for china in (0.15, 0.6):
                for rep in range(20):
                    ok = inst and cu == 0.5
                    rows.append({
                        "point": hash((strat, cu, china)) % 1000, "strategy": strat,
                        "us_coercion": cu, "china_coercion": china,
                        "institutionalised": ok, "inst_month": 10 if ok else -1,
                        "collapse_month": -1, "durable": ok, "collapsed": False,
                        "final_approval_ROK": 0.3 - 0.1 * (china > 0.5) + 0.001 * rep,
                        "final_alignment_ROK": 0.5 - 0.1 * (china > 0.5) + 0.001 * rep,
                    })  # fmt: skip
    cha_sec = {"data": {"cells": [{"coop_diff": (0.1, 0.05, 0.15)}],
                        "commitment": [{"commitment_effect": 0.5, "diff": (0.1, 0.05, 0.15)}]}}  # fmt: skip
    out = T.hypotheses(FakeStore(pd.DataFrame(rows)), cha_sec)
    assert out["data"]["H1"]["supported"]
    assert out["data"]["H2"]["supported"] and out["data"]["H2"]["peak"] == 0.5
    assert out["data"]["H4"]["supported"]
    assert "not supported" in out["markdown"]  # no collapse anywhere: fragility half fails


def test_h1_durability_is_windowed_not_decided_by_the_last_months() -> None:
    """Grand-bargain institutions at month 58 (after the ROK's turnover at 57) are 'durable by
    the horizon' but not within the window: H1's durability difference must not count them."""
    rows = []
    for strat, month in (("small_steps", 10), ("grand_bargain", 58)):
        for cu in (0.0, 0.5, 1.0):
            for rep in range(30):
                rows.append({
                    "point": hash((strat, cu)) % 1000, "strategy": strat, "us_coercion": cu,
                    "china_coercion": 0.15 if rep % 2 else 0.6, "institutionalised": True,
                    "inst_month": month, "collapse_month": -1, "durable": True,
                    "collapsed": False, "final_approval_ROK": 0.3, "final_alignment_ROK": 0.5,
                })  # fmt: skip
    cha_sec = {"data": {"cells": [{"coop_diff": (0.1, 0.05, 0.15)}],
                        "commitment": [{"commitment_effect": 0.5, "diff": (0.1, 0.05, 0.15)}]}}  # fmt: skip
    store = FakeStore(pd.DataFrame(rows))
    store.manifest = {"months": 60}  # type: ignore[attr-defined]
    out = T.hypotheses(store, cha_sec)
    d, lo, _ = out["data"]["H1"]["durable_diff"]
    assert d == pytest.approx(1.0) and lo > 0.9  # by the horizon it would be 0
    assert out["data"]["H1"]["supported"]
    assert "not collapsed in the 24 months after" in out["markdown"]


def test_hypotheses_say_how_much_is_parameters_when_the_sweep_drew_them() -> None:
    rows = []
    for strat in ("small_steps", "grand_bargain"):
        for point, cu in enumerate((0.0, 0.5, 1.0)):
            for rep in range(20):
                draw = rep // 5
                ok = strat == "small_steps" and draw % 2 == 0  # depends on the draw only
                rows.append({
                    "point": point + 3 * (strat == "grand_bargain"), "strategy": strat,
                    "us_coercion": cu, "china_coercion": 0.15, "draw": draw, "replication": rep,
                    "institutionalised": ok, "inst_month": 10 if ok else -1, "durable": ok,
                    "collapsed": False, "collapse_month": -1, "final_approval_ROK": 0.3,
                    "final_alignment_ROK": 0.5,
                })  # fmt: skip
    cha_sec = {"data": {"cells": [{"coop_diff": (0.1, 0.05, 0.15)}],
                        "commitment": [{"commitment_effect": 0.5, "diff": (0.1, 0.05, 0.15)}]}}  # fmt: skip
    out = T.hypotheses(FakeStore(pd.DataFrame(rows)), cha_sec)
    # small steps win in the two draws where they institutionalise, tie in the other two
    assert out["data"]["H1_paired_share"] == 0.75
    assert "in 75.0% of the 4 parameter draws" in out["markdown"]
    assert "P(institutionalised by month 24): parameter uncertainty dominates" in out["markdown"]


def test_each_theory_section_says_how_its_parameters_were_set() -> None:
    class Store:
        def __init__(self, manifest: dict, runs: pd.DataFrame) -> None:
            self.manifest, self.runs = manifest, runs

    drawn = Store({"uncertainty": {"parameters": "prior", "drawn": ["lock_in", "china_leverage"],
                                   "seeds_per_draw": 5}},
                  pd.DataFrame({"draw": [0, 0, 1, 1, 2]}))  # fmt: skip
    note = T.parameters_note(drawn)
    assert "draw the 2 parameters" in note and "their priors (3 draws x 5 seeds" in note
    pinned = T.parameters_note(Store({"uncertainty": {"parameters": "pinned"}}, pd.DataFrame()))
    assert "pinned" in pinned and "seeds' uncertainty only" in pinned
    assert "pinned" in T.parameters_note(Store({}, pd.DataFrame()))  # a store made before draws
