"""alignsim run: one run of a scenario with the Mesa model; summary, tidy tables, a figure."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

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
    from sim.commands._flags import TABLE_FORMAT, add_format_flag

    add_format_flag(p, TABLE_FORMAT, ("csv", "parquet"), "csv", "table format (default csv)")
    p.add_argument(
        "--plot", action="store_true", help="also write the run's story as OUT/story.png"
    )
    p.add_argument("--quiet", action="store_true", help="print only the output folder")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a parameter or strategy for this run, repeatable; see the parameters below",
    )
    p.epilog = _parameter_help()
    p.formatter_class = argparse.RawDescriptionHelpFormatter


def _parameter_help() -> str:
    """--set keys, derived from the parameter declarations (sim.core.params imports no heavy library)."""
    from sim.core.params import param_table

    lines = [
        "parameters for --set (range, unit; `alignsim schema --params` for meanings and sources):"
    ]
    lines.append("  rok_strategy, jpn_strategy, rok_successor, jpn_successor: a strategy name")
    for row in param_table():
        lines.append(
            f"  {row['name']} = {row['default']}  [{row['lo']}, {row['hi']}] {row['unit']}"
        )
    return "\n".join(lines)


def parse_sets(items: list[str]) -> tuple[dict[str, float], dict[str, str]]:
    """KEY=VALUE overrides, validated against the declarations: (params, strategy roles)."""
    from sim.errors import UserError
    from sim.scenario import ROLES
    from sim.tomlcheck import check_param, check_strategy

    params: dict[str, float] = {}
    roles: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep:
            raise UserError("malformed override", key="--set", expected="KEY=VALUE", found=item)
        role = key.removesuffix("_strategy")
        if role in ROLES:
            roles[ROLES[role]] = check_strategy("--set", f"--set {key}", value.strip())
            continue
        try:
            number: float | str = float(value)
        except ValueError:
            number = value
        params[key] = check_param("--set", f"--set {key}", key, number)
    return params, roles


def with_overrides(source: str, sets: list[str]) -> Any:
    """The scenario with --set overrides applied and validated."""
    import dataclasses

    from sim.core.params import param_info
    from sim.scenario import load_scenario
    from sim.tomlcheck import check_constraints

    params, roles = parse_sets(sets)
    scenario = load_scenario(source)
    if params:
        ints = {k: int(v) if param_info(k)["integer"] else v for k, v in params.items()}
        scenario = scenario.with_params(**ints)
        check_constraints("--set", scenario.params, key_prefix="--set ")
    if roles:
        scenario = scenario.with_strategies(**roles)
    if params or roles:
        note = ", ".join(sets)
        scenario = dataclasses.replace(
            scenario, description=f"{scenario.description} (--set {note})"
        )
    return scenario


def write_story(result: Any, target: Path) -> Path:
    """The run's story figure (``sim.results.plotting.plot_run_story``) saved as PNG, atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim import package_version
    from sim.experiments.store import atomic_path
    from sim.results.plotting import plot_run_story

    stamp = f"{result.scenario.name} | seed {result.seed} | 1 run | alignsim {package_version()}"
    fig = plot_run_story(
        result.monthly, result.steps, result.events, title=result.scenario.name, stamp=stamp
    )
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format="png", dpi=120)
    plt.close(fig)
    return target


def default_out(name: str, seed: int) -> Path:
    """results/run-<scenario>-seed<N>, which must stay inside results/."""
    from sim.errors import UserError

    out = Path("results") / f"run-{name}-seed{seed}"
    results = Path("results").resolve()
    if results not in out.resolve().parents:
        raise UserError("the scenario's name would put the run outside results/", key="name",
                        expected="a plain scenario name", found=name,
                        hint="give --out")  # fmt: skip
    return out


def run(args: argparse.Namespace) -> int:
    from sim.errors import UserError
    from sim.experiments.runio import run_scenario, write_run

    if args.months is not None and not 1 <= args.months <= 600:
        raise UserError("value out of range", key="--months", expected="a whole number in [1, 600]",
                        found=args.months)  # fmt: skip
    from sim.commands._flags import check_seed

    check_seed(args.seed)
    if not 0 <= args.replication <= 2**63 - 1:
        raise UserError("value out of range", key="--replication",
                        expected="a whole number in [0, 2**63 - 1]", found=args.replication)  # fmt: skip
    if args.out is not None and Path(args.out).exists() and not Path(args.out).is_dir():
        raise UserError("output path exists and is not a folder", file=args.out, key="--out",
                        expected="a folder path", found="an existing file")  # fmt: skip
    scenario = with_overrides(args.scenario, args.set)
    result = run_scenario(
        scenario, seed=args.seed, replication=args.replication, months=args.months
    )
    out = Path(args.out) if args.out else default_out(result.scenario.name, args.seed)
    try:
        files = write_run(result, out, fmt=args.table_format)
        if args.plot:
            files.append(write_story(result, out / "story.png"))
    except OSError as e:
        raise UserError(f"cannot write the run's files ({e.strerror or e})",
                        file=e.filename or out, key="--out",
                        expected="a folder this user can write, with room",
                        hint="nothing half-written is kept (each file is written whole or "
                        "not at all)") from None  # fmt: skip
    if args.quiet:
        print(out)
    else:
        print(result.text_summary())
        print(f"\nWrote {', '.join(sorted(f.name for f in files))} to {out}/")
    return 0
