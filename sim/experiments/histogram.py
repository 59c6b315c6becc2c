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

import threading
from collections.abc import Collection, Iterator
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
#: The quantiles of the monthly aggregates (``q05`` ... ``q95``).
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Rows a chunk's histogram buffers hold at first (they double when a month does not fit; only
#: the rows written take memory).
FIRST_ROWS = 1 << 20


def quantile_ranks(n: Arr) -> list[tuple[Arr, Arr, Arr]]:
    """For each of QUANTILES, of cells of ``n`` values: (h, k0, k1), the "linear" quantile's
    position h = (n - 1) q and the ranks (from 0) of the two order statistics it lies between."""
    out = []
    for qq in QUANTILES:
        h = (n - 1) * qq
        k0 = np.floor(h).astype(np.int64)
        k1 = np.minimum(k0 + 1, n - 1)
        out.append((h, k0, k1))
    return out


class MonthlyHistogram:
    """Histogram rows of one chunk, fed a month at a time.

    Each :meth:`add` bins the month's values (one compiled pass: quantise and count) and appends
    its rows to one set of growing buffers, noting where each design point's rows of that month
    start (a segment); :meth:`table` then copies the segments out in (point, month) order, in one
    compiled pass.

    Args:
        points: (n,) design point of each run of the chunk, non-decreasing.
        var_index: indices in ``MONTHLY_VARS`` of the variables to aggregate.
    """

    def __init__(self, points: Arr, var_index: list[int] | tuple[int, ...]) -> None:
        self.points = np.asarray(points, dtype=np.int64)
        self.var_index = np.asarray(var_index, dtype=np.int64)
        self.lo = np.array([MONTHLY[i].lo for i in self.var_index], dtype=float)
        self.width = np.array([MONTHLY[i].hi for i in self.var_index], dtype=float) - self.lo
        self._rows = 0  # rows in the buffers
        self._buf: _RowBuffers | None = None  # taken from the spare ones at the first month
        self._table: Any = None  # the rows once put in order (the buffers are then given back)
        self._done = False  # the rows were taken (table or pieces)
        self._segments: list[tuple[Arr, int, Arr, Arr]] = []  # (points, month, start, length)
        self._q: Arr | None = None  # the month's quantised values (variables, runs), reused

    def add(self, month: int, record: Arr, rows: Arr | None = None) -> None:
        """Add one month: ``record`` (m, V_all) holds runs ``rows`` of the chunk (default all)."""
        points = self.points if rows is None else self.points[rows]
        n = points.shape[0]
        if self._done:
            raise RuntimeError("a histogram's rows were already taken")
        if n == 0:
            return
        if self._buf is None:
            self._buf = _take_buffers()
        change = np.flatnonzero(points[1:] != points[:-1]) + 1
        starts = np.concatenate([[0], change]).astype(np.int64)
        ends = np.concatenate([change, [n]]).astype(np.int64)
        if self._q is None or self._q.shape[1] < n:
            self._q = np.empty((self.var_index.shape[0], n), dtype=np.int64)
        seg_start = np.empty(starts.shape[0], dtype=np.int64)
        seg_len = np.empty(starts.shape[0], dtype=np.int64)
        while True:
            b = self._buf
            assert b is not None
            k = _month_rows(
                record, self.var_index, self.lo, self.width, self._q, starts, ends, self._rows,
                b.var, b.bin, b.count, b.qmin, b.qmax, b.qsum, seg_start, seg_len,
            )  # fmt: skip
            if k >= 0:
                break
            # the month did not fit: larger buffers, and the month again
            self._buf = b.grown(max(2 * b.size, self._rows + min(n, MAX_BINS)), self._rows)
        self._rows = k
        self._segments.append((points[starts], month, seg_start, seg_len))

    def table(self) -> Any:
        """The rows as a pyarrow Table (point, month, variable, bin, count, qmin, qmax, qsum),
        ordered by point, month, variable and bin."""
        if self._table is None:
            (self._table,) = self.pieces(None)
        return self._table

    def _ordered_segments(self) -> tuple[Arr, Arr, Arr, Arr]:
        """The segments (point, month, first row, rows) in (point, month) order."""
        if self._segments:
            point = np.concatenate([s[0] for s in self._segments])
            month = np.concatenate([np.full(s[0].shape[0], s[1], np.int64) for s in self._segments])
            start = np.concatenate([s[2] for s in self._segments])
            length = np.concatenate([s[3] for s in self._segments])
        else:
            point = month = start = length = np.zeros(0, dtype=np.int64)
        order = np.lexsort((month, point))  # a (point, month)'s rows: by variable, then bin
        return point[order], month[order], start[order], length[order]

    def cells(self, points: Collection[int]) -> dict[str, Any] | None:
        """The whole numbers the monthly aggregates of design points ``points`` are made of,
        straight from the buffers (no table of their rows is made): per (point, month,
        variable) cell in that order, ``point``, ``month``, ``var`` (index in MONTHLY_VARS),
        ``n``, ``total_q`` (sum of the quantised values), ``ranks`` (:func:`quantile_ranks`)
        and ``located``: for each quantile's two ranks, the row holding that order statistic
        (qmin, qmax, count, rank within the row). The same numbers as the driver's merge of
        these rows (``store._aggregates``): :func:`sim.experiments.store.aggregate_table`
        makes the table. Call it before the rows are taken; None when no row is of ``points``
        or the variables are not in MONTHLY_VARS order (the rows' order is then not the
        table's)."""
        if self._done or self._buf is None or not len(points):
            return None
        if np.any(np.diff(self.var_index) <= 0):
            return None
        point, month, start, length = self._ordered_segments()
        sel = np.isin(point, np.asarray(sorted(points), dtype=np.int64))
        if not sel.any():
            return None
        point, month, start, length = point[sel], month[sel], start[sel], length[sel]
        b = self._buf
        cstart, seg, var, n, total_q = _cell_sums(start, length, b.var, b.count, b.qsum)
        ranks = quantile_ranks(n)
        ks = np.stack([k for _, k0, k1 in ranks for k in (k0, k1)])
        lo, hi, c, r = _locate(cstart, ks, b.count, b.qmin, b.qmax)
        located = [(lo[j], hi[j], c[j], r[j]) for j in range(ks.shape[0])]
        return {"point": point[seg], "month": month[seg], "var": self.var_index[var], "n": n,
                "total_q": total_q, "ranks": ranks, "located": located}  # fmt: skip

    def pieces(self, max_rows: int | None, skip: Collection[int] | None = None) -> Iterator[Any]:
        """The rows of :meth:`table`, in order, as consecutive tables of one design point each
        and at most ``max_rows`` rows (unless one (point, month) has more): small tables, so a
        writer need not hold a second copy of the chunk's rows (None: one table of them all).
        Without the rows of the points in ``skip``. Once only (the buffers then go to the
        process's next histogram); an empty histogram gives one empty table."""
        import pyarrow as pa

        if self._table is not None or self._done:
            raise RuntimeError("a histogram's rows were already taken")
        self._done = True
        point, month, start, length = self._ordered_segments()
        if skip is not None and point.shape[0]:
            keep = ~np.isin(point, np.asarray(sorted(skip), dtype=np.int64))
            point, month, start, length = point[keep], month[keep], start[keep], length[keep]
        buf = self._buf or _RowBuffers(0)
        names = ("point", "month", "variable", "bin", "count", "qmin", "qmax", "qsum")
        cuts = [0, point.shape[0]] if max_rows is None else _cuts(point, length, max_rows)
        try:
            for a, b in zip(cuts[:-1], cuts[1:], strict=True):
                cols = _gather(point[a:b], month[a:b], start[a:b], length[a:b], self.var_index,
                               *buf.arrays())  # fmt: skip
                yield pa.table(dict(zip(names, cols, strict=True)))
        finally:
            if self._buf is not None:
                _give_back(self._buf)
                self._buf = None


