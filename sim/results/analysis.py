"""The statistics behind the figures, from the tidy tables of a result store.

- :func:`wilson_interval`: binomial proportion intervals (Wilson 1927), which stay inside [0, 1]
  and behave at 0 and n successes, unlike the normal approximation.
- :func:`event_by_month`: per design point (or any grouping), the share of runs in which an event
  (institutionalisation, collapse) happened by month m, with its Wilson interval.
- :func:`kaplan_meier`: time to an event when many runs never reach it within the horizon. Those
  runs are *censored* at the horizon (we know only that the event had not happened yet), not
  dropped and not counted as failures (Kaplan & Meier 1958; Greenwood variance, log-log interval).
- :func:`durability`: share of institutionalised runs that later collapse, by the horizon;
  :func:`followup_durability`: the same within a fixed follow-up, censored runs left out.
- :func:`headline_table`: the headline, from the windowed outcomes of
  :mod:`sim.results.windows` (institutionalised within W, durable over F, censored counts).
- Sensitivity analysis (:func:`sobol_indices`, :func:`morris_indices`) and scenario discovery
  (:func:`discover_boxes`) wrap well-kept libraries (SALib, scikit-learn) and are imported
  lazily.

Every function takes and returns pandas DataFrames; nothing here draws or writes files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from sim.results.windows import Windows, windowed_outcomes

Arr = npt.NDArray[Any]

#: z for a two-sided 95% interval.
Z95 = 1.959963984540054

#: Run outcomes recorded as "month it happened, -1 never".
EVENT_COLUMNS = {"institutionalised": "inst_month", "collapsed": "collapse_month"}


def wilson_interval(successes: npt.ArrayLike, n: npt.ArrayLike, z: float = Z95) -> tuple[Arr, Arr]:
    """Wilson score interval for binomial proportions (vectorised).

    Args:
        successes: number of successes (array-like).
        n: number of trials (same shape); where n == 0 the interval is (nan, nan).
        z: normal quantile (1.96 for 95%).

    Returns:
        (lower, upper) arrays.
    """
    k = np.asarray(successes, dtype=float)
    n_ = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n_
        denom = 1.0 + z**2 / n_
        centre = (p + z**2 / (2 * n_)) / denom
        half = z * np.sqrt(p * (1 - p) / n_ + z**2 / (4 * n_**2)) / denom
        lo = np.clip(centre - half, 0.0, 1.0)
        hi = np.clip(centre + half, 0.0, 1.0)
    lo = np.where(n_ > 0, lo, np.nan)
    hi = np.where(n_ > 0, hi, np.nan)
    # At k == 0 (k == n) the lower (upper) bound is exactly 0 (1); guard rounding.
    lo = np.where(k == 0, 0.0, lo)
    hi = np.where(k == n_, 1.0, hi)
    return lo, hi


def _event_column(event: str) -> str:
    if event in EVENT_COLUMNS:
        return EVENT_COLUMNS[event]
    if event in EVENT_COLUMNS.values():
        return event
    raise ValueError(f"unknown event {event!r}; choose from {', '.join(EVENT_COLUMNS)}")


def require_columns(table: pd.DataFrame, columns: Sequence[str], what: str = "runs") -> None:
    """Raise a KeyError naming the columns a table (``what``: runs, monthly, ...) lacks."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise KeyError(f"the {what} table lacks column(s): {', '.join(missing)}")


def proportion_table(
    table: pd.DataFrame, success: pd.Series | str, by: Sequence[str], z: float = Z95
) -> pd.DataFrame:
    """Share of rows where ``success`` holds, per group, with Wilson intervals.

    Returns one row per group with the ``by`` columns, ``n``, ``k``, ``p``, ``lo``, ``hi``.
    """
    ok = table[success] if isinstance(success, str) else success
    df = table[list(by)].copy()
    df["_k"] = np.asarray(ok, dtype=bool).astype(np.int64)
    if by:
        g = df.groupby(list(by), sort=True, observed=True)["_k"].agg(["size", "sum"]).reset_index()
    else:
        g = pd.DataFrame({"size": [len(df)], "sum": [int(df["_k"].sum())]})
    g = g.rename(columns={"size": "n", "sum": "k"})
    g["p"] = g["k"] / g["n"]
    lo, hi = wilson_interval(g["k"].to_numpy(), g["n"].to_numpy(), z)
    g["lo"], g["hi"] = lo, hi
    return g


