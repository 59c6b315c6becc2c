"""Malformed scenario files and bad command-line values: exit 2, a clear message, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline_2022.toml"

# (id, file text, substrings the message must contain)
CASES = [
    ("toml_syntax", 'name = "x"\nmonths = = 3\n', ["TOML syntax error", ":2"]),
    (
        "unknown_top_key",
        "monhts = 12\n",
        ["unknown top-level key 'monhts'", "did you mean 'months'"],
    ),
    (
        "unknown_param",
        "[params]\nus_coersion = 0.5\n",
        ["params.us_coersion", "did you mean 'us_coercion'"],
    ),
    (
        "param_wrong_type",
        '[params]\nus_coercion = "high"\n',
        ["params.us_coercion", "wrong type", "'high'"],
    ),
    ("param_bool", "[params]\nus_coercion = true\n", ["wrong type", "True"]),
    ("param_out_of_range", "[params]\nus_coercion = 1.5\n", ["out of range", "[0.0, 1.0]", "1.5"]),
    ("param_negative", "[params]\nrok_approval0 = -0.1\n", ["out of range", "rok_approval0"]),
    ("param_not_integer", "[params]\nrok_term_end_month = 57.5\n", ["whole number", "57.5"]),
    ("params_not_table", "params = 3\n", ["wrong type", "[params]"]),
    (
        "unknown_strategy",
        '[strategies]\nrok = "small_step"\n',
        ["unknown strategy 'small_step'", "did you mean 'small_steps'"],
    ),
    (
        "unknown_role",
        '[strategies]\nkorea = "status_quo"\n',
        ["unknown strategy role 'korea'", "rok"],
    ),
    ("strategy_wrong_type", "[strategies]\nrok = 3\n", ["strategies.rok", "wrong type"]),
    (
        "unknown_step",
        'disabled_steps = ["gsomia"]\n',
        ["unknown step 'gsomia'", "gsomia_normalised"],
    ),
    (
        "disabled_not_list",
        'disabled_steps = "gsomia_normalised"\n',
        ["disabled_steps", "a list of step names"],
    ),
    (
        "schedule_out_of_order",
        "[schedules]\nus_coercion = [[6, 0.5], [3, 0.6]]\n",
        ["schedule out of order", "after 6", "found:    3"],
    ),
    (
        "schedule_duplicate_month",
        "[schedules]\nus_coercion = [[6, 0.5], [6, 0.6]]\n",
        ["schedule out of order"],
    ),
    ("schedule_not_pairs", "[schedules]\nus_coercion = [0.4, 0.6]\n", ["[month, value] pair"]),
    (
        "schedule_value_range",
        "[schedules]\nus_coercion = [[0, 0.4], [6, 2.0]]\n",
        ["out of range", "2.0"],
    ),
    (
        "schedule_unknown_key",
        "[schedules]\nus_coersion = [[0, 0.4]]\n",
        ["unknown parameter 'us_coersion'", "did you mean 'us_coercion'"],
    ),
    (
        "event_unknown_kind",
        '[[events]]\nmonth = 3\nkind = "flashpiont"\nactor = "ROK"\nvalue = 0.1\n',
        ["unknown event kind 'flashpiont'", "did you mean 'flashpoint'"],
    ),
    (
        "event_unknown_key",
        '[[events]]\nmonth = 3\nkind = "provocation"\nvalue = 2\nsize = 3\n',
        ["unknown event key 'size'"],
    ),
    (
        "event_missing_month",
        '[[events]]\nkind = "provocation"\nvalue = 2\n',
        ["missing key", "'month'"],
    ),
    (
        "event_month_beyond_horizon",
        'months = 12\n[[events]]\nmonth = 30\nkind = "provocation"\nvalue = 2\n',
        ["events[0].month", "[1, 12]", "30"],
    ),
    (
        "event_bad_actor",
        '[[events]]\nmonth = 3\nkind = "approval_shock"\nactor = "USA"\nvalue = -0.1\n',
        ["ROK or JPN", "USA"],
    ),
    (
        "event_missing_value",
        '[[events]]\nmonth = 3\nkind = "approval_shock"\nactor = "ROK"\n',
        ["missing key", "events[0].value"],
    ),
    (
        "event_unknown_successor",
        '[[events]]\nmonth = 3\nkind = "leader_change"\nactor = "ROK"\nstrategy = "hawk"\n',
        ["unknown strategy 'hawk'"],
    ),
    ("months_zero", "months = 0\n", ["months", "[1, 600]"]),
    ("bad_start", 'start = "August 2022"\n', ["start", "YYYY-MM"]),
    (
        "extends_missing",
        'extends = "nowhere.toml"\n',
        ["extended scenario not found", "nowhere.toml"],
    ),
    ("extends_wrong_type", "extends = 5\n", ["extends", "wrong type"]),
    (
        "thresholds_contradict",
        "[params]\ncollapse_threshold = 0.7\n",
        ["contradict", "collapse_threshold < institution_threshold"],
    ),
]


@pytest.mark.parametrize("case_id,text,needles", CASES, ids=[c[0] for c in CASES])
def test_malformed_scenario_rejected(tmp_path, capsys, case_id, text, needles):
    f = tmp_path / f"{case_id}.toml"
    f.write_text(text)
    out = tmp_path / "out"
    assert main(["run", str(f), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(f) in err, err
    for needle in needles:
        assert needle in err, f"{needle!r} not in:\n{err}"
    assert "Traceback" not in err
    assert not out.exists(), "nothing may be written for a bad scenario"


def test_circular_extends(tmp_path, capsys):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    assert main(["show", str(tmp_path / "a.toml")]) == 2
    err = capsys.readouterr().err
    assert "circular 'extends'" in err and "a.toml -> b.toml -> a.toml" in err


def test_missing_file(capsys):
    assert main(["run", "no/such/file.toml"]) == 2
    err = capsys.readouterr().err
    assert "scenario file not found" in err and "no/such/file.toml" in err


def test_unknown_scenario_name_suggests(capsys):
    assert main(["show", "baseline_2023"]) == 2
    assert "did you mean 'baseline_2022'" in capsys.readouterr().err


def test_error_in_extended_file_names_that_file(tmp_path, capsys):
    (tmp_path / "parent.toml").write_text("[params]\nus_coercion = 7\n")
    (tmp_path / "child.toml").write_text('extends = "parent.toml"\n')
    assert main(["show", str(tmp_path / "child.toml")]) == 2
    assert "out of range" in capsys.readouterr().err


def test_bad_months_flag(capsys):
    assert main(["run", str(BASE), "--months", "0"]) == 2
    assert "--months" in capsys.readouterr().err


def test_subprocess_exit_code_and_no_traceback(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text("[params]\nus_coercion = 1.5\n")
    r = subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", str(f)], capture_output=True, text=True
    )
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "out of range" in r.stderr
