"""The approval volatility estimate: recovers a known volatility and sets the declared default."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from sim.core.params import Params
from sim.validation.history import load_history
from sim.validation.volatility import RESPONDENTS, estimate_volatility


def synthetic_record(sigma: float, polls: int, seed: int) -> pd.DataFrame:
    """Polls every month of a random-walk approval plus sampling error."""
    rng = np.random.default_rng(seed)
    walk = np.mod(np.cumsum(rng.normal(0.0, sigma, polls)), 1.6)
    true = 0.1 + np.where(walk > 0.8, 1.6 - walk, walk)  # reflected into [0.1, 0.9]
    observed = true + rng.normal(0.0, np.sqrt(true * (1 - true) / RESPONDENTS))
    start = dt.date(2022, 8, 1)
    dates = [start + dt.timedelta(days=round(30.4375 * k)) for k in range(polls)]
    return pd.DataFrame(
        {"kind": "variable", "name": "approval", "actor": "ROK", "date": dates, "value": observed}
    )


@pytest.mark.parametrize("sigma", [0.01, 0.03])
def test_the_estimate_recovers_a_known_volatility(sigma: float) -> None:
    est = estimate_volatility(synthetic_record(sigma, 4000, seed=7), cutoff=dt.date(2400, 1, 1))
    assert est.sigma == pytest.approx(sigma, rel=0.15)
    assert est.pairs == 3999


def test_sampling_error_alone_gives_almost_no_volatility() -> None:
    est = estimate_volatility(synthetic_record(0.0, 4000, seed=3), cutoff=dt.date(2400, 1, 1))
    assert est.sigma < 0.004


def test_the_declared_default_is_the_estimate_from_the_record() -> None:
    est = estimate_volatility(load_history())
    assert est.pairs >= 5
    assert Params().approval_volatility == pytest.approx(est.sigma, abs=0.0005)