def event_by_month(
    runs: pd.DataFrame, month: int, by: Sequence[str] = ("point",), event: str = "institutionalised"
) -> pd.DataFrame:
    """Probability that ``event`` happened by ``month`` (inclusive), per group, with 95% Wilson
    intervals. Runs where it never happened (month -1) or happened later count as "not by m"."""
    col = _event_column(event)
    require_columns(runs, [col, *by])
    t = runs[col].to_numpy()
    return proportion_table(runs, pd.Series((t >= 0) & (t <= month), index=runs.index), by)


@dataclass
class SurvivalCurve:
    """A Kaplan-Meier curve: S(t) = P(event has not happened by month t)."""

    time: Arr  # distinct months, starting at 0
    at_risk: Arr
    events: Arr
    censored: Arr
    survival: Arr
    lo: Arr
    hi: Arr
    n: int = 0
    n_events: int = 0
    n_censored: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "time": self.time,
                "at_risk": self.at_risk,
                "events": self.events,
                "censored": self.censored,
                "survival": self.survival,
                "lo": self.lo,
                "hi": self.hi,
            }
        )

    def median(self) -> float:
        """First month at which S(t) <= 0.5 (nan if the curve never gets there)."""
        below = np.nonzero(self.survival <= 0.5)[0]
        return float(self.time[below[0]]) if below.size else float("nan")


def kaplan_meier(
    durations: npt.ArrayLike, observed: npt.ArrayLike, z: float = Z95
) -> SurvivalCurve:
    """Kaplan-Meier estimate with Greenwood's variance and a log-log 95% interval.

    Args:
        durations: for each run, the month of the event, or the month it was censored at.
        observed: True where the event happened, False where the run was censored (it left
            observation at ``durations`` without the event).

    A censored run stays in the risk set up to and including its censoring month: events at
    month t are counted before censorings at t (the usual convention).
    """
    d = np.asarray(durations, dtype=float).reshape(-1)
    e = np.asarray(observed, dtype=bool).reshape(-1)
    if d.shape != e.shape:
        raise ValueError("durations and observed must have the same length")
    n = d.size
    times = np.unique(np.concatenate([[0.0], d]))
    events = np.array([np.sum(e & (d == t)) for t in times], dtype=np.int64)
    cens = np.array([np.sum(~e & (d == t)) for t in times], dtype=np.int64)
    left_before = np.concatenate([[0], np.cumsum(events + cens)[:-1]])
    at_risk = n - left_before
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(at_risk > 0, 1.0 - events / at_risk, 1.0)
        surv = np.cumprod(factor)
        gw_terms = np.where(
            (at_risk > 0) & (at_risk > events), events / (at_risk * (at_risk - events)), 0.0
        )
        gw = np.cumsum(gw_terms)
        # log-log (complementary log-log) interval: stays in (0, 1)
        log_s = np.log(surv)
        se = np.sqrt(gw) / np.abs(log_s)
        lo = surv ** np.exp(z * se)
        hi = surv ** np.exp(-z * se)
    lo = np.where((surv > 0) & (surv < 1) & np.isfinite(lo), lo, surv)
    hi = np.where((surv > 0) & (surv < 1) & np.isfinite(hi), hi, surv)
    return SurvivalCurve(
        time=times,
        at_risk=at_risk,
        events=events,
        censored=cens,
        survival=surv,
        lo=lo,
        hi=hi,
        n=n,
        n_events=int(e.sum()),
        n_censored=int((~e).sum()),
    )


def time_to_event(
    runs: pd.DataFrame, horizon: int | npt.ArrayLike, event: str = "institutionalised"
) -> tuple[Arr, Arr]:
    """(durations, observed) of an event for each run; never = censored at the horizon."""
    col = _event_column(event)
    require_columns(runs, [col])
    t = runs[col].to_numpy()
    h = np.asarray(horizon, dtype=float)
    observed = t >= 0
    return np.where(observed, t, h).astype(float), observed


