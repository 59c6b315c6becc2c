"""The result store: one folder per batch (see docs/STORE.md for the full contract).

Layout::

    manifest.json        provenance, design points, chunk list with status and timings
    design.parquet       one row per design point: point, factor columns, scenario_name/hash
    runs/part-NNNNN.parquet         one row per run, one file per chunk
    monthly/part-NNNNN.parquet      a chunk's monthly aggregates of its whole points (internal)
    hist/part-NNNNN.parquet         a chunk's histograms of its other points (internal, merged)
    monthly.parquet      per point x month x variable: n, mean, q05, q25, q50, q75, q95
    trajectories/part-NNNNN.parquet only with --trajectories

Monthly aggregates are computed without keeping trajectories: each chunk quantises every monthly
value to a 40-bit integer on a fixed per-variable range and keeps, per (point, month, variable,
bin of 2**9), the count, the minimum, the maximum and the sum of the quantised values. These
merge exactly (integer sums, minima, maxima) in any order and for any chunking, so the aggregates
are bit-identical whatever the chunk size, worker count or executor. A design point whose runs
all lie in one chunk (a *whole* point: most of them) is finalised by that chunk's worker, from
its rows alone (the same arithmetic as the merge); only the points shared by chunks (at the
chunks' edges, or in every chunk once a store is extended) have their histogram rows written
and merged by the driver.

Every file is written to a temporary name and renamed into place (``os.replace``), so a killed
batch never leaves a half-written file under a final name.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from sim.core.outputs import MONTHLY, MONTHLY_BY_NAME
from sim.core.params import Scenario
from sim.errors import UserError
from sim.experiments.histogram import BIN_BITS, QBITS, QUANTILES, quantile_ranks

Arr = npt.NDArray[Any]
STORE_FORMAT = 2  # 2: 512-bin histograms (format 1 had 2048; the two must never be merged)
#: Every file and folder of a store (the fixed files; chunk files are listed in the manifest).
STORE_ENTRIES = ("manifest.json", "design.parquet", "monthly.parquet", "runs", "monthly",
                 "hist", "trajectories", "codebook.json", "CODEBOOK.md")  # fmt: skip
#: The fixed files of a store (what ``--force`` removes, with the chunk files its manifest lists).
STORE_FILES = ("manifest.json", "design.parquet", "monthly.parquet", "codebook.json",
               "CODEBOOK.md")  # fmt: skip
#: The sub-folders a store writes its chunk files into.
STORE_DIRS = ("runs", "monthly", "hist", "trajectories")
#: The store's lock file (``alignsim batch`` holds it while it writes).
LOCK_NAME = ".alignsim.lock"
#: Keys every manifest has (checked when a store is read).
MANIFEST_KEYS = ("store_format", "experiment", "months", "replications", "points", "blocks",
                 "chunks", "outputs", "chunk_size")  # fmt: skip
#: Monthly variables that are whole numbers (their declarations in sim.core.outputs).
INTEGER_VARS = tuple(o.name for o in MONTHLY if o.integer)


def var_range(name: str) -> tuple[float, float]:
    """Fixed range of a monthly variable for its histogram (its declared range; values outside
    are clipped)."""
    out = MONTHLY_BY_NAME[name]
    return (out.lo, out.hi)


# ----------------------------------------------------------------------------------- file I/O
def file_mode() -> int:
    """The mode a new file gets under the process's umask (0o666 & ~umask), as ``open`` gives."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` only on success
    (``os.replace`` is atomic on POSIX), and remove it on failure. The file gets the mode the
    umask gives a new file (``mkstemp`` alone would make it 0600)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, file_mode())
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


_TEMP = re.compile(
    r"\.(manifest\.json|design\.parquet|monthly\.parquet|part-\d{5}\.parquet)\.[A-Za-z0-9_]+\.tmp"
    r"|\.monthly\.parquet\.tmp\d+|\.alignsim\.lock\.[A-Za-z0-9_]+\.new"
)


def is_temp_name(name: str) -> bool:
    """A temporary file a store's writes use (``.NAME.XXXX.tmp`` beside a store file, the
    monthly aggregates' ``.monthly.parquet.tmpPID``, a lock being written); nothing else."""
    return _TEMP.fullmatch(name) is not None


