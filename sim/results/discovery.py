"""Scenario discovery with PRIM (the EMA Workbench's implementation) and extra-trees feature scores.

Scenario discovery asks which regions of the uncertain inputs lead to an outcome of interest
(Bryant & Lempert 2010). The field's standard method is PRIM, the patient rule induction method
(Friedman & Fisher 1999): starting from the box that holds every case, it repeatedly *peels* a
thin slice (``peel_alpha`` of the cases in the box) off one side of one input, the slice whose
removal raises the share of cases of interest the most, until the box would hold less than
``mass_min`` of the cases; then it *pastes* back slices that raise the share again. Every box on
the way is kept: the **peeling trajectory**, from coverage 1 at low density to high density at
low coverage, where

- **coverage** is the share of all cases of interest that fall in the box,
- **density** is the share of the box's cases that are of interest,
- **mass** is the share of all cases that fall in the box,
- **res_dim** is the number of inputs the box restricts.

One box is then chosen from the trajectory (:func:`choose_box`), and each of its limits gets a
**quasi-p-value** (Bryant & Lempert 2010): a one-sided binomial test of whether the box's density
could come from the box with that one limit removed. A small value says the limit matters; a
value near 1 says the limit could be dropped with no loss.

:func:`feature_scores` ranks the inputs for each outcome with extra trees (Geurts et al. 2006;
the EMA Workbench's ``get_ex_feature_scores``, with the defaults of Jaxa-Rozen & Kwakkel 2018).

The EMA Workbench is an optional extra (``pip install -e '.[ema]'``): :func:`load_ema` imports
it, silences what it warns about at import (optional parallel back-ends, pandas deprecations)
and turns its absence into a :class:`sim.errors.UserError` with the install hint. Nothing here
draws or writes files (figures: ``sim.results.discovery_plots``).
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from sim.errors import UserError

Arr = npt.NDArray[Any]

#: How to install the optional EMA Workbench.
EMA_INSTALL = "pip install -e '.[ema]'   (or: pip install 'ema_workbench>=3.0,<4')"
#: The conventional level below which a quasi-p-value marks a limit as significant.
QP_ALPHA = 0.05
#: Columns of a trajectory table (:attr:`PrimResult.trajectory`).
TRAJECTORY_COLUMNS = ("box", "id", "phase", "n", "k", "coverage", "density", "mass", "res_dim",
                      "chosen")  # fmt: skip
#: Columns of a limits table (:attr:`PrimResult.limits`).
LIMIT_COLUMNS = ("box", "dimension", "kind", "lower", "upper", "lower_restricted",
                 "upper_restricted", "full_lower", "full_upper", "levels", "full_levels",
                 "qp_lower", "qp_upper", "significant")  # fmt: skip


@dataclass(frozen=True)
class Ema:
    """The EMA Workbench's modules this package uses, and its version."""

    prim: ModuleType
    feature_scoring: ModuleType
    version: str


@contextmanager
def quiet_ema() -> Iterator[None]:
    """Silence the EMA Workbench: its warnings (ipyparallel and altair missing, pandas
    deprecations) and its INFO logging, for the duration of the block."""
    ema_logger = logging.getLogger("EMA")
    level = ema_logger.level
    ema_logger.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        ema_logger.setLevel(level)


def load_ema() -> Ema:
    """Import the EMA Workbench's PRIM and feature scoring, quietly.

    Raises:
        UserError: when the Workbench (an optional extra) is not installed, with how to install it.
    """
    try:
        with quiet_ema():
            import ema_workbench
            from ema_workbench.analysis import feature_scoring, prim
    except ImportError as e:
        raise UserError(
            "PRIM needs the EMA Workbench, which is not installed",
            expected="the optional extra 'ema' (ema_workbench 3.x)",
            found=f"ImportError: {e}",
            hint=f"install it: {EMA_INSTALL}",
        ) from None
    return Ema(prim, feature_scoring, str(getattr(ema_workbench, "__version__", "unknown")))


# ------------------------------------------------------------------------------------- inputs
def prepare_inputs(x: pd.DataFrame) -> pd.DataFrame:
    """The inputs as PRIM and the scorers take them: numbers as float64, anything else as
    strings (a category each), constant columns dropped, rows renumbered.

    Integers become floats because the EMA Workbench 3.0.0 fails to paste an integer column under
    pandas 3 (it writes a midpoint such as 1.5 into an int64 frame; upstream issue 448, fixed
    after that release). PRIM then peels an integer input at quantiles like a real one, which
    gives the same boxes up to where between two integers a limit is written.
    """
    out = pd.DataFrame(index=pd.RangeIndex(len(x)))
    for c in x.columns:
        s = x[c].reset_index(drop=True)
        if s.nunique(dropna=False) <= 1:
            continue
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            out[c] = s.astype(np.float64)
        else:
            out[c] = s.astype(str).astype(object)
    return out


