"""Scores of a simulated ensemble against the record of August 2022 to August 2023.

The record (``sim.validation.history``) is turned into :class:`RecordTargets`: who moved first, the dated
steps of the ladder, the month of the Camp David-level institution, the dated approval polls and
the band the ROK leader's approval stayed in. An :class:`Ensemble` holds what the scores need from
R runs (built from the array engine by :func:`ensemble_from_batch`). Each score is a pure function
of the two, so tests can feed hand-made ensembles with known answers:

- :func:`score_first_mover`: which side takes the first own step; share of runs where Japan does;
- :func:`score_step_order`: the order of step types against the record's order (share of the
  record's strictly ordered pairs the run reproduces, ties counted half; Kendall's tau-b);
- :func:`score_institution`: the month of institutionalised trilateral cooperation (median, 90%
  interval, share by the record's month and by month 18);
- :func:`score_approval`: each leader's approval at each dated poll (error of the ensemble median,
  whether the poll lies inside the 90% band);
- :func:`score_steps_in_band`: whether the ROK keeps taking steps while its leader's approval stays
  in the record's band (24-37%).

Dates map to model months by calendar month (:func:`sim.validation.history.model_month`): a poll is compared
with the model month whose calendar label contains its last day of fieldwork. The model is
monthly, so steps taken in the same calendar month are ties.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from sim.core.steps import LADDER, STEP_INDEX, STEP_NAMES
from sim.validation import history as H

Arr = npt.NDArray[Any]
SIDES = {-1: "none", 0: "ROK", 1: "JPN", 2: "both"}
SIDE_CODE = {v: k for k, v in SIDES.items()}
#: Central interval reported for distributions and bands.
BAND = (0.05, 0.95)


@dataclass(frozen=True)
class Poll:
    actor: str
    date: dt.date
    month: int
    value: float
    low: float
    high: float
    source: str


@dataclass(frozen=True)
class RecordStep:
    name: str
    date: dt.date
    month: int
    actor: str


@dataclass(frozen=True)
class RecordTargets:
    """What the record says, in model months (month 0 = ``start``)."""

    start: str
    first_mover: str
    first_step_month: dict[str, int]
    steps: tuple[RecordStep, ...]
    inst_month: int
    polls: tuple[Poll, ...]
    approval_band: tuple[float, float]
    rok_step_months: int
    last_date: dt.date
    #: True when the record was cut before the institution: ``inst_month`` is then the last
    #: month the record covers and the institution is known only not to have come by then.
    censored: bool = False

    @property
    def window(self) -> int:
        """The last month scored (the institution's month)."""
        return self.inst_month


def _rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in table.to_dict("records")]


