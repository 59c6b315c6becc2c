"""alignsim show: print a scenario's fully resolved parameters."""

from __future__ import annotations

import argparse

NAME = "show"
ORDER = 30
HELP = "print the fully resolved parameters of a scenario (extends merged)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", metavar="SCENARIO", help="scenario file or name")
    p.add_argument("--json", action="store_true", help="print JSON instead of TOML")


def run(args: argparse.Namespace) -> int:
    import json

    from sim.core.params import scenario_dict, scenario_hash
    from sim.scenario import load_scenario, resolved_toml

    sc = load_scenario(args.scenario)
    if args.json:
        d = scenario_dict(sc)
        d["hash"] = scenario_hash(sc)
        print(json.dumps(d, indent=2))
    else:
        print(f"# scenario hash {scenario_hash(sc)}")
        print(resolved_toml(sc), end="")
    return 0