def binary_cases(
    values: pd.Series, *, threshold: float | None = None, below: bool = False, name: str = ""
) -> tuple[Arr, str]:
    """An outcome as cases of interest (booleans) and the words that define them.

    A boolean outcome (or one whose values are only 0 and 1) is used as it is; a continuous one
    needs ``threshold``: cases of interest are the values at or above it (``below``: at or below).

    Raises:
        UserError: a continuous outcome without ``--threshold``, a binary one with it, missing
            values.
    """
    s = pd.Series(values)
    if s.isna().any():
        raise UserError(f"outcome '{name}' has missing values", key="--outcome",
                        expected="a value for every case", found=f"{int(s.isna().sum())} missing",
                        hint="a month that never came is missing, not -1: use a windowed "
                             "outcome such as inst_within_window")  # fmt: skip
    if not pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        raise UserError(f"outcome '{name}' is not a number", key="--outcome",
                        expected="a true/false or numeric column", found=str(s.dtype))  # fmt: skip
    binary = pd.api.types.is_bool_dtype(s) or set(np.unique(s.to_numpy()).tolist()) <= {0, 1}
    if binary:
        if threshold is not None:
            raise UserError(
                f"outcome '{name}' is already true/false: it takes no threshold",
                key="--threshold",
                expected="--threshold only with a continuous outcome (e.g. final_trilateral)",
                found=threshold,
                hint="with --unit point, --share sets the share of a point's runs that makes "
                "the point a case of interest",
            )
        return s.to_numpy().astype(bool), f"{name} is true"
    if threshold is None:
        raise UserError(
            f"outcome '{name}' is continuous: say which values are of interest",
            key="--threshold",
            expected="a number: cases with the outcome at or above it (--below: at or below)",
            found=None,
            hint=f"values run from {s.min():.4g} to {s.max():.4g} (median {s.median():.4g})",
        )
    v = s.to_numpy(dtype=float)
    if below:
        return v <= threshold, f"{name} <= {threshold:g}"
    return v >= threshold, f"{name} >= {threshold:g}"


def check_cases(y: Arr, what: str) -> None:
    """Raise a UserError when no case or every case is of interest (nothing to discover)."""
    k, n = int(np.sum(y)), len(y)
    if n == 0:
        raise UserError("no cases to discover boxes over", expected="at least one run")
    if k == 0 or k == n:
        raise UserError(
            f"{'no' if k == 0 else 'every'} case is of interest ({what}: {k} of {n})",
            key="--outcome",
            expected="an outcome true for some cases and false for others",
            found=f"{k} of {n}",
            hint="choose another --outcome, --threshold or --share (or --window / --followup)",
        )


# --------------------------------------------------------------------------------------- PRIM
@dataclass
class PrimResult:
    """One PRIM box: its whole trajectory and the box chosen on it.

    Attributes:
        box: 1 for the first box, 2 for the box found after the first one's cases were removed.
        trajectory: one row per box on the peeling and pasting trajectory
            (:data:`TRAJECTORY_COLUMNS`; ``phase`` is start, peel or paste).
        chosen: the chosen box's ``id`` on the trajectory.
        rule: how it was chosen, in words.
        limits: the chosen box's limits (:data:`LIMIT_COLUMNS`), one row per restricted input.
    """

    box: int
    trajectory: pd.DataFrame
    chosen: int
    rule: str
    limits: pd.DataFrame

    @property
    def stats(self) -> dict[str, float]:
        r = self.trajectory.loc[self.trajectory["id"] == self.chosen].iloc[0]
        return {k: float(r[k]) for k in ("coverage", "density", "mass", "res_dim", "n", "k")}


@dataclass
class Discovery:
    """What :func:`run_prim` found: the boxes, the settings and the time it took."""

    boxes: list[PrimResult]
    n: int
    k: int
    peel_alpha: float
    paste_alpha: float
    mass_min: float
    ema_version: str
    seconds: float
    notes: list[str] = field(default_factory=list)


def phases(mass: Sequence[float]) -> list[str]:
    """Name each step of a trajectory by its mass: ``start``, then ``peel`` while the box
    shrinks, ``paste`` where it grows."""
    out = []
    for i, m in enumerate(mass):
        out.append("start" if i == 0 else ("peel" if m < mass[i - 1] else "paste"))
    return out


#: The ways :func:`choose_box` chooses a box on a trajectory.
RULES = {
    "half-gain": "the highest coverage among the boxes that reach at least half of the "
    "trajectory's gain in density (density >= first + (highest - first) / 2)",
    "knee": "the knee: the largest sum of coverage and density, each scaled to [0, 1] over "
    "the trajectory",
}


