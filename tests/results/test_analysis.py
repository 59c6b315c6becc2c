"""Statistics behind the figures: Wilson intervals, event-by-month shares, Kaplan-Meier with
censoring, durability. Also home of :func:`synthetic_tables`, the small store-shaped tables the
plotting, report and discovery tests build on (from the array engine, not made-up numbers)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.core.params import Scenario
from sim.engines.batch import MONTHLY_VARS, simulate
from sim.results import analysis as A
from sim.results.windows import Windows

STRATEGIES = ("small_steps", "grand_bargain", "tit_for_tat", "status_quo")


def synthetic_tables(
    levels: tuple[float, ...] = (0.0, 0.5, 1.0),
    strategies: tuple[str, ...] = STRATEGIES,
    china: tuple[str, ...] = ("low",),
    reps: int = 12,
    months: int = 36,
    seed: int = 7,
) -> dict[str, Any]:
    """Tables with the columns of the result store (design, runs, monthly aggregates,
    trajectories, manifest) from real array-engine runs of a small sweep."""
    design_rows, runs, monthly, traj = [], [], [], []
    china_value = {"low": 0.2, "high": 0.8}
    for point, (us, strat, cn) in enumerate(itertools.product(levels, strategies, china)):
        sc = (
            Scenario(name=f"p{point}", months=months)
            .with_params(us_coercion=us, china_coercion=china_value[cn])
            .with_strategies(ROK=strat, JPN=strat)
        )
        design_rows.append(
            {
                "point": point,
                "us_coercion": us,
                "strategy": strat,
                "china_coercion": cn,
                "scenario_name": sc.name,
                "scenario_hash": "h",
            }  # fmt: skip
        )
        r = simulate(sc, seed, np.arange(reps), keep_monthly=True)
        df = pd.DataFrame({k: np.asarray(v) for k, v in r.summary.items()})
        df.insert(0, "seed", seed)
        df.insert(0, "replication", r.replications)
        df.insert(0, "point", point)
        df["us_coercion"], df["strategy"], df["china_coercion"] = us, strat, cn
        runs.append(df)
        assert r.monthly is not None
        for j, var in enumerate(MONTHLY_VARS):
            x = r.monthly[:, :, j]
            q = np.quantile(x, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
            monthly.append(pd.DataFrame({
                "point": point, "month": np.arange(months + 1), "variable": var, "n": reps,
                "mean": x.mean(axis=0), "q05": q[0], "q25": q[1], "q50": q[2], "q75": q[3],
                "q95": q[4]}))  # fmt: skip
        t = pd.DataFrame(r.monthly.reshape(-1, len(MONTHLY_VARS)), columns=list(MONTHLY_VARS))
        t.insert(0, "month", np.tile(np.arange(months + 1), reps))
        t.insert(0, "replication", np.repeat(r.replications, months + 1))
        t.insert(0, "point", point)
        traj.append(t)
    manifest = {
        "store_format": 1, "experiment_name": "tiny_sweep", "root_seed": seed,
        "package_version": "0.1.0", "experiment_text": "name = 'tiny_sweep'\n",
        "experiment_sha256": "0" * 64, "git_commit": "abc", "git_dirty": False,
    }  # fmt: skip
    return {
        "design": pd.DataFrame(design_rows),
        "runs": pd.concat(runs, ignore_index=True),
        "monthly": pd.concat(monthly, ignore_index=True),
        "trajectories": pd.concat(traj, ignore_index=True),
        "manifest": manifest,
        "months": months,
    }


@pytest.fixture(scope="module")
def tables() -> dict[str, Any]:
    return synthetic_tables()


# ------------------------------------------------------------------------------------ Wilson
def test_wilson_known_values_and_bounds() -> None:
    lo, hi = A.wilson_interval([0, 5, 10, 3], [10, 10, 10, 0])
    assert lo[0] == 0.0 and hi[2] == 1.0
    # Wilson (1927) for 5/10 at 95%: 0.2366 .. 0.7634
    assert lo[1] == pytest.approx(0.2366, abs=1e-4) and hi[1] == pytest.approx(0.7634, abs=1e-4)
    assert np.isnan(lo[3]) and np.isnan(hi[3])
    k = np.arange(0, 51)
    lo, hi = A.wilson_interval(k, 50)
    p = k / 50
    assert np.all((lo <= p) & (p <= hi)) and np.all(lo >= 0) and np.all(hi <= 1)


def test_event_by_month_counts_never_and_late_as_not_by_m() -> None:
    runs = pd.DataFrame({"point": [0, 0, 0, 0, 1, 1], "inst_month": [-1, 3, 24, 25, 0, -1]})
    t = A.event_by_month(runs, 24, ["point"])
    assert t["n"].tolist() == [4, 2] and t["k"].tolist() == [2, 1]
    assert t["p"].tolist() == [0.5, 0.5]
    assert np.all((t["lo"] <= t["p"]) & (t["p"] <= t["hi"]))


def test_event_by_month_on_engine_runs(tables: dict[str, Any]) -> None:
    runs = tables["runs"]
    t = A.event_by_month(runs, 24, ["us_coercion", "strategy"])
    assert t["n"].sum() == len(runs)
    for _, row in t.iterrows():
        sel = runs[
            (runs["us_coercion"] == row["us_coercion"]) & (runs["strategy"] == row["strategy"])
        ]
        expected = ((sel["inst_month"] >= 0) & (sel["inst_month"] <= 24)).mean()
        assert row["p"] == pytest.approx(expected)
        assert row["lo"] <= row["p"] <= row["hi"]


# ------------------------------------------------------------------------------ Kaplan-Meier
def test_km_without_censoring_is_one_minus_the_ecdf() -> None:
    d = np.array([1, 2, 2, 3, 5, 5, 5, 8])
    c = A.kaplan_meier(d, np.ones_like(d, dtype=bool))
    for t, s in zip(c.time, c.survival, strict=True):
        assert s == pytest.approx(np.mean(d > t))


def test_km_counts_censored_runs_as_censored_not_failures_or_dropped() -> None:
    # 2 events at month 2, then 2 runs censored at 3, then 1 event at 4, 1 censored at 6
    d = np.array([2, 2, 3, 3, 4, 6])
    e = np.array([1, 1, 0, 0, 1, 0], dtype=bool)
    c = A.kaplan_meier(d, e)
    f = c.frame().set_index("time")
    assert f.loc[2, "at_risk"] == 6 and f.loc[2, "events"] == 2
    assert f.loc[3, "censored"] == 2 and f.loc[3, "events"] == 0
    assert f.loc[4, "at_risk"] == 2  # the censored runs left the risk set after month 3
    assert f.loc[2, "survival"] == pytest.approx(4 / 6)
    assert f.loc[4, "survival"] == pytest.approx(4 / 6 * 1 / 2)
    assert f.loc[6, "survival"] == pytest.approx(f.loc[4, "survival"])  # censoring: no drop
    # treating censored runs as events would give a lower curve; dropping them a different one
    dropped = A.kaplan_meier(d[e], e[e])
    assert dropped.survival[-1] == 0.0 and c.survival[-1] > 0
    assert c.n_censored == 3 and c.n_events == 3
    assert np.all((c.lo <= c.survival + 1e-12) & (c.survival <= c.hi + 1e-12))


def test_time_to_event_censors_never_at_the_horizon(tables: dict[str, Any]) -> None:
    runs = tables["runs"]
    d, e = A.time_to_event(runs, tables["months"])
    never = runs["inst_month"].to_numpy() < 0
    assert np.all(~e[never]) and np.all(d[never] == tables["months"])
    assert np.all(d[~never] == runs["inst_month"].to_numpy()[~never])
    curves = A.survival_by(runs, tables["months"], "strategy")
    assert list(curves) == list(STRATEGIES)
    for s, c in curves.items():
        sel = runs[runs["strategy"] == s]
        assert c.n == len(sel) and c.n_censored == int((sel["inst_month"] < 0).sum())
        # with a common horizon, the curve's end equals the share never institutionalised
        assert c.survival[-1] == pytest.approx((sel["inst_month"] < 0).mean())
        assert np.all(np.diff(c.survival) <= 1e-12)


# -------------------------------------------------------------------------------- durability
def test_durability_share_of_institutionalised_that_collapse() -> None:
    runs = pd.DataFrame({
        "strategy": ["a", "a", "a", "a", "b", "b"],
        "inst_month": [3, 4, -1, 10, -1, -1],
        "collapse_month": [20, -1, -1, -1, -1, -1],
    })  # fmt: skip
    d = A.durability(runs, ["strategy"]).set_index("strategy")
    assert d.loc["a", "n_institutionalised"] == 3 and d.loc["a", "n_collapsed"] == 1
    assert d.loc["a", "p"] == pytest.approx(1 / 3)
    assert d.loc["a", "lo"] <= d.loc["a", "p"] <= d.loc["a", "hi"]
    assert d.loc["a", "p_durable"] == pytest.approx(2 / 4)
    assert d.loc["b", "n_institutionalised"] == 0 and np.isnan(d.loc["b", "p"])


def test_headline_table(tables: dict[str, Any]) -> None:
    w = Windows(24, 12, tables["months"])
    h = A.headline_table(tables["runs"], ["strategy"], w)
    assert len(h) == len(STRATEGIES) and h["runs"].sum() == len(tables["runs"])
    assert {"p_inst_window", "p_inst_window_lo", "p_inst_window_hi", "n_censored",
            "p_durable_followup", "median_inst_month", "mean_final_approval_ROK"} <= set(h.columns)  # fmt: skip
    assert np.all(h["p_inst_window_lo"] <= h["p_inst_window"])
    assert np.all(h["p_inst_window"] <= h["p_inst_window_hi"])


def test_headline_counts_agree_with_the_shares_and_the_runs(tables: dict[str, Any]) -> None:
    runs = tables["runs"]
    horizon = tables["months"]
    w = Windows(20, 10, horizon)
    h = A.headline_table(runs, ["strategy"], w, counts=True).set_index("strategy")
    plain = A.headline_table(runs, ["strategy"], w).set_index("strategy")
    pd.testing.assert_frame_equal(h[plain.columns], plain, check_exact=True)
    for s, g in runs.groupby("strategy"):
        t = g["inst_month"].to_numpy()
        c = g["collapse_month"].to_numpy()
        within = (t >= 1) & (t <= 20)
        censored = within & (t + 10 > horizon)
        followed = within & ~censored
        collapsed = followed & (c > t) & (c <= t + 10)
        assert h.loc[s, "k_inst_window"] == within.sum()
        assert h.loc[s, "p_inst_window"] == within.sum() / len(g)
        assert h.loc[s, "n_censored"] == censored.sum()
        assert h.loc[s, "n_followed"] == followed.sum()
        assert h.loc[s, "k_durable"] == (followed & ~collapsed).sum()
        if followed.any():
            assert h.loc[s, "p_durable_followup"] == (followed & ~collapsed).sum() / followed.sum()
        else:
            assert np.isnan(h.loc[s, "p_durable_followup"])
        med = np.median(t[within]) if within.any() else np.nan
        np.testing.assert_equal(h.loc[s, "median_inst_month"], med)


def test_store_headline_is_the_headline_table_per_point(tables: dict[str, Any]) -> None:
    from types import SimpleNamespace

    from sim.results.headline import COLUMNS, format_headline, store_headline

    st = SimpleNamespace(design=tables["design"], runs=tables["runs"],
                         manifest={"months": tables["months"]})  # fmt: skip
    w = Windows(12, 12, tables["months"])
    t = store_headline(st, w)
    assert list(t.columns) == ["point", "us_coercion", "strategy", "china_coercion", *COLUMNS]
    assert list(t["point"]) == list(tables["design"]["point"])
    for r in t.itertuples():
        g = tables["runs"][tables["runs"]["point"] == r.point]
        t_ = g["inst_month"].to_numpy()
        within = (t_ >= 1) & (t_ <= 12)
        assert r.runs == len(g) and r.k_inst == within.sum()
        assert r.p_inst == r.k_inst / r.runs and r.ci_lo <= r.p_inst <= r.ci_hi
        assert r.n_censored == 0  # W + F = 24 <= 36 months: no follow-up runs past the horizon
        if r.n_followed:
            assert r.p_durable == r.k_durable / r.n_followed
        else:
            assert np.isnan(r.p_durable)
    # the default windows of a 36-month store: W = 24, F = 36 - 24 = 12
    assert store_headline(st).equals(store_headline(st, Windows(24, 12, 36)))
    text = format_headline(t, w).splitlines()
    assert "P(inst within 12) [95% CI]" in text[0] and "censored" in text[0]
    assert len(text) == 2 + len(t)