def record_targets(
    record: pd.DataFrame, start: str = "2022-08", window: int | None = None
) -> RecordTargets:
    """The scoring targets derived from the record table (``sim.validation.history.load_history``).

    ``window``: for a record cut before the institution (the time-split check), the last model
    month it covers; the targets are then censored there (``censored``, ``inst_month`` =
    ``window``). Ignored when the record holds the institution.

    Raises:
        ValueError: if the record lacks the institution event (and no window is given) or any
            ladder step.
    """
    ev = H.events(record)
    inst = ev[ev["name"] == "institutionalised_cooperation"]
    censored = inst.empty
    if censored and window is None:
        raise ValueError("the record has no 'institutionalised_cooperation' event")
    inst_month = int(window) if censored else H.model_month(_rows(inst)[0]["date"], start)  # type: ignore[arg-type]
    on_ladder = ev[ev["name"].isin(list(STEP_INDEX))]
    steps = tuple(
        RecordStep(str(r["name"]), r["date"], H.model_month(r["date"], start), str(r["actor"]))
        for r in _rows(on_ladder)
        if 0 < H.model_month(r["date"], start)
    )
    if not steps:
        raise ValueError("the record has no step of the ladder")
    own = [s for s in steps if s.actor in ("ROK", "JPN")]
    first_date = min(s.date for s in own)
    first_sides = {s.actor for s in own if s.date == first_date}
    first_mover = first_sides.pop() if len(first_sides) == 1 else "both"
    first_step_month = {
        a: min((s.month for s in own if s.actor == a), default=-1) for a in ("ROK", "JPN")
    }
    polls_tab = H.polls(record)
    polls = tuple(
        Poll(
            str(r["actor"]),
            r["date"],
            H.model_month(r["date"], start),
            float(r["value"]),
            float(r["low"]),
            float(r["high"]),
            str(r["source"]),
        )
        for r in _rows(polls_tab)
        if 1 <= H.model_month(r["date"], start) <= inst_month
    )
    rok_window = polls_tab[
        (polls_tab["actor"] == "ROK")
        & np.array([0 <= H.model_month(d, start) <= inst_month for d in polls_tab["date"]])
    ]
    band = (float(rok_window["low"].min()), float(rok_window["high"].max()))
    rok_months = {s.month for s in steps if s.actor in ("ROK", "joint") and s.month <= inst_month}
    return RecordTargets(
        start=start,
        first_mover=first_mover,
        first_step_month=first_step_month,
        steps=steps,
        inst_month=inst_month,
        polls=polls,
        approval_band=band,
        rok_step_months=len(rok_months),
        last_date=max(r["date"] for r in _rows(record)),
        censored=censored,
    )


@dataclass
class Ensemble:
    """What the scores need from R runs over months 0..M."""

    months: int
    first_mover: Arr  # (R,) -1 none, 0 ROK, 1 JPN, 2 both
    first_step_month: dict[str, Arr]  # actor -> (R,) -1 never
    first_taken_month: Arr  # (R, K) -1 never
    inst_month: Arr  # (R,) -1 never
    approval: dict[str, Arr]  # actor -> (R, M + 1)
    steps: dict[str, Arr]  # actor -> (R, M + 1) steps the leader paid for in each month
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def runs(self) -> int:
        return int(self.first_mover.shape[0])


def ensemble_from_batch(result: Any, months: int) -> Ensemble:
    """An :class:`Ensemble` from a :class:`sim.engines.batch.BatchResult` run with ``keep_monthly``."""
    from sim.engines.batch import MONTHLY_VARS

    if result.monthly is None:
        raise ValueError("the batch result has no monthly trajectories (keep_monthly=True)")
    col = {name: i for i, name in enumerate(MONTHLY_VARS)}
    m = result.monthly
    s = result.summary
    return Ensemble(
        months=months,
        first_mover=np.asarray(s["first_mover"]),
        first_step_month={a: np.asarray(s[f"first_step_month_{a}"]) for a in ("ROK", "JPN")},
        first_taken_month=np.asarray(result.first_taken_month),
        inst_month=np.asarray(s["inst_month"]),
        approval={a: m[:, :, col[f"approval_{a}"]] for a in ("ROK", "JPN")},
        steps={a: m[:, :, col[f"steps_{a}"]] for a in ("ROK", "JPN")},
    )


def run_ensemble(
    scenario: Any, seed: int, runs: int, months: int | None = None, uncertainty: Any = None
) -> Ensemble:
    """Run ``runs`` replications of a scenario with the array engine and keep what is scored.

    ``uncertainty``: a :class:`sim.experiments.uncertainty.Uncertainty` whose drawn parameters
    replication r takes from draw r // seeds_per_draw (None: the scenario's values).
    """
    from sim.engines.batch import simulate

    horizon = scenario.months if months is None else int(months)
    reps = np.arange(runs)
    drawn = uncertainty.values(reps) if uncertainty is not None else {}
    res = simulate(scenario, seed, reps, months=horizon, keep_monthly=True,
                   varying=drawn or None)  # fmt: skip
    ens = ensemble_from_batch(res, horizon)
    if drawn:
        ens.meta["uncertainty"] = uncertainty.record()
        ens.meta["draw"] = reps // int(uncertainty.seeds_per_draw)
    return ens


