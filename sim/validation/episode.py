"""An out-of-sample episode: the December 2015 agreement on the "comfort women" issue and its
unravelling (December 2015 - November 2019), scored with the model calibrated on 2022-23.

The record of the episode is ``data/history/episode_2015_*.csv`` (same format and checks as the
record of 2022-23, never seen by the calibration: ``sim.validation.history.load_history`` leaves
``episode_*`` files out unless asked for one). The scenario is ``scenarios/episode_2015_2019.toml``
(month 0 = December 2015): the leaders' strategies, the initial conditions the record gives and
the exogenous facts (the 2016 scandal, the change of president in May 2017) are inputs; the
unravelling (reversals, the GSOMIA crisis, the trade measures, ties at their lowest) is not
scheduled, and is what the scores below ask the model to reproduce.

:func:`run_episode` runs an ensemble with the compiled month (the same kernels as
``sim.engines.batch.simulate``, driven month by month so that the steps in force and the steps
each leader withdrew are kept for every month: the batch result keeps only the first month each
step was taken). Each score is a pure function of an :class:`EpisodeEnsemble` and the
:class:`EpisodeTargets`, so tests can feed hand-made ensembles with known answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from sim.core.steps import STEP_INDEX
from sim.validation import history as H
from sim.validation.scores import poll_row

Arr = npt.NDArray[Any]

#: The episode's name in ``data/history/episode_<NAME>_*.csv``.
EPISODE = "2015"
#: Its scenario (``scenarios/episode_2015_2019.toml``) and month 0.
SCENARIO = "episode_2015_2019"
START = "2015-12"
#: Polls whose note carries this mark set a scenario input (an initial condition, the size of a
#: scheduled shock): they are shown, but not scored as out-of-sample.
INPUT_MARK = "[scenario input]"
#: Central interval reported for bands.
BAND = (0.05, 0.95)
#: Share of runs at which the record's outcome counts as the ensemble's usual outcome.
MAJORITY = 0.5

GB = STEP_INDEX["grand_bargain"]
GSOMIA = STEP_INDEX["gsomia_normalised"]
CURBS = STEP_INDEX["export_curbs_lifted"]
WL_JPN = STEP_INDEX["whitelist_jpn"]
WL_ROK = STEP_INDEX["whitelist_rok"]


@dataclass(frozen=True)
class EpisodePoll:
    actor: str
    date: dt.date
    month: int
    value: float
    source: str
    scored: bool  # False: the poll set a scenario input (see INPUT_MARK)


@dataclass(frozen=True)
class EpisodeTargets:
    """What the episode's record says, in model months (month 0 = ``start``)."""

    start: str
    bargain: int  # the agreement (28 Dec 2015)
    bargain_withdrawn: int  # the foundation's dissolution announced (21 Nov 2018)
    leader_change: int  # the new ROK president (May 2017)
    gsomia_taken: int  # GSOMIA signed (23 Nov 2016)
    gsomia_withdrawn: int  # Seoul's notice not to renew (22 Aug 2019)
    gsomia_suspended: int  # the termination suspended (22 Nov 2019)
    jpn_trade_withdrawn: int  # Japan's first trade measure (export controls, 1 Jul 2019)
    rok_whitelist_withdrawn: int  # Seoul removes Japan from its white list (12 Aug 2019)
    mid_2019: int  # June 2019: "by mid-2019"
    year_2019: int  # January 2019: first month of the last year
    end: int  # the last month of the record (November 2019)
    first_reverser: str  # who withdrew a step first in the record
    polls: tuple[EpisodePoll, ...]
    facts: int


def _first_month(ev: pd.DataFrame, name: str, start: str) -> int:
    rows = ev[ev["name"] == name]
    if rows.empty:
        raise ValueError(f"the episode's record has no '{name}' event")
    return H.model_month(min(rows["date"]), start)


def episode_record(directory: str | Path | None = None) -> pd.DataFrame:
    """The episode's record (``data/history/episode_2015_*.csv``), checked by the loader."""
    return H.load_history(directory, episode=EPISODE)


