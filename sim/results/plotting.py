"""Result tables -> matplotlib Figures.

Every plot function takes tidy tables (pandas DataFrames with the columns of the result store,
see ``sim.experiments.store``) and an optional ``ax``; it returns the Figure and never calls ``show()`` or
``savefig()``: the caller (the CLI, a notebook, the report) decides where the figure goes. Each
figure is stamped with what reproduces it: the scenario or experiment, the root seed, the number
of runs and the package version (:func:`stamp_text`).

The statistics behind the figures (Wilson intervals, Kaplan-Meier curves, durability shares) come
from ``sim.results.analysis``; each plotted artist carries a ``gid`` naming what it shows so that tests can
check the plotted arrays against the statistics rather than pixels. Figures are bare
``matplotlib.figure.Figure`` objects (no pyplot state), so no backend is chosen here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.transforms import blended_transform_factory

from sim import package_version
from sim.core.outputs import MONTHLY, MONTHLY_BY_NAME
from sim.results.analysis import (
    durability,
    event_by_month,
    followup_durability,
    ordered_levels,
    require_columns,
    survival_by,
)
from sim.results.windows import (
    LAST_FRACTION,
    TURNOVER_COLUMNS,
    TURNOVER_MONTHS,
    Windows,
    last_band,
    near_turnover,
    windowed_outcomes,
)

#: Event kinds marked on a run's time axis, with their colour and line style.
EVENT_STYLE: dict[str, tuple[str, str]] = {
    "flashpoint": ("#d62728", ":"),
    "coercion_episode": ("#8c564b", "--"),
    "leader_change": ("#9467bd", "-."),
    "institutionalised": ("#2ca02c", "-"),
    "collapse": ("#000000", "-"),
    "approval_shock": ("#e377c2", "--"),
    "provocation": ("#7f7f7f", ":"),
}

#: Colour per actor (steps) and per strategy (outcome figures).
ACTOR_COLOUR = {"ROK": "#1f77b4", "JPN": "#d62728", "both": "#6a3d9a", "US": "#2ca02c"}
STRATEGY_ORDER = ("small_steps", "grand_bargain", "tit_for_tat", "status_quo", "hardline")
STRATEGY_COLOUR = {
    "small_steps": "#1b9e77",
    "grand_bargain": "#d95f02",
    "tit_for_tat": "#7570b3",
    "status_quo": "#666666",
    "hardline": "#e7298a",
}

#: The story's trajectories: column -> (label, colour, style).
STORY_LINES: dict[str, tuple[str, str, str]] = {
    "trilateral": (MONTHLY_BY_NAME["trilateral"].label, "#6a3d9a", "-"),
    "approval_ROK": (MONTHLY_BY_NAME["approval_ROK"].label, ACTOR_COLOUR["ROK"], "-"),
    "approval_JPN": (MONTHLY_BY_NAME["approval_JPN"].label, ACTOR_COLOUR["JPN"], "-"),
    "coop_ROK_JPN": (MONTHLY_BY_NAME["coop_ROK_JPN"].label, "#ff7f0e", "--"),
}

#: Rows (in axes fraction) of the step markers at the bottom of the story plot.
_STEP_ROW = {"ROK": 0.03, "JPN": 0.07, "both": 0.11}


def stamp_text(
    name: str, seed: int | str | None = None, runs: int | None = None, version: str | None = None
) -> str:
    """The provenance line stamped on figures: name, root seed, number of runs, version."""
    parts = [str(name)]
    if seed is not None:
        parts.append(f"seed {seed}")
    if runs is not None:
        parts.append(f"{runs:,} run{'s' if runs != 1 else ''}")
    parts.append(f"alignsim {version or package_version()}")
    return " · ".join(parts)


def _figure_and_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        fig = ax.get_figure()
        assert isinstance(fig, Figure)
        return fig, ax
    # A bare Figure (not pyplot): no global figure registry, no backend chosen here.
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _stamp(fig: Figure, stamp: str) -> None:
    """Write the provenance stamp in the figure's bottom-right corner (once per figure)."""
    if not stamp:
        return
    for t in fig.texts:
        if t.get_gid() == "stamp":
            t.set_text(stamp)
            return
    engine = fig.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):
        # keep a strip at the bottom free for the stamp (constrained layout ignores fig.texts)
        engine.set(rect=(0.0, 0.025, 1.0, 0.975))
    fig.text(0.995, 0.005, stamp, ha="right", va="bottom", fontsize=6.5, color="#555555",
             gid="stamp")  # fmt: skip


def _records(
    table: Sequence[Mapping[str, Any]] | pd.DataFrame | None, cols: Sequence[str]
) -> pd.DataFrame:
    if table is None:
        return pd.DataFrame(columns=list(cols))
    df = table.copy() if isinstance(table, pd.DataFrame) else pd.DataFrame(list(table))
    for c in cols:
        if c not in df.columns:
            df[c] = ""
    return df


