"""Result tables -> matplotlib Figures.

Every plot function takes tidy tables (pandas DataFrames with the columns of the result store,
see ``sim.store``) and an optional ``ax``; it returns the Figure and never calls ``show()`` or
``savefig()``: the caller (the CLI, a notebook, the report) decides where the figure goes. Each
figure is stamped with what reproduces it: the scenario or experiment, the root seed, the number
of runs and the package version (:func:`stamp_text`).

The statistics behind the figures (Wilson intervals, Kaplan-Meier curves, durability shares) come
from ``sim.analysis``; each plotted artist carries a ``gid`` naming what it shows so that tests can
check the plotted arrays against the statistics rather than pixels. Figures are bare
``matplotlib.figure.Figure`` objects (no pyplot state), so no backend is chosen here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import blended_transform_factory

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
    "trilateral": ("Trilateral cooperation index", "#6a3d9a", "-"),
    "approval_ROK": ("ROK leader approval", ACTOR_COLOUR["ROK"], "-"),
    "approval_JPN": ("Japanese leader approval", ACTOR_COLOUR["JPN"], "-"),
    "coop_ROK_JPN": ("ROK-Japan cooperation", "#ff7f0e", "--"),
}

#: Rows (in axes fraction) of the step markers at the bottom of the story plot.
_STEP_ROW = {"ROK": 0.03, "JPN": 0.07, "both": 0.11}


def package_version() -> str:
    """The installed alignsim version (``0+unknown`` from a bare source tree)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("alignsim")
    except PackageNotFoundError:  # pragma: no cover
        return "0+unknown"


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
            ``sim.batch.MONTHLY_VARS``), one row per month.
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