def episode_targets(record: pd.DataFrame, start: str = START) -> EpisodeTargets:
    """The scoring targets of the episode's record.

    Raises:
        ValueError: if a key event of the episode is missing.
    """
    ev = H.events(record)
    withdrawals = ev[ev["name"].str.endswith("_withdrawn")]
    if withdrawals.empty:
        raise ValueError("the episode's record has no withdrawn step")
    first = withdrawals[withdrawals["date"] == min(withdrawals["date"])]
    sides = set(first["actor"])
    polls = tuple(
        EpisodePoll(
            str(r["actor"]),
            r["date"],
            H.model_month(r["date"], start),
            float(r["value"]),
            str(r["source"]),
            INPUT_MARK not in str(r["note"]),
        )
        for r in H.polls(record).to_dict("records")
    )
    jpn_trade = min(
        _first_month(ev, n, start)
        for n in ("export_curbs_lifted_withdrawn", "whitelist_jpn_withdrawn")
    )
    return EpisodeTargets(
        start=start,
        bargain=_first_month(ev, "grand_bargain", start),
        bargain_withdrawn=_first_month(ev, "grand_bargain_withdrawn", start),
        leader_change=_first_month(ev, "leader_change", start),
        gsomia_taken=_first_month(ev, "gsomia_normalised", start),
        gsomia_withdrawn=_first_month(ev, "gsomia_normalised_withdrawn", start),
        gsomia_suspended=_first_month(ev, "gsomia_termination_suspended", start),
        jpn_trade_withdrawn=jpn_trade,
        rok_whitelist_withdrawn=_first_month(ev, "whitelist_rok_withdrawn", start),
        mid_2019=H.model_month(dt.date(2019, 6, 30), start),
        year_2019=H.model_month(dt.date(2019, 1, 1), start),
        end=H.model_month(max(record["date"]), start),
        first_reverser=sides.pop() if len(sides) == 1 else "both",
        polls=polls,
        facts=len(record),
    )


@dataclass
class EpisodeEnsemble:
    """What the episode's scores need from R runs over months 0..M."""

    months: int
    in_force: Arr  # (R, M + 1) the steps in force at the end of each month (a mask)
    withdrawn: Arr  # (R, M + 1, 2) the steps the ROK (0) and Japan (1) withdrew each month
    first_taken_month: Arr  # (R, K) -1 never
    approval: dict[str, Arr]  # actor -> (R, M + 1)
    coop: Arr  # (R, M + 1) ROK-Japan cooperation
    leader_rok: Arr  # (R, M + 1) the ROK leader in office (1 = the leader at month 0)
    hostile_rok: Arr  # (R,) a ROK leader hostile to Japan held office
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def runs(self) -> int:
        return int(self.coop.shape[0])


def run_episode(
    scenario: Any, seed: int, runs: int, uncertainty: Any = None, compiled: bool = True
) -> EpisodeEnsemble:
    """Run ``runs`` replications of the episode's scenario and keep what the scores need.

    The runs are ``sim.engines.batch.simulate``'s, whose ``on_state`` hook keeps each month's
    steps in force and withdrawals; ``uncertainty`` draws parameters as the validation ensembles do
    (replication r takes draw r // seeds_per_draw; None: the scenario's values).
    """
    from sim.core import month as M
    from sim.core import outputs as O
    from sim.engines.batch import simulate

    reps = np.arange(runs, dtype=np.int64)
    drawn = uncertainty.values(reps) if uncertainty is not None else {}
    horizon = M.world_of(scenario).months
    col = {name: i for i, name in enumerate(O.MONTHLY_VARS)}
    in_force = np.zeros((runs, horizon + 1), dtype=np.int64)
    withdrawn = np.zeros((runs, horizon + 1, 2), dtype=np.int64)

    def keep(month: int, state: M.State, trace: M.Trace) -> None:
        in_force[:, month] = state.ints[:, M.TAKEN]
        if month > 0:
            withdrawn[:, month] = trace.ints[:, M.WITHDRAWN : M.WITHDRAWN + 2]

    res = simulate(scenario, seed, reps, varying=drawn or None, keep_monthly=True,
                   compiled=compiled, on_state=keep)  # fmt: skip
    monthly, summary = res.monthly, res.summary
    assert monthly is not None
    ens = EpisodeEnsemble(
        months=horizon,
        in_force=in_force,
        withdrawn=withdrawn,
        first_taken_month=res.first_taken_month,
        approval={a: monthly[:, :, col[f"approval_{a}"]] for a in ("ROK", "JPN")},
        coop=monthly[:, :, col["coop_ROK_JPN"]],
        leader_rok=monthly[:, :, col["leader_ROK"]],
        hostile_rok=np.asarray(summary["hostile_successor_ROK"], dtype=bool),
        meta={"monthly": monthly, "summary": summary},
    )
    if drawn:
        ens.meta["uncertainty"] = uncertainty.record()
    return ens


