"""Hypothesis property tests: invariants that must hold for any parameter values in their declared
ranges and any strategies.

* every recorded monthly value stays on its scale and is never NaN;
* a run is a pure function of its coordinates (scenario, root seed, replication);
* different replications give different runs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core.params import Params, Scenario, param_table
from sim.core.strategies import STRATEGY_NAMES
from sim.engines.batch import MONTHLY_VARS, simulate
from sim.engines.model import AlignmentModel

ROLES = ("ROK", "JPN", "ROK_successor", "JPN_successor")
UNIT = [f"{v}_{d}" for v in ("approval", "abandonment", "entrapment", "grievance", "threat",
                              "china_pressure") for d in ("ROK", "JPN")]  # fmt: skip
UNIT += ["coop_ROK_JPN", "coop_ROK_US", "coop_JPN_US", "trilateral"]
UNIT += ["us_coercion", "china_coercion", "us_commitment"]
SIGNED = ["alignment_ROK", "alignment_JPN"]
FLAGS = ["institutionalised", "collapsed"]
COUNTS = ["launches", "steps_ROK", "steps_JPN", "reversals_ROK", "reversals_JPN"]


def in_range(info: dict[str, Any]) -> st.SearchStrategy[float]:
    lo, hi = info["lo"], info["hi"]
    if info["integer"]:
        return st.integers(int(lo), int(min(hi, 60))).map(float)
    return st.floats(lo, hi, allow_nan=False)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    values = {i["name"]: draw(in_range(i)) for i in param_table()}
    return Scenario(
        name="property",
        params=Params(**values),
        strategies=tuple((r, draw(st.sampled_from(STRATEGY_NAMES))) for r in ROLES),
        months=draw(st.integers(1, 48)),
    )


def test_the_variable_groups_cover_every_monthly_variable() -> None:
    groups = UNIT + SIGNED + FLAGS + COUNTS + ["leader_ROK", "leader_JPN"]
    assert sorted(groups) == sorted(MONTHLY_VARS)


@settings(max_examples=40, deadline=None)
@given(scenario=scenarios(), seed=st.integers(0, 2**32), rep=st.integers(0, 1000))
def test_recorded_values_stay_in_range(scenario: Scenario, seed: int, rep: int) -> None:
    res = simulate(scenario, seed, [rep, rep + 1], keep_monthly=True)
    assert res.monthly is not None
    m = res.monthly
    col = {v: i for i, v in enumerate(MONTHLY_VARS)}
    assert not np.isnan(m).any()
    assert np.isfinite(m).all()
    unit = m[..., [col[v] for v in UNIT]]
    assert unit.min() >= 0.0 and unit.max() <= 1.0
    signed = m[..., [col[v] for v in SIGNED]]
    assert signed.min() >= -1.0 and signed.max() <= 1.0
    flags = m[..., [col[v] for v in FLAGS]]
    assert set(np.unique(flags)) <= {0.0, 1.0}
    assert np.all(np.diff(flags, axis=1) >= 0)  # once institutionalised/collapsed, always
    counts = m[..., [col[v] for v in COUNTS]]
    assert counts.min() >= 0 and np.all(counts == np.floor(counts))
    leaders = m[..., [col["leader_ROK"], col["leader_JPN"]]]
    assert leaders[:, 0].min() == 1 and np.all(np.diff(leaders, axis=1) >= 0)
    s = res.summary
    for d in ("ROK", "JPN"):
        final = s[f"final_approval_{d}"]
        np.testing.assert_array_equal(final, m[:, -1, col[f"approval_{d}"]])
    assert np.all(s["max_trilateral"] >= s["final_trilateral"])
    assert np.all(s["durable"] == (s["institutionalised"] & ~s["collapsed"]))
    # a collapse can only follow institutionalisation (the same month only when the collapse
    # threshold is above the institution threshold, which the declared ranges allow)
    assert np.all(~s["collapsed"] | (s["collapse_month"] >= s["inst_month"]))
    assert np.all(s["institutionalised"] | ~s["collapsed"])


@settings(max_examples=10, deadline=None)
@given(scenario=scenarios(), seed=st.integers(0, 2**32), rep=st.integers(0, 1000))
def test_same_coordinates_give_identical_runs(scenario: Scenario, seed: int, rep: int) -> None:
    first = AlignmentModel(scenario, rng=seed, replication=rep)
    first.run()
    again = AlignmentModel(scenario, rng=seed, replication=rep)
    again.run()
    a = first.datacollector.get_model_vars_dataframe()
    b = again.datacollector.get_model_vars_dataframe()
    assert a.equals(b)
    assert first.steps_log == again.steps_log
    assert first.event_log == again.event_log
    assert first.summary() == again.summary()
    x = simulate(scenario, seed, [rep], keep_monthly=True)
    y = simulate(scenario, seed, [rep], keep_monthly=True)
    assert x.monthly is not None and y.monthly is not None
    np.testing.assert_array_equal(x.monthly, y.monthly)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32), rep=st.integers(0, 1000), other=st.integers(1, 1000))
def test_different_replications_differ(seed: int, rep: int, other: int) -> None:
    # approval noise is drawn every month for each leader: two replications must part ways
    res = simulate(Scenario(months=12), seed, [rep, rep + other], keep_monthly=True)
    assert res.monthly is not None
    assert not np.array_equal(res.monthly[0], res.monthly[1])
    approval = [MONTHLY_VARS.index("approval_ROK"), MONTHLY_VARS.index("approval_JPN")]
    assert not np.array_equal(res.monthly[0, 1:, approval], res.monthly[1, 1:, approval])


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32), other=st.integers(1, 2**32))
def test_different_root_seeds_differ(seed: int, other: int) -> None:
    a = simulate(Scenario(months=12), seed, [0], keep_monthly=True).monthly
    b = simulate(Scenario(months=12), (seed + other) % 2**63, [0], keep_monthly=True).monthly
    assert a is not None and b is not None
    assert not np.array_equal(a, b)
