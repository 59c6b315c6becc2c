"""alignsim calibrate: fit the free parameters to the record (ABC) into --out; the repository's
scenarios/calibrated.toml, docs/CALIBRATION.md and posterior sample only with --update-docs."""

from __future__ import annotations

import argparse

NAME = "calibrate"
ORDER = 61
HELP = ("fit the parameters the record informs (ABC rejection) into --out; the repository's "
        "scenarios/calibrated.toml only with --update-docs")  # fmt: skip
DESCRIPTION = (
    "Approximate Bayesian computation (rejection) of the free parameters listed in "
    "sim/validation/calibration.py against the record of August 2022 to August 2023 (never "
    "later). Writes into OUT (default results/calibration under the working folder): "
    "posterior.csv, accepted.csv, calibrated.toml (extends the hindcast), posterior_sample.csv "
    "(the accepted sample) and CALIBRATION.md. Only with --update-docs (`make calibrate-docs`) "
    "does it write the repository's scenarios/calibrated.toml, docs/CALIBRATION.md and "
    "data/calibration/posterior.csv (which batches draw from with "
    '[uncertainty] parameters = "posterior").'
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--particles", type=int, default=50_000, help="prior draws (default 50000)")
    p.add_argument(
        "--accept", type=float, default=0.01, help="share of draws accepted (default 0.01)"
    )
    p.add_argument("--seed", type=int, default=1, help="root seed (default 1)")
    p.add_argument(
        "--scenario",
        default="hindcast_2022_2023",
        help="scenario to calibrate (default hindcast_2022_2023)",
    )
    p.add_argument(
        "--cutoff",
        default=None,
        help="last date of the record used (default and latest allowed: 2023-08-31)",
    )
    p.add_argument(
        "--out", default="results/calibration", help="output folder (default results/calibration)"
    )
    p.add_argument(
        "--check-runs",
        type=int,
        default=1000,
        help="runs of the calibrated scenario for the fit check (default 1000; 0 skips it)",
    )
    p.add_argument("--update-docs", action="store_true",
                   help="also write the repository's scenarios/calibrated.toml, "
                        "docs/CALIBRATION.md and data/calibration/posterior.csv (make "
                        "calibrate-docs); by default only --out is written")  # fmt: skip
    p.add_argument("--quiet", action="store_true", help="no progress bar on stderr")
    p.add_argument("--no-write", action="store_true",
                   help="write only OUT/posterior.csv and OUT/accepted.csv")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sim import package_version
    from sim.commands._flags import check_seed
    from sim.errors import UserError
    from sim.experiments.progress import Progress
    from sim.experiments.uncertainty import POSTERIOR_SAMPLE
    from sim.scenario import find_scenario, load_scenario
    from sim.validation import calibration as C
    from sim.validation import scores as V
    from sim.validation.history import load_history
    from sim.validation.run import repo_root

    check_seed(args.seed)
    if args.update_docs and args.no_write:
        raise UserError("contradictory flags", key="--update-docs",
                        expected="--update-docs or --no-write, not both", found="both")  # fmt: skip
    path = find_scenario(args.scenario)
    sc = load_scenario(path)
    print(f"calibrating {sc.name}: {args.particles} particles, accept {args.accept}")
    with Progress(max(args.particles, 0), quiet=args.quiet, label="particles") as progress:
        res = C.calibrate(sc, particles=args.particles, accept=args.accept, seed=args.seed,
                          cutoff=args.cutoff, progress=progress)  # fmt: skip
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    res.posterior.to_csv(out / "posterior.csv", index=False)
    res.draws[res.draws["accepted"]].to_csv(out / "accepted.csv", index=False)
    cmd = (
        f"alignsim calibrate --particles {args.particles} --accept {args.accept} --seed {args.seed}"
    )
    print(res.posterior[["parameter", "posterior_median", "posterior_q05", "posterior_q95",
                         "identifiability"]].to_string(index=False))  # fmt: skip
    if args.no_write:
        return 0
    if args.update_docs:
        scen_dir = repo_root() / "scenarios"
        target, sample, docs = scen_dir / "calibrated.toml", POSTERIOR_SAMPLE, repo_root() / "docs"
    else:
        scen_dir, target = out, out / "calibrated.toml"
        sample, docs = out / "posterior_sample.csv", out
    inside = path.resolve().is_relative_to(scen_dir.resolve())
    extends = (path.resolve().relative_to(scen_dir.resolve()).as_posix() if inside
               else str(path.resolve()))  # fmt: skip
    target.write_text(C.calibrated_toml(res, extends, cmd))
    sample.parent.mkdir(parents=True, exist_ok=True)
    C.posterior_sample(res).to_csv(sample, index=False, float_format="%.17g", lineterminator="\n")
    fit = None
    if args.check_runs > 0:
        cal = load_scenario(target)
        tgt = V.record_targets(load_history(cutoff=res.settings["cutoff"]))
        ens = V.run_ensemble(cal, args.seed, args.check_runs)
        fit = {
            "runs": args.check_runs,
            "seed": args.seed,
            "headline": V.headline(V.score_all(ens, tgt)),
        }
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "CALIBRATION.md").write_text(C.calibration_markdown(res, cmd, package_version(), fit))
    print(
        f"wrote {target}, {docs / 'CALIBRATION.md'}, {sample}, {out}/posterior.csv, "
        f"{out}/accepted.csv"
    )
    return 0
