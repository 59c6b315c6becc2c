"""``alignsim summary``: the headline table of a result store, with its horizon guard."""

from __future__ import annotations

import argparse

NAME = "summary"
HELP = ("headline table of a result store: P(institutionalised within W), P(durable over F), "
        "censored runs, horizon warnings")  # fmt: skip
DESCRIPTION = (
    "For each design point of a result store: the probability of institutionalised trilateral "
    "cooperation within the institution window W (inst_month in 1..W, default 24) with a 95% "
    "Wilson interval, the median month it was reached (among runs that reached it), the "
    "probability that it lasts the follow-up F (no collapse in the F months after it, default "
    "24) over the runs whose follow-up ends by the horizon, and how many runs the horizon "
    "censors. Then the horizon guard: a warning wherever an outcome is concentrated in the last "
    "10% of the horizon or within 3 months after a leader's first exit (docs/RESEARCH.md)."
)
ORDER = 41


def window_arguments(p: argparse.ArgumentParser) -> None:
    """--window and --followup (shared with ``alignsim report``)."""
    p.add_argument("--window", "--by-month", dest="window", metavar="W",
                   help="institution window in months: institutionalised in months 1..W "
                        "(default 24, shorter when the horizon is under 48 months; --by-month "
                        "is its older name)")  # fmt: skip
    p.add_argument("--followup", metavar="F",
                   help="follow-up in months after institutionalisation over which durability "
                        "is judged (default 24, shorter when the horizon is under 48 months); "
                        "W + F must fit in the horizon")  # fmt: skip


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("store", metavar="STORE", help="result store folder (from alignsim batch)")
    window_arguments(p)
    p.add_argument("--csv", action="store_true",
                   help="print the table as CSV (the horizon guard goes to stderr)")  # fmt: skip
    p.add_argument("--all-warnings", action="store_true",
                   help="list every warning of the horizon guard, one line per design point")  # fmt: skip
    p.add_argument("--guard-by", metavar="FACTOR",
                   help="also print the horizon guard's shares pooled by a factor of the design "
                        "(e.g. strategy), counted by the horizon and with the windows")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    import sys

    from sim.errors import unknown_name
    from sim.experiments.store import load
    from sim.results.headline import format_headline, store_headline, store_windows
    from sim.results.windows import format_shares, guard_lines, horizon_guard

    st = load(args.store)
    w = store_windows(st, args.window, args.followup)
    factors = [c for c in st.design.columns if c not in ("scenario_name", "scenario_hash")]
    if args.guard_by is not None and args.guard_by not in factors:
        raise unknown_name("factor", args.guard_by, factors, key="--guard-by")
    table = store_headline(st, w)
    guard = horizon_guard(st.runs, w, ["point"])
    lines = guard_lines(guard, st.design)
    if args.all_warnings:
        lines += [f"  {x.group_text()} ({x.scope}, {x.outcome}): {x.meaning}"
                  for x in guard.warnings]  # fmt: skip
    if args.guard_by:
        lines += ["", f"Horizon guard's shares by {args.guard_by}:",
                  format_shares(horizon_guard(st.runs, w, [args.guard_by], min_events=1))]  # fmt: skip
    m = st.manifest
    if args.csv:
        print(table.to_csv(index=False), end="")
        print("\n".join(lines), file=sys.stderr)
        return 0
    print(f"experiment {m['experiment_name']}: {len(st.design)} design points x "
          f"{m['replications']} replications, {m['months']} months, seed {m['root_seed']}")  # fmt: skip
    print(format_headline(table, w))
    print()
    print("\n".join(lines))
    return 0
