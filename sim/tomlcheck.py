"""Checks of one input field: a key of a scenario or experiment file, a ``--set`` value, a
``run_one`` argument.

Each check returns the value (as the type it names) or raises a :class:`sim.errors.UserError`
naming the file (or the command-line flag, or the function), the key, what was expected and what
was found. Scenario files (``sim.scenario``), experiment files (``sim.experiments.spec``), the
``alignsim run --set`` overrides and ``sim.run_one`` all use these, so one mistake gets one message
wherever it is made.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.core.params import PARAM_FIELDS, Params, constraint_violations, out_of_range, param_info
from sim.errors import UserError, unknown_name

#: Largest root seed: the random draws hash it as one unsigned 64-bit word (``sim.core.rng``),
#: so a larger seed would silently equal a smaller one.
MAX_SEED = 2**64 - 1


def check_seed(where: Path | str, key: str, value: Any) -> int:
    """A root seed: a whole number in [0, 2**64 - 1] (what the random draws can tell apart)."""
    return check_int(where, key, value, 0, MAX_SEED)


def read_toml(path: Path) -> tuple[str, dict[str, Any]]:
    """The text of a TOML file and its data (parsed, never executed).

    Raises:
        UserError: the file cannot be read, or a syntax error (with its line number).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError("file not found", file=path) from None
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"cannot read the file ({e})", file=path) from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise UserError(
            f"TOML syntax error: {e}", file=path, line=int(m.group(1)) if m else None
        ) from None


def field_error(path: Path | str, key: str, message: str, expected: str, found: Any) -> UserError:
    """The UserError for a bad value of ``key`` in ``path`` (to raise)."""
    return UserError(message, file=path, key=key, expected=expected, found=found)


def check_number(path: Path | str, key: str, value: Any, what: str = "a number") -> float:
    """An int or float (not a bool), as a float; ``what`` describes the expected value."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise field_error(path, key, "wrong type", what, value)
    return float(value)


def check_int(path: Path | str, key: str, value: Any, lo: int, hi: int) -> int:
    """A whole number (not a bool, not a float) in ``[lo, hi]``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise field_error(path, key, "wrong type", f"a whole number in [{lo}, {hi}]", value)
    if not lo <= value <= hi:
        raise field_error(path, key, "value out of range", f"a whole number in [{lo}, {hi}]", value)
    return int(value)


def check_str(path: Path | str, key: str, value: Any) -> str:
    """A string."""
    if not isinstance(value, str):
        raise field_error(path, key, "wrong type", "a string", value)
    return value


def check_bool(path: Path | str, key: str, value: Any) -> bool:
    """``true`` or ``false``."""
    if not isinstance(value, bool):
        raise field_error(path, key, "wrong type", "true or false", value)
    return value


def check_table(path: Path | str, key: str, value: Any) -> dict[str, Any]:
    """A TOML table ``[key]``."""
    if not isinstance(value, dict):
        raise field_error(path, key, "wrong type", f"a table [{key}]", value)
    return value


def check_list(path: Path | str, key: str, value: Any, expected: str) -> list[Any]:
    """A non-empty list; ``expected`` describes it (e.g. "a non-empty list of numbers")."""
    if not isinstance(value, list) or not value:
        raise field_error(path, key, "wrong type" if not isinstance(value, list) else "empty list",
                          expected, value)  # fmt: skip
    return value


def check_names(
    path: Path | str, key: str, value: Any, valid: Sequence[str], kind: str
) -> tuple[str, ...]:
    """``"all"`` or a list of names from ``valid``; returns them in the order of ``valid``."""
    if value == "all":
        return tuple(valid)
    if not isinstance(value, list):
        raise field_error(path, key, "wrong type", f'"all" or a list of {kind} names', value)
    for v in value:
        if not isinstance(v, str) or v not in valid:
            raise unknown_name(kind, str(v), valid, file=path, key=key)
    return tuple(n for n in valid if n in value)


def check_param(path: Path | str, key: str, name: str, value: Any) -> float:
    """Validate one value of parameter ``name`` against its declaration; return it as a float."""
    p = Path(path)
    if name not in PARAM_FIELDS:
        raise unknown_name("parameter", name, PARAM_FIELDS, file=p, key=key)
    info = param_info(name)
    v = check_number(p, key, value, f"a number in [{info['lo']}, {info['hi']}] ({info['unit']})")
    why = out_of_range(name, v)
    if why:
        raise UserError("value out of range", file=p, key=key, expected=why, found=value)
    return v


def check_constraints(path: Path | str, params: Params, key_prefix: str = "params.") -> None:
    """Raise a UserError if parameters contradict each other (``sim.core.params.CONSTRAINTS``)."""
    for key, expected in constraint_violations(params):
        raise UserError("parameters contradict each other", file=path, key=f"{key_prefix}{key}",
                        expected=expected, found=getattr(params, key))  # fmt: skip


def check_strategy(path: Path | str, key: str, value: Any) -> str:
    """A strategy name (``sim.core.strategies.STRATEGY_NAMES``)."""
    from sim.core.strategies import STRATEGY_NAMES

    name = check_str(Path(path), key, value)
    if name not in STRATEGY_NAMES:
        raise unknown_name("strategy", name, STRATEGY_NAMES, file=path, key=key)
    return name