# --------------------------------------------------------------------------------- run story
def plot_run_story(
    monthly: pd.DataFrame,
    steps_log: Sequence[Mapping[str, Any]] | pd.DataFrame | None,
    event_log: Sequence[Mapping[str, Any]] | pd.DataFrame | None,
    *,
    title: str = "",
    stamp: str = "",
    ax: Axes | None = None,
) -> Figure:
    """A single run's story: trajectories with the steps taken and the shocks on the time axis.

    Draws the trilateral index, both leaders' approval and ROK-Japan cooperation by month. Steps
    are marked along the bottom of the axes, one row per actor (ROK, Japan, both for joint
    steps): filled triangles for steps taken, crosses for reversals. Shocks and outcome events
    of ``event_log`` (flashpoint, coercion episode, leader change, institutionalised, collapse,
    approval shock, provocation) are vertical lines styled by kind.

    Args:
        monthly: the Mesa DataCollector model-vars table (``month``, ``date`` and every name in
            ``sim.engines.batch.MONTHLY_VARS``), one row per month.
        steps_log: rows with month, date, actor (ROK/JPN/both), step, label, action
            (take/reverse), as ``AlignmentModel.steps_log``.
        event_log: rows with month, date, kind, actor, text, as ``AlignmentModel.event_log``.
        title: figure title.
        stamp: provenance line (see :func:`stamp_text`).
        ax: draw into this axes instead of a new figure.

    Returns:
        The Figure.
    """
    missing = [c for c in ("month", *STORY_LINES) if c not in monthly.columns]
    if missing:
        raise ValueError(f"monthly table lacks column(s): {', '.join(missing)}")
    fig, ax = _figure_and_axes(ax, (10.0, 5.2))
    m = monthly.sort_values("month")
    x = m["month"].to_numpy(dtype=float)
    for col, (label, colour, style) in STORY_LINES.items():
        ax.plot(x, m[col].to_numpy(dtype=float), style, color=colour, lw=1.8, label=label,
                gid=f"line:{col}")  # fmt: skip

    steps = _records(steps_log, ("month", "actor", "step", "label", "action"))
    strip = blended_transform_factory(ax.transData, ax.transAxes)
    for actor, row in _STEP_ROW.items():
        for action, marker in (("take", "^"), ("reverse", "x")):
            sel = steps[(steps["actor"] == actor) & (steps["action"] == action)]
            if sel.empty:
                continue
            ax.scatter(sel["month"].to_numpy(dtype=float), np.full(len(sel), row),
                       marker=marker, s=36 if action == "take" else 44,
                       color=ACTOR_COLOUR[actor], transform=strip, clip_on=False, zorder=4,
                       gid=f"steps:{actor}:{action}")  # fmt: skip
    if not steps.empty:
        for actor, row in _STEP_ROW.items():
            if (steps["actor"] == actor).any():
                ax.text(x.min() - 0.01 * max(np.ptp(x), 1), row, actor if actor != "both" else "joint",
                        transform=strip, ha="right", va="center", fontsize=7,
                        color=ACTOR_COLOUR[actor])  # fmt: skip

    events = _records(event_log, ("month", "kind", "actor", "text"))
    kinds_seen: list[str] = []
    for kind, (colour, style) in EVENT_STYLE.items():
        sel = events[events["kind"] == kind]
        for mth in sel["month"].to_numpy(dtype=float):
            ax.axvline(mth, color=colour, ls=style, lw=1.1, alpha=0.75, zorder=1,
                       gid=f"event:{kind}")  # fmt: skip
        if not sel.empty:
            kinds_seen.append(kind)
    unknown = sorted(set(events["kind"].astype(str)) - set(EVENT_STYLE))
    for kind in unknown:
        for mth in events.loc[events["kind"] == kind, "month"].to_numpy(dtype=float):
            ax.axvline(mth, color="#bcbd22", ls=":", lw=1.0, gid=f"event:{kind}")
        kinds_seen.append(kind)

    ax.set_ylim(0, 1.02)
    ax.set_xlim(x.min(), x.max())
    ax.set_ylabel("index / share (0-1)")
    _month_axis(ax, m)
    ax.grid(alpha=0.25)

    handles, labels = ax.get_legend_handles_labels()
    for actor in _STEP_ROW:
        if (steps["actor"] == actor).any():
            handles.append(Line2D([], [], marker="^", ls="", color=ACTOR_COLOUR[actor]))
            labels.append(f"step taken by {actor if actor != 'both' else 'both (joint)'}")
    if (steps["action"] == "reverse").any():
        handles.append(Line2D([], [], marker="x", ls="", color="#333333"))
        labels.append("step reversed")
    for kind in kinds_seen:
        colour, style = EVENT_STYLE.get(kind, ("#bcbd22", ":"))
        handles.append(Line2D([], [], color=colour, ls=style))
        labels.append(kind.replace("_", " "))
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7.5,
              frameon=False)  # fmt: skip
    if title:
        ax.set_title(title)
    _stamp(fig, stamp)
    return fig


def _month_axis(ax: Axes, m: pd.DataFrame) -> None:
    """Label the x axis by month, with calendar dates on the ticks when the table has them."""
    ax.set_xlabel("month")
    if "date" not in m.columns or m.empty:
        return
    months = m["month"].to_numpy(dtype=int)
    span = int(months.max() - months.min())
    step = 12 if span > 36 else (6 if span > 12 else 1)
    ticks = [int(v) for v in months if (v - months.min()) % step == 0]
    dates = dict(zip(months, m["date"].astype(str), strict=False))
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{t}\n{dates[t]}" for t in ticks], fontsize=8)
    ax.set_xlabel("month (calendar month below)")


# ------------------------------------------------------------------------ outcome figures
#: Labels for factors and monthly variables on axes.
#: Outputs take their declared labels (sim.core.outputs); factors their own.
LABELS: dict[str, str] = {
    **{o.name: o.label for o in MONTHLY},
    "us_coercion": "US coercion (0-1)",
    "china_coercion": "Chinese coercion",
    "strategy": "strategy",
}

#: The fan chart's default panels.
FAN_VARIABLES: tuple[str, ...] = (
    "trilateral",
    "approval_ROK",
    "approval_JPN",
    "alignment_ROK",
    "alignment_JPN",
    "coop_ROK_JPN",
    "coop_ROK_US",
    "coop_JPN_US",
)


def label(name: str) -> str:
    """Readable label of a factor or variable."""
    return LABELS.get(name, name.replace("_", " "))


def _colour(level: Any, i: int) -> str:
    if isinstance(level, str) and level in STRATEGY_COLOUR:
        return STRATEGY_COLOUR[level]
    cycle = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d"]
    return cycle[i % len(cycle)]


