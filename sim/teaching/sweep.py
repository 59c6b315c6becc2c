"""A BehaviorSpace-style sweep for the app's Ensemble tab: one parameter over a range of levels,
many runs per level, and the probability of institutionalised trilateral cooperation per level
with Wilson 95% intervals.

Every level runs the same replications (common random numbers), so differences between levels
come from the parameter, not from luck. The whole sweep is one call of the array engine.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from sim.core.params import Scenario
from sim.engines.batch import simulate
from sim.teaching.labels import fmt_number, param_infos, param_label

MAX_LEVELS = 20
MAX_RUNS = 500
Z95 = 1.959963984540054


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes in ``n`` trials (95% by default)."""
    if n <= 0:
        raise ValueError("n must be positive")
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclasses.dataclass(frozen=True)
class SweepSpec:
    """What to sweep: a parameter, a range (from, to, number of levels) and runs per level."""

    param: str
    start: float
    stop: float
    levels: int
    runs: int


def check_sweep(spec: SweepSpec) -> list[str]:
    """Why this sweep cannot run (human messages), or [] if it can."""
    infos = param_infos()
    if spec.param not in infos:
        return [f"unknown parameter {spec.param!r}"]
    info = infos[spec.param]
    label = param_label(info)
    out = []
    for what, v in (("from", spec.start), ("to", spec.stop)):
        if not info["lo"] <= v <= info["hi"]:
            out.append(
                f"'{what}' must lie in {fmt_number(info['lo'])}..{fmt_number(info['hi'])} for "
                f"{label}; found {fmt_number(v)}"
            )
    if not 1 <= spec.levels <= MAX_LEVELS:
        out.append(f"the number of levels must be 1 to {MAX_LEVELS}; found {spec.levels}")
    if not 1 <= spec.runs <= MAX_RUNS:
        out.append(f"runs per level must be 1 to {MAX_RUNS}; found {spec.runs}")
    return out


def sweep_levels(spec: SweepSpec) -> list[float]:
    """The levels, evenly spaced from ``start`` to ``stop``; whole numbers (without repeats) for
    a whole-number parameter."""
    values = np.linspace(spec.start, spec.stop, spec.levels) if spec.levels > 1 else [spec.start]
    if param_infos()[spec.param]["integer"]:
        return list(dict.fromkeys(float(round(v)) for v in values))
    return [float(f"{v:.10g}") for v in values]


def run_sweep(scenario: Scenario, seed: int, spec: SweepSpec) -> list[dict[str, Any]]:
    """Run the sweep: one row per level with runs, institutionalised count, P and its Wilson 95%
    interval. Raises ValueError with the reasons when :func:`check_sweep` finds any."""
    problems = check_sweep(spec)
    if problems:
        raise ValueError("; ".join(problems))
    levels = sweep_levels(spec)
    n = spec.runs
    values = np.repeat(np.asarray(levels, dtype=float), n)
    reps = np.tile(np.arange(n), len(levels))
    res = simulate(scenario, seed, reps, varying={spec.param: values})
    inst = np.asarray(res.summary["inst_month"]).reshape(len(levels), n) >= 0
    rows = []
    for level, ok in zip(levels, inst, strict=True):
        k = int(ok.sum())
        lo, hi = wilson(k, n)
        rows.append({"value": level, "runs": n, "institutionalised": k, "p": k / n,
                     "lo": lo, "hi": hi})  # fmt: skip
    return rows


def sweep_table(rows: list[dict[str, Any]], label: str) -> str:
    """The sweep's numbers as a Markdown table (checkable text beside the plot)."""
    head = f"| {label} | runs | institutionalised | P(institutionalised) | 95% interval |"
    lines = [head, "|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append(
            f"| {fmt_number(r['value'])} | {r['runs']} | {r['institutionalised']} | "
            f"{r['p']:.3f} | {r['lo']:.3f} to {r['hi']:.3f} |"
        )
    return "\n".join(lines)


__all__ = [
    "MAX_LEVELS",
    "MAX_RUNS",
    "SweepSpec",
    "check_sweep",
    "run_sweep",
    "sweep_levels",
    "sweep_table",
    "wilson",
]
