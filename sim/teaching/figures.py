"""Plotly figures for the app, drawn in the browser (no image rendering on the server).

Dates on the x axis (the scenario's start plus the month), units on every axis, US and Chinese
pressure shown, steps, shocks and leader changes marked, legends below the plots (never over a
line). The builders take plain data, so they are tested without a browser.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.core.params import month_label
from sim.teaching.labels import VAR_LABELS

FONT = {"size": 13}
#: x axes: a tick each January, labelled with the year; hover gives month and year
XAXIS = {"tickformat": "%Y", "dtick": "M12", "tick0": "2000-01-01", "hoverformat": "%b %Y",
         "tickangle": 0}  # fmt: skip
COLOURS = {
    "trilateral": "#1f4e79",
    "coop_ROK_JPN": "#2ca02c",
    "coop_ROK_US": "#9467bd",
    "coop_JPN_US": "#8c564b",
    "approval_ROK": "#1f77b4",
    "approval_JPN": "#d62728",
    "alignment_ROK": "#1f77b4",
    "alignment_JPN": "#d62728",
    "us_coercion": "#17becf",
    "china_coercion": "#ff7f0e",
}
#: (panel title, y-axis title, y range, columns)
RUN_PANELS: tuple[tuple[str, str, tuple[float, float], tuple[str, ...]], ...] = (
    ("Cooperation", "index 0..1", (0, 1),
     ("trilateral", "coop_ROK_JPN", "coop_ROK_US", "coop_JPN_US")),
    ("Leaders' approval", "share of the public", (0, 1), ("approval_ROK", "approval_JPN")),
    ("Alignment", "-1 China .. +1 US", (-1, 1), ("alignment_ROK", "alignment_JPN")),
    ("Pressure from the patrons", "pressure 0..1", (0, 1), ("us_coercion", "china_coercion")),
)  # fmt: skip
EVENT_NAMES = {
    "leader_change": "Leader change",
    "approval_shock": "Shock",
    "baseline_shock": "Shock",
    "coercion_episode": "Chinese coercion episode",
    "flashpoint": "History flashpoint",
    "provocation": "North Korean provocation",
}


def wrap(text: str, width: int = 60) -> str:
    """Plotly does not wrap titles: break a long one into lines of at most ``width`` characters."""
    return "<br>".join(textwrap.wrap(text, width)) if text else text


def title_text(title: str) -> str:
    """A figure's title as the figures lay it out (wrapped)."""
    return wrap(title, 90)


def date_of(start: str, month: int) -> str:
    """The first day of a model month, as plotly reads a date (``2022-08-01``)."""
    return month_label(start, int(month)) + "-01"


def _layout(fig: go.Figure, height: int, title: str) -> None:
    fig.update_layout(
        height=height,
        autosize=True,
        title={"text": title_text(title), "font": {"size": 15}, "x": 0.01},
        font=FONT,
        margin={"l": 60, "r": 20, "t": 60, "b": 40},
        legend={
            "orientation": "h",
            "yanchor": "top",
            "y": -0.08,
            "xanchor": "left",
            "x": 0,
            "entrywidth": 0.33,
            "entrywidthmode": "fraction",
            "font": {"size": 12},
        },
        hovermode="x unified",
        template="plotly_white",
    )


STEP_MARKS = "Step taken or reversed"
EVENT_MARKS = "Shock, flashpoint or leader change"


def leader_change_months(events: Sequence[dict[str, Any]], n: int) -> tuple[int, ...]:
    """The months (below ``n``) of the leader changes among ``events``."""
    return tuple(int(e["month"]) for e in events
                 if e["kind"] == "leader_change" and int(e["month"]) < n)  # fmt: skip


