"""``alignsim discover``: scenario discovery over a sampled experiment's store."""

from __future__ import annotations

import argparse

NAME = "discover"
HELP = "scenario discovery: which factor combinations lead to durable cooperation (CART boxes)"
DESCRIPTION = (
    "Over the design points of a result store (best a sampled experiment, e.g. a Latin "
    "hypercube), find the regions of factor space where durable trilateral cooperation "
    "(institutionalised and never collapsed by the horizon) happens in at least --threshold of "
    "the runs, with a classification tree (scikit-learn CART). Prints each box's limits, "
    "coverage and density, and plots them."
)
ORDER = 45
OUTCOMES = ("durable", "institutionalised")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("store", metavar="STORE", help="result store folder (from alignsim batch)")
    p.add_argument("--outcome", choices=OUTCOMES, default="durable",
                   help="run outcome of interest (default durable)")  # fmt: skip
    p.add_argument("--threshold", type=float, default=0.5,
                   help="a design point is of interest when this share of its runs has the "
                        "outcome (default 0.5)")  # fmt: skip
    p.add_argument("--max-depth", type=int, default=3, help="tree depth (default 3)")
    p.add_argument("--min-leaf", type=float, default=0.05,
                   help="smallest box, as a share of the design points (default 0.05)")  # fmt: skip
    p.add_argument("--out", metavar="DIR", help="output folder (default: STORE/discovery)")
    p.add_argument("--format", choices=("png", "svg", "pdf"), default="png")


def run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from sim.errors import UserError
    from sim.experiments.store import load
    from sim.results.analysis import discover_boxes
    from sim.results.plotting import plot_boxes
    from sim.results.report import check_tables, factor_columns, store_stamp

    if not 0 < args.threshold < 1:
        raise UserError("bad threshold", key="--threshold", expected="a share in (0, 1)",
                        found=args.threshold)  # fmt: skip
    if not 0 < args.min_leaf < 0.5:
        raise UserError("bad --min-leaf", key="--min-leaf", expected="a share in (0, 0.5)",
                        found=args.min_leaf)  # fmt: skip
    if not 1 <= args.max_depth <= 10:
        raise UserError("bad --max-depth", key="--max-depth", expected="1..10",
                        found=args.max_depth)  # fmt: skip
    st = load(args.store)
    check_tables(st)
    if args.outcome not in st.runs.columns:
        raise UserError(f"the store's runs have no '{args.outcome}' column", file=args.store,
                        hint="keep it in the experiment's [outputs] runs list")  # fmt: skip
    factors = [f for f in factor_columns(st.design) if st.design[f].nunique() > 1]
    if not factors:
        raise UserError("no varied factors to discover boxes over", file=args.store)
    share = st.runs.groupby("point")[args.outcome].mean()
    design = st.design.set_index("point").loc[share.index]
    x = design[factors].reset_index(drop=True)
    interest = share.to_numpy() >= args.threshold
    seed = int(st.manifest.get("root_seed", 0)) % 2**32
    boxes = discover_boxes(x, interest, max_depth=args.max_depth, min_leaf=args.min_leaf,
                           seed=seed)  # fmt: skip
    name = st.manifest.get("experiment_name", "experiment")
    print(f"{name}: {int(interest.sum())} of {len(interest)} design points have "
          f"{args.outcome} cooperation in >= {args.threshold:.0%} of their runs")  # fmt: skip
    if not boxes:
        print("no box: the cases of interest are none or all of the design points")
    for i, b in enumerate(boxes, 1):
        print(f"box {i}: coverage {b.coverage:.3f}, density {b.density:.3f} "
              f"({b.n_interest}/{b.n} points): {b.describe()}")  # fmt: skip
    out = Path(args.out) if args.out else Path(args.store) / "discovery"
    out.mkdir(parents=True, exist_ok=True)
    numeric = {f: (float(x[f].min()), float(x[f].max())) for f in factors
               if x[f].dtype.kind in "iuf"}  # fmt: skip
    cats = {f: sorted(map(str, x[f].unique())) for f in factors if f not in numeric}
    fig = plot_boxes(boxes, numeric, cats, stamp=store_stamp(st),
                     title=f"{name}: where {args.outcome} cooperation is the rule "
                           f"(>= {args.threshold:.0%} of runs)")  # fmt: skip
    path = out / f"discovery.{args.format}"
    fig.savefig(path, format=args.format, dpi=130)
    boxes_json = [
        {
            "box": i,
            "coverage": b.coverage,
            "density": b.density,
            "n": b.n,
            "n_interest": b.n_interest,
            "limits": b.limits,
            "levels": b.levels,
        }  # fmt: skip
        for i, b in enumerate(boxes, 1)
    ]
    (out / "boxes.json").write_text(json.dumps(boxes_json, indent=1, default=str))
    print(path)
    print(out / "boxes.json")
    return 0
