"""``alignsim sensitivity``: Sobol indices and Morris screening of an experiment's sampled factors.

Both designs run on the array engine through the batch machinery (``sim.experiments.driver.run_experiment``)
into result stores under ``--out``, so an interrupted analysis resumes where it stopped and every
store records its provenance. The Sobol design is the experiment's own Saltelli/Sobol sample
(``[sampler] method = "saltelli"``); the Morris design (``sim.experiments.design.morris_experiment``)
is drawn by SALib's Morris sampler with a seed derived from the experiment's, over the same
factors and ranges, and crossed with the same listed factors (e.g. the strategy). Outcomes per
design point are means over its replications.

Both designs pin the uncertain parameters (``--pin-parameters`` of ``alignsim batch``): the
samplers own the parameters the indices are about, and a parameter drawn under them would mix
into every index (docs/UNCERTAINTY.md).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

NAME = "sensitivity"
HELP = "Sobol indices (with CIs) and Morris screening of an experiment's sampled factors"
DESCRIPTION = (
    "Global sensitivity of the run outcomes (P(institutionalised by month 24), time to it, the "
    "ROK leader's final approval) to the experiment's sampled factors: Sobol first-order and "
    "total indices with 95% bootstrap intervals (SALib, on the experiment's Saltelli sample) and "
    "Morris mu*/sigma screening. Runs on the array engine through the batch machinery (resumable "
    "stores with provenance under --out); writes sensitivity.csv and bar charts."
)
ORDER = 44


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment", metavar="EXPERIMENT",
                   help="experiment file with a [sampler] method = \"saltelli\" table")  # fmt: skip
    p.add_argument("--out", metavar="DIR", help="output folder (default: results/<name>)")
    p.add_argument("--method", choices=("both", "sobol", "morris"), default="both")
    p.add_argument("--morris-trajectories", type=int, default=20, metavar="R",
                   help="Morris trajectories per listed-factor combination (default 20)")  # fmt: skip
    p.add_argument("--replications", type=int, metavar="N",
                   help="replications per design point (default: the file's)")  # fmt: skip
    p.add_argument("--workers", type=int, metavar="N", help="worker processes (default: cores)")
    from sim.commands._flags import FIGURE_FORMAT, add_format_flag

    add_format_flag(p, FIGURE_FORMAT, ("png", "svg", "pdf"), "png", "figure format (default png)")
    p.add_argument("--quiet", action="store_true", help="no progress output")


def _check(exp: Any) -> tuple[list[Any], list[Any]]:
    from sim.errors import UserError

    sampled = [f for f in exp.factors if f.sampled]
    listed = [f for f in exp.factors if not f.sampled]
    if not sampled:
        raise UserError("no sampled factors to analyse", file=exp.path, key="factors",
                        expected="factors given as { range = [lo, hi] } without levels",
                        found=", ".join(exp.factor_keys))  # fmt: skip
    if exp.sampler.get("method") != "saltelli":
        raise UserError("Sobol indices need a Saltelli/Sobol sample", file=exp.path,
                        key="sampler.method", expected="saltelli",
                        found=exp.sampler.get("method"))  # fmt: skip
    return sampled, listed


def _groups(design: Any, listed: list[Any]) -> list[tuple[str, Any]]:
    """(label, design rows) per combination of the listed factors, rows in sample order."""
    if not listed:
        return [("all", design)]
    keys = [f.key for f in listed]
    out = []
    for vals, rows in design.groupby(keys, sort=False):
        vals = vals if isinstance(vals, tuple) else (vals,)
        out.append((", ".join(str(v) for v in vals), rows.sort_values("point")))
    return out


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from sim.errors import UserError
    from sim.experiments.design import MORRIS_LEVELS, morris_experiment
    from sim.experiments.driver import run_experiment
    from sim.experiments.spec import load_experiment
    from sim.experiments.store import load
    from sim.results import analysis as A
    from sim.results.plotting import plot_sensitivity, stamp_text

    if args.morris_trajectories < 2:
        raise UserError("too few Morris trajectories", key="--morris-trajectories",
                        expected="2 or more", found=args.morris_trajectories)  # fmt: skip
    exp = load_experiment(args.experiment)
    sampled, listed = _check(exp)
    out = Path(args.out) if args.out else Path("results") / exp.name
    names = [f.key for f in sampled]
    problem = A.salib_problem(names, [(f.lo, f.hi) for f in sampled])
    analysis_seed = (int(exp.seed) + 2) % 2**32
    tables = []
    stores = {}
    kw = {"workers": args.workers, "replications": args.replications, "quiet": args.quiet,
          "pin_parameters": True}  # fmt: skip
    if args.method in ("both", "sobol"):
        store = run_experiment(exp, out / "sobol", **kw)
        stores["sobol"] = store
        st = load(store)
        y = A.point_outcomes(st.runs, exp.months)
        for label, rows in _groups(st.design, listed):
            yy = y.set_index("point").loc[rows["point"]]
            for o in A.SENSITIVITY_OUTCOMES:
                t = A.sobol_indices(problem, yy[o].to_numpy(),
                                    second_order=bool(exp.sampler["second_order"]),
                                    seed=analysis_seed)  # fmt: skip
                t.insert(0, "outcome", o)
                t.insert(0, "group", label)
                t.insert(0, "method", "sobol")
                tables.append(t)
    if args.method in ("both", "morris"):
        mexp = morris_experiment(exp, args.morris_trajectories)
        store = run_experiment(mexp, out / "morris", **kw)
        stores["morris"] = store
        st = load(store)
        y = A.point_outcomes(st.runs, exp.months)
        for label, rows in _groups(st.design, listed):
            yy = y.set_index("point").loc[rows["point"]]
            x = rows[names].to_numpy(dtype=float)
            for o in A.SENSITIVITY_OUTCOMES:
                t = A.morris_indices(problem, x, yy[o].to_numpy(), num_levels=MORRIS_LEVELS,
                                     seed=analysis_seed)  # fmt: skip
                t.insert(0, "outcome", o)
                t.insert(0, "group", label)
                t.insert(0, "method", "morris")
                tables.append(t)
    table = pd.concat(tables, ignore_index=True)
    out.mkdir(parents=True, exist_ok=True)
    csv = out / "sensitivity.csv"
    table.to_csv(csv, index=False, float_format="%.6g")
    print(csv)
    for method, indices in (("sobol", ("S1", "ST")), ("morris", ("mu_star",))):
        if method not in stores:
            continue
        st = load(stores[method])
        stamp = stamp_text(st.manifest["experiment_name"], exp.seed, len(st.runs),
                           st.manifest["code"]["package_version"])  # fmt: skip
        what = "Sobol indices S1 and ST" if method == "sobol" else "Morris mu*"
        fig = plot_sensitivity(table[table["method"] == method], indices=indices,
                               outcome_labels=A.SENSITIVITY_OUTCOMES, stamp=stamp,
                               title=f"{exp.name}: {what} (95% bootstrap CI)")  # fmt: skip
        path = out / f"sensitivity_{method}.{args.figure_format}"
        fig.savefig(path, format=args.figure_format, dpi=130)
        print(path)
    _print_table(table)
    return 0


def _print_table(table: Any) -> None:
    for (method, group, outcome), t in table.groupby(["method", "group", "outcome"], sort=False):
        print(f"\n{method} · {group} · {outcome}")
        for _, r in t.iterrows():
            ci = "" if r["conf"] != r["conf"] else f" ± {r['conf']:.3f}"
            print(f"  {r['factor']:<16} {r['index']:<8} {r['value']:8.3f}{ci}")