def _panel_figure(
    n: int, ax: Axes | None, panel_size: tuple[float, float] = (4.2, 3.4), ncols: int | None = None
) -> tuple[Figure, list[Axes]]:
    """A figure with ``n`` panels (or the given single axes when n == 1)."""
    if ax is not None:
        if n != 1:
            raise ValueError(f"this figure needs {n} panels; pass ax=None (or select one panel)")
        fig = ax.get_figure()
        assert isinstance(fig, Figure)
        return fig, [ax]
    ncols = ncols or min(n, 4)
    nrows = -(-n // ncols)
    fig = Figure(figsize=(panel_size[0] * ncols, panel_size[1] * nrows + 0.4), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=False).ravel().tolist()
    for extra in axes[n:]:
        extra.set_visible(False)
    return fig, axes[:n]


def _finish(fig: Figure, title: str, stamp: str, own: bool) -> Figure:
    if title and own:
        fig.suptitle(title)
    _stamp(fig, stamp)
    return fig


def plot_fan(
    monthly: pd.DataFrame,
    variable: str,
    *,
    labels: Mapping[int, str] | None = None,
    title: str = "",
    stamp: str = "",
    ax: Axes | None = None,
) -> Figure:
    """Fan chart of one monthly variable: median with 50% and 90% bands, one fan per design point.

    Args:
        monthly: monthly aggregates (``point``, ``month``, ``variable``, ``q05``, ``q25``,
            ``q50``, ``q75``, ``q95``), already restricted to the design points to show.
        variable: one of ``sim.engines.batch.MONTHLY_VARS``.
        labels: legend label per design point (default "point N").
    """
    require_columns(
        monthly, ["point", "month", "variable", "q05", "q25", "q50", "q75", "q95"], "monthly"
    )
    fig, ax = _figure_and_axes(ax, (7.0, 4.2))
    sel = monthly[monthly["variable"] == variable]
    if sel.empty:
        raise KeyError(f"no monthly aggregates for variable {variable!r}")
    points = sorted(pd.unique(sel["point"]))
    for i, point in enumerate(points):
        m = sel[sel["point"] == point].sort_values("month")
        name = (labels or {}).get(int(point), f"point {point}")
        colour = _colour(name, i)
        x = m["month"].to_numpy(dtype=float)
        ax.fill_between(x, m["q05"].to_numpy(float), m["q95"].to_numpy(float), color=colour,
                        alpha=0.12, lw=0, gid=f"band90:{point}")  # fmt: skip
        ax.fill_between(x, m["q25"].to_numpy(float), m["q75"].to_numpy(float), color=colour,
                        alpha=0.28, lw=0, gid=f"band50:{point}")  # fmt: skip
        ax.plot(x, m["q50"].to_numpy(float), color=colour, lw=1.8, label=name,
                gid=f"median:{point}")  # fmt: skip
    ax.set_title(title or label(variable), fontsize=10)
    ax.set_xlabel("month")
    ax.grid(alpha=0.25)
    if variable.startswith("alignment"):
        ax.set_ylim(-1, 1)
    elif variable in FAN_VARIABLES:
        ax.set_ylim(0, 1)
    _stamp(fig, stamp)
    return fig


def plot_fan_panels(
    monthly: pd.DataFrame,
    *,
    variables: Sequence[str] = FAN_VARIABLES,
    labels: Mapping[int, str] | None = None,
    title: str = "",
    stamp: str = "",
) -> Figure:
    """One fan chart panel per variable (trilateral index, approvals, alignments, cooperation
    levels), the chosen design points overlaid; the legend says which is which."""
    present = set(pd.unique(monthly["variable"]))
    variables = [v for v in variables if v in present]
    fig, axes = _panel_figure(len(variables), None, (3.6, 2.8))
    for ax, var in zip(axes, variables, strict=True):
        plot_fan(monthly, var, labels=labels, ax=ax)
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncols=min(len(names), 5), fontsize=8,
               title="median, 50% and 90% bands", title_fontsize=8, frameon=False)  # fmt: skip
    return _finish(fig, title, stamp, True)


def plot_sweep(
    runs: pd.DataFrame,
    factor: str,
    *,
    month: int = 24,
    by: str | None = "strategy",
    panel: str | None = None,
    event: str = "institutionalised",
    title: str = "",
    stamp: str = "",
    ax: Axes | None = None,
) -> Figure:
    """Probability of ``event`` by month ``month`` against one factor, one line per level of
    ``by``, with 95% Wilson intervals (shaded and as error bars); one panel per level of
    ``panel``. Other factors, if any, are pooled."""
    keys = [c for c in (panel, by, factor) if c]
    table = event_by_month(runs, month, keys, event)
    panels = ordered_levels(table[panel]) if panel else [None]
    fig, axes = _panel_figure(len(panels), ax)
    for a, pv in zip(axes, panels, strict=True):
        sub = table if pv is None else table[table[panel] == pv]
        groups = ordered_levels(sub[by]) if by else [None]
        for i, g in enumerate(groups):
            t = sub if g is None else sub[sub[by] == g]
            t = t.sort_values(factor)
            x = t[factor].to_numpy(dtype=float)
            p, lo, hi = (t[c].to_numpy(dtype=float) for c in ("p", "lo", "hi"))
            colour = _colour(g, i)
            tag = f"{pv}:{g}"
            a.fill_between(x, lo, hi, color=colour, alpha=0.15, lw=0, gid=f"ci:{tag}")
            a.plot(x, p, color=colour, lw=1.6, marker="o", ms=3,
                   label=str(g) if g is not None else "all runs", gid=f"p:{tag}")  # fmt: skip
            a.errorbar(x, p, yerr=[p - lo, hi - p], fmt="none", ecolor=colour, capsize=2,
                       elinewidth=0.8, gid=f"bar:{tag}")  # fmt: skip
        a.set_ylim(-0.02, 1.02)
        a.set_xlabel(label(factor))
        a.set_ylabel(f"P({event} by month {month})")
        a.grid(alpha=0.25)
        if pv is not None:
            a.set_title(f"{label(panel or '')}: {pv}", fontsize=10)
    axes[0].legend(fontsize=8, title=label(by) if by else None, title_fontsize=8)
    return _finish(fig, title or f"P({event} by month {month}) vs {label(factor)} (95% Wilson)",
                   stamp, ax is None)  # fmt: skip


