"""alignsim scenarios: list the scenario files with one-line descriptions."""

from __future__ import annotations

import argparse

NAME = "scenarios"
ORDER = 20
HELP = "list scenarios with one-line descriptions"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--dir", default=None, help="scenario folder (default ./scenarios or $ALIGNSIM_SCENARIOS)"
    )


def run(args: argparse.Namespace) -> int:
    import os

    if args.dir:
        os.environ["ALIGNSIM_SCENARIOS"] = args.dir
    from sim.scenario import list_scenarios, scenarios_dir

    rows = list_scenarios()
    if not rows:
        print(f"No scenario files in {scenarios_dir()}")
        return 0
    width = max(len(n) for n, _, _ in rows)
    for name, desc, _ in rows:
        print(f"{name:<{width}}  {desc}")
    return 0