def _cuts(point: Arr, length: Arr, max_rows: int) -> list[int]:
    """Where to cut the ordered segments into pieces: at each new point, and before a segment
    that would take a piece past ``max_rows`` rows; at least one (maybe empty) piece."""
    cuts, rows = [0], 0
    for s in range(point.shape[0]):
        if s > 0 and (point[s] != point[s - 1] or rows + length[s] > max_rows):
            cuts.append(s)
            rows = 0
        rows += int(length[s])
    cuts.append(point.shape[0])
    return cuts


class _RowBuffers:
    """Histogram rows as they are made (variable position, bin, count, qmin, qmax, qsum)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.var = np.empty(size, dtype=np.int64)
        self.bin = np.empty(size, dtype=np.int64)
        self.count = np.empty(size, dtype=np.int64)
        self.qmin = np.empty(size, dtype=np.int64)
        self.qmax = np.empty(size, dtype=np.int64)
        self.qsum = np.empty(size, dtype=np.int64)

    def arrays(self) -> tuple[Arr, ...]:
        return self.var, self.bin, self.count, self.qmin, self.qmax, self.qsum

    def grown(self, size: int, used: int) -> _RowBuffers:
        out = _RowBuffers(size)
        for new, old in zip(out.arrays(), self.arrays(), strict=True):
            new[:used] = old[:used]
        return out


#: Buffers a finished histogram gave back, for the process's next chunk (so a worker does not
#: allocate, fault in and grow them again for every chunk); a lock, as chunks may run on threads.
_SPARE: list[_RowBuffers] = []
_SPARE_LOCK = threading.Lock()


def _take_buffers() -> _RowBuffers:
    with _SPARE_LOCK:
        return _SPARE.pop() if _SPARE else _RowBuffers(FIRST_ROWS)


def _give_back(buf: _RowBuffers) -> None:
    with _SPARE_LOCK:
        if not _SPARE:
            _SPARE.append(buf)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _month_rows(
    record: Arr, var_index: Arr, lo: Arr, width: Arr, q: Arr, starts: Arr, ends: Arr, k: int,
    var: Arr, bin_: Arr, count: Arr, qmin: Arr, qmax: Arr, qsum: Arr,
    seg_start: Arr, seg_len: Arr,
) -> int:  # fmt: skip
    """One month's rows, written from row ``k`` on; returns the next free row, or -1 when the
    buffers are too small for them (nothing before row ``k`` is changed).

    First each value of the month's record is put on its variable's fixed range as a whole
    number in [0, 2**QBITS - 1] (rounded half to even): the arithmetic of
    ``clip(rint((x - lo) / width * 2**QBITS), 0, QMAX)`` on whole arrays, into ``q``
    (variables, runs). Then, for each point's runs (``starts``/``ends``) and each variable, the
    non-empty bins in order: a point's rows start at ``seg_start`` and number ``seg_len``."""
    scale = float(1 << QBITS)
    n = ends[ends.shape[0] - 1]
    nv = var_index.shape[0]
    for r in range(n):
        for j in range(nv):
            x = np.rint((record[r, var_index[j]] - lo[j]) / width[j] * scale)
            q[j, r] = QMAX if x > QMAX else (0 if x < 0 else np.int64(x))
    nbins = 1 << BIN_BITS
    c = np.zeros(nbins, dtype=np.int64)
    low = np.full(nbins, QMAX, dtype=np.int64)
    high = np.zeros(nbins, dtype=np.int64)
    total = np.zeros(nbins, dtype=np.int64)
    room = var.shape[0]
    for s in range(starts.shape[0]):
        a, b = starts[s], ends[s]
        seg_start[s] = k
        for v in range(nv):
            if k + min(b - a, nbins) > room:
                return -1  # the buffers are full
            if b - a < SORT_BELOW:
                vals = np.sort(q[v, a:b])
                i = 0
                while i < vals.shape[0]:
                    bn = vals[i] >> SHIFT
                    j = i
                    acc = 0
                    while j < vals.shape[0] and (vals[j] >> SHIFT) == bn:
                        acc += vals[j]
                        j += 1
                    var[k], bin_[k], count[k] = v, bn, j - i
                    qmin[k], qmax[k], qsum[k] = vals[i], vals[j - 1], acc
                    k += 1
                    i = j
            else:
                first, last = nbins, -1  # the bins in use lie in [first, last]
                row = q[v]
                for r in range(a, b):
                    x = row[r]
                    bn = x >> SHIFT
                    first = min(first, bn)
                    last = max(last, bn)
                    c[bn] += 1
                    low[bn] = min(low[bn], x)
                    high[bn] = max(high[bn], x)
                    total[bn] += x
                for bn in range(first, last + 1):
                    if c[bn] > 0:
                        var[k], bin_[k], count[k] = v, bn, c[bn]
                        qmin[k], qmax[k], qsum[k] = low[bn], high[bn], total[bn]
                        k += 1
                        # clean for the next (point, variable)
                        c[bn], low[bn], high[bn], total[bn] = 0, QMAX, 0, 0
        seg_len[s] = k - seg_start[s]
    return k


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _gather(
    point: Arr, month: Arr, start: Arr, length: Arr, var_index: Arr,
    var: Arr, bin_: Arr, count: Arr, qmin: Arr, qmax: Arr, qsum: Arr,
) -> tuple[Arr, Arr, Arr, Arr, Arr, Arr, Arr, Arr]:  # fmt: skip
    """The table's columns: the segments' rows, segment after segment."""
    n = 0
    for s in range(length.shape[0]):
        n += length[s]
    o_point = np.empty(n, dtype=np.int64)
    o_month = np.empty(n, dtype=np.int32)
    o_var = np.empty(n, dtype=np.int32)
    o_bin = np.empty(n, dtype=np.int32)
    o_count = np.empty(n, dtype=np.int64)
    o_qmin = np.empty(n, dtype=np.int64)
    o_qmax = np.empty(n, dtype=np.int64)
    o_qsum = np.empty(n, dtype=np.int64)
    k = 0
    for s in range(length.shape[0]):
        for i in range(start[s], start[s] + length[s]):
            o_point[k] = point[s]
            o_month[k] = month[s]
            o_var[k] = var_index[var[i]]
            o_bin[k] = bin_[i]
            o_count[k], o_qmin[k], o_qmax[k], o_qsum[k] = count[i], qmin[i], qmax[i], qsum[i]
            k += 1
    return o_point, o_month, o_var, o_bin, o_count, o_qmin, o_qmax, o_qsum