def survival_by(
    runs: pd.DataFrame,
    horizon: int | npt.ArrayLike,
    by: str | None = "strategy",
    event: str = "institutionalised",
) -> dict[Any, SurvivalCurve]:
    """Kaplan-Meier curves of time to ``event`` per level of ``by`` (censored at the horizon)."""
    d, e = time_to_event(runs, horizon, event)
    if by is None:
        return {"all": kaplan_meier(d, e)}
    require_columns(runs, [by])
    keys = runs[by].to_numpy()
    return {k: kaplan_meier(d[keys == k], e[keys == k]) for k in ordered_levels(runs[by])}


def durability(runs: pd.DataFrame, by: Sequence[str] = ("strategy",)) -> pd.DataFrame:
    """Per group: runs, institutionalised runs, and the share of institutionalised runs that
    later collapsed (``p`` with Wilson ``lo``/``hi``); ``p_durable`` is the share of all runs
    institutionalised and never collapsed."""
    require_columns(runs, ["inst_month", "collapse_month", *by])
    inst = runs["inst_month"].to_numpy() >= 0
    coll = inst & (runs["collapse_month"].to_numpy() >= 0)
    sub = runs.loc[inst]
    out = proportion_table(sub, pd.Series(coll[inst], index=sub.index), by)
    out = out.rename(columns={"n": "n_institutionalised", "k": "n_collapsed"})
    all_ = proportion_table(runs, pd.Series(inst & ~coll, index=runs.index), by)
    all_ = all_.rename(
        columns={
            "n": "n_runs",
            "k": "n_durable",
            "p": "p_durable",
            "lo": "durable_lo",
            "hi": "durable_hi",
        }  # fmt: skip
    )
    if by:
        return all_.merge(out, on=list(by), how="left").fillna(
            {"n_institutionalised": 0, "n_collapsed": 0}
        )
    return pd.concat([all_, out], axis=1)


def followup_durability(runs: pd.DataFrame, by: Sequence[str], windows: Windows) -> pd.DataFrame:
    """Durability over the follow-up (:mod:`sim.results.windows`): per group, of the runs
    institutionalised within W whose F-month follow-up ends by the horizon
    (``n_institutionalised``), the share that collapse within F (``n_collapsed``, ``p`` with
    Wilson ``lo``/``hi``), and ``n_censored``, the runs institutionalised within W whose
    follow-up the horizon cuts short (left out of the share). The columns match
    :func:`durability`'s, so figures can show either."""
    keys = list(by)
    require_columns(runs, ["inst_month", "collapse_month", *keys])
    wo = windowed_outcomes(runs, windows)
    followed = (wo["inst_within_window"] & ~wo["followup_censored"]).to_numpy()
    sub = runs.loc[followed]
    out = proportion_table(sub, wo.loc[followed, "collapse_in_followup"], keys)
    out = out.rename(columns={"n": "n_institutionalised", "k": "n_collapsed"})
    cens = proportion_table(runs, wo["followup_censored"], keys)[[*keys, "k"]]
    cens = cens.rename(columns={"k": "n_censored"})
    if keys:
        out = cens.merge(out, on=keys, how="left")
    else:
        out["n_censored"] = cens["n_censored"].to_numpy()
    return out.fillna({"n_institutionalised": 0, "n_collapsed": 0})


def ordered_levels(values: pd.Series) -> list[Any]:
    """The distinct levels of a factor column in display order: strategy names in their
    canonical order (``sim.core.strategies.STRATEGY_NAMES``, unknown names after them), any
    other values sorted. Figures, findings and scenario discovery list levels in this order."""
    from sim.core.strategies import STRATEGY_NAMES

    levels = list(pd.unique(values))
    order = {n: i for i, n in enumerate(STRATEGY_NAMES)}
    if all(isinstance(v, str) for v in levels):
        return sorted(levels, key=lambda v: (order.get(v, len(order)), v))
    return sorted(levels)


