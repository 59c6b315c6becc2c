"""Strategies and shock kinds from other installed packages, through entry points.

A package adds to the model without editing it by declaring entry points in its
``pyproject.toml`` (``docs/EXTENDING.md`` has a worked example,
``examples/alignsim_extension_example/``)::

    [project.entry-points."alignsim.strategies"]
    every_other = "my_package.strategies:EveryOther"      # a sim.core.strategies.Strategy

    [project.entry-points."alignsim.shock_kinds"]
    sanctions = "my_package.shocks:SANCTIONS"              # a ShockKind, or a dict of its fields

A strategy is code (a decision rule numba compiles into the month, in both engines); a shock
kind is data (what it changes, how and for how long). Plugins are trusted installed code,
loaded from entry points only, never named by a scenario file. :func:`load_plugins` runs once a
process (the CLI, ``sim.api``, scenario loading and the batch workers call it) and before the
month is first compiled. ``ALIGNSIM_NO_PLUGINS=1`` loads none.
"""

from __future__ import annotations

import dataclasses
import os
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from sim.errors import UserError

STRATEGY_GROUP = "alignsim.strategies"
SHOCK_KIND_GROUP = "alignsim.shock_kinds"

_loaded: list[str] = []
_done = [False]


def _load(ep: EntryPoint) -> Any:
    try:
        return ep.load()
    except Exception as e:  # a broken plugin: say which, without a traceback
        raise UserError(
            f"cannot load plugin {ep.name!r}: {type(e).__name__}: {e}",
            key=f"entry point {ep.group}:{ep.name}",
            expected="an importable object",
            found=ep.value,
        ) from None


def shock_kind_of(obj: Any, where: str) -> Any:
    """A ShockKind from a plugin's object: a ShockKind or a dict of its fields."""
    from sim.core.params import ShockKind

    if isinstance(obj, ShockKind):
        return obj
    if isinstance(obj, dict):
        fields = {f.name for f in dataclasses.fields(ShockKind)} - {"builtin", "value_range",
                                                                      "needs_actor", "needs_value"}  # fmt: skip
        unknown = sorted(set(obj) - fields)
        if unknown:
            raise UserError("unknown field in a shock kind", key=f"{where}.{unknown[0]}",
                            expected="one of " + ", ".join(sorted(fields)), found=unknown[0])  # fmt: skip
        try:
            return ShockKind(**obj)
        except TypeError as e:
            raise UserError("bad shock kind", key=where, expected="name and description",
                            found=str(e)) from None  # fmt: skip
    raise UserError("bad shock kind", key=where, expected="a ShockKind or a dict of its fields",
                    found=type(obj).__name__)  # fmt: skip


def load_plugins() -> list[str]:
    """Register every installed plugin strategy and shock kind (once a process); returns the
    names registered, as ``group:name``.

    Raises:
        UserError: a plugin that cannot be imported or registered (naming its entry point).
    """
    if _done[0] or os.environ.get("ALIGNSIM_NO_PLUGINS", "") not in ("", "0"):
        return list(_loaded)
    _done[0] = True
    from sim.core.params import ParameterError, register_shock_kind
    from sim.core.strategies import StrategyError, register_strategy

    for ep in sorted(entry_points(group=STRATEGY_GROUP), key=lambda e: e.name):
        where = f"entry point {STRATEGY_GROUP}:{ep.name}"
        try:
            register_strategy(_load(ep))
        except StrategyError as e:
            raise UserError(
                f"cannot register strategy plugin: {e}", key=where, found=ep.value
            ) from None
        _loaded.append(f"{STRATEGY_GROUP}:{ep.name}")
    for ep in sorted(entry_points(group=SHOCK_KIND_GROUP), key=lambda e: e.name):
        where = f"entry point {SHOCK_KIND_GROUP}:{ep.name}"
        try:
            register_shock_kind(shock_kind_of(_load(ep), where))
        except ParameterError as e:
            raise UserError("cannot register shock kind plugin", key=f"{where} ({e.key})",
                            expected=e.expected, found=e.found) from None  # fmt: skip
        _loaded.append(f"{SHOCK_KIND_GROUP}:{ep.name}")
    return list(_loaded)
