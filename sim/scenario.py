"""Scenario files (TOML) -> validated, resolved :class:`sim.core.params.Scenario` objects.

A scenario file is data: it is parsed with ``tomllib`` and checked key by key against the
parameter declarations in ``sim.core.params``; nothing in it is ever executed. Format (every key
optional except where noted; ``scenarios/README.md`` documents every key and is generated from
the declarations by ``alignsim schema --markdown``)::

    name = "leader_crisis"                 # defaults to the file name
    description = "One line shown by `alignsim scenarios`"
    extends = "baseline_2022.toml"         # path relative to this file; keys here override it
    months = 60                            # horizon, 1..600
    start = "2022-08"                      # calendar month of month 0 (YYYY-MM)
    disabled_steps = ["grand_bargain"]     # steps taken off the ladder

    [strategies]                           # rok, jpn, rok_successor, jpn_successor
    rok = "small_steps"

    [params]                               # any declared parameter
    rok_approval0 = 0.24

    [schedules]                            # any parameter over time: [[month, value], ...]
    us_coercion = [[0, 0.4], [6, 0.6]]     # months strictly increasing

    [shock_kinds.sanctions]                # a shock kind as data (see ShockKind)
    description = "US secondary sanctions"
    target = "china_coercion"              # a state variable or any parameter
    op = "add"                             # add, multiply or set
    value = 0.2
    duration = 6                           # months (0: to the end of the run)

    [[events]]                             # scheduled shocks
    month = 28
    kind = "leader_change"                 # see sim.core.params.EVENT_KINDS
    actor = "ROK"
    strategy = "hardline"
    value = 0.45
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from typing import Any

from sim.core.params import (
    EVENT_KINDS,
    PARAM_FIELDS,
    SHOCK_KINDS,
    SHOCK_OPS,
    STATE_TARGETS,
    Event,
    Params,
    Scenario,
    ShockKind,
    param_info,
    param_table,
    schedulable,
    shock_kind_problem,
    shock_value_problem,
)
from sim.errors import UserError, unknown_name
from sim.tomlcheck import (
    check_bool,
    check_constraints,
    check_int,
    check_number,
    check_param,
    check_str,
    check_strategy,
    check_table,
    field_error,
    read_toml,
)

TOP_KEYS = {
    "name": "Scenario name (defaults to the file name)",
    "description": "One-line description",
    "extends": "Path of a scenario file this one extends (relative to this file)",
    "months": "Horizon in months (1..600)",
    "start": "Calendar month of month 0, YYYY-MM",
    "disabled_steps": "Steps taken off the ladder in this scenario (list of step names)",
    "inherit_events": "Keep the extended scenario's events (default true)",
    "strategies": "Table: leader strategies by role",
    "params": "Table: numeric parameters",
    "schedules": "Table: any parameter over time, as [[month, value], ...]",
    "shock_kinds": "Table of tables: shock kinds this scenario declares, by what they change",
    "events": "Array of tables: scheduled shocks",
}
ROLES = {
    "rok": "ROK",
    "jpn": "JPN",
    "rok_successor": "ROK_successor",
    "jpn_successor": "JPN_successor",
}
EVENT_KEYS = ("month", "kind", "actor", "value", "strategy", "duration", "label")
#: The built-in kinds' value ranges (declared with the kinds, sim.core.params.SHOCK_KINDS).
EVENT_VALUE_RANGE = {k: v.value_range for k, v in SHOCK_KINDS.items() if v.builtin >= 0}
#: Keys of a [shock_kinds.NAME] table.
SHOCK_KIND_KEYS = {
    "description": "What the shock stands for (one line)",
    "target": "What it changes: a state variable (below) or any parameter in [params]",
    "op": "How: " + ", ".join(f"`{o}`" for o in SHOCK_OPS) + " (default `add`)",
    "value": "Default value (an event may give its own)",
    "duration": "Default months it lasts, from the event's month (0: to the end; default 1)",
}


def scenarios_dir() -> Path:
    """Where named scenarios live: $ALIGNSIM_SCENARIOS, ./scenarios, or the source tree's."""
    env = os.environ.get("ALIGNSIM_SCENARIOS")
    if env:
        return Path(env)
    here = Path.cwd() / "scenarios"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[1] / "scenarios"


