"""``alignsim summary``: the headline table of a result store."""

from __future__ import annotations

import argparse

NAME = "summary"
HELP = "headline table of a result store: P(institutionalised by month 24), median time, collapse"
DESCRIPTION = (
    "For each design point of a result store: the probability of institutionalised trilateral "
    "cooperation by month 24 (inst_month in 1..24) with a 95% Wilson interval, the median month "
    "it was reached (among runs that reached it), and the collapse rate among institutionalised "
    "runs."
)
ORDER = 41


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("store", metavar="STORE", help="result store folder (from alignsim batch)")
    p.add_argument("--by-month", type=int, default=24, metavar="M",
                   help="horizon for the institutionalisation probability (default 24)")  # fmt: skip
    p.add_argument("--csv", action="store_true", help="print the table as CSV")


def run(args: argparse.Namespace) -> int:
    from sim.errors import UserError
    from sim.experiments.store import load
    from sim.results.headline import format_headline, store_headline

    if args.by_month < 1:
        raise UserError("bad month", key="--by-month", expected="1 or more", found=args.by_month)
    st = load(args.store)
    table = store_headline(st, args.by_month)
    m = st.manifest
    if args.csv:
        print(table.to_csv(index=False), end="")
        return 0
    print(f"experiment {m['experiment_name']}: {len(st.design)} design points x "
          f"{m['replications']} replications, {m['months']} months, seed {m['root_seed']}")  # fmt: skip
    print(format_headline(table, args.by_month))
    return 0