@numba.njit(cache=True, nogil=True)
def _cell_sums(
    start: Arr, length: Arr, var: Arr, count: Arr, qsum: Arr
) -> tuple[Arr, Arr, Arr, Arr, Arr]:
    """The cells of segments (rows ``start``.. of ``length``, by variable then bin): each
    cell's first row, segment, variable position, count of values and sum of quantised values."""
    cells = 0  # first pass: how many (a cell's rows are consecutive and of one variable)
    for s in range(start.shape[0]):
        for r in range(start[s], start[s] + length[s]):
            if r == start[s] or var[r] != var[r - 1]:
                cells += 1
    cstart = np.empty(cells, dtype=np.int64)
    seg = np.empty(cells, dtype=np.int64)
    cvar = np.empty(cells, dtype=np.int64)
    n = np.empty(cells, dtype=np.int64)
    total = np.empty(cells, dtype=np.int64)
    i = 0
    for s in range(start.shape[0]):
        r, end = start[s], start[s] + length[s]
        while r < end:
            v, first, acc_n, acc_q = var[r], r, 0, 0
            while r < end and var[r] == v:
                acc_n += count[r]
                acc_q += qsum[r]
                r += 1
            cstart[i], seg[i], cvar[i], n[i], total[i] = first, s, v, acc_n, acc_q
            i += 1
    return cstart, seg, cvar, n, total


@numba.njit(cache=True, nogil=True)
def _locate(cstart: Arr, ks: Arr, count: Arr, qmin: Arr, qmax: Arr) -> tuple[Arr, Arr, Arr, Arr]:
    """For each cell (rows from ``cstart``) and each of its ranks ``ks[j]``, the row holding
    that order statistic (the first row whose running count passes the rank): its qmin, qmax,
    count and the rank within it, as (ranks, cells) arrays. One walk a cell when the ranks do
    not decrease (a walk starts again at the cell's first row when one does)."""
    nk, m = ks.shape
    lo = np.empty((nk, m), dtype=np.int64)
    hi = np.empty((nk, m), dtype=np.int64)
    c = np.empty((nk, m), dtype=np.int64)
    r = np.empty((nk, m), dtype=np.int64)
    for i in range(m):
        row, acc, last = cstart[i], 0, -1
        for j in range(nk):
            k = ks[j, i]
            if k < last:
                row, acc = cstart[i], 0
            last = k
            while acc + count[row] <= k:
                acc += count[row]
                row += 1
            lo[j, i], hi[j, i], c[j, i], r[j, i] = qmin[row], qmax[row], count[row], k - acc
    return lo, hi, c, r