def find_scenario(name: str | Path) -> Path:
    """Resolve a scenario argument: a path to a file, or a bare name in the scenarios folder."""
    p = Path(name)
    if p.suffix == ".toml" or p.exists() or len(p.parts) > 1:
        if not p.is_file():
            raise UserError("scenario file not found", file=p, expected="an existing .toml file")
        return p
    cand = scenarios_dir() / f"{name}.toml"
    if cand.is_file():
        return cand
    names = [q.stem for q in sorted(scenarios_dir().glob("*.toml"))]
    raise unknown_name("scenario", str(name), names)


def list_scenarios() -> list[tuple[str, str, Path]]:
    """(name, description, path) of every scenario file in the scenarios folder."""
    out = []
    for path in sorted(scenarios_dir().glob("*.toml")):
        try:
            sc = load_scenario(path)
            out.append((sc.name, sc.description, path))
        except UserError as e:
            out.append((path.stem, f"(invalid: {e.message})", path))
    return out


def load_scenario(source: str | Path) -> Scenario:
    """Load, merge (``extends``) and validate a scenario file into a resolved Scenario.

    Raises:
        UserError: with the file, key, expected and found values for any mistake.
    """
    from sim.plugins import load_plugins

    load_plugins()
    path = find_scenario(source)
    raw = _merged(path, ())
    return _build(raw, path)


def scenario_ref_path(path: Path, ref: str) -> Path:
    """The file a scenario reference of ``path`` names (as :func:`load_scenario_ref` finds it),
    so that one scenario given by name and by path is seen to be the same file."""
    cand = Path(ref)
    if cand.suffix == ".toml" and not cand.is_absolute():
        local = path.parent / cand
        if local.is_file():
            return local
    return find_scenario(cand if cand.suffix == ".toml" else ref)


def load_scenario_ref(path: Path, key: str, ref: Any) -> Scenario:
    """The scenario that key ``key`` of another file (``path``, e.g. an experiment) refers to.

    ``ref`` is a scenario name (looked up in the scenarios folder) or a path to a ``.toml`` file,
    relative to ``path``'s folder when the file is there. A mistake in the reference, or in the
    scenario file it names, is reported against ``path`` and ``key`` (naming the scenario file
    in the hint).
    """
    name = check_str(path, key, ref)
    if not name:
        raise field_error(path, key, "empty scenario reference", "a scenario name or path", name)
    cand = Path(name)
    if cand.suffix == ".toml" and not cand.is_absolute():
        local = path.parent / cand
        if local.is_file():
            cand = local
    try:
        return load_scenario(cand if cand.suffix == ".toml" else name)
    except UserError as e:
        raise UserError(
            f"cannot load scenario '{name}': {e.message}",
            file=path,
            key=key,
            expected=e.expected or "a scenario name in scenarios/ or a path to a .toml file",
            found=name,
            hint=e.hint or (f"the error is in {e.file}" if e.file else None),
        ) from None


# ---------------------------------------------------------------------------------------- parsing
#: Longest ``extends`` chain (a scenario, its parent, its grandparent, ...).
MAX_EXTENDS_DEPTH = 32


