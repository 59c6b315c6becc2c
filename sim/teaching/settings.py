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


def differences(pending: Settings, applied: Settings) -> list[str]:
    """What ``pending`` changes relative to ``applied``, one human line each (for the
    "3 changes not applied" bar)."""
    from sim.teaching.labels import fmt_number, param_name_label

    out = []
    if pending.scenario != applied.scenario:
        out.append(f"scenario {applied.scenario} -> {pending.scenario}")
    if pending.seed != applied.seed:
        out.append(f"seed {applied.seed} -> {pending.seed}")
    if pending.months != applied.months:
        out.append(f"months {applied.months} -> {pending.months}")
    for role, attr in (("ROK", "rok_strategy"), ("Japanese", "jpn_strategy")):
        a, p = getattr(applied, attr), getattr(pending, attr)
        if a != p:
            out.append(f"{role} leader's strategy {a or '(scenario)'} -> {p or '(scenario)'}")
    po, ao = dict(pending.overrides), dict(applied.overrides)
    for name in sorted(set(po) | set(ao)):
        if po.get(name) != ao.get(name):
            old = fmt_number(ao[name]) if name in ao else "scenario value"
            new = fmt_number(po[name]) if name in po else "scenario value"
            out.append(f"{param_name_label(name)}: {old} -> {new}")
    return out


__all__ = ["Settings", "build_model", "differences"]
