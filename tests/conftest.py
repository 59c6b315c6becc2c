"""Shared test helpers: hypothesis generators of valid scenarios, used across the suite."""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from hypothesis import strategies as st

from sim.core.params import (
    CONSTRAINTS,
    EVENT_KINDS,
    SCHEDULABLE,
    SHOCK_OPS,
    STATE_TARGETS,
    Event,
    Params,
    Scenario,
    ShockKind,
    param_info,
    param_table,
    target_range,
)
from sim.core.steps import STEP_NAMES
from sim.core.strategies import STRATEGY_NAMES

ROOT = Path(__file__).resolve().parents[1]
ROLES = ("ROK", "JPN", "ROK_successor", "JPN_successor")
seeds = st.integers(0, 2**63 - 1)
replications = st.integers(0, 10_000)


def param_value(info: dict[str, Any]) -> st.SearchStrategy[float]:
    """The default or any value in the declared range (whole numbers for integer parameters)."""
    lo, hi = info["lo"], info["hi"]
    if info["name"] == "rok_term_end_month":
        hi = 40  # so the term often ends inside the horizon
    if info["integer"]:
        drawn: st.SearchStrategy[float] = st.integers(int(lo), int(hi)).map(float)
    else:
        drawn = st.floats(lo, hi, allow_nan=False)
    return st.one_of(st.just(float(info["default"])), drawn)


@st.composite
def params_in_range(draw: st.DrawFn) -> Params:
    """Any parameter values in their declared ranges that meet the declared constraints."""
    values = {info["name"]: draw(param_value(info)) for info in param_table()}
    for lower, upper, _ in CONSTRAINTS:
        if not values[lower] < values[upper]:
            low, high = sorted((values[lower], values[upper]))
            high = max(high, 0.01)
            values[lower], values[upper] = min(low, high * 0.5), high
    return Params(**values)


@st.composite
def events(draw: st.DrawFn, months: int) -> Event:
    """A scheduled event of any kind in months 1..months."""
    kind = draw(st.sampled_from(sorted(EVENT_KINDS)))
    month = draw(st.integers(1, months))
    actor = draw(st.sampled_from(("ROK", "JPN")))
    if kind == "leader_change":
        return Event(
            month,
            kind,
            actor,
            value=draw(st.one_of(st.none(), st.floats(0.0, 1.0))),
            strategy=draw(st.sampled_from(("", *STRATEGY_NAMES))),
        )
    if kind == "approval_shock":
        return Event(month, kind, actor, value=draw(st.floats(-0.5, 0.5)))
    if kind == "flashpoint":
        return Event(month, kind, actor, value=draw(st.floats(0.0, 0.5)))
    if kind == "provocation":
        return Event(month, kind, "", value=float(draw(st.integers(0, 10))))
    return Event(month, kind, "", value=draw(st.floats(0.0, 1.0)), duration=draw(st.integers(1, 6)))


#: Parameters beyond the patron inputs that generated scenarios schedule or shock: read every
#: month, at month 0 only, a whole number, a leader's floor (none in a constraint).
OTHER_SCHEDULED = ("nk_launch_rate", "rok_approval0", "small_step_interval", "jpn_approval_floor",
                   "trust_gain_scale")  # fmt: skip


@st.composite
def data_shocks(draw: st.DrawFn, months: int) -> tuple[list[ShockKind], list[Event]]:
    """Up to two shock kinds declared as data (on the state or on a parameter), each with an
    event."""
    kinds, evs = [], []
    for j in range(draw(st.integers(0, 2))):
        target = draw(st.sampled_from((*sorted(STATE_TARGETS), *OTHER_SCHEDULED)))
        whole = target in OTHER_SCHEDULED and param_info(target)["integer"]
        op = draw(st.sampled_from(("add", "set") if whole else SHOCK_OPS))
        lo, hi = target_range(target)
        if op == "set":
            value = float(draw(st.integers(int(lo), int(hi)))) if whole else draw(st.floats(lo, hi))
        elif op == "add":
            value = float(draw(st.integers(-2, 2))) if whole else draw(st.floats(-0.5, 0.5))
        else:
            value = draw(st.floats(0.0, 2.0))
        kind = ShockKind(f"data{j}", "generated", target=target, op=op, value=value,
                         duration=draw(st.integers(0, 6)))  # fmt: skip
        actor = draw(st.sampled_from(("ROK", "JPN"))) if kind.per_actor else ""
        kinds.append(kind)
        evs.append(Event(draw(st.integers(1, months)), kind.name, actor, value=value,
                         duration=kind.duration))  # fmt: skip
    return kinds, evs


@st.composite
def scenarios(draw: st.DrawFn, max_months: int = 36) -> Scenario:
    """Scenarios that exercise every strategy (hardline included, for successors and for
    leaders changed by a scheduled event), time-varying schedules, scheduled events of every
    kind (built-in and declared as data), schedules of other parameters, disabled steps and
    parameter values anywhere in their declared ranges."""
    months = draw(st.integers(1, max_months))
    schedules = []
    for key in SCHEDULABLE:
        if draw(st.booleans()):
            m = draw(st.integers(1, months))
            a, b = draw(st.floats(0.0, 1.0)), draw(st.floats(0.0, 1.0))
            schedules.append((key, ((0, a), (m, b))))
    evs = draw(st.lists(events(months), max_size=6))
    params = draw(params_in_range())
    strategies = tuple((role, draw(st.sampled_from(STRATEGY_NAMES[:5]))) for role in ROLES)
    disabled = tuple(draw(st.lists(st.sampled_from(STEP_NAMES), unique=True, max_size=4)))
    for key in draw(st.lists(st.sampled_from(OTHER_SCHEDULED), unique=True, max_size=2)):
        m = draw(st.integers(1, months))
        info = param_info(key)
        a, b = draw(param_value(info)), draw(param_value(info))
        schedules.append((key, ((0, a), (m, b))))
    kinds, data_events = draw(data_shocks(months))
    return Scenario(
        name="generated",
        params=params,
        strategies=strategies,
        schedules=tuple(schedules),
        events=tuple(sorted([*evs, *data_events], key=lambda e: e.month)),
        disabled_steps=disabled,
        months=months,
        shock_kinds=tuple(kinds),
    )


@cache
def tool(name: str) -> ModuleType:
    """A script of tools/ (e.g. ``update_golden``) imported as a module (registered in
    ``sys.modules`` under ``alignsim_tool_<name>``, as a script's dataclasses need)."""
    spec = importlib.util.spec_from_file_location(
        f"alignsim_tool_{name}", ROOT / "tools" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
