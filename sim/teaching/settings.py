"""What the teaching app builds a model from: one set of settings shared by its tabs."""

from __future__ import annotations

import dataclasses

from sim.core.params import Scenario
from sim.engines.model import AlignmentModel
from sim.teaching.play import resolve_scenario


@dataclasses.dataclass(frozen=True)
class Settings:
    """What a model is built from: scenario, parameter overrides, strategies, seed, horizon."""

    scenario: str = "default"
    overrides: tuple[tuple[str, float], ...] = ()
    rok_strategy: str = ""
    jpn_strategy: str = ""
    seed: int = 1
    months: int = 60

    def spec(self) -> Scenario:
        spec = resolve_scenario(self.scenario)
        if self.overrides:
            spec = spec.with_params(**dict(self.overrides))
        roles = {k: v for k, v in (("ROK", self.rok_strategy), ("JPN", self.jpn_strategy)) if v}
        if roles:
            spec = spec.with_strategies(**roles)
        return dataclasses.replace(spec, months=int(self.months))


def build_model(settings: Settings) -> AlignmentModel:
    """A fresh model for one browser session."""
    return AlignmentModel(settings.spec(), rng=settings.seed)


__all__ = ["Settings", "build_model"]