def plot_heatmap(
    runs: pd.DataFrame,
    x: str,
    y: str,
    *,
    month: int = 24,
    panel: str | None = None,
    event: str = "institutionalised",
    title: str = "",
    stamp: str = "",
    ax: Axes | None = None,
) -> Figure:
    """Heatmap of P(``event`` by month ``month``) over two factors (one panel per level of
    ``panel``; other factors pooled). Cells are annotated when there are few of them."""
    keys = [c for c in (panel, y, x) if c]
    table = event_by_month(runs, month, keys, event)
    panels = ordered_levels(table[panel]) if panel else [None]
    fig, axes = _panel_figure(len(panels), ax, (5.6, 3.6))
    xs, ys = ordered_levels(table[x]), ordered_levels(table[y])
    image = None
    for a, pv in zip(axes, panels, strict=True):
        sub = table if pv is None else table[table[panel] == pv]
        grid = np.full((len(ys), len(xs)), np.nan)
        for _, row in sub.iterrows():
            grid[ys.index(row[y]), xs.index(row[x])] = row["p"]
        image = a.imshow(grid, origin="lower", aspect="auto", vmin=0, vmax=1, cmap="viridis",
                         interpolation="nearest")  # fmt: skip
        image.set_gid(f"heat:{pv}")
        a.set_xticks(range(len(xs)))
        a.set_xticklabels(
            [format_level(v) for v in xs], rotation=90 if len(xs) > 8 else 0, fontsize=7
        )
        a.set_yticks(range(len(ys)))
        a.set_yticklabels([format_level(v) for v in ys], fontsize=8)
        a.set_xlabel(label(x))
        a.set_ylabel(label(y))
        if len(xs) * len(ys) <= 40:
            for (i, j), v in np.ndenumerate(grid):
                if np.isfinite(v):
                    a.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7,
                           color="white" if v < 0.6 else "black")  # fmt: skip
        if pv is not None:
            a.set_title(f"{label(panel or '')}: {pv}", fontsize=10)
    if image is not None:
        fig.colorbar(image, ax=axes, label=f"P({event} by month {month})", shrink=0.9)
    return _finish(fig, title or f"P({event} by month {month})", stamp, ax is None)


def surface_table(
    runs: pd.DataFrame, x: str, y: str, windows: Windows, first: str, other: str
) -> pd.DataFrame:
    """Per (``y``, ``x``) cell: P(institutionalised within W) with strategy ``first`` minus with
    ``other`` (``diff``) and its Newcombe 95% interval (``lo``, ``hi``), with the counts
    (``n_first``, ``n_other``); other factors pooled."""
    from sim.results.findings import newcombe

    require_columns(runs, ["strategy", x, y])
    inst = windowed_outcomes(runs, windows)["inst_within_window"].to_numpy(dtype=bool)
    df = runs[[x, y, "strategy"]].copy()
    df["_k"] = inst.astype(np.int64)
    g = df.groupby([y, x, "strategy"], sort=True, observed=True)["_k"].agg(["sum", "size"])
    rows = []
    for (yv, xv), t in g.groupby(level=[0, 1], sort=True):
        c: dict[Any, Any] = t.droplevel([0, 1]).to_dict("index")
        if first not in c or other not in c:
            continue
        k1, n1 = int(c[first]["sum"]), int(c[first]["size"])
        k2, n2 = int(c[other]["sum"]), int(c[other]["size"])
        d, lo, hi = newcombe(k1, n1, k2, n2)
        rows.append({y: yv, x: xv, "diff": d, "lo": lo, "hi": hi, "n_first": n1, "n_other": n2})
    return pd.DataFrame(rows, columns=[y, x, "diff", "lo", "hi", "n_first", "n_other"])


