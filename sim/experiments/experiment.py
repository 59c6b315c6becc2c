"""The Experiment object: a parsed, validated experiment file with its design points.

Parsing and checking the file is ``sim.experiments.spec``; designs and samplers
(``sim.experiments.design``) and the batch driver work on the objects defined here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.core.params import Scenario, scenario_hash
from sim.experiments.uncertainty import Uncertainty


@dataclass(frozen=True)
class Factor:
    """One experimental factor: a parameter, a strategy role or the scenario."""

    key: str
    kind: str  # "param" | "strategy" | "scenario"
    values: tuple[Any, ...] = ()  # listed values (empty when sampled)
    lo: float = 0.0
    hi: float = 0.0
    sampled: bool = False
    integer: bool = False


@dataclass
class Experiment:
    """A parsed, validated experiment with its resolved design points."""

    name: str
    description: str
    path: Path
    text: str
    base_ref: str
    base: Scenario
    factors: tuple[Factor, ...]
    replications: int
    months: int
    seed: int
    sampler: dict[str, Any]
    monthly_vars: tuple[str, ...]
    run_outcomes: tuple[str, ...]
    #: which parameters each run draws, and from what (the file's [uncertainty] table; an
    #: Experiment built in code pins them unless told otherwise)
    uncertainty: Uncertainty = field(default_factory=Uncertainty)
    #: one dict of factor values per design point
    design: list[dict[str, Any]] = field(default_factory=list)
    #: the resolved scenario of each design point
    points: list[Scenario] = field(default_factory=list)
    #: what the file asks that will not happen as written (e.g. a base scenario's events after
    #: the horizon): printed by a batch and recorded in its manifest
    warnings: tuple[str, ...] = ()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def factor_keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.factors)

    def design_hash(self) -> str:
        """Hash of what the runs depend on (points, seed, horizon, outputs and, when parameters
        are drawn, how), not replications. A pinned experiment hashes as before draws existed."""
        d: dict[str, Any] = {
            "points": [
                [scenario_hash(sc), jsonable_row(row)]
                for sc, row in zip(self.points, self.design, strict=True)
            ],
            "seed": self.seed,
            "months": self.months,
            "monthly": list(self.monthly_vars),
            "runs": list(self.run_outcomes),
        }
        drawn = self.uncertainty.hash_record()
        if drawn is not None:
            d["uncertainty"] = drawn
        text = json.dumps(d, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def jsonable_row(row: dict[str, Any]) -> dict[str, Any]:
    """A design point's factor values as JSON values (strings and ints kept, numbers as float)."""
    return {k: (v if isinstance(v, str | int) else float(v)) for k, v in row.items()}
