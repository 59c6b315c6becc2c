"""alignsim run: one run of a scenario with the Mesa model; summary, tidy tables, a figure."""

from __future__ import annotations

import argparse

NAME = "run"
ORDER = 10
HELP = "run one scenario with the Mesa model; print a summary and write its tables"
DESCRIPTION = (
    "Run SCENARIO (a .toml path or a name from scenarios/) once with the Mesa model. Prints a "
    "short summary and writes OUT/monthly.{csv,parquet} (one row per month), OUT/summary.* (one "
    "row), OUT/steps.csv, OUT/events.csv and OUT/run.json (what reproduces the run)."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "scenario", metavar="SCENARIO", help="scenario file or name (see `alignsim scenarios`)"
    )
    p.add_argument("--seed", type=int, default=1, help="root seed of the random draws (default 1)")
    p.add_argument("--replication", type=int, default=0, help="replication index (default 0)")
    p.add_argument(
        "--months", type=int, default=None, help="horizon in months (default: the scenario's)"
    )
    p.add_argument(
        "--out", default=None, help="output folder (default results/run-<scenario>-seed<N>)"
    )
    p.add_argument(
        "--format", choices=("csv", "parquet"), default="csv", help="table format (default csv)"
    )
    p.add_argument(
        "--plot", action="store_true", help="also write the run's story as OUT/story.png"
    )
    p.add_argument("--quiet", action="store_true", help="print only the output folder")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sim.errors import UserError
    from sim.runio import run_scenario, write_run

    if args.months is not None and not 1 <= args.months <= 600:
        raise UserError("value out of range", key="--months", expected="a whole number in [1, 600]",
                        found=args.months)  # fmt: skip
    if args.seed < 0:
        raise UserError(
            "value out of range", key="--seed", expected="a non-negative integer", found=args.seed
        )
    result = run_scenario(
        args.scenario, seed=args.seed, replication=args.replication, months=args.months
    )
    out = (
        Path(args.out)
        if args.out
        else Path("results") / f"run-{result.scenario.name}-seed{args.seed}"
    )
    files = write_run(result, out, fmt=args.format, plot=args.plot)
    if args.quiet:
        print(out)
    else:
        print(result.text_summary())
        print(f"\nWrote {', '.join(sorted(f.name for f in files))} to {out}/")
    return 0
