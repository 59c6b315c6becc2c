"""Scenario discovery with CART: boxes recover a known region; coverage and density are what they
say. (PRIM: test_prim.py; the command: tests/commands/test_discover_cli.py.)"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from sim.results.analysis import discover_boxes
from sim.results.plotting import plot_boxes


def _cases(n: int = 400) -> tuple[pd.DataFrame, np.ndarray]:
    u = np.linspace(0, 1, 20)
    a, b = np.meshgrid(u, u)
    x = pd.DataFrame({"a": a.ravel(), "b": b.ravel(),
                      "s": np.where(np.arange(a.size) % 2 == 0, "small", "grand")})  # fmt: skip
    y = (x["a"] > 0.3) & (x["a"] < 0.8) & (x["s"] == "small")
    return x, y.to_numpy()


def test_boxes_recover_the_region_with_exact_coverage_and_density() -> None:
    x, y = _cases()
    boxes = discover_boxes(x, y, max_depth=3, min_leaf=0.02, seed=1)
    best = boxes[0]
    assert best.levels == {"s": ["small"]}
    lo, hi = best.limits["a"]
    assert 0.26 <= lo <= 0.35 and 0.75 <= hi <= 0.85
    inside = best.contains(x)
    assert best.n == inside.sum() and best.n_interest == (inside & y).sum()
    assert best.coverage == pytest.approx((inside & y).sum() / y.sum())
    assert best.density == pytest.approx((inside & y).sum() / inside.sum())
    assert best.density == 1.0 and best.coverage == 1.0
    assert "s in {small}" in best.describe()


def test_no_box_when_nothing_or_everything_is_of_interest() -> None:
    x, y = _cases()
    assert discover_boxes(x, np.zeros_like(y)) == []
    assert discover_boxes(x, np.ones_like(y)) == []


def test_box_plot_draws_each_box_and_the_tradeoff() -> None:
    x, y = _cases()
    boxes = discover_boxes(x, y, max_depth=3, min_leaf=0.02, seed=1)
    fig = plot_boxes(boxes, {"a": (0, 1), "b": (0, 1)}, {"s": ["grand", "small"]}, stamp="s")
    left, right = fig.axes[:2]
    bar = next(p for p in left.patches if p.get_gid() == "box:0:a")
    lo, hi = boxes[0].limits["a"]
    assert bar.get_x() == pytest.approx(lo) and bar.get_width() == pytest.approx(hi - lo)
    (sc,) = [c for c in right.collections if c.get_gid() == "box_tradeoff"]
    np.testing.assert_allclose(sc.get_offsets()[:, 0], [b.coverage for b in boxes])
    np.testing.assert_allclose(sc.get_offsets()[:, 1], [b.density for b in boxes])
    for fmt in ("png", "svg", "pdf"):
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt)
        assert buf.tell() > 1000
