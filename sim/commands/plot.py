"""``alignsim plot``: every figure that fits a result store."""

from __future__ import annotations

import argparse

from sim.commands._flags import FIGURE_FORMAT, add_format_flag
from sim.results.kinds import KINDS

NAME = "plot"
HELP = ("figures of a result store (sweep, heatmap, survival, durability, timing, fan) as "
        "PNG/SVG/PDF")  # fmt: skip
DESCRIPTION = (
    "Write every figure that fits a result store: the probability of institutionalised "
    "cooperation by month M against the swept factor with 95% Wilson intervals (sweep), the same "
    "over two factors (heatmap), Kaplan-Meier curves of the time to institutionalisation with "
    "runs that never get there censored at the horizon (survival), the share of runs "
    "institutionalised within 24 months that collapse within the 24 months after, censored runs "
    "left out (durability), the month institutions form against the last 10% of the horizon and "
    "the leaders' turnovers (timing), and fan charts of the monthly trajectories (fan). "
    "Each figure is stamped with the experiment, root seed, number of runs and version."
)
ORDER = 42
FORMATS = ("png", "svg", "pdf")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("store", metavar="STORE", help="result store folder (from alignsim batch)")
    p.add_argument("--kind", action="append", choices=KINDS, metavar="KIND",
                   help=f"figure kind, repeatable (default: all that fit): {', '.join(KINDS)}")  # fmt: skip
    p.add_argument("--out", metavar="DIR", help="output folder (default: STORE/figures)")
    add_format_flag(p, FIGURE_FORMAT, FORMATS, None, "png, svg or pdf; repeatable (default png)",
                    append=True)  # fmt: skip
    p.add_argument("--by-month", type=int, default=24, metavar="M",
                   help="month of the institutionalisation probability (default 24)")  # fmt: skip
    p.add_argument("--prefix", default="", metavar="TEXT",
                   help="prefix of the file names, e.g. 'coercion_sweep_' (default none)")  # fmt: skip
    p.add_argument("--dpi", type=int, default=130, help="resolution of PNG files (default 130)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sim.errors import UserError
    from sim.experiments.store import load
    from sim.results.report import save_figures, store_figures

    if args.by_month < 1:
        raise UserError("bad month", key="--by-month", expected="1 or more", found=args.by_month)
    st = load(args.store)
    figs = store_figures(st, args.kind, month=args.by_month)
    if not figs:
        raise UserError("no figure fits this store", file=args.store,
                        expected="a store with runs and varied factors")  # fmt: skip
    out = Path(args.out) if args.out else Path(args.store) / "figures"
    for path in save_figures(
        figs, out, args.figure_format or ["png"], dpi=args.dpi, prefix=args.prefix
    ):
        print(path)
    skipped = [k for k in (args.kind or []) if k not in figs]
    if skipped:
        print(f"alignsim plot: skipped (does not fit this store): {', '.join(skipped)}")
    return 0
