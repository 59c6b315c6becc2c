"""Priors of the parameters the record cannot identify, and reproducible draws from them.

Every ensemble has two sources of uncertainty: the draws within a run (the seeds: launches,
flashpoints, coercion episodes, poll noise) and the parameters that one history of thirteen
months cannot pin down. :data:`PRIORS` declares the second: one uniform prior per parameter,
over a plausible range inside the parameter's declared range (``sim.core.params``), with a line
saying what leaves it unidentified. The calibration (``sim.validation.calibration``) fits the
first ten of them to the record and takes its priors from here; batches and the validation
ensembles draw all of them unless an experiment pins them (docs/UNCERTAINTY.md).

Draws are counter-based, as the month's random numbers are (``sim.core.rng``): the value of
parameter ``name`` in draw ``j`` is a pure function of (seed, j, name). So draw j is the same
vector at every design point (paired contrasts), the draws do not depend on how many there are,
on chunking or on the order of runs, and adding a prior does not change the others' draws.

The core is pure: this module does no I/O and keeps no random state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from sim.core import rng

Arr = npt.NDArray[Any]


@dataclass(frozen=True)
class Prior:
    """A uniform prior on [lo, hi] for one declared parameter (whole numbers when ``integer``:
    every whole number in [lo, hi] equally likely); ``why``: what leaves it unidentified."""

    name: str
    lo: float
    hi: float
    why: str
    integer: bool = False


#: The parameters the record cannot identify, each with its prior. The first ten are the ones
#: the calibration fits (it reads their priors from here); a new mechanism's parameter is one
#: more line.
PRIORS: tuple[Prior, ...] = (
    Prior("concession_cost_scale", 0.2, 3.0, "a dozen steps in two leaders' polls, which move for many other reasons"),
    Prior("reciprocity_credit", 0.0, 0.03, "the polls cannot tell credit for reciprocity from drift and other news"),
    Prior("rok_approval_baseline", 0.20, 0.50, "one president's thirteen months of polls; a successor's level is unknown"),
    Prior("jpn_approval_baseline", 0.30, 0.60, "one prime minister's thirteen months of polls; a successor's level is unknown"),
    Prior("approval_drift", 0.02, 0.40, "few events to recover from, and the recovery trades off against the baseline"),
    Prior("motivation_threshold", 0.0, 2.0, "who moved first and when is a single observation"),
    Prior("incentive_coop_rate", 0.0, 0.05, "trust is not observed, only the order and timing of steps"),
    Prior("coop_decay", 0.0, 0.15, "no erosion of unanchored trust was observed in the window"),
    Prior("small_step_interval", 1, 4, "one pair of leaders' pace in one year", True),
    Prior("trust_gain_scale", 0.4, 1.5, "one institution month, traded off against the other pace parameters"),
    Prior("us_backlash_tolerance", 0.3, 1.0, "US pressure never rose to open resentment in the record (1.0: no backlash)"),
    Prior("us_backlash_cost", 0.0, 0.1, "no backlash episode in the record to size it"),
    Prior("us_backlash_step_mult", 0.0, 4.0, "no step was taken under resented US pressure in the record"),
    Prior("cha_symmetry_weight", 0.0, 1.0, "abandonment fears are not measured; Cha's mechanism rests on case studies"),
    Prior("commitment_effect", -0.5, 1.0, "the literature disagrees on its sign (Cha 1999 against the 2024 re-test)"),
    Prior("pressure_incentive_weight", 0.0, 1.2, "US pressure barely varied in the window, so its effect cannot be separated"),
    Prior("initiative_margin", 0.0, 0.2, "who moved first is a single observation"),
    Prior("china_leverage", 0.5, 4.0, "alignment is not measured monthly; one coercion episode in the window"),
    Prior("china_backlash", 0.0, 0.6, "one coercion episode (the visa suspension) and no measured response of opinion"),
    Prior("lock_in", 0.2, 1.5, "the institution formed at the end of the window; its staying power is unobserved"),
    Prior("reversal_trust_penalty", 0.5, 3.0, "no step was reversed in the window (the 2015 agreement is one earlier case)"),
    Prior("reversal_approval_credit", 0.0, 1.0, "no step was reversed in the window"),
    Prior("institution_threshold", 0.55, 0.70, "the trilateral index is a model construct: Camp David dates the crossing, not the level"),
    Prior("approval_volatility", 0.0, 0.04, "seven pairs of polls, whose changes the model's own dynamics also explain (the estimate 0.027 is an upper bound)"),
    # the second version's mechanisms: each range includes the mechanism's neutral setting
    Prior("baseline_reversion", 0.02, 1.0, "one honeymoon's end (mid-2022) is in the record; 1: the baseline never moves"),
    Prior("scandal_rate", 0.0, 0.03, "one scandal that ended a presidency in a decade (2016)"),
    Prior("early_exit_rate", 0.0, 0.3, "one impeachment (2016-17) in the modern record"),
    Prior("rok_opposition_prob", 0.0, 0.8, "a handful of presidential elections"),
    Prior("opposition_stance_shift", 0.0, 1.5, "stance toward Japan is not measured"),
    Prior("stance_motivation_weight", 0.0, 0.6, "stance is not measured"),
    Prior("deepening_rate", 0.0, 0.1, "the institution formed at the end of the window; its growth is unobserved"),
    Prior("depth_anchor", 0.0, 0.6, "the institution formed at the end of the window"),
    Prior("exit_cost_depth", 0.0, 0.1, "no exit from a deep institution in the record"),
    Prior("exit_cost_base", 0.0, 0.03, "no reversal in the window; audience costs are not measured"),
    Prior("reversal_weight", 0.0, 2.0, "no reversal in the window (the 2018 case is one earlier episode)"),
    Prior("hardline_reversal_weight", 1.0, 10.0, "no hardline leader in the window"),
    Prior("resentment_rate", 0.0, 0.3, "no resented US pressure in the record"),
    Prior("resentment_motivation_weight", 0.0, 1.0, "no resented US pressure in the record"),
    Prior("china_cost_weight", 0.0, 2.0, "one coercion episode in the window"),
    Prior("china_hardening", 0.0, 0.6, "opinion toward China is not in the record"),
    Prior("bargain_value", 0.1, 0.6, "two bargains in a decade (2015, 2023), by leaders at different approval"),
    Prior("bargain_risk_weight", 0.0, 4.0, "how leaders weigh losing office is not observed"),
    Prior("alignment_motivation_weight", 0.0, 0.6, "alignment is not measured monthly"),
    Prior("ally_signal_rate", 0.0, 0.06, "US signals aimed at one ally are not coded in the record"),
)  # fmt: skip

#: The stream of the parameter draws (the month's streams have other names).
DRAW_STREAM = "parameter_draw"
#: The stream that picks a row of an accepted posterior sample for each draw.
POSTERIOR_STREAM = "posterior_row"


def prior_names(priors: Sequence[Prior] = PRIORS) -> tuple[str, ...]:
    """The parameters of ``priors``, in order."""
    return tuple(p.name for p in priors)


def uncertain_names(priors: Sequence[Prior], fixed: Iterable[str]) -> tuple[str, ...]:
    """The drawn parameters: those of ``priors`` minus ``fixed`` (the parameters an experiment
    sets as factors and those a caller pins), in the order of ``priors``."""
    skip = set(fixed)
    return tuple(p.name for p in priors if p.name not in skip)


def prior_problems(priors: Sequence[Prior], declared: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """What is wrong with ``priors`` against the parameter declarations (name -> its metadata,
    as ``sim.core.params.param_info``): an undeclared or repeated name, an empty range, a range
    outside the declared one, an ``integer`` flag that differs from the declaration."""
    out = []
    seen: set[str] = set()
    for p in priors:
        if p.name in seen:
            out.append(f"{p.name}: declared twice")
        seen.add(p.name)
        if p.name not in declared:
            out.append(f"{p.name}: not a declared parameter")
            continue
        d = declared[p.name]
        if not p.lo < p.hi:
            out.append(f"{p.name}: empty prior [{p.lo}, {p.hi}]")
        if not (d["lo"] <= p.lo and p.hi <= d["hi"]):
            out.append(
                f"{p.name}: prior [{p.lo}, {p.hi}] outside its declared [{d['lo']}, {d['hi']}]"
            )
        if bool(d["integer"]) != p.integer:
            out.append(
                f"{p.name}: integer is {p.integer}, the declaration says {bool(d['integer'])}"
            )
        if not p.why.strip():
            out.append(f"{p.name}: no reason given")
    return out


def _keys(seed: int, draws: npt.ArrayLike) -> Arr:
    """One key per draw index, shape (n, 1): the hash of (seed, the draw stream, draw index)."""
    idx = np.asarray(draws, dtype=np.int64).reshape(-1)
    if idx.size and idx.min() < 0:
        raise ValueError("draw indices must be non-negative")
    keys: Arr = rng.run_keys(seed, idx)
    return keys


def uniforms(seed: int, draws: npt.ArrayLike, stream: str) -> Arr:
    """The uniform numbers in [0, 1) of ``stream`` for the draw indices ``draws``, shape (n,)."""
    u: Arr = rng.uniform(_keys(seed, draws), 0, f"{DRAW_STREAM}:{stream}")[:, 0]
    return u


def scale(prior: Prior, u: Arr) -> Arr:
    """Uniform numbers in [0, 1) mapped onto a prior: lo + u (hi - lo), or for a whole-number
    parameter lo + floor(u (hi - lo + 1)), every whole number in [lo, hi] equally likely."""
    if prior.integer:
        lo, hi = int(prior.lo), int(prior.hi)
        out: Arr = np.minimum(lo + np.floor(u * (hi - lo + 1)), hi)
        return out
    scaled: Arr = prior.lo + u * (prior.hi - prior.lo)
    return scaled


def draws_at(priors: Sequence[Prior], seed: int, draws: npt.ArrayLike) -> dict[str, Arr]:
    """Each prior's value in the draws with indices ``draws``: name -> (n,) float array.

    The value of a parameter in draw j depends on (seed, j, the parameter's name) only.
    """
    return {p.name: scale(p, uniforms(seed, draws, p.name)) for p in priors}


def draw_parameters(priors: Sequence[Prior], seed: int, draws: int) -> dict[str, Arr]:
    """Draws 0 .. ``draws`` - 1 of every prior: name -> (draws,) float array."""
    if draws < 0:
        raise ValueError("the number of draws must be non-negative")
    return draws_at(priors, seed, np.arange(draws, dtype=np.int64))


def posterior_rows(seed: int, draws: npt.ArrayLike, rows: int) -> Arr:
    """For each draw index, the row of an accepted posterior sample of ``rows`` rows it takes
    (uniform over the rows, with replacement), shape (n,) int64."""
    if rows < 1:
        raise ValueError("an empty posterior sample")
    u = uniforms(seed, draws, POSTERIOR_STREAM)
    out: Arr = np.minimum(np.floor(u * rows), rows - 1).astype(np.int64)
    return out


def draw_of_replication(replications: npt.ArrayLike, seeds_per_draw: int) -> Arr:
    """The draw index of each replication: replication r uses draw r // ``seeds_per_draw``."""
    if seeds_per_draw < 1:
        raise ValueError("seeds_per_draw must be at least 1")
    out: Arr = np.asarray(replications, dtype=np.int64) // int(seeds_per_draw)
    return out