def choose_box(
    trajectory: pd.DataFrame, *, min_density: float | None = None, rule: str = "half-gain"
) -> tuple[int, str]:
    """Choose a box on a trajectory (``coverage``, ``density``, ``res_dim``, ``id``).

    - With ``min_density``: the box with the highest coverage among those with at least that
      density. If none reaches it, the densest box.
    - ``half-gain`` (the default): the same with ``min_density`` halfway between the first
      box's density (the share of cases of interest among all cases) and the highest density on
      the trajectory: the widest box that earns half of what peeling can earn in density.
    - ``knee``: the box with the largest sum of coverage and density after scaling each to
      [0, 1] over the trajectory (the box farthest from the straight line between the
      trajectory's ends). On a trajectory that is nearly straight every box is about as far,
      and the knee can land at either end; ``half-gain`` does not.

    Only boxes on the trajectory's Pareto front are chosen (no other box has at least their
    coverage and density and more of one); ties go to fewer restricted inputs, then to the
    earlier box.

    Returns:
        The chosen ``id`` and the rule in words.
    """
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; choose from {', '.join(RULES)}")
    t = trajectory.reset_index(drop=True)
    cov = t["coverage"].to_numpy(dtype=float)
    den = t["density"].to_numpy(dtype=float)
    res = t["res_dim"].to_numpy(dtype=float)
    ids = t["id"].to_numpy()
    order = np.lexsort((ids, res))  # fewer restricted inputs, then earlier, first

    def best(score: Arr) -> int:
        top = np.max(score[order])
        return int(ids[next(i for i in order if score[i] == top)])

    # only boxes no other box beats on both coverage and density (the Pareto front)
    better = (cov[None, :] >= cov[:, None]) & (den[None, :] >= den[:, None])
    strictly = (cov[None, :] > cov[:, None]) | (den[None, :] > den[:, None])
    front = ~np.any(better & strictly, axis=1)
    if np.ptp(den) == 0:
        return int(ids[0]), "the first box (peeling never changes the density)"
    if min_density is None and rule == "half-gain":
        target = den[0] + (den.max() - den[0]) / 2
        return best(np.where(front & (den >= target - 1e-12), cov, -np.inf)), (
            f"half-gain: the highest coverage among the boxes with density >= {target:.3f}, "
            f"halfway from the first box's {den[0]:.3f} to the highest, {den.max():.3f}"
        )
    if min_density is not None:
        ok = front & (den >= min_density - 1e-12)
        if ok.any():
            return best(np.where(ok, cov, -np.inf)), (
                f"the highest coverage among the boxes with density >= {min_density:g}"
            )
        return best(den), (
            f"no box reaches density {min_density:g} (the highest is {den.max():.3f}): "
            "the densest box"
        )

    def scaled(v: Arr) -> Arr:
        return (v - v.min()) / np.ptp(v) if np.ptp(v) > 0 else np.zeros_like(v)

    return best(np.where(front, scaled(cov) + scaled(den), -np.inf)), RULES["knee"]


def _limits(box: Any, i: int, box_init: Any, number: int) -> pd.DataFrame:
    """The limits of box ``i`` on a PrimBox's trajectory, from its ``box_lims`` and ``p_values``
    (the EMA Workbench 3.0.0's ``inspect(style="data")`` fails on a restricted categorical input
    under pandas 3, so the table is built here from the same attributes)."""
    lims: Any = box.box_lims[i]
    qps: dict[str, list[float]] = box.p_values[i]
    rows = []
    row: dict[str, Any]
    for dim, (qlo, qhi) in qps.items():
        numeric = pd.api.types.is_numeric_dtype(box_init[dim])
        qlo_f = np.nan if qlo == -1 else float(qlo)
        qhi_f = np.nan if qhi == -1 else float(qhi)
        if numeric:
            lo, hi = float(lims.at[0, dim]), float(lims.at[1, dim])
            flo, fhi = float(box_init.at[0, dim]), float(box_init.at[1, dim])
            row = {"kind": "numeric", "lower": lo, "upper": hi, "lower_restricted": lo != flo,
                   "upper_restricted": hi != fhi, "full_lower": flo, "full_upper": fhi,
                   "levels": "", "full_levels": "", "qp_lower": qlo_f, "qp_upper": qhi_f}  # fmt: skip
        else:
            levels = sorted(map(str, lims.at[0, dim]))
            full = sorted(map(str, box_init.at[0, dim]))
            row = {"kind": "categorical", "lower": np.nan, "upper": np.nan,
                   "lower_restricted": True, "upper_restricted": False, "full_lower": np.nan,
                   "full_upper": np.nan, "levels": ", ".join(levels),
                   "full_levels": ", ".join(full), "qp_lower": qlo_f, "qp_upper": np.nan}  # fmt: skip
        qs = [q for q in (row["qp_lower"], row["qp_upper"]) if not math.isnan(q)]
        row["significant"] = bool(qs) and max(qs) < QP_ALPHA
        rows.append({"box": number, "dimension": dim, **row})
    return pd.DataFrame(rows, columns=list(LIMIT_COLUMNS))


