"""Monthly histograms built month by month, without keeping a chunk's trajectories.

A chunk's monthly aggregates (``docs/STORE.md``) are, per (design point, month, variable, bin),
the count, minimum, maximum and sum of the quantised values. :class:`MonthlyHistogram` takes one
month's record of every run at a time (the batch engine's ``on_month``), so memory holds one
month, not the chunk's whole (runs x months x variables) array, and the compiled binning costs
a few nanoseconds a value. Its rows are the same, to the bit and in the same order, as those of
the whole-array computation the store used before (kept in tests/experiments/test_histogram.py as the
reference).
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
import numpy.typing as npt

from sim.core.outputs import MONTHLY

Arr = npt.NDArray[Any]
#: The store's quantisation (its format): values become QBITS-bit integers on each variable's
#: declared range, grouped in 2**BIN_BITS bins.
QBITS = 40
BIN_BITS = 9
SHIFT = QBITS - BIN_BITS
QMAX = (1 << QBITS) - 1
#: Bins a variable has (rows a (point, month, variable) can take at most).
MAX_BINS = 1 << BIN_BITS
#: Below this many runs of a point, a variable's values are sorted instead of counted into bins.
SORT_BELOW = 64
#: Up to this many (point, month block) pieces, rows are put in order by interleaving the
#: months' blocks; beyond it by one sort.
INTERLEAVE_MAX = 20_000


class MonthlyHistogram:
    """Histogram rows of one chunk, fed a month at a time.

    Args:
        points: (n,) design point of each run of the chunk, non-decreasing.
        var_index: indices in ``MONTHLY_VARS`` of the variables to aggregate.
    """

    def __init__(self, points: Arr, var_index: list[int] | tuple[int, ...]) -> None:
        self.points = np.asarray(points, dtype=np.int64)
        self.var_index = np.asarray(var_index, dtype=np.int64)
        self.lo = np.array([MONTHLY[i].lo for i in self.var_index])
        self.hi = np.array([MONTHLY[i].hi for i in self.var_index])
        self._blocks: list[tuple[Arr, ...]] = []
        self._out: list[Arr] | None = None  # the kernel's output buffers, reused every month
        self._q: Arr | None = None  # the month's quantised values, reused every month

    def add(self, month: int, record: Arr, rows: Arr | None = None) -> None:
        """Add one month: ``record`` (m, V_all) holds runs ``rows`` of the chunk (default all)."""
        points = self.points if rows is None else self.points[rows]
        if points.shape[0] == 0:
            return
        n = record.shape[0]
        if self._q is None or self._q.shape[0] < n:
            self._q = np.empty((n, self.var_index.shape[0]), dtype=np.int64)
        q = self._q[:n]
        _quantise(record, self.var_index, self.lo, self.hi - self.lo, q)
        change = np.flatnonzero(np.diff(points)) + 1
        starts = np.concatenate([[0], change]).astype(np.int64)
        ends = np.concatenate([change, [points.shape[0]]]).astype(np.int64)
        if self._out is None or self._out[0].shape[0] < q.size:
            self._out = [np.empty(q.size, dtype=np.int64) for _ in range(7)]
        k = _month_rows(q, starts, ends, points[starts], *self._out)
        point, var, bin_, count, qmin, qmax, qsum = (a[:k].copy() for a in self._out)
        self._blocks.append(
            (point, np.full(k, month, np.int64), var, bin_, count, qmin, qmax, qsum)
        )

    def table(self) -> Any:
        """The rows as a pyarrow Table (point, month, variable, bin, count, qmin, qmax, qsum),
        ordered by point, month, variable and bin."""
        import pyarrow as pa

        names = ("point", "month", "var", "bin", "count", "qmin", "qmax", "qsum")
        keys = np.unique(np.concatenate([b[0] for b in self._blocks])) if self._blocks else None
        if keys is None:
            cols = {n: np.zeros(0, dtype=np.int64) for n in names}
        elif keys.shape[0] * len(self._blocks) > INTERLEAVE_MAX:  # many points: one sort
            cols = {n: np.concatenate([b[i] for b in self._blocks]) for i, n in enumerate(names)}
            order = np.lexsort((cols["bin"], cols["var"], cols["month"], cols["point"]))
            cols = {n: c[order] for n, c in cols.items()}
        else:
            # each month's block is ordered by point, variable and bin: interleave the blocks
            # point by point (months in order) instead of sorting every row
            self._blocks.sort(key=lambda b: int(b[1][0]) if b[1].shape[0] else -1)
            pieces: list[list[Arr]] = [[] for _ in names]
            bounds = [np.searchsorted(b[0], keys, side="left") for b in self._blocks]
            ends = [np.searchsorted(b[0], keys, side="right") for b in self._blocks]
            for j in range(keys.shape[0]):
                for b, lo, hi in zip(self._blocks, bounds, ends, strict=True):
                    if hi[j] > lo[j]:
                        for i in range(len(names)):
                            pieces[i].append(b[i][lo[j] : hi[j]])
            cols = {n: np.concatenate(pieces[i]) for i, n in enumerate(names)}
        return pa.table(
            {
                "point": cols["point"],
                "month": cols["month"].astype(np.int32),
                "variable": self.var_index[cols["var"]].astype(np.int32),
                "bin": cols["bin"].astype(np.int32),
                "count": cols["count"],
                "qmin": cols["qmin"],
                "qmax": cols["qmax"],
                "qsum": cols["qsum"],
            }
        )


@numba.njit(cache=True, nogil=True)
def _quantise(record: Arr, var_index: Arr, lo: Arr, width: Arr, out: Arr) -> None:
    """Each value of the month's record on the variable's fixed range, as a whole number in
    [0, 2**QBITS - 1] (rounded half to even): the same arithmetic as
    ``clip(rint((x - lo) / width * 2**QBITS), 0, QMAX)`` on whole arrays, one pass, in place."""
    scale = float(1 << QBITS)
    for r in range(out.shape[0]):
        for j in range(var_index.shape[0]):
            x = np.rint((record[r, var_index[j]] - lo[j]) / width[j] * scale)
            out[r, j] = QMAX if x > QMAX else (0 if x < 0 else np.int64(x))


@numba.njit(cache=True, nogil=True)
def _month_rows(
    q: Arr, starts: Arr, ends: Arr, point_of: Arr,
    point: Arr, var: Arr, bin_: Arr, count: Arr, qmin: Arr, qmax: Arr, qsum: Arr,
) -> int:  # fmt: skip
    """One month's rows: for each point's runs and each variable, the non-empty bins in order."""
    nbins = 1 << BIN_BITS
    c = np.zeros(nbins, dtype=np.int64)
    lo = np.zeros(nbins, dtype=np.int64)
    hi = np.zeros(nbins, dtype=np.int64)
    total = np.zeros(nbins, dtype=np.int64)
    k = 0
    for s in range(starts.shape[0]):
        a, b = starts[s], ends[s]
        for v in range(q.shape[1]):
            if b - a < SORT_BELOW:
                vals = np.sort(q[a:b, v])
                i = 0
                while i < vals.shape[0]:
                    bn = vals[i] >> SHIFT
                    j = i
                    acc = 0
                    while j < vals.shape[0] and (vals[j] >> SHIFT) == bn:
                        acc += vals[j]
                        j += 1
                    point[k], var[k], bin_[k], count[k] = point_of[s], v, bn, j - i
                    qmin[k], qmax[k], qsum[k] = vals[i], vals[j - 1], acc
                    k += 1
                    i = j
            else:
                first, last = nbins, -1  # the bins in use lie in [first, last]
                for r in range(a, b):
                    x = q[r, v]
                    bn = x >> SHIFT
                    if bn < first or bn > last or c[bn] == 0:
                        if bn < first:
                            first = bn
                        if bn > last:
                            last = bn
                        if c[bn] == 0:
                            lo[bn], hi[bn], total[bn] = x, x, 0
                    c[bn] += 1
                    lo[bn] = min(lo[bn], x)
                    hi[bn] = max(hi[bn], x)
                    total[bn] += x
                for bn in range(first, last + 1):
                    if c[bn] > 0:
                        point[k], var[k], bin_[k], count[k] = point_of[s], v, bn, c[bn]
                        qmin[k], qmax[k], qsum[k] = lo[bn], hi[bn], total[bn]
                        k += 1
                        c[bn] = 0  # clean for the next (point, variable)
    return k