# ------------------------------------------------------------------------------------ scores


def _has(masks: Arr, k: int) -> Arr:
    return (np.asarray(masks, dtype=np.int64) >> k) & 1 == 1


def first_withdrawal(ens: EpisodeEnsemble, k: int, side: int | None = None) -> Arr:
    """(R,) the first month step k was withdrawn (by ``side``: 0 ROK, 1 Japan; None: either),
    -1 if never."""
    w = ens.withdrawn if side is None else ens.withdrawn[:, :, side : side + 1]
    hit = _has(w, k).any(axis=2)
    return np.where(hit.any(axis=1), hit.argmax(axis=1), -1)


def _share(x: Arr) -> float:
    return float(np.mean(x)) if np.size(x) else float("nan")


def _conditional(x: Arr, given: Arr) -> float | None:
    return float(np.mean(x[given])) if given.any() else None


def _quantiles(x: Arr) -> tuple[float, float, float]:
    lo, mid, hi = np.quantile(x, [BAND[0], 0.5, BAND[1]], method="inverted_cdf")
    return float(lo), float(mid), float(hi)


def score_bargain(ens: EpisodeEnsemble, tgt: EpisodeTargets) -> dict[str, Any]:
    """Whether the grand bargain is struck at the start: the record's agreement (28 Dec 2015)
    falls in the last days of month 0, so the model's first decision month (1) is "the start"."""
    ftm = ens.first_taken_month[:, GB]
    before_change = (ftm >= 1) & (ftm < tgt.leader_change)
    return {
        "record_month": tgt.bargain,
        "share_month_1": _share(ftm == 1),
        "share_by_month_3": _share((ftm >= 1) & (ftm <= 3)),
        "share_before_leader_change": _share(before_change),
        "share_ever": _share(ftm >= 0),
        "median_month_when_struck": float(np.median(ftm[ftm >= 0])) if (ftm >= 0).any() else None,
    }


def score_reversal(ens: EpisodeEnsemble, tgt: EpisodeTargets) -> dict[str, Any]:
    """Whether the bargain is withdrawn (by either leader, and by the ROK's successor), by the
    foundation's dissolution (Nov 2018) and by the end of the record (Nov 2019)."""
    struck = ens.first_taken_month[:, GB] >= 0
    rev = first_withdrawal(ens, GB)
    rev_rok = first_withdrawal(ens, GB, 0)
    successor = rev_rok >= tgt.leader_change
    by_diss = (rev >= 0) & (rev <= tgt.bargain_withdrawn)
    by_end = (rev >= 0) & (rev <= tgt.end)
    hostile = ens.hostile_rok
    months = rev[by_end]
    return {
        "record_month": tgt.bargain_withdrawn,
        "end": tgt.end,
        "share_by_dissolution": _share(by_diss),
        "share_by_end": _share(by_end),
        "share_by_end_if_struck": _conditional(by_end, struck),
        "share_by_successor_by_end": _share(successor & (rev_rok <= tgt.end)),
        "share_by_jpn_by_end": _share(
            (first_withdrawal(ens, GB, 1) >= 0) & (first_withdrawal(ens, GB, 1) <= tgt.end)
        ),  # fmt: skip
        "share_by_end_hostile_successor": _conditional(by_end, hostile),
        "share_by_end_other_successor": _conditional(by_end, ~hostile),
        "share_hostile_successor": _share(hostile),
        "median_month_when_withdrawn": float(np.median(months)) if months.size else None,
    }


