"""``alignsim export``: a store's table as CSV, Parquet or Stata, with nulls and labels."""

from __future__ import annotations

import argparse

NAME = "export"
ORDER = 43
HELP = "export a result store's runs (or design, monthly) table as CSV, Parquet or Stata"
DESCRIPTION = (
    "Write one table of a result store for R, Stata or a spreadsheet: a month or code that never "
    "came (-1 inside the store) becomes a null, the integer codes (first_mover, first_by_<step>) "
    "become labelled categories, and each column carries its meaning from the codebook (Parquet "
    "field metadata; Stata variable and value labels, names cut to Stata's 32 characters with the "
    "full name in the label). The format is --table-format, or else the suffix of --out (.csv, "
    ".parquet, .dta). The store's own codebook is STORE/CODEBOOK.md."
)
#: As sim.results.codebook.EXPORT_FORMATS and TABLES (kept here: --help imports no numpy).
EXPORT_FORMATS = ("csv", "parquet", "stata")
TABLES = ("runs", "design", "monthly")
SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".dta": "stata"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    from sim.commands._flags import TABLE_FORMAT, add_format_flag

    p.add_argument("store", metavar="STORE", help="result store folder (from alignsim batch)")
    p.add_argument("--out", metavar="FILE", required=True,
                   help="the file to write (.csv, .parquet or .dta)")  # fmt: skip
    add_format_flag(p, TABLE_FORMAT, EXPORT_FORMATS, None,
                    "csv, parquet or stata (default: from the suffix of --out)")  # fmt: skip
    p.add_argument("--table", choices=TABLES, default="runs",
                   help="which table: runs (default; one row a run), design or monthly")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sim.errors import UserError
    from sim.results.codebook import export_store

    fmt = args.table_format or SUFFIXES.get(Path(args.out).suffix.lower())
    if fmt is None:
        raise UserError("cannot tell the export format", key="--table-format",
                        expected="--table-format csv|parquet|stata, or --out ending in "
                                 + ", ".join(SUFFIXES), found=args.out)  # fmt: skip
    print(export_store(args.store, args.out, fmt, args.table))
    return 0
