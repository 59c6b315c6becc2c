"""The time-split check inside 2022-23: fit on the record up to February 2023, score the rest.

The calibration (``sim.validation.calibration.calibrate``) is run twice with the same particles,
acceptance share and seed: on the record up to :data:`SPLIT_CUTOFF` (28 February 2023, month 6 of
the hindcast: the visa steps and the first five polls; the institution is then only known not to
have come by month 6) and on the whole record (the in-sample reference, the fit of
``alignsim calibrate``). Each fit's accepted sample drives an ensemble of the hindcast scenario as
the calibrated validation ensemble does (the fitted parameters from the accepted sample, the other
uncertain parameters from their priors). Both are scored on the part of the record after the
cutoff (March - August 2023): the polls, the steps and the month of the institution.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from sim.validation import calibration as C
from sim.validation import history as H
from sim.validation import scores as V

#: The time-split's cutoff: the record up to the end of February 2023.
SPLIT_CUTOFF = dt.date(2023, 2, 28)


def later_part(scores: dict[str, Any], window: int) -> dict[str, Any]:
    """The scores of an ensemble (``sim.validation.scores.score_all``) restricted to the record
    after month ``window``: polls, steps, the institution month."""
    polls = [p for p in scores["approval"]["polls"] if p["month"] > window]
    steps = [s for s in scores["step_order"]["steps"] if s["record_month"] > window]
    inst = scores["institution"]
    inside = (
        inst["q05"] is not None
        and inst["q05"] <= inst["record_month"]
        and (inst["q95"] is None or inst["record_month"] <= inst["q95"])
    )
    errs = np.array([p["error"] for p in polls], dtype=float)
    return {
        "window": window,
        "polls": polls,
        "polls_inside_90": int(sum(bool(p["inside_90"]) for p in polls)),
        "polls_scored": len(polls),
        "poll_mean_abs_error": float(np.mean(np.abs(errs))) if polls else None,
        "steps": steps,
        "steps_mean_share_by_record_month": (
            float(np.mean([s["share_by_record_month"] for s in steps])) if steps else None
        ),
        "institution": inst,
        "institution_inside_90": bool(inside),
    }


def fit_and_score(
    scenario: Any,
    cutoff: dt.date | None,
    particles: int,
    accept: float,
    seed: int,
    runs: int,
    seeds_per_draw: int,
    out: Path,
    label: str,
) -> dict[str, Any]:
    """Fit on the record up to ``cutoff`` (None: the whole record), write the accepted sample to
    ``out/timesplit_<label>_posterior.csv``, run the ensemble it drives and score it."""
    from sim.experiments.uncertainty import resolve

    fit = C.calibrate(scenario, particles=particles, accept=accept, seed=seed, cutoff=cutoff)
    out.mkdir(parents=True, exist_ok=True)
    sample = out / f"timesplit_{label}_posterior.csv"
    C.posterior_sample(fit).to_csv(sample, index=False)
    u = resolve("posterior", seeds_per_draw, (), seed, (), sample=sample)
    ens = V.run_ensemble(scenario, seed, runs, uncertainty=u)
    tgt = V.record_targets(H.load_history())
    return {
        "label": label,
        "settings": fit.settings,
        "observed": fit.observed,
        "posterior": fit.posterior.to_dict("records"),
        "scores": V.score_all(ens, tgt),
    }


def run_time_split(
    scenario: Any,
    particles: int,
    accept: float,
    seed: int,
    runs: int,
    seeds_per_draw: int,
    out: Path,
    cutoff: dt.date = SPLIT_CUTOFF,
) -> dict[str, Any]:
    """Both fits (up to ``cutoff``, and the whole record), each scored on the record after the
    cutoff. Every number comes from the fits and the runs."""
    window = C.cutoff_window(cutoff, scenario.start)
    split = fit_and_score(scenario, cutoff, particles, accept, seed, runs, seeds_per_draw, out,
                          "split")  # fmt: skip
    full = fit_and_score(scenario, None, particles, accept, seed, runs, seeds_per_draw, out,
                         "full")  # fmt: skip
    assert split["settings"]["record_last_date"] <= cutoff.isoformat()
    return {
        "cutoff": cutoff.isoformat(),
        "window": window,
        "particles": particles,
        "accept": accept,
        "seed": seed,
        "runs": runs,
        "seeds_per_draw": seeds_per_draw,
        "split": {**split, "later": later_part(split["scores"], window)},
        "full": {**full, "later": later_part(full["scores"], window)},
    }