def score_cooperation(ens: EpisodeEnsemble, tgt: EpisodeTargets) -> dict[str, Any]:
    """ROK-Japan cooperation against its December 2015 level, and when it is lowest."""
    c0 = ens.coop[:, 0]
    mid = min(tgt.mid_2019, ens.months)
    end = min(tgt.end, ens.months)
    low = ens.coop[:, 1 : end + 1].argmin(axis=1) + 1
    at = {m: _quantiles(ens.coop[:, m]) for m in sorted({0, 1, tgt.leader_change, tgt.bargain_withdrawn, mid, end}) if m <= ens.months}  # fmt: skip
    return {
        "mid_2019_month": mid,
        "share_below_start_by_mid_2019": _share(ens.coop[:, mid] < c0),
        "share_below_start_at_end": _share(ens.coop[:, end] < c0),
        "share_lowest_in_2019": _share(low >= tgt.year_2019),
        "median_month_lowest": float(np.median(low)),
        "quantiles_at": {int(m): q for m, q in at.items()},
    }


def score_gsomia(ens: EpisodeEnsemble, tgt: EpisodeTargets) -> dict[str, Any]:
    """GSOMIA taken (record: Nov 2016) and withdrawn (record: notice Aug 2019, suspended Nov
    2019, so it never lapsed)."""
    ftm = ens.first_taken_month[:, GSOMIA]
    taken = ftm >= 0
    wd = first_withdrawal(ens, GSOMIA)
    by_end = (wd >= 0) & (wd <= tgt.end)
    end = min(tgt.end, ens.months)
    return {
        "record_taken_month": tgt.gsomia_taken,
        "record_withdrawn_month": tgt.gsomia_withdrawn,
        "share_taken_by_record_month": _share(taken & (ftm <= tgt.gsomia_taken)),
        "share_taken_ever": _share(taken),
        "median_month_taken": float(np.median(ftm[taken])) if taken.any() else None,
        "share_withdrawn_by_end": _share(by_end),
        "share_withdrawn_in_2019": _share((wd >= tgt.year_2019) & (wd <= tgt.end)),
        "share_in_force_at_end": _share(_has(ens.in_force[:, end], GSOMIA)),
        "median_month_withdrawn": float(np.median(wd[by_end])) if by_end.any() else None,
    }


def score_trade(ens: EpisodeEnsemble, tgt: EpisodeTargets) -> dict[str, Any]:
    """The trade steps withdrawn: Japan's (export curbs, white list; record: Jul-Aug 2019) and
    the ROK's white list (record: Aug-Sep 2019). In the model these steps are in force only if
    taken (the bargain bundles them), so a withdrawal needs them taken first."""
    first_jpn = np.full(ens.runs, -1)
    for k in (CURBS, WL_JPN):
        m = first_withdrawal(ens, k, 1)
        first_jpn = np.where((m >= 0) & ((first_jpn < 0) | (m < first_jpn)), m, first_jpn)
    rok_wl = first_withdrawal(ens, WL_ROK, 0)
    return {
        "record_jpn_month": tgt.jpn_trade_withdrawn,
        "record_rok_whitelist_month": tgt.rok_whitelist_withdrawn,
        "share_jpn_by_record_month_plus_1": _share(
            (first_jpn >= 0) & (first_jpn <= tgt.jpn_trade_withdrawn + 1)
        ),
        "share_jpn_by_end": _share((first_jpn >= 0) & (first_jpn <= tgt.end)),
        "share_rok_whitelist_by_end": _share((rok_wl >= 0) & (rok_wl <= tgt.end)),
        "share_trade_steps_in_force_at_start": _share(
            _has(ens.in_force[:, min(3, ens.months)], CURBS)
        ),
    }


