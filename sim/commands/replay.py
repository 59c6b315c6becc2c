"""``alignsim replay``: re-run one stored run with the Mesa model and check it."""

from __future__ import annotations

import argparse

NAME = "replay"
HELP = "re-run one stored run with the Mesa model, print its trajectory, check it matches"
DESCRIPTION = (
    "Re-run run K of a result store (row K of sim.load(STORE).runs, sorted by point and "
    "replication) with the Mesa model from its stored coordinates (design point scenario, its "
    "parameter draw if any, root seed, replication), print its monthly trajectory, and check that its outcome summary (and "
    "trajectory, if the store kept trajectories) equals the stored one. Exit status 1 if not."
)
ORDER = 42

SHOWN = ("trilateral", "coop_ROK_JPN", "approval_ROK", "approval_JPN", "alignment_ROK",
         "alignment_JPN", "steps_ROK", "steps_JPN", "institutionalised", "collapsed")  # fmt: skip


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("store", metavar="STORE", help="result store folder")
    p.add_argument("--run", type=int, required=True, metavar="K",
                   help="row of the runs table (0-based, sorted by point and replication)")  # fmt: skip
    p.add_argument("--all-vars", action="store_true", help="print every monthly variable")


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from sim.core.params import param_info, scenario_hash
    from sim.core.steps import STEP_NAMES
    from sim.engines.batch import MONTHLY_VARS
    from sim.engines.model import AlignmentModel
    from sim.errors import UserError
    from sim.experiments.store import load, scenario_from_dict
    from sim.experiments.uncertainty import theta_column, theta_names

    st = load(args.store)
    n = len(st.runs)
    if not 0 <= args.run < n:
        raise UserError("no such run", key="--run", expected=f"0..{n - 1}", found=args.run)
    row = st.runs.iloc[args.run]
    point, rep, seed = int(row["point"]), int(row["replication"]), int(row["seed"])
    pinfo = st.manifest["points"][point]
    sc = scenario_from_dict(pinfo["scenario"])
    if scenario_hash(sc) != pinfo["scenario_hash"]:
        raise UserError("stored scenario does not match its hash", file=args.store,
                        key=f"points[{point}]", expected=pinfo["scenario_hash"],
                        found=scenario_hash(sc))  # fmt: skip
    drawn = {name: row[theta_column(name)] for name in theta_names(list(st.runs.columns))}
    if drawn:  # the run's parameter draw, as stored
        sc = sc.with_params(**{k: int(v) if param_info(k)["integer"] else float(v)
                               for k, v in drawn.items()})  # fmt: skip
    model = AlignmentModel(sc, rng=seed, replication=rep, months=st.manifest["months"])
    traj = [model.record().copy()]
    for _ in range(st.manifest["months"]):
        model.step()
        traj.append(model.record().copy())
    mine = np.stack(traj)
    print(f"run {args.run}: point {point} {pinfo['factors']}, replication {rep}, seed {seed}, "
          f"scenario {sc.name} ({pinfo['scenario_hash']})")  # fmt: skip
    if drawn:
        print(f"parameter draw {int(row['draw'])}: "
              + ", ".join(f"{k} = {v:.6g}" for k, v in drawn.items()))  # fmt: skip
    shown = MONTHLY_VARS if args.all_vars else SHOWN
    idx = [MONTHLY_VARS.index(v) for v in shown]
    print("month  " + "  ".join(f"{v:>17}" for v in shown))
    for m in range(mine.shape[0]):
        print(f"{m:5d}  " + "  ".join(f"{mine[m, i]:17.6g}" for i in idx))

    problems = []
    summary = model.summary()
    for k, v in summary.items():
        if k in st.runs.columns and not _same(row[k], v):
            problems.append(f"summary {k}: stored {row[k]!r}, replay {v!r}")
    for j, step in enumerate(STEP_NAMES):
        for col, arr in ((f"first_month_{step}", model.first_taken_month),
                         (f"first_by_{step}", model.first_taken_by)):  # fmt: skip
            if col in st.runs.columns and int(row[col]) != int(arr[j]):
                problems.append(f"{col}: stored {row[col]}, replay {arr[j]}")
    checked = "outcome summary"
    if st.trajectories is not None:
        t = st.trajectories
        sel = t[(t["point"] == point) & (t["replication"] == rep)].sort_values("month")
        stored = sel[list(MONTHLY_VARS)].to_numpy()
        if stored.shape != mine.shape or not np.array_equal(stored, mine):
            bad = "shape" if stored.shape != mine.shape else int(
                np.argwhere(stored != mine)[0][0])  # fmt: skip
            problems.append(f"trajectory differs (first at month {bad})")
        checked += " and full trajectory"
    else:
        checked += " (the store kept no trajectories: run batch with --trajectories to check them)"
    if problems:
        print("MISMATCH: the replay differs from the stored run:")
        for p in problems:
            print("  " + p)
        return 1
    print(f"OK: the Mesa replay equals the stored {checked}, bit for bit.")
    return 0


def _same(a: object, b: object) -> bool:
    import math

    if isinstance(a, float) or isinstance(b, float):
        fa, fb = float(a), float(b)  # type: ignore[arg-type]
        return fa == fb or (math.isnan(fa) and math.isnan(fb))
    return bool(a == b)
