"""Scenario files: loading, extends, derived documents, and every shipped scenario's outcome."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from sim.core.params import PARAM_FIELDS, scenario_hash
from sim.engines.batch import simulate
from sim.scenario import json_schema, list_scenarios, load_scenario, markdown_reference

ROOT = Path(__file__).resolve().parents[1]
SCEN = ROOT / "scenarios"
SHIPPED = [
    "baseline_2022",
    "hindcast_2022_2023",
    "status_quo",
    "grand_bargain",
    "tit_for_tat",
    "us_pressure_low",
    "us_pressure_high",
    "china_coercion_high",
    "leader_crisis",
]


def ensemble(name: str, runs: int = 200, **kw):
    return simulate(load_scenario(SCEN / f"{name}.toml"), 1, range(runs), **kw).summary


def p_inst_by(s: dict, month: int) -> float:
    inst = s["inst_month"]
    return float(np.mean((inst >= 1) & (inst <= month)))


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenarios_exist_and_validate(name):
    sc = load_scenario(SCEN / f"{name}.toml")
    assert sc.name == name
    assert sc.description
    raw = tomllib.loads((SCEN / f"{name}.toml").read_text())
    jsonschema.validate(raw, json_schema())


def test_baseline_has_august_2022_facts():
    p = load_scenario(SCEN / "baseline_2022.toml").params
    assert p.rok_approval0 == 0.24  # Gallup Korea 2-4 Aug 2022
    assert p.jpn_approval0 == 0.59  # NHK July 2022
    assert p.coop_rok_jpn0 < p.coop_rok_us0 and p.coop_rok_jpn0 < p.coop_jpn_us0


def test_extends_overrides_and_inherits():
    base = load_scenario(SCEN / "baseline_2022.toml")
    low = load_scenario(SCEN / "us_pressure_low.toml")
    assert low.params.us_coercion == 0.1
    assert low.params.rok_approval0 == base.params.rok_approval0
    assert low.strategies == base.strategies
    assert scenario_hash(low) != scenario_hash(base)


# -- what each scenario shows (seed 1, 200 replications) ------------------------------------------
def test_baseline_small_steps_institutionalise():
    s = ensemble("baseline_2022")
    assert p_inst_by(s, 24) > 0.9


def test_status_quo_never_institutionalises_and_takes_no_step():
    s = ensemble("status_quo")
    assert p_inst_by(s, 60) == 0.0
    assert s["steps_ROK"].sum() == 0 and s["steps_JPN"].sum() == 0


def test_the_grand_bargain_waits_while_its_price_is_too_high():
    """The bargain is struck when worth its price: a higher domestic cost of concessions makes
    it rarer (a behaviour of the rule, not a verdict on H1, which the runs decide)."""
    sc = load_scenario(SCEN / "grand_bargain.toml")
    cheap = simulate(sc.with_params(concession_cost_scale=0.5), 1, range(200)).summary
    dear = simulate(sc.with_params(concession_cost_scale=4.0), 1, range(200)).summary
    assert p_inst_by(dear, 24) < p_inst_by(cheap, 24)


def test_tit_for_tat_reaches_cooperation_in_most_runs():
    s = ensemble("tit_for_tat")
    assert p_inst_by(s, 24) > 0.5


def test_low_us_pressure_slows_cooperation():
    low, base = ensemble("us_pressure_low"), ensemble("baseline_2022")
    assert p_inst_by(low, 24) < p_inst_by(base, 24)
    assert np.mean(low["final_alignment_ROK"]) < np.mean(base["final_alignment_ROK"])


def test_high_us_pressure_pulls_alignment_and_costs_approval():
    high, base = ensemble("us_pressure_high"), ensemble("baseline_2022")
    assert np.mean(high["final_alignment_ROK"]) > np.mean(base["final_alignment_ROK"])
    r = simulate(load_scenario(SCEN / "us_pressure_high.toml"), 1, range(50), keep_monthly=True)
    b = simulate(load_scenario(SCEN / "baseline_2022.toml"), 1, range(50), keep_monthly=True)
    from sim.engines.batch import MONTHLY_VARS

    i = MONTHLY_VARS.index("approval_ROK")
    # months 7..56: before the ROK term ends, the backlash costs approval
    assert r.monthly[:, 7:56, i].mean() < b.monthly[:, 7:56, i].mean()


def test_china_coercion_high_pulls_dependent_rok_less_far_toward_us():
    high, base = ensemble("china_coercion_high"), ensemble("baseline_2022")
    assert np.mean(high["final_alignment_ROK"]) < np.mean(base["final_alignment_ROK"])
    assert np.mean(high["final_alignment_ROK"]) > 0  # H4: costs, no reversal of alignment


def test_leader_crisis_successor_reverses_steps_unless_locked_in():
    """The hardline successor of month 30 undoes steps and cooperation collapses when nothing
    locks it in (exit costs and deepening at their neutral settings); lock-in makes it keep
    more of its predecessor's steps and collapse less."""
    import dataclasses

    from sim.core.mechanisms import neutral_params

    crisis = load_scenario(SCEN / "leader_crisis.toml")
    unlocked = dataclasses.replace(
        crisis, params=neutral_params(crisis.params, "exit_costs", "deepening")
    )
    free = simulate(unlocked, 1, range(200)).summary
    locked = ensemble("leader_crisis")
    assert np.all(locked["leaders_ROK"] >= 2)
    assert free["reversals_ROK"].mean() > 1
    assert free["collapsed"].mean() > 0.5
    assert locked["reversals_ROK"].mean() < free["reversals_ROK"].mean()
    assert locked["collapsed"].mean() < free["collapsed"].mean()
    base = ensemble("baseline_2022")
    assert base["collapsed"].mean() < 0.1


def test_hindcast_runs_two_years_with_scheduled_chinese_pressure():
    sc = load_scenario(SCEN / "hindcast_2022_2023.toml")
    assert sc.months == 24
    assert [e.kind for e in sc.events] == ["coercion_episode", "coercion_episode"]
    s = ensemble("hindcast_2022_2023", runs=100)
    assert (s["steps_ROK"] + s["steps_JPN"]).mean() > 0


# -- derived documents ----------------------------------------------------------------------------
def test_schema_covers_every_parameter():
    props = json_schema()["properties"]["params"]["properties"]
    assert set(props) == set(PARAM_FIELDS)
    for name, spec in props.items():
        assert spec["minimum"] <= spec["default"] <= spec["maximum"], name


def test_scenarios_readme_key_reference_is_generated_and_current():
    text = (SCEN / "README.md").read_text()
    start, end = "<!-- reference:start -->\n", "<!-- reference:end -->"
    assert start in text and end in text
    current = text[text.index(start) + len(start) : text.index(end)]
    assert current == markdown_reference(), "scenarios/README.md is stale: run `make docs`"


def test_list_scenarios_lists_all_shipped():
    names = {n for n, _, _ in list_scenarios()}
    assert set(SHIPPED) <= names


def test_show_json_is_valid(capsys):
    from sim.cli import main

    assert main(["show", str(SCEN / "leader_crisis.toml"), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["events"][1]["strategy"] == "hardline"