def plot_surface(
    runs: pd.DataFrame,
    x: str,
    y: str,
    windows: Windows,
    *,
    first: str = "small_steps",
    others: Sequence[str] = ("grand_bargain", "tit_for_tat"),
    title: str = "",
    stamp: str = "",
    ax: Axes | None = None,
) -> Figure:
    """H1 as a surface: P(institutionalised within W) with strategy ``first`` minus with each of
    ``others`` (one panel each; those the runs lack are skipped) over two factors ``x`` and
    ``y``, other factors pooled. Red: ``first`` ahead; blue: behind. Each cell gives the
    difference in points (on grids of at most 12 x 12); a black frame marks a cell whose 95%
    (Newcombe) interval excludes zero."""
    from matplotlib.patches import Rectangle

    present = set(pd.unique(runs["strategy"]))
    shown = [o for o in others if o in present]
    if first not in present or not shown:
        raise ValueError(f"the runs need strategy {first} and one of {', '.join(others)}")
    fig, axes = _panel_figure(len(shown), ax, (5.0, 4.0))
    xs, ys = ordered_levels(runs[x]), ordered_levels(runs[y])
    tables = {o: surface_table(runs, x, y, windows, first, o) for o in shown}
    biggest = max([float(np.nanmax(np.abs(t["diff"]))) for t in tables.values() if len(t)] or [0])
    limit = max(10.0, 10 * math.ceil(10 * biggest))  # points, a multiple of 10
    image = None
    for a, other in zip(axes, shown, strict=True):
        t = tables[other]
        grid = np.full((len(ys), len(xs)), np.nan)
        sep = np.zeros_like(grid, dtype=bool)
        for r in t.to_dict("records"):
            i, j = ys.index(r[y]), xs.index(r[x])
            grid[i, j] = r["diff"]
            sep[i, j] = r["lo"] > 0 or r["hi"] < 0
        image = a.imshow(100 * grid, origin="lower", aspect="auto", vmin=-limit, vmax=limit,
                         cmap="RdBu_r", interpolation="nearest")  # fmt: skip
        image.set_gid(f"surface:{other}")
        for (i, j), v in np.ndenumerate(grid):
            if not np.isfinite(v):
                continue
            if len(xs) <= 12 and len(ys) <= 12:  # room for the numbers
                a.text(j, i, f"{100 * v:+.0f}", ha="center", va="center", fontsize=6.5,
                       color="white" if abs(100 * v) > 0.6 * limit else "black")  # fmt: skip
            if sep[i, j]:
                a.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=1.0,
                                      ec="black", gid=f"separated:{other}:{i}:{j}"))  # fmt: skip
        a.set_xticks(range(len(xs)))
        a.set_xticklabels([format_level(v) for v in xs], rotation=90 if len(xs) > 8 else 0,
                          fontsize=7)  # fmt: skip
        a.set_yticks(range(len(ys)))
        a.set_yticklabels([format_level(v) for v in ys], fontsize=7)
        a.set_xlabel(label(x))
        a.set_ylabel(label(y))
        a.set_title(f"{first} minus {other}", fontsize=10)
    if image is not None:
        fig.colorbar(image, ax=axes, shrink=0.9,
                     label=f"difference in P(institutionalised within {windows.window} months), "
                           "points")  # fmt: skip
    return _finish(fig, title or f"{first} minus other strategies", stamp, ax is None)


def format_level(v: Any) -> str:
    """A factor level or value as short text: numbers in ``%g`` form (0.15, 1e+03), others as
    ``str``. Tick labels, the report's findings and its Markdown tables use it."""
    return f"{v:g}" if isinstance(v, (int, float, np.number)) else str(v)


def plot_survival(
    runs: pd.DataFrame,
    horizon: int | npt.ArrayLike,
    *,
    by: str | None = "strategy",
    panel: str | None = None,
    event: str = "institutionalised",
    title: str = "",
    stamp: str = "",
    ax: Axes | None = None,
) -> Figure:
    """Kaplan-Meier curves of the time to ``event`` per level of ``by``: the share of runs not
    yet institutionalised by month t, with 95% (log-log) bands. Runs that never get there within
    the horizon are censored at the horizon (ticks mark censorings), not dropped."""
    panels = ordered_levels(runs[panel]) if panel else [None]
    fig, axes = _panel_figure(len(panels), ax, (5.0, 3.6))
    h = np.asarray(horizon)
    for a, pv in zip(axes, panels, strict=True):
        sel = np.ones(len(runs), bool) if pv is None else (runs[panel] == pv).to_numpy()
        sub = runs.loc[sel]
        hz = h if h.ndim == 0 else h[sel]
        curves = survival_by(sub, hz, by, event)
        for i, (g, c) in enumerate(curves.items()):
            colour = _colour(g, i)
            tag = f"{pv}:{g}"
            a.fill_between(c.time, c.lo, c.hi, step="post", color=colour, alpha=0.15, lw=0,
                           gid=f"km_ci:{tag}")  # fmt: skip
            a.step(c.time, c.survival, where="post", color=colour, lw=1.7,
                   label=f"{g} ({c.n_events}/{c.n} reached; median {_fmt_month(c.median())})",
                   gid=f"km:{tag}")  # fmt: skip
            cens = c.censored > 0
            a.plot(c.time[cens], c.survival[cens], "|", color=colour, ms=9, mew=1.4,
                   gid=f"km_censored:{tag}")  # fmt: skip
        a.set_ylim(-0.02, 1.02)
        a.set_xlabel("month")
        a.set_ylabel(f"share not yet {event}")
        a.grid(alpha=0.25)
        a.legend(fontsize=7, loc="lower left")
        if pv is not None:
            a.set_title(f"{label(panel or '')}: {pv}", fontsize=10)
    return _finish(
        fig,
        title or f"Time to {event} (Kaplan-Meier; | = censored at the horizon)",
        stamp,
        ax is None,
    )


def _fmt_month(m: float) -> str:
    return "not reached" if not np.isfinite(m) else f"{m:g}"