def run_trace_values(
    series: Mapping[str, Any],
    start: str,
    steps: Sequence[dict[str, Any]] = (),
    events: Sequence[dict[str, Any]] = (),
) -> dict[str, dict[str, list[Any]]]:
    """The data of each trace of :func:`run_figure`, by trace name: ``x`` and ``y`` (and the
    markers' ``text``). Cheap (no plotly objects): the app sends these alone to a figure already
    on the page when a run advances."""
    n = len(next(iter(series.values())))
    x = [date_of(start, m) for m in range(n)]
    out: dict[str, dict[str, list[Any]]] = {}
    for _title, _ytitle, _yrange, cols in RUN_PANELS:
        for c in cols:
            if c in series:
                out[VAR_LABELS[c][0]] = {"x": x, "y": [float(v) for v in series[c]]}
    if "trilateral" in series:
        tri = series["trilateral"]
        ms = [s for s in steps if int(s["month"]) < n]
        out[STEP_MARKS] = {
            "x": [x[int(s["month"])] for s in ms],
            "y": [float(tri[int(s["month"])]) for s in ms],
            "text": [f"{s['actor']} {s['action']}: {s['label']}" for s in ms],
        }
    if "approval_ROK" in series:
        evs = [e for e in events if int(e["month"]) < n]
        actor_col = {"ROK": "approval_ROK", "JPN": "approval_JPN"}
        out[EVENT_MARKS] = {
            "x": [x[int(e["month"])] for e in evs],
            "y": [float(series[actor_col.get(e["actor"], "approval_ROK")][int(e["month"])])
                  for e in evs],
            "text": [f"{EVENT_NAMES.get(e['kind'], e['kind'])} ({e['actor']}): {e['text']}"
                     for e in evs],
        }  # fmt: skip
    return out


def run_figure(
    series: Mapping[str, Any],
    start: str,
    steps: Sequence[dict[str, Any]] = (),
    events: Sequence[dict[str, Any]] = (),
    threshold: float | None = None,
    horizon: int | None = None,
    title: str = "",
    height: int = 720,
) -> go.Figure:
    """A run month by month: cooperation, approval, alignment, US and Chinese pressure.

    Args:
        series: column -> values for months 0..n (a ``month`` column is not needed).
        start: the scenario's first month (``YYYY-MM``).
        steps: the model's ``steps_log`` (month, actor, label, action): markers on the
            cooperation panel.
        events: the model's ``event_log`` (month, kind, actor, text): markers on the approval
            panel; leader changes also as dashed vertical lines on every panel.
            The two marker traces are there (maybe empty) whenever their panel is, so a run's
            figure keeps the same traces month after month (see :func:`run_trace_values`).
        threshold: the institutionalisation threshold (a dotted line on the cooperation panel).
        horizon: the run's last month (the x axis spans it even before it is reached).
    """
    n = len(next(iter(series.values())))
    values = run_trace_values(series, start, steps, events)
    fig = make_subplots(rows=2, cols=2, shared_xaxes=True, vertical_spacing=0.12,
                        horizontal_spacing=0.13,
                        subplot_titles=[p[0] for p in RUN_PANELS])  # fmt: skip
    cells = ((1, 1), (1, 2), (2, 1), (2, 2))
    for (row, col), (_title, ytitle, yrange, cols) in zip(cells, RUN_PANELS, strict=True):
        for c in cols:
            if c not in series:
                continue
            fig.add_trace(
                go.Scatter(**values[VAR_LABELS[c][0]], name=VAR_LABELS[c][0],
                           mode="lines+markers", marker={"size": 3},
                           line={"color": COLOURS[c],
                                               "width": 3 if c == "trilateral" else 2}),
                row=row, col=col,
            )  # fmt: skip
        fig.update_yaxes(title_text=ytitle, range=list(yrange), row=row, col=col)
    if threshold is not None:
        fig.add_hline(y=threshold, line={"dash": "dot", "color": "grey"}, row=1, col=1,
                      annotation_text="institution threshold",
                      annotation_position="top right")  # fmt: skip
    if STEP_MARKS in values:
        fig.add_trace(
            go.Scatter(**values[STEP_MARKS], mode="markers", name=STEP_MARKS,
                       marker={"symbol": "triangle-up", "size": 11, "color": "#000"},
                       hovertemplate="%{text}<extra></extra>"),
            row=1, col=1,
        )  # fmt: skip
    if EVENT_MARKS in values:
        fig.add_trace(
            go.Scatter(**values[EVENT_MARKS], mode="markers", name=EVENT_MARKS,
                       marker={"symbol": "x", "size": 10, "color": "#444"},
                       hovertemplate="%{text}<extra></extra>"),
            row=1, col=2,
        )  # fmt: skip
        for month in leader_change_months(events, n):
            fig.add_vline(x=date_of(start, month), line={"dash": "dash", "color": "#444"})
    last = max(n - 1, horizon or 0)
    fig.update_xaxes(range=[date_of(start, 0), date_of(start, last)], **XAXIS)  # fmt: skip
    _layout(fig, height, title)
    return fig


def model_series(model: Any) -> dict[str, np.ndarray]:
    """A model's recorded months as column -> values (the run figure's ``series``)."""
    # the collector's own lists (what its DataFrame is made of): a DataFrame a Step costs more
    # than the rest of the figure's data
    cols = model.datacollector.model_vars
    return {c: np.asarray(cols[c]) for c in VAR_LABELS if c in cols}


