"""The findings, each declared once, and their evaluation on any runs table.

A :class:`Finding` says what a reported result claims and how the runs decide it: the outcome
(a windowed outcome of :mod:`sim.results.windows` or a column of the runs table), the contrast
(two strategies, a band of US coercion against its ends, a share against one half), the
conditions an experiment must meet for the finding to be evaluated (the factors it must vary,
with the levels it needs, and the columns its runs table must keep) and the window or follow-up
the outcome is counted over. :meth:`Finding.evaluate` turns a runs table into an
:class:`Evaluation`: the effect, its 95% interval, the verdict, the number of runs, and when the
finding cannot be evaluated, why (a factor the experiment does not vary, a level it lacks, a
column the runs table dropped, too few runs).

The verdict compares the effect's interval with the finding's null value: *supported* when the
whole interval lies on the side the finding claims, *contradicted* when it lies on the other
side, *not separated* when it contains the null. Intervals are binomial: Wilson for a share,
Newcombe's hybrid score interval for a difference of two shares. They treat the runs as
independent, so they say how precisely the runs estimate the effect averaged over whatever the
runs vary (seeds, and parameter draws where there are some). When the runs drew parameters
(a ``draw`` column), the evaluation also gives the effect's spread across draws (the 5th and
95th percentiles of the per-draw effect) and the share of draws in which the effect lies on the
claimed side: how far the answer moves with the parameters nobody knows.

The report (:func:`sim.results.report.findings`), the README's results and the audit
(:mod:`sim.results.audit`) all evaluate the findings here, so a verdict is computed one way.

Pure functions of the runs table: nothing here reads files, draws or prints.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from sim.results.analysis import Z95, wilson_interval
from sim.results.windows import Windows, windowed_outcomes

Arr = npt.NDArray[Any]

SUPPORTED = "supported"
CONTRADICTED = "contradicted"
OPEN = "not separated"
NOT_EVALUABLE = "not evaluable"
#: The verdicts, in the order of the tables.
VERDICTS = (SUPPORTED, CONTRADICTED, OPEN, NOT_EVALUABLE)
#: A group of fewer runs than this is not judged (its interval would be nearly [0, 1]).
MIN_RUNS = 20
#: Quantiles of the per-draw effect shown as its spread across parameter draws.
DRAW_QUANTILES = (0.05, 0.95)
#: The strategy the single-strategy findings look at (the commentary's, and the base scenario's).
SMALL_STEPS = "small_steps"
#: First-mover code of Japan in the runs table (``sim.core.outputs.FIRST_MOVER``).
JAPAN = 1
#: The "moderate" band of US coercion for H2: the middle third of the swept range.
BAND = (1 / 3, 2 / 3)


# ---------------------------------------------------------------------------------- statistics
def newcombe(
    k1: float, n1: float, k2: float, n2: float, z: float = Z95
) -> tuple[float, float, float]:
    """The difference of two shares k1/n1 - k2/n2 with Newcombe's hybrid score (Wilson) 95%
    interval (Newcombe 1998, method 10). (nan, nan, nan) when either group is empty."""
    if n1 <= 0 or n2 <= 0:
        return math.nan, math.nan, math.nan
    p1, p2 = k1 / n1, k2 / n2
    (l1,), (u1,) = wilson_interval([k1], [n1], z)
    (l2,), (u2,) = wilson_interval([k2], [n2], z)
    d = p1 - p2
    return (float(d), float(d - math.hypot(p1 - l1, u2 - p2)),
            float(d + math.hypot(u1 - p1, p2 - l2)))  # fmt: skip


def share(k: float, n: float, z: float = Z95) -> tuple[float, float, float]:
    """A share k/n with its Wilson 95% interval; (nan, nan, nan) when n is 0."""
    if n <= 0:
        return math.nan, math.nan, math.nan
    (lo,), (hi,) = wilson_interval([k], [n], z)
    return float(k / n), float(lo), float(hi)


def mean_difference(
    a: npt.ArrayLike, b: npt.ArrayLike, z: float = Z95
) -> tuple[float, float, float]:
    """The difference of means a - b with a normal 95% interval (nan when a group has fewer than
    two values)."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.size < 2 or y.size < 2:
        return math.nan, math.nan, math.nan
    d = float(x.mean() - y.mean())
    se = float(np.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size))
    return d, d - z * se, d + z * se