def plot_durability(
    runs: pd.DataFrame,
    *,
    by: str = "strategy",
    factor: str | None = None,
    windows: Windows | None = None,
    title: str = "",
    stamp: str = "",
    ax: Axes | None = None,
) -> Figure:
    """Durability: the share of institutionalised runs that later collapse, with 95% Wilson
    intervals, per level of ``by`` (bars), or against ``factor`` (one line per level of ``by``).
    Bars are annotated with the counts behind them.

    With ``windows``, the share is over the follow-up (:func:`followup_durability`: runs
    institutionalised within W that collapse within F, censored runs left out and counted in
    the annotation); without, it is by the horizon (:func:`durability`)."""
    keys = [by] + ([factor] if factor else [])
    table = followup_durability(runs, keys, windows) if windows else durability(runs, keys)
    fig, ax = _figure_and_axes(ax, (7.0, 4.2))
    own = len(fig.axes) == 1
    groups = ordered_levels(table[by])
    if factor is None:
        t = table.set_index(by).loc[groups]
        p, lo, hi = (t[c].to_numpy(dtype=float) for c in ("p", "lo", "hi"))
        xs = np.arange(len(groups))
        ax.bar(xs, np.nan_to_num(p), color=[_colour(g, i) for i, g in enumerate(groups)],
               alpha=0.85, gid="durability:bars")  # fmt: skip
        ax.errorbar(xs, p, yerr=[p - lo, hi - p], fmt="none", color="black", capsize=4,
                    gid="durability:ci")  # fmt: skip
        cens = t["n_censored"] if windows else np.zeros(len(t))
        for i, (k, n, c) in enumerate(
            zip(t["n_collapsed"], t["n_institutionalised"], cens, strict=True)
        ):
            txt = f"{int(k)}/{int(n)}" if n else "none\ninstitutionalised"
            if windows:
                txt += f"\n{int(c)} censored"
            ax.text(i, (hi[i] if np.isfinite(hi[i]) else 0) + 0.02, txt, ha="center",
                    va="bottom", fontsize=8)  # fmt: skip
        ax.set_xticks(xs)
        ax.set_xticklabels([str(g) for g in groups])
        ax.set_xlabel(label(by))
    else:
        for i, g in enumerate(groups):
            t = table[table[by] == g].sort_values(factor)
            x = t[factor].to_numpy(dtype=float)
            p, lo, hi = (t[c].to_numpy(dtype=float) for c in ("p", "lo", "hi"))
            ax.plot(x, p, color=_colour(g, i), marker="o", ms=3, lw=1.5, label=str(g),
                    gid=f"durability:{g}")  # fmt: skip
            ax.errorbar(x, p, yerr=[p - lo, hi - p], fmt="none", ecolor=_colour(g, i), capsize=2,
                        gid=f"durability_ci:{g}")  # fmt: skip
        ax.set_xlabel(label(factor))
        ax.legend(fontsize=8, title=label(by), title_fontsize=8)
    ax.set_ylim(0, 1.1)
    if windows:
        ax.set_ylabel(f"share collapsing within {windows.followup} months\n(of runs "
                      f"institutionalised within {windows.window}, uncensored)")  # fmt: skip
    else:
        ax.set_ylabel("share of institutionalised runs that collapse")
    ax.grid(alpha=0.25, axis="y")
    if own:
        ax.set_title(title or "Durability: institutionalised cooperation that later collapses",
                     fontsize=10)  # fmt: skip
    _stamp(fig, stamp)
    return fig


def plot_timing(
    runs: pd.DataFrame,
    horizon: int,
    *,
    by: str | None = "strategy",
    window: int | None = None,
    last_fraction: float = LAST_FRACTION,
    turnover_months: int = TURNOVER_MONTHS,
    title: str = "",
    stamp: str = "",
    ax: Axes | None = None,
) -> Figure:
    """When institutions form: per level of ``by`` (one row each), the share of the group's
    runs institutionalised in each month 1..horizon, with the last ``last_fraction`` of the
    horizon shaded, the institution window W (if given) and the turnover months marked: each
    democracy's first leader change in a month that holds at least 10% of the group's runs (a
    scheduled term end piles up there; drawn changes spread out). Each row says what share of
    its institutions fall in the shaded band and within ``turnover_months`` after a turnover:
    the horizon guard's numbers (:mod:`sim.results.windows`)."""
    require_columns(runs, ["inst_month"])
    groups = ordered_levels(runs[by]) if by else [None]
    fig, axes = _panel_figure(len(groups), ax, (9.0, 1.9), ncols=1)
    a_band, b_band = last_band(horizon, last_fraction)
    edges = np.arange(0.5, horizon + 1.0, 1.0)
    tcols = [c for c in TURNOVER_COLUMNS if c in runs.columns]
    for i, (a, g) in enumerate(zip(axes, groups, strict=True)):
        sub = runs if g is None else runs[runs[by] == g]
        t = sub["inst_month"].to_numpy(dtype=np.int64)
        ok = t >= 1
        counts = np.bincount(t[ok], minlength=horizon + 1)[1 : horizon + 1]
        share = counts / max(len(sub), 1)
        colour = _colour(g, i)
        tag = "all" if g is None else str(g)
        a.axvspan(a_band - 0.5, b_band + 0.5, color="#999999", alpha=0.2, lw=0,
                  gid=f"timing_band:{tag}")  # fmt: skip
        a.stairs(share, edges, fill=True, color=colour, alpha=0.85, gid=f"timing:{tag}")
        if window:
            a.axvline(window + 0.5, color="black", ls=":", lw=1, gid=f"timing_window:{tag}")
        for j, col in enumerate(tcols):
            tm = sub[col].to_numpy(dtype=np.int64)
            tm = tm[tm >= 0]
            if not tm.size:
                continue
            months, n = np.unique(tm, return_counts=True)
            for m, c in zip(months, n, strict=True):
                if c >= 0.1 * len(sub):
                    who = col.rsplit("_", 1)[-1]
                    a.axvline(m, color=("#9467bd", "#8c564b")[j % 2], ls="--", lw=1.2,
                              gid=f"timing_turnover:{tag}:{who}:{m}",
                              label=f"{who} turnover, month {m} ({100 * c / len(sub):.0f}% of "
                                    "runs)")  # fmt: skip
        turn = sub[tcols].to_numpy(dtype=np.int64) if tcols else np.full((len(sub), 1), -1)
        n_ev = int(ok.sum())
        in_band = int(((t >= a_band) & (t <= b_band)).sum())
        near = int((ok & near_turnover(t, turn, turnover_months)).sum())
        note = (
            f"{n_ev} of {len(sub)} runs institutionalised; of these "
            f"{_share(in_band, n_ev)} in months {a_band}-{b_band}, "
            f"{_share(near, n_ev)} within {turnover_months} months after a turnover"
            if n_ev
            else f"none of {len(sub)} runs institutionalised"
        )
        a.set_title((f"{g}: " if g is not None else "") + note, loc="left", fontsize=8.5)
        a.set_xlim(0.5, horizon + 0.5)
        a.set_ylim(0, max(float(share.max()) * 1.15, 0.05))
        a.set_ylabel("share of runs", fontsize=8)
        a.grid(alpha=0.25, axis="y")
        if a.get_legend_handles_labels()[0]:
            a.legend(fontsize=7, loc="upper center")
    axes[-1].set_xlabel(
        f"month institutionalised (shaded: the last {b_band - a_band + 1} months"
        + (f"; dotted: the window W = {window}" if window else "")
        + "; dashed: a leader's first exit)"
    )
    return _finish(fig, title or "When institutions form", stamp, ax is None)


