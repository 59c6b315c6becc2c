"""Declared outputs: every monthly and summary variable, declared once.

Each output has its meaning, its unit or scale, whether it is a whole number, its range (the
histograms' fixed range) and its missing value. The record order of the monthly table, the
summary's keys, the store's histograms and codebook, and plot labels all derive from these
declarations. The month (``sim.core.month``) writes the monthly record from each variable's
``source``: a column of the float state, of the month's trace, of the integer state, or a value
computed from the state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from sim.core import month as M
from sim.core import rules as R
from sim.core import steps as S

Arr = npt.NDArray[Any]

# Where a monthly value comes from (the first column of RECORD_SOURCES; the month writes it).
FROM_STATE = M.FROM_STATE
FROM_TRACE = M.FROM_TRACE
FROM_INT_STATE = M.FROM_INT_STATE
TRILATERAL = M.FROM_TRILATERAL
INSTITUTIONALISED = M.FROM_INSTITUTIONALISED
COLLAPSED = M.FROM_COLLAPSED


@dataclass(frozen=True)
class Output:
    """One declared output variable."""

    name: str
    label: str  # a human label for plots and tables
    meaning: str
    unit: str  # unit or scale
    integer: bool = False
    lo: float = 0.0  # the histogram's fixed range (values outside are clipped)
    hi: float = 1.0
    missing: str = ""  # how a missing value is written, "" if never missing
    source: tuple[int, int] = (FROM_STATE, 0)


WHO = {"ROK": ("ROK", "ROK"), "JPN": ("Japan", "Japanese")}


def _pair(
    stem: str, label: str, meaning: str, unit: str, column: int, kind: int = FROM_STATE, **kw: Any
) -> tuple[Output, Output]:
    """The ROK and Japan outputs of one quantity; in ``label`` and ``meaning``, {who} is the
    country (ROK, Japan) and {adj} its adjective (ROK, Japanese)."""
    return tuple(  # type: ignore[return-value]
        Output(
            f"{stem}_{code}",
            label.format(who=WHO[code][0], adj=WHO[code][1]),
            meaning.format(who=WHO[code][0], adj=WHO[code][1]),
            unit,
            source=(kind, column + d),
            **kw,
        )  # fmt: skip
        for d, code in enumerate(("ROK", "JPN"))
    )


COUNT: dict[str, Any] = {"integer": True, "lo": 0.0, "hi": 256.0}

#: Monthly variables, in record order.
MONTHLY: tuple[Output, ...] = (
    *_pair("alignment", "{who} alignment (-1 China .. +1 US)",
           "{who}'s alignment between the Chinese (-1) and US (+1) camps", "-1..+1", M.ALIGNMENT,
           lo=-1.0, hi=1.0),
    *_pair("approval", "{adj} leader approval", "the {adj} leader's approval rating (political "
           "capital)", "share 0..1", M.APPROVAL),
    *_pair("abandonment", "{adj} fear of abandonment", "{who}'s fear of abandonment by the US",
           "0..1", M.ABANDONMENT),
    *_pair("entrapment", "{adj} fear of entrapment", "{who}'s fear of entrapment in a US-China "
           "conflict", "0..1", M.ENTRAPMENT),
    *_pair("grievance", "{adj} grievance salience", "salience of history grievances toward the "
           "partner in {who}", "0..1", M.GRIEVANCE),
    *_pair("threat", "{adj} threat perception", "North Korean threat as perceived in {who}",
           "0..1", M.THREAT),
    *_pair("china_pressure", "Chinese pressure on {who}", "Chinese coercion felt by {who} this "
           "month", "0..1", M.CHINA_PRESSURE),
    Output("coop_ROK_JPN", "ROK-Japan cooperation", "ROK-Japan cooperation level", "0..1",
           source=(FROM_STATE, M.COOP)),
    Output("coop_ROK_US", "ROK-US cooperation", "ROK-US alliance cooperation level", "0..1",
           source=(FROM_STATE, M.COOP + 1)),
    Output("coop_JPN_US", "Japan-US cooperation", "Japan-US alliance cooperation level", "0..1",
           source=(FROM_STATE, M.COOP + 2)),
    Output("trilateral", "Trilateral cooperation index", "harmonic mean of the three pairwise "
           "cooperation levels", "index 0..1", source=(TRILATERAL, 0)),
    Output("us_coercion", "US pressure", "US coercion this month (scheduled or a player's)",
           "0..1", source=(FROM_TRACE, M.US_COERCION)),
    Output("china_coercion", "Chinese coercion", "baseline Chinese coercion this month", "0..1",
           source=(FROM_TRACE, M.CHINA_COERCION)),
    Output("us_commitment", "US commitment", "US commitment (credibility) to its allies", "0..1",
           source=(FROM_TRACE, M.US_COMMITMENT)),
    Output("launches", "North Korean launches", "North Korean launches this month", "count",
           source=(FROM_TRACE, M.LAUNCHES), **COUNT),
    *_pair("steps", "{adj} steps", "steps {who}'s leader took this month", "count", M.STEPS,
           FROM_TRACE, **COUNT),
    *_pair("reversals", "{adj} reversals", "steps {who}'s leader withdrew this month", "count",
           M.REVERSALS, FROM_TRACE, **COUNT),
    *_pair("leader", "{adj} leader in office", "{who}'s leader in office (1 = the leader at "
           "month 0)", "number", M.LEADER, FROM_INT_STATE, **COUNT),
    *_pair("baseline", "{adj} approval baseline", "the approval the {adj} leader drifts "
           "to: moves with shocks, scandals and a new leader's fading honeymoon", "share 0..1",
           M.BASELINE),
    *_pair("stance", "{adj} leader's stance", "the {adj} leader's stance toward the partner",
           "-1 hostile .. +1 friendly", M.STANCE, lo=-1.0, hi=1.0),
    *_pair("resentment", "{adj} resentment of US pressure", "public resentment of US "
           "pressure in {who}", "0..1", M.RESENTMENT),
    *_pair("perceived_commitment", "US commitment as {who} sees it", "US commitment as "
           "perceived by {who}, after signals aimed at it", "0..1", M.PERCEIVED),
    Output("depth", "Institutional depth", "depth of ROK-Japan cooperation built by joint "
           "activity after the steps", "0..1", source=(FROM_STATE, M.DEPTH)),
    Output("institutionalised", "Institutionalised", "1 once trilateral cooperation is "
           "institutionalised", "0/1", source=(INSTITUTIONALISED, 0), **COUNT),
    Output("collapsed", "Collapsed", "1 once institutionalised cooperation has collapsed", "0/1",
           source=(COLLAPSED, 0), **COUNT),
)  # fmt: skip

MONTHLY_VARS: tuple[str, ...] = tuple(o.name for o in MONTHLY)
MONTHLY_BY_NAME: dict[str, Output] = {o.name: o for o in MONTHLY}
#: (V, 2) where each monthly value comes from: (kind, column).
RECORD_SOURCES = np.array([o.source for o in MONTHLY], dtype=np.int64)

NEVER_TEXT = f"{M.NEVER} (never)"
MONTH_UNIT = "month (0 = the start month)"

#: Per-run summary variables, in order.
SUMMARY: tuple[Output, ...] = (
    Output("final_trilateral", "Final trilateral index", "trilateral index at the horizon", "index 0..1"),
    Output("max_trilateral", "Highest trilateral index", "highest trilateral index in any month", "index 0..1"),
    Output("final_coop_ROK_JPN", "Final ROK-Japan cooperation", "at the horizon", "0..1"),
    Output("final_coop_ROK_US", "Final ROK-US cooperation", "at the horizon", "0..1"),
    Output("final_coop_JPN_US", "Final Japan-US cooperation", "at the horizon", "0..1"),
    Output("final_approval_ROK", "Final ROK approval", "ROK leader's approval at the horizon", "share 0..1"),
    Output("final_approval_JPN", "Final Japanese approval", "Japanese leader's approval at the horizon", "share 0..1"),
    Output("final_alignment_ROK", "Final ROK alignment", "at the horizon", "-1..+1", lo=-1.0),
    Output("final_alignment_JPN", "Final Japanese alignment", "at the horizon", "-1..+1", lo=-1.0),
    Output("inst_month", "Month institutionalised", "month trilateral cooperation was institutionalised",
           MONTH_UNIT, integer=True, missing=NEVER_TEXT),
    Output("collapse_month", "Month collapsed", "month institutionalised cooperation collapsed",
           MONTH_UNIT, integer=True, missing=NEVER_TEXT),
    Output("institutionalised", "Institutionalised", "institutionalised by the horizon", "true/false"),
    Output("collapsed", "Collapsed", "collapsed by the horizon", "true/false"),
    Output("durable", "Durable", "institutionalised and not collapsed by the horizon", "true/false"),
    Output("steps_ROK", "ROK steps", "steps the ROK's leaders took", "count", integer=True),
    Output("steps_JPN", "Japanese steps", "steps Japan's leaders took", "count", integer=True),
    Output("reversals_ROK", "ROK reversals", "steps the ROK's leaders withdrew", "count", integer=True),
    Output("reversals_JPN", "Japanese reversals", "steps Japan's leaders withdrew", "count", integer=True),
    Output("leaders_ROK", "ROK leaders", "ROK leaders in office over the run", "count", integer=True),
    Output("leaders_JPN", "Japanese leaders", "Japanese leaders in office over the run", "count", integer=True),
    Output("first_step_month_ROK", "ROK's first step", "month of the ROK's first own step",
           MONTH_UNIT, integer=True, missing=NEVER_TEXT),
    Output("first_step_month_JPN", "Japan's first step", "month of Japan's first own step",
           MONTH_UNIT, integer=True, missing=NEVER_TEXT),
    Output("first_mover", "First mover", "who took the first own step: 0 ROK, 1 JPN, 2 both in the "
           "same month", "code", integer=True, missing=f"{M.NEVER} (no own step)"),
    Output("final_depth", "Final institutional depth", "at the horizon", "0..1"),
    Output("hostile_successor_ROK", "Hostile ROK leader", "a ROK leader hostile to Japan "
           "(stance < 0) held office during the run", "true/false"),
    Output("hostile_successor_JPN", "Hostile Japanese leader", "a Japanese leader hostile to "
           "the ROK (stance < 0) held office during the run", "true/false"),
    Output("turnover_month_ROK", "ROK's first turnover", "month the ROK's first leader left "
           "office (term end, early exit or a scheduled change)", MONTH_UNIT, integer=True,
           missing=NEVER_TEXT),
    Output("turnover_month_JPN", "Japan's first turnover", "month Japan's first leader left "
           "office (LDP replacement, early exit or a scheduled change)", MONTH_UNIT,
           integer=True, missing=NEVER_TEXT),
)  # fmt: skip
SUMMARY_VARS: tuple[str, ...] = tuple(o.name for o in SUMMARY)
#: first_mover's codes.
FIRST_MOVER = {M.NEVER: "none", 0: "ROK", 1: "JPN", 2: "both"}


def summarise(state: M.State) -> dict[str, Arr]:
    """Per-run outcome summary from the final state, keyed and ordered as ``SUMMARY_VARS``."""
    f, i = state.floats, state.ints
    coop = f[:, M.COOP : M.COOP + 3]
    inst = i[:, M.INST_MONTH]
    coll = i[:, M.COLLAPSE_MONTH]
    first_rok = _earliest(state.first_month, _OWN_STEPS[0])
    first_jpn = _earliest(state.first_month, _OWN_STEPS[1])
    first_mover = np.where(
        (first_rok < 0) & (first_jpn < 0),
        M.NEVER,
        np.where(
            first_jpn < 0,
            0,
            np.where(
                first_rok < 0,
                1,
                np.where(first_rok < first_jpn, 0, np.where(first_jpn < first_rok, 1, 2)),
            ),
        ),
    )
    out = {
        "final_trilateral": R.trilateral_index(coop[:, 0], coop[:, 1], coop[:, 2]),
        "max_trilateral": f[:, M.TRI_MAX].copy(),
        "final_coop_ROK_JPN": coop[:, 0].copy(),
        "final_coop_ROK_US": coop[:, 1].copy(),
        "final_coop_JPN_US": coop[:, 2].copy(),
        "final_approval_ROK": f[:, M.APPROVAL].copy(),
        "final_approval_JPN": f[:, M.APPROVAL + 1].copy(),
        "final_alignment_ROK": f[:, M.ALIGNMENT].copy(),
        "final_alignment_JPN": f[:, M.ALIGNMENT + 1].copy(),
        "inst_month": inst.copy(),
        "collapse_month": coll.copy(),
        "institutionalised": inst >= 0,
        "collapsed": coll >= 0,
        "durable": (inst >= 0) & (coll < 0),
        "steps_ROK": i[:, M.N_STEPS_TAKEN].copy(),
        "steps_JPN": i[:, M.N_STEPS_TAKEN + 1].copy(),
        "reversals_ROK": i[:, M.N_REVERSALS].copy(),
        "reversals_JPN": i[:, M.N_REVERSALS + 1].copy(),
        "leaders_ROK": i[:, M.LEADER].copy(),
        "leaders_JPN": i[:, M.LEADER + 1].copy(),
        "first_step_month_ROK": first_rok,
        "first_step_month_JPN": first_jpn,
        "first_mover": first_mover,
        "final_depth": f[:, M.DEPTH].copy(),
        "hostile_successor_ROK": i[:, M.HOSTILE] != 0,
        "hostile_successor_JPN": i[:, M.HOSTILE + 1] != 0,
        "turnover_month_ROK": i[:, M.TURNOVER_MONTH].copy(),
        "turnover_month_JPN": i[:, M.TURNOVER_MONTH + 1].copy(),
    }
    assert tuple(out) == SUMMARY_VARS
    return out


#: Each democracy's own steps (not the joint ones): the ladder's columns its first step is among.
_OWN_STEPS = tuple(
    tuple(k for k, step in enumerate(S.LADDER) if step.owner == owner) for owner in ("ROK", "JPN")
)


def _earliest(months: Arr, columns: tuple[int, ...]) -> Arr:
    """Row-wise minimum of ``months`` (R, K) over ``columns``, counting months that happened
    (>= 0); NEVER if none did. (A column at a time: a minimum along a short last axis is slow.)"""
    big = np.iinfo(np.int64).max
    best = np.full(months.shape[0], big, dtype=np.int64)
    for k in columns:
        col = months[:, k]
        np.minimum(best, np.where(col >= 0, col, big), out=best)
    return np.where(best == big, M.NEVER, best)
