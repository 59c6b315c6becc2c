"""Calibration of the free parameters the record can inform, by ABC rejection.

Method (approximate Bayesian computation, rejection sampler; Pritchard et al. 1999, Beaumont et
al. 2002):

1. Draw N parameter vectors from independent uniform priors over plausible ranges
   (:data:`FREE`: the priors of ``sim.core.priors.PRIORS`` for the parameters of
   :data:`INFORMED_BY`, inside each parameter's declared range) with a Latin hypercube
   (``scipy.stats.qmc.LatinHypercube``, seeded).
2. Simulate one hindcast run per vector with the array engine (``varying=``; run i uses
   replication i, so the whole fit is a pure function of the seed).
3. Reduce each run to summary statistics (:func:`run_statistics`) and compare them with the same
   statistics of the record (:func:`observed_statistics`): the month of Japan's first step; how
   many months later the ROK's first own step follows (negative: the ROK moves first); the month
   of the institution; the number of the record's steps taken by the
   institution month; the root-mean-square error of each leader's approval at the dated polls.
4. Scale each statistic's discrepancy by its spread across the prior predictive runs (median
   absolute deviation), and accept the fraction ``accept`` of runs closest to the record
   (Euclidean distance). The accepted vectors are a sample of the approximate posterior.
5. The calibrated scenario takes each parameter's posterior median.

Identifiability: a parameter is *identified* when its posterior 90% interval is less than half as
wide as its prior's, *weakly identified* below 80%, otherwise *not identified* by these data.

The calibration never sees the record after :data:`sim.validation.history.CALIBRATION_CUTOFF`: the record is
loaded with that cutoff, :func:`observed_statistics` refuses any later row, and a later cutoff is
refused. Nor does it see anything before :data:`sim.validation.history.RECORD_START`: the
out-of-sample episodes (``data/history/episode_*.csv``, e.g. 2015-2019) are not loaded with the
record, and :func:`calibration_record` and :func:`observed_statistics` refuse any older row.

An earlier cutoff fits the same statistics to the part of the record before it (the time-split
check, ``sim.validation.timesplit``): when the cutoff falls before the institution, the record is
censored at the cutoff's month W (``sim.validation.scores.record_targets(window=W)``): the
institution statistic becomes "not by month W" (each run's month capped at W + 1), the steps are
counted by month W and the polls up to month W.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from sim.core.params import PARAM_FIELDS, Scenario, param_info
from sim.core.priors import PRIORS, Prior
from sim.errors import UserError
from sim.validation import history as H
from sim.validation import scores as V

Arr = npt.NDArray[Any]


#: What in the record informs each fitted parameter (the parameters the calibration fits).
INFORMED_BY: dict[str, str] = {
    "concession_cost_scale": "approval cost of steps: the polls around steps",
    "reciprocity_credit": "approval earned by reciprocated steps: the polls",
    "rok_approval_baseline": "where Yoon's approval drifts: the ROK polls",
    "jpn_approval_baseline": "where Kishida's approval drifts: the NHK polls",
    "approval_drift": "speed of the drift: the polls' recovery",
    "motivation_threshold": "who moves and when: first steps",
    "incentive_coop_rate": "trust built without steps: pace of the ladder",
    "coop_decay": "trust lost without lock-in: pace of the ladder",
    "small_step_interval": "months between own steps: pace of the ladder",
    "trust_gain_scale": "trust each step brings: pace of trust, institution month",
    "approval_volatility": "month-to-month changes of the polls",
}

#: The free parameters and their priors (``sim.core.priors.PRIORS``, where every prior is
#: declared once): the parameters of :data:`INFORMED_BY`, in the order of PRIORS.
FREE: tuple[Prior, ...] = tuple(p for p in PRIORS if p.name in INFORMED_BY)

STATISTICS = (
    "first_month_JPN",
    "rok_lag",
    "inst_month",
    "steps_by_inst",
    "rmse_ROK",
    "rmse_JPN",
)


def check_cutoff(cutoff: str | dt.date | None) -> dt.date:
    """The cutoff to use: at most :data:`sim.validation.history.CALIBRATION_CUTOFF`."""
    if cutoff is None:
        return H.CALIBRATION_CUTOFF
    c = cutoff if isinstance(cutoff, dt.date) else None
    if c is None:
        try:
            c = H.parse_date(str(cutoff))
        except ValueError:
            raise UserError(
                "not a date", key="--cutoff", expected="YYYY-MM-DD", found=cutoff
            ) from None
    if c > H.CALIBRATION_CUTOFF:
        raise UserError(
            "the calibration may not see the record after August 2023",
            key="--cutoff",
            expected=f"a date on or before {H.CALIBRATION_CUTOFF.isoformat()}",
            found=c.isoformat(),
        )
    return c


def calibration_record(
    directory: str | Path | None = None, cutoff: str | dt.date | None = None
) -> pd.DataFrame:
    """The record as the calibration may see it: the record of 2022-23 (no out-of-sample
    episode) and nothing after the cutoff.

    Raises:
        ValueError: if a row predates :data:`sim.validation.history.RECORD_START` (a file of an
            earlier episode not named ``episode_*``).
    """
    c = check_cutoff(cutoff)
    record = H.load_history(directory, cutoff=c)
    assert all(d <= c for d in record["date"])
    early = [d for d in record["date"] if d < H.RECORD_START]
    if early:
        raise ValueError(f"the calibration record holds data before {H.RECORD_START}: {min(early)}")
    return record


def cutoff_window(cutoff: dt.date, start: str = "2022-08") -> int:
    """The last model month a record cut at ``cutoff`` covers in full (the month of the cutoff
    when it is the calendar month's last day, else the month before)."""
    m = H.model_month(cutoff, start)
    return m if (cutoff + dt.timedelta(days=1)).month != cutoff.month else m - 1


def observed_statistics(
    record: pd.DataFrame, start: str = "2022-08", cutoff: dt.date = H.CALIBRATION_CUTOFF
) -> tuple[dict[str, float], V.RecordTargets]:
    """The record's summary statistics (same definitions as :func:`run_statistics`).

    Raises:
        ValueError: if the record holds any row after ``cutoff`` or before
            :data:`sim.validation.history.RECORD_START`.
    """
    late = [d for d in record["date"] if d > cutoff]
    if late:
        raise ValueError(f"the calibration record holds data after {cutoff}: {max(late)}")
    early = [d for d in record["date"] if d < H.RECORD_START]
    if early:
        raise ValueError(f"the calibration record holds data before {H.RECORD_START}: {min(early)}")
    tgt = V.record_targets(record, start, window=cutoff_window(cutoff, start))
    obs = {
        "first_month_JPN": float(tgt.first_step_month["JPN"]),
        "rok_lag": float(tgt.first_step_month["ROK"] - tgt.first_step_month["JPN"]),
        "inst_month": float(tgt.inst_month + 1 if tgt.censored else tgt.inst_month),
        "steps_by_inst": float(sum(s.month <= tgt.inst_month for s in tgt.steps)),
        "rmse_ROK": 0.0,
        "rmse_JPN": 0.0,
    }
    return obs, tgt


def run_statistics(ens: V.Ensemble, tgt: V.RecordTargets) -> dict[str, Arr]:
    """Each run's summary statistics, shape (R,) each (never = after the horizon)."""
    after = ens.months + 1
    idx = [V.STEP_INDEX[s.name] for s in tgt.steps]
    ftm = ens.first_taken_month[:, idx]
    first = {
        a: np.where(ens.first_step_month[a] >= 0, ens.first_step_month[a], after).astype(float)
        for a in ("ROK", "JPN")
    }
    inst = np.where(ens.inst_month >= 0, ens.inst_month, after).astype(float)
    if tgt.censored:  # the record only says "not by month W": so is every run
        inst = np.minimum(inst, tgt.inst_month + 1)
    out: dict[str, Arr] = {
        "first_month_JPN": first["JPN"],
        "rok_lag": first["ROK"] - first["JPN"],
        "inst_month": inst,
        "steps_by_inst": ((ftm >= 0) & (ftm <= tgt.inst_month)).sum(axis=1).astype(float),
    }
    for actor in ("ROK", "JPN"):
        polls = [p for p in tgt.polls if p.actor == actor and p.month <= ens.months]
        err = np.stack([ens.approval[actor][:, p.month] - p.value for p in polls], axis=1)
        out[f"rmse_{actor}"] = np.sqrt(np.mean(err**2, axis=1))
    return out


def prior_sample(n: int, seed: int) -> dict[str, Arr]:
    """n draws from the priors of :data:`FREE` (Latin hypercube, seeded)."""
    from scipy.stats import qmc

    u = qmc.LatinHypercube(d=len(FREE), seed=np.random.default_rng(seed)).random(n)
    out = {}
    for j, f in enumerate(FREE):
        if f.integer:
            out[f.name] = np.floor(f.lo + u[:, j] * (f.hi - f.lo + 1)).clip(f.lo, f.hi)
        else:
            out[f.name] = f.lo + u[:, j] * (f.hi - f.lo)
    return out


@dataclass
class CalibrationResult:
    draws: pd.DataFrame  # every particle: parameters, statistics, distance, accepted
    observed: dict[str, float]
    scales: dict[str, float]
    posterior: pd.DataFrame  # per parameter: prior and posterior summaries, identifiability
    point: dict[str, float]  # calibrated values (posterior medians)
    settings: dict[str, Any]


def _identifiability(ratio: float) -> str:
    if ratio < 0.5:
        return "identified"
    if ratio < 0.8:
        return "weakly identified"
    return "not identified"


def calibrate(
    scenario: Scenario,
    particles: int = 50_000,
    accept: float = 0.01,
    seed: int = 1,
    history_dir: str | Path | None = None,
    cutoff: str | dt.date | None = None,
    chunk: int = 10_000,
    progress: Any = None,
) -> CalibrationResult:
    """ABC rejection fit of :data:`FREE` to the record up to the cutoff (see module docstring).

    ``progress``: a :class:`sim.experiments.progress.Progress` over the particles, or None."""
    if particles < 10:
        raise UserError("too few particles", key="--particles", expected="at least 10",
                        found=particles)  # fmt: skip
    if not 0 < accept <= 1:
        raise UserError("out of range", key="--accept", expected="a share in (0, 1]", found=accept)
    c = check_cutoff(cutoff)
    record = calibration_record(history_dir, c)
    obs, tgt = observed_statistics(record, scenario.start, c)
    from sim.engines.batch import simulate

    theta = prior_sample(particles, seed)
    stats: dict[str, list[Arr]] = {k: [] for k in STATISTICS}
    months = max(scenario.months, tgt.inst_month + 6)
    for a in range(0, particles, chunk):
        b = min(a + chunk, particles)
        res = simulate(
            scenario,
            seed,
            np.arange(a, b),
            months=months,
            varying={k: v[a:b] for k, v in theta.items()},
            keep_monthly=True,
        )
        st = run_statistics(V.ensemble_from_batch(res, months), tgt)
        for k in STATISTICS:
            stats[k].append(st[k])
        if progress is not None:
            progress.advance(b - a)
    S = {k: np.concatenate(v) for k, v in stats.items()}
    scales = {}
    for k in STATISTICS:
        mad = float(np.median(np.abs(S[k] - np.median(S[k]))))
        scales[k] = mad if mad > 0 else float(np.std(S[k])) or 1.0
    dist = np.sqrt(sum(((S[k] - obs[k]) / scales[k]) ** 2 for k in STATISTICS))
    n_acc = max(int(round(accept * particles)), 2)
    order = np.argsort(dist, kind="stable")
    accepted = np.zeros(particles, dtype=bool)
    accepted[order[:n_acc]] = True
    draws = pd.DataFrame({**theta, **S, "distance": dist, "accepted": accepted})
    rows = []
    point: dict[str, float] = {}
    post = draws[draws["accepted"]]
    for f in FREE:
        x = post[f.name].to_numpy()
        p05, p50, p95 = np.quantile(x, [0.05, 0.5, 0.95])
        prior_width = 0.9 * (f.hi - f.lo) if not f.integer else (f.hi - f.lo)
        width = float(p95 - p05)
        ratio = width / prior_width if prior_width > 0 else 0.0
        value = float(np.round(p50)) if f.integer else float(p50)
        point[f.name] = value
        rows.append(
            {
                "parameter": f.name,
                "default": float(param_info(f.name)["default"]),
                "prior_lo": f.lo,
                "prior_hi": f.hi,
                "posterior_median": float(p50),
                "posterior_q05": float(p05),
                "posterior_q95": float(p95),
                "calibrated": value,
                "width_ratio": ratio,
                "identifiability": _identifiability(ratio),
                "why": INFORMED_BY[f.name],
            }
        )
    settings = {
        "method": "ABC rejection (Latin hypercube prior sample, MAD-scaled Euclidean distance)",
        "particles": particles,
        "accept": accept,
        "accepted": n_acc,
        "seed": seed,
        "cutoff": c.isoformat(),
        "record_rows": len(record),
        "record_last_date": max(record["date"]).isoformat(),
        "months": months,
        "scenario": scenario.name,
        "max_distance_accepted": float(dist[order[n_acc - 1]]),
    }
    return CalibrationResult(draws, obs, scales, pd.DataFrame(rows), point, settings)


def posterior_sample(result: CalibrationResult) -> pd.DataFrame:
    """The accepted sample (the approximate posterior): one row per accepted particle, closest
    to the record first, with every fitted parameter and the distance. Batches and validation
    ensembles draw from it with ``[uncertainty] parameters = "posterior"``."""
    acc = result.draws[result.draws["accepted"]]
    acc = acc.sort_values("distance", kind="stable")
    return acc[[f.name for f in FREE] + ["distance"]].reset_index(drop=True)


def posterior_correlations(result: CalibrationResult, top: int = 5) -> list[tuple[str, str, float]]:
    """The strongest pairwise correlations in the accepted sample (trade-offs the data leave)."""
    post = result.draws[result.draws["accepted"]][[f.name for f in FREE]]
    corr = post.corr().to_numpy()
    names = list(post.columns)
    pairs = [
        (names[i], names[j], float(corr[i, j]))
        for i in range(len(names))
        for j in range(i + 1, len(names))
        if np.isfinite(corr[i, j])
    ]
    return sorted(pairs, key=lambda t: -abs(t[2]))[:top]


def reachability(result: CalibrationResult) -> dict[str, float]:
    """Share of prior-predictive runs matching the record, per statistic (see the docs)."""
    out = {}
    for k in STATISTICS:
        x = result.draws[k].to_numpy()
        if k.startswith("rmse"):
            out[k] = float(np.mean(x < 0.02))
        else:
            out[k] = float(np.mean(x == result.observed[k]))
    return out


def calibrated_toml(result: CalibrationResult, extends: str, command: str) -> str:
    """The calibrated scenario file: extends the hindcast, overrides the fitted parameters."""
    lines = [
        "# Generated by `" + command + "`: do not edit by hand (see docs/CALIBRATION.md).",
        f"# {result.settings['method']}; {result.settings['particles']} particles, "
        f"{result.settings['accepted']} accepted; record up to {result.settings['cutoff']}.",
        'name = "calibrated"',
        'description = "Hindcast with the parameters fitted to the record of Aug 2022 - Aug 2023 '
        '(posterior medians, ABC)"',
        f'extends = "{extends}"',
        "",
        "[params]",
    ]
    for row in result.posterior.to_dict("records"):
        name = str(row["parameter"])
        value = result.point[name]
        text = str(int(value)) if PARAM_FIELDS[name].metadata["integer"] else f"{value:.4g}"
        lines.append(
            f"{name} = {text}  # 90% posterior [{row['posterior_q05']:.3g}, "
            f"{row['posterior_q95']:.3g}]: {row['identifiability']}"
        )
    return "\n".join(lines) + "\n"


def calibration_markdown(
    result: CalibrationResult, command: str, version: str, fit_check: dict[str, Any] | None
) -> str:
    """docs/CALIBRATION.md from a calibration result."""
    s = result.settings
    L = [
        "# Calibration",
        "",
        f"*Generated by `{command}` (alignsim {version}). Do not edit by hand: every number below "
        "comes from the fit.*",
        "",
        "## Method",
        "",
        f"{s['method']}, as documented in `sim/validation/calibration.py`: {s['particles']} parameter "
        f"vectors drawn from uniform priors, one hindcast run of {s['months']} months each (root "
        f"seed {s['seed']}), the {s['accepted']} runs ({100 * s['accept']:g}%) closest to the "
        "record accepted as the approximate posterior. The calibrated scenario "
        "(`scenarios/calibrated.toml`) takes each parameter's posterior median.",
        "",
        f"The calibration saw {s['record_rows']} rows of the record, the last dated "
        f"{s['record_last_date']}; the cutoff is {s['cutoff']} and enforced in code "
        "(`sim.validation.calibration.check_cutoff`, `observed_statistics`; tested in "
        "`tests/validation/test_calibration.py`).",
        "",
        "## Statistics matched",
        "",
        "| Statistic | Record | Scale (prior predictive MAD) |",
        "|---|---|---|",
    ]
    for k in STATISTICS:
        L.append(f"| {k} | {result.observed[k]:g} | {result.scales[k]:.3g} |")
    L += [
        "",
        "## Parameters: which the data identify and which they do not",
        "",
        "A parameter is identified when its posterior 90% interval is less than half as wide as "
        "its prior's, weakly identified below 80%, otherwise not identified by these data.",
        "",
        "| Parameter | Default | Prior | Posterior median | 90% posterior | Width ratio | "
        "Verdict | What informs it |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in result.posterior.to_dict("records"):
        L.append(
            f"| `{r['parameter']}` | {r['default']:g} | [{r['prior_lo']:g}, {r['prior_hi']:g}] | "
            f"{r['posterior_median']:.3g} | [{r['posterior_q05']:.3g}, {r['posterior_q95']:.3g}] "
            f"| {r['width_ratio']:.2f} | {r['identifiability']} | {r['why']} |"
        )
    ident = [r["parameter"] for r in result.posterior.to_dict("records")]
    verdict = dict(zip(ident, result.posterior["identifiability"], strict=True))
    L += [
        "",
        "Identified: "
        + (", ".join(f"`{p}`" for p, v in verdict.items() if v == "identified") or "none")
        + ". Weakly identified: "
        + (", ".join(f"`{p}`" for p, v in verdict.items() if v == "weakly identified") or "none")
        + ". Not identified: "
        + (", ".join(f"`{p}`" for p, v in verdict.items() if v == "not identified") or "none")
        + ". Parameters not listed were not fitted and keep their defaults.",
        "",
        "## What the model can reach",
        "",
        "Share of all prior-predictive runs whose statistic equals the record's (integer "
        "statistics) or whose approval error is below 2 points: a share near zero means no "
        "parameter value in the priors reproduces that feature, so the mechanics, not the "
        "parameters, are what stands between the model and the record.",
        "",
        "| Statistic | Record | Share of prior runs matching |",
        "|---|---|---|",
        *[
            f"| {k} | {result.observed[k]:g} | {100 * reach:.2f}% |"
            for k, reach in reachability(result).items()
        ],
        "",
        "Strongest correlations in the posterior sample (trade-offs the data cannot separate):",
        "",
    ]
    for a, b, corr in posterior_correlations(result):
        L.append(f"- `{a}` and `{b}`: {corr:+.2f}")
    acc = result.draws[result.draws["accepted"]]
    L += [
        "",
        "## Fit of the accepted runs",
        "",
        "| Statistic | Record | Accepted runs: median | Accepted: 5-95% | All prior runs: median |",
        "|---|---|---|---|---|",
    ]
    for k in STATISTICS:
        q = np.quantile(acc[k], [0.05, 0.5, 0.95])
        L.append(
            f"| {k} | {result.observed[k]:g} | {q[1]:.3g} | {q[0]:.3g}-{q[2]:.3g} | "
            f"{float(np.median(result.draws[k])):.3g} |"
        )
    if fit_check:
        L += [
            "",
            "## The calibrated scenario's headline scores (in-sample)",
            "",
            f"From {fit_check['runs']} runs of `scenarios/calibrated.toml` (seed "
            f"{fit_check['seed']}). The full comparison is in [VALIDATION.md](VALIDATION.md).",
            "",
            "| Metric | Value |",
            "|---|---|",
        ]
        for k, v in fit_check["headline"].items():
            L.append(f"| {k} | {v:.3g} |" if isinstance(v, float) else f"| {k} | {v} |")
    L += [
        "",
        "## Caveats",
        "",
        "- One history is a small sample: a posterior this wide is what the record allows, and "
        "the calibrated point is one choice within it.",
        "- The fit is in-sample: the record after August 2023 was not used. Out of sample, "
        "[VALIDATION.md](VALIDATION.md) scores the calibrated model, never refitted, on the "
        "December 2015 agreement and its unravelling (2015-2019), and checks a time split "
        "inside 2022-23 (a fit to the record up to February 2023 scored on March - August "
        "2023).",
        "- ABC rejection with one run per particle mixes parameter uncertainty with the model's "
        "own randomness; the acceptance share trades bias against variance.",
        "",
    ]
    return "\n".join(L)