def _share(k: int, n: int) -> str:
    return f"{100 * k / n:.0f}%" if n else "n/a"


def plot_uncertainty(
    runs: pd.DataFrame,
    *,
    by: str | None = "strategy",
    outcomes: Sequence[str] | None = None,
    title: str = "",
    stamp: str = "",
) -> Figure:
    """The two sources of uncertainty, per level of ``by`` (pooled over the other factors).

    Left: for each headline outcome, the share of the variance between runs that comes from the
    parameter draws (dark) and from the seeds (light): the per-design-point decomposition of
    ``sim.results.uncertainty``, averaged over the level's points. Right: each parameter draw's
    probability of institutionalisation by month 24 (one dot a draw, over the draw's runs at the
    level), its 5-95% range across draws (bar) and the pooled probability with its 95% Wilson
    interval (black). Needs runs that drew parameters (a ``draw`` column).
    """
    from sim.results import uncertainty as U

    require_columns(runs, ["point", "draw"])
    names = list(outcomes or U.HEADLINE_OUTCOMES)
    keys = [by] if by else []
    levels = ordered_levels(runs[by]) if by else ["all runs"]
    per_point = U.variance_table(runs, ["point"], names)
    if by:
        per_point = per_point.merge(runs[["point", by]].drop_duplicates("point"), on="point")
    summary = U.summarise(per_point, keys)
    fig = Figure(figsize=(11.0, 0.9 + 0.55 * max(3, len(levels) * len(names))),
                 layout="constrained")  # fmt: skip
    left, right = fig.subplots(1, 2, width_ratios=(1, 1.3))
    ys, labels = [], []
    for j, o in enumerate(names):
        for i, g in enumerate(levels):
            row = summary[(summary["outcome"] == o) & ((summary[by] == g) if by else True)]
            if row.empty:
                continue
            y = j * (len(levels) + 1) + i
            par = float(row["parametric_share"].iloc[0])
            sto = float(row["stochastic_share"].iloc[0])
            par, sto = (0.0, 0.0) if not np.isfinite(par) else (par, sto)
            colour = _colour(g, i)
            left.barh(y, par, color=colour, alpha=0.95, gid=f"share:{o}:{g}:parametric")
            left.barh(y, sto, left=par, color=colour, alpha=0.3, gid=f"share:{o}:{g}:stochastic")
            left.text(min(par, 0.97), y, f" {100 * par:.0f}%", va="center", fontsize=7)
            ys.append(y)
            labels.append(f"{g}: {U.SHORT_LABELS.get(o, o)}")
    left.set_yticks(ys)
    left.set_yticklabels(labels, fontsize=7)
    left.invert_yaxis()
    left.set_xlim(0, 1)
    left.set_xlabel("share of the variance between runs: parameters (dark) | seeds (light)")
    left.set_title("which source dominates (per design point, averaged)", fontsize=9)
    left.grid(alpha=0.25, axis="x")
    per = U.per_draw_probability(runs, "inst_by_24", keys)
    pooled = U.draw_probabilities(runs, "inst_by_24", keys)
    for i, g in enumerate(levels):
        sel = per if not by else per[per[by] == g]
        p = sel.sort_values("draw")["p"].to_numpy(dtype=float)
        if p.size == 0:
            continue
        colour = _colour(g, i)
        offsets = np.linspace(-0.28, 0.28, p.size) if p.size > 1 else np.zeros(1)
        right.scatter(i + offsets, p, s=9, color=colour, alpha=0.6, lw=0, gid=f"draws:{g}")
        lo, hi = np.quantile(p, U.DRAW_QUANTILES)
        right.plot([i + 0.36, i + 0.36], [lo, hi], color=colour, lw=4, alpha=0.7,
                   solid_capstyle="butt", gid=f"draw_range:{g}")  # fmt: skip
        row = pooled if not by else pooled[pooled[by] == g]
        pp, plo, phi = (float(row[c].iloc[0]) for c in ("p", "lo", "hi"))
        right.errorbar([i + 0.44], [pp], yerr=[[pp - plo], [phi - pp]], fmt="o", color="black",
                       ms=3, capsize=3, gid=f"pooled:{g}")  # fmt: skip
    right.set_xticks(range(len(levels)))
    right.set_xticklabels([str(g) for g in levels], fontsize=8)
    right.set_ylim(-0.02, 1.02)
    right.set_ylabel(f"P(institutionalised by month {U.HEADLINE_MONTH})")
    right.set_title("one dot a parameter draw; bar: 5-95% across draws; black: pooled (95% "
                    "Wilson)", fontsize=8)  # fmt: skip
    right.grid(alpha=0.25, axis="y")
    return _finish(fig, title or "Parameter and stochastic uncertainty", stamp, True)


