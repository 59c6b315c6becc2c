"""The batch engine: the month of ``sim.core.month``, compiled, over many runs at once.

One call runs R replications of a scenario through the same month the Mesa model steps
(``sim.engines.model``), compiled with numba (``sim.engines.jit``). ``compiled=False`` runs the
same month uncompiled, as plain Python: the readable reference path, equal to the bit.

A run is a pure function of (scenario, root seed, replication index): the replication index keys
the random numbers, so design points share them (common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from sim.core import month as M
from sim.core import outputs as O
from sim.core import rng
from sim.core.outputs import FIRST_MOVER, MONTHLY_VARS
from sim.core.params import PARAM_FIELDS, Scenario
from sim.engines.jit import compiled as _compile

Arr = npt.NDArray[Any]

#: An empty monthly array: the month keeps no record.
NO_MONTHLY = np.empty((0, 0, len(MONTHLY_VARS)))

__all__ = ["FIRST_MOVER", "MONTHLY_VARS", "BatchResult", "simulate", "Kernels", "KERNELS"]


@dataclass(frozen=True)
class Kernels:
    """The month's functions an engine calls: compiled, or the plain-Python reference."""

    start_runs: Callable[..., None]
    step_runs: Callable[..., None]
    write_record: Callable[..., None]
    run_months: Callable[..., None]


#: The plain-Python month: the readable reference path.
REFERENCE = Kernels(M.start_runs, M.step_runs, M.write_record, M.run_months)


class _Compiled:
    """Compiled kernels, built on first use (so importing the engine compiles nothing)."""

    def __init__(self) -> None:
        self._kernels: Kernels | None = None

    def get(self) -> Kernels:
        if self._kernels is None:
            self._kernels = Kernels(*(_compile(f) for f in REFERENCE.__dict__.values()))
        return self._kernels


KERNELS = _Compiled()


def kernels(compiled: bool = True) -> Kernels:
    """The compiled month, or the reference path when ``compiled`` is False."""
    return KERNELS.get() if compiled else REFERENCE


def param_records(params: Any, runs: int = 1, varying: dict[str, Arr] | None = None) -> Arr:
    """``sim.core.month.param_records`` (the same records, to the bit), built faster for many
    runs: the scenario's one record is copied into every row at once, then only the varying
    parameters are written column by column (not every parameter of every row)."""
    one = M.param_records(params)
    if not varying:
        return one
    out = np.empty(runs, dtype=M.PARAM_DTYPE)
    out[:] = one.view(np.ndarray)[0]
    for name, values in varying.items():
        if name not in PARAM_FIELDS:
            raise KeyError(name)
        a = np.asarray(values, dtype=float).reshape(-1)
        if a.shape[0] != runs:
            raise ValueError(f"{name}: {a.shape[0]} values for {runs} runs")
        out[name] = a
    return out.view(np.recarray)


def _in_threads(threads: int, n: int, work: Callable[[slice], None]) -> None:
    """``work`` on contiguous slices of the n runs, on up to ``threads`` threads (the compiled
    month releases the GIL; runs are independent, so results do not depend on the split)."""
    threads = max(1, min(int(threads), n // 1000 or 1))
    if threads == 1:
        work(slice(0, n))
        return
    from concurrent.futures import ThreadPoolExecutor

    bounds = np.linspace(0, n, threads + 1).astype(int)
    with ThreadPoolExecutor(threads) as pool:
        for f in [
            pool.submit(work, slice(a, b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)
        ]:
            f.result()


@dataclass
class BatchResult:
    """Outputs of :func:`simulate` for R runs."""

    replications: Arr  # (R,)
    summary: dict[str, Arr]  # name -> (R,), in SUMMARY_VARS order
    monthly: Arr | None  # (R, M + 1, len(MONTHLY_VARS)) when kept
    first_taken_month: Arr  # (R, K), NEVER if not taken
    first_taken_by: Arr  # (R, K): 0 ROK, 1 JPN, 2 jointly, NEVER


def simulate(
    scenario: Scenario,
    seed: int,
    replications: npt.ArrayLike,
    months: int | None = None,
    varying: dict[str, Arr] | None = None,
    keep_monthly: bool = False,
    on_month: Callable[[int, Arr], None] | None = None,
    compiled: bool = True,
    threads: int = 1,
    on_state: Callable[[int, M.State, M.Trace], None] | None = None,
) -> BatchResult:
    """Run many replications of a scenario.

    Args:
        scenario: resolved scenario (``sim.scenario.load_scenario``).
        seed: root seed.
        replications: replication indices; each keys its own random numbers.
        months: horizon (default: the scenario's).
        varying: parameters that differ by run, name -> (R,) values.
        keep_monthly: also return the full monthly trajectories (R, M + 1, V).
        on_month: called as ``on_month(month, record)`` with each month's (R, V) record,
            months 0..M, without keeping them all (e.g. to build histograms); the array is
            reused, so copy what you keep.
        compiled: False runs the plain-Python reference month (slow; for checks).
        threads: run the compiled month's runs on this many threads (results are identical;
            batch drivers with several worker processes keep 1).
        on_state: called as ``on_state(month, state, trace)`` after each month 0..M, for
            callers that need more of the state than the monthly record (for example the steps
            in force and the month's withdrawals); read it, do not change it.
    """
    reps = np.asarray(replications, dtype=np.int64).reshape(-1)
    n = reps.shape[0]
    world = M.world_of(scenario, months)
    horizon = world.months
    params = param_records(scenario.params, n, varying)
    keys = rng.run_keys(seed, reps)[:, 0]
    state, trace = M.new_state(n), M.new_trace(n)
    k = kernels(compiled)
    world_t = (world.inputs, world.events, world.strategies, world.successors, world.owned)
    state_t, trace_t = state.arrays(), (trace.floats, trace.ints)
    choices = np.full((n, 2), M.NO_CHOICE, dtype=np.int64)
    no_override = np.full(n, np.nan)
    nv = len(MONTHLY_VARS)
    monthly = np.empty((n, horizon + 1, nv) if keep_monthly else (0, 0, nv))
    with np.errstate(over="ignore"):  # the reference path hashes in wrapping uint64 scalars
        if on_month is None and on_state is None:  # the whole run in one compiled call a thread
            _in_threads(
                threads if compiled else 1,
                n,
                lambda rows: k.run_months(
                    0, horizon, params if params.shape[0] == 1 else params[rows], keys[rows],
                    world_t, tuple(a[rows] for a in state_t), tuple(a[rows] for a in trace_t),
                    choices[rows], no_override[rows], O.RECORD_SOURCES, monthly[rows],
                ),
            )  # fmt: skip
        else:
            record = np.empty((n, nv))
            k.start_runs(params, world_t, state_t, trace_t)
            for month in range(horizon + 1):
                if month > 0:
                    k.step_runs(month, month, params, keys, world_t, state_t, trace_t, choices,
                                no_override, O.RECORD_SOURCES, NO_MONTHLY)  # fmt: skip
                k.write_record(state_t, trace_t, O.RECORD_SOURCES, record)
                if keep_monthly:
                    monthly[:, month] = record
                if on_month is not None:
                    on_month(month, record)
                if on_state is not None:
                    on_state(month, state, trace)
    return BatchResult(
        replications=reps,
        summary=O.summarise(state),
        monthly=monthly if keep_monthly else None,
        first_taken_month=state.first_month,
        first_taken_by=state.first_by,
    )
