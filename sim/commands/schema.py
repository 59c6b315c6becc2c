"""alignsim schema: the scenario file's JSON Schema (or Markdown key reference)."""

from __future__ import annotations

import argparse

NAME = "schema"
ORDER = 40
HELP = "print the JSON Schema of scenario files (--markdown: the key reference)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--markdown", action="store_true", help="print the Markdown key reference instead"
    )
    p.add_argument(
        "--params", action="store_true", help="print only the parameter table (Markdown)"
    )


def run(args: argparse.Namespace) -> int:
    import json

    from sim.scenario import json_schema, markdown_reference

    if args.markdown or args.params:
        text = markdown_reference()
        if args.params:
            start = text.index("## `[params]`")
            text = text[start : text.index("## `[schedules]`")]
        print(text, end="")
    else:
        print(json.dumps(json_schema(), indent=2))
    return 0