# ------------------------------------------------------------------------------------ scores


def _quantiles(x: Arr) -> tuple[float, float, float]:
    lo, mid, hi = np.quantile(x, [BAND[0], 0.5, BAND[1]], method="inverted_cdf")
    return float(lo), float(mid), float(hi)


def score_first_mover(ens: Ensemble, tgt: RecordTargets) -> dict[str, Any]:
    """Which side takes the first own step (joint steps excluded, as in ``sim.engines.batch``)."""
    shares = {name: float(np.mean(ens.first_mover == code)) for code, name in SIDES.items()}
    modal = max(shares, key=lambda k: shares[k])
    out: dict[str, Any] = {
        "record": tgt.first_mover,
        "shares": shares,
        "share_japan_first": shares["JPN"],
        "share_record_side": shares[tgt.first_mover],
        "modal_side": modal,
        "record_first_step_month": dict(tgt.first_step_month),
    }
    draw = ens.meta.get("draw")
    if draw is not None:  # in what share of the parameter draws is Japan the usual first mover
        jpn = np.asarray(ens.first_mover == 1, dtype=float)
        ids, inverse = np.unique(np.asarray(draw), return_inverse=True)
        per_draw = np.bincount(inverse, weights=jpn) / np.bincount(inverse)
        out["draws"] = int(ids.size)
        out["share_draws_japan_first"] = float(np.mean(per_draw > 0.5))
    for actor in ("ROK", "JPN"):
        m = ens.first_step_month[actor]
        taken = m >= 0
        out[f"median_first_step_month_{actor}"] = (
            float(np.median(m[taken])) if taken.any() else None
        )
        out[f"share_step_taken_{actor}"] = float(np.mean(taken))
    return out


def _months_or_after(first_taken_month: Arr, horizon: int) -> Arr:
    """First-taken months with 'never' placed after the horizon."""
    return np.where(first_taken_month >= 0, first_taken_month, horizon + 1)


def score_step_order(ens: Ensemble, tgt: RecordTargets) -> dict[str, Any]:
    """Order of the record's step types in each run against the record's order.

    For every pair of recorded steps with different dates, a run *matches* the pair if it takes
    them in the same order (a step never taken counts as taken after the horizon); a tie (same
    month) counts half. Kendall's tau-b between the record's dates and the run's months is also
    reported (undefined, and left out, when a run takes every step in the same month).
    """
    from scipy.stats import kendalltau

    idx = np.array([STEP_INDEX[s.name] for s in tgt.steps])
    rec_day = np.array([s.date.toordinal() for s in tgt.steps])
    months = _months_or_after(ens.first_taken_month[:, idx], ens.months)
    i, j = np.triu_indices(len(idx), k=1)
    ordered = rec_day[i] != rec_day[j]
    i, j = i[ordered], j[ordered]
    sign_rec = np.sign(rec_day[j] - rec_day[i])
    sign_run = np.sign(months[:, j] - months[:, i])
    agree = sign_run == sign_rec
    tie = sign_run == 0
    matched = (agree + 0.5 * tie).mean(axis=1)
    strict = agree.mean(axis=1)
    taus = np.array([kendalltau(rec_day, row).statistic for row in months], dtype=float)
    defined = np.isfinite(taus)
    per_step = []
    for s, k in zip(tgt.steps, idx, strict=True):
        ftm = ens.first_taken_month[:, k]
        taken = ftm >= 0
        per_step.append(
            {
                "step": s.name,
                "label": LADDER[k].label,
                "actor": s.actor,
                "record_date": s.date.isoformat(),
                "record_month": s.month,
                "share_taken": float(np.mean(taken)),
                "share_by_record_month": float(np.mean(taken & (ftm <= s.month))),
                "median_month": float(np.median(ftm[taken])) if taken.any() else None,
                "median_month_or_after": float(
                    np.quantile(_months_or_after(ftm, ens.months), 0.5, method="inverted_cdf")
                ),
            }
        )
    return {
        "pairs": int(len(i)),
        "mean_share_pairs_matched": float(matched.mean()),
        "median_share_pairs_matched": float(np.median(matched)),
        "mean_share_pairs_strictly_matched": float(strict.mean()),
        "median_kendall_tau": float(np.median(taus[defined])) if defined.any() else None,
        "share_tau_defined": float(defined.mean()),
        "share_runs_all_pairs_matched": float(np.mean(strict == 1.0)),
        "steps": per_step,
    }