def clean_temp_files(store: Path) -> list[Path]:
    """Remove the temporary files a killed write left in a store (its folder and chunk
    folders); returns them. Only called while holding the store's lock."""
    removed = []
    for d in (store, *(store / sub for sub in STORE_DIRS)):
        if not d.is_dir():
            continue
        for p in d.iterdir():
            if not (p.is_file() and is_temp_name(p.name)):
                continue
            if p.name.startswith(LOCK_NAME):  # another process may be taking the lock now
                try:
                    if time.time() - p.stat().st_mtime < 60:
                        continue
                except FileNotFoundError:
                    continue
            p.unlink(missing_ok=True)
            removed.append(p)
    return removed


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, flushed to disk before the rename."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def atomic_write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` to ``path`` as compact JSON, atomically (the manifest; it is rewritten as
    each chunk finishes, and only the compact form uses the json module's C encoder)."""
    atomic_write_bytes(path, json.dumps(obj, separators=(",", ":")).encode())


class ManifestEncoder:
    """The manifest as compact JSON, the same bytes as ``json.dumps(m, separators=(",", ":"))``,
    re-encoding only what changes: the manifest is rewritten as each chunk finishes, and most
    of it is the design points' resolved scenarios (``points``), which a batch never changes
    once written: their JSON is kept while the manifest holds the same list."""

    def __init__(self) -> None:
        self._points: Any = None
        self._points_json = ""

    def encode(self, m: dict[str, Any]) -> bytes:
        items = []
        for k, v in m.items():
            if k == "points" and isinstance(v, list):
                if v is not self._points:
                    self._points, self._points_json = v, _compact(v)
                text = self._points_json
            else:
                text = _compact(v)
            items.append(f"{_compact(k)}:{text}")
        return ("{" + ",".join(items) + "}").encode()


