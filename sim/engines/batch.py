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
from sim.core.params import Scenario
from sim.engines.jit import compiled as _compile

Arr = npt.NDArray[Any]

__all__ = ["FIRST_MOVER", "MONTHLY_VARS", "BatchResult", "simulate", "Kernels", "KERNELS"]


@dataclass(frozen=True)
class Kernels:
    """The month's functions an engine calls: compiled, or the plain-Python reference."""

    start_runs: Callable[..., None]
    step_runs: Callable[..., None]
    write_record: Callable[..., None]


#: The plain-Python month: the readable reference path.
REFERENCE = Kernels(M.start_runs, M.step_runs, O.write_record)


class _Compiled:
    """Compiled kernels, built on first use (so importing the engine compiles nothing)."""

    _kernels: Kernels | None = None

    def get(self) -> Kernels:
        if self._kernels is None:
            self._kernels = Kernels(*(_compile(f) for f in REFERENCE.__dict__.values()))
        return self._kernels


KERNELS = _Compiled()


def kernels(compiled: bool = True) -> Kernels:
    """The compiled month, or the reference path when ``compiled`` is False."""
    return KERNELS.get() if compiled else REFERENCE


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
    """
    reps = np.asarray(replications, dtype=np.int64).reshape(-1)
    n = reps.shape[0]
    world = M.world_of(scenario, months)
    horizon = world.months
    params = M.param_records(scenario.params, n, varying)
    keys = rng.run_keys(seed, reps)[:, 0]
    state, trace = M.new_state(n), M.new_trace(n)
    k = kernels(compiled)
    world_t = (world.inputs, world.events, world.strategies, world.successors, world.owned)
    state_t, trace_t = state.arrays(), (trace.floats, trace.ints)
    choices = np.full((n, 2), M.NO_CHOICE, dtype=np.int64)
    no_override = np.full(n, np.nan)
    record = np.empty((n, len(MONTHLY_VARS))) if (keep_monthly or on_month) else None
    monthly = np.empty((n, horizon + 1, len(MONTHLY_VARS))) if keep_monthly else None
    with np.errstate(over="ignore"):  # the reference path hashes in wrapping uint64 scalars
        k.start_runs(params, world_t, state_t, trace_t)
        for month in range(horizon + 1):
            if month > 0:
                k.step_runs(month, params, keys, world_t, state_t, trace_t, choices, no_override)
            if record is not None:
                k.write_record(state_t, trace_t, O.RECORD_SOURCES, record)
                if monthly is not None:
                    monthly[:, month] = record
                if on_month is not None:
                    on_month(month, record)
    return BatchResult(
        replications=reps,
        summary=O.summarise(state),
        monthly=monthly,
        first_taken_month=state.first_month,
        first_taken_by=state.first_by,
    )