def model_figure(model: Any, title: str = "") -> go.Figure:
    """:func:`run_figure` of a live :class:`~sim.engines.model.AlignmentModel`."""
    return run_figure(
        model_series(model),
        model.spec.start,
        steps=model.steps_log,
        events=model.event_log,
        threshold=float(model.run_params.institution_threshold),
        horizon=int(model.spec.months),
        title=title,
    )


def model_trace_values(model: Any) -> dict[str, dict[str, list[Any]]]:
    """:func:`run_trace_values` of a live :class:`~sim.engines.model.AlignmentModel`."""
    return run_trace_values(model_series(model), model.spec.start, model.steps_log,
                            model.event_log)  # fmt: skip


def model_leader_changes(model: Any) -> tuple[int, ...]:
    """The months of the leader changes a live model has had so far."""
    return leader_change_months(model.event_log, int(model.month) + 1)


def band_figure(
    panels: Sequence[tuple[str, str, np.ndarray]],
    start: str,
    threshold: float | None = None,
    title: str = "",
    height: int = 420,
) -> go.Figure:
    """Ensemble bands: per panel (title, y-axis title, runs x months array) the median, the
    25-75% and the 5-95% bands of all runs."""
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=[p[0] for p in panels],
                        horizontal_spacing=0.12)  # fmt: skip
    for i, (_t, ytitle, a) in enumerate(panels, start=1):
        x = [date_of(start, m) for m in range(a.shape[1])]
        q = np.percentile(a, [5, 25, 50, 75, 95], axis=0)
        first = i == 1
        for lo, hi, name, alpha in ((0, 4, "5-95% of runs", 0.18), (1, 3, "25-75% of runs", 0.35)):
            fig.add_trace(go.Scatter(x=x, y=q[lo], mode="lines", line={"width": 0},
                                     showlegend=False, hoverinfo="skip"), row=1, col=i)  # fmt: skip
            fig.add_trace(
                go.Scatter(x=x, y=q[hi], mode="lines", line={"width": 0}, fill="tonexty",
                           fillcolor=f"rgba(31,78,121,{alpha})", name=name, legendgroup=name,
                           showlegend=first),
                row=1, col=i,
            )  # fmt: skip
        fig.add_trace(go.Scatter(x=x, y=q[2], mode="lines", name="median",
                                 line={"color": "#1f4e79", "width": 3}, legendgroup="median",
                                 showlegend=first), row=1, col=i)  # fmt: skip
        fig.update_yaxes(title_text=ytitle, range=[0, 1], row=1, col=i)
        if threshold is not None and first:
            fig.add_hline(y=threshold, line={"dash": "dot", "color": "grey"}, row=1, col=1,
                          annotation_text="institution threshold",
                          annotation_position="bottom right")  # fmt: skip
    fig.update_xaxes(**XAXIS)
    _layout(fig, height, title)
    return fig


def sweep_figure(rows: Sequence[dict[str, Any]], xlabel: str, title: str = "",
                 height: int = 420) -> go.Figure:  # fmt: skip
    """P(institutionalised) per level with its Wilson 95% interval as error bars."""
    x = [r["value"] for r in rows]
    p = [r["p"] for r in rows]
    fig = go.Figure(
        go.Scatter(
            x=x, y=p, mode="lines+markers", name="P(institutionalised)",
            marker={"size": 9, "color": "#1f4e79"},
            error_y={"type": "data", "symmetric": False,
                     "array": [r["hi"] - r["p"] for r in rows],
                     "arrayminus": [r["p"] - r["lo"] for r in rows]},
            customdata=[[r["lo"], r["hi"], r["runs"]] for r in rows],
            hovertemplate="%{x}: P = %{y:.3f} (95% interval %{customdata[0]:.3f} to "
            "%{customdata[1]:.3f}, %{customdata[2]} runs)<extra></extra>",
        )
    )  # fmt: skip
    fig.update_yaxes(title_text="P(institutionalised trilateral cooperation)", range=[0, 1.02])
    fig.update_xaxes(title_text=wrap(xlabel, 55))
    _layout(fig, height, title)
    fig.update_layout(hovermode="closest", legend={"y": -0.2})
    return fig


__all__ = [
    "band_figure",
    "date_of",
    "leader_change_months",
    "model_figure",
    "model_leader_changes",
    "model_series",
    "model_trace_values",
    "run_figure",
    "run_trace_values",
    "sweep_figure",
    "title_text",
]
