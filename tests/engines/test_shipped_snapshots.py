"""Snapshots of every shipped scenario: a change to the month is caught even off the golden run.

``tests/golden/shipped_scenarios.json`` holds, for every ``scenarios/*.toml``, sha256 digests of
the batch engine's outputs (20 replications, root seed 20221): one per monthly variable, one per
summary key, and one each for the first-taken month and first taker of every step. A fresh run
must reproduce every digest. A failure names the scenario and the first output that differs (in
declared order) and shows the stored and fresh plain numbers. If the change in behaviour is
intended, run ``make golden`` and commit the regenerated files with the reason.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import tool

ROOT = Path(__file__).resolve().parents[2]
HOW_TO_UPDATE = (
    "If this change in the model's behaviour is intended, run `make golden` and commit the "
    "regenerated tests/golden files with the reason; otherwise the change is a regression."
)


def update_script() -> ModuleType:
    return tool("update_golden")


@cache
def stored() -> dict[str, Any]:
    path: Path = update_script().SNAPSHOTS
    assert path.exists(), f"{path} is missing. {HOW_TO_UPDATE}"
    return json.loads(path.read_text(encoding="utf-8"))


SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))


def first_difference(expected: dict[str, Any], got: dict[str, Any]) -> str | None:
    """The first output whose digest differs, in declared order, or None if all agree."""
    if expected.get("months") != got["months"]:
        return f"horizon: stored {expected.get('months')} months, now {got['months']}"
    for group in ("monthly", "summary"):
        want, have = expected.get(group, {}), got[group]
        if list(want) != list(have):
            return f"{group} variables: stored {list(want)}, now {list(have)}"
        for name in have:
            if want[name] != have[name]:
                return f"{group} variable {name!r}"
    for name in ("first_taken_month", "first_taken_by"):
        if expected.get(name) != got[name]:
            return name
    return None


def test_the_snapshots_use_the_update_scripts_settings() -> None:
    tool = update_script()
    data = stored()
    assert data["seed"] == tool.SNAPSHOT_SEED
    assert data["replications"] == tool.SNAPSHOT_REPLICATIONS


def test_every_shipped_scenario_has_a_snapshot() -> None:
    names = [p.stem for p in SHIPPED]
    assert len(names) >= 10
    missing = sorted(set(names) - set(stored()["scenarios"]))
    extra = sorted(set(stored()["scenarios"]) - set(names))
    assert not missing and not extra, (
        f"scenarios without a snapshot: {missing}; snapshots without a scenario: {extra}. "
        "Run `make golden` after adding or removing a scenario file."
    )


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenario_matches_its_snapshot(path: Path) -> None:
    expected = stored()["scenarios"].get(path.stem)
    assert expected is not None, f"{path.name} has no snapshot. {HOW_TO_UPDATE}"
    fresh = update_script().scenario_snapshot(path)
    where = first_difference(expected, fresh)
    if where is not None:
        numbers = "\n".join(
            f"  {k}: stored {expected['readable'].get(k)!r}, now {v!r}"
            for k, v in fresh["readable"].items()
        )
        raise AssertionError(
            f"Scenario {path.stem!r} ({path.name}, seed {stored()['seed']}, "
            f"{stored()['replications']} replications) no longer matches its snapshot in "
            f"tests/golden/shipped_scenarios.json: first difference in {where}.\n{numbers}\n"
            f"{HOW_TO_UPDATE}"
        )
    assert fresh["readable"] == expected["readable"]
