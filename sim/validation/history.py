"""The record of August 2022 to August 2023 as data (docs/RESEARCH.md section 5).

``data/history/*.csv`` hold the facts as tidy tables, one fact a row::

    date,date_precision,actor,variable|event,value[,low,high],source[,note]

- ``date``: ISO ``YYYY-MM-DD`` (for a poll, the last day of fieldwork);
- ``date_precision``: ``day``, ``week``, ``month`` or ``year`` (optional, default ``day``);
- ``actor``: one of :data:`ACTORS`;
- exactly one of ``variable`` (a measured quantity, e.g. ``approval``) or ``event`` (something
  that happened, e.g. a ladder step's name from ``sim.core.steps``);
- ``value``: a number (shares as 0..1; 1 for an event that happened); ``low``/``high`` optional
  bounds when a source reports a range (default: ``value``);
- ``source``: where the fact comes from (required, never blank); ``note`` optional.

:func:`load_history` reads every file, checks every row and returns one tidy table; a bad row
raises :class:`sim.errors.UserError` naming the file, the line and the column. ``cutoff`` drops
every row dated after it, which is how calibration is kept from seeing the future
(:data:`CALIBRATION_CUTOFF`).

Out-of-sample episodes live beside the record in files named ``episode_<NAME>_*.csv`` (e.g.
``episode_2015_polls.csv``: the December 2015 agreement and its unravelling). They have the same
format and checks but are never part of the record of 2022-23: :func:`load_history` leaves them
out unless asked for one episode by name (``episode="2015"``), so neither the hindcast, the
volatility estimate nor the calibration ever sees them.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import UserError

ACTORS = ("US", "CHN", "ROK", "JPN", "PRK", "joint")
PRECISIONS = ("day", "week", "month", "year")
REQUIRED = ("date", "actor", "value", "source")
OPTIONAL = ("date_precision", "low", "high", "note")
KIND_COLUMNS = ("variable", "event")
#: Columns of the table :func:`load_history` returns.
COLUMNS = (
    "date",
    "date_precision",
    "actor",
    "kind",
    "name",
    "value",
    "low",
    "high",
    "source",
    "note",
    "file",
    "line",
)
#: The last day of the record the calibration may see (the record ends with Camp David).
CALIBRATION_CUTOFF = dt.date(2023, 8, 31)
#: The first day of the record of 2022-23 (its earliest rows are Yoon's first polls, May 2022):
#: the calibration refuses anything older, so no out-of-sample episode can reach it.
RECORD_START = dt.date(2022, 1, 1)
#: Files of out-of-sample episodes: ``episode_<NAME>_*.csv``, never part of the 2022-23 record.
EPISODE_PREFIX = "episode_"


def history_dir() -> Path:
    """The folder of the record's CSV files (``data/history`` in the source tree)."""
    return Path(__file__).resolve().parents[2] / "data" / "history"


def parse_date(text: str) -> dt.date:
    """An ISO date ``YYYY-MM-DD`` (raises ValueError otherwise)."""
    return dt.date.fromisoformat(text.strip())


def _as_date(d: str | dt.date | None) -> dt.date | None:
    if d is None or isinstance(d, dt.date):
        return d
    try:
        return parse_date(d)
    except ValueError:
        raise UserError(
            "not a date", key="cutoff", expected="YYYY-MM-DD", found=d, hint=None
        ) from None


