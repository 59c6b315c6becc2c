"""Flags shared by several subcommands, so that one flag means one thing in every command.

``--table-format`` is the format of the tables a command writes (``run``, ``export``);
``--figure-format`` the format of its figures (``plot``, ``sensitivity``, ``discover``). The old
``--format`` is still accepted by each as a deprecated alias of its own flag, with a warning on
stderr naming the new one.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

TABLE_FORMAT = "--table-format"
FIGURE_FORMAT = "--figure-format"


class _DeprecatedAlias(argparse.Action):
    """``--format``: stores into the new flag's ``dest`` and says which flag to use instead."""

    def __init__(self, *a: Any, new: str, append: bool, **kw: Any) -> None:
        self.new, self.append = new, append
        super().__init__(*a, **kw)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:  # fmt: skip
        print(f"{parser.prog}: warning: {option_string} is deprecated; use {self.new}",
              file=sys.stderr)  # fmt: skip
        if self.append:
            items = list(getattr(namespace, self.dest, None) or [])
            namespace.__setattr__(self.dest, [*items, values])
        else:
            setattr(namespace, self.dest, values)


def add_format_flag(p: argparse.ArgumentParser, flag: str, choices: Sequence[str],
                    default: str | None, help: str, *, append: bool = False) -> None:  # fmt: skip
    """Add ``flag`` (``--table-format`` or ``--figure-format``) and the deprecated ``--format``
    alias storing into the same ``dest`` (``args.table_format`` / ``args.figure_format``)."""
    dest = flag.removeprefix("--").replace("-", "_")
    p.add_argument(flag, dest=dest, choices=tuple(choices), default=default, metavar="FMT",
                   action="append" if append else "store", help=help)  # fmt: skip
    p.add_argument("--format", dest=dest, choices=tuple(choices), metavar="FMT",
                   action=_DeprecatedAlias, new=flag, append=append, default=argparse.SUPPRESS,
                   help=f"deprecated alias of {flag}")  # fmt: skip


def check_seed(value: int | None, flag: str = "--seed") -> None:
    """A root seed given on the command line: a whole number in [0, 2**64 - 1] (larger seeds
    would silently equal smaller ones in the random draws)."""
    from sim.errors import UserError
    from sim.tomlcheck import MAX_SEED

    if value is not None and not 0 <= value <= MAX_SEED:
        raise UserError("value out of range", key=flag,
                        expected=f"a whole number in [0, {MAX_SEED}] (2**64 - 1)",
                        found=value)  # fmt: skip
