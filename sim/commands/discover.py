"""``alignsim discover``: scenario discovery over a sampled experiment's store (PRIM and CART)."""

from __future__ import annotations

import argparse

from sim.commands.summary import window_arguments

NAME = "discover"
HELP = ("scenario discovery: which inputs lead to durable cooperation (PRIM boxes with their "
        "peeling trajectory, CART boxes, extra-trees feature scores)")  # fmt: skip
DESCRIPTION = (
    "Over the runs of a result store (best a sampled experiment, e.g. a Latin hypercube with "
    "drawn parameters), find the regions of the inputs where an outcome of interest happens. "
    "PRIM (the EMA Workbench's implementation; the optional extra 'ema') peels the input space "
    "box by box: the peeling trajectory shows coverage against density, one box is chosen on it "
    "(by default the widest box that earns half of the density peeling can earn; --min-density, "
    "--knee or --select choose otherwise), and each of its limits gets a quasi-p-value. Beside "
    "it: the leaves of a classification tree (scikit-learn CART) and the inputs ranked by "
    "extra-trees feature scores for each outcome. The default outcome is the "
    "windowed durable outcome (institutionalised within W and no collapse in the F months after; "
    "docs/RESEARCH.md). Writes CSV, JSON, figures and summary.md to STORE/discovery "
    "(docs/DISCOVERY.md)."
)
ORDER = 45


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("store", metavar="STORE", help="result store folder (from alignsim batch)")
    g = p.add_argument_group("outcome")
    g.add_argument("--outcome", metavar="NAME",
                   help="outcome of interest: a windowed outcome (inst_within_window, "
                        "durable_in_followup, collapse_in_followup, followup_censored) or a "
                        "column of the runs table (default durable_in_followup; durable when "
                        "the windows cannot be computed)")  # fmt: skip
    g.add_argument("--threshold", type=float, metavar="X",
                   help="for a continuous outcome: cases of interest have it >= X")  # fmt: skip
    g.add_argument("--below", action="store_true",
                   help="with --threshold: cases of interest have the outcome <= X")  # fmt: skip
    window_arguments(p)
    g.add_argument("--unit", choices=("run", "point"), default="run",
                   help="a case is a run (default: inputs are the factors and the drawn "
                        "parameters) or a design point (inputs are the factors; of interest when "
                        "--share of its runs are)")  # fmt: skip
    g.add_argument("--share", type=float, default=0.5,
                   help="with --unit point: the share of a point's runs that makes it a case of "
                        "interest (default 0.5)")  # fmt: skip
    i = p.add_argument_group("inputs")
    i.add_argument("--no-theta", action="store_true",
                   help="leave out the drawn parameters (theta_* columns of the runs table)")  # fmt: skip
    i.add_argument("--exclude", action="append", metavar="NAME[,NAME]",
                   help="leave out these inputs (factors or theta_* columns); repeatable")  # fmt: skip
    r = p.add_argument_group("PRIM")
    r.add_argument("--min-density", type=float, metavar="D",
                   help="choose the box with the highest coverage among those with density >= D "
                        "(default: the same with D halfway between the share of cases of "
                        "interest and the trajectory's highest density)")  # fmt: skip
    r.add_argument("--knee", action="store_true",
                   help="choose the knee of the trajectory instead: the largest sum of coverage "
                        "and density, each scaled to [0, 1]")  # fmt: skip
    r.add_argument("--select", type=int, metavar="ID",
                   help="choose this box of the (first) trajectory instead (ids on the figure "
                        "and in prim_trajectory.csv)")  # fmt: skip
    r.add_argument("--boxes", type=int, default=1,
                   help="how many PRIM boxes to find, each after removing the previous box's "
                        "cases (default 1, at most 5)")  # fmt: skip
    r.add_argument("--peel-alpha", type=float, default=0.05,
                   help="share of a box's cases peeled per step (default 0.05)")  # fmt: skip
    r.add_argument("--mass-min", type=float, default=0.05,
                   help="smallest box, as a share of all cases (default 0.05)")  # fmt: skip
    c = p.add_argument_group("CART and feature scores")
    c.add_argument("--max-depth", type=int, default=3, help="CART tree depth (default 3)")
    c.add_argument("--min-leaf", type=float, default=0.05,
                   help="CART's smallest leaf, as a share of the cases (default 0.05)")  # fmt: skip
    c.add_argument("--scores", metavar="NAME[,NAME]", action="append",
                   help="outcomes to score besides the discovery outcome (default: "
                        "inst_within_window, durable_in_followup, collapse_in_followup, "
                        "final_trilateral where the store has them; 'none': only the "
                        "discovery outcome)")  # fmt: skip
    c.add_argument("--seed", type=int, help="seed of the trees (default: the store's root seed)")
    p.add_argument("--out", metavar="DIR", help="output folder (default: STORE/discovery)")
    from sim.commands._flags import FIGURE_FORMAT, add_format_flag

    add_format_flag(p, FIGURE_FORMAT, ("png", "svg", "pdf"), "png", "figure format (default png)")