def _number(text: str, path: Path, line: int, column: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise UserError(
            "not a number", file=path, line=line, key=column, expected="a number", found=text
        ) from None
    if not math.isfinite(x):
        raise UserError(
            "not a finite number", file=path, line=line, key=column, expected="a number",
            found=text,
        )  # fmt: skip
    return x


def read_history_file(path: Path) -> list[dict[str, object]]:
    """Rows of one record file, checked (see the module docstring for the format)."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise UserError(
                f"missing column(s): {', '.join(missing)}", file=path, line=1,
                expected="columns " + ", ".join(REQUIRED) + " and one of variable/event",
                found=",".join(header),
            )  # fmt: skip
        kinds = [c for c in KIND_COLUMNS if c in header]
        if len(kinds) != 1:
            raise UserError(
                "need exactly one of the columns 'variable' and 'event'", file=path, line=1,
                found=",".join(header),
            )  # fmt: skip
        unknown = [c for c in header if c not in (*REQUIRED, *OPTIONAL, *KIND_COLUMNS)]
        if unknown:
            raise UserError(
                f"unknown column(s): {', '.join(unknown)}", file=path, line=1,
                expected="columns among " + ", ".join((*REQUIRED, *OPTIONAL, *KIND_COLUMNS)),
            )  # fmt: skip
        kind = kinds[0]
        rows: list[dict[str, object]] = []
        for i, raw in enumerate(reader):
            line = i + 2
            if None in raw:
                raise UserError("too many fields", file=path, line=line, found=raw[None])  # type: ignore[index]
            row = {k: (v or "").strip() for k, v in raw.items()}
            for col in (*REQUIRED, kind):
                if not row.get(col):
                    raise UserError(
                        f"empty '{col}'", file=path, line=line, key=col,
                        hint="every fact needs a source" if col == "source" else None,
                    )  # fmt: skip
            try:
                date = parse_date(row["date"])
            except ValueError:
                raise UserError(
                    "not a date", file=path, line=line, key="date", expected="YYYY-MM-DD",
                    found=row["date"],
                ) from None  # fmt: skip
            precision = row.get("date_precision") or "day"
            if precision not in PRECISIONS:
                raise UserError(
                    "unknown date precision", file=path, line=line, key="date_precision",
                    expected="one of " + ", ".join(PRECISIONS), found=precision,
                )  # fmt: skip
            if row["actor"] not in ACTORS:
                raise UserError(
                    "unknown actor", file=path, line=line, key="actor",
                    expected="one of " + ", ".join(ACTORS), found=row["actor"],
                )  # fmt: skip
            value = _number(row["value"], path, line, "value")
            low = _number(row["low"], path, line, "low") if row.get("low") else value
            high = _number(row["high"], path, line, "high") if row.get("high") else value
            if not low <= value <= high:
                raise UserError(
                    "value outside its range", file=path, line=line, key="value",
                    expected=f"low <= value <= high ({low} .. {high})", found=value,
                )  # fmt: skip
            rows.append(
                {
                    "date": date,
                    "date_precision": precision,
                    "actor": row["actor"],
                    "kind": kind,
                    "name": row[kind],
                    "value": value,
                    "low": low,
                    "high": high,
                    "source": row["source"],
                    "note": row.get("note", ""),
                    "file": path.name,
                    "line": line,
                }
            )
        return rows


def record_files(folder: Path, episode: str | None = None) -> list[Path]:
    """The CSV files of the 2022-23 record (``episode`` None: every file not named
    ``episode_*``) or of one out-of-sample episode (``episode_<episode>_*.csv``), sorted."""
    files = sorted(folder.glob("*.csv"))
    if episode is None:
        return [f for f in files if not f.name.startswith(EPISODE_PREFIX)]
    return [f for f in files if f.name.startswith(f"{EPISODE_PREFIX}{episode}_")]


def load_history(
    directory: str | Path | None = None,
    cutoff: str | dt.date | None = None,
    episode: str | None = None,
) -> pd.DataFrame:
    """The record as one tidy table (columns :data:`COLUMNS`), sorted by date.

    Args:
        directory: folder of CSV files (default :func:`history_dir`).
        cutoff: drop every row dated after this day (inclusive bound).
        episode: None for the record of 2022-23 (files named ``episode_*`` left out), or the
            name of an out-of-sample episode (only its files ``episode_<name>_*.csv``).

    Raises:
        UserError: a missing folder, no files, or any bad row (file, line and column named).
    """
    folder = Path(directory) if directory is not None else history_dir()
    if not folder.is_dir():
        raise UserError("record folder not found", file=folder, expected="a folder of CSV files")
    files = record_files(folder, episode)
    if not files:
        pattern = "*.csv" if episode is None else f"{EPISODE_PREFIX}{episode}_*.csv"
        raise UserError("no record files", file=folder, expected=f"one or more {pattern} files")
    rows: list[dict[str, object]] = []
    for path in files:
        rows.extend(read_history_file(path))
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    limit = _as_date(cutoff)
    if limit is not None:
        table = table[np.array([d <= limit for d in table["date"]], dtype=bool)]
    return table.sort_values(["date", "file", "line"], kind="stable").reset_index(drop=True)


def model_month(date: dt.date, start: str = "2022-08") -> int:
    """The model month whose calendar month contains ``date`` (month 0 = ``start``)."""
    y, m = (int(x) for x in start.split("-"))
    return (date.year * 12 + date.month - 1) - (y * 12 + m - 1)


def polls(record: pd.DataFrame, actor: str | None = None) -> pd.DataFrame:
    """Approval polls of the record (optionally of one actor), sorted by date."""
    sel = (record["kind"] == "variable") & (record["name"] == "approval")
    if actor is not None:
        sel &= record["actor"] == actor
    return record[sel].reset_index(drop=True)


def events(record: pd.DataFrame) -> pd.DataFrame:
    """Events of the record, sorted by date."""
    return record[record["kind"] == "event"].reset_index(drop=True)