def plot_sensitivity(
    table: pd.DataFrame,
    *,
    indices: Sequence[str] = ("S1", "ST"),
    outcome_labels: Mapping[str, str] | None = None,
    title: str = "",
    stamp: str = "",
) -> Figure:
    """Bar chart of sensitivity indices with their 95% intervals: one panel per outcome (and per
    group, e.g. strategy, when the table has a ``group`` column), one bar per factor and index.

    Args:
        table: rows with outcome, factor, index, value, lo, hi (and optional group), as
            ``sim.results.analysis.sobol_indices`` / ``morris_indices`` return them plus ``outcome``.
        indices: which indices to draw side by side (S1 and ST, or mu_star).
    """
    require_columns(table, ["outcome", "factor", "index", "value", "lo", "hi"], "sensitivity")
    t = table[table["index"].isin(indices)]
    groups = list(pd.unique(t["group"])) if "group" in t.columns else [None]
    outcomes = list(pd.unique(t["outcome"]))
    fig = Figure(figsize=(4.2 * len(outcomes), 3.0 * len(groups) + 0.6), layout="constrained")
    axes = fig.subplots(len(groups), len(outcomes), squeeze=False)
    width = 0.8 / len(indices)
    hatch = {"S1": "", "ST": "//", "mu_star": ""}
    for r, g in enumerate(groups):
        for c, o in enumerate(outcomes):
            ax = axes[r][c]
            sub = t[t["outcome"] == o] if g is None else t[(t["outcome"] == o) & (t["group"] == g)]
            factors = list(pd.unique(sub["factor"]))
            xs = np.arange(len(factors))
            for k, idx in enumerate(indices):
                s = sub[sub["index"] == idx].set_index("factor").reindex(factors)
                v = s["value"].to_numpy(dtype=float)
                lo, hi = s["lo"].to_numpy(dtype=float), s["hi"].to_numpy(dtype=float)
                pos = xs + (k - (len(indices) - 1) / 2) * width
                ax.bar(pos, v, width, color=_colour(None, k), hatch=hatch.get(idx, ""),
                       edgecolor="white", label=idx, gid=f"sens:{g}:{o}:{idx}")  # fmt: skip
                ax.errorbar(pos, v, yerr=[v - lo, hi - v], fmt="none", color="black",
                            capsize=3, lw=0.9, gid=f"sens_ci:{g}:{o}:{idx}")  # fmt: skip
            ax.set_xticks(xs)
            ax.set_xticklabels(factors, rotation=20, fontsize=8)
            ax.axhline(0, color="#999999", lw=0.6)
            ax.grid(alpha=0.25, axis="y")
            name = (outcome_labels or {}).get(o, o)
            ax.set_title(name if g is None else f"{g}: {name}", fontsize=9)
            if c == 0:
                ax.set_ylabel("index (95% CI)")
    axes[0][0].legend(fontsize=8)
    return _finish(fig, title, stamp, True)


def plot_boxes(
    boxes: Sequence[Any],
    ranges: Mapping[str, tuple[float, float]],
    levels: Mapping[str, Sequence[Any]] | None = None,
    *,
    title: str = "",
    stamp: str = "",
) -> Figure:
    """Scenario-discovery boxes (``sim.results.analysis.Box``): left, each box's limits per factor as a
    bar over the factor's full range (categorical factors: the allowed levels); right, coverage
    against density of every box, labelled by its rank.

    Args:
        boxes: boxes, best first.
        ranges: the full (lo, hi) of each numeric factor.
        levels: every level of each categorical factor.
    """
    levels = levels or {}
    factors = list(ranges) + list(levels)
    fig = Figure(figsize=(11.0, 0.55 * max(len(factors), 3) * max(1, len(boxes)) ** 0.5 + 2.2),
                 layout="constrained")  # fmt: skip
    left, right = fig.subplots(1, 2, width_ratios=(2.2, 1))
    n = max(len(boxes), 1)
    height = 0.8 / n
    for b, box in enumerate(boxes):
        colour = _colour(None, b)
        for i, f in enumerate(factors):
            y = i + (b - (n - 1) / 2) * height
            if f in ranges:
                lo, hi = ranges[f]
                blo, bhi = box.limits.get(f, (lo, hi))
                span = (hi - lo) or 1.0
                a, z = (blo - lo) / span, (bhi - lo) / span
            else:
                allowed = box.levels.get(f, list(levels[f]))
                k = len(levels[f])
                idx = [list(levels[f]).index(v) for v in allowed]
                a, z = min(idx) / k, (max(idx) + 1) / k
            restricted = f in box.limits or f in box.levels
            left.barh(y, z - a, left=a, height=height * 0.9, color=colour,
                      alpha=0.9 if restricted else 0.25, gid=f"box:{b}:{f}",
                      label=f"box {b + 1}" if i == 0 else None)  # fmt: skip
    left.set_yticks(range(len(factors)))
    ticklabels = []
    for f in factors:
        if f in ranges:
            ticklabels.append(f"{f}\n[{ranges[f][0]:.3g}, {ranges[f][1]:.3g}]")
        else:
            ticklabels.append(f"{f}\n{{{', '.join(map(str, levels[f]))}}}")
    left.set_yticklabels(ticklabels, fontsize=8)
    left.set_xlim(0, 1)
    left.set_xlabel("box limits as a share of each factor's range (faint: unrestricted)")
    left.invert_yaxis()
    if boxes:
        left.legend(fontsize=8, loc="lower right")
    cov = [b.coverage for b in boxes]
    den = [b.density for b in boxes]
    right.scatter(cov, den, color=[_colour(None, i) for i in range(len(boxes))], s=40,
                  gid="box_tradeoff", zorder=3)  # fmt: skip
    for i, (c, d) in enumerate(zip(cov, den, strict=True)):
        right.annotate(str(i + 1), (c, d), textcoords="offset points", xytext=(4, 3), fontsize=8)
    right.set_xlim(0, 1.02)
    right.set_ylim(0, 1.02)
    right.set_xlabel("coverage (share of all cases of interest)")
    right.set_ylabel("density (share of the box of interest)")
    right.grid(alpha=0.25)
    return _finish(fig, title, stamp, True)