def score_institution(ens: Ensemble, tgt: RecordTargets) -> dict[str, Any]:
    """Month of institutionalised trilateral cooperation against the record's month."""
    inst = ens.inst_month
    reached = inst >= 0
    t = np.where(reached, inst, np.inf).astype(float)
    lo, med, hi = _quantiles(t)

    def fin(x: float) -> float | None:
        return x if np.isfinite(x) else None

    return {
        "record_month": tgt.inst_month,
        "horizon": ens.months,
        "median": fin(med),
        "q05": fin(lo),
        "q95": fin(hi),
        "share_by_record_month": float(np.mean(reached & (inst <= tgt.inst_month))),
        "share_by_month_18": float(np.mean(reached & (inst <= 18))),
        "share_by_horizon": float(np.mean(reached)),
        "share_exact_record_month": float(np.mean(inst == tgt.inst_month)),
        "median_error_months": fin(med - tgt.inst_month),
    }


def poll_row(p: Any, values: Arr) -> dict[str, Any]:
    """A dated poll (``actor``, ``date``, ``month``, ``value``) against the ensemble's approval
    in its month: median, 90% band, error."""
    lo, med, hi = _quantiles(values)
    return {
        "actor": p.actor,
        "date": p.date.isoformat(),
        "month": p.month,
        "poll": p.value,
        "median": med,
        "q05": lo,
        "q95": hi,
        "error": med - p.value,
        "inside_90": bool(lo <= p.value <= hi),
    }


def score_approval(ens: Ensemble, tgt: RecordTargets) -> dict[str, Any]:
    """Each leader's approval at the dated polls: median error, poll inside the 90% band."""
    rows: list[dict[str, Any]] = []
    for p in tgt.polls:
        if p.month > ens.months:
            continue
        rows.append(poll_row(p, ens.approval[p.actor][:, p.month]))
    draw = ens.meta.get("draw")
    if draw is not None:  # how much of each band's width is the parameters, how much the seeds
        from sim.results.uncertainty import decompose

        for r in rows:
            d = decompose(ens.approval[r["actor"]][:, r["month"]], draw)
            r["parametric_share"] = d["parametric_share"]
    summary: dict[str, Any] = {}
    for actor in ("ROK", "JPN"):
        errs = np.array([float(r["error"]) for r in rows if r["actor"] == actor])
        inside = [bool(r["inside_90"]) for r in rows if r["actor"] == actor]
        summary[actor] = {
            "polls": len(errs),
            "mean_abs_error": float(np.mean(np.abs(errs))) if len(errs) else None,
            "rmse": float(np.sqrt(np.mean(errs**2))) if len(errs) else None,
            "mean_error": float(np.mean(errs)) if len(errs) else None,
            "inside_90": int(sum(inside)),
            "share_inside_90": float(np.mean(inside)) if inside else None,
        }
        shares = [r["parametric_share"] for r in rows
                  if r["actor"] == actor and "parametric_share" in r]  # fmt: skip
        if shares and all(x == x for x in shares):
            summary[actor]["mean_parametric_share"] = float(np.mean(shares))
    return {"summary": summary, "polls": rows}


