"""docs/ODD.md: the parameter tables are generated from the declarations and must be current;
the document follows the ODD protocol's section order and links submodels to code that exists."""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

from conftest import tool

from sim.core.params import param_table

ROOT = Path(__file__).resolve().parents[1]
ODD = ROOT / "docs" / "ODD.md"
ODD_SECTIONS = [
    "Purpose and patterns",
    "Entities, state variables and scales",
    "Process overview and scheduling",
    "Design concepts",
    "Initialization",
    "Input data",
    "Submodels",
]


def test_parameter_section_is_current() -> None:
    text = ODD.read_text(encoding="utf-8")
    assert tool("gen_odd_params").regenerate(text) == text, (
        "docs/ODD.md's parameter tables are stale: run `.venv/bin/python tools/gen_odd_params.py`"
    )


def test_every_parameter_is_in_the_generated_section() -> None:
    gen = tool("gen_odd_params")
    section = ODD.read_text(encoding="utf-8").split(gen.START)[1].split(gen.END)[0]
    for row in param_table():
        assert f"| `{row['name']}` |" in section, row["name"]


def test_odd_sections_in_protocol_order() -> None:
    headings = re.findall(r"^## \d+\. (.+)$", ODD.read_text(encoding="utf-8"), flags=re.M)
    assert headings == ODD_SECTIONS


def test_submodel_links_point_at_functions_that_exist() -> None:
    text = ODD.read_text(encoding="utf-8")
    submodels = text.split("## 7. Submodels", 1)[1]
    links = re.findall(r"\[`(sim\.[\w.]+)`\]\(\.\./(sim/[\w/]+\.py)\)", submodels)
    assert len(links) >= 15
    for dotted, path in links:
        module_name, attr = dotted.rsplit(".", 1)
        assert path == module_name.replace(".", "/") + ".py", dotted
        assert hasattr(importlib.import_module(module_name), attr), dotted


def test_says_it_is_not_a_forecast() -> None:
    assert "not a forecast" in ODD.read_text(encoding="utf-8")


def test_the_codebook_is_generated_from_the_declarations() -> None:
    import subprocess
    import sys

    from sim.core.outputs import MONTHLY, SUMMARY

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, str(root / "tools" / "gen_codebook.py"), "--check"],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stdout
    text = (root / "docs" / "CODEBOOK.md").read_text(encoding="utf-8")
    for o in (*MONTHLY, *SUMMARY):
        assert f"| `{o.name}` | {o.label} |" in text, o.name
    assert "-1 (never)" in text and "not a forecast" in text


def test_the_mutation_score_in_testing_md_is_the_report_s() -> None:
    """docs/TESTING.md's score block is written from tests/mutation_report.json, never by hand."""
    import json

    m = tool("mutation_check")
    text = (ROOT / "docs" / "TESTING.md").read_text(encoding="utf-8")
    block = tool("docblock").block(text, m.MD_BEGIN, m.MD_END)
    data = json.loads((ROOT / "tests" / "mutation_report.json").read_text(encoding="utf-8"))
    assert block == m.score_markdown(data), (
        "docs/TESTING.md's mutation score is stale: run "
        "`.venv/bin/python tools/mutation_check.py --markdown docs/TESTING.md`"
    )
    s = data["summary"]
    assert f"**{s['killed']} / {s['total']} killed**" in block
    assert block.count("\n- `") == len(s["survivors"])