def headline_table(
    runs: pd.DataFrame, by: Sequence[str], windows: Windows, *, counts: bool = False
) -> pd.DataFrame:
    """The headline numbers per group, from the windowed outcomes of
    :mod:`sim.results.windows`: runs, P(institutionalised within W) with its 95% Wilson
    interval, the median month among the runs institutionalised within W, the number of those
    whose follow-up is censored by the horizon, P(durable over F | institutionalised within W)
    over the uncensored runs with its interval, and the mean final approvals.

    No number here counts an event after month W + F, so none is decided by the last months of
    the run (``windows`` is checked by :func:`sim.results.windows.check_windows`:
    W + F <= horizon).

    The one computation of the headline: the report's table (groups of the figures' layout),
    its findings and ``alignsim summary`` (one group per design point,
    :func:`sim.results.headline.store_headline`) all come from here.

    Args:
        runs: the runs table (``inst_month``, ``collapse_month`` and the ``by`` columns).
        by: grouping columns (none: one row for all runs).
        windows: the institution window W, the follow-up F and the horizon.
        counts: also give the counts behind the shares: ``k_inst_window`` (runs
            institutionalised within W), ``n_followed`` (of those, not censored) and
            ``k_durable`` (of those, no collapse within F).

    Returns:
        One row per group: the ``by`` columns, ``runs``, ``p_inst_window`` (``_lo``, ``_hi``),
        ``median_inst_month``, ``n_censored``, ``p_durable_followup`` (``_lo``, ``_hi``; nan
        where no run can be judged), ``mean_final_approval_*`` where the runs have them, and
        with ``counts`` the counts above.
    """
    keys = list(by)
    require_columns(runs, ["inst_month", "collapse_month", *keys])
    wo = windowed_outcomes(runs, windows)
    inst = wo["inst_within_window"]
    inst_t = proportion_table(runs, inst, keys)
    followed = inst & ~wo["followup_censored"]
    sub = runs.loc[followed.to_numpy()]
    dur = proportion_table(sub, wo.loc[followed, "durable_in_followup"], keys)
    cens = proportion_table(runs, wo["followup_censored"], keys)
    out = inst_t.rename(columns={"n": "runs", "k": "k_inst_window", "p": "p_inst_window",
                                 "lo": "p_inst_window_lo", "hi": "p_inst_window_hi"})  # fmt: skip
    out["n_censored"] = cens["k"].to_numpy()
    dur = dur.rename(columns={"n": "n_followed", "k": "k_durable", "p": "p_durable_followup",
                              "lo": "p_durable_followup_lo", "hi": "p_durable_followup_hi"})  # fmt: skip
    reached = runs.loc[inst.to_numpy()]
    if keys:
        out = out.merge(dur, on=keys, how="left")
        m = reached.groupby(keys, observed=True)["inst_month"].median().rename("median_inst_month")
        out = out.merge(m.reset_index(), on=keys, how="left")
        g = runs.groupby(keys, observed=True, sort=True)
        for c in ("final_approval_ROK", "final_approval_JPN"):
            if c in runs.columns:
                out = out.merge(g[c].mean().rename(f"mean_{c}").reset_index(), on=keys)
    else:
        for c in dur.columns:
            out[c] = dur[c].to_numpy() if len(dur) else np.nan
        out["median_inst_month"] = reached["inst_month"].median()
        for c in ("final_approval_ROK", "final_approval_JPN"):
            if c in runs.columns:
                out[f"mean_{c}"] = runs[c].mean()
    out = out.fillna({"n_followed": 0, "k_durable": 0})
    out["n_followed"] = out["n_followed"].astype(np.int64)
    out["k_durable"] = out["k_durable"].astype(np.int64)
    order = [*keys, "runs", "p_inst_window", "p_inst_window_lo", "p_inst_window_hi",
             "median_inst_month", "n_censored", "p_durable_followup", "p_durable_followup_lo",
             "p_durable_followup_hi"]  # fmt: skip
    order += [c for c in out.columns if c.startswith("mean_final_")]
    if counts:
        order += ["k_inst_window", "n_followed", "k_durable"]
    return out[order]


