"""Windowed outcomes with censoring, and the horizon guard.

A run's horizon-end outcomes (``institutionalised``, ``collapsed``, ``durable`` of the runs
table) count an event whenever it happens before the run stops. They let the end of the run
decide the answer: an institution formed in the last months counts as fully "durable" because
the run stops before it could collapse, and a leader change scheduled near the end (the ROK
president's term ends in month 57 of the main experiment) can put most of a strategy's
institutions into its last few months. The outcomes here are declared with explicit windows
instead (docs/RESEARCH.md, "Outcomes with windows"):

- the **institution window** ``W`` (months from the start, default 24): ``inst_within_window``
  is true when ``inst_month`` is in ``[1, W]``;
- the **follow-up** ``F`` (months after institutionalisation, default 24):
  ``followup_censored`` is true for a run institutionalised within ``W`` whose follow-up runs
  past the horizon (``inst_month + F > horizon``), so its durability cannot be judged;
  ``collapse_in_followup`` is true when ``collapse_month`` is in ``(inst_month, inst_month +
  F]``; ``durable_in_followup`` is true for a run institutionalised within ``W``, not censored,
  with no collapse in its follow-up.

P(durable over F | institutionalised within W) is taken over the uncensored runs only, and the
number of censored runs is reported beside it.

The **horizon guard** (:func:`horizon_guard`) looks at when the counted events happen. For each
outcome (``inst_month``, ``collapse_month``) and group (a design point, a strategy) it flags a
concentration: more than ``threshold`` (25%) of the events in the last 10% of the horizon, or
within 3 months after a leader's first exit from office (``turnover_month_ROK`` /
``turnover_month_JPN``: a scheduled term end, a scheduled change or a drawn replacement). It does
so for the events the windowed outcomes count (``scope = "windowed"``, what the headline uses)
and for every event before the horizon (``scope = "horizon-end"``, what the runs table's
horizon-end columns and the Kaplan-Meier curves count).

Pure functions of the runs table: nothing here reads files, draws or prints.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from sim.errors import UserError

Arr = npt.NDArray[Any]

#: Default institution window W (months from the start).
WINDOW = 24
#: Default follow-up F (months after institutionalisation).
FOLLOWUP = 24
#: The guard's "last months": this share of the horizon, at its end.
LAST_FRACTION = 0.10
#: The guard's "next to a turnover": this many months after a leader's first exit.
TURNOVER_MONTHS = 3
#: The guard flags a group when more than this share of its events is concentrated.
THRESHOLD = 0.25
#: Groups with fewer events than this are not judged (one late event out of one is no pattern).
MIN_EVENTS = 10

#: The windowed outcomes, in order, with their meaning (the codebook of derived outcomes).
WINDOWED_OUTCOMES: dict[str, str] = {
    "inst_within_window": "institutionalised in months 1..W",
    "followup_censored": "institutionalised within W, but inst_month + F is past the horizon: "
    "durability cannot be judged",
    "collapse_in_followup": "collapsed in months inst_month + 1 .. inst_month + F",
    "durable_in_followup": "institutionalised within W, not censored, no collapse within F",
}

#: Columns of the runs table the windowed outcomes and the guard read.
EVENT_MONTHS = ("inst_month", "collapse_month")
TURNOVER_COLUMNS = ("turnover_month_ROK", "turnover_month_JPN")

#: The guard's scopes: which events of a run are looked at.
SCOPES = {
    "windowed": "the events the windowed outcomes count (institutions within W, collapses within "
    "F): what the headline uses",
    "horizon-end": "every event before the horizon: what the runs table's institutionalised, "
    "collapsed and durable columns and the Kaplan-Meier curves count",
}


@dataclass(frozen=True)
class Windows:
    """The institution window ``window`` (W), the follow-up ``followup`` (F) and the run's
    ``horizon`` (the experiment's months), all in whole months; see :func:`check_windows`."""

    window: int = WINDOW
    followup: int = FOLLOWUP
    horizon: int = 60

    def describe(self) -> str:
        return (
            f"institution window W = {self.window} months, follow-up F = {self.followup} months, "
            f"horizon {self.horizon} months"
        )


def _whole_months(value: Any, flag: str) -> int:
    expected = "a whole number of months, 1 or more"
    if isinstance(value, bool):
        raise UserError(f"bad {flag}", key=flag, expected=expected, found=value)
    if isinstance(value, str):
        text = value.strip()
        try:
            value = int(text)
        except ValueError:
            raise UserError(f"bad {flag}", key=flag, expected=expected, found=text) from None
    if isinstance(value, float | np.floating):
        if not math.isfinite(value) or value != int(value):
            raise UserError(f"bad {flag}", key=flag, expected=expected, found=value)
        value = int(value)
    if not isinstance(value, int | np.integer) or value < 1:
        raise UserError(f"bad {flag}", key=flag, expected=expected, found=value)
    return int(value)


def check_windows(window: Any, followup: Any, horizon: int) -> Windows:
    """The checked :class:`Windows`: W and F whole months, 1 or more, and W + F <= horizon.

    Raises:
        UserError: naming the flag (``--window``, ``--followup``), what was expected and what
            was found.
    """
    w = _whole_months(window, "--window")
    f = _whole_months(followup, "--followup")
    h = int(horizon)
    if w > h:
        raise UserError("the institution window is longer than the horizon", key="--window",
                        expected=f"at most the horizon, {h} months", found=w)  # fmt: skip
    if w + f > h:
        raise UserError(
            "the institution window and the follow-up do not fit in the horizon",
            key="--followup",
            expected=f"--window + --followup at most the horizon ({h} months), so at most "
            f"{h - w} with --window {w}",
            found=f,
        )
    return Windows(w, f, h)


def resolve_windows(window: Any | None, followup: Any | None, horizon: int) -> Windows:
    """:func:`check_windows` with defaults that fit the horizon: an omitted W is
    ``min(24, horizon - F)`` (F = 1 when both are omitted, so W <= horizon - 1) and an omitted
    F is ``min(24, horizon - W)``. With a horizon of 48 months or more the defaults are W = F =
    24; a shorter run keeps as much of both as fits. Values the user gave are never changed:
    a bad one is an error naming its flag."""
    h = int(horizon)
    if window is None:
        f = 1 if followup is None else _whole_months(followup, "--followup")
        window = max(1, min(WINDOW, h - f))
    if followup is None:
        followup = max(1, min(FOLLOWUP, h - _whole_months(window, "--window")))
    return check_windows(window, followup, h)


def store_horizon(store: Any) -> int:
    """The horizon of a result store: its experiment's months (from the manifest)."""
    months = (getattr(store, "manifest", None) or {}).get("months")
    if months is None:
        raise UserError("the store's manifest does not say how many months its runs have",
                        file=getattr(store, "path", None), key="months",
                        expected="a whole number of months")  # fmt: skip
    return int(months)


def _months(runs: pd.DataFrame, column: str) -> Arr:
    if column not in runs.columns:
        raise KeyError(f"the runs table lacks column {column}")
    return runs[column].to_numpy(dtype=np.int64)


def windowed_outcomes(runs: pd.DataFrame, w: Windows) -> pd.DataFrame:
    """The windowed outcomes of each run (the columns of :data:`WINDOWED_OUTCOMES`, booleans),
    indexed like ``runs``. Needs ``inst_month`` and ``collapse_month`` (-1 = never)."""
    t = _months(runs, "inst_month")
    c = _months(runs, "collapse_month")
    inst = (t >= 1) & (t <= w.window)
    censored = inst & (t + w.followup > w.horizon)
    collapse = inst & (c > t) & (c <= t + w.followup)
    durable = inst & ~censored & ~collapse
    return pd.DataFrame(
        {
            "inst_within_window": inst,
            "followup_censored": censored,
            "collapse_in_followup": collapse,
            "durable_in_followup": durable,
        },
        index=runs.index,
    )


# ------------------------------------------------------------------------------ horizon guard
def last_band(horizon: int, fraction: float = LAST_FRACTION) -> tuple[int, int]:
    """First and last month of the last ``fraction`` of the horizon (months 1..horizon):
    for 60 months and 10%, months 55..60."""
    n = max(1, math.ceil(fraction * horizon - 1e-9))
    return horizon - n + 1, horizon


def near_turnover(months: Arr, turnovers: Arr, gap: int = TURNOVER_MONTHS) -> Arr:
    """Whether each event month falls within ``gap`` months after one of its run's turnovers:
    ``turnover < month <= turnover + gap`` for a turnover column of ``turnovers`` (runs x
    columns, -1 = never). A turnover is the month a leader left office; the successor governs
    from the next month, so an event in the turnover month itself is not counted."""
    m = np.asarray(months, dtype=np.int64)[:, None]
    t = np.asarray(turnovers, dtype=np.int64).reshape(len(m), -1)
    return np.any((t >= 0) & (m > t) & (m <= t + gap), axis=1)


@dataclass(frozen=True)
class HorizonWarning:
    """One concentration the guard found."""

    scope: str  # "windowed" or "horizon-end" (see SCOPES)
    outcome: str  # "inst_month" or "collapse_month"
    kind: str  # "last_months" or "turnover"
    group: tuple[tuple[str, Any], ...]  # e.g. (("point", 5),) or (("strategy", "grand_bargain"),)
    n_events: int
    n_flagged: int  # events in the band / next to a turnover
    share: float
    meaning: str

    def group_text(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in self.group) or "all runs"


@dataclass
class Guard:
    """What :func:`horizon_guard` found: the windows, the band of last months, the shares of
    every (scope, outcome, group) in ``shares``, the flagged ones in ``warnings``, and the
    censoring counts (``censored``: per group, runs, institutionalised within W, censored)."""

    windows: Windows
    band: tuple[int, int]
    threshold: float
    turnover_months: int
    by: list[str]
    shares: pd.DataFrame
    censored: pd.DataFrame
    warnings: list[HorizonWarning] = field(default_factory=list)

    @property
    def n_censored(self) -> int:
        return int(self.censored["n_censored"].sum())

    @property
    def n_inst_window(self) -> int:
        return int(self.censored["n_inst_window"].sum())

    def flagged(self, scope: str | None = None, outcome: str | None = None) -> list[HorizonWarning]:
        return [w for w in self.warnings if (scope is None or w.scope == scope)
                and (outcome is None or w.outcome == outcome)]  # fmt: skip


_WHAT = {"inst_month": "institutionalisations", "collapse_month": "collapses"}


def _meaning(scope: str, outcome: str, kind: str, share: float, n: int, g: Guard) -> str:
    what = _WHAT[outcome]
    a, b = g.band
    if kind == "last_months":
        where = f"in months {a}-{b}, the last {b - a + 1} months of the {g.windows.horizon}-month horizon"
    else:
        where = f"within {g.turnover_months} months after a leader's first exit (a scheduled term end or a drawn replacement)"
    head = f"{100 * share:.0f}% of the {n} {what} fall {where}"
    if scope == "horizon-end":
        tail = (
            "a count by the horizon (institutionalised, collapsed or durable by month "
            f"{g.windows.horizon}) is decided by the run's last months or by a successor's arrival, "
            "and would change with another horizon"
            if kind == "last_months"
            else "a count by the horizon is driven by the successor's arrival more than by the "
            "strategy's own run"
        )
    else:
        tail = (
            "the windowed headline itself depends on the end of the run: choose a shorter "
            "--window or a longer horizon"
            if kind == "last_months"
            else "the windowed headline is driven by a leader change: read it as the successor's "
            "outcome, not the strategy's"
        )
    return f"{head}: {tail}."


def _events(runs: pd.DataFrame, w: Windows, scope: str, outcome: str) -> Arr:
    """Mask of the runs whose ``outcome`` event the ``scope`` counts."""
    months = _months(runs, outcome)
    if scope == "horizon-end":
        return months >= 1
    wo = windowed_outcomes(runs, w)
    col = "inst_within_window" if outcome == "inst_month" else "collapse_in_followup"
    return wo[col].to_numpy()


def horizon_guard(
    runs: pd.DataFrame,
    w: Windows,
    by: Sequence[str] = ("point",),
    *,
    threshold: float = THRESHOLD,
    last_fraction: float = LAST_FRACTION,
    turnover_months: int = TURNOVER_MONTHS,
    min_events: int = MIN_EVENTS,
    scopes: Sequence[str] = tuple(SCOPES),
) -> Guard:
    """Flag outcomes concentrated at the end of the horizon or next to a turnover.

    For each scope (:data:`SCOPES`), outcome (``inst_month``, ``collapse_month``) and group of
    ``by``: the events the scope counts, the share of them in the last ``last_fraction`` of the
    horizon and the share within ``turnover_months`` after one of the run's recorded turnovers
    (``turnover_month_ROK`` / ``turnover_month_JPN``: each democracy's first leader change,
    scheduled or drawn; columns the runs table lacks are skipped). A share above ``threshold``
    in a group with at least ``min_events`` events is a :class:`HorizonWarning`.

    Returns:
        A :class:`Guard` with every share, the warnings and the censoring counts per group.
    """
    keys = list(by)
    band = last_band(w.horizon, last_fraction)
    tcols = [c for c in TURNOVER_COLUMNS if c in runs.columns]
    turn = runs[tcols].to_numpy(dtype=np.int64) if tcols else np.full((len(runs), 1), -1)
    wo = windowed_outcomes(runs, w)
    frame = runs[keys].copy() if keys else pd.DataFrame(index=runs.index)
    frame["_all"] = 0
    gkeys = keys or ["_all"]
    cens = frame.assign(
        runs=1,
        n_inst_window=wo["inst_within_window"].to_numpy().astype(np.int64),
        n_censored=wo["followup_censored"].to_numpy().astype(np.int64),
    )
    censored = (
        cens.groupby(gkeys, sort=True, observed=True)[["runs", "n_inst_window", "n_censored"]]
        .sum()
        .reset_index()
    )
    if not keys:
        censored = censored.drop(columns="_all")
    rows = []
    for scope in scopes:
        if scope not in SCOPES:
            raise ValueError(f"unknown scope {scope!r}; choose from {', '.join(SCOPES)}")
        for outcome in EVENT_MONTHS:
            months = _months(runs, outcome)
            ev = _events(runs, w, scope, outcome)
            last = ev & (months >= band[0]) & (months <= band[1])
            nt = ev & near_turnover(months, turn, turnover_months)
            f = frame.assign(
                n_events=ev.astype(np.int64),
                n_last=last.astype(np.int64),
                n_turnover=nt.astype(np.int64),
            )
            g = f.groupby(gkeys, sort=True, observed=True)[["n_events", "n_last", "n_turnover"]]
            t = g.sum().reset_index()
            t.insert(0, "outcome", outcome)
            t.insert(0, "scope", scope)
            rows.append(t)
    shares = pd.concat(rows, ignore_index=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares["share_last"] = shares["n_last"] / shares["n_events"]
        shares["share_turnover"] = shares["n_turnover"] / shares["n_events"]
    if not keys:
        shares = shares.drop(columns="_all")
    guard = Guard(w, band, threshold, turnover_months, keys, shares, censored)
    for r in shares.to_dict("records"):
        n = int(r["n_events"])
        if n < min_events:
            continue
        for kind, count, share in (("last_months", r["n_last"], r["share_last"]),
                                   ("turnover", r["n_turnover"], r["share_turnover"])):  # fmt: skip
            if share > threshold:
                guard.warnings.append(
                    HorizonWarning(
                        scope=r["scope"],
                        outcome=r["outcome"],
                        kind=kind,
                        group=tuple((k, _plain(r[k])) for k in keys),
                        n_events=n,
                        n_flagged=int(count),
                        share=float(share),
                        meaning=_meaning(r["scope"], r["outcome"], kind, float(share), n, guard),
                    )
                )
    return guard


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def pooled_shares(guard: Guard, scope: str, outcome: str, by: Sequence[str] = ()) -> pd.DataFrame:
    """The guard's counts summed over its groups into groups of ``by`` (a subset of the
    factors in ``guard.shares``; none: one row), with the pooled shares."""
    s = guard.shares[(guard.shares["scope"] == scope) & (guard.shares["outcome"] == outcome)]
    cols = ["n_events", "n_last", "n_turnover"]
    if by:
        t = s.groupby(list(by), sort=True, observed=True)[cols].sum().reset_index()
    else:
        t = s[cols].sum().to_frame().T.reset_index(drop=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        t["share_last"] = t["n_last"] / t["n_events"]
        t["share_turnover"] = t["n_turnover"] / t["n_events"]
    return t


# --------------------------------------------------------------------------------- as text
_KIND_TEXT = {"last_months": "in the last months", "turnover": "next to a turnover"}


def guard_lines(guard: Guard, design: pd.DataFrame | None = None) -> list[str]:
    """The guard as short lines of text for ``alignsim summary`` and the report: its
    definitions, the censored count, and each (scope, outcome, kind) with warnings, summarised
    over its groups (how many, the range of shares, and which factor levels they share when a
    ``design`` table with the groups' key is given)."""
    w, (a, b) = guard.windows, guard.band
    lines = [
        f"Horizon guard ({w.describe()}): flags an outcome when more than "
        f"{100 * guard.threshold:.0f}% of a group's events (at least {MIN_EVENTS}) fall in months "
        f"{a}-{b} (the last {b - a + 1} months) or within {guard.turnover_months} months after a "
        "leader's first exit (scheduled or drawn).",
        f"Censored: {guard.n_censored} of the {guard.n_inst_window} runs institutionalised within "
        f"W = {w.window} months have a follow-up past the horizon (inst_month + {w.followup} > "
        f"{w.horizon}) and are left out of P(durable over F).",
    ]
    groups_total = len(guard.censored)
    found = False
    for scope in SCOPES:
        for outcome in EVENT_MONTHS:
            for kind in _KIND_TEXT:
                ws = [x for x in guard.warnings
                      if (x.scope, x.outcome, x.kind) == (scope, outcome, kind)]  # fmt: skip
                if not ws:
                    continue
                found = True
                lo, hi = min(x.share for x in ws), max(x.share for x in ws)
                rng = f"{100 * lo:.0f}%" if lo == hi else f"{100 * lo:.0f}%-{100 * hi:.0f}%"
                where = (
                    f"in months {a}-{b}"
                    if kind == "last_months"
                    else f"within {guard.turnover_months} months after a turnover"
                )
                line = (
                    f"WARNING ({scope}): {_WHAT[outcome]} concentrated {where} in "
                    f"{len(ws)} of {groups_total} {_group_noun(guard.by)} ({rng} of their events)"
                )
                common = _common_levels(ws, guard.by, design)
                lines.append(
                    line + (f"; {common}" if common else "") + f". {_IMPLICATION[scope, kind]}"
                )
    if not found:
        lines.append(
            "No outcome is concentrated in the last months of the horizon or next to a turnover."
        )
    return lines


_IMPLICATION = {
    ("horizon-end", "last_months"): "Counts by the horizon (institutionalised, durable) there "
    "are decided by the run's last months.",
    ("horizon-end", "turnover"): "Counts by the horizon there are driven by a successor's arrival.",
    ("windowed", "last_months"): "The windowed headline itself depends on the end of the run.",
    ("windowed", "turnover"): "The windowed headline there is driven by a leader change.",
}


def _group_noun(by: Sequence[str]) -> str:
    if list(by) == ["point"]:
        return "design points"
    return "groups of " + ", ".join(by) if by else "groups"


def _common_levels(
    ws: Sequence[HorizonWarning], by: Sequence[str], design: pd.DataFrame | None
) -> str:
    """Which factor levels the flagged groups have, e.g. 'strategy: grand_bargain 42'."""
    if design is None or not by or any(k not in design.columns for k in by):
        return ", ".join(x.group_text() for x in ws[:6]) + (" ..." if len(ws) > 6 else "")
    keys = pd.DataFrame([dict(x.group) for x in ws])
    sel = keys.merge(design, on=list(by), how="left")
    parts = []
    for col in design.columns:
        if col in by or col in ("scenario_name", "scenario_hash") or design[col].nunique() < 2:
            continue
        if pd.api.types.is_numeric_dtype(design[col]) and design[col].nunique() > 4:
            continue
        counts = sel[col].value_counts()
        parts.append(f"{col}: " + ", ".join(f"{v} {n}" for v, n in counts.items()))
    return "; ".join(parts)


def format_shares(guard: Guard) -> str:
    """Every share the guard computed, as an aligned table: scope, outcome, group, events, the
    share in the last months and the share next to a turnover (``alignsim summary --guard-by``)."""
    a, b = guard.band
    header = ["scope", "outcome", *guard.by, "events", f"in months {a}-{b}",
              f"<= {guard.turnover_months} after a turnover"]  # fmt: skip
    rows = []
    for r in guard.shares.to_dict("records"):
        n = int(r["n_events"])
        rows.append([str(r["scope"]), str(r["outcome"]), *(str(r[k]) for k in guard.by), str(n),
                     _count_share(int(r["n_last"]), n),
                     _count_share(int(r["n_turnover"]), n)])  # fmt: skip
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
              for i, h in enumerate(header)]  # fmt: skip
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


def _count_share(k: int, n: int) -> str:
    return f"{k} ({100 * k / n:.1f}%)" if n else "0 (n/a)"