def _merged(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    """The file's data with its ``extends`` chain merged in (child keys override)."""
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(str(p.name) for p in (*chain, resolved))
        raise UserError(f"circular 'extends': {cycle}", file=path, key="extends")
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise UserError(
            f"'extends' chain too deep (more than {MAX_EXTENDS_DEPTH} files)",
            file=chain[0],
            key="extends",
            expected=f"at most {MAX_EXTENDS_DEPTH} scenario files in a chain",
            found=f"{len(chain) + 1} or more, reaching {path}",
            hint="let the scenario extend a file nearer the base, or merge some of the files",
        )
    _, data = read_toml(path)
    for key in data:
        if key not in TOP_KEYS:
            raise unknown_name("top-level key", key, TOP_KEYS, file=path)
    data["__file__"] = str(path)
    parent_ref = data.get("extends")
    if parent_ref is None:
        return data
    if not isinstance(parent_ref, str):
        raise UserError("wrong type", file=path, key="extends", expected="a file path string",
                        found=parent_ref)  # fmt: skip
    parent_path = (
        (path.parent / parent_ref) if not Path(parent_ref).is_absolute() else Path(parent_ref)
    )
    if not parent_path.is_file():
        raise UserError(
            f"extended scenario not found: {parent_path}",
            file=path,
            key="extends",
            expected="an existing scenario file, relative to this file",
            found=parent_ref,
        )
    parent = _merged(parent_path, (*chain, resolved))
    return _merge(parent, data)


def _merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    out = dict(parent)
    for key, value in child.items():
        if key in ("params", "strategies", "schedules", "shock_kinds") and isinstance(value, dict):
            base = parent.get(key, {})
            out[key] = {**(base if isinstance(base, dict) else {}), **value}
        elif key == "events":
            inherit = child.get("inherit_events", True)
            base_events = parent.get("events", []) if inherit is True else []
            out[key] = [*(base_events if isinstance(base_events, list) else []), *value] if isinstance(
                value, list) else value  # fmt: skip
        else:
            out[key] = value
    for k in ("name", "description"):
        if k not in child:
            out.pop(k, None)
    return out


# ----------------------------------------------------------------------------------- validation
def _build(raw: dict[str, Any], path: Path) -> Scenario:
    name = check_str(path, "name", raw.get("name", path.stem))
    if not name.strip() or any(c in name for c in "/\\\0") or ".." in name or name.startswith("."):
        raise UserError("bad name", file=path, key="name",
                        expected="a plain name (used in folder names such as results/run-<name>-"
                        "seed<N>): no '/', '\\', '..' or leading '.'", found=name)  # fmt: skip
    description = check_str(path, "description", raw.get("description", ""))
    months = check_int(path, "months", raw.get("months", 60), 1, 600)
    start = check_str(path, "start", raw.get("start", "2022-08"))
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", start):
        raise UserError(
            "bad date", file=path, key="start", expected="YYYY-MM, e.g. 2022-08", found=start
        )
    if "inherit_events" in raw:
        check_bool(path, "inherit_events", raw["inherit_events"])

    params: dict[str, float] = {}
    for k, v in check_table(path, "params", raw.get("params", {})).items():
        val = check_param(path, f"params.{k}", k, v)
        params[k] = int(val) if param_info(k)["integer"] else val
    base = Params(**params)  # type: ignore[arg-type]
    check_constraints(path, base)

    roles = dict(Scenario().strategies)
    for k, v in check_table(path, "strategies", raw.get("strategies", {})).items():
        if k not in ROLES:
            raise unknown_name("strategy role", k, ROLES, file=path, key=f"strategies.{k}")
        roles[ROLES[k]] = check_strategy(path, f"strategies.{k}", v)

    schedules = []
    for k, v in check_table(path, "schedules", raw.get("schedules", {})).items():
        key = f"schedules.{k}"
        if not schedulable(k):
            raise unknown_name("parameter", k, PARAM_FIELDS, file=path, key=key)
        if not isinstance(v, list) or not v:
            raise UserError("wrong type", file=path, key=key, expected="a list of [month, value] pairs",
                            found=v)  # fmt: skip
        points: list[tuple[int, float]] = []
        for i, pt in enumerate(v):
            if not (isinstance(pt, list) and len(pt) == 2):
                raise UserError("wrong type", file=path, key=f"{key}[{i}]", expected="a [month, value] pair",
                                found=pt)  # fmt: skip
            m = check_int(path, f"{key}[{i}] month", pt[0], 0, 600)
            if m > months:
                raise UserError(
                    f"schedule point after the horizon ({months} months): it would never apply",
                    file=path,
                    key=f"{key}[{i}]",
                    expected=f"a month in [0, {months}] (or a longer 'months')",
                    found=m,
                )
            val = check_param(path, f"{key}[{i}] value", k, pt[1])
            val = int(val) if param_info(k)["integer"] else val
            if points and m <= points[-1][0]:
                raise UserError(
                    "schedule out of order",
                    file=path,
                    key=f"{key}[{i}]",
                    expected=f"a month after {points[-1][0]} (months strictly increasing)",
                    found=m,
                )
            points.append((m, val))
        schedules.append((k, tuple(points)))

    kinds = _shock_kinds(path, raw.get("shock_kinds", {}))
    events = []
    raw_events = raw.get("events", [])
    if not isinstance(raw_events, list):
        raise UserError("wrong type", file=path, key="events", expected="an array of tables [[events]]",
                        found=raw_events)  # fmt: skip
    for i, ev in enumerate(raw_events):
        events.append(_event(path, i, ev, months, kinds))
    events.sort(key=lambda e: e.month)
    # the scenario carries its data kinds (its own and the registered ones its events use)
    used = {e.kind for e in events}
    kinds.update(
        {n: k for n, k in SHOCK_KINDS.items() if n in used and k.builtin < 0 and n not in kinds}
    )

    from sim.core.steps import STEP_NAMES

    disabled = raw.get("disabled_steps", [])
    if not isinstance(disabled, list):
        raise UserError("wrong type", file=path, key="disabled_steps", expected="a list of step names",
                        found=disabled)  # fmt: skip
    for s in disabled:
        if s not in STEP_NAMES:
            raise unknown_name("step", str(s), STEP_NAMES, file=path, key="disabled_steps")

    scenario = Scenario(
        name=name,
        description=description,
        params=base,
        strategies=tuple(roles.items()),
        schedules=tuple(schedules),
        events=tuple(events),
        disabled_steps=tuple(disabled),
        months=months,
        start=start,
        shock_kinds=tuple(kinds.values()),
    )
    _check_scheduled_constraints(path, scenario)
    return scenario


def _check_scheduled_constraints(path: Path, scenario: Scenario) -> None:
    """The constraints between parameters hold in every month, schedules and shocks applied."""
    if not scenario.schedules and not scenario.shock_kinds:
        return
    from sim.core.month import param_records, world_of
    from sim.core.params import constraint_violations

    world = world_of(scenario)
    records = param_records(scenario.params, world=world)
    for s, ops in enumerate(world.changes):
        if not ops:
            continue
        values = {n: records[n][s, 0].item() for n in {name for name, _, _ in ops}}
        problems = constraint_violations(dataclasses.replace(scenario.params, **values))
        if problems:
            month = int((world.segment == s).nonzero()[0][0])
            raise UserError(
                f"from month {month}, the schedules and shocks break a constraint between parameters",
                file=path, key=", ".join(sorted(values)), expected=problems[0][1],
                found={n: values[n] for n in sorted(values)},
            )  # fmt: skip


def _shock_kinds(path: Path, raw: Any) -> dict[str, ShockKind]:
    """The [shock_kinds.NAME] tables: data kinds, checked field by field."""
    out: dict[str, ShockKind] = {}
    for name, table in check_table(path, "shock_kinds", raw).items():
        key = f"shock_kinds.{name}"
        if name in SHOCK_KINDS and SHOCK_KINDS[name].builtin >= 0:
            raise UserError("name taken", file=path, key=key,
                            expected="a name other than the built-in kinds' (" + ", ".join(EVENT_KINDS) + ")",
                            found=name)  # fmt: skip
        t = check_table(path, key, table)
        for k in t:
            if k not in SHOCK_KIND_KEYS:
                raise unknown_name(
                    "shock kind key", k, SHOCK_KIND_KEYS, file=path, key=f"{key}.{k}"
                )
        if "target" not in t:
            raise UserError("missing key", file=path, key=f"{key}.target",
                            expected="a state variable or a parameter to change")  # fmt: skip
        value = None
        if "value" in t:
            value = check_number(path, f"{key}.value", t["value"], "a number")
        kind = ShockKind(
            name=name,
            description=check_str(path, f"{key}.description", t.get("description", "")),
            target=check_str(path, f"{key}.target", t["target"]),
            op=check_str(path, f"{key}.op", t.get("op", "add")),
            value=value,
            duration=check_int(path, f"{key}.duration", t.get("duration", 1), 0, 600),
        )
        problem = shock_kind_problem(kind)
        if problem:
            field, expected, found = problem
            raise UserError(f"bad shock kind {field}", file=path, key=f"{key}.{field}",
                            expected=expected, found=found)  # fmt: skip
        out[name] = kind
    return out


def _data_event(path: Path, key: str, ev: dict[str, Any], month: int, kind: ShockKind) -> Event:
    """An event of a data kind: actor as its target needs, value and duration (the kind's by
    default), checked against the target."""
    actor = check_str(path, f"{key}.actor", ev.get("actor", ""))
    if kind.per_actor and actor not in ("ROK", "JPN"):
        raise UserError("bad actor", file=path, key=f"{key}.actor",
                        expected=f"ROK or JPN ({kind.name} changes each democracy's {kind.target})",
                        found=actor or None)  # fmt: skip
    if not kind.per_actor and actor:
        raise UserError("key not allowed here", file=path, key=f"{key}.actor",
                        expected=f"no actor ({kind.name} changes {kind.target}, which has none)",
                        found=actor)  # fmt: skip
    if "strategy" in ev:
        raise UserError("key not allowed here", file=path, key=f"{key}.strategy",
                        expected="'strategy' only on leader_change events", found=ev["strategy"])  # fmt: skip
    value = kind.value
    if "value" in ev:
        value = check_number(path, f"{key}.value", ev["value"], "a number")
        problem = shock_value_problem(kind, value)
        if problem:
            raise UserError("value out of range", file=path, key=f"{key}.value", expected=problem,
                            found=ev["value"])  # fmt: skip
    if value is None:
        raise UserError("missing key", file=path, key=f"{key}.value",
                        expected=f"a value (the kind {kind.name} declares none)")  # fmt: skip
    duration = kind.duration
    if "duration" in ev:
        duration = check_int(path, f"{key}.duration", ev["duration"], 0, 600)
    label = check_str(path, f"{key}.label", ev.get("label", ""))
    return Event(month=month, kind=kind.name, actor=actor, value=value, duration=duration,
                 label=label)  # fmt: skip


def _event(path: Path, i: int, ev: Any, months: int, kinds: dict[str, ShockKind]) -> Event:
    key = f"events[{i}]"
    if not isinstance(ev, dict):
        raise UserError("wrong type", file=path, key=key, expected="a table [[events]]", found=ev)
    for k in ev:
        if k not in EVENT_KEYS:
            raise unknown_name("event key", k, EVENT_KEYS, file=path, key=f"{key}.{k}")
    if "month" not in ev or "kind" not in ev:
        raise UserError("missing key", file=path, key=key, expected="both 'month' and 'kind'",
                        found=sorted(ev))  # fmt: skip
    month = check_int(path, f"{key}.month", ev["month"], 1, months)
    kind = check_str(path, f"{key}.kind", ev["kind"])
    if kind in kinds:
        return _data_event(path, key, ev, month, kinds[kind])
    if kind not in SHOCK_KINDS:
        raise unknown_name("event kind", kind, [*SHOCK_KINDS, *kinds], file=path, key=f"{key}.kind")
    if SHOCK_KINDS[kind].builtin < 0:
        return _data_event(path, key, ev, month, SHOCK_KINDS[kind])
    actor = check_str(path, f"{key}.actor", ev.get("actor", ""))
    if kind in (
        "approval_shock",
        "baseline_shock",
        "leader_change",
        "flashpoint",
    ) and actor not in ("ROK", "JPN"):
        raise UserError(
            "bad actor", file=path, key=f"{key}.actor", expected="ROK or JPN", found=actor or None
        )
    value = None
    if "value" in ev:
        lo, hi = EVENT_VALUE_RANGE[kind]
        value = check_number(path, f"{key}.value", ev["value"], f"a number in [{lo}, {hi}]")
        if not lo <= value <= hi:
            raise UserError("value out of range", file=path, key=f"{key}.value", expected=f"a number in [{lo}, {hi}]",
                            found=ev["value"])  # fmt: skip
    elif kind in (
        "approval_shock",
        "baseline_shock",
        "flashpoint",
        "provocation",
        "coercion_episode",
    ):
        raise UserError(
            "missing key", file=path, key=f"{key}.value", expected=f"a value for a {kind}"
        )
    strategy = ""
    if "strategy" in ev:
        if kind != "leader_change":
            raise UserError("key not allowed here", file=path, key=f"{key}.strategy",
                            expected="'strategy' only on leader_change events", found=ev["strategy"])  # fmt: skip
        strategy = check_strategy(path, f"{key}.strategy", ev["strategy"])
    duration = 0
    if "duration" in ev:
        duration = check_int(path, f"{key}.duration", ev["duration"], 1, 120)
    elif kind == "coercion_episode":
        duration = 1
    label = check_str(path, f"{key}.label", ev.get("label", ""))
    return Event(month=month, kind=kind, actor=actor, value=value, strategy=strategy, duration=duration,
                 label=label)  # fmt: skip


# ------------------------------------------------------------------------------ derived documents
def json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a scenario file, derived from the declarations."""
    from sim.core.steps import STEP_NAMES
    from sim.core.strategies import STRATEGY_NAMES

    def num(name: str) -> dict[str, Any]:
        i = param_info(name)
        return {
            "type": "integer" if i["integer"] else "number",
            "minimum": i["lo"],
            "maximum": i["hi"],
            "default": i["default"],
            "description": f"{i['meaning']} [{i['unit']}]. Source: {i['source']}",
        }

    strategy = {"type": "string", "enum": list(STRATEGY_NAMES)}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "alignsim scenario file",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "description": TOP_KEYS["name"]},
            "description": {"type": "string", "description": TOP_KEYS["description"]},
            "extends": {"type": "string", "description": TOP_KEYS["extends"]},
            "months": {"type": "integer", "minimum": 1, "maximum": 600, "default": 60},
            "start": {
                "type": "string",
                "pattern": r"^\d{4}-(0[1-9]|1[0-2])$",
                "default": "2022-08",
            },
            "inherit_events": {"type": "boolean", "default": True},
            "disabled_steps": {
                "type": "array",
                "items": {"type": "string", "enum": list(STEP_NAMES)},
            },
            "strategies": {
                "type": "object",
                "additionalProperties": False,
                "properties": {r: strategy for r in ROLES},
            },
            "params": {
                "type": "object",
                "additionalProperties": False,
                "properties": {n: num(n) for n in PARAM_FIELDS},
            },
            "schedules": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    k: {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "array",
                            "prefixItems": [{"type": "integer", "minimum": 0}, num(k)],
                            "minItems": 2,
                            "maxItems": 2,
                        },
                    }
                    for k in PARAM_FIELDS
                },
            },
            "shock_kinds": {
                "type": "object",
                "description": TOP_KEYS["shock_kinds"],
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["target"],
                    "properties": {
                        "description": {"type": "string"},
                        "target": {"type": "string", "enum": [*STATE_TARGETS, *PARAM_FIELDS]},
                        "op": {"type": "string", "enum": list(SHOCK_OPS), "default": "add"},
                        "value": {"type": "number"},
                        "duration": {"type": "integer", "minimum": 0, "maximum": 600, "default": 1},
                    },
                },
            },
            "events": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["month", "kind"],
                    "properties": {
                        "month": {"type": "integer", "minimum": 1},
                        "kind": {
                            "type": "string",
                            "description": "a built-in or registered kind ("
                            + ", ".join(EVENT_KINDS)
                            + ") or one in [shock_kinds]",
                        },
                        "actor": {"type": "string", "enum": ["ROK", "JPN", ""]},
                        "value": {"type": "number"},
                        "strategy": strategy,
                        "duration": {"type": "integer", "minimum": 0},
                        "label": {"type": "string"},
                    },
                },
            },
        },
    }


def markdown_reference() -> str:
    """The key reference of scenarios/README.md, derived from the declarations."""
    from sim.core.steps import LADDER
    from sim.core.strategies import STRATEGIES

    lines = ["## Top-level keys", "", "| key | meaning |", "|---|---|"]
    lines += [f"| `{k}` | {v} |" for k, v in TOP_KEYS.items()]
    lines += ["", "## `[strategies]`", "", "Roles: " + ", ".join(f"`{r}`" for r in ROLES) + ".", "",
              "| strategy | description |", "|---|---|"]  # fmt: skip
    lines += [f"| `{s.name}` | {s.description} |" for s in STRATEGIES.values()]
    lines += [
        "",
        "## `[params]`",
        "",
        "| key | default | range | unit | meaning | source |",
        "|---|---|---|---|---|---|",
    ]
    group = None
    for row in param_table():
        if row["group"] != group:
            group = row["group"]
            lines.append(f"| **{group}** | | | | | |")
        lines.append(
            f"| `{row['name']}` | {row['default']} | {row['lo']} .. {row['hi']} | {row['unit']} | "
            f"{row['meaning']} | {row['source']} |"
        )
    lines += ["", "## `[schedules]`", "", "Any parameter of `[params]` over time, as a list of `[month, value]` "
              "pairs with months strictly increasing; the value holds from its month until the next point "
              "(before the first point the `[params]` value holds). Each value is checked against the "
              "parameter's range (whole numbers for whole-number parameters), and both engines read the "
              "month's value.", "",
              "## `[shock_kinds]`", "", "A scenario may declare its own kinds of shock as data, one table "
              "`[shock_kinds.NAME]` each; an event of kind NAME then applies it (an event's `value` and "
              "`duration` override the kind's). Installed packages may register kinds too "
              "(docs/EXTENDING.md).", "",
              "| key | meaning |", "|---|---|"]  # fmt: skip
    lines += [f"| `{k}` | {v} |" for k, v in SHOCK_KIND_KEYS.items()]
    lines += ["", "A state target changes at the start of each month the shock lasts, before anything "
              "else in the month; a parameter target holds its changed value in those months (after its "
              "schedule, if any). Results are clipped to the target's range. State targets (per democracy "
              "ones need the event's `actor`, ROK or JPN):", "",
              "| target | per democracy | range | meaning |", "|---|---|---|---|"]  # fmt: skip
    lines += [
        f"| `{k}` | {'yes' if per else 'no'} | {lo} .. {hi} | {meaning} |"
        for k, (per, lo, hi, meaning) in STATE_TARGETS.items()
    ]
    lines += ["", "## `[[events]]`", "", "Keys: " + ", ".join(f"`{k}`" for k in EVENT_KEYS) + ".", "",
              "| kind | effect | `value` range |", "|---|---|---|"]  # fmt: skip
    lines += [
        f"| `{k}` | {v.description} | "
        + (
            f"{v.value_range[0]} .. {v.value_range[1]}"
            if v.builtin >= 0
            else f"{v.op} on `{v.target}`"
        )
        + " |"
        for k, v in SHOCK_KINDS.items()
    ]
    lines += ["", "## Steps (for `disabled_steps`)", "", "| step | owner | domestic cost | trust gain | reversible |",
              "|---|---|---|---|---|"]  # fmt: skip
    lines += [
        f"| `{s.name}` | {s.owner} | {s.domestic_cost} | {s.trust_gain} | {s.reversible} |"
        for s in LADDER
    ]
    return "\n".join(lines) + "\n"


def resolved_toml(sc: Scenario) -> str:
    """The fully resolved scenario as TOML text (what `alignsim show` prints)."""
    inv = {v: k for k, v in ROLES.items()}
    out = [f'name = "{sc.name}"', f"description = {_q(sc.description)}", f"months = {sc.months}",
           f'start = "{sc.start}"']  # fmt: skip
    if sc.disabled_steps:
        out.append("disabled_steps = [" + ", ".join(f'"{s}"' for s in sc.disabled_steps) + "]")
    out += ["", "[strategies]"] + [f'{inv[r]} = "{s}"' for r, s in sc.strategies]
    out += ["", "[params]"]
    for f in dataclasses.fields(sc.params):
        info = param_info(f.name)
        v = getattr(sc.params, f.name)
        out.append(f"{f.name} = {int(v) if info['integer'] else float(v)!r}  # {info['unit']}")
    if sc.schedules:
        out += ["", "[schedules]"] + [f"{k} = {[list(p) for p in pts]}" for k, pts in sc.schedules]
    for k in sc.shock_kinds:
        out += ["", f"[shock_kinds.{k.name}]", f"description = {_q(k.description)}",
                f'target = "{k.target}"', f'op = "{k.op}"', f"duration = {k.duration}"]  # fmt: skip
        if k.value is not None:
            out.append(f"value = {k.value!r}")
    for e in sc.events:
        out += ["", "[[events]]", f"month = {e.month}", f'kind = "{e.kind}"']
        if e.actor:
            out.append(f'actor = "{e.actor}"')
        if e.value is not None:
            out.append(f"value = {e.value!r}")
        if e.strategy:
            out.append(f'strategy = "{e.strategy}"')
        if e.duration or sc.shock_kind(e.kind).builtin < 0:
            out.append(f"duration = {e.duration}")
        if e.label:
            out.append(f"label = {_q(e.label)}")
    return "\n".join(out) + "\n"


def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
