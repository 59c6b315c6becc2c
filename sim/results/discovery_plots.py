"""Figures of scenario discovery: PRIM's peeling trajectory with the chosen box's limits, and
the extra-trees feature scores.

Like ``sim.results.plotting``, every function takes tables (from ``sim.results.discovery``)
and returns a bare ``matplotlib.figure.Figure``; the caller saves it. Plotted artists carry a
``gid`` naming what they show, so tests check the plotted arrays against the tables.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import BoundaryNorm
from matplotlib.figure import Figure

from sim.results.discovery import QP_ALPHA

#: At most this many inputs are drawn in the feature-score figure (the table has them all).
MAX_SCORED_INPUTS = 20


def _stamp(fig: Figure, stamp: str) -> None:
    if stamp:
        fig.text(0.995, 0.004, stamp, ha="right", va="bottom", fontsize=6.5, color="#555555",
                 gid="stamp")  # fmt: skip


def _qp(q: float) -> str:
    if q is None or (isinstance(q, float) and math.isnan(q)):
        return ""
    if q == 0:  # below the smallest float
        return "qp <1e-300"
    return f"qp {q:.2g}" if q >= 1e-3 else f"qp {q:.0e}"


def plot_prim(
    trajectories: pd.DataFrame,
    limits: pd.DataFrame,
    *,
    base_rate: float | None = None,
    min_density: float | None = None,
    title: str = "",
    stamp: str = "",
) -> Figure:
    """PRIM's peeling trajectory (left) and the chosen box's limits (right), one row per box.

    Left: coverage against density of every box on the trajectory, coloured by the number of
    restricted inputs (circles: peeling, squares: pasting), joined in order, the chosen box
    ringed and labelled; dotted: the share of cases of interest over all cases (the first box's
    density), dashed: ``min_density`` when the choice used one. Right: each restricted input's
    limits as a share of its full range (categorical inputs: the kept levels), with the values and
    quasi-p-values written on the bars (red: qp >= 0.05, a limit that is not significant).

    Args:
        trajectories: :attr:`sim.results.discovery.PrimResult.trajectory` rows of every box
            (``box`` column).
        limits: the chosen boxes' limits (:data:`sim.results.discovery.LIMIT_COLUMNS`).
    """
    numbers = sorted(trajectories["box"].unique())
    n_rows = max(1, len(numbers))
    n_lim = max([int((limits["box"] == b).sum()) for b in numbers] + [1])
    height = max(4.2, 0.42 * n_lim + 1.6)
    fig = Figure(figsize=(12.0, height * n_rows), layout="constrained")
    axes = fig.subplots(n_rows, 2, width_ratios=(1, 1.25), squeeze=False)
    max_res = int(trajectories["res_dim"].max()) if len(trajectories) else 0
    cmap = colormaps["viridis"]
    norm = BoundaryNorm(np.arange(-0.5, max_res + 1.5), cmap.N)
    for row, number in enumerate(numbers):
        left, right = axes[row]
        t = trajectories[trajectories["box"] == number].sort_values("id")
        left.plot(t["coverage"], t["density"], color="#bbbbbb", lw=0.8, zorder=1)
        sc = None
        for phase, marker in (("start", "D"), ("peel", "o"), ("paste", "s")):
            s = t[t["phase"] == phase]
            if len(s) == 0:
                continue
            sc = left.scatter(s["coverage"], s["density"], c=s["res_dim"], cmap=cmap, norm=norm,
                              marker=marker, s=28, zorder=2, edgecolors="none",
                              gid=f"prim_trajectory:{number}:{phase}", label=phase)  # fmt: skip
        ch = t[t["chosen"]]
        left.scatter(ch["coverage"], ch["density"], s=170, facecolors="none",
                     edgecolors="#d62728", linewidths=1.8, zorder=3,
                     gid=f"prim_chosen:{number}")  # fmt: skip
        for r in ch.to_dict("records"):
            right_side = r["coverage"] < 0.5  # keep the label inside the axes
            left.annotate(f"chosen: box {r['id']}\ncoverage {r['coverage']:.2f}, "
                          f"density {r['density']:.2f}\n{r['res_dim']} restricted",
                          (r["coverage"], r["density"]), textcoords="offset points",
                          xytext=(12 if right_side else -12, -30),
                          ha="left" if right_side else "right", fontsize=8,
                          color="#d62728")  # fmt: skip
        step = max(1, len(t) // 8)
        for r in t.iloc[::step].to_dict("records"):
            if not r["chosen"]:
                left.annotate(str(r["id"]), (r["coverage"], r["density"]),
                              textcoords="offset points", xytext=(3, 3), fontsize=6.5,
                              color="#555555")  # fmt: skip
        if number == numbers[0] and base_rate is not None:
            left.axhline(base_rate, color="#777777", ls=":", lw=0.9,
                         label=f"all cases ({base_rate:.2f})")  # fmt: skip
        if min_density is not None:
            left.axhline(min_density, color="#d62728", ls="--", lw=0.9,
                         label=f"--min-density {min_density:g}")  # fmt: skip
        floor = min([float(t["density"].min())]
                    + [v for v in (base_rate, min_density) if v is not None])  # fmt: skip
        left.set_xlim(-0.02, 1.02)
        left.set_ylim(max(0.0, floor - 0.05), 1.02)
        left.set_xlabel("coverage (share of all cases of interest in the box)")
        left.set_ylabel("density (share of the box's cases of interest)")
        left.set_title(f"PRIM box {number}: peeling trajectory ({len(t)} boxes)", fontsize=9)
        left.grid(alpha=0.25)
        left.legend(fontsize=7, loc="lower left")
        if sc is not None:
            cb = fig.colorbar(sc, ax=left, ticks=range(0, max_res + 1), pad=0.01)
            cb.set_label("restricted inputs", fontsize=8)
            cb.ax.tick_params(labelsize=7)
        _draw_limits(right, limits[limits["box"] == number], number)
    if title:
        fig.suptitle(title, fontsize=10)
    _stamp(fig, stamp)
    return fig


def _draw_limits(ax: object, lim: pd.DataFrame, number: int) -> None:
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    rows = lim.to_dict("records")
    ax.set_title(f"box {number}: the chosen box's limits (share of each input's range)",
                 fontsize=9)  # fmt: skip
    if not rows:
        ax.text(0.5, 0.5, "no input restricted", ha="center", va="center", fontsize=9)
        ax.set_axis_off()
        return
    for i, r in enumerate(rows):
        ax.barh(i, 1.0, left=0.0, height=0.6, color="#eeeeee", zorder=1)
        if r["kind"] == "numeric":
            span = (r["full_upper"] - r["full_lower"]) or 1.0
            a = (r["lower"] - r["full_lower"]) / span
            z = (r["upper"] - r["full_lower"]) / span
            ax.barh(i, z - a, left=a, height=0.6, color="#1f77b4", zorder=2,
                    gid=f"prim_limit:{number}:{r['dimension']}")  # fmt: skip
            for side, x, val, q, restricted, ha in (
                ("lower", a, r["lower"], r["qp_lower"], r["lower_restricted"], "right"),
                ("upper", z, r["upper"], r["qp_upper"], r["upper_restricted"], "left"),
            ):
                if not restricted:
                    continue
                colour = "#d62728" if not (q < QP_ALPHA) else "#222222"
                ax.annotate(f"{val:.3g}\n{_qp(q)}", (x, i), textcoords="offset points",
                            xytext=(-3 if ha == "right" else 3, 0), ha=ha, va="center",
                            fontsize=7, color=colour, gid=f"prim_qp:{number}:{r['dimension']}:{side}")  # fmt: skip
        else:
            full = [v for v in str(r["full_levels"]).split(", ") if v]
            kept = [v for v in str(r["levels"]).split(", ") if v]
            k = max(len(full), 1)
            for v in kept:
                j = full.index(v) if v in full else 0
                ax.barh(i, 1 / k, left=j / k, height=0.6, color="#1f77b4", zorder=2,
                        gid=f"prim_limit:{number}:{r['dimension']}:{v}")  # fmt: skip
            q = r["qp_lower"]
            colour = "#d62728" if not (q < QP_ALPHA) else "#222222"
            ax.text(1.01, i, f"{{{r['levels']}}} {_qp(q)}", va="center", fontsize=7,
                    color=colour)  # fmt: skip
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([str(r["dimension"]) for r in rows], fontsize=8)
    ax.set_xlim(-0.25, 1.25)
    ax.set_xticks([0, 0.5, 1])
    ax.set_xticklabels(["min", "", "max"], fontsize=7)
    ax.set_ylim(max(len(rows), 5) - 0.5, -0.5)  # top to bottom; few rows keep thin bars


def plot_feature_scores(
    scores: pd.DataFrame,
    *,
    title: str = "",
    stamp: str = "",
    top: int = MAX_SCORED_INPUTS,
) -> Figure:
    """Extra-trees feature scores: one group of horizontal bars per input (best first, by the
    first outcome), one bar per outcome. Only the ``top`` best inputs are drawn."""
    outcomes: Sequence[str] = list(scores.columns)
    s = scores.head(top)
    n, m = len(s), max(len(outcomes), 1)
    fig = Figure(figsize=(9.0, max(3.0, 0.12 * n * max(m, 2) + 1.6)), layout="constrained")
    ax = fig.add_subplot()
    height = 0.8 / m
    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
    for j, name in enumerate(outcomes):
        y = np.arange(n) + (j - (m - 1) / 2) * height
        ax.barh(y, s[name].to_numpy(dtype=float), height=height * 0.92,
                color=colours[j % len(colours)], label=name, gid=f"scores:{name}")  # fmt: skip
    ax.set_yticks(range(n))
    ax.set_yticklabels([str(i) for i in s.index], fontsize=7.5)
    ax.invert_yaxis()
    ax.set_xlabel("extra-trees feature score (impurity-based importance; each outcome sums to 1)")
    more = f" (the {n} highest of {len(scores)})" if len(scores) > n else ""
    ax.set_title((title + "\n" if title else "") + f"inputs by feature score{more}", fontsize=9)
    ax.grid(axis="x", alpha=0.25)
    ax.legend(fontsize=7.5, loc="lower right")
    _stamp(fig, stamp)
    return fig
