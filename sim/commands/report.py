"""``alignsim report``: one self-contained HTML report (and Markdown) of a result store."""

from __future__ import annotations

import argparse

from sim.commands.summary import window_arguments

NAME = "report"
HELP = "self-contained HTML report (+ Markdown) of a result store: figures, table, provenance"
DESCRIPTION = (
    "Write STORE/report/report.html (one file: figures embedded, the headline table of the "
    "windowed outcomes, findings on the hypotheses computed from the runs, the horizon guard's "
    "warnings and censored counts, the provenance from the manifest and the experiment file's "
    "text) and report.md with the figures beside it. When STORE/audit holds a current audit "
    "(`alignsim audit`), each finding carries its audit status."
)
ORDER = 43


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("store", metavar="STORE", help="result store folder (from alignsim batch)")
    p.add_argument("--out", metavar="DIR", help="output folder (default: STORE/report)")
    window_arguments(p)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sim.experiments.store import load
    from sim.results.audit import store_notes
    from sim.results.headline import store_windows
    from sim.results.report import write_report

    st = load(args.store)
    w = store_windows(st, args.window, args.followup)
    out = Path(args.out) if args.out else Path(args.store) / "report"
    notes, _ = store_notes(st, w)  # the audit's status of each finding, when it is current
    html_path, md_path = write_report(st, out, windows=w, notes=notes)
    print(html_path)
    print(md_path)
    return 0
