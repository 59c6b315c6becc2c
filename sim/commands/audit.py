"""``alignsim audit``: what each finding's verdict rests on, one change at a time."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

NAME = "audit"
HELP = ("re-run an experiment with each mechanism switched off and each unidentified parameter "
        "at the ends of its range: which findings hold, flip or vanish")  # fmt: skip
DESCRIPTION = (
    "For each declared finding (H1 against a grand bargain and against tit-for-tat, H2, H4, "
    "Japan moving first, the status quo, lock-in after a hostile successor; "
    "sim/results/findings.py), re-run the experiment's design with parameters pinned at the "
    "base scenario's values except one change: each mechanism at its neutral setting, each "
    "parameter the record cannot identify at the low and high end of its prior, each "
    "calibrated parameter at the 5% and 95% point of its posterior. Each finding's status "
    "under each change (holds, flips, vanishes, appears, n/a) goes into OUT/audit.csv, "
    "OUT/audit.json and the figure OUT/audit.png, and with --markdown into a generated "
    "document. Each variant is a result store under OUT/variants/: an interrupted audit "
    "resumes, and variants already complete are not run again unless --force."
)
ORDER = 45


def add_arguments(p: argparse.ArgumentParser) -> None:
    from sim.commands.summary import window_arguments

    p.add_argument("experiment", metavar="EXPERIMENT",
                   help="experiment file (path, or a name in experiments/)")  # fmt: skip
    p.add_argument("--store", metavar="DIR",
                   help="the experiment's own result store, whose findings (parameters drawn) "
                        "are reported beside the audit's (default results/<name>; skipped when "
                        "absent)")  # fmt: skip
    p.add_argument("--out", metavar="DIR",
                   help="where the audit goes (default STORE/audit)")  # fmt: skip
    p.add_argument("--replications", type=int, default=None, metavar="N",
                   help="replications per design point in each variant (default 100)")  # fmt: skip
    p.add_argument("--only", action="append", metavar="VARIANT",
                   help="run only this variant or kind of variant (repeatable; the baseline "
                        "always runs): a name such as mechanism-us_backlash, or a kind: "
                        "mechanism, prior_low, prior_high, posterior_q05, posterior_q95")  # fmt: skip
    p.add_argument("--list", action="store_true", help="list the variants and exit")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="local worker processes (default: one per core)")  # fmt: skip
    p.add_argument("--force", action="store_true",
                   help="run every variant afresh, even those already complete")  # fmt: skip
    p.add_argument("--markdown", metavar="FILE",
                   help="also write the audit as a generated Markdown document (e.g. "
                        "docs/AUDIT.md), its figure into FILE's folder/figures/")  # fmt: skip
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    window_arguments(p)


def run(args: argparse.Namespace) -> int:
    import os
    import sys
    import time

    from sim.errors import UserError
    from sim.experiments.spec import load_experiment
    from sim.results import audit as AU
    from sim.results import findings as F
    from sim.results.windows import resolve_windows

    t0 = time.monotonic()
    reps = AU.REPLICATIONS if args.replications is None else args.replications
    if reps < 1:
        raise UserError("bad replication count", key="--replications", expected="1 or more",
                        found=reps)  # fmt: skip
    if args.workers is not None and args.workers < 1:
        raise UserError("bad worker count", key="--workers", expected="1 or more",
                        found=args.workers)  # fmt: skip
    exp = load_experiment(args.experiment)
    windows = resolve_windows(args.window, args.followup, exp.months)
    chosen = AU.select(AU.variants(posterior=AU.posterior_sample()), args.only)
    if args.list:
        for v in chosen:
            why = AU.why_not_run(exp, v)
            print(f"{v.name:48s} {v.label}" + (f"  [not run: {why}]" if why else ""))
        return 0
    store = Path(args.store) if args.store else Path("results") / exp.name
    out = Path(args.out) if args.out else store / "audit"

    from sim.experiments.progress import Progress

    def say(msg: str) -> None:
        if not args.quiet:
            print(msg, file=sys.stderr, flush=True)

    reported: dict[str, F.Evaluation] = {}
    own = _own_store(store, exp, say)
    if own is not None:
        reported = F.evaluate_all(own.runs, windows)
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    say(f"audit: {exp.name}: {len(chosen)} variants x {len(exp.design)} design points x {reps} "
        f"replications, parameters pinned; {workers} worker(s); out {out}")  # fmt: skip
    with Progress(len(chosen), quiet=args.quiet, label="variants") as progress:
        results = AU.run_audit(exp, out, replications=reps, windows=windows, chosen=chosen,
                               workers=workers, force=args.force, say=progress.log,
                               progress=progress)  # fmt: skip
    wall = time.monotonic() - t0
    record = AU.audit_record(exp, results, reps, windows, reported, wall)
    from sim.results.plotting import stamp_text

    stamp = stamp_text(f"{exp.name} audit", exp.seed, record.get("runs_all") or None,
                       record["code"].get("package_version"))  # fmt: skip
    paths = AU.write_outputs(record, results, out, stamp)
    if args.markdown:
        md = Path(args.markdown)
        fig = md.parent / "figures" / f"{exp.name}_audit.png"
        AU.save_png(AU.figure(results, stamp), fig)
        surface = md.parent / "figures" / "h1_surface_surface.png"
        command = f"alignsim audit {args.experiment} --replications {reps} --markdown {md}"
        text = AU.markdown(record, str(fig.relative_to(md.parent)),
                           str(surface.relative_to(md.parent)) if surface.is_file() else None,
                           command)  # fmt: skip
        md.write_text(text, encoding="utf-8")
        paths += [md, fig]
    for p in paths:
        print(p)
    ran = sum(1 for r in results if r.state == "ran")
    say(f"audit: done in {wall:.1f} s ({ran} variants run, {record['runs']:,} runs)")
    for f in F.FINDINGS:
        say(f"  {f.name}: {record['sentences'][f.name]}")
    return 0


def _own_store(store: Path, exp: Any, say: Callable[[str], None]) -> Any:
    """The experiment's own store when it is complete and made from this experiment, else
    None (said why on stderr)."""
    from sim.errors import UserError
    from sim.experiments.store import load

    if not (store / "manifest.json").is_file():
        say(f"audit: no store of {exp.name} at {store}: the drawn ensemble's verdicts are not "
            "reported beside the audit's")  # fmt: skip
        return None
    try:
        st = load(store)
    except UserError as e:
        say(f"audit: the store {store} cannot be read ({e.message}); not reported")
        return None
    if st.manifest.get("experiment", {}).get("design_hash") != exp.design_hash():
        say(f"audit: the store {store} was made from another experiment; not reported")
        return None
    return st
