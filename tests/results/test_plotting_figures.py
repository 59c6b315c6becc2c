"""Outcome figures: the plotted arrays equal the statistics of sim.results.analysis (not pixels), the
intervals contain the point estimates, censored runs are counted as censored, and every figure
kind renders to PNG, SVG and PDF."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from test_analysis import synthetic_tables

from sim.results import analysis as A
from sim.results import plotting as P
from sim.results.windows import Windows


@pytest.fixture(scope="module")
def tables() -> dict[str, Any]:
    return synthetic_tables(levels=(0.0, 0.5, 1.0), china=("low", "high"), reps=6, months=30)


def _all(fig: Figure) -> list[Any]:
    return [a for ax in fig.axes for a in (*ax.lines, *ax.collections, *ax.images)]


def _artists(fig: Figure, prefix: str) -> dict[str, Any]:
    """Plotted lines, collections and images by gid (one artist per gid)."""
    out: dict[str, Any] = {}
    for a in _all(fig):
        gid = a.get_gid()
        if gid and gid.startswith(prefix):
            assert gid not in out, f"two artists share gid {gid}"
            out[gid] = a
    return out


def test_sweep_plots_wilson_statistics(tables: dict[str, Any]) -> None:
    runs = tables["runs"]
    fig = P.plot_sweep(runs, "us_coercion", month=24, panel="china_coercion", stamp="s")
    stats = A.event_by_month(runs, 24, ["china_coercion", "strategy", "us_coercion"])
    lines = _artists(fig, "p:")
    assert len(lines) == 2 * 4
    for gid, container in lines.items():
        _, cn, strat = gid.split(":")
        exp = stats[(stats["china_coercion"] == cn) & (stats["strategy"] == strat)]
        exp = exp.sort_values("us_coercion")
        line = container
        np.testing.assert_allclose(line.get_xdata(), exp["us_coercion"])
        np.testing.assert_allclose(line.get_ydata(), exp["p"])
        # error bars span exactly [lo, hi] and contain the estimate
        (bars,) = [
            c for c in _all(fig) if c.get_gid() == "bar" + gid[1:] and hasattr(c, "get_segments")
        ]
        segs = bars.get_segments()
        lo = np.array([s[:, 1].min() for s in segs])
        hi = np.array([s[:, 1].max() for s in segs])
        np.testing.assert_allclose(lo, exp["lo"])
        np.testing.assert_allclose(hi, exp["hi"])
        assert np.all((lo <= line.get_ydata()) & (line.get_ydata() <= hi))


def test_heatmap_cells_are_the_probabilities(tables: dict[str, Any]) -> None:
    runs = tables["runs"]
    fig = P.plot_heatmap(runs, "us_coercion", "strategy", month=24, panel="china_coercion")
    stats = A.event_by_month(runs, 24, ["china_coercion", "strategy", "us_coercion"])
    images = _artists(fig, "heat:")
    assert set(images) == {"heat:low", "heat:high"}
    strategies = A.ordered_levels(runs["strategy"])
    for gid, im in images.items():
        grid = np.asarray(im.get_array())
        cn = gid.split(":")[1]
        for _, row in stats[stats["china_coercion"] == cn].iterrows():
            i = strategies.index(row["strategy"])
            j = [0.0, 0.5, 1.0].index(row["us_coercion"])
            assert grid[i, j] == pytest.approx(row["p"])


def test_survival_curves_count_censored_runs(tables: dict[str, Any]) -> None:
    runs, months = tables["runs"], tables["months"]
    fig = P.plot_survival(runs, months, by="strategy")
    curves = A.survival_by(runs, months, "strategy")
    steps = _artists(fig, "km:")
    assert len(steps) == len(curves)
    for gid, line in steps.items():
        strat = gid.split(":")[2]
        c = curves[strat]
        np.testing.assert_allclose(line.get_xdata(), c.time)
        np.testing.assert_allclose(line.get_ydata(), c.survival)
        sel = runs[runs["strategy"] == strat]
        never = int((sel["inst_month"] < 0).sum())
        assert c.n_censored == never and c.n == len(sel)
        assert f"{c.n_events}/{c.n} reached" in line.get_label()
        if never:
            marks = _artists(fig, f"km_censored:None:{strat}")
            (mark,) = marks.values()
            assert months in mark.get_xdata()
            # the curve ends at the share never institutionalised (censored, not dropped)
            assert line.get_ydata()[-1] == pytest.approx(never / len(sel))
        assert np.all((c.lo <= c.survival + 1e-12) & (c.survival <= c.hi + 1e-12))


def test_durability_bars_are_collapse_shares(tables: dict[str, Any]) -> None:
    runs = tables["runs"]
    fig = P.plot_durability(runs, by="strategy")
    d = (
        A.durability(runs, ["strategy"])
        .set_index("strategy")
        .loc[A.ordered_levels(runs["strategy"])]
    )
    bars = [r for r in fig.axes[0].patches if r.get_gid() == "durability:bars"]
    heights = np.array([r.get_height() for r in bars])
    np.testing.assert_allclose(heights, np.nan_to_num(d["p"].to_numpy(float)))
    ok = d["n_institutionalised"] > 0
    assert np.all((d.loc[ok, "lo"] <= d.loc[ok, "p"]) & (d.loc[ok, "p"] <= d.loc[ok, "hi"]))
    fig2 = P.plot_durability(runs, by="strategy", factor="us_coercion")
    assert len(_artists(fig2, "durability:")) == runs["strategy"].nunique()


def test_fan_bands_are_the_stored_quantiles(tables: dict[str, Any]) -> None:
    mon, design = tables["monthly"], tables["design"]
    pts = design[(design["us_coercion"] == 0.5) & (design["china_coercion"] == "low")]
    mon = mon[mon["point"].isin(pts["point"])]
    labels = dict(zip(pts["point"], pts["strategy"], strict=True))
    fig = P.plot_fan_panels(mon, labels=labels, stamp="s")
    assert len([a for a in fig.axes if a.get_visible()]) == len(P.FAN_VARIABLES)
    ax = fig.axes[0]
    for point in pts["point"]:
        m = mon[(mon["point"] == point) & (mon["variable"] == "trilateral")].sort_values("month")
        (med,) = [ln for ln in ax.lines if ln.get_gid() == f"median:{point}"]
        np.testing.assert_allclose(med.get_ydata(), m["q50"])
        assert med.get_label() == labels[point]
        (band,) = [c for c in ax.collections if c.get_gid() == f"band90:{point}"]
        ys = band.get_paths()[0].vertices[:, 1]
        assert ys.min() == pytest.approx(m["q05"].min()) and ys.max() == pytest.approx(
            m["q95"].max()
        )


def test_single_axes_and_multi_panel_conflict(tables: dict[str, Any]) -> None:
    runs = tables["runs"]
    outer = Figure()
    ax = outer.add_subplot()
    assert P.plot_sweep(runs, "us_coercion", ax=ax) is outer
    with pytest.raises(ValueError, match="panels"):
        P.plot_sweep(runs, "us_coercion", panel="china_coercion", ax=outer.add_subplot())


KINDS: dict[str, Callable[[dict[str, Any]], Figure]] = {
    "fan": lambda t: P.plot_fan_panels(
        t["monthly"][t["monthly"]["point"] < 2], variables=P.FAN_VARIABLES[:2], stamp="s"
    ),
    "sweep": lambda t: P.plot_sweep(t["runs"], "us_coercion", panel="china_coercion", stamp="s"),
    "heatmap": lambda t: P.plot_heatmap(t["runs"], "us_coercion", "strategy", stamp="s"),
    "survival": lambda t: P.plot_survival(t["runs"], t["months"], stamp="s"),
    "durability": lambda t: P.plot_durability(t["runs"], stamp="s"),
    "timing": lambda t: P.plot_timing(t["runs"], t["months"], window=12, stamp="s"),
    "surface": lambda t: P.plot_surface(
        t["runs"], "us_coercion", "china_coercion", Windows(12, 12, t["months"]), stamp="s"
    ),  # fmt: skip
}


def test_surface_plots_the_differences_and_frames_the_separated_cells() -> None:
    """Hand-made runs: small steps institutionalise in every run at (x=1, y=a), a grand bargain
    in none; elsewhere both in half. The image holds the differences in points, and only the
    separated cell is framed."""
    rows = []
    for x in (0.0, 1.0):
        for y in ("a", "b"):
            for s in ("small_steps", "grand_bargain"):
                for i in range(40):
                    if (x, y) == (1.0, "a"):
                        hit = s == "small_steps"
                    else:
                        hit = i % 2 == 0
                    rows.append({"x": x, "y": y, "strategy": s, "inst_month": 5 if hit else -1,
                                 "collapse_month": -1})  # fmt: skip
    runs = pd.DataFrame(rows)
    w = Windows(12, 12, 30)
    fig = P.plot_surface(runs, "x", "y", w, stamp="s")
    (image,) = [
        im for ax in fig.axes for im in ax.images if im.get_gid() == "surface:grand_bargain"
    ]
    grid = np.asarray(image.get_array())
    np.testing.assert_allclose(grid, [[0.0, 100.0], [0.0, 0.0]])  # rows: y = a, b
    frames = [p.get_gid() for ax in fig.axes for p in ax.patches if p.get_gid()]
    assert frames == ["separated:grand_bargain:0:1"]
    t = P.surface_table(runs, "x", "y", w, "small_steps", "grand_bargain")
    cell = t[(t["x"] == 1.0) & (t["y"] == "a")].iloc[0]
    assert cell["diff"] == 1.0 and cell["lo"] > 0 and int(cell["n_first"]) == 40
    with pytest.raises(ValueError, match="strategy"):
        P.plot_surface(runs[runs["strategy"] == "small_steps"], "x", "y", w)


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_renders(tables: dict[str, Any], kind: str, fmt: str) -> None:
    fig = KINDS[kind](tables)
    assert [t.get_text() for t in fig.texts if t.get_gid() == "stamp"] == ["s"]
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt)
    assert buf.tell() > 1000
