"""The hindcast figure: the ensemble's bands with the record's polls and step dates overlaid.

Like ``sim.results.plotting``: takes data, returns a bare ``matplotlib.figure.Figure`` (no pyplot state,
never shows or saves) stamped with the scenario, seed, runs and version.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from sim.core.params import month_label
from sim.core.steps import STEP_INDEX
from sim.validation.scores import Ensemble, RecordTargets

ROK_COLOUR = "#1f77b4"
JPN_COLOUR = "#d62728"


def _band(ax: Any, x: Any, values: Any, colour: str, label: str) -> None:
    q05, q25, q50, q75, q95 = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    ax.fill_between(x, q05, q95, color=colour, alpha=0.15, lw=0, label=f"{label}: 90% band")
    ax.fill_between(x, q25, q75, color=colour, alpha=0.30, lw=0, label=f"{label}: 50% band")
    ax.plot(x, q50, color=colour, lw=1.8, label=f"{label}: ensemble median", gid=f"median_{label}")


def plot_hindcast(
    ens: Ensemble,
    tgt: RecordTargets,
    title: str = "Hindcast, August 2022 to August 2023",
    stamp: str = "",
    months: int | None = None,
) -> Figure:
    """Three panels: ROK approval, Japanese approval, and steps taken, each with the record.

    Panel 3 shows the ensemble's number of distinct ladder steps taken by each month (the
    record's steps only) against the record's count, with the institution month's distribution.
    """
    horizon = min(ens.months, months if months is not None else ens.months)
    x = np.arange(horizon + 1)
    fig = Figure(figsize=(10, 9.5), layout="constrained")
    axes = fig.subplots(3, 1, sharex=True)
    for ax, actor, colour, who in (
        (axes[0], "ROK", ROK_COLOUR, "Yoon (Gallup Korea)"),
        (axes[1], "JPN", JPN_COLOUR, "Kishida cabinet (NHK)"),
    ):
        _band(ax, x, ens.approval[actor][:, : horizon + 1], colour, f"{actor} approval")
        pts = [p for p in tgt.polls if p.actor == actor and p.month <= horizon]
        ax.errorbar(
            [p.month for p in pts],
            [p.value for p in pts],
            yerr=[[p.value - p.low for p in pts], [p.high - p.value for p in pts]],
            fmt="o",
            color="black",
            ms=5,
            label=f"poll: {who}",
            gid=f"polls_{actor}",
        )
        if actor == "ROK":
            lo, hi = tgt.approval_band
            ax.axhspan(lo, hi, color="grey", alpha=0.08, label="record band of ROK approval")
        ax.set_ylabel("approval (share)")
        ax.legend(loc="upper right", fontsize=7, ncol=2)
        ax.set_ylim(0, 0.8)
    ax = axes[2]
    idx = np.array([STEP_INDEX[s.name] for s in tgt.steps])
    ftm = ens.first_taken_month[:, idx]
    taken_by = np.stack(
        [((ftm >= 0) & (ftm <= m)).sum(axis=1) for m in range(horizon + 1)], axis=1
    ).astype(float)
    _band(ax, x, taken_by, "#6a3d9a", "steps")
    x_rec = np.arange(min(tgt.window, horizon) + 1)
    rec_count = [sum(s.month <= m for s in tgt.steps) for m in x_rec]
    ax.step(
        x_rec, rec_count, where="post", color="black", lw=1.5, label="record", gid="record_steps"
    )
    for s in tgt.steps:
        ax.axvline(s.month, color="black", lw=0.4, alpha=0.3)
    ax.axvline(tgt.inst_month, color="#2ca02c", lw=2, label="record: Camp David (institution)")
    inst = ens.inst_month[(ens.inst_month >= 0) & (ens.inst_month <= horizon)]
    if inst.size:
        counts = np.bincount(inst, minlength=horizon + 1)[: horizon + 1] / ens.runs
        ax2 = ax.twinx()
        ax2.bar(x, counts, color="#2ca02c", alpha=0.35, width=0.8, gid="inst_hist")
        ax2.set_ylabel("share of runs institutionalised that month", fontsize=8)
        ax2.set_ylim(0, 1)
    ax.set_ylabel("record's steps taken (count)")
    ax.legend(loc="upper left", fontsize=7)
    ticks = list(range(0, horizon + 1, 2))
    ax.set_xticks(ticks, [month_label(tgt.start, m) for m in ticks], rotation=45, fontsize=8)
    ax.set_xlabel("model month (calendar month)")
    fig.suptitle(title)
    if stamp:
        fig.text(0.01, 0.002, stamp, fontsize=7, color="grey")
    return fig
