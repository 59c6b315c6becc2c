"""The model as a plain Python function: :func:`run_one` (``sim.run_one``), for SALib, the EMA
Workbench and the like."""

from __future__ import annotations

import dataclasses
from typing import Any

from sim.core.params import PARAM_FIELDS, Scenario, param_info
from sim.errors import unknown_name
from sim.experiments.design import SCENARIO_FACTOR, STRATEGY_FACTORS
from sim.scenario import load_scenario
from sim.tomlcheck import check_constraints, check_param, check_strategy


def run_one(params: dict[str, Any], seed: int, replication: int = 0) -> dict[str, Any]:
    """Run the model once as a plain Python function (for SALib, EMA Workbench and the like).

    Args:
        params: parameter name -> value (any of ``sim.core.params.PARAM_FIELDS``), plus optionally
            ``"scenario"`` (a scenario name or path; default: built-in defaults), ``"strategy"``
            (both leaders and their successors), ``"rok_strategy"``, ``"jpn_strategy"`` and
            ``"months"``.
        seed: root seed.
        replication: replication index (keys the random numbers together with the seed).

    Returns:
        The run's outcome summary (the keys of ``sim.engines.batch.summarise``) as plain Python values.

    Raises:
        UserError: for an unknown parameter (with the nearest valid name) or an invalid value.
    """
    from sim.engines.batch import simulate

    where = "run_one(params)"
    p = dict(params)
    sc = Scenario()
    if SCENARIO_FACTOR in p:
        sc = load_scenario(str(p.pop(SCENARIO_FACTOR)))
    months = p.pop("months", None)
    for key, roles in STRATEGY_FACTORS.items():
        if key in p:
            name = check_strategy(where, key, p.pop(key))
            sc = sc.with_strategies(**{role: name for role in roles})
    changes: dict[str, Any] = {}
    for k, v in p.items():
        valid = [*PARAM_FIELDS, *STRATEGY_FACTORS, SCENARIO_FACTOR, "months"]
        if k not in PARAM_FIELDS:
            raise unknown_name("parameter", k, valid, file=where, key=k)
        val = check_param(where, k, k, v)
        changes[k] = int(val) if param_info(k)["integer"] else val
    if changes:
        sc = sc.with_params(**changes)
        check_constraints(where, sc.params, key_prefix="")
    if months is not None:
        sc = dataclasses.replace(sc, months=int(months))
    res = simulate(sc, int(seed), [int(replication)])
    return {k: v[0].item() for k, v in res.summary.items()}
