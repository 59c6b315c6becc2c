"""alignsim validate: the hindcast of August 2022 to August 2023 scored against the record."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

NAME = "validate"
ORDER = 60
HELP = (
    "score the hindcast ensemble against the record (Aug 2022 - Aug 2023) into --out; "
    "docs/VALIDATION.md only with --update-docs"
)
DESCRIPTION = (
    "Run the hindcast scenario (and scenarios/calibrated.toml when it exists) as an ensemble with "
    "the array engine (drawing the parameters the record cannot identify: from their priors for "
    "the hindcast, from the calibration's accepted sample for the calibrated scenario, unless "
    "--pin-parameters), score it against the record in data/history (first mover, order of steps, "
    "month of institutionalised cooperation, approval at the dated polls, steps while ROK approval "
    "stays in its band), run the theory checks, score the calibrated model out of sample on the "
    "December 2015 agreement and its unravelling (scenarios/episode_2015_2019.toml, never "
    "refitted), run the time-split check (fit to the record up to February 2023, score March - "
    "August 2023), and write OUT/scores.{json,csv}, OUT/polls.csv, OUT/steps.csv, "
    "OUT/hindcast.png, OUT/episode_scores.json, OUT/timesplit.json and the report OUT/VALIDATION.md "
    "with its figures in OUT/figures (OUT defaults to results/validation under the working "
    "folder). Only with --update-docs does it regenerate the "
    "repository's docs/VALIDATION.md and its figures (`make validate-docs`)."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runs", type=int, default=1000, help="runs per scenario (default 1000)")
    p.add_argument("--seed", type=int, default=1, help="root seed (default 1)")
    p.add_argument(
        "--out", default="results/validation", help="output folder (default results/validation)"
    )
    p.add_argument(
        "--scenario",
        default="hindcast_2022_2023",
        help="hindcast scenario, file or name (default hindcast_2022_2023)",
    )
    p.add_argument(
        "--no-calibrated", action="store_true", help="do not score scenarios/calibrated.toml"
    )
    p.add_argument("--no-theory", action="store_true", help="skip the theory checks")
    p.add_argument("--pin-parameters", action="store_true",
                   help="draw no parameters: every run keeps its scenario's values (by default "
                        "the hindcast draws them from their priors, the calibrated scenario from "
                        "the calibration's accepted sample; docs/UNCERTAINTY.md)")  # fmt: skip
    p.add_argument("--seeds-per-draw", type=int, default=5, metavar="M",
                   help="runs sharing one parameter draw (default 5; --runs a multiple of it)")  # fmt: skip
    p.add_argument("--no-episode", action="store_true",
                   help="skip the out-of-sample episode of Dec 2015 - Nov 2019")  # fmt: skip
    p.add_argument("--no-time-split", action="store_true",
                   help="skip the time-split check (fit to Aug 2022 - Feb 2023, score the rest)")  # fmt: skip
    p.add_argument("--split-particles", type=int, default=50_000, metavar="N",
                   help="particles of each time-split fit (default 50000, as alignsim calibrate)")  # fmt: skip
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("--update-docs", action="store_true",
                   help="also regenerate the repository's docs/VALIDATION.md and its figures "
                        "(make validate-docs); by default only --out is written")  # fmt: skip
    p.add_argument("--no-docs", action="store_true",
                   help="write no VALIDATION.md or figures at all (not even into --out)")  # fmt: skip


def _docs_target(args: argparse.Namespace) -> Path | None:
    """Where VALIDATION.md and its figures go: the repository's docs/ only with --update-docs;
    otherwise OUT (none with --no-docs)."""
    from sim.validation.run import repo_root

    if args.update_docs:
        return repo_root() / "docs"
    return None if args.no_docs else Path(args.out)


def run(args: argparse.Namespace) -> int:
    from sim.errors import UserError
    from sim.experiments.progress import Progress
    from sim.validation.run import stages
    from sim.validation.scores import headline

    if not 1 <= args.runs <= 1_000_000:
        raise UserError("value out of range", key="--runs", expected="a whole number in [1, 1000000]",
                        found=args.runs)  # fmt: skip
    from sim.commands._flags import check_seed

    check_seed(args.seed)
    if args.seeds_per_draw < 1:
        raise UserError("value out of range", key="--seeds-per-draw", expected="1 or more",
                        found=args.seeds_per_draw)  # fmt: skip
    if not 10 <= args.split_particles <= 10_000_000:
        raise UserError("value out of range", key="--split-particles",
                        expected="a whole number in [10, 10000000]", found=args.split_particles)  # fmt: skip
    if args.update_docs and args.no_docs:
        raise UserError("contradictory flags", key="--update-docs",
                        expected="--update-docs or --no-docs, not both", found="both")  # fmt: skip
    cmd = f"alignsim validate --runs {args.runs} --seed {args.seed}"
    if args.pin_parameters:
        cmd += " --pin-parameters"
    elif args.seeds_per_draw != 5:
        cmd += f" --seeds-per-draw {args.seeds_per_draw}"
    if args.split_particles != 50_000 and not args.no_time_split:
        cmd += f" --split-particles {args.split_particles}"
    for flag in ("no_episode", "no_time_split", "no_theory", "no_calibrated"):
        if getattr(args, flag):
            cmd += " --" + flag.replace("_", "-")
    n = stages(not args.no_calibrated, not args.no_episode, not args.no_time_split,
               not args.no_theory)  # fmt: skip
    with Progress(n, quiet=args.quiet, label="stages", interval=0.0) as progress:
        scores = _run(args, cmd, progress)
    for name, s in scores.items():
        print(f"\n== {name} ({s['meta'].get('scenario', '')}) ==")
        for k, v in headline(s).items():
            print(f"  {k:36s} {v if not isinstance(v, float) else round(v, 3)}")
    return 0


def _run(args: argparse.Namespace, cmd: str, progress: Any) -> dict[str, Any]:
    from sim.validation.run import run_validation

    return run_validation(
        runs=args.runs,
        seed=args.seed,
        out=Path(args.out),
        docs=_docs_target(args),
        scenario=args.scenario,
        calibrated=None if args.no_calibrated else "calibrated",
        theory=not args.no_theory,
        command=cmd,
        pin_parameters=args.pin_parameters,
        seeds_per_draw=args.seeds_per_draw,
        episode=not args.no_episode,
        time_split=not args.no_time_split,
        split_particles=args.split_particles,
        log=progress.log,
        progress=progress,
    )
