"""Golden baseline (as covasim does): a fixed scenario and seed must reproduce a stored table.

The table is the Mesa model's monthly output for ``scenarios/baseline_2022.toml``, seed 1,
60 months, at full precision (``tests/golden/baseline_seed1.csv``). Any change in behaviour,
however small, fails here; if the change is intended, regenerate it with ``make golden`` and say
why in the commit.
"""

from __future__ import annotations

import io
from pathlib import Path
from types import ModuleType

import pandas as pd
from conftest import tool

ROOT = Path(__file__).resolve().parents[2]
HOW_TO_UPDATE = (
    "The baseline run no longer matches tests/golden/baseline_seed1.csv. If this change in the "
    "model's behaviour is intended, run `make golden` and commit the new file with the reason."
)


def update_script() -> ModuleType:
    return tool("update_golden")


def first_difference(expected: pd.DataFrame, got: pd.DataFrame) -> str:
    if list(expected.columns) != list(got.columns):
        return f"columns differ: {list(expected.columns)} vs {list(got.columns)}"
    if len(expected) != len(got):
        return f"{len(expected)} rows stored, {len(got)} now"
    for i in range(len(expected)):
        for c in expected.columns:
            a, b = expected.iloc[i][c], got.iloc[i][c]
            if a != b:
                return f"first difference: month row {i}, column {c!r}: stored {a!r}, now {b!r}"
    return "tables differ in formatting only"


def test_baseline_run_matches_the_golden_table() -> None:
    tool = update_script()
    golden: Path = tool.GOLDEN
    assert golden.exists(), f"{golden} is missing. {HOW_TO_UPDATE}"
    stored = golden.read_text(encoding="utf-8")
    fresh = tool.golden_table()
    if fresh != stored:
        diff = first_difference(pd.read_csv(io.StringIO(stored)), pd.read_csv(io.StringIO(fresh)))
        raise AssertionError(f"{HOW_TO_UPDATE}\n{diff}")


def test_golden_table_is_the_full_horizon_at_full_precision() -> None:
    tool = update_script()
    table = pd.read_csv(tool.GOLDEN)
    assert len(table) == tool.MONTHS + 1
    assert table["month"].tolist() == list(range(tool.MONTHS + 1))
    # full precision: values survive the round trip through the CSV bit for bit
    assert any(len(v.split(",")[2]) > 12 for v in tool.GOLDEN.read_text().splitlines()[2:])
