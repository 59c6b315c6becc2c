"""Scenario discovery with the EMA Workbench: its sampler and PRIM, the model run by run_many.

The EMA Workbench's Latin hypercube sampler draws uncertainties (their ranges from the
parameter declarations); ``sim.run_many`` runs every experiment in compiled batches instead of
one Python call per run; the Workbench's PRIM then finds the box of parameter values where
trilateral cooperation is institutionalised within 36 months, and its extra-trees feature
scoring ranks the uncertainties. The model is a stylised research and teaching model, not a
forecast.

    python examples/ema_workbench_prim.py            # 4,000 experiments
    python examples/ema_workbench_prim.py --n 1000

Needs the ``ema`` extra (``pip install -e '.[ema]'``; ``make test`` installs it).
"""

from __future__ import annotations

import argparse
import time
import warnings

import pandas as pd

import sim
from sim.core.params import param_info

UNCERTAINTIES = ("us_coercion", "china_coercion", "concession_cost_scale", "rok_approval0",
                 "jpn_approval0", "initiative_margin")  # fmt: skip


def main(n: int = 4000, seed: int = 2022) -> pd.DataFrame:
    """Run the discovery; returns the chosen PRIM box's limits."""
    with warnings.catch_warnings():  # the Workbench warns about optional parallel back-ends
        warnings.simplefilter("ignore")
        from ema_workbench import RealParameter
        from ema_workbench.analysis import feature_scoring, prim
        from ema_workbench.em_framework.samplers import LHSSampler

    params = [RealParameter(u, param_info(u)["lo"], param_info(u)["hi"]) for u in UNCERTAINTIES]
    samples = LHSSampler().generate_samples(params, n, rng=seed)
    experiments = pd.DataFrame([dict(s.items()) for s in samples])[list(UNCERTAINTIES)]
    start = time.perf_counter()
    out = sim.run_many(experiments, seed=seed, months=36)
    took = time.perf_counter() - start
    y = out["institutionalised"].to_numpy()
    print(f"{n:,} experiments in {took:.2f} s; P(institutionalised by month 36) = {y.mean():.3f}")

    scores = feature_scoring.get_ex_feature_scores(
        experiments, y, mode=feature_scoring.RuleInductionType.CLASSIFICATION, random_state=seed
    )[0]
    print("extra-trees feature scores:\n" + scores.round(3).to_string())
    box = prim.Prim(experiments, y, peel_alpha=0.05).find_box()
    if box is None:
        raise SystemExit("PRIM found no box")
    stats, limits = box.inspect(style="data")[0]
    limits = limits.droplevel(0, axis=1)
    limits.columns = ["min", "max", "p_value_min", "p_value_max"]  # quasi-p of each limit
    print(f"PRIM box: coverage {box.coverage:.2f}, density {box.density:.2f}")
    print(limits.round(3).to_string())
    return limits


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4000, help="number of experiments")
    ap.add_argument("--seed", type=int, default=2022)
    args = ap.parse_args()
    main(args.n, args.seed)