# ------------------------------------------------------------------------------- declarations
@dataclass(frozen=True)
class Varies:
    """A condition on an experiment: its runs table has ``column`` with at least
    ``min_levels`` distinct values, among them every one of ``levels``."""

    column: str
    levels: tuple[Any, ...] = ()
    min_levels: int = 2

    def describe(self) -> str:
        if self.levels:
            return f"{self.column} with {' and '.join(map(str, self.levels))}"
        return f"{self.column} at {self.min_levels} levels or more"

    def problem(self, runs: pd.DataFrame) -> str | None:
        """Why ``runs`` do not meet the condition, or None."""
        if self.column not in runs.columns:
            return f"the experiment does not vary {self.column} (it needs {self.describe()})"
        have = set(pd.unique(runs[self.column]))
        missing = [v for v in self.levels if v not in have]
        if missing:
            return (f"the experiment's {self.column} levels ({', '.join(map(str, _sorted(have)))}) "
                    f"lack {', '.join(map(str, missing))}")  # fmt: skip
        if len(have) < self.min_levels:
            return (f"the experiment varies {self.column} over {len(have)} level(s); the finding "
                    f"needs {self.min_levels} or more")  # fmt: skip
        return None


def _sorted(values: Any) -> list[Any]:
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=str)


@dataclass(frozen=True)
class Estimate:
    """What a finding's measure computes on some runs: the effect with its 95% interval, the
    runs it rests on and the numbers behind it (``detail``)."""

    effect: float
    lo: float
    hi: float
    n: int
    detail: Mapping[str, Any] = field(default_factory=dict)
    #: the smallest group the effect compares, and what its runs are (for :data:`MIN_RUNS`)
    smallest: int = 0
    smallest_what: str = "runs"


@dataclass(frozen=True)
class Evaluation:
    """One finding evaluated on one runs table.

    Attributes:
        finding: the finding's name.
        verdict: one of :data:`VERDICTS`.
        effect, lo, hi: the effect and its 95% interval (nan when not evaluable).
        n: the runs the effect rests on.
        null: the value the interval is compared with.
        direction: +1 when the finding claims an effect above ``null``, -1 below.
        reason: why the finding cannot be evaluated ("" when it can).
        draws: the parameter draws in the runs (0: pinned parameters).
        draw_lo, draw_hi: 5th and 95th percentiles of the per-draw effect.
        draw_share: share of draws whose effect lies on the claimed side (ties count half).
        detail: the numbers behind the effect (shares and counts of each group).
    """

    finding: str
    verdict: str
    effect: float = math.nan
    lo: float = math.nan
    hi: float = math.nan
    n: int = 0
    null: float = 0.0
    direction: int = 1
    reason: str = ""
    draws: int = 0
    draw_lo: float = math.nan
    draw_hi: float = math.nan
    draw_share: float = math.nan
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def evaluable(self) -> bool:
        return self.verdict != NOT_EVALUABLE

    @property
    def decisive(self) -> bool:
        return self.verdict in (SUPPORTED, CONTRADICTED)

    def record(self) -> dict[str, Any]:
        """The evaluation as JSON values (nan as None)."""
        out: dict[str, Any] = {}
        for k in ("finding", "verdict", "effect", "lo", "hi", "n", "null", "direction", "reason",
                  "draws", "draw_lo", "draw_hi", "draw_share"):  # fmt: skip
            out[k] = _json(getattr(self, k))
        out["detail"] = {k: _json(v) for k, v in self.detail.items()}
        return out


