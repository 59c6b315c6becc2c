"""Regenerate the key reference in scenarios/README.md from the parameter declarations."""

from __future__ import annotations

from pathlib import Path

from sim.scenario import markdown_reference

START, END = "<!-- reference:start -->\n", "<!-- reference:end -->"


def main() -> None:
    path = Path(__file__).resolve().parents[1] / "scenarios" / "README.md"
    text = path.read_text()
    head, rest = text.split(START, 1)
    tail = rest[rest.index(END) :]
    path.write_text(head + START + markdown_reference() + tail)
    print(f"updated {path}")


if __name__ == "__main__":
    main()
