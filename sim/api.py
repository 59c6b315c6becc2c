"""The model as functions, for the tools researchers use (SALib, the EMA Workbench, notebooks).

* :func:`run_many` runs a table of runs, one row a run, in compiled batches, and returns a table;
  use it for samples of hundreds or millions of runs.
* :func:`run_one` runs one (``sim.run_one``): the same model, for tools that call a function per
  run.
* :func:`load` reads a result store (``sim.load``).

Parameters are checked against the same declarations as scenario files (ranges, whole numbers,
constraints between parameters); a bad value raises :class:`sim.errors.UserError` naming the
column, the row, what was expected and what was found. numpy numbers and 0-d arrays are accepted
wherever a Python number is.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from sim.core.params import CONSTRAINTS, PARAM_FIELDS, Scenario, param_info
from sim.core.strategies import STRATEGY_NAMES
from sim.errors import UserError, unknown_name
from sim.experiments.design import SCENARIO_FACTOR, STRATEGY_FACTORS
from sim.experiments.store import load
from sim.plugins import load_plugins
from sim.tomlcheck import check_constraints, check_param, check_strategy

load_plugins()  # strategies and shock kinds of installed packages (docs/EXTENDING.md)

__all__ = ["run_many", "run_one", "load"]

WHERE = "run_many(params)"
#: Columns of a run table that are not parameters (as the factors of experiment files).
SCENARIO_COLUMN = SCENARIO_FACTOR
STRATEGY_COLUMNS = STRATEGY_FACTORS
RUN_COLUMNS = ("seed", "replication", "months")
#: Most runs in one compiled piece (memory stays small whatever the table's length).
BATCH = 25_000
#: Fewest runs in a piece worth a thread of its own.
MIN_PIECE = 1_000


def run_many(
    params: pd.DataFrame | Mapping[str, Any] | Sequence[Mapping[str, Any]],
    seed: int = 0,
    *,
    scenario: str | Path | Scenario | None = None,
    months: int | None = None,
    replications: npt.ArrayLike | None = None,
    threads: int | None = None,
) -> pd.DataFrame:
    """Run the model once per row of ``params``, in compiled batches.

    Args:
        params: the runs, one row a run: a DataFrame, a dict of columns, or a list of dicts.
            Columns: any declared parameter (``sim.core.params``); optionally ``scenario`` (a
            name or path), ``strategy`` (both leaders and their successors),
            ``rok_strategy``, ``jpn_strategy``, ``months``, ``seed`` and ``replication``.
        seed: root seed for rows without a ``seed`` column.
        scenario: the base scenario (name, path or object) for rows without a ``scenario``
            column; default: built-in defaults.
        months: horizon for rows without a ``months`` column (default: the scenario's).
        replications: replication index per row (default: a ``replication`` column, else the
            row number), which keys the row's random numbers with its seed.
        threads: threads for the compiled runs (default: every core this process may use);
            results do not depend on it.

    Returns:
        One row per run, in input order: the input columns, then ``seed`` and ``replication``
        (what reproduces the run), then the outcome summary (``sim.core.outputs.SUMMARY``).

    Raises:
        UserError: an unknown column (with the nearest valid name), a value of the wrong type or
            outside its declared range, or a violated constraint, naming the row.
    """
    from sim.engines.batch import simulate
    from sim.scenario import load_scenario

    table = _as_table(params)
    n = len(table)
    known = [*PARAM_FIELDS, SCENARIO_COLUMN, *STRATEGY_COLUMNS, *RUN_COLUMNS]
    for col in table.columns:
        if col not in known:
            raise unknown_name("column", str(col), known, file=WHERE, key=str(col))
    values = {c: _numbers(table, c) for c in table.columns if c in PARAM_FIELDS}
    _check_constraints(values, n)
    if replications is not None:
        reps = _whole(np.asarray(replications).reshape(-1), "replications", 0, 2**62)
        if reps.shape[0] != n:
            raise UserError("wrong length", file=WHERE, key="replications",
                            expected=f"{n} values (one per row)", found=reps.shape[0])  # fmt: skip
    elif "replication" in table:
        reps = _whole(_numbers(table, "replication"), "replication", 0, 2**62)
    else:
        reps = np.arange(n, dtype=np.int64)
    seeds = (_whole(_numbers(table, "seed"), "seed", 0, 2**63 - 1) if "seed" in table
             else np.full(n, _whole(np.asarray([seed]), "seed", 0, 2**63 - 1)[0]))  # fmt: skip
    horizon = (_whole(_numbers(table, "months"), "months", 1, 100_000) if "months" in table
               else None)  # fmt: skip
    if months is not None:
        months = int(_whole(np.asarray([months], dtype=object), "months", 1, 100_000)[0])

    if threads is None:
        import os

        threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    base = _base_scenario(scenario, load_scenario)
    jobs: list[tuple[Scenario, int, npt.NDArray[np.int64]]] = []
    for settings, rows in _groups(table, seeds, horizon):
        sc = _scenario_for(base, settings, load_scenario)
        run_months = settings.get("months", months)
        if run_months is not None:
            sc = dataclasses.replace(sc, months=int(run_months))
        size = _piece(rows.shape[0], threads)
        jobs += [(sc, int(settings["seed"]), rows[a : a + size])
                 for a in range(0, rows.shape[0], size)]  # fmt: skip

    def run(job: tuple[Scenario, int, npt.NDArray[np.int64]]) -> dict[str, npt.NDArray[Any]]:
        sc, root, part = job
        varying = {name: v[part] for name, v in values.items()}
        return simulate(sc, root, reps[part], varying=varying or None).summary

    out_summary: dict[str, npt.NDArray[Any]] = {}
    with ThreadPoolExecutor(max(1, min(threads, len(jobs)))) as pool:
        for (_, _, part), summary in zip(jobs, pool.map(run, jobs), strict=True):
            for name, v in summary.items():
                if name not in out_summary:
                    out_summary[name] = np.empty(n, dtype=v.dtype)
                out_summary[name][part] = v
    out = table.reset_index(drop=True).copy()
    new = {"seed": seeds, "replication": reps, **out_summary}
    for name in [c for c in new if c in out.columns]:  # an input column: replaced where it is
        out[name] = new.pop(name)
    if new:  # the other columns at once (not one frame copy per column), as they are: the
        # arrays are this call's own, so not copied into blocks (7 ms for 100,000 runs)
        out = pd.concat([out, pd.DataFrame(new, index=out.index, copy=False)], axis=1)
    return out


def run_one(params: dict[str, Any], seed: int, replication: int = 0) -> dict[str, Any]:
    """Run the model once as a plain Python function (for SALib, EMA Workbench and the like).

    Args:
        params: parameter name -> value (any of ``sim.core.params.PARAM_FIELDS``; Python or
            numpy numbers, or 0-d arrays), plus optionally
            ``"scenario"`` (a scenario name or path; default: built-in defaults), ``"strategy"``
            (both leaders and their successors), ``"rok_strategy"``, ``"jpn_strategy"`` and
            ``"months"``.
        seed: root seed.
        replication: replication index (keys the random numbers together with the seed).

    Returns:
        The run's outcome summary (``sim.core.outputs.SUMMARY``) as plain Python values.

    Raises:
        UserError: for an unknown parameter (with the nearest valid name) or an invalid value.
    """
    from sim.engines.batch import simulate
    from sim.scenario import load_scenario

    where = "run_one(params)"
    p = {k: _plain(v) for k, v in dict(params).items()}
    seed = int(_whole(np.asarray([_plain(seed)], dtype=object), "seed", 0, 2**63 - 1, where)[0])
    replication = int(
        _whole(np.asarray([_plain(replication)], dtype=object), "replication", 0, 2**62, where)[0]
    )
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
        months = int(_whole(np.asarray([months], dtype=object), "months", 1, 100_000, where)[0])
        sc = dataclasses.replace(sc, months=months)
    res = simulate(sc, int(seed), [int(replication)])
    return {k: v[0].item() for k, v in res.summary.items()}


def _piece(rows: int, threads: int) -> int:
    """Runs per piece: about four pieces a thread (so threads finish together), each whole on
    its thread: parameter records, the compiled month and the summary (so no part of a run
    waits for a serial step), between MIN_PIECE and BATCH runs."""
    return max(MIN_PIECE, min(BATCH, math.ceil(rows / (4 * max(1, threads)))))


def _plain(value: Any) -> Any:
    """numpy numbers and 0-d arrays as the Python numbers they hold (other values as given)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _as_table(params: Any) -> pd.DataFrame:
    if isinstance(params, pd.DataFrame):
        return params
    if isinstance(params, Mapping):
        cols = {k: np.atleast_1d(np.asarray(v)) for k, v in params.items()}
        lengths = {len(v) for v in cols.values()}
        if len(lengths) > 1:
            raise UserError("columns of different lengths", file=WHERE,
                            expected="one value per run in every column",
                            found={k: len(v) for k, v in cols.items()})  # fmt: skip
        return pd.DataFrame(cols)
    if isinstance(params, Sequence) and not isinstance(params, str):
        return pd.DataFrame(list(params))
    raise UserError("wrong type", file=WHERE, expected="a DataFrame, a dict of columns or a "
                    "list of dicts", found=type(params).__name__)  # fmt: skip


def _numbers(table: pd.DataFrame, col: str) -> npt.NDArray[np.float64]:
    raw = table[col].to_numpy()
    if raw.dtype.kind == "b" or raw.dtype.kind not in "iuf":
        try:
            if raw.dtype.kind == "b":
                raise TypeError
            arr = np.array([_scalar(x) for x in raw], dtype=float)
        except (TypeError, ValueError):
            bad = next(i for i, x in enumerate(raw) if not _is_number(x))
            raise UserError("wrong type", file=WHERE, key=f"{col} (row {bad})",
                            expected="a number", found=raw[bad]) from None  # fmt: skip
    else:
        arr = raw.astype(float)
    nan = np.flatnonzero(~np.isfinite(arr))
    if nan.size:
        raise UserError("not a number", file=WHERE, key=f"{col} (row {nan[0]})",
                        expected="a finite number", found=raw[nan[0]])  # fmt: skip
    if col in PARAM_FIELDS:
        info = param_info(col)
        wrong = (arr < info["lo"]) | (arr > info["hi"]) | (info["integer"] & (arr != np.floor(arr)))
        out_of = np.flatnonzero(wrong)
        if out_of.size:
            row = int(out_of[0])
            what = "a whole number" if info["integer"] else "a number"
            raise UserError("value out of range", file=WHERE, key=f"{col} (row {row})",
                            expected=f"{what} in [{info['lo']}, {info['hi']}] ({info['unit']})",
                            found=raw[row])  # fmt: skip
    return arr


def _scalar(x: Any) -> float:
    if isinstance(x, bool | np.bool_):
        raise TypeError
    if isinstance(x, np.ndarray):
        if x.ndim != 0:
            raise TypeError
        x = x.item()
    if not isinstance(x, int | float | np.number):
        raise TypeError
    return float(x)


def _is_number(x: Any) -> bool:
    try:
        _scalar(x)
        return True
    except TypeError:
        return False


def _whole(
    values: npt.NDArray[Any], key: str, lo: int, hi: int, where: str = WHERE
) -> npt.NDArray[np.int64]:
    arr = np.asarray(values)
    if arr.dtype.kind in "iu":
        ok = (arr >= lo) & (arr <= hi)
        out = arr.astype(np.int64)
    else:
        f = np.array([_scalar(x) if _is_number(x) else np.nan for x in arr.reshape(-1)])
        ok = np.isfinite(f) & (f == np.floor(f)) & (f >= lo) & (f <= hi)
        out = np.where(ok, f, 0).astype(np.int64)
    bad = np.flatnonzero(~ok)
    if bad.size:
        raise UserError("value out of range", file=where,
                        key=key if where != WHERE else f"{key} (row {bad[0]})",
                        expected=f"a whole number in [{lo}, {hi}]", found=arr.reshape(-1)[bad[0]])  # fmt: skip
    return out


def _check_constraints(values: dict[str, npt.NDArray[np.float64]], n: int) -> None:
    for lower, upper, text in CONSTRAINTS:
        lo = values.get(lower, np.full(n, float(param_info(lower)["default"])))
        hi = values.get(upper, np.full(n, float(param_info(upper)["default"])))
        bad = np.flatnonzero(~(lo < hi))
        if bad.size:
            raise UserError("constraint violated", file=WHERE, key=f"{lower} (row {bad[0]})",
                            expected=text, found=f"{lo[bad[0]]} and {hi[bad[0]]}")  # fmt: skip


def _base_scenario(scenario: Any, load_scenario: Any) -> Scenario:
    if scenario is None:
        return Scenario()
    if isinstance(scenario, Scenario):
        return scenario
    return load_scenario(str(scenario))


def _groups(
    table: pd.DataFrame, seeds: npt.NDArray[np.int64], horizon: npt.NDArray[np.int64] | None
) -> list[tuple[dict[str, Any], npt.NDArray[np.int64]]]:
    """Rows that share seed, scenario, strategies and horizon run in one batch: (settings, rows)."""
    keys = pd.DataFrame({"seed": seeds})
    if horizon is not None:
        keys["months"] = horizon
    for c in (SCENARIO_COLUMN, *STRATEGY_COLUMNS):
        if c not in table:
            continue
        col = table[c].to_numpy()
        if c != SCENARIO_COLUMN:
            bad = [i for i, v in enumerate(col) if v not in STRATEGY_NAMES]
            if bad:
                raise UserError("unknown strategy", file=WHERE, key=f"{c} (row {bad[0]})",
                                expected=f"one of {', '.join(STRATEGY_NAMES)}", found=col[bad[0]])  # fmt: skip
        keys[c] = col.astype(str)
    out = []
    for values, rows in keys.groupby(list(keys.columns), sort=False).indices.items():
        settings = dict(zip(keys.columns, values if isinstance(values, tuple) else (values,),
                            strict=True))  # fmt: skip
        out.append((settings, np.asarray(rows, dtype=np.int64)))
    return out


def _scenario_for(base: Scenario, settings: dict[str, Any], load_scenario: Any) -> Scenario:
    sc = base
    if SCENARIO_COLUMN in settings:
        sc = load_scenario(str(settings[SCENARIO_COLUMN]))
    for col, roles in STRATEGY_COLUMNS.items():
        if col in settings:
            sc = sc.with_strategies(**{role: str(settings[col]) for role in roles})
    return sc