def run_prim(
    x: pd.DataFrame,
    y: npt.ArrayLike,
    *,
    boxes: int = 1,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
    min_density: float | None = None,
    rule: str = "half-gain",
    select: int | None = None,
    ema: Ema | None = None,
) -> Discovery:
    """Run the EMA Workbench's PRIM and choose a box on each trajectory.

    Args:
        x: the inputs, one row per case (see :func:`prepare_inputs`).
        y: True for the cases of interest.
        boxes: how many boxes to find; each after the cases in the previous chosen box are
            removed (the Workbench's default update), stopping early when no case of interest is
            left.
        peel_alpha, paste_alpha, mass_min: PRIM's settings (the Workbench's defaults).
        min_density, rule: how to choose the box on each trajectory (:func:`choose_box`).
        select: choose this ``id`` on the first box's trajectory instead of the rule.
        ema: the loaded Workbench (default: :func:`load_ema`).

    Raises:
        UserError: ``select`` is not an id on the first trajectory.
    """
    ema = ema or load_ema()
    yb = np.asarray(y, dtype=bool)
    xin = prepare_inputs(x)
    start = time.perf_counter()
    results: list[PrimResult] = []
    notes: list[str] = []
    with quiet_ema():
        p = ema.prim.Prim(xin, yb.astype(np.int64), peel_alpha=peel_alpha,
                          paste_alpha=paste_alpha, mass_min=mass_min)  # fmt: skip
        covered = np.zeros(len(yb), dtype=bool)  # cases in the boxes chosen so far
        for number in range(1, boxes + 1):
            done = f"stopped after {_n(number - 1, 'box', 'boxes')}"
            if number > 1 and covered.all():
                notes.append(f"{done}: no case is left")
                break
            if number > 1 and not yb[~covered].any():
                notes.append(f"{done}: no case of interest is left outside them")
                break
            box = p.find_box()
            if box is None:  # the Workbench found no case left
                notes.append(f"{done}: no case is left")
                break
            t = box.peeling_trajectory.copy()
            t["id"] = t["id"].astype(int)
            t["phase"] = phases(t["mass"].tolist())
            if number == 1 and select is not None:
                if select not in set(t["id"]):
                    raise UserError("no such box on the peeling trajectory", key="--select",
                                    expected=f"an id from 0 to {int(t['id'].max())}",
                                    found=select)  # fmt: skip
                chosen, words = int(select), f"chosen by --select {select}"
            else:
                chosen, words = choose_box(t, min_density=min_density, rule=rule)
            box.select(chosen)
            covered[np.asarray(box.yi, dtype=np.int64)] = True
            t["chosen"] = t["id"] == chosen
            t["box"] = number
            t = t[list(TRAJECTORY_COLUMNS)]
            for c in ("n", "k", "res_dim"):
                t[c] = t[c].astype(int)
            results.append(PrimResult(number, t.reset_index(drop=True), chosen, words,
                                      _limits(box, chosen, p.box_init, number)))  # fmt: skip
    return Discovery(results, len(yb), int(yb.sum()), peel_alpha, paste_alpha, mass_min,
                     ema.version, time.perf_counter() - start, notes)  # fmt: skip


def describe_limits(limits: pd.DataFrame, digits: int = 3) -> str:
    """A box's limits in words: ``a in [0.6, 1] and s in {u, v}``; unrestricted sides show the
    input's full bound in parentheses."""
    parts = []
    for r in limits.to_dict("records"):
        if r["kind"] == "categorical":
            parts.append(f"{r['dimension']} in {{{r['levels']}}}")
            continue
        lo = f"{r['lower']:.{digits}g}" if r["lower_restricted"] else f"({r['lower']:.{digits}g})"
        hi = f"{r['upper']:.{digits}g}" if r["upper_restricted"] else f"({r['upper']:.{digits}g})"
        parts.append(f"{r['dimension']} in [{lo}, {hi}]")
    return " and ".join(parts) if parts else "(the whole space: no input restricted)"


