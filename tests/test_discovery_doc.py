"""docs/DISCOVERY.md: its generated blocks are present and filled, the figures they show exist,
and every flag it names is a flag of `alignsim discover` (or of the batch command it shows)."""

from __future__ import annotations

import re
from pathlib import Path

from sim.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "DISCOVERY.md"


def _flags(command: str) -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    p = sub.choices[command]  # type: ignore[index]
    return {s for a in p._actions for s in a.option_strings}


def test_generated_blocks_are_filled_and_their_figures_exist() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name in ("install-size", "discovery-example"):
        block = text.split(f"<!-- {name}:start -->")[1].split(f"<!-- {name}:end -->")[0]
        assert "tools/" in block and len(block.strip().splitlines()) > 5, name
    figures = re.findall(r"\]\(figures/([\w.]+)\)", text)
    assert len(figures) >= 3
    for f in figures:
        assert (ROOT / "docs" / "figures" / f).is_file(), f


def test_every_flag_the_document_names_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    named = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", text))
    known = _flags("discover") | _flags("batch")
    assert named and named <= known, sorted(named - known)