def score_first_reverser(ens: EpisodeEnsemble, tgt: EpisodeTargets) -> dict[str, Any]:
    """Who withdraws a step first (record: the ROK, Nov 2018, before Japan, Jul 2019)."""
    end = min(tgt.end, ens.months)
    any_wd = ens.withdrawn[:, 1 : end + 1] != 0  # (R, M, 2)
    month_of = [
        np.where(any_wd[:, :, d].any(axis=1), any_wd[:, :, d].argmax(axis=1) + 1, -1)
        for d in (0, 1)
    ]
    rok, jpn = month_of
    code = np.where(
        (rok < 0) & (jpn < 0),
        "none",
        np.where(jpn < 0, "ROK", np.where(rok < 0, "JPN",
                 np.where(rok < jpn, "ROK", np.where(jpn < rok, "JPN", "both"))))
    )  # fmt: skip
    shares = {s: _share(code == s) for s in ("ROK", "JPN", "both", "none")}
    return {
        "record": tgt.first_reverser,
        "shares": shares,
        "modal": max(shares, key=lambda s: shares[s]),
    }


def score_polls(ens: EpisodeEnsemble, tgt: EpisodeTargets) -> dict[str, Any]:
    """Each leader's approval at the dated polls (the model month of their calendar month)."""
    rows: list[dict[str, Any]] = []
    for p in tgt.polls:
        if not 0 <= p.month <= ens.months:
            continue
        row = poll_row(p, ens.approval[p.actor][:, p.month])
        rows.append({**row, "scored": p.scored and p.month >= 1})
    summary: dict[str, dict[str, Any]] = {}
    for actor in ("ROK", "JPN"):
        sel = [r for r in rows if r["actor"] == actor and r["scored"]]
        errs = np.array([r["error"] for r in sel], dtype=float)
        summary[actor] = {
            "polls": len(sel),
            "inside_90": int(sum(bool(r["inside_90"]) for r in sel)),
            "mean_abs_error": float(np.mean(np.abs(errs))) if len(sel) else None,
            "mean_error": float(np.mean(errs)) if len(sel) else None,
        }
    return {"polls": rows, "summary": summary}


def score_episode(ens: EpisodeEnsemble, tgt: EpisodeTargets) -> dict[str, Any]:
    """Every score of the episode."""
    return {
        "runs": ens.runs,
        "months": ens.months,
        "meta": {k: v for k, v in ens.meta.items() if k not in ("monthly", "summary")},
        "bargain": score_bargain(ens, tgt),
        "reversal": score_reversal(ens, tgt),
        "cooperation": score_cooperation(ens, tgt),
        "gsomia": score_gsomia(ens, tgt),
        "trade": score_trade(ens, tgt),
        "first_reverser": score_first_reverser(ens, tgt),
        "approval": score_polls(ens, tgt),
    }


#: Criteria for calling an episode check "reproduced" (printed next to the verdicts).
CRITERIA = {
    "bargain": "the bargain is struck in month 1 (January 2016, the model's first decision month "
    "after the agreement of 28 December 2015) in at least half the runs",
    "reversal_dissolution": "the bargain has been withdrawn by the record's month of the "
    "foundation's dissolution (November 2018) in at least half the runs",
    "reversal_end": "the bargain has been withdrawn by November 2019 in at least half the runs",
    "cooperation": "ROK-Japan cooperation is below its December 2015 level in June 2019 in at "
    "least half the runs",
    "gsomia_taken": "GSOMIA is in force by November 2016 in at least half the runs",
    "gsomia_withdrawn": "GSOMIA has been withdrawn by November 2019 in at least half the runs "
    "(the record's notice of August 2019 counts, though the termination was suspended)",
    "trade": "Japan withdraws a trade step (export curbs lifted, white list) by August 2019 in "
    "at least half the runs",
    "first_reverser": "the record's first side to withdraw a step (the ROK) is the ensemble's most "
    "common first reverser",
    "approval": "at least two thirds of a leader's out-of-sample polls lie inside the 90% band",
}

LABELS = {
    "bargain": "Grand bargain struck at the start",
    "reversal_dissolution": "Bargain withdrawn by the foundation's dissolution (Nov 2018)",
    "reversal_end": "Bargain withdrawn by Nov 2019",
    "cooperation": "ROK-Japan cooperation below its Dec 2015 level by mid-2019",
    "gsomia_taken": "GSOMIA in force by Nov 2016",
    "gsomia_withdrawn": "GSOMIA withdrawn by Nov 2019",
    "trade": "Japan withdraws a trade step by Aug 2019",
    "first_reverser": "The ROK withdraws a step first",
    "approval_ROK": "ROK leaders' approval at the polls",
    "approval_JPN": "Japanese leader's approval at the polls",
}


