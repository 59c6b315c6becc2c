"""Errors that speak to the user: which file, which key, what was expected, what was found.

Raise :class:`UserError` for any mistake in a user's input (a scenario or experiment file, a
command-line value, a result store). The CLI prints it without a traceback and exits with
status 2.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path


class UserError(Exception):
    """A mistake in the user's input, reported without a traceback (exit status 2)."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        key: str | None = None,
        expected: str | None = None,
        found: object = None,
        hint: str | None = None,
        line: int | None = None,
    ) -> None:
        self.message = message
        self.file = None if file is None else str(file)
        self.key = key
        self.expected = expected
        self.found = found
        self.hint = hint
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        parts = [where + (f"key '{self.key}': " if self.key else "") + self.message]
        if self.expected is not None:
            parts.append(f"  expected: {self.expected}")
        if self.found is not None:
            parts.append(f"  found:    {self.found!r}")
        if self.hint:
            parts.append(f"  hint:     {self.hint}")
        return "\n".join(parts)


def suggest(name: str, choices: Iterable[str]) -> str | None:
    """The valid choice nearest to a misspelt name, or None."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def unknown_name(kind: str, name: str, choices: Iterable[str], *, file: str | Path | None = None,
                 key: str | None = None) -> UserError:  # fmt: skip
    """A UserError for an unknown key/strategy/step name, suggesting the nearest valid one."""
    choices = sorted(choices)
    near = suggest(name, choices)
    hint = f"did you mean '{near}'?" if near else None
    return UserError(
        f"unknown {kind} '{name}'",
        file=file,
        key=key,
        expected="one of: " + ", ".join(choices),
        found=name,
        hint=hint,
    )