# ----------------------------------------------------------------------------- feature scores
def feature_scores(
    x: pd.DataFrame,
    outcomes: Mapping[str, npt.ArrayLike],
    *,
    seed: int = 0,
    ema: Ema | None = None,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Extra-trees feature scores of every input for each outcome (the EMA Workbench's
    ``get_ex_feature_scores``): a classifier for a true/false outcome, a regressor for a
    numeric one. Scores are impurity-based importances and sum to 1 per outcome.

    ``max_features`` is a third of the inputs (at least 1: the Workbench's default rounds 1 or 2
    inputs down to 0 or 1); the rest are the Workbench's defaults (100 trees, minimum leaf
    size growing with the square root of the number of cases).

    Returns:
        A table (index: the inputs, best first for the first outcome; one column per outcome)
        and the mode used per outcome (``classification`` / ``regression``). Outcomes that are
        constant are left out (their mode says so).
    """
    ema = ema or load_ema()
    xin = prepare_inputs(x)
    fs = ema.feature_scoring
    cols: dict[str, pd.Series] = {}
    modes: dict[str, str] = {}
    with quiet_ema():
        for name, values in outcomes.items():
            v = np.asarray(values)
            if len(np.unique(v)) < 2:
                modes[name] = "constant: not scored"
                continue
            binary = v.dtype == bool or set(np.unique(v).tolist()) <= {0, 1}
            mode = (
                fs.RuleInductionType.CLASSIFICATION if binary else fs.RuleInductionType.REGRESSION
            )
            y = v.astype(np.int64) if binary else v.astype(float)
            scores, _ = fs.get_ex_feature_scores(xin, y, mode=mode, random_state=seed,
                                                 max_features=max(1, round(xin.shape[1] / 3)))  # fmt: skip
            cols[name] = scores.iloc[:, 0].astype(float)
            modes[name] = "classification" if binary else "regression"
    table = pd.DataFrame(cols, index=list(xin.columns))
    if cols:
        table = table.sort_values(next(iter(cols)), ascending=False, kind="stable")
    table.index.name = "input"
    return table, modes


# ------------------------------------------------------------------------------ store -> cases
#: Columns of a runs table that identify a run rather than describe it.
RUN_IDS = ("point", "replication", "seed", "draw")
#: The default outcome of discovery, and the one used when the windows cannot be computed.
DEFAULT_OUTCOME = "durable_in_followup"
FALLBACK_OUTCOME = "durable"
#: Outcomes scored besides the discovery outcome, when the store has them.
DEFAULT_SCORES = ("inst_within_window", "durable_in_followup", "collapse_in_followup",
                  "final_trilateral")  # fmt: skip
#: Fewer distinct parameter draws than this earn a note: boxes over theta_* separate draws.
FEW_DRAWS = 100
UNITS = {
    "run": "a case is a run: its factors and drawn parameters (theta_*) against its outcome",
    "point": "a case is a design point: its factors against the share of its runs with the "
    "outcome (drawn parameters vary within a point and are left out)",
}


@dataclass
class Cases:
    """The cases of a discovery: inputs ``x`` (one row per case), cases of interest ``y``, and
    the per-case values of every outcome to score (``scored``)."""

    x: pd.DataFrame
    y: Arr
    unit: str
    outcome: str
    definition: str
    factors: list[str]
    thetas: list[str]
    scored: dict[str, Arr]
    notes: list[str] = field(default_factory=list)


def outcome_table(runs: pd.DataFrame, windows: Any | None) -> pd.DataFrame:
    """The runs table with the windowed outcomes (``sim.results.windows``) added when
    ``windows`` is given and the runs have ``inst_month`` and ``collapse_month``."""
    from sim.results.windows import EVENT_MONTHS, windowed_outcomes

    if windows is None or any(c not in runs.columns for c in EVENT_MONTHS):
        return runs
    wo = windowed_outcomes(runs, windows)
    return pd.concat([runs, wo[[c for c in wo.columns if c not in runs.columns]]], axis=1)


def outcome_names(table: pd.DataFrame, inputs: Sequence[str]) -> list[str]:
    """The outcomes a table offers: every column but the run ids and the inputs."""
    return [c for c in table.columns if c not in RUN_IDS and c not in set(inputs)]


def _unknown(kind: str, flag: str, name: str, choices: Sequence[str]) -> UserError:
    from sim.errors import suggest

    near = suggest(name, choices)
    shown = list(choices)
    listed = ", ".join(shown[:40]) + (f", ... ({len(shown) - 40} more)" if len(shown) > 40 else "")
    return UserError(f"unknown {kind} '{name}'", key=flag, expected=f"one of: {listed}",
                     found=name, hint=f"did you mean '{near}'?" if near else None)  # fmt: skip


def _list(values: Sequence[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or ():
        out += [p.strip() for p in str(v).split(",") if p.strip()]
    return out


def store_cases(
    store: Any,
    *,
    outcome: str | None = None,
    threshold: float | None = None,
    below: bool = False,
    unit: str = "run",
    share: float = 0.5,
    windows: Any | None = None,
    theta: bool = True,
    exclude: Sequence[str] = (),
    scores: Sequence[str] | None = None,
) -> Cases:
    """The cases of a result store for discovery.

    Args:
        store: a loaded store (``runs``, ``design``).
        outcome: a windowed outcome (with ``windows``) or a column of the runs table; None:
            :data:`DEFAULT_OUTCOME` when the windows can be computed, else
            :data:`FALLBACK_OUTCOME`.
        threshold, below: cases of interest of a continuous outcome (:func:`binary_cases`).
        unit: ``run`` or ``point`` (:data:`UNITS`).
        share: with ``point``, a point is of interest when at least this share of its runs is.
        windows: the institution window and follow-up (``sim.results.windows.Windows``).
        theta: include the drawn parameters (``theta_*`` columns) as inputs (``run`` only).
        exclude: inputs to leave out (comma-separated lists allowed).
        scores: outcomes to score besides the discovery outcome (None: :data:`DEFAULT_SCORES`
            that the store has; an empty list: none).

    Raises:
        UserError: an unknown outcome or input (naming the flag), a bad threshold, an outcome
            that is never or always of interest, no input left.
    """
    from sim.experiments.uncertainty import THETA_PREFIX

    runs, design = store.runs, store.design
    if runs is None or len(runs) == 0:
        raise UserError("the store has no runs", file=getattr(store, "path", None),
                        expected="a finished batch", hint="run `alignsim batch EXPERIMENT` first")  # fmt: skip
    if unit not in UNITS:
        raise UserError("unknown unit", key="--unit", expected=" or ".join(UNITS), found=unit)
    factors_all = [
        c for c in design.columns if c not in ("point", "scenario_name", "scenario_hash")
    ]
    factors_all = [f for f in factors_all if f in runs.columns]
    thetas_all = [c for c in runs.columns if c.startswith(THETA_PREFIX)]
    candidates = factors_all + thetas_all
    from sim.results.codebook import never_as_null

    raw = outcome_table(runs, windows)
    table = never_as_null(raw)  # "never" (-1) is no month: a null, kept out of every mean
    names = outcome_names(table, candidates)
    if outcome is None:
        outcome = DEFAULT_OUTCOME if DEFAULT_OUTCOME in table.columns else FALLBACK_OUTCOME
        if outcome not in table.columns:
            raise UserError("the store has no default outcome", key="--outcome",
                            expected=f"a runs column {DEFAULT_OUTCOME} (needs inst_month and "
                                     f"collapse_month) or {FALLBACK_OUTCOME}",
                            found="neither", hint="name one with --outcome")  # fmt: skip
    if outcome not in names:
        raise _unknown("outcome", "--outcome", outcome, names)
    excluded = _list(exclude)
    for e in excluded:
        if e not in candidates:
            raise _unknown("input", "--exclude", e, candidates)
    notes: list[str] = []
    thetas = [t for t in thetas_all if theta and unit == "run" and t not in excluded]
    if unit == "point" and thetas_all and theta:
        notes.append(f"the {len(thetas_all)} drawn parameters (theta_*) vary within a design "
                     "point and are left out with --unit point")  # fmt: skip
    factors = [f for f in factors_all if f not in excluded]
    y_runs, definition = binary_cases(table[outcome], threshold=threshold, below=below,
                                      name=outcome)  # fmt: skip
    score_names = [n for n in DEFAULT_SCORES if n in names] if scores is None else _list(scores)
    for s in score_names:
        if s not in names:
            raise _unknown("outcome to score", "--scores", s, names)
    for s in score_names:
        if not (pd.api.types.is_numeric_dtype(table[s]) or pd.api.types.is_bool_dtype(table[s])):
            raise UserError(f"outcome '{s}' is not a number", key="--scores",
                            expected="true/false or numeric outcomes", found=str(table[s].dtype))  # fmt: skip
    label = outcome if definition == f"{outcome} is true" else definition
    if unit == "run":
        x = table[factors + thetas]
        y = y_runs
        scored = {label: y_runs}
        for s in score_names:
            if s != outcome:
                v = raw[s]  # a run's own value (trees split "never" apart from months)
                scored[s] = v.to_numpy().astype(bool) if pd.api.types.is_bool_dtype(v) else (
                    v.to_numpy(dtype=float))  # fmt: skip
    else:
        if not 0 < share <= 1:
            raise UserError("bad --share", key="--share", expected="a share in (0, 1]",
                            found=share)  # fmt: skip
        frame = pd.DataFrame({"point": table["point"].to_numpy(), "_y": y_runs.astype(float)})
        for s in score_names:
            frame[s] = table[s].astype("float64").to_numpy()
        g = frame.groupby("point", sort=True)
        shares = g["_y"].mean()
        d = design.set_index("point").loc[shares.index]
        x = d[factors].reset_index(drop=True)
        y = shares.to_numpy() >= share - 1e-12
        definition = f"{definition} in at least {share:g} of the point's runs"
        scored = {f"share: {label}": shares.to_numpy()}
        for s in score_names:
            if s != outcome:
                mean = g[s].mean()  # over the runs where it happened
                if mean.isna().any():
                    notes.append(f"mean: {s} is not scored: at some design points it never "
                                 "happened (no month to average)")  # fmt: skip
                    continue
                scored[f"mean: {s}"] = mean.to_numpy()
    x = x.reset_index(drop=True)
    if thetas and "draw" in table.columns:
        draws = int(table["draw"].nunique())
        if draws < FEW_DRAWS:
            notes.append(f"the drawn parameters take only {draws} distinct vectors (draws) here, "
                         "so limits on theta_* separate these draws rather than ranges; more "
                         "replications (or fewer seeds_per_draw) give more draws")  # fmt: skip
    varying = [c for c in x.columns if x[c].nunique(dropna=False) > 1]
    dropped = [c for c in x.columns if c not in varying]
    if dropped:
        notes.append(f"left out {_n(len(dropped), 'input')} that do not vary: "
                     + ", ".join(dropped[:8]) + (" ..." if len(dropped) > 8 else ""))  # fmt: skip
    if not varying:
        raise UserError("no input varies: nothing to discover boxes over",
                        file=getattr(store, "path", None), key="--exclude",
                        expected="a store with sampled factors or drawn parameters",
                        found=", ".join(candidates) or "no inputs")  # fmt: skip
    check_cases(np.asarray(y, dtype=bool), definition)
    return Cases(x[varying], np.asarray(y, dtype=bool), unit, outcome, definition,
                 [f for f in factors if f in varying], [t for t in thetas if t in varying],
                 scored, notes)  # fmt: skip


# ----------------------------------------------------------------------------------- summaries
def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float) and v == 0 and digits == 2:  # a quasi-p-value below float's range
        return "<1e-300"
    if isinstance(v, float):
        return f"{v:.{digits}g}" if abs(v) >= 1e-3 or v == 0 else f"{v:.1e}"
    return str(v)


def limit_rows(limits: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """Rows (input, lower, upper, qp lower, qp upper, significant) of a limits table, as text;
    unrestricted sides in parentheses, categorical inputs as their kept levels."""
    rows = []
    for r in limits:
        if r["kind"] == "categorical":
            lo, hi = "{" + str(r["levels"]) + "}", ""
        else:
            lo = _fmt(r["lower"]) if r["lower_restricted"] else f"({_fmt(r['lower'])})"
            hi = _fmt(r["upper"]) if r["upper_restricted"] else f"({_fmt(r['upper'])})"
        sig = "yes" if r["significant"] else "no"
        rows.append([str(r["dimension"]), lo, hi, _fmt(r["qp_lower"], 2), _fmt(r["qp_upper"], 2),
                     sig])  # fmt: skip
    return rows


LIMIT_HEADER = ["input", "lower", "upper", "qp lower", "qp upper", f"all qp < {QP_ALPHA:g}"]


def _text_table(header: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    lines = [indent + "  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True))]
    for r in rows:
        lines.append(indent + "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))
    return "\n".join(line.rstrip() for line in lines)


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def esc(v: Any) -> str:
        return str(v).replace("|", "\\|")

    lines = ["| " + " | ".join(map(esc, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(esc, r)) + " |" for r in rows]
    return "\n".join(lines)


def _head(report: Mapping[str, Any]) -> list[str]:
    n, k = report["cases"], report["cases_of_interest"]
    unit = "runs" if report["unit"] == "run" else "design points"
    lines = [f"{report['experiment']}: {n:,} {unit}; of interest where {report['definition']}: "
             f"{k:,} ({k / n:.1%})"]  # fmt: skip
    if report.get("windows"):
        lines.append(f"windows: {report['windows']}")
    f, t = report["factors"], report["drawn_parameters"]
    inputs = f"inputs: {_n(len(f), 'factor')} ({', '.join(f) or 'none'})"
    if t:
        inputs += f" and {_n(len(t), 'drawn parameter')} (theta_*; --no-theta leaves them out)"
    lines.append(inputs)
    lines += [f"note: {x}" for x in report.get("notes", [])]
    return lines


def _score_rows(scores: pd.DataFrame, top: int) -> tuple[list[str], list[list[str]]]:
    header = ["input", *map(str, scores.columns)]
    rows = [[str(i), *(f"{v:.3f}" for v in r)] for i, r in
            zip(scores.index[:top], scores.to_numpy()[:top], strict=True)]  # fmt: skip
    return header, rows


def summary_text(report: Mapping[str, Any], scores: pd.DataFrame, top: int = 8) -> str:
    """The printed summary of a discovery (the ``discovery.json`` report)."""
    lines = _head(report)
    p = report["prim"]
    lines += ["", f"PRIM (EMA Workbench {p['ema_workbench']}; peel alpha {p['peel_alpha']:g}, "
                  f"minimum mass {p['mass_min']:g}; {p['seconds']:.1f} s)"]  # fmt: skip
    for b in p["boxes"]:
        lines.append(f"box {b['box']}: chose box {b['chosen_id']} of the trajectory: {b['rule']}")
        lines.append(f"  coverage {b['coverage']:.3f}, density {b['density']:.3f}, mass "
                     f"{b['mass']:.3f} ({int(b['n']):,} cases, {int(b['k']):,} of interest), "
                     f"{_n(int(b['res_dim']), 'input')} restricted")  # fmt: skip
        if b["limits"]:
            lines.append(_text_table(LIMIT_HEADER, limit_rows(b["limits"])))
            weak = [r["dimension"] for r in b["limits"] if not r["significant"]]
            if weak:
                lines.append(f"  not significant (qp >= {QP_ALPHA:g}): {', '.join(weak)}: "
                             "dropping the limit would barely lower the density")  # fmt: skip
    c = report["cart"]
    lines += ["", f"CART (scikit-learn, depth {c['max_depth']}, leaves of at least "
                  f"{c['min_leaf']:g} of the cases): {_n(len(c['boxes']), 'leaf', 'leaves')} with density "
                  "> 0.5"]  # fmt: skip
    for b in c["boxes"]:
        lines.append(f"  leaf {b['box']}: coverage {b['coverage']:.3f}, density "
                     f"{b['density']:.3f} ({b['n_interest']}/{b['n']}): {b['describe']}")  # fmt: skip
    if len(scores.columns):
        header, rows = _score_rows(scores, top)
        lines += ["", f"Extra-trees feature scores (the {len(rows)} highest of {len(scores)}, "
                      f"by {scores.columns[0]}):", _text_table(header, rows)]  # fmt: skip
    skipped = [k for k, v in report["feature_scores"]["modes"].items() if v.startswith("constant")]
    if skipped:
        lines.append(f"  not scored (constant): {', '.join(skipped)}")
    return "\n".join(lines)


def summary_markdown(
    report: Mapping[str, Any], scores: pd.DataFrame, files: Sequence[str] = (), top: int = 15
) -> str:
    """The ``summary.md`` of a discovery: every number from the ``discovery.json`` report."""
    lines = [f"# Scenario discovery: {report['experiment']}", ""]
    lines += [f"- {x}" for x in _head(report)]
    p = report["prim"]
    lines += ["", "## PRIM", "",
              f"EMA Workbench {p['ema_workbench']}, peel alpha {p['peel_alpha']:g}, paste alpha "
              f"{p['paste_alpha']:g}, minimum mass {p['mass_min']:g}. The trajectory is in "
              "`prim_trajectory.csv`, the chosen boxes' limits in `prim_limits.csv`."]  # fmt: skip
    for b in p["boxes"]:
        lines += ["", f"### Box {b['box']}", "",
                  f"Chosen: box {b['chosen_id']} of the trajectory ({b['rule']}). Coverage "
                  f"{b['coverage']:.3f}, density {b['density']:.3f}, mass {b['mass']:.3f} "
                  f"({int(b['n']):,} cases, {int(b['k']):,} of interest), "
                  f"{_n(int(b['res_dim']), 'input')} restricted.", ""]  # fmt: skip
        if b["limits"]:
            lines.append(_md_table(LIMIT_HEADER, limit_rows(b["limits"])))
            lines += ["", "Bounds in parentheses are the input's full range (not restricted). "
                          "qp: quasi-p-value of the limit (one-sided binomial test against the "
                          "box without it); a small value says the limit matters."]  # fmt: skip
            if report["unit"] == "run":
                lines[-1] += (" The test counts every run as independent; runs that share a "
                              "design point or a parameter draw are not, so at the run level "
                              "these values overstate significance (`--unit point` is the "
                              "coarser check).")  # fmt: skip
    c = report["cart"]
    lines += ["", "## CART", "", f"Classification tree of depth {c['max_depth']}, leaves of at "
              f"least {c['min_leaf']:g} of the cases; the leaves where the cases of interest are "
              "the majority:", ""]  # fmt: skip
    rows = [[str(b["box"]), f"{b['coverage']:.3f}", f"{b['density']:.3f}",
             f"{b['n_interest']}/{b['n']}", b["describe"]] for b in c["boxes"]]  # fmt: skip
    lines.append(_md_table(["leaf", "coverage", "density", "of interest", "limits"], rows)
                 if rows else "No leaf has a majority of cases of interest.")  # fmt: skip
    if len(scores.columns):
        header, rows = _score_rows(scores, top)
        modes = report["feature_scores"]["modes"]
        lines += ["", "## Feature scores", "",
                  f"Extra trees (EMA Workbench), seed {report['feature_scores']['seed']}; "
                  + ", ".join(f"{k}: {v}" for k, v in modes.items())
                  + f". The {len(rows)} highest of {len(scores)} inputs (all in "
                  "`feature_scores.csv`):", "", _md_table(header, rows)]  # fmt: skip
    if files:
        lines += ["", "## Figures", ""] + [f"![{f}]({f})" for f in files]
    return "\n".join(lines) + "\n"
