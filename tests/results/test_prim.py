"""PRIM scenario discovery (sim.results.discovery): a known box is found, the trajectory is what
PRIM guarantees, the chosen box's numbers agree with the cases, the figures draw the tables, and
extra-trees scores rank the informative inputs first."""

from __future__ import annotations

import io
import sys

import numpy as np
import pandas as pd
import pytest

from sim.errors import UserError
from sim.results import discovery as D
from sim.results.discovery_plots import plot_feature_scores, plot_prim

pytest.importorskip("ema_workbench")


def _box_data(n: int = 2000, noise: float = 0.05, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    """x1, x2, x3 uniform on [0, 1]; y = (x1 > 0.6 and x2 < 0.3), each label flipped with
    probability ``noise``."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"x1": rng.random(n), "x2": rng.random(n), "x3": rng.random(n)})
    truth = (x["x1"] > 0.6) & (x["x2"] < 0.3)
    flip = rng.random(n) < noise
    return x, (truth.to_numpy() ^ flip)


def _inside(x: pd.DataFrame, limits: pd.DataFrame) -> np.ndarray:
    ok = np.ones(len(x), dtype=bool)
    for r in limits.to_dict("records"):
        if r["kind"] == "numeric":
            v = x[r["dimension"]].to_numpy(dtype=float)
            ok &= (v >= r["lower"]) & (v <= r["upper"])
        else:
            ok &= x[r["dimension"]].astype(str).isin(r["levels"].split(", ")).to_numpy()
    return ok


@pytest.fixture(scope="module")
def found() -> tuple[pd.DataFrame, np.ndarray, D.Discovery]:
    x, y = _box_data()
    return x, y, D.run_prim(x, y, min_density=0.85)


def test_prim_finds_the_known_box_with_significant_limits(found) -> None:
    x, y, disc = found
    (box,) = disc.boxes
    lim = box.limits.set_index("dimension")
    assert set(lim.index) == {"x1", "x2"}  # x3 is noise: not restricted
    assert 0.55 <= lim.at["x1", "lower"] <= 0.65 and lim.at["x1", "lower_restricted"]
    assert not lim.at["x1", "upper_restricted"]
    assert 0.25 <= lim.at["x2", "upper"] <= 0.35 and lim.at["x2", "upper_restricted"]
    assert not lim.at["x2", "lower_restricted"]
    assert lim.at["x1", "qp_lower"] < 1e-6 and lim.at["x2", "qp_upper"] < 1e-6
    assert np.isnan(lim.at["x1", "qp_upper"]) and np.isnan(lim.at["x2", "qp_lower"])
    assert lim["significant"].all()
    assert box.stats["density"] >= 0.85
    # 5% of the labels are flipped: about 90 false positives lie outside the true box, so
    # coverage cannot pass ~0.72; the box holds nearly every case of the true box
    truth = ((x["x1"] > 0.6) & (x["x2"] < 0.3)).to_numpy()
    assert box.stats["coverage"] >= 0.65 and _inside(x, box.limits)[truth].mean() >= 0.9
    text = D.describe_limits(box.limits)
    assert f"x1 in [{lim.at['x1', 'lower']:.3g}, (1)]" in text and " and x2 in [(" in text


def test_chosen_box_statistics_agree_with_the_cases(found) -> None:
    x, y, disc = found
    (box,) = disc.boxes
    inside = _inside(x, box.limits)
    s = box.stats
    assert s["n"] == inside.sum() and s["k"] == (inside & y).sum()
    assert s["coverage"] == pytest.approx((inside & y).sum() / y.sum())
    assert s["density"] == pytest.approx((inside & y).sum() / inside.sum())
    assert s["mass"] == pytest.approx(inside.mean())
    assert s["res_dim"] == len(box.limits)


def test_trajectory_is_monotone_the_way_prim_guarantees(found) -> None:
    x, y, disc = found
    t = disc.boxes[0].trajectory
    assert list(t.columns) == list(D.TRAJECTORY_COLUMNS)
    assert t["id"].tolist() == list(range(len(t))) and len(t) > 10
    first = t.iloc[0]
    assert first["phase"] == "start" and first["coverage"] == 1.0 and first["mass"] == 1.0
    assert first["density"] == pytest.approx(y.mean())
    peel = t[t["phase"].isin(["start", "peel"])]
    assert (np.diff(peel["coverage"]) <= 1e-12).all()  # a peel only removes cases
    assert (np.diff(peel["mass"]) < 0).all()
    assert (np.diff(peel["k"]) <= 0).all()
    paste = t[t["phase"] == "paste"]
    if len(paste):  # pasting only adds cases back, after the peel
        assert paste.index.min() > peel.index.max()
        assert (np.diff(t.loc[peel.index.max() :, "mass"]) > 0).all()
    assert t["chosen"].sum() == 1 and t.loc[t["chosen"], "id"].item() == disc.boxes[0].chosen


def test_choose_box_rules() -> None:
    t = pd.DataFrame({
        "id": [0, 1, 2, 3, 4],
        "coverage": [1.0, 0.95, 0.8, 0.5, 0.2],
        "density": [0.3, 0.5, 0.8, 0.9, 1.0],
        "res_dim": [0, 1, 2, 2, 3],
    })  # fmt: skip
    assert D.choose_box(t, min_density=0.8)[0] == 2
    assert D.choose_box(t, min_density=0.85)[0] == 3
    chosen, rule = D.choose_box(t, min_density=1.0)
    assert chosen == 4 and "density >= 1" in rule
    chosen, rule = D.choose_box(t.iloc[:4], min_density=0.95)
    assert chosen == 3 and "no box reaches" in rule  # the densest
    # knee: scaled coverage + density = 1+0, .9375+.2857, .75+.7143, .375+.857, 0+1 -> id 2
    assert D.choose_box(t, rule="knee")[0] == 2
    # half-gain: density >= 0.3 + (1.0 - 0.3) / 2 = 0.65 -> the widest such box is id 2
    chosen, rule = D.choose_box(t)
    assert chosen == 2 and "density >= 0.650" in rule
    # on a straight trajectory the knee is a tie broken towards the dense end; half-gain is not
    line = pd.DataFrame({"id": range(5), "coverage": [1.0, 0.75, 0.5, 0.25, 0.05],
                         "density": [0.7, 0.75, 0.8, 0.85, 0.9], "res_dim": [0, 1, 2, 3, 4]})  # fmt: skip
    assert D.choose_box(line)[0] == 2  # density >= 0.8
    with pytest.raises(ValueError, match="unknown rule"):
        D.choose_box(t, rule="best")
    tie = t.assign(coverage=[1.0, 0.9, 0.9, 0.9, 0.2], density=[0.3, 0.8, 0.8, 0.8, 1.0],
                   res_dim=[0, 3, 1, 2, 3])  # fmt: skip
    assert D.choose_box(tie, min_density=0.8)[0] == 2  # fewer restricted inputs wins
    flat = t.assign(density=0.5)
    assert D.choose_box(flat)[0] == 0
    # peeling only non-cases: coverage stays 1, so the densest box beats every other
    full = t.assign(coverage=1.0)
    for kw in ({}, {"rule": "knee"}, {"min_density": 0.4}):
        assert D.choose_box(full, **kw)[0] == 4


def test_categorical_and_integer_inputs_and_select() -> None:
    rng = np.random.default_rng(7)
    n = 1500
    x = pd.DataFrame({
        "a": rng.random(n),
        "s": pd.Series(rng.choice(["u", "v", "w"], n), dtype="str"),
        "k": rng.integers(0, 5, n),  # int64: pasting fails on it in EMA Workbench 3.0.0
        "flat": np.ones(n),  # constant: dropped
    })  # fmt: skip
    y = ((x["a"] > 0.5) & (x["s"] != "u") & (x["k"] >= 2)).to_numpy()
    disc = D.run_prim(x, y, min_density=0.95)
    lim = disc.boxes[0].limits.set_index("dimension")
    assert "flat" not in lim.index
    assert lim.at["s", "kind"] == "categorical" and lim.at["s", "levels"] == "v, w"
    assert lim.at["s", "full_levels"] == "u, v, w" and lim.at["s", "qp_lower"] < 1e-6
    assert 1 <= lim.at["k", "lower"] <= 2 and 0.45 <= lim.at["a", "lower"] <= 0.55
    inside = _inside(x, disc.boxes[0].limits)
    assert disc.boxes[0].stats["n"] == inside.sum()
    picked = D.run_prim(x, y, select=3)
    assert picked.boxes[0].chosen == 3 and "--select 3" in picked.boxes[0].rule
    with pytest.raises(UserError, match="no such box") as e:
        D.run_prim(x, y, select=10_000)
    assert e.value.key == "--select"


def test_a_second_box_starts_from_the_cases_outside_the_first() -> None:
    rng = np.random.default_rng(11)
    n = 3000
    x = pd.DataFrame({"x1": rng.random(n), "x2": rng.random(n)})
    y = ((x["x1"] > 0.75) | ((x["x2"] > 0.75) & (x["x1"] < 0.5))).to_numpy()
    disc = D.run_prim(x, y, boxes=2, min_density=0.9)
    assert [b.box for b in disc.boxes] == [1, 2]
    first, second = disc.boxes
    assert first.limits.set_index("dimension").at["x1", "lower"] == pytest.approx(0.75, abs=0.05)
    in1 = _inside(x, first.limits)
    start = second.trajectory.iloc[0]
    assert start["n"] == n - in1.sum() == n - first.stats["n"]
    assert start["k"] == (y & ~in1).sum()
    # coverage counts against every case of interest, density within the remaining cases
    assert start["coverage"] == pytest.approx(1 - first.stats["coverage"])
    assert start["density"] == pytest.approx((y & ~in1).sum() / (~in1).sum())
    in2 = _inside(x, second.limits) & ~in1
    assert second.stats["k"] == (in2 & y).sum() and second.stats["n"] == in2.sum()


def test_prim_stops_when_no_case_of_interest_is_left() -> None:
    x = pd.DataFrame({"a": np.linspace(0, 1, 400), "b": np.tile([0.0, 1.0], 200)})
    y = (x["a"] > 0.5).to_numpy()
    disc = D.run_prim(x, y, boxes=3, min_density=1.0, mass_min=0.01)
    assert len(disc.boxes) == 1 and disc.boxes[0].stats["coverage"] == 1.0
    assert disc.notes and "no case of interest is left" in disc.notes[0]


def test_prim_figure_draws_the_trajectory_and_marks_the_chosen_box(found, tmp_path) -> None:
    x, y, disc = found
    box = disc.boxes[0]
    fig = plot_prim(box.trajectory, box.limits, base_rate=float(y.mean()), min_density=0.85,
                    stamp="test")  # fmt: skip
    left = fig.axes[0]
    pts = np.concatenate([c.get_offsets() for c in left.collections
                          if str(c.get_gid()).startswith("prim_trajectory:1:")])  # fmt: skip
    t = box.trajectory
    assert len(pts) == len(t)
    assert sorted(map(tuple, np.round(pts, 12))) == sorted(
        zip(np.round(t["coverage"], 12), np.round(t["density"], 12), strict=True)
    )
    (chosen,) = [c for c in left.collections if c.get_gid() == "prim_chosen:1"]
    row = t[t["chosen"]].iloc[0]
    np.testing.assert_allclose(chosen.get_offsets()[0], [row["coverage"], row["density"]])
    bars = {p.get_gid(): p for p in fig.axes[1].patches if p.get_gid()}
    lim = box.limits.set_index("dimension")
    x1 = bars["prim_limit:1:x1"]
    span = lim.at["x1", "full_upper"] - lim.at["x1", "full_lower"]
    assert x1.get_x() == pytest.approx((lim.at["x1", "lower"] - lim.at["x1", "full_lower"]) / span)
    path = tmp_path / "prim.png"
    fig.savefig(path)
    assert path.stat().st_size > 10_000
    for fmt in ("svg", "pdf"):
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt)
        assert buf.tell() > 1000


def test_feature_scores_rank_the_informative_inputs_first() -> None:
    rng = np.random.default_rng(5)
    n = 1500
    x = pd.DataFrame({f"x{i}": rng.random(n) for i in range(1, 6)})
    x["s"] = rng.choice(["p", "q"], n)
    box = ((x["x1"] > 0.6) & (x["x2"] < 0.3)).to_numpy()
    cont = 3 * x["x4"].to_numpy() + 0.1 * rng.standard_normal(n)
    table, modes = D.feature_scores(x, {"box": box, "cont": cont, "never": np.zeros(n, bool)},
                                    seed=1)  # fmt: skip
    assert modes == {"box": "classification", "cont": "regression",
                     "never": "constant: not scored"}  # fmt: skip
    assert list(table.columns) == ["box", "cont"]
    assert set(table.index[:2]) == {"x1", "x2"}  # sorted by the first outcome
    assert table["cont"].idxmax() == "x4"
    assert table["box"].sum() == pytest.approx(1.0) and table["cont"].sum() == pytest.approx(1.0)
    fig = plot_feature_scores(table, stamp="t")
    (ax,) = fig.axes
    (bars,) = [c for c in ax.containers if c.get_label() == "box"]
    np.testing.assert_allclose([b.get_width() for b in bars], table["box"].to_numpy())


def test_binary_cases_and_their_errors() -> None:
    v = pd.Series([0.1, 0.5, 0.9])
    y, what = D.binary_cases(v, threshold=0.5, name="z")
    assert y.tolist() == [False, True, True] and what == "z >= 0.5"
    y, what = D.binary_cases(v, threshold=0.5, below=True, name="z")
    assert y.tolist() == [True, True, False] and what == "z <= 0.5"
    y, _ = D.binary_cases(pd.Series([0, 1, 1]), name="b")
    assert y.tolist() == [False, True, True]
    with pytest.raises(UserError, match="continuous") as e:
        D.binary_cases(v, name="z")
    assert e.value.key == "--threshold" and "0.1" in str(e.value)
    with pytest.raises(UserError, match="already true/false") as e:
        D.binary_cases(pd.Series([True, False]), threshold=0.5, name="b")
    assert e.value.key == "--threshold"
    for y in (np.zeros(5, bool), np.ones(5, bool)):
        with pytest.raises(UserError, match="case is of interest"):
            D.check_cases(y, "b is true")


def test_missing_ema_workbench_is_a_user_error_with_the_install_hint(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "ema_workbench", None)  # import raises ImportError
    with pytest.raises(UserError) as e:
        D.load_ema()
    assert "EMA Workbench" in str(e.value) and ".[ema]" in str(e.value)
