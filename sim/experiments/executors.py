"""Running chunks of runs: the chunk worker and one executor interface over three back ends.

A chunk is a list of (design point, replication) pairs. :func:`run_chunk` simulates it (array
engine or Mesa model) and returns its store files as Parquet bytes; the driver
(``sim.experiments.driver.run_experiment``) writes them atomically. Because every run is a pure function
of (scenario, root seed, replication), the bytes do not depend on which chunk, worker, process or
machine ran it.

Executors (all expose ``submit(fn, task) -> concurrent.futures.Future``, ``workers``, ``name``
and ``close()``):

- :class:`InProcessExecutor`: runs each chunk in the calling process (``--workers 1``).
- :class:`PoolExecutor`: local worker processes (``concurrent.futures.ProcessPoolExecutor``
  with the "forkserver" start method where available, else "spawn"), kept after a clean batch
  for the next one (:data:`KEEP_WORKERS_SECONDS`, :func:`shutdown_workers`).
- :class:`DaskExecutor`: a Dask distributed cluster (``--scheduler tcp://HOST:PORT``), or a
  ``LocalCluster`` bound to 127.0.0.1 (``--scheduler local``).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from sim.core.params import Scenario, param_info
from sim.experiments.uncertainty import Uncertainty, theta_column

Arr = npt.NDArray[Any]


@dataclass(frozen=True)
class PointGroup:
    """Design points that share one scenario structure (strategies, schedules, events); their
    numeric factor values are passed per run through ``sim.engines.batch.simulate(varying=...)``."""

    scenario: Scenario
    points: tuple[int, ...]  # sorted
    varying: dict[str, tuple[float, ...]] = field(default_factory=dict)  # one value per point


@dataclass(frozen=True)
class ChunkTask:
    """Everything a worker needs to run one chunk (small, picklable)."""

    chunk_id: int
    design_hash: str
    seed: int
    months: int
    engine: str
    point: Arr  # (n,) int64, non-decreasing
    replication: Arr  # (n,) int64
    groups: tuple[PointGroup, ...]
    factor_values: dict[str, dict[int, Any]]  # factor -> point -> value
    run_outcomes: tuple[str, ...]
    monthly_index: tuple[int, ...]  # indices in MONTHLY_VARS to aggregate
    trajectories: bool
    #: the parameters each run draws (by its replication); nothing drawn by default
    uncertainty: Uncertainty = field(default_factory=Uncertainty)
    #: the design points whose every run is in this chunk (their monthly aggregates are
    #: finalised here; the other points' histogram rows go to the driver)
    whole: tuple[int, ...] = ()


@dataclass
class ChunkOutput:
    chunk_id: int
    runs: bytes
    hist: bytes | None  # histogram rows of the points not whole in the chunk
    monthly: bytes | None  # monthly aggregate rows of the points whole in the chunk
    trajectories: bytes | None
    seconds: float
    engine: str
    worker: str
    max_rss_mb: float


def _max_rss_mb() -> float:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    except (ImportError, OSError):  # pragma: no cover - non-POSIX
        return float("nan")


def simulate_chunk(task: ChunkTask) -> tuple[dict[str, Arr], Arr, Arr, Any, Arr | None]:
    """Run a chunk's runs; returns (summary, first_taken_month, first_taken_by, histogram rows
    or None, monthly trajectories when the task keeps them).

    Histograms are built month by month (``sim.experiments.histogram``): memory holds the
    chunk's histogram rows, not its whole monthly array, which exists only when its trajectories
    are written.
    """
    summary, first_month, first_by, hist, monthly, _ = _simulate_chunk(task)
    return summary, first_month, first_by, hist.table() if hist is not None else None, monthly


def _simulate_chunk(
    task: ChunkTask,
) -> tuple[dict[str, Arr], Arr, Arr, Any, Arr | None, dict[str, Arr]]:
    """:func:`simulate_chunk` with the histogram itself (``MonthlyHistogram`` or None), and the
    parameters the runs drew (name -> (n,) values)."""
    from sim.engines.batch import MONTHLY_VARS, simulate
    from sim.experiments.histogram import MonthlyHistogram

    point, replication = task.point, task.replication
    n = point.shape[0]
    monthly = np.empty((n, task.months + 1, len(MONTHLY_VARS))) if task.trajectories else None
    hist = MonthlyHistogram(point, task.monthly_index) if task.monthly_index else None
    drawn_all = task.uncertainty.values(replication)  # never a factor: a factor wins over a draw
    out = _Outcomes(n)
    for g in task.groups:
        gp = np.asarray(g.points, dtype=np.int64)
        if len(task.groups) == 1:
            sel = np.arange(n)
        else:
            sel = np.flatnonzero(np.isin(point, gp))
            if sel.size == 0:
                continue
        local = np.searchsorted(gp, point[sel])
        reps = replication[sel]
        drawn = {k: v[sel] for k, v in drawn_all.items()}
        if task.engine == "mesa":
            summ, fm, fb, mon = _mesa_runs(task, g, local, reps, drawn,
                                           hist is not None or monthly is not None)  # fmt: skip
            if mon is not None:
                for m in range(mon.shape[1]):
                    if hist is not None:
                        hist.add(m, mon[:, m], rows=sel)
                if monthly is not None:
                    monthly[sel] = mon
        else:
            varying = {k: np.asarray(v, dtype=float)[local] for k, v in g.varying.items()}
            varying.update(drawn)

            rows = None if len(task.groups) == 1 else sel  # the runs of the record

            def on_month(m: int, record: Arr, sel: Arr = sel, rows: Arr | None = rows) -> None:
                if hist is not None:
                    hist.add(m, record, rows=rows)
                if monthly is not None:
                    monthly[sel, m] = record

            keep = hist is not None or monthly is not None
            res = simulate(g.scenario, task.seed, reps, months=task.months,
                           varying=varying or None, on_month=on_month if keep else None)  # fmt: skip
            summ, fm, fb = res.summary, res.first_taken_month, res.first_taken_by
        out.put(sel, summ, fm, fb)
    return out.summary, out.first_month, out.first_by, hist, monthly, drawn_all


@dataclass
class _Outcomes:
    """Per-run outcomes of n runs, filled part by part: summary, first-taken month and taker."""

    n: int
    summary: dict[str, Arr] = field(default_factory=dict)
    first_month: Arr = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    first_by: Arr = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))

    def put(self, rows: Any, summary: dict[str, Arr], first_month: Arr, first_by: Arr) -> None:
        if not self.summary:
            self.summary = {k: np.empty(self.n, dtype=v.dtype) for k, v in summary.items()}
            self.first_month = np.empty((self.n, first_month.shape[1]), dtype=np.int64)
            self.first_by = np.empty((self.n, first_by.shape[1]), dtype=np.int64)
        for k, v in summary.items():
            self.summary[k][rows] = v
        self.first_month[rows] = first_month
        self.first_by[rows] = first_by


def _mesa_runs(
    task: ChunkTask, g: PointGroup, local: Arr, reps: Arr, drawn: dict[str, Arr],
    need_monthly: bool,
) -> tuple[dict[str, Arr], Arr, Arr, Arr | None]:  # fmt: skip
    from sim.engines.model import AlignmentModel

    rows: list[dict[str, Any]] = []
    fm, fb, mon = [], [], []
    whole = {k for k in drawn if param_info(k)["integer"]}
    for j, (i, r) in enumerate(zip(local, reps, strict=True)):
        changes = {k: v[int(i)] for k, v in g.varying.items()}
        changes.update({k: int(v[j]) if k in whole else float(v[j]) for k, v in drawn.items()})
        sc = g.scenario.with_params(**changes) if changes else g.scenario
        model = AlignmentModel(sc, rng=task.seed, replication=int(r), months=task.months)
        traj = [model.record().copy()] if need_monthly else []
        for _ in range(task.months):
            model.step()
            if need_monthly:
                traj.append(model.record().copy())
        rows.append(model.summary())
        fm.append(np.asarray(model.first_taken_month, dtype=np.int64))
        fb.append(np.asarray(model.first_taken_by, dtype=np.int64))
        if need_monthly:
            mon.append(np.stack(traj))
    summary = {k: np.asarray([row[k] for row in rows]) for k in rows[0]}
    for k, v in summary.items():
        if v.dtype.kind == "i":
            summary[k] = v.astype(np.int64)
        elif v.dtype.kind == "f":
            summary[k] = v.astype(np.float64)
    return summary, np.stack(fm), np.stack(fb), (np.stack(mon) if need_monthly else None)


def run_chunk(task: ChunkTask) -> ChunkOutput:
    """Simulate one chunk and encode its store files (runs, histograms, trajectories)."""
    import pyarrow as pa

    from sim.core.steps import STEP_NAMES
    from sim.engines.batch import MONTHLY_VARS
    from sim.experiments.store import table_bytes
    from sim.plugins import load_plugins

    load_plugins()  # in a worker of any kind (Dask too): plugin strategies, before compiling
    t0 = time.perf_counter()
    delay = os.environ.get("ALIGNSIM_TEST_CHUNK_DELAY")  # test hook: slow chunks down
    if delay:
        time.sleep(float(delay))
    summary, ftm, ftb, histogram, monthly, drawn = _simulate_chunk(task)
    n = task.point.shape[0]
    cols: dict[str, Any] = {
        "point": task.point.astype(np.int64),
        "replication": task.replication.astype(np.int64),
        "seed": np.full(n, task.seed, dtype=np.int64),
    }
    if drawn:
        cols["draw"] = task.uncertainty.draw_index(task.replication).astype(np.int64)
    for fname, per_point in task.factor_values.items():
        vals = [per_point[int(p)] for p in task.point]
        cols[fname] = pa.array(vals)
    for name, values in drawn.items():
        cols[theta_column(name)] = values.astype(np.float64)
    for k in task.run_outcomes:
        cols[k] = summary[k]
    for j, step in enumerate(STEP_NAMES):
        cols[f"first_month_{step}"] = ftm[:, j]
    for j, step in enumerate(STEP_NAMES):
        cols[f"first_by_{step}"] = ftb[:, j]
    meta = {"alignsim.design_hash": task.design_hash, "alignsim.chunk": str(task.chunk_id)}
    runs = table_bytes(pa.table(cols), meta)
    hist = part = None
    if histogram is not None:
        hist, part = split_histogram(histogram, task.whole, task.months, meta)
    traj = None
    if task.trajectories and monthly is not None:
        m1 = task.months + 1
        tcols: dict[str, Any] = {
            "point": np.repeat(task.point, m1),
            "replication": np.repeat(task.replication, m1),
            "month": np.tile(np.arange(m1, dtype=np.int64), n),
        }
        for j, name in enumerate(MONTHLY_VARS):
            tcols[name] = monthly[:, :, j].reshape(-1)
        traj = table_bytes(pa.table(tcols), meta)
    return ChunkOutput(
        chunk_id=task.chunk_id,
        runs=runs,
        hist=hist,
        monthly=part,
        trajectories=traj,
        seconds=time.perf_counter() - t0,
        engine=task.engine,
        worker=f"{socket.gethostname()}:{os.getpid()}",
        max_rss_mb=_max_rss_mb(),
    )


#: The histogram file's columns with few distinct values (dictionary-encoded); the others
#: (minimum, maximum, sum of the quantised values) are nearly all distinct: delta-encoded.
HIST_DICTIONARY = ("point", "month", "variable", "bin", "count")
HIST_DELTA = {name: "DELTA_BINARY_PACKED" for name in ("qmin", "qmax", "qsum")}
#: Rows of a histogram file's row group at most (the store's other files use the same).
HIST_ROW_GROUP = 262_144


def split_histogram(
    histogram: Any, whole: Iterable[int], months: int, metadata: dict[str, str]
) -> tuple[bytes | None, bytes | None]:
    """A chunk's histogram as (histogram file, monthly part), Parquet bytes or None: the design
    points whose runs all lie in the chunk (``whole``) are finalised here into their monthly
    aggregate rows (``MonthlyHistogram.cells``, then ``store.aggregate_table``: the numbers and
    arithmetic of the driver's merge, so the rows are bit-identical); only the other points'
    histogram rows go into the histogram file (:func:`hist_bytes`), for the driver to merge
    with the other chunks' rows of those points."""
    from sim.experiments.store import aggregate_table, monthly_from_histograms, table_bytes

    whole = set(whole)
    part = None
    cells = histogram.cells(whole)
    if cells is not None:
        table = aggregate_table(cells["point"], cells["month"], cells["var"], cells["n"],
                                cells["total_q"], cells["ranks"], cells["located"])  # fmt: skip
        part = table_bytes(table, metadata)
        pieces = histogram.pieces(HIST_ROW_GROUP, skip=whole)
    elif whole:  # not from the buffers (variables out of order): the merge of their rows
        import pyarrow as pa

        finals: list[Any] = []
        others: list[Any] = []
        for piece in histogram.pieces(HIST_ROW_GROUP):
            point = piece.column("point")
            is_whole = len(point) and int(point[0].as_py()) in whole
            (finals if is_whole else others).append(piece)
        if finals:
            merged = monthly_from_histograms([pa.concat_tables(finals)], months)
            part = None if merged is None else table_bytes(merged, metadata)
        pieces = iter(others)
    else:
        pieces = histogram.pieces(HIST_ROW_GROUP)
    hist = hist_bytes((p for p in pieces if p.num_rows), metadata, empty_ok=True)
    return hist, part


def hist_bytes(pieces: Iterable[Any], metadata: dict[str, str],
               empty_ok: bool = False) -> bytes | None:  # fmt: skip
    """A chunk's histogram rows, given as consecutive tables of one design point each
    (``MonthlyHistogram.pieces``), as Parquet bytes laid out for the driver's merge, which
    reads the rows of a few design points at a time (``MonthlyWriter``): one row group per
    piece, so such a read decodes only those points' rows; only the low-cardinality columns are
    dictionary-encoded (trying it on the others costs most of the encoding time for nothing),
    the others delta-encoded, and pages are compressed with lz4 (these files are internal:
    encoding and decoding speed first)."""
    import io

    import pyarrow.parquet as pq

    buf = io.BytesIO()
    writer = None
    for piece in pieces:
        if writer is None:
            meta = dict(piece.schema.metadata or {})
            meta.update({k.encode(): v.encode() for k, v in metadata.items()})
            writer = pq.ParquetWriter(buf, piece.schema.with_metadata(meta), compression="lz4",
                                      use_dictionary=list(HIST_DICTIONARY),
                                      column_encoding=HIST_DELTA)  # fmt: skip
        writer.write_table(piece, row_group_size=max(1, piece.num_rows))
    if writer is None:
        if empty_ok:
            return None
        raise ValueError("no histogram rows (not even an empty table)")
    writer.close()
    return buf.getvalue()


# ------------------------------------------------------------------------------------ executors
class InProcessExecutor:
    """Runs each chunk in the calling process, when submitted."""

    name = "in-process"
    workers = 1

    def submit(self, fn: Callable[[Any], Any], task: Any) -> Future[Any]:
        f: Future[Any] = Future()
        try:
            f.set_result(fn(task))
        except BaseException as e:  # noqa: BLE001 - handed to the caller via the future
            if isinstance(e, KeyboardInterrupt):
                raise
            f.set_exception(e)
        return f

    def close(self) -> None:
        pass


def _exit_with_driver(driver_pid: int) -> None:
    """Worker initializer: end this worker as soon as the driver process is gone.

    A driver killed with SIGKILL cannot shut its pool down; without this its workers would go on
    computing chunks nobody will write. A daemon thread checks the driver once a second.
    """
    import os
    import threading
    import time

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(driver_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # pragma: no cover - the pid exists under another user
                pass

    threading.Thread(target=watch, name="alignsim-driver-watch", daemon=True).start()


#: Seconds the local worker processes stay up after a batch, idle, for the next batch this
#: process runs with as many workers: a new pool costs its processes' start and their first
#: chunks in cold memory (measured in benchmarks/README.md, benchmark (f)).
#: :func:`shutdown_workers` ends them at once; they end with this process in any case.
KEEP_WORKERS_SECONDS = 60.0
_kept_lock = threading.Lock()
_kept: dict[str, Any] = {"pool": None, "timer": None}


class PoolExecutor:
    """Local worker processes (ProcessPoolExecutor, forkserver/spawn: no fork of threads).
    Workers exit on their own when the driver dies (see :func:`_exit_with_driver`).

    A pool made with ``keep=True`` (as :func:`make_executor` makes it) is kept after a batch
    that finished cleanly, for :data:`KEEP_WORKERS_SECONDS`, and :meth:`kept` hands it to the
    next batch instead of starting new processes."""

    name = "processes"

    def __init__(self, workers: int, keep: bool = False) -> None:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
        self.workers = workers
        self.keep = keep
        context = mp.get_context(method)
        if method == "forkserver":  # workers fork from a server that has the kernels loaded
            context.set_forkserver_preload(["sim.experiments.worker"])
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_exit_with_driver,
            initargs=(os.getpid(),),
        )
        self._futures: list[Future[Any]] = []

    @classmethod
    def kept(cls, workers: int) -> PoolExecutor:
        """The pool the last batch kept, if it has ``workers`` processes and none has died;
        else a new pool (``keep=True``), the kept one ended."""
        pool = _take_kept()
        if pool is not None and pool.workers == workers and not pool.broken():
            return pool
        if pool is not None:
            pool.end()
        return cls(workers, keep=True)

    def broken(self) -> bool:
        """Whether a worker process died (the pool then takes no more chunks), noticed by the
        pool or not yet."""
        if getattr(self._pool, "_broken", False):
            return True
        processes = getattr(self._pool, "_processes", None) or {}
        return any(not p.is_alive() for p in list(processes.values()))

    def submit(self, fn: Callable[[Any], Any], task: Any) -> Future[Any]:
        fut = self._pool.submit(fn, task)
        self._futures = [f for f in self._futures if not f.done()] + [fut]
        return fut

    def close(self) -> None:
        """End the batch's use of the pool. A kept pool (``keep``) whose chunks all finished
        and whose processes all live waits, idle, for the next batch (:meth:`kept`) for
        :data:`KEEP_WORKERS_SECONDS`. Otherwise, when every chunk is done the workers are only
        told to exit (the caller need not wait for their teardown); when chunks are pending
        they are cancelled and the workers waited for."""
        finished = all(f.done() for f in self._futures)
        self._futures = []
        if self.keep and finished and not self.broken():
            _keep(self)
        else:
            self.end(wait=not finished)

    def end(self, wait: bool = False) -> None:
        """Shut the pool down (pending chunks cancelled); ``wait``: until the workers exit."""
        self._pool.shutdown(wait=wait, cancel_futures=True)


def _take_kept() -> PoolExecutor | None:
    """Take the kept pool, if any, out of keeping (its idle timer stopped)."""
    with _kept_lock:
        pool, timer = _kept["pool"], _kept["timer"]
        _kept["pool"] = _kept["timer"] = None
    if timer is not None:
        timer.cancel()
    return pool  # type: ignore[no-any-return]


def _keep(pool: PoolExecutor) -> None:
    """Keep ``pool`` for the next batch (ending any other kept pool) until it has been idle for
    :data:`KEEP_WORKERS_SECONDS`."""
    old = _take_kept()
    if old is not None and old is not pool:
        old.end()
    timer = threading.Timer(KEEP_WORKERS_SECONDS, _release, args=(pool,))
    timer.daemon = True
    with _kept_lock:
        _kept["pool"], _kept["timer"] = pool, timer
    timer.start()


def _release(pool: PoolExecutor) -> None:
    """End ``pool`` if it is still the kept one (its idle time is up)."""
    with _kept_lock:
        if _kept["pool"] is not pool:
            return
        _kept["pool"] = _kept["timer"] = None
    pool.end()


def shutdown_workers(wait: bool = True) -> None:
    """End the worker processes a finished batch kept for the next one (see
    :data:`KEEP_WORKERS_SECONDS`), for example to free their memory at once; ``wait``: until
    they have exited."""
    pool = _take_kept()
    if pool is not None:
        pool.end(wait=wait)


class DaskExecutor:
    """A Dask distributed cluster: ``tcp://HOST:PORT``, or ``local`` for a LocalCluster."""

    name = "dask"

    def __init__(self, address: str, workers: int) -> None:
        import logging

        from distributed import Client, LocalCluster

        self._cluster = None
        if address == "local":
            self._cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self._client = Client(self._cluster)
        else:
            self._client = Client(address, timeout=30)
        info = self._client.scheduler_info()
        self.workers = max(1, len(info.get("workers", {})))
        self.address = self._client.scheduler.address if self._client.scheduler else address
        self._executor = self._client.get_executor(pure=False)

    def submit(self, fn: Callable[[Any], Any], task: Any) -> Future[Any]:
        fut: Future[Any] = self._executor.submit(fn, task)
        return fut

    def close(self) -> None:
        self._executor.shutdown(wait=False)
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


class ExternalExecutor:
    """Any ``concurrent.futures.Executor`` the caller made and owns (a thread or process pool,
    MPI's ``MPIPoolExecutor`` on a cluster, Dask's ``client.get_executor()``, ...). The batch
    submits its chunks to it and leaves it open."""

    def __init__(self, executor: Any) -> None:
        if not callable(getattr(executor, "submit", None)):
            from sim.errors import UserError

            raise UserError("not an executor", key="executor",
                            expected="a concurrent.futures.Executor (with submit())",
                            found=type(executor).__name__)  # fmt: skip
        self._executor = executor
        self.name = type(executor).__name__
        self.workers = int(getattr(executor, "_max_workers", 0) or getattr(executor, "workers", 0)
                           or os.cpu_count() or 1)  # fmt: skip

    def submit(self, fn: Callable[[Any], Any], task: Any) -> Future[Any]:
        fut: Future[Any] = self._executor.submit(fn, task)
        return fut

    def close(self) -> None:
        pass  # the caller's executor: the caller shuts it down


Executor = InProcessExecutor | PoolExecutor | DaskExecutor | ExternalExecutor


def make_executor(workers: int | None, scheduler: str | None, executor: Any = None) -> Executor:
    """The executor for ``--workers`` and ``--scheduler`` (default: one process per core), or
    the caller's own ``concurrent.futures.Executor``."""
    from sim.errors import UserError

    if executor is not None:
        return ExternalExecutor(executor)

    if workers is not None and workers < 1:
        raise UserError("bad worker count", key="--workers", expected="1 or more", found=workers)
    n = workers or (os.cpu_count() or 1)
    if scheduler:
        if scheduler != "local" and not scheduler.startswith(("tcp://", "tls://", "inproc://")):
            raise UserError("bad scheduler address", key="--scheduler",
                            expected="local, or tcp://HOST:PORT", found=scheduler)  # fmt: skip
        try:
            return DaskExecutor(scheduler, n)
        except (OSError, TimeoutError, ValueError) as e:  # ValueError: a malformed address
            raise UserError(f"cannot reach the Dask scheduler ({e})", key="--scheduler",
                            found=scheduler) from None  # fmt: skip
    if n == 1:
        return InProcessExecutor()
    return PoolExecutor.kept(n)
