"""``alignsim report``: one self-contained HTML report (and Markdown) of a result store."""

from __future__ import annotations

import argparse

NAME = "report"
HELP = "self-contained HTML report (+ Markdown) of a result store: figures, table, provenance"
DESCRIPTION = (
    "Write STORE/report/report.html (one file: figures embedded, the headline table, findings on "
    "the hypotheses computed from the runs, the provenance from the manifest and the experiment "
    "file's text) and report.md with the figures beside it."
)
ORDER = 43


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("store", metavar="STORE", help="result store folder (from alignsim batch)")
    p.add_argument("--out", metavar="DIR", help="output folder (default: STORE/report)")
    p.add_argument("--by-month", type=int, default=24, metavar="M",
                   help="month of the institutionalisation probability (default 24)")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sim.errors import UserError
    from sim.experiments.store import load
    from sim.results.report import write_report

    if args.by_month < 1:
        raise UserError("bad month", key="--by-month", expected="1 or more", found=args.by_month)
    st = load(args.store)
    out = Path(args.out) if args.out else Path(args.store) / "report"
    html_path, md_path = write_report(st, out, month=args.by_month)
    print(html_path)
    print(md_path)
    return 0