def _check(args: argparse.Namespace) -> None:
    import math

    from sim.errors import UserError

    def share(flag: str, value: float | None, lo: float, hi: float, closed: bool) -> None:
        if value is None:
            return
        ok = math.isfinite(value) and lo < value and (value <= hi if closed else value < hi)
        if not ok:
            bound = "]" if closed else ")"
            raise UserError(f"bad {flag}", key=flag, expected=f"a number in ({lo:g}, {hi:g}{bound}",
                            found=value)  # fmt: skip

    share("--min-density", args.min_density, 0, 1, True)
    share("--share", args.share, 0, 1, True)
    share("--peel-alpha", args.peel_alpha, 0, 0.5, False)
    share("--mass-min", args.mass_min, 0, 0.5, False)
    share("--min-leaf", args.min_leaf, 0, 0.5, False)
    if args.threshold is not None and not math.isfinite(args.threshold):
        raise UserError("bad --threshold", key="--threshold", expected="a finite number",
                        found=args.threshold)  # fmt: skip
    if args.below and args.threshold is None:
        raise UserError("--below needs --threshold", key="--below",
                        expected="--threshold X --below", found="no --threshold")  # fmt: skip
    if not 1 <= args.boxes <= 5:
        raise UserError("bad --boxes", key="--boxes", expected="1..5", found=args.boxes)
    if args.select is not None and args.select < 0:
        raise UserError("bad --select", key="--select", expected="a box id, 0 or more",
                        found=args.select)  # fmt: skip
    given = [flag for flag, on in (("--min-density", args.min_density is not None),
                                   ("--knee", args.knee), ("--select", args.select is not None))
             if on]  # fmt: skip
    if len(given) > 1:
        raise UserError("these flags are different ways to choose the box", key=given[-1],
                        expected="one of --min-density, --knee, --select",
                        found=" and ".join(given))  # fmt: skip
    if not 1 <= args.max_depth <= 10:
        raise UserError("bad --max-depth", key="--max-depth", expected="1..10",
                        found=args.max_depth)  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from sim.commands._flags import check_seed

    check_seed(args.seed)
    import json
    import time
    from pathlib import Path

    import pandas as pd

    from sim.experiments.store import load
    from sim.results import discovery as D
    from sim.results.analysis import discover_boxes, ordered_levels
    from sim.results.discovery_plots import plot_feature_scores, plot_prim
    from sim.results.headline import store_windows
    from sim.results.plotting import plot_boxes
    from sim.results.report import store_stamp

    _check(args)
    ema = D.load_ema()  # before any work: a missing extra is the first thing to say
    st = load(args.store)
    windows = None
    if all(c in st.runs.columns for c in ("inst_month", "collapse_month")):
        windows = store_windows(st, args.window, args.followup)
    scores = args.scores
    if scores is not None and [s.strip().lower() for s in scores] == ["none"]:
        scores = []
    cases = D.store_cases(st, outcome=args.outcome, threshold=args.threshold, below=args.below,
                          unit=args.unit, share=args.share, windows=windows,
                          theta=not args.no_theta, exclude=args.exclude or (), scores=scores)  # fmt: skip
    seed = args.seed if args.seed is not None else int(st.manifest.get("root_seed", 0)) % 2**32
    name = st.manifest.get("experiment_name", "experiment")
    stamp = store_stamp(st)

    prim = D.run_prim(cases.x, cases.y, boxes=args.boxes, peel_alpha=args.peel_alpha,
                      mass_min=args.mass_min, min_density=args.min_density,
                      rule="knee" if args.knee else "half-gain", select=args.select,
                      ema=ema)  # fmt: skip
    t0 = time.perf_counter()
    scores_table, modes = D.feature_scores(cases.x, cases.scored, seed=seed, ema=ema)
    score_seconds = time.perf_counter() - t0
    xin = D.prepare_inputs(cases.x)
    t0 = time.perf_counter()
    cart = discover_boxes(xin, cases.y, max_depth=args.max_depth, min_leaf=args.min_leaf,
                          seed=seed)  # fmt: skip
    cart_seconds = time.perf_counter() - t0

    out = Path(args.out) if args.out else Path(args.store) / "discovery"
    out.mkdir(parents=True, exist_ok=True)
    fmt = args.figure_format
    trajectory = pd.concat([b.trajectory for b in prim.boxes], ignore_index=True)
    limits = pd.concat([b.limits for b in prim.boxes], ignore_index=True)
    trajectory.to_csv(out / "prim_trajectory.csv", index=False)
    limits.to_csv(out / "prim_limits.csv", index=False)
    scores_table.to_csv(out / "feature_scores.csv")
    base = float(cases.y.mean())
    what = f"where {cases.definition}"
    fig = plot_prim(trajectory, limits, base_rate=base, min_density=args.min_density,
                    title=f"{name}: PRIM, {what}", stamp=stamp)  # fmt: skip
    fig.savefig(out / f"prim_trajectory.{fmt}", format=fmt, dpi=130)
    written = [out / f"prim_trajectory.{fmt}"]
    if len(scores_table.columns):
        fig = plot_feature_scores(scores_table, title=f"{name}: extra-trees feature scores",
                                  stamp=stamp)  # fmt: skip
        fig.savefig(out / f"feature_scores.{fmt}", format=fmt, dpi=130)
        written.append(out / f"feature_scores.{fmt}")
    used = sorted({k for b in cart for k in (*b.limits, *b.levels)})
    ranges = {f: (float(xin[f].min()), float(xin[f].max())) for f in used
              if xin[f].dtype.kind == "f"}  # fmt: skip
    levels = {f: ordered_levels(xin[f]) for f in used if f not in ranges}
    fig = plot_boxes(cart, ranges, levels, stamp=stamp,
                     title=f"{name}: CART leaves {what} (density > 0.5)")  # fmt: skip
    fig.savefig(out / f"cart_boxes.{fmt}", format=fmt, dpi=130)
    written.append(out / f"cart_boxes.{fmt}")
    cart_json = [{"box": i, "coverage": b.coverage, "density": b.density, "n": b.n,
                  "n_interest": b.n_interest, "limits": b.limits, "levels": b.levels,
                  "describe": b.describe()} for i, b in enumerate(cart, 1)]  # fmt: skip
    (out / "cart_boxes.json").write_text(json.dumps(cart_json, indent=1, default=str))
    report = {
        "experiment": name,
        "store": str(args.store),
        "unit": cases.unit,
        "outcome": cases.outcome,
        "definition": cases.definition,
        "windows": None if windows is None else windows.describe(),
        "cases": len(cases.y),
        "cases_of_interest": int(cases.y.sum()),
        "factors": cases.factors,
        "drawn_parameters": cases.thetas,
        "notes": cases.notes + prim.notes,
        "prim": {
            "ema_workbench": prim.ema_version,
            "peel_alpha": prim.peel_alpha,
            "paste_alpha": prim.paste_alpha,
            "mass_min": prim.mass_min,
            "seconds": round(prim.seconds, 3),
            "boxes": [
                {
                    "box": b.box,
                    "chosen_id": b.chosen,
                    "rule": b.rule,
                    **b.stats,
                    "limits": json.loads(b.limits.to_json(orient="records")),
                    "describe": D.describe_limits(b.limits),
                }  # fmt: skip
                for b in prim.boxes
            ],
        },
        "cart": {
            "max_depth": args.max_depth,
            "min_leaf": args.min_leaf,
            "seconds": round(cart_seconds, 3),
            "boxes": cart_json,
        },  # fmt: skip
        "feature_scores": {
            "modes": modes,
            "seed": seed,
            "seconds": round(score_seconds, 3),
            "scores": json.loads(scores_table.to_json(orient="index")),
        },  # fmt: skip
    }
    (out / "discovery.json").write_text(json.dumps(report, indent=1, default=str))
    md = D.summary_markdown(report, scores_table, files=[p.name for p in written])
    (out / "summary.md").write_text(md)
    print(D.summary_text(report, scores_table))
    for path in [*written, out / "summary.md", out / "discovery.json"]:
        print(path)
    return 0
