"""Regenerate the parameter tables of docs/ODD.md from the declarations in ``sim.core.params``.

    .venv/bin/python tools/gen_odd_params.py          # rewrite the marked section
    .venv/bin/python tools/gen_odd_params.py --check  # exit 1 if the section is stale

Only the text between ``<!-- params:start -->`` and ``<!-- params:end -->`` is replaced;
``tests/test_docs_generated.py`` fails when it differs from what this script would write.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from docblock import replace_block  # noqa: E402

ODD = ROOT / "docs" / "ODD.md"
START = "<!-- params:start -->"
END = "<!-- params:end -->"

GROUP_TITLES = {
    "initial": "Initial conditions (August 2022)",
    "economy": "Economic dependence",
    "leaders": "Leaders and domestic politics (Putnam 1988)",
    "patrons": "Patrons: pressure, reward and coercion (Drezner 1998, 2003)",
    "exogenous": "Exogenous processes",
    "fears": "Fears (Snyder 1984; Cha 1999)",
    "cooperation": "Cooperation and institutions",
    "capital": "Political capital that moves (Mueller 1970; Lewis-Beck & Stegmaier 2000)",
    "lock_in": "Open-ended cooperation and lock-in (Pierson 2000; Ikenberry 2001; Fearon 1994)",
    "backlash": "Pressure that can hurt (Galtung 1967; Drezner 1999, 2003)",
    "bargain": "The grand bargain as a bundle (Putnam 1988)",
    "decisions": "Alignment and fears in decisions (Kuik 2008; Cha 1999)",
}


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _number(value: float, integer: bool) -> str:
    return str(int(value)) if integer else f"{value:g}"


def params_section() -> str:
    """The generated Markdown between the markers (without the markers)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from sim.core.params import param_table

    rows = param_table()
    lines = [
        "",
        "*Generated from `sim.core.params` by `tools/gen_odd_params.py`; do not edit by hand.*",
        f"{len(rows)} parameters. Per-democracy parameters come in pairs (`rok_...`, `jpn_...`); "
        "every parameter may also be given as a schedule or changed by a data shock.",
    ]
    groups: list[str] = []
    for row in rows:
        if row["group"] not in groups:
            groups.append(row["group"])
    for group in groups:
        lines += [
            "",
            f"#### {GROUP_TITLES.get(group, group)}",
            "",
            "| Parameter | Meaning | Unit / scale | Default | Range | Source or rationale |",
            "|---|---|---|---|---|---|",
        ]
        for r in (r for r in rows if r["group"] == group):
            integer = bool(r["integer"])
            lo, hi = _number(r["lo"], integer), _number(r["hi"], integer)
            lines.append(
                f"| `{r['name']}` | {_cell(r['meaning'])} | {_cell(r['unit'])} "
                f"| {_number(r['default'], integer)} | [{lo}, {hi}] | {_cell(r['source'])} |"
            )
    lines.append("")
    return "\n".join(lines)


def regenerate(text: str) -> str:
    """``text`` with its marked section replaced by the generated tables."""
    try:
        return replace_block(text, START, END, params_section())
    except ValueError as e:
        raise SystemExit(f"{ODD}: {e}") from None


def main(argv: list[str]) -> int:
    text = ODD.read_text(encoding="utf-8")
    new = regenerate(text)
    if "--check" in argv:
        if new != text:
            print(f"{ODD.relative_to(ROOT)} is stale: run tools/gen_odd_params.py")
            return 1
        return 0
    if new != text:
        ODD.write_text(new, encoding="utf-8")
        print(f"updated {ODD.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