def _compact(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"))


def table_bytes(table: Any, metadata: dict[str, str] | None = None) -> bytes:
    """A pyarrow Table as Parquet bytes (zstd), with optional key-value metadata."""
    import pyarrow.parquet as pq

    if metadata:
        meta = dict(table.schema.metadata or {})
        meta.update({k.encode(): v.encode() for k, v in metadata.items()})
        table = table.replace_schema_metadata(meta)
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", row_group_size=262_144)
    return buf.getvalue()


def part_name(kind: str, chunk_id: int) -> str:
    """The store-relative path of chunk ``chunk_id``'s file of ``kind`` (runs, monthly, hist,
    trajectories)."""
    return f"{kind}/part-{chunk_id:05d}.parquet"


def read_manifest(store: Path) -> dict[str, Any]:
    """A store's manifest.json, checked to be of this store format.

    Raises:
        UserError: no such store, no manifest, an unreadable one or another store format.
    """
    path = Path(store) / "manifest.json"
    if not Path(store).exists():
        raise UserError("result store not found", file=store, expected="a folder made by "
                        "`alignsim batch`")  # fmt: skip
    if not path.is_file():
        raise UserError(
            "not a result store: manifest.json is missing",
            file=store,
            expected="a folder made by `alignsim batch` (with manifest.json)",
            hint="run `alignsim batch EXPERIMENT --out DIR` to make one",
        )
    try:
        m: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UserError(f"unreadable manifest ({e})", file=path,
                        hint="the manifest is damaged: re-run the experiment into a new --out "
                        "folder") from None  # fmt: skip
    if not isinstance(m, dict):
        raise UserError("unreadable manifest", file=path, expected="a JSON object",
                        found=type(m).__name__)  # fmt: skip
    fmt = m.get("store_format")
    if fmt != STORE_FORMAT:
        raise UserError(
            "store written by another version of alignsim",
            file=path,
            key="store_format",
            expected=str(STORE_FORMAT),
            found=fmt,
            hint="re-run the experiment with this version (alignsim batch ... --force)",
        )
    check_manifest(m, path)
    return m


def check_manifest(m: dict[str, Any], path: Path) -> None:
    """Raise a UserError naming the key when a manifest lacks what a store needs (an edited or
    damaged manifest), instead of failing later with a KeyError."""
    hint = ("the manifest was edited or damaged: re-run the experiment into a new --out folder "
            "(or restore manifest.json)")  # fmt: skip
    for key in MANIFEST_KEYS:
        if key not in m:
            raise UserError("damaged manifest: a key is missing", file=path, key=key,
                            expected=f"a '{key}' entry", found="(missing)", hint=hint)  # fmt: skip
    for key in ("chunks", "points", "blocks"):
        if not isinstance(m[key], list):
            raise UserError("damaged manifest: wrong type", file=path, key=key,
                            expected="a list", found=type(m[key]).__name__, hint=hint)  # fmt: skip
    if not m["blocks"]:
        raise UserError("damaged manifest: no replication block", file=path, key="blocks",
                        expected="at least one [lo, hi) block", found=m["blocks"], hint=hint)  # fmt: skip
    need = ("id", "block", "start", "stop", "runs", "point_lo", "point_hi", "status")
    for i, c in enumerate(m["chunks"]):
        if not isinstance(c, dict) or any(k not in c for k in need):
            raise UserError("damaged manifest: bad chunk entry", file=path, key=f"chunks[{i}]",
                            expected="a chunk with " + ", ".join(need), found=c, hint=hint)  # fmt: skip
    if not isinstance(m["outputs"], dict) or "monthly" not in m["outputs"]:
        raise UserError("damaged manifest: wrong type", file=path, key="outputs",
                        expected="a table with 'monthly', 'runs', 'trajectories'",
                        found=m["outputs"], hint=hint)  # fmt: skip


def point_cover(manifest: dict[str, Any]) -> Any:
    """How many of the manifest's chunks hold runs of each design point ((points,) int64). A
    point held by one chunk only is *whole* in it: that chunk finalises its monthly aggregates
    (``monthly/part-NNNNN.parquet``); the others' histogram rows are merged by the driver."""
    n = len(manifest["points"])
    diff = np.zeros(n + 1, dtype=np.int64)
    for c in manifest["chunks"]:
        diff[int(c["point_lo"])] += 1
        diff[int(c["point_hi"]) + 1] -= 1
    return np.cumsum(diff[:n])


def store_files(store: Path, manifest: dict[str, Any]) -> list[Path]:
    """Every file the store wrote, as its manifest lists them: the fixed files and each chunk's
    files (``runs/part-NNNNN.parquet`` and the like, recorded or, for a chunk not yet done, the
    names it would have)."""
    files = [store / name for name in STORE_FILES]
    chunks = manifest.get("chunks")
    for c in chunks if isinstance(chunks, list) else []:
        if not isinstance(c, dict) or not isinstance(c.get("id"), int):
            continue
        for kind in STORE_DIRS:
            files.append(store / part_name(kind, c["id"]))
    return files


def wipe(store: Path, manifest: dict[str, Any]) -> list[Path]:
    """Remove the files the store wrote (:func:`store_files`, from its manifest) and its
    temporary files, then its chunk folders if they are left empty: nothing else in the folder
    is touched. Returns the removed files."""
    removed = clean_temp_files(store)
    manifest_path = store / "manifest.json"
    for p in store_files(store, manifest):
        if p != manifest_path and p.is_file():
            p.unlink()
            removed.append(p)
    for sub in STORE_DIRS:
        d = store / sub
        if d.is_dir() and not any(d.iterdir()):
            d.rmdir()
    if manifest_path.is_file():  # last: an interrupted wipe is still a store
        manifest_path.unlink()
        removed.append(manifest_path)
    return removed


# ------------------------------------------------------------------------------------ the lock
def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    except OSError:
        return False
    return True


def read_lock(path: Path) -> dict[str, Any] | None:
    """The holder recorded in a lock file, or None when it is unreadable (being written)."""
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return d if isinstance(d, dict) else None


def holder_text(h: dict[str, Any] | None) -> str:
    """A lock holder, for messages: pid, host, command and start time."""
    if h is None:
        return "an unknown process (unreadable lock file)"
    return (f"pid {h.get('pid')} on {h.get('host')} (`{h.get('command')}`, since "
            f"{h.get('started')})")  # fmt: skip


@contextmanager
def store_lock(store: Path, command: str, say: Any = None) -> Iterator[dict[str, Any]]:
    """Hold ``store``'s lock (``.alignsim.lock``: the holder's pid, host, command and start
    time) while the body runs; release it after.

    The lock file is created atomically (written under a temporary name, then hard-linked to
    its name, which fails if it exists). A lock whose holder is a dead process on this host is
    stale: it is taken over, with a note through ``say``.

    Raises:
        UserError: another live process (or a process on another host) holds the lock.
    """
    import socket
    from datetime import UTC, datetime

    store.mkdir(parents=True, exist_ok=True)
    lock = store / LOCK_NAME
    me = {"pid": os.getpid(), "host": socket.gethostname(), "command": command,
          "started": datetime.now(UTC).isoformat(timespec="seconds")}  # fmt: skip
    fd, tmp = tempfile.mkstemp(prefix=f"{LOCK_NAME}.", suffix=".new", dir=store)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(me, f)
        for _attempt in range(3):
            try:
                os.link(tmp, lock)
                break
            except FileExistsError:
                holder = read_lock(lock)
                stale = (holder is not None and holder.get("host") == me["host"]
                         and isinstance(holder.get("pid"), int)
                         and not _pid_alive(holder["pid"]))  # fmt: skip
                if holder is None:  # being written this instant, or a leftover: look again
                    time.sleep(0.2)
                    holder = read_lock(lock)
                    if holder is None:
                        try:
                            age = time.time() - lock.stat().st_mtime
                        except FileNotFoundError:
                            continue
                        stale = age > 10
                if not stale:
                    raise UserError(
                        f"the result store is in use by {holder_text(holder)}",
                        file=store,
                        expected="no other `alignsim batch` writing into this store",
                        found=f"lock file {lock}",
                        hint="wait for it to finish, or use another --out; if that process is "
                        f"gone (e.g. on another host), delete {lock}",
                    ) from None
                if say is not None:
                    say(f"alignsim: note: taking over the stale lock of {holder_text(holder)}, "
                        "which is no longer running")  # fmt: skip
                lock.unlink(missing_ok=True)
        else:
            raise UserError("cannot take the result store's lock", file=lock,
                            hint="another process keeps taking it; try again")  # fmt: skip
    finally:
        Path(tmp).unlink(missing_ok=True)
    try:
        yield me
    finally:
        if read_lock(lock) == me:
            lock.unlink(missing_ok=True)


def scenario_from_dict(d: dict[str, Any]) -> Scenario:
    """A design point's scenario from the manifest (``points[i].scenario``): the inverse of
    :func:`sim.core.params.scenario_dict`."""
    from sim.core.params import Event, Params, ShockKind, param_info

    params = {k: (int(v) if param_info(k)["integer"] else float(v)) for k, v in d["params"].items()}
    return Scenario(
        name=d["name"],
        description=d["description"],
        params=Params(**params),  # type: ignore[arg-type]
        strategies=tuple((k, v) for k, v in d["strategies"].items()),
        schedules=tuple(
            (k, tuple((int(m), float(v)) for m, v in pts)) for k, pts in d["schedules"].items()
        ),
        events=tuple(Event(**e) for e in d["events"]),
        disabled_steps=tuple(d["disabled_steps"]),
        months=int(d["months"]),
        start=d["start"],
        shock_kinds=tuple(
            ShockKind(**{**k, "value_range": tuple(k["value_range"])})
            for k in d.get("shock_kinds", [])
        ),
    )


# ------------------------------------------------------------------------- monthly histograms
def monthly_from_histograms(tables: list[Any], months: int) -> Any:
    """Merge histogram rows (any chunking, any order) into the monthly aggregate table."""
    import pyarrow as pa

    from sim.engines.batch import MONTHLY_VARS

    if not tables:
        return None
    t = pa.concat_tables(tables)
    point = t["point"].to_numpy()
    month = t["month"].to_numpy().astype(np.int64)
    var = t["variable"].to_numpy().astype(np.int64)
    b = t["bin"].to_numpy().astype(np.int64)
    m1, nv = months + 1, len(MONTHLY_VARS)
    p0 = int(point.min())
    cell = ((point - p0) * m1 + month) * nv + var
    key = (cell << BIN_BITS) | b
    order = np.argsort(key, kind="stable")
    key = key[order]
    count = t["count"].to_numpy()[order]
    qmin = t["qmin"].to_numpy()[order]
    qmax = t["qmax"].to_numpy()[order]
    qsum = t["qsum"].to_numpy()[order]
    starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    count = np.add.reduceat(count, starts)
    qmin = np.minimum.reduceat(qmin, starts)
    qmax = np.maximum.reduceat(qmax, starts)
    qsum = np.add.reduceat(qsum, starts)
    key = key[starts]
    return _aggregates(key >> BIN_BITS, count, qmin, qmax, qsum, m1, p0)


def _aggregates(cell: Arr, count: Arr, qmin: Arr, qmax: Arr, qsum: Arr, m1: int, p0: int) -> Any:
    """The monthly aggregate rows of histogram rows ordered by key, one row per key (``cell``:
    ((point - p0) * m1 + month) * variables + variable, of each row)."""
    from sim.engines.batch import MONTHLY_VARS

    nv = len(MONTHLY_VARS)
    cstarts = np.flatnonzero(np.concatenate([[True], cell[1:] != cell[:-1]]))
    ucell = cell[cstarts]
    n = np.add.reduceat(count, cstarts)
    total_q = np.add.reduceat(qsum, cstarts)
    cum = np.cumsum(count)
    before = cum[cstarts] - count[cstarts]  # runs in earlier cells

    def locate(k: Arr) -> tuple[Arr, Arr, Arr, Arr]:
        g = before + k
        row = np.searchsorted(cum, g, side="right")
        return qmin[row], qmax[row], count[row], g - (cum[row] - count[row])

    ranks = quantile_ranks(n)
    located = [locate(k) for _, k0, k1 in ranks for k in (k0, k1)]
    return aggregate_table((ucell // (m1 * nv) + p0).astype(np.int64),
                           ((ucell // nv) % m1).astype(np.int64), ucell % nv, n, total_q,
                           ranks, located)  # fmt: skip


def aggregate_table(point: Arr, month: Arr, var_of: Arr, n: Arr, total_q: Arr,
                    ranks: list[tuple[Arr, Arr, Arr]],
                    located: list[tuple[Arr, Arr, Arr, Arr]]) -> Any:  # fmt: skip
    """The monthly aggregate table of cells (a design point's month's variable, by its index
    ``var_of`` in ``MONTHLY_VARS``), from whole numbers: ``n`` values, their quantised sum
    ``total_q``, ``ranks`` (``quantile_ranks(n)``) and ``located``, for each quantile's two
    ranks in turn, the histogram row holding that order statistic (its qmin, qmax, count and
    the rank within it). Both the driver's merge and a worker's finalisation of its whole
    points end here, so their floating-point arithmetic is one."""
    import pyarrow as pa

    from sim.engines.batch import MONTHLY_VARS

    lo = np.array([var_range(x)[0] for x in MONTHLY_VARS])[var_of]
    width = np.array([var_range(x)[1] - var_range(x)[0] for x in MONTHLY_VARS])[var_of]
    scale = width / float(1 << QBITS)
    out: dict[str, Any] = {
        "point": point,
        "month": month,
        "variable": np.asarray(MONTHLY_VARS, dtype=object)[var_of],
        "n": n.astype(np.int64),
        "mean": lo + scale * (total_q.astype(np.float64) / n),
    }

    def order_stat(qlo: Arr, qhi: Arr, c: Arr, r: Arr) -> Arr:
        frac = np.where(c > 1, r / np.maximum(c - 1, 1), 0.0)
        qv = qlo + (qhi - qlo) * frac
        return np.asarray(lo + scale * qv)

    for j, qq in enumerate(QUANTILES):
        h, k0, _ = ranks[j]
        v0, v1 = order_stat(*located[2 * j]), order_stat(*located[2 * j + 1])
        out[f"q{round(qq * 100):02d}"] = v0 + (h - k0) * (v1 - v0)
    return pa.table(out)


#: Histogram rows merged at once (bounds the driver's memory while it writes monthly.parquet).
MERGE_ROWS = 2_000_000


class MonthlyWriter:
    """Writes ``monthly.parquet`` from the chunks' files, block of points by block of points,
    as soon as every chunk covering a block is done (bounded memory: by points).

    A block's rows are its whole points' rows, taken from the monthly parts of the chunks that
    finalised them, and the merge of the other points' histogram rows (all chunks holding
    them), put in point order. A chunk of a store written before the monthly parts existed has
    histogram rows for all its points: they are merged the same way.

    The batch driver feeds it each chunk as it finishes (:meth:`chunk_done`, with the chunk's
    files when it has them in memory), so the merge runs while workers still compute;
    :func:`write_monthly` feeds it every done chunk at once. Either way the file is the same.
    """

    def __init__(self, store: Path, manifest: dict[str, Any]) -> None:
        self.store = store
        self.target = store / "monthly.parquet"
        self.months = int(manifest["months"])
        self.chunks = [c for c in manifest["chunks"]]
        n_points = len(manifest["points"])
        nvars = max(1, len(manifest["outputs"]["monthly"]))
        reps = max(int(b[1]) for b in manifest["blocks"])
        per_month = nvars * min(reps, 1 << BIN_BITS)  # histogram rows of a point's month, at most
        per_point = (self.months + 1) * per_month
        # (first point, end point, first month, end month): blocks of points, or, when one
        # point's histogram alone is larger than the budget (long horizons), one point's months
        # in slices
        self.blocks: list[tuple[int, int, int, int]] = []
        if per_point <= MERGE_ROWS:
            block = MERGE_ROWS // per_point
            for p0 in range(0, n_points, block):
                self.blocks.append((p0, min(n_points, p0 + block), 0, self.months + 1))
        else:
            step = max(1, MERGE_ROWS // per_month)
            for p0 in range(n_points):
                for m0 in range(0, self.months + 1, step):
                    self.blocks.append((p0, p0 + 1, m0, min(self.months + 1, m0 + step)))
        self.has_hist = bool(manifest["outputs"]["monthly"])
        self._next = 0  # the next block to write
        self._done: set[int] = set()
        self._tables: dict[int, bytes] = {}  # chunk id -> its histogram file, while needed
        self._parts: dict[int, bytes] = {}  # chunk id -> its monthly part, until read
        self._read: dict[int, tuple[Any, Arr]] = {}  # chunk id -> (its part, point column)
        self._tmp = self.target.with_name(f".{self.target.name}.tmp{os.getpid()}")
        self._writer: Any = None
        self._shared = np.flatnonzero(point_cover(manifest) > 1)  # points of several chunks

    def _has_hist_rows(self, c: dict[str, Any], p0: int, p1: int) -> bool:
        """Whether chunk ``c``'s histogram file may hold rows of points [p0, p1): a chunk with a
        monthly part has histogram rows only for its points shared with other chunks."""
        files = c.get("files", {})
        if not files.get("hist"):
            return False
        if not files.get("monthly"):
            return True
        lo, hi = max(p0, int(c["point_lo"])), min(p1, int(c["point_hi"]) + 1)
        a, b = np.searchsorted(self._shared, [lo, hi])
        return bool(b > a)

    def chunk_done(self, chunk: dict[str, Any], hist: bytes | None = None,
                   part: bytes | None = None) -> None:  # fmt: skip
        """Chunk ``chunk`` is done (its files written); ``hist`` and ``part``: its histogram
        file's and monthly part's bytes, kept (compressed) until its points are written, so
        they need not be read back."""
        self._done.add(int(chunk["id"]))
        if hist is not None:
            self._tables[int(chunk["id"])] = hist
        if part is not None:
            self._parts[int(chunk["id"])] = part
        self._write_ready()

    def _covering(self, p0: int, p1: int) -> list[dict[str, Any]]:
        return [c for c in self.chunks if not (c["point_hi"] < p0 or c["point_lo"] >= p1)]

    def _part_rows(self, c: dict[str, Any], p0: int, p1: int, m0: int, m1: int) -> Any:
        """Chunk ``c``'s monthly part rows of points [p0, p1) and months [m0, m1)."""
        import pyarrow.parquet as pq

        cid = int(c["id"])
        if cid not in self._read:
            held = self._parts.pop(cid, None)
            source = io.BytesIO(held) if held is not None else self.store / c["files"]["monthly"]
            t = pq.read_table(source).replace_schema_metadata(None)
            self._read[cid] = (t, t["point"].to_numpy())
        t, points = self._read[cid]
        a, b = np.searchsorted(points, [p0, p1])
        t = t.slice(int(a), int(b - a))
        if (m0, m1) != (0, self.months + 1):
            month = t["month"].to_numpy()
            t = t.filter((month >= m0) & (month < m1))
        return t

    def _write_ready(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        while self._next < len(self.blocks):
            p0, p1, m0, m1 = self.blocks[self._next]
            covering = self._covering(p0, p1)
            if any(int(c["id"]) not in self._done for c in covering):
                return
            tables, parts = [], []
            for c in covering:
                files = c.get("files", {})
                if files.get("monthly"):
                    parts.append(self._part_rows(c, p0, p1, m0, m1))
                if not self._has_hist_rows(c, p0, p1):
                    continue
                held = self._tables.get(int(c["id"]))
                source = io.BytesIO(held) if held is not None else self.store / files["hist"]
                tables.append(
                    pq.read_table(source, filters=[("point", ">=", p0), ("point", "<", p1),
                                                   ("month", ">=", m0), ("month", "<", m1)])
                )  # fmt: skip
            tables = [t for t in tables if t.num_rows]
            merged = monthly_from_histograms(tables, self.months)
            rows = [t for t in parts if t.num_rows] + ([] if merged is None else [merged])
            if len(rows) > 1:  # whole points' rows and merged ones: in point order
                merged = pa.concat_tables(rows)
                merged = merged.take(np.argsort(merged["point"].to_numpy(), kind="stable"))
            elif rows:
                merged = rows[0]
            if merged is not None:
                if self._writer is None:
                    self._writer = pq.ParquetWriter(self._tmp, merged.schema, compression="zstd")
                self._writer.write_table(merged)
            self._next += 1
            for c in covering:  # a chunk's rows are no longer needed once its last block is out
                if c["point_hi"] < (self.blocks[self._next][0] if self._next < len(self.blocks)
                                    else 1 << 62):  # fmt: skip
                    self._tables.pop(int(c["id"]), None)
                    self._parts.pop(int(c["id"]), None)
                    self._read.pop(int(c["id"]), None)

    def finish(self) -> None:
        """Write what is left; rename the file into place (or remove a stale one)."""
        self._write_ready()
        if self._next < len(self.blocks):
            raise RuntimeError("monthly aggregates: not every chunk is done")
        if self._writer is not None:
            self._writer.close()
            os.replace(self._tmp, self.target)
        elif self.target.exists():
            self.target.unlink()

    def abandon(self) -> None:
        """Drop a partly written file (the batch stopped before every chunk was done)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._tmp.exists():
            self._tmp.unlink()


def write_monthly(store: Path, manifest: dict[str, Any]) -> None:
    """Merge every done chunk's histogram into ``monthly.parquet`` (bounded memory: by points)."""
    writer = MonthlyWriter(store, manifest)
    try:
        for c in manifest["chunks"]:
            if c.get("status") == "done":
                writer.chunk_done(c)
        writer.finish()
    except BaseException:
        writer.abandon()
        raise


# ------------------------------------------------------------------------------------- loading
def read_parquet(f: Path, store: Path, what: str) -> Any:
    """A Parquet file of a store as a pyarrow Table.

    Raises:
        UserError: the file is damaged (truncated, overwritten, unreadable), naming it and
            saying how to repair the store.
    """
    import pyarrow.parquet as pq

    try:
        return pq.read_table(f)
    except (OSError, ValueError) as e:  # pyarrow's ArrowInvalid is a ValueError
        raise UserError(
            f"damaged store file: {what} ({e})",
            file=f,
            expected="a complete Parquet file written by `alignsim batch`",
            found=f"{f.stat().st_size if f.exists() else 0} bytes that do not read as Parquet",
            hint=f"re-run the same `alignsim batch` command with --out {store}: it re-runs "
            "the chunks whose files are damaged and rewrites the aggregates",
        ) from None


def damaged_chunks(store: Path, manifest: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """The done chunks whose files are missing or damaged (not readable Parquet of the chunk's
    run count and of this experiment), with why. Reads only each file's footer."""
    import pyarrow.parquet as pq

    store_id = manifest["experiment"].get("design_hash", "")
    out = []
    for c in manifest["chunks"]:
        if c.get("status") not in ("done", "hist"):  # "hist": done, its histogram to rebuild
            continue
        files = c.get("files") or {"runs": part_name("runs", c["id"])}
        for kind, rel in files.items():
            f = store / rel
            if not f.is_file():
                out.append((c, f"{rel} is missing"))
                break
            try:
                meta = pq.read_metadata(f)
            except (OSError, ValueError):
                out.append((c, f"{rel} is damaged (not readable Parquet)"))
                break
            kv = meta.metadata or {}
            if kv.get(b"alignsim.design_hash", b"").decode() != store_id:
                out.append((c, f"{rel} belongs to another experiment"))
                break
            if kind == "runs" and meta.num_rows != int(c["runs"]):
                out.append((c, f"{rel} has {meta.num_rows} rows, not {c['runs']}"))
                break
    return out


@dataclass
class Store:
    """A loaded result store (see :func:`load`)."""

    path: Path
    manifest: dict[str, Any]
    design: Any  # pandas.DataFrame
    runs: Any
    monthly: Any
    trajectories: Any | None

    def __repr__(self) -> str:
        return (
            f"Store({str(self.path)!r}, experiment={self.manifest.get('experiment_name')!r}, "
            f"points={len(self.design)}, runs={len(self.runs)})"
        )


def load(store: str | Path, experiment: str | Path | None = None) -> Store:
    """Load a result store into pandas.

    ``sim.load(STORE)`` returns an object with ``.runs`` (one row per run, sorted by point and
    replication), ``.monthly`` (per point x month x variable aggregates), ``.design`` (one row per
    design point), ``.manifest`` (dict) and ``.trajectories`` (DataFrame, or None unless the batch
    ran with ``--trajectories``).

    Args:
        store: the store folder.
        experiment: optionally, the experiment file the store must have been made from.

    Raises:
        UserError: no manifest, a missing or foreign chunk, another store format or experiment.
    """
    import pandas as pd
    import pyarrow as pa

    path = Path(store)
    m = read_manifest(path)
    if experiment is not None:
        from sim.experiments.spec import load_experiment

        exp = load_experiment(experiment)
        if exp.design_hash() != m["experiment"]["design_hash"]:
            raise UserError(
                "the store was made from another experiment",
                file=path,
                key="experiment",
                expected=f"a store of {experiment} (design {exp.design_hash()})",
                found=f"{m['experiment']['path']} (design {m['experiment']['design_hash']})",
            )
    pending = [c["id"] for c in m["chunks"] if c["status"] != "done"]
    if pending:
        raise UserError(
            f"incomplete store: {len(pending)} of {len(m['chunks'])} chunks not finished",
            file=path,
            expected="a finished batch",
            found=f"pending chunks {pending[:5]}{'...' if len(pending) > 5 else ''}",
            hint="re-run the same `alignsim batch` command to finish the missing chunks",
        )
    design_path = path / "design.parquet"
    if not design_path.is_file():
        raise UserError("design.parquet is missing", file=path, hint="re-run with --force")
    design = read_parquet(design_path, path, "the design table").to_pandas()
    store_id = m["experiment"]["design_hash"]

    def read_parts(kind: str) -> list[Any]:
        tables = []
        for c in m["chunks"]:
            rel = c.get("files", {}).get(kind)
            if not rel:
                if kind == "runs":
                    rel = f"runs/part-{c['id']:05d}.parquet (not recorded)"
                else:
                    continue
            f = path / rel
            if not f.is_file():
                raise UserError(
                    f"missing chunk file {rel}",
                    file=path,
                    expected=f"chunk {c['id']} ({c['runs']} runs) on disk",
                    found="no such file",
                    hint="re-run the same `alignsim batch` command: it re-runs the chunks "
                    "whose files are missing or damaged",
                )
            t = read_parquet(f, path, f"chunk {c['id']}")
            meta = t.schema.metadata or {}
            got = meta.get(b"alignsim.design_hash", b"").decode()
            if got != store_id:
                raise UserError(
                    f"chunk file {rel} belongs to another experiment",
                    file=path,
                    expected=f"design hash {store_id}",
                    found=got or "no alignsim metadata",
                )
            tables.append(t.replace_schema_metadata(None))
        return tables

    runs_t = read_parts("runs")
    runs = pa.concat_tables(runs_t).to_pandas() if runs_t else pd.DataFrame(columns=["point"])
    if len(runs):
        runs = runs.sort_values(["point", "replication"], kind="stable").reset_index(drop=True)
    expected_rows = sum(int(c["runs"]) for c in m["chunks"])
    if len(runs) != expected_rows:
        raise UserError("run count does not match the manifest", file=path,
                        expected=str(expected_rows), found=len(runs))  # fmt: skip
    monthly_path = path / "monthly.parquet"
    if monthly_path.is_file():
        monthly = read_parquet(monthly_path, path, "the monthly aggregates").to_pandas()
    else:
        monthly = pd.DataFrame(
            columns=["point", "month", "variable", "n", "mean", "q05", "q25", "q50", "q75", "q95"]
        )
    traj = None
    if m["outputs"].get("trajectories"):
        tt = read_parts("trajectories")
        traj = pa.concat_tables(tt).to_pandas() if tt else None
        if traj is not None:
            traj = traj.sort_values(["point", "replication", "month"], kind="stable")
            traj = traj.reset_index(drop=True)
    return Store(path, m, design, runs, monthly, traj)
