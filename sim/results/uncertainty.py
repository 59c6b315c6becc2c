"""Two sources of uncertainty in an ensemble: the seeds and the drawn parameters.

A store whose runs draw parameters (``sim.experiments.uncertainty``; the runs table has a
``draw`` column) holds, at every design point, D parameter draws with m seeds each. By the law
of total variance an outcome's variance across runs splits into

- the **parametric** part, Var(E[Y | draw]): how much the expected outcome moves with the
  parameters the record cannot identify, and
- the **stochastic** part, E[Var(Y | draw)]: the spread the seeds (launches, flashpoints,
  coercion episodes, poll noise) give at fixed parameters.

The stochastic part is estimated by the mean within-draw variance. The between-draw variance of
the per-draw means also carries the seeds' noise (1/m of the within variance, since each mean
is over m seeds), so the parametric part is the between-draw variance less that share: the
one-way random-effects (ANOVA) estimator, cut at zero. With one seed per draw the two cannot be
told apart and both are reported as missing.

For a yes/no outcome (institutionalised by a month, durable) :func:`draw_probabilities` puts the
interval across draws of the per-draw probability (its 5th to 95th percentile) beside the
binomial (Wilson) interval of the pooled probability: the first says how far the answer moves
with the parameters, the second how precisely the pooled share is estimated.

Every function takes and returns pandas DataFrames; nothing here draws or writes files.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from sim.results.analysis import proportion_table, require_columns

Arr = npt.NDArray[Any]

#: The month of "institutionalised by month m" in the headline outcomes.
HEADLINE_MONTH = 24
#: The outcomes decomposed: name -> (description, yes/no outcome).
OUTCOMES: dict[str, tuple[str, bool]] = {
    "inst_by_24": ("P(institutionalised by month 24)", True),
    "durable": ("P(institutionalised and never collapsed within the horizon)", True),
    "final_approval_ROK": ("ROK leader's final approval", False),
}
#: Short labels of the outcomes (figure ticks).
SHORT_LABELS = {"inst_by_24": "inst. by month 24", "durable": "durable",
                "final_approval_ROK": "final ROK approval"}  # fmt: skip
#: The outcomes the report and the README speak about, one sentence each.
HEADLINE_OUTCOMES = ("inst_by_24", "durable")
#: Quantiles of the per-draw probability shown as its interval across draws.
DRAW_QUANTILES = (0.05, 0.95)


def has_draws(runs: pd.DataFrame) -> bool:
    """True when the runs drew parameters (the runs table has a ``draw`` column)."""
    return "draw" in runs.columns


def outcome_values(runs: pd.DataFrame, outcome: str) -> Arr:
    """One outcome of :data:`OUTCOMES` for every run (yes/no outcomes as 0.0 / 1.0)."""
    if outcome == "inst_by_24":
        require_columns(runs, ["inst_month"])
        t = runs["inst_month"].to_numpy()
        return ((t >= 0) & (t <= HEADLINE_MONTH)).astype(float)
    if outcome == "durable":
        require_columns(runs, ["inst_month", "collapse_month"])
        inst = runs["inst_month"].to_numpy() >= 0
        return (inst & (runs["collapse_month"].to_numpy() < 0)).astype(float)
    if outcome in OUTCOMES:
        require_columns(runs, [outcome])
        return runs[outcome].to_numpy(dtype=float)
    raise ValueError(f"unknown outcome {outcome!r}; choose from {', '.join(OUTCOMES)}")


def decompose(values: npt.ArrayLike, draw: npt.ArrayLike | None) -> dict[str, float]:
    """The variance decomposition of one group of runs (see the module docstring).

    Args:
        values: the outcome of each run.
        draw: the parameter draw of each run, or None when the parameters were pinned (then all
            the variance is stochastic).

    Returns:
        ``runs``, ``draws``, ``seeds_per_draw`` (mean runs per draw), ``mean``,
        ``between_draw_var`` (variance of the per-draw means), ``stochastic`` (mean within-draw
        variance), ``parametric`` (between-draw variance less the seeds' share in it, at least
        0), ``total`` (their sum), ``parametric_share`` and ``stochastic_share``.
    """
    y = np.asarray(values, dtype=float).reshape(-1)
    n = y.size
    nan = float("nan")
    out = {"runs": float(n), "draws": nan, "seeds_per_draw": nan, "mean": nan,
           "between_draw_var": nan, "stochastic": nan, "parametric": nan, "total": nan,
           "parametric_share": nan, "stochastic_share": nan}  # fmt: skip
    if n == 0:
        return out
    out["mean"] = float(y.mean())
    if draw is None:
        var = float(y.var(ddof=1)) if n > 1 else nan
        out.update(draws=0.0, seeds_per_draw=float(n), stochastic=var, parametric=0.0, total=var,
                   parametric_share=0.0, stochastic_share=1.0 if var == var else nan)  # fmt: skip
        return out
    d = np.asarray(draw).reshape(-1)
    _, inverse, counts = np.unique(d, return_inverse=True, return_counts=True)
    k = counts.size
    sums = np.bincount(inverse, weights=y, minlength=k)
    means = sums / counts
    within_ss = float(np.sum((y - means[inverse]) ** 2))
    out["draws"] = float(k)
    out["seeds_per_draw"] = float(n / k)
    if k > 1:
        out["between_draw_var"] = float(means.var(ddof=1))
    if n - k < 1 or k < 2:
        return out  # one seed per draw (or one draw): the two parts cannot be separated
    msw = within_ss / (n - k)
    grand = float(y.mean())
    msb = float(np.sum(counts * (means - grand) ** 2)) / (k - 1)
    n0 = (n - float(np.sum(counts.astype(float) ** 2)) / n) / (k - 1)
    parametric = max(0.0, (msb - msw) / n0)
    total = parametric + msw
    out.update(stochastic=msw, parametric=parametric, total=total)
    if total > 0:
        out.update(parametric_share=parametric / total, stochastic_share=msw / total)
    return out


def dominant(parametric: float, stochastic: float) -> str:
    """Which source dominates: "parameters", "seeds", "no spread" (every run alike) or "not
    estimable" (one seed per draw)."""
    if not (np.isfinite(parametric) and np.isfinite(stochastic)):
        return "not estimable"
    if parametric + stochastic <= 0:
        return "no spread"
    return "parameters" if parametric > stochastic else "seeds"


