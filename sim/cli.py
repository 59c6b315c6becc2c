"""The ``alignsim`` command.

Subcommands live in ``sim/commands/<name>.py``; each module defines ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int`` and keeps heavy imports inside ``run`` so that
``alignsim --help`` answers quickly. Mistakes in user input (:class:`sim.errors.UserError`) are
printed without a traceback and exit with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn

from sim import package_version
from sim.errors import UserError


def _command_modules() -> list[ModuleType]:
    from sim import commands

    mods = []
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            mods.append(importlib.import_module(f"sim.commands.{info.name}"))
    return sorted(mods, key=lambda m: getattr(m, "ORDER", 100))


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors suggest the nearest flag or subcommand to a misspelt one
    (argparse's own ``suggest_on_error`` arrives only with Python 3.14)."""

    def error(self, message: str) -> NoReturn:
        hint = self._suggestion(message)
        super().error(message + (f"\n  hint: {hint}" if hint else ""))

    def _suggestion(self, message: str) -> str | None:
        import difflib
        import re

        m = re.search(r"invalid choice: '([^']*)'", message)
        if m:  # a misspelt subcommand (or a choice of a flag)
            choices = re.search(r"\(choose from (.*)\)", message)
            if choices:
                names = re.findall(r"'?([\w.\-]+)'?", choices.group(1))
                near = difflib.get_close_matches(m.group(1), names, n=1, cutoff=0.6)
                return f"did you mean '{near[0]}'?" if near else None
        m = re.search(r"unrecognized arguments: (.*)", message)
        if m:
            flags = [o for a in self._actions for o in a.option_strings if o.startswith("--")]
            hints = []
            for word in m.group(1).split():
                flag = word.split("=")[0]
                if flag.startswith("-"):
                    near = difflib.get_close_matches(flag, flags, n=1, cutoff=0.6)
                    if near:
                        hints.append(f"{near[0]} (for {flag})")
            return "did you mean " + ", ".join(hints) + "?" if hints else None
        return None


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="alignsim",
        description=(
            "alignsim: a stylised agent-based model of alignment pressure in the US-China "
            "rivalry (ROK, Japan, US, China). A research and teaching model, not a forecast."
        ),
    )
    parser.add_argument("--version", action="version", version=f"alignsim {package_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for mod in _command_modules():
        p = sub.add_parser(
            mod.NAME, help=mod.HELP, description=getattr(mod, "DESCRIPTION", mod.HELP)
        )
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # reported by the subcommand's parser, which knows its own flags
        sub = _subparsers(parser).get(getattr(args, "command", None) or "", parser)
        sub.error("unrecognized arguments: " + " ".join(extra))
    if not getattr(args, "_run", None):
        parser.print_help()
        return 0
    try:
        from sim.plugins import load_plugins

        load_plugins()
        return int(args._run(args) or 0)
    except UserError as e:
        print(f"alignsim {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"alignsim {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
