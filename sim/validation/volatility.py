"""The month-to-month volatility of approval, estimated from the poll record.

Model: a poll is the leader's true approval plus sampling error; true approval moves as a
random walk with standard deviation ``sigma`` a month (``approval_volatility``). Between two
polls ``t`` months apart, the change ``D`` then has variance ``sigma**2 * t + s1**2 + s2**2``,
where ``s_i = sqrt(p_i (1 - p_i) / n)`` is poll ``i``'s sampling error at ``n`` respondents.
Each consecutive pair of polls of one leader gives the unbiased estimate
``(D**2 - s1**2 - s2**2) / t`` of ``sigma**2``; the estimate pools them (mean, floored at 0).

Only polls inside the calibration window (from the start month to the cutoff) are used: the
post-inauguration slide of mid-2022 is a honeymoon ending, which the moving baseline models
separately. The estimate is an upper bound on the baseline's volatility: part of every change
is the model's own dynamics (the cost of steps, the drift back to the baseline).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.validation import history as H

#: Respondents in a Gallup Korea or NHK poll (about 1,000 each).
RESPONDENTS = 1000


@dataclass(frozen=True)
class VolatilityEstimate:
    sigma: float  # per month
    pairs: int
    by_actor: dict[str, float]


def _month_gap(a: dt.date, b: dt.date) -> float:
    return (b - a).days / 30.4375


def estimate_volatility(
    record: pd.DataFrame,
    start: dt.date = dt.date(2022, 8, 1),
    cutoff: dt.date = H.CALIBRATION_CUTOFF,
    respondents: int = RESPONDENTS,
) -> VolatilityEstimate:
    """Pooled monthly volatility of approval from consecutive polls of each leader."""
    terms: list[float] = []
    by_actor: dict[str, float] = {}
    for actor in ("ROK", "JPN"):
        polls = H.polls(record, actor)
        polls = polls[np.array([start <= d <= cutoff for d in polls["date"]], dtype=bool)]
        dates, values = list(polls["date"]), polls["value"].to_numpy(dtype=float)
        own: list[float] = []
        for k in range(1, len(dates)):
            t = _month_gap(dates[k - 1], dates[k])
            if t <= 0:
                continue
            noise = sum(v * (1 - v) / respondents for v in (values[k - 1], values[k]))
            own.append(((values[k] - values[k - 1]) ** 2 - noise) / t)
        if own:
            by_actor[actor] = float(np.sqrt(max(np.mean(own), 0.0)))
        terms.extend(own)
    if not terms:
        raise ValueError("no pair of polls inside the window: cannot estimate volatility")
    return VolatilityEstimate(float(np.sqrt(max(np.mean(terms), 0.0))), len(terms), by_actor)