def variance_table(
    runs: pd.DataFrame, by: Sequence[str] = ("point",), outcomes: Sequence[str] | None = None
) -> pd.DataFrame:
    """The variance decomposition per group (default: per design point) and outcome.

    Returns one row per group and outcome: the ``by`` columns, ``outcome``, the fields of
    :func:`decompose` and ``dominant``. Outcomes whose columns the runs lack are skipped.
    """
    names = [o for o in (outcomes or OUTCOMES) if _available(runs, o)]
    draws = runs["draw"].to_numpy() if has_draws(runs) else None
    rows = []
    keys = list(by)
    groups = (
        runs.groupby(keys, sort=True, observed=True).indices if keys else {(): np.arange(len(runs))}
    )
    for o in names:
        y = outcome_values(runs, o)
        for g, idx in groups.items():
            gv = g if isinstance(g, tuple) else (g,)
            d = decompose(y[idx], None if draws is None else draws[idx])
            rows.append({**dict(zip(keys, gv, strict=True)), "outcome": o, **d,
                         "dominant": dominant(d["parametric"], d["stochastic"])})  # fmt: skip
    return pd.DataFrame(rows)


def _available(runs: pd.DataFrame, outcome: str) -> bool:
    need = {"inst_by_24": ["inst_month"], "durable": ["inst_month", "collapse_month"]}
    return all(c in runs.columns for c in need.get(outcome, [outcome]))