def score_steps_in_band(ens: Ensemble, tgt: RecordTargets) -> dict[str, Any]:
    """Whether ROK steps continue while the ROK leader's approval stays in the record's band.

    Over months 1..W (W = the record's institution month): the share of runs whose ROK approval
    stays inside the band every month; the share in which the ROK takes steps (its own or joint)
    in at least as many distinct months as the record while inside the band; and both together
    (the record's pattern).
    """
    lo, hi = tgt.approval_band
    w = min(tgt.window, ens.months)
    appr = ens.approval["ROK"][:, 1 : w + 1]
    stepped = ens.steps["ROK"][:, 1 : w + 1] > 0
    in_band = (appr >= lo) & (appr <= hi)
    all_in = in_band.all(axis=1)
    months_stepped_in_band = (stepped & in_band).sum(axis=1)
    continue_ = months_stepped_in_band >= tgt.rok_step_months
    return {
        "band": [lo, hi],
        "window_months": w,
        "record_rok_step_months": tgt.rok_step_months,
        "share_months_in_band": float(in_band.mean()),
        "share_runs_always_in_band": float(all_in.mean()),
        "median_rok_step_months": float(np.median(stepped.sum(axis=1))),
        "share_steps_continue_in_band": float(continue_.mean()),
        "share_record_pattern": float((all_in & continue_).mean()),
        "share_runs_below_band": float((appr < lo).any(axis=1).mean()),
        "share_runs_above_band": float((appr > hi).any(axis=1).mean()),
    }


def score_all(ens: Ensemble, tgt: RecordTargets) -> dict[str, Any]:
    """Every score of an ensemble against the record."""
    return {
        "runs": ens.runs,
        "months": ens.months,
        "meta": dict(ens.meta),
        "first_mover": score_first_mover(ens, tgt),
        "step_order": score_step_order(ens, tgt),
        "institution": score_institution(ens, tgt),
        "approval": score_approval(ens, tgt),
        "steps_in_band": score_steps_in_band(ens, tgt),
    }


def headline(scores: dict[str, Any]) -> dict[str, Any]:
    """The headline numbers of :func:`score_all` as one flat dict (metric -> value)."""
    fm, so, inst = scores["first_mover"], scores["step_order"], scores["institution"]
    ap, sb = scores["approval"]["summary"], scores["steps_in_band"]
    return {
        "runs": scores["runs"],
        "share_japan_first": fm["share_japan_first"],
        "share_rok_first": fm["shares"]["ROK"],
        "share_both_first": fm["shares"]["both"],
        "share_no_step": fm["shares"]["none"],
        "order_share_pairs_matched": so["mean_share_pairs_matched"],
        "order_share_pairs_strictly_matched": so["mean_share_pairs_strictly_matched"],
        "order_median_kendall_tau": so["median_kendall_tau"],
        "inst_median_month": inst["median"],
        "inst_q05": inst["q05"],
        "inst_q95": inst["q95"],
        "inst_share_by_record_month": inst["share_by_record_month"],
        "inst_share_by_month_18": inst["share_by_month_18"],
        "approval_ROK_mae": ap["ROK"]["mean_abs_error"],
        "approval_ROK_inside_90": f"{ap['ROK']['inside_90']}/{ap['ROK']['polls']}",
        "approval_JPN_mae": ap["JPN"]["mean_abs_error"],
        "approval_JPN_inside_90": f"{ap['JPN']['inside_90']}/{ap['JPN']['polls']}",
        "rok_share_runs_always_in_band": sb["share_runs_always_in_band"],
        "rok_share_steps_continue_in_band": sb["share_steps_continue_in_band"],
        "rok_share_record_pattern": sb["share_record_pattern"],
    }


def step_names_on_record(tgt: RecordTargets) -> list[str]:
    """The ladder steps the record contains, in the record's order."""
    return [s.name for s in tgt.steps if s.name in STEP_NAMES]