def pct(x: float | None, digits: int = 1) -> str:
    return "n/a" if x is None else f"{100 * x:.{digits}f}%"


def verdicts(s: dict[str, Any]) -> dict[str, tuple[bool, str]]:
    """(reproduced?, one-line evidence) for each episode check, by :data:`CRITERIA`."""
    b, r, c, g, t, f = (s[k] for k in ("bargain", "reversal", "cooperation", "gsomia", "trade",
                                       "first_reverser"))  # fmt: skip
    med_taken = "n/a" if g["median_month_taken"] is None else f"{g['median_month_taken']:g}"
    out = {
        "bargain": (
            b["share_month_1"] >= MAJORITY,
            f"struck in month 1 in {pct(b['share_month_1'])} of runs, by month 3 in "
            f"{pct(b['share_by_month_3'])}, before the change of president in "
            f"{pct(b['share_before_leader_change'])}",
        ),
        "reversal_dissolution": (
            r["share_by_dissolution"] >= MAJORITY,
            f"withdrawn by month {r['record_month']} in {pct(r['share_by_dissolution'])} of runs",
        ),
        "reversal_end": (
            r["share_by_end"] >= MAJORITY,
            f"withdrawn by month {r['end']} in {pct(r['share_by_end'])} of runs "
            f"({pct(r['share_by_end_if_struck'])} of the runs that struck it); by the ROK's "
            f"successor in {pct(r['share_by_successor_by_end'])}; with a successor hostile to "
            f"Japan {pct(r['share_by_end_hostile_successor'])}, otherwise "
            f"{pct(r['share_by_end_other_successor'])} (hostile successor in "
            f"{pct(r['share_hostile_successor'])} of runs)",
        ),
        "cooperation": (
            c["share_below_start_by_mid_2019"] >= MAJORITY,
            f"below the December 2015 level in month {c['mid_2019_month']} in "
            f"{pct(c['share_below_start_by_mid_2019'])} of runs; lowest in 2019 in "
            f"{pct(c['share_lowest_in_2019'])}",
        ),
        "gsomia_taken": (
            g["share_taken_by_record_month"] >= MAJORITY,
            f"in force by month {g['record_taken_month']} in "
            f"{pct(g['share_taken_by_record_month'])} of runs (median month taken {med_taken})",
        ),
        "gsomia_withdrawn": (
            g["share_withdrawn_by_end"] >= MAJORITY,
            f"withdrawn by month {s['reversal']['end']} in {pct(g['share_withdrawn_by_end'])} of "
            f"runs, in 2019 in {pct(g['share_withdrawn_in_2019'])}",
        ),
        "trade": (
            t["share_jpn_by_record_month_plus_1"] >= MAJORITY,
            f"Japan withdraws one by month {t['record_jpn_month'] + 1} in "
            f"{pct(t['share_jpn_by_record_month_plus_1'])} of runs, by month {s['reversal']['end']} "
            f"in {pct(t['share_jpn_by_end'])}; the ROK withdraws its white-list step in "
            f"{pct(t['share_rok_whitelist_by_end'])}",
        ),
        "first_reverser": (
            f["modal"] == f["record"],
            f"record: {f['record']}; first reverser ROK in {pct(f['shares']['ROK'])}, Japan in "
            f"{pct(f['shares']['JPN'])}, both in the same month in {pct(f['shares']['both'])}, "
            f"no reversal in {pct(f['shares']['none'])} of runs",
        ),
    }
    for actor in ("ROK", "JPN"):
        a = s["approval"]["summary"][actor]
        mae = a["mean_abs_error"]
        out[f"approval_{actor}"] = (
            a["polls"] > 0 and a["inside_90"] * 3 >= a["polls"] * 2,
            f"{a['inside_90']} of {a['polls']} out-of-sample polls inside the 90% band; mean "
            f"absolute error of the median {'n/a' if mae is None else f'{100 * mae:.1f}'} points",
        )
    return out
