"""Designs: factors -> design points -> the scenario each point runs.

A design point is a dict of factor values. The listed factors (value lists and ``levels`` grids)
are crossed as a full factorial, the first factor varying slowest; the sampled factors (ranges
without ``levels``) are drawn together by a sampler and every sampled point is crossed with every
combination of the listed ones. Samplers:

- ``latin``: a Latin hypercube (scipy.stats.qmc), seeded.
- ``sobol``: a scrambled Sobol sequence (scipy.stats.qmc), a power of two of points, seeded.
- ``saltelli``: SALib's Saltelli/Sobol sample for Sobol indices (N x (d + 2), or N x (2d + 2)
  with second-order indices).
- Morris (:func:`morris_experiment`): SALib's Morris trajectories for elementary-effects
  screening, drawn by ``alignsim sensitivity`` over an experiment's sampled factors.

A factor is a parameter (``sim.core.params.PARAM_FIELDS``), a strategy role
(:data:`STRATEGY_FACTORS`) or the scenario itself (:data:`SCENARIO_FACTOR`);
:func:`point_scenario` applies a point's values to the experiment's base scenario.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Sequence
from typing import Any

from sim.core.params import PARAM_FIELDS, Scenario
from sim.experiments.experiment import Experiment, Factor
from sim.scenario import load_scenario_ref
from sim.tomlcheck import check_constraints

#: Factors that set strategies: factor key -> the strategy roles it sets.
STRATEGY_FACTORS = {
    "strategy": ("ROK", "JPN", "ROK_successor", "JPN_successor"),
    "rok_strategy": ("ROK",),
    "jpn_strategy": ("JPN",),
}
#: The factor whose values are scenarios (names or paths) replacing the base scenario.
SCENARIO_FACTOR = "scenario"
#: Samplers of the [sampler] table.
SAMPLERS = ("latin", "sobol", "saltelli")
#: Levels of the Morris grid (SALib's num_levels).
MORRIS_LEVELS = 4


def grid_levels(lo: float, hi: float, n: int, integer: bool) -> list[Any]:
    """``n`` evenly spaced levels from ``lo`` to ``hi``: rounded to whole numbers for an integer
    parameter (the caller checks they stay distinct), else to 12 decimals."""
    grid = [lo + (hi - lo) * i / (n - 1) for i in range(n)]
    if integer:
        return [round(g) for g in grid]
    return [round(g, 12) for g in grid]


def design_rows(exp: Experiment) -> list[dict[str, Any]]:
    """The design points: the listed factors' full factorial, crossed with the sampled points."""
    listed = [f for f in exp.factors if not f.sampled]
    sampled = [f for f in exp.factors if f.sampled]
    samples: list[dict[str, Any]] = [{}]
    if sampled:
        samples = sample_points(exp, sampled)
    return _cross(exp, listed, samples)


def _cross(
    exp: Experiment, listed: Sequence[Factor], samples: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    rows = []
    for combo in itertools.product(*(f.values for f in listed)):
        base = dict(zip((f.key for f in listed), combo, strict=True))
        for s in samples:
            row = {**base, **s}
            rows.append({f.key: row[f.key] for f in exp.factors})
    return rows


def sample_points(exp: Experiment, sampled: Sequence[Factor]) -> list[dict[str, Any]]:
    """The points the experiment's [sampler] draws over the sampled factors' ranges (integer
    parameters rounded and kept inside their range)."""
    import numpy as np

    method, n, seed = exp.sampler["method"], exp.sampler["samples"], exp.sampler["seed"]
    d = len(sampled)
    lo = np.array([f.lo for f in sampled], dtype=float)
    hi = np.array([f.hi for f in sampled], dtype=float)
    if method == "saltelli":
        from SALib.sample import sobol as salib_sobol

        problem = sampling_problem(sampled)
        x = salib_sobol.sample(problem, n, calc_second_order=exp.sampler["second_order"], seed=seed)
    else:
        from scipy.stats import qmc

        if method == "latin":
            u = qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed)).random(n)
        else:
            u = qmc.Sobol(d=d, scramble=True, rng=np.random.default_rng(seed)).random_base2(
                int(math.log2(n))
            )
        x = qmc.scale(u, lo, hi)
    out = []
    for row in np.asarray(x, dtype=float):
        s: dict[str, Any] = {}
        for f, v in zip(sampled, row, strict=True):
            s[f.key] = int(min(max(round(float(v)), f.lo), f.hi)) if f.integer else float(v)
        out.append(s)
    return out


def sampling_problem(sampled: Sequence[Factor]) -> dict[str, Any]:
    """The SALib problem of the sampled factors: their names and [lo, hi] ranges."""
    return {
        "num_vars": len(sampled),
        "names": [f.key for f in sampled],
        "bounds": [[float(f.lo), float(f.hi)] for f in sampled],
    }


def morris_experiment(exp: Experiment, trajectories: int) -> Experiment:
    """The experiment with its design replaced by a Morris design over its sampled factors.

    SALib's Morris sampler draws ``trajectories`` trajectories on a :data:`MORRIS_LEVELS`-level
    grid over the sampled factors' ranges, with a seed derived from the sampler's (seed + 1), and
    every Morris point is crossed with every combination of the listed factors. The name gets
    a ``_morris`` suffix; the design hash follows the new points.
    """
    from SALib.sample import morris as morris_sample

    sampled = [f for f in exp.factors if f.sampled]
    listed = [f for f in exp.factors if not f.sampled]
    problem = sampling_problem(sampled)
    seed = (int(exp.sampler["seed"]) + 1) % 2**32
    x = morris_sample.sample(problem, trajectories, num_levels=MORRIS_LEVELS, seed=seed)
    samples = [{f.key: float(v) for f, v in zip(sampled, xr, strict=True)} for xr in x]
    sampler = {"method": "morris", "trajectories": trajectories, "num_levels": MORRIS_LEVELS,
               "seed": seed}  # fmt: skip
    out = dataclasses.replace(exp, name=f"{exp.name}_morris", sampler=sampler)
    out.design = _cross(exp, listed, samples)
    out.points = [point_scenario(out, r) for r in out.design]
    return out


def point_scenario(exp: Experiment, row: dict[str, Any]) -> Scenario:
    """The scenario a design point runs: the base (or the point's ``scenario``), with the
    point's parameter values and strategies, over the experiment's horizon.

    Raises:
        UserError: the point's parameter values contradict each other.
    """
    sc = exp.base
    if SCENARIO_FACTOR in row:
        sc = load_scenario_ref(exp.path, "factors.scenario", row[SCENARIO_FACTOR])
    params = {k: v for k, v in row.items() if k in PARAM_FIELDS}
    if params:
        sc = sc.with_params(**params)
        check_constraints(exp.path, sc.params, key_prefix="factors: ")
    for key, roles in STRATEGY_FACTORS.items():
        if key in row:
            sc = sc.with_strategies(**{role: row[key] for role in roles})
    return dataclasses.replace(sc, months=exp.months)