# ------------------------------------------------------------------------ sensitivity analysis
#: Outcomes of the sensitivity analysis: name -> description.
SENSITIVITY_OUTCOMES: dict[str, str] = {
    "p_inst_by_24": "P(institutionalised by month 24)",
    "time_to_inst": "months to institutionalisation (never = horizon)",
    "final_approval_ROK": "ROK leader's final approval",
}


def point_outcomes(runs: pd.DataFrame, horizon: int, month: int = 24) -> pd.DataFrame:
    """Per design point, the means over replications of the sensitivity outcomes.

    ``time_to_inst`` is the restricted mean time to institutionalisation: a run that never gets
    there within the horizon counts as the horizon (censored, so this is a lower bound of the
    true mean). The stochastic model's noise is averaged out over replications, so Sobol and
    Morris indices describe the expected outcome as a function of the factors.
    """
    require_columns(runs, ["point", "inst_month", "final_approval_ROK"])
    t = runs["inst_month"].to_numpy()
    df = pd.DataFrame(
        {
            "point": runs["point"].to_numpy(),
            f"p_inst_by_{month}": (t >= 0) & (t <= month),
            "time_to_inst": np.where(t >= 0, t, horizon).astype(float),
            "final_approval_ROK": runs["final_approval_ROK"].to_numpy(dtype=float),
        }
    )
    return df.groupby("point", sort=True).mean().reset_index()


def salib_problem(names: Sequence[str], bounds: Sequence[tuple[float, float]]) -> dict[str, Any]:
    """A SALib problem dict."""
    return {
        "num_vars": len(names),
        "names": list(names),
        "bounds": [[float(a), float(b)] for a, b in bounds],
    }


