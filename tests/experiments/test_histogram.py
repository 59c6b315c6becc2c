"""Histograms built month by month equal the store's histogram of the whole array, to the bit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from sim.core.outputs import MONTHLY_VARS
from sim.engines.batch import simulate
from sim.experiments import histogram as H
from sim.experiments import store
from sim.scenario import load_scenario


def chunk_histogram(points: np.ndarray, monthly: np.ndarray, var_index: list[int]) -> Any:
    """The reference: the store's histogram of a chunk's whole (runs, months, variables) array,
    as the store computed it before it built histograms month by month."""
    import pyarrow as pa

    n, m1, v = monthly.shape
    names = [MONTHLY_VARS[i] for i in var_index]
    lo = np.array([store.var_range(x)[0] for x in names])
    hi = np.array([store.var_range(x)[1] for x in names])
    uniq, local = np.unique(points, return_inverse=True)
    q = np.rint((monthly - lo) / (hi - lo) * float(1 << H.QBITS))
    q = np.clip(q, 0, H.QMAX).astype(np.int64)
    cells = (local.reshape(-1, 1, 1) * m1 + np.arange(m1).reshape(1, -1, 1)) * v + np.arange(
        v
    ).reshape(1, 1, -1)
    key = np.sort(((cells << H.QBITS) | q).ravel())
    group = key >> H.SHIFT
    starts = np.flatnonzero(np.concatenate([[True], group[1:] != group[:-1]]))
    ends = np.concatenate([starts[1:], [key.size]])
    qv = key & H.QMAX
    cell = group[starts] >> H.BIN_BITS
    return pa.table(
        {
            "point": uniq[cell // (m1 * v)].astype(np.int64),
            "month": ((cell // v) % m1).astype(np.int32),
            "variable": np.asarray(var_index, dtype=np.int32)[cell % v],
            "bin": (group[starts] & ((1 << H.BIN_BITS) - 1)).astype(np.int32),
            "count": (ends - starts).astype(np.int64),
            "qmin": qv[starts],
            "qmax": qv[ends - 1],
            "qsum": np.add.reduceat(qv, starts),
        }
    )


def assert_same_table(a, b) -> None:  # type: ignore[no-untyped-def]
    assert a.column_names == b.column_names
    for name in a.column_names:
        x, y = a[name].to_numpy(), b[name].to_numpy()
        assert x.dtype == y.dtype, name
        np.testing.assert_array_equal(x, y, err_msg=name)


def test_the_histogram_ranges_are_the_declared_ranges() -> None:
    for i, name in enumerate(MONTHLY_VARS):
        assert store.var_range(name) == (H.MONTHLY[i].lo, H.MONTHLY[i].hi), name


@pytest.mark.parametrize("runs_per_point", [1, 7, 63, 64, 300])
def test_month_by_month_rows_equal_the_whole_array_rows(runs_per_point: int) -> None:
    sc = load_scenario("hindcast_2022_2023")
    points = np.repeat(np.arange(5) * 3, runs_per_point)
    res = simulate(sc, 5, np.arange(points.shape[0]), months=14, keep_monthly=True)
    assert res.monthly is not None
    var_index = [0, 2, 3, 17, 21, 22, 28]
    whole = chunk_histogram(points, res.monthly[:, :, var_index], var_index)
    by_month = H.MonthlyHistogram(points, var_index)
    for m in range(res.monthly.shape[1]):
        by_month.add(m, res.monthly[:, m])
    assert_same_table(by_month.table(), whole)
    assert whole.num_rows > 0


def test_values_outside_the_range_are_clipped_as_before() -> None:
    rng = np.random.default_rng(3)
    monthly = rng.uniform(-3, 300, size=(200, 4, len(MONTHLY_VARS)))
    points = np.sort(rng.integers(0, 9, 200))
    var_index = list(range(len(MONTHLY_VARS)))
    whole = chunk_histogram(points, monthly, var_index)
    by_month = H.MonthlyHistogram(points, var_index)
    for m in range(4):
        by_month.add(m, monthly[:, m])
    assert_same_table(by_month.table(), whole)


def test_runs_given_in_groups_give_the_same_rows() -> None:
    """A chunk's runs may come in groups (one per scenario structure), each with its rows."""
    rng = np.random.default_rng(8)
    monthly = rng.uniform(0, 1, size=(90, 3, len(MONTHLY_VARS)))
    points = np.repeat(np.arange(6), 15)
    var_index = [4, 5, 14]
    whole = chunk_histogram(points, monthly[:, :, var_index], var_index)
    grouped = H.MonthlyHistogram(points, var_index)
    groups = [np.flatnonzero(points % 2 == 0), np.flatnonzero(points % 2 == 1)]
    for m in range(3):
        for rows in groups:
            grouped.add(m, monthly[rows, m], rows=rows)
    assert_same_table(grouped.table(), whole)


def test_many_points_give_the_same_rows() -> None:
    rng = np.random.default_rng(5)
    monthly = rng.uniform(0, 1, size=(3000, 9, len(MONTHLY_VARS)))
    points = np.arange(3000)  # every run its own point, as in a Saltelli design
    var_index = [0, 7]
    whole = chunk_histogram(points, monthly[:, :, var_index], var_index)
    by_month = H.MonthlyHistogram(points, var_index)
    for m in range(9):
        by_month.add(m, monthly[:, m])
    assert_same_table(by_month.table(), whole)
