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

from sim import package_version
from sim.errors import UserError


def _command_modules() -> list[ModuleType]:
    from sim import commands

    mods = []
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            mods.append(importlib.import_module(f"sim.commands.{info.name}"))
    return sorted(mods, key=lambda m: getattr(m, "ORDER", 100))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