def sobol_indices(
    problem: dict[str, Any], y: npt.ArrayLike, *, second_order: bool, seed: int
) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol indices with 95% bootstrap intervals (SALib).

    ``y`` must be in the order of SALib's Sobol/Saltelli sample for ``problem``. Returns rows
    factor, index (S1/ST), value, conf (half-width of the 95% interval), lo, hi.
    """
    from SALib.analyze import sobol

    res = sobol.analyze(problem, np.asarray(y, dtype=float), calc_second_order=second_order,
                        conf_level=0.95, seed=seed, print_to_console=False)  # fmt: skip
    rows = []
    for i, name in enumerate(problem["names"]):
        for idx in ("S1", "ST"):
            v, c = float(res[idx][i]), float(res[f"{idx}_conf"][i])
            rows.append({"factor": name, "index": idx, "value": v, "conf": c, "lo": v - c,
                         "hi": v + c})  # fmt: skip
    return pd.DataFrame(rows)


def morris_indices(
    problem: dict[str, Any], x: npt.ArrayLike, y: npt.ArrayLike, *, num_levels: int, seed: int
) -> pd.DataFrame:
    """Morris elementary-effects screening (SALib): mu* (mean absolute effect) with its 95%
    bootstrap interval, and sigma (spread: interactions or non-linearity)."""
    from SALib.analyze import morris

    res = morris.analyze(problem, np.asarray(x, dtype=float), np.asarray(y, dtype=float),
                         num_levels=num_levels, conf_level=0.95, seed=seed,
                         print_to_console=False)  # fmt: skip
    rows = []
    for i, name in enumerate(problem["names"]):
        v, c = float(res["mu_star"][i]), float(res["mu_star_conf"][i])
        rows.append({"factor": name, "index": "mu_star", "value": v, "conf": c, "lo": v - c,
                     "hi": v + c})  # fmt: skip
        rows.append({"factor": name, "index": "sigma", "value": float(res["sigma"][i]),
                     "conf": np.nan, "lo": np.nan, "hi": np.nan})  # fmt: skip
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------- scenario discovery
@dataclass
class Box:
    """A region of factor space: numeric limits [lo, hi] and allowed categorical levels."""

    limits: dict[str, tuple[float, float]]
    levels: dict[str, list[Any]]
    n: int  # design points in the box
    n_interest: int  # of which cases of interest
    coverage: float  # share of all cases of interest that fall in the box
    density: float  # share of the box's points that are cases of interest

    def describe(self) -> str:
        parts = [f"{k} in [{lo:.3g}, {hi:.3g}]" for k, (lo, hi) in self.limits.items()]
        parts += [f"{k} in {{{', '.join(map(str, v))}}}" for k, v in self.levels.items()]
        return " and ".join(parts) if parts else "(whole space)"

    def contains(self, x: pd.DataFrame) -> Arr:
        ok = np.ones(len(x), dtype=bool)
        for k, (lo, hi) in self.limits.items():
            v = x[k].to_numpy(dtype=float)
            ok &= (v >= lo) & (v <= hi)
        for k, allowed in self.levels.items():
            ok &= x[k].isin(allowed).to_numpy()
        return ok


def discover_boxes(
    x: pd.DataFrame,
    interest: npt.ArrayLike,
    *,
    max_depth: int = 3,
    min_leaf: float = 0.05,
    seed: int = 0,
) -> list[Box]:
    """Scenario discovery with a classification tree (CART, scikit-learn): the leaves where the
    cases of interest are the majority, as boxes with their coverage and density (the measures
    PRIM reports; Bryant & Lempert 2010 compare CART and PRIM for this task).

    Args:
        x: one row per case (design point), one column per factor; categorical factors (strings)
            are one-hot encoded for the tree and reported as sets of levels.
        interest: True for the cases of interest (e.g. durable cooperation in most runs).
        max_depth: depth of the tree (boxes have at most this many restrictions).
        min_leaf: smallest leaf, as a share of the cases.
        seed: the tree's random_state (ties between equally good splits).

    Returns:
        Boxes sorted by density, then coverage (best first).
    """
    from sklearn.tree import DecisionTreeClassifier

    y = np.asarray(interest, dtype=bool)
    if len(x) != len(y):
        raise ValueError("x and interest differ in length")
    numeric = [c for c in x.columns if pd.api.types.is_numeric_dtype(x[c])]
    categorical = [c for c in x.columns if c not in numeric]
    enc = x[numeric].astype(float).copy()
    onehot: dict[str, tuple[str, Any]] = {}
    for c in categorical:
        for level in ordered_levels(x[c]):
            col = f"{c}={level}"
            enc[col] = (x[c] == level).astype(float)
            onehot[col] = (c, level)
    total = int(y.sum())
    if total == 0 or total == len(y):
        return []
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=max(1, int(min_leaf * len(y))),
                                  random_state=seed).fit(enc.to_numpy(), y)  # fmt: skip
    t = tree.tree_
    names = list(enc.columns)
    boxes: list[Box] = []

    def walk(
        node: int, limits: dict[str, tuple[float, float]], levels: dict[str, list[Any]]
    ) -> None:
        if t.children_left[node] == -1:
            box = Box(dict(limits), {k: list(v) for k, v in levels.items()}, 0, 0, 0.0, 0.0)
            inside = box.contains(x)
            box.n = int(inside.sum())
            box.n_interest = int((inside & y).sum())
            if box.n and box.n_interest / box.n > 0.5:
                box.coverage = box.n_interest / total
                box.density = box.n_interest / box.n
                boxes.append(box)
            return
        col, thr = names[t.feature[node]], float(t.threshold[node])
        if col in onehot:
            c, level = onehot[col]
            allowed = levels.get(c, ordered_levels(x[c]))
            walk(
                int(t.children_left[node]),
                limits,
                {**levels, c: [v for v in allowed if v != level]},
            )
            walk(int(t.children_right[node]), limits, {**levels, c: [level]})
        else:
            lo, hi = limits.get(col, (float(x[col].min()), float(x[col].max())))
            walk(int(t.children_left[node]), {**limits, col: (lo, min(hi, thr))}, levels)
            walk(int(t.children_right[node]), {**limits, col: (max(lo, thr), hi)}, levels)

    walk(0, {}, {})
    return sorted(boxes, key=lambda b: (-b.density, -b.coverage))