def summarise(table: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """The per-point decomposition (:func:`variance_table` by ``point``) summed up per group of
    points and outcome: the mean over points of each part, the shares of those means, and how
    many points each source dominates.

    Args:
        table: per design point and outcome (it must carry the ``by`` columns).
        by: the grouping of points (e.g. the strategy); none: one row per outcome.
    """
    keys = [*by, "outcome"]
    rows = []
    for g, t in table.groupby(keys, sort=False, observed=True):
        gv = g if isinstance(g, tuple) else (g,)
        par, sto = float(t["parametric"].mean()), float(t["stochastic"].mean())
        total = par + sto
        share = par / total if total > 0 else float("nan")
        rows.append({
            **dict(zip(keys, gv, strict=True)), "points": len(t),
            "runs": float(t["runs"].sum()), "draws": float(t["draws"].max()),
            "seeds_per_draw": float(t["seeds_per_draw"].mean()),
            "parametric": par, "stochastic": sto, "total": total, "parametric_share": share,
            "stochastic_share": sto / total if total > 0 else float("nan"),
            "points_parameters_dominate": int((t["dominant"] == "parameters").sum()),
            "points_seeds_dominate": int((t["dominant"] == "seeds").sum()),
            "dominant": dominant(par, sto),
        })  # fmt: skip
    return pd.DataFrame(rows)


def draw_probabilities(runs: pd.DataFrame, outcome: str, by: Sequence[str] = ()) -> pd.DataFrame:
    """For a yes/no outcome, per group: the pooled probability with its 95% Wilson interval
    (``n``, ``k``, ``p``, ``lo``, ``hi``) and, across parameter draws, the per-draw
    probability's 5th, 50th and 95th percentiles (``draw_lo``, ``draw_median``, ``draw_hi``;
    each draw's probability is over its runs in the group), with ``draws`` and
    ``runs_per_draw``. Without draws the draw columns are missing (NaN)."""
    if not OUTCOMES.get(outcome, ("", False))[1]:
        raise ValueError(f"{outcome!r} is not a yes/no outcome")
    y = outcome_values(runs, outcome)
    keys = list(by)
    pooled = proportion_table(runs, pd.Series(y > 0.5, index=runs.index), keys)
    if not has_draws(runs):
        for c in ("draws", "runs_per_draw", "draw_lo", "draw_median", "draw_hi"):
            pooled[c] = np.nan
        return pooled
    df = runs[keys].copy()
    df["_y"] = y
    df["_draw"] = runs["draw"].to_numpy()
    per = df.groupby([*keys, "_draw"], sort=True, observed=True)["_y"].agg(["mean", "size"])
    per = per.reset_index()
    qs = (DRAW_QUANTILES[0], 0.5, DRAW_QUANTILES[1])

    def spread(t: pd.DataFrame) -> pd.Series:
        q = np.quantile(t["mean"].to_numpy(), qs)
        return pd.Series({"draws": float(len(t)), "runs_per_draw": float(t["size"].mean()),
                          "draw_lo": q[0], "draw_median": q[1], "draw_hi": q[2]})  # fmt: skip

    if keys:
        s = per.groupby(keys, sort=True, observed=True)[["mean", "size"]].apply(spread)
        return pooled.merge(s.reset_index(), on=keys, how="left")
    row = spread(per)
    for c in row.index:
        pooled[str(c)] = row[c]
    return pooled


def per_draw_probability(runs: pd.DataFrame, outcome: str, by: Sequence[str] = ()) -> pd.DataFrame:
    """Each draw's probability of a yes/no outcome per group: the ``by`` columns, ``draw``,
    ``runs`` and ``p`` (the figures' raw material)."""
    y = outcome_values(runs, outcome)
    keys = list(by)
    df = runs[keys].copy()
    df["p"] = y
    df["draw"] = runs["draw"].to_numpy()
    g = df.groupby([*keys, "draw"], sort=True, observed=True)["p"].agg(["mean", "size"])
    return g.rename(columns={"mean": "p", "size": "runs"}).reset_index()


def _pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{100 * x:.1f}%"


def sentences(
    runs: pd.DataFrame,
    settings: dict[str, Any] | None = None,
    outcomes: Sequence[str] = HEADLINE_OUTCOMES,
) -> list[str]:
    """One sentence per headline outcome saying which source of uncertainty dominates, every
    number computed from the runs (decomposed per design point, averaged over the points).

    Args:
        runs: the runs table.
        settings: the store manifest's ``uncertainty`` record (what was drawn and how).
    """
    settings = settings or {}
    if not has_draws(runs):
        mode = settings.get("parameters", "pinned")
        return [f"Parameters are {'pinned' if mode == 'pinned' else 'not drawn'} in these runs: "
                "every run keeps its scenario's values, so all the spread between runs comes from "
                "the seeds and no interval here includes parameter uncertainty."]  # fmt: skip
    per_point = variance_table(runs, ["point"], outcomes)
    summary = summarise(per_point)
    n_points = int(runs["point"].nunique())
    draws = int(runs["draw"].nunique())
    spd = float(summary["seeds_per_draw"].mean()) if len(summary) else float("nan")
    out = []
    for row in summary.to_dict("records"):
        label = OUTCOMES[str(row["outcome"])][0]
        if row["dominant"] == "not estimable":
            out.append(f"{label}: one seed per parameter draw, so the spread between runs cannot "
                       "be split into its parametric and stochastic parts.")  # fmt: skip
            continue
        if row["dominant"] == "no spread":
            out.append(f"{label}: the same in every run, so there is no spread to attribute.")
            continue
        share = float(row["parametric_share"])
        which = ("parameter uncertainty dominates" if row["dominant"] == "parameters"
                 else "the seeds dominate")  # fmt: skip
        out.append(
            f"{label}: {which}. Averaged over the {n_points} design points, "
            f"{_pct(share)} of the variance between runs comes from the {draws} parameter draws "
            f"and {_pct(1 - share)} from the seeds ({spd:g} per draw); parameters dominate at "
            f"{row['points_parameters_dominate']} of {row['points']} points."
        )
    return out


def spread_across_draws(success: npt.ArrayLike, draw: npt.ArrayLike) -> tuple[int, float, float]:
    """(number of draws, 5th and 95th percentiles of the per-draw probability) of a yes/no
    outcome over some runs, each draw's probability over its runs among them."""
    y = np.asarray(success, dtype=float).reshape(-1)
    d = np.asarray(draw).reshape(-1)
    if y.size == 0:
        return 0, float("nan"), float("nan")
    _, inverse, counts = np.unique(d, return_inverse=True, return_counts=True)
    p = np.bincount(inverse, weights=y) / counts
    lo, hi = np.quantile(p, DRAW_QUANTILES)
    return int(counts.size), float(lo), float(hi)


def paired_share(first: npt.ArrayLike, second: npt.ArrayLike, draw_first: npt.ArrayLike,
                 draw_second: npt.ArrayLike) -> tuple[int, float]:  # fmt: skip
    """(draws, share of draws) in which the first set of runs has the higher probability of a
    yes/no outcome than the second; draws are shared across design points, so this compares the
    two under the same parameters. Ties count half."""
    a, b = np.asarray(first, float), np.asarray(second, float)
    da, db = np.asarray(draw_first), np.asarray(draw_second)
    common = np.intersect1d(da, db)
    if common.size == 0:
        return 0, float("nan")
    pa = np.array([a[da == k].mean() for k in common])
    pb = np.array([b[db == k].mean() for k in common])
    return int(common.size), float(np.mean((pa > pb) + 0.5 * (pa == pb)))