def _json(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


Measure = Callable[[pd.DataFrame, Windows], "Estimate | str"]


@dataclass(frozen=True)
class Finding:
    """A finding, declared once.

    Attributes:
        name: short identifier (``H1``, ``japan_first``, ...).
        label: a few words for tables and figures.
        statement: the claim, in words.
        outcome: what is counted for each run.
        contrast: what the effect compares.
        conditions: what an experiment must vary (:class:`Varies`).
        columns: the runs table's columns the finding reads.
        window: over which months the outcome is counted.
        kind: ``difference`` (of two shares, in points) or ``share``.
        null: the value the effect's interval is compared with.
        direction: +1 when the finding claims an effect above ``null``, -1 below.
        measure: the computation: runs and windows -> :class:`Estimate`, or the reason (text)
            why these runs cannot decide the finding.
    """

    name: str
    label: str
    statement: str
    outcome: str
    contrast: str
    conditions: tuple[Varies, ...]
    columns: tuple[str, ...]
    window: str
    kind: str
    null: float
    direction: int
    measure: Measure = field(repr=False, compare=False)

    def needs(self) -> str:
        """What an experiment must vary and keep, in words."""
        parts = [c.describe() for c in self.conditions]
        return ("varies " + "; ".join(parts) if parts else "any design") + (
            f"; runs keep {', '.join(self.columns)}"
        )

    def cannot(self, runs: pd.DataFrame) -> str | None:
        """Why ``runs`` cannot decide this finding before measuring (a missing factor, level
        or column), or None."""
        for c in self.conditions:
            why = c.problem(runs)
            if why:
                return why
        missing = [c for c in self.columns if c not in runs.columns]
        if missing:
            return (f"the runs table lacks {', '.join(missing)} (keep it in the experiment's "
                    "[outputs] runs)")  # fmt: skip
        return None

    def evaluate(self, runs: pd.DataFrame, windows: Windows) -> Evaluation:
        """The finding on ``runs``, with the windows ``windows``."""
        why = self.cannot(runs)
        est = why if why is not None else self.measure(runs, windows)
        if isinstance(est, Estimate) and est.smallest < MIN_RUNS:
            est = f"only {est.smallest} {est.smallest_what}; at least {MIN_RUNS} are needed"
        if isinstance(est, str) or not np.isfinite(est.effect):
            reason = est if isinstance(est, str) else "no effect could be computed"
            return Evaluation(self.name, NOT_EVALUABLE, null=self.null, direction=self.direction,
                              reason=reason)  # fmt: skip
        nan = math.nan
        draws, draw_lo, draw_hi, draw_share = (
            self._across_draws(runs, windows) if "draw" in runs.columns else (0, nan, nan, nan)
        )
        return Evaluation(self.name, verdict(est.lo, est.hi, self.null, self.direction),
                          est.effect, est.lo, est.hi, est.n, self.null, self.direction, "",
                          draws, draw_lo, draw_hi, draw_share, est.detail)  # fmt: skip

    def _across_draws(
        self, runs: pd.DataFrame, windows: Windows
    ) -> tuple[int, float, float, float]:
        """(draws, the per-draw effect's 5th and 95th percentiles, the share of draws whose
        effect lies on the claimed side, ties counting half)."""
        effects = []
        for _, sub in runs.groupby("draw", sort=True, observed=True):
            e = self.measure(sub, windows)
            if isinstance(e, Estimate) and np.isfinite(e.effect):
                effects.append(e.effect)
        if not effects:
            return 0, math.nan, math.nan, math.nan
        x = np.asarray(effects)
        lo, hi = np.quantile(x, DRAW_QUANTILES)
        side = np.sign((x - self.null) * self.direction)
        return int(x.size), float(lo), float(hi), float(np.mean((side > 0) + 0.5 * (side == 0)))


def verdict(lo: float, hi: float, null: float, direction: int) -> str:
    """*supported* when [lo, hi] lies wholly on the claimed side of ``null`` (above for
    ``direction`` +1, below for -1), *contradicted* when wholly on the other side, else *not
    separated*."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return OPEN
    if lo > null:
        return SUPPORTED if direction > 0 else CONTRADICTED
    if hi < null:
        return CONTRADICTED if direction > 0 else SUPPORTED
    return OPEN


# ----------------------------------------------------------------------------------- measures
def _inst(runs: pd.DataFrame, w: Windows) -> Arr:
    out: Arr = windowed_outcomes(runs, w)["inst_within_window"].to_numpy(dtype=bool)
    return out


def strategy_contrast(a: str, b: str) -> Measure:
    """P(institutionalised within W) with strategy ``a`` minus with ``b``, pooled over the rest
    of the design (Newcombe interval)."""

    def measure(runs: pd.DataFrame, w: Windows) -> Estimate | str:
        inst = _inst(runs, w)
        s = runs["strategy"].to_numpy()
        ia, ib = s == a, s == b
        na, nb = int(ia.sum()), int(ib.sum())
        if not (na and nb):
            return f"no runs with {a if not na else b}"
        ka, kb = int(inst[ia].sum()), int(inst[ib].sum())
        d, lo, hi = newcombe(ka, na, kb, nb)
        return Estimate(d, lo, hi, na + nb, {f"p_{a}": ka / na, f"p_{b}": kb / nb, f"k_{a}": ka,
                                             f"n_{a}": na, f"k_{b}": kb, f"n_{b}": nb},
                        min(na, nb), f"runs with {a if na < nb else b}")  # fmt: skip

    return measure


def coercion_band(strategy: str | None = SMALL_STEPS) -> Measure:
    """H2's contrast: P(institutionalised within W) over the moderate band of US coercion (the
    middle third of the swept range, :data:`BAND`) minus at the better of the two ends (the
    lowest and the highest level), for ``strategy`` when the runs vary the strategy (pooled
    over the rest of the design). A declared band rather than the observed peak, so the
    contrast does not pick the noisiest level."""

    def measure(runs: pd.DataFrame, w: Windows) -> Estimate | str:
        sel = np.ones(len(runs), dtype=bool)
        if strategy is not None and "strategy" in runs.columns:
            sel = (runs["strategy"] == strategy).to_numpy()
            if not sel.any():
                return f"the experiment's strategies lack {strategy}"
        inst = _inst(runs, w)[sel]
        x = runs["us_coercion"].to_numpy(dtype=float)[sel]
        levels = np.unique(x)
        if levels.size < 3:
            return "US coercion has fewer than 3 levels among these runs"
        first, last = levels[0], levels[-1]
        a = first + BAND[0] * (last - first) - 1e-9
        b = first + BAND[1] * (last - first) + 1e-9
        band = (x >= a) & (x <= b) & (x != first) & (x != last)
        if not band.any():
            return "no level of US coercion lies in the middle third of the swept range"
        k = {n: (int(inst[m].sum()), int(m.sum()))
             for n, m in (("band", band), ("low", x == first), ("high", x == last))}  # fmt: skip
        if min(v[1] for v in k.values()) == 0:
            return "no runs at a level of US coercion"
        p = {n: kv[0] / kv[1] for n, kv in k.items()}
        end = "low" if p["low"] >= p["high"] else "high"
        d, lo, hi = newcombe(*k["band"], *k[end])
        band_levels = levels[(levels >= a) & (levels <= b) & (levels != first) & (levels != last)]
        return Estimate(d, lo, hi, sum(v[1] for v in k.values()), {
            "p_band": p["band"], "p_low": p["low"], "p_high": p["high"], "better_end": end,
            "band_lo": float(band_levels.min()), "band_hi": float(band_levels.max()),
            "level_low": float(first), "level_high": float(last)},
            min(v[1] for v in k.values()), "runs at one end of the US-coercion sweep")  # fmt: skip

    return measure


def alignment_under_china() -> Measure:
    """H4: the share of runs at the highest level of Chinese coercion whose ROK alignment ends
    on the US side (final alignment > 0), with the costs beside it (ROK approval and alignment,
    highest minus lowest level)."""

    def measure(runs: pd.DataFrame, w: Windows) -> Estimate | str:
        c = runs["china_coercion"].to_numpy(dtype=float)
        top, bottom = c == c.max(), c == c.min()
        align = runs["final_alignment_ROK"].to_numpy(dtype=float)
        n = int(top.sum())
        k = int((align[top] > 0).sum())
        p, lo, hi = share(k, n)
        detail: dict[str, Any] = {"china_high": float(c.max()), "china_low": float(c.min()),
                                  "k": k, "n": n,
                                  "alignment_high": float(align[top].mean()),
                                  "alignment_low": float(align[bottom].mean())}  # fmt: skip
        if "final_approval_ROK" in runs.columns:
            ap = runs["final_approval_ROK"].to_numpy(dtype=float)
            d, dlo, dhi = mean_difference(ap[top], ap[bottom])
            detail.update(approval_high=float(ap[top].mean()), approval_low=float(ap[bottom].mean()),
                          approval_diff=d, approval_diff_lo=dlo, approval_diff_hi=dhi)  # fmt: skip
        return Estimate(p, lo, hi, n, detail, n, "runs at the highest Chinese coercion")

    return measure


def japan_first(strategy: str = SMALL_STEPS) -> Measure:
    """The share of runs whose first own step is Japan's alone (``first_mover`` = JPN), among
    the runs with ``strategy`` when the runs vary the strategy (all runs otherwise); runs in
    which nobody moves count as not Japan."""

    def measure(runs: pd.DataFrame, w: Windows) -> Estimate | str:
        sel = np.ones(len(runs), dtype=bool)
        if "strategy" in runs.columns:
            sel = (runs["strategy"] == strategy).to_numpy()
            if not sel.any():
                return f"the experiment's strategies lack {strategy}"
        fm = runs["first_mover"].to_numpy()[sel]
        n = int(fm.size)
        counts = {name: int((fm == code).sum()) for name, code in
                  (("JPN", JAPAN), ("ROK", 0), ("both", 2))}  # fmt: skip
        p, lo, hi = share(counts["JPN"], n)
        return Estimate(p, lo, hi, n, {**{f"k_{k}": v for k, v in counts.items()}, "n": n,
                                       "k_none": n - sum(counts.values())}, n)  # fmt: skip

    return measure


def status_quo_share(strategy: str = "status_quo") -> Measure:
    """P(institutionalised within W) of the runs with the status quo (Wilson interval)."""

    def measure(runs: pd.DataFrame, w: Windows) -> Estimate | str:
        sel = (runs["strategy"] == strategy).to_numpy()
        n = int(sel.sum())
        k = int(_inst(runs, w)[sel].sum())
        p, lo, hi = share(k, n)
        return Estimate(p, lo, hi, n, {"k": k, "n": n}, n, f"runs with {strategy}")

    return measure


def lock_in_share() -> Measure:
    """Lock-in after a less friendly successor: of the runs in which cooperation was
    institutionalised, the ROK's first leader then left office (``turnover_month_ROK`` at or
    after ``inst_month``) and the one successor was hostile to Japan (``hostile_successor_ROK``,
    ``leaders_ROK`` = 2), with no collapse before the successor took office, the share with no
    collapse in the F months after (months turnover + 1 .. turnover + F). Runs whose successor
    arrives fewer than F months before the horizon are censored (left out), so the count, like
    the windowed outcomes, is not decided by the end of the run."""

    def measure(runs: pd.DataFrame, w: Windows) -> Estimate | str:
        inst = runs["inst_month"].to_numpy(dtype=np.int64)
        coll = runs["collapse_month"].to_numpy(dtype=np.int64)
        turn = runs["turnover_month_ROK"].to_numpy(dtype=np.int64)
        hostile = runs["hostile_successor_ROK"].to_numpy(dtype=bool)
        one = runs["leaders_ROK"].to_numpy(dtype=np.int64) == 2
        eligible = (inst >= 1) & hostile & one & (turn >= inst) & ~((coll > inst) & (coll <= turn))
        judged = eligible & (turn + w.followup <= w.horizon)
        n, censored = int(judged.sum()), int((eligible & ~judged).sum())
        survived = judged & ~((coll > turn) & (coll <= turn + w.followup))
        k = int(survived.sum())
        p, lo, hi = share(k, n)
        return Estimate(p, lo, hi, n, {"k": k, "n": n, "censored": censored}, n,
                        f"runs in which a hostile ROK successor inherits an institution with "
                        f"{w.followup} months left before the horizon ({censored} more arrive "
                        "later)")  # fmt: skip

    return measure


# ---------------------------------------------------------------------------------- findings
_INST = "institutionalised within W (inst_month in 1..W)"

#: Every finding the report, the README and the audit speak about, in the order they report it.
FINDINGS: tuple[Finding, ...] = (
    Finding(
        "H1", "H1: small steps vs grand bargain",
        "With low leader approval, small persistent steps reach institutionalised trilateral "
        "cooperation more often than a grand bargain (docs/RESEARCH.md section 4).",
        _INST, "P(small_steps) - P(grand_bargain), pooled over the rest of the design",
        (Varies("strategy", ("small_steps", "grand_bargain")),), ("inst_month", "collapse_month"),
        "W", "difference", 0.0, 1, strategy_contrast("small_steps", "grand_bargain")),
    Finding(
        "H1_tft", "H1: small steps vs tit-for-tat",
        "Small persistent steps reach institutionalised cooperation more often than tit-for-tat "
        "reciprocity.",
        _INST, "P(small_steps) - P(tit_for_tat), pooled over the rest of the design",
        (Varies("strategy", ("small_steps", "tit_for_tat")),), ("inst_month", "collapse_month"),
        "W", "difference", 0.0, 1, strategy_contrast("small_steps", "tit_for_tat")),
    Finding(
        "H2", "H2: moderate US pressure helps most",
        "The effect of US coercion is non-monotonic: with small steps, moderate pressure "
        "institutionalises more often than either no pressure or the heaviest.",
        _INST, "P(moderate band: middle third of the US-coercion range) - P(the better end), "
        "small steps (when the strategy varies), pooled over the rest",
        (Varies("us_coercion", (), 3),), ("inst_month", "collapse_month"),
        "W", "difference", 0.0, 1, coercion_band()),
    Finding(
        "H4", "H4: ROK stays on the US side",
        "Chinese economic coercion against a dependent partner raises its costs but need not "
        "reverse its alignment: under the higher Chinese coercion the ROK still ends on the US "
        "side in most runs.",
        "final ROK alignment > 0 (the value at the horizon)",
        "share of the runs at the highest Chinese coercion, against one half",
        (Varies("china_coercion", (), 2),), ("final_alignment_ROK",),
        "horizon", "share", 0.5, 1, alignment_under_china()),
    Finding(
        "japan_first", "Japan moves first",
        "Japan takes the first own step (as it did in October 2022) in most runs with small "
        "steps.",
        "first_mover = JPN (the first own step is Japan's alone)",
        "share of the small-steps runs (all runs when the strategy does not vary), against one "
        "half", (), ("first_mover",), "horizon", "share", 0.5, 1, japan_first()),
    Finding(
        "status_quo", "Status quo stays short",
        "Standing still leaves cooperation short of an institution: with the status quo, it is "
        "institutionalised within W in fewer than half of the runs.",
        _INST, "share of the status-quo runs, against one half",
        (Varies("strategy", ("status_quo",), 1),), ("inst_month", "collapse_month"),
        "W", "share", 0.5, -1, status_quo_share()),
    Finding(
        "lock_in", "Lock-in after a hostile successor",
        "Institutionalised cooperation locks in: when a ROK successor hostile to Japan inherits "
        "it, it survives the F months after the change in most runs.",
        "no collapse in the F months after the hostile successor took office",
        "share of the runs in which a hostile ROK successor (the only one) inherits an "
        "institution with F months left before the horizon, against one half",
        (), ("inst_month", "collapse_month", "turnover_month_ROK", "hostile_successor_ROK",
             "leaders_ROK"),
        "F after the successor's arrival", "share", 0.5, 1, lock_in_share()),
)  # fmt: skip

FINDING_BY_NAME: dict[str, Finding] = {f.name: f for f in FINDINGS}


def evaluate_all(
    runs: pd.DataFrame, windows: Windows, findings: Sequence[Finding] = FINDINGS
) -> dict[str, Evaluation]:
    """Every finding of ``findings`` on ``runs``, by name."""
    return {f.name: f.evaluate(runs, windows) for f in findings}


# ------------------------------------------------------------------------------------- text
def pct(x: Any) -> str:
    """A share as a percentage with one decimal ("n/a" when missing)."""
    x = float(x) if x is not None else math.nan
    return "n/a" if not np.isfinite(x) else f"{100 * x:.1f}%"


def pts(x: Any) -> str:
    """A difference of shares in percentage points, signed."""
    x = float(x) if x is not None else math.nan
    return "n/a" if not np.isfinite(x) else f"{100 * x:+.1f} pts"


def effect_text(f: Finding, e: Evaluation) -> str:
    """The effect with its 95% interval, e.g. "+4.0 pts (95% CI +2.9 to +5.1)" or "76.5% (95%
    CI 74.0%-79.0%)"; "not evaluable" when it is not."""
    if not e.evaluable:
        return "not evaluable"
    if f.kind == "difference":
        return f"{pts(e.effect)} (95% CI {pts(e.lo)[:-4]} to {pts(e.hi)[:-4]})"
    return f"{pct(e.effect)} (95% CI {pct(e.lo)}-{pct(e.hi)})"


def draws_text(f: Finding, e: Evaluation) -> str:
    """The spread across parameter draws, as a clause ("" when the runs drew none)."""
    if not e.draws:
        return ""
    fmt = pts if f.kind == "difference" else pct
    side = "above" if f.direction > 0 else "below"
    null = "zero" if f.kind == "difference" else pct(f.null)
    return (f"5-95% across the {e.draws} parameter draws {fmt(e.draw_lo)} to {fmt(e.draw_hi)}; "
            f"{side} {null} in {pct(e.draw_share)} of the draws")  # fmt: skip


def verdict_text(f: Finding, e: Evaluation) -> str:
    """The verdict in words: "supported", "contradicted", "not separated (the interval
    contains ...)" or "cannot be evaluated: REASON"."""
    if not e.evaluable:
        return f"cannot be evaluated for this experiment: {e.reason}"
    if e.verdict == OPEN:
        null = "zero" if f.kind == "difference" else pct(f.null)
        return f"not separated (the 95% interval contains {null})"
    return e.verdict
