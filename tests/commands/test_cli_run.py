"""`alignsim run`, `scenarios`, `show`, `schema`: outputs, files and reproducibility."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from sim.cli import main
from sim.engines.batch import MONTHLY_VARS

BASE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline_2022.toml"


def test_run_prints_summary_and_writes_files(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["run", str(BASE), "--seed", "1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Final trilateral cooperation index" in text
    assert "Institutionalised trilateral cooperation" in text
    assert "Final approval: ROK" in text and "Steps taken" in text
    assert "not a forecast" in text
    monthly = pd.read_csv(out / "monthly.csv")
    assert list(monthly["month"]) == list(range(61))
    assert set(MONTHLY_VARS) <= set(monthly.columns)
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 1
    assert abs(summary["final_trilateral"][0] - monthly["trilateral"].iloc[-1]) < 1e-9
    steps = pd.read_csv(out / "steps.csv")
    assert steps["month"].is_monotonic_increasing
    assert int(summary["steps_ROK"][0]) == int(monthly["steps_ROK"].sum())
    prov = json.loads((out / "run.json").read_text())
    assert prov["seed"] == 1 and prov["scenario"] == "baseline_2022" and prov["scenario_hash"]
    assert not list(out.glob(".*tmp")), "no temporary files left behind"


def test_same_seed_same_output_different_seed_differs(tmp_path, capsys):
    for name, seed in (("a", "1"), ("b", "1"), ("c", "2")):
        assert main(["run", str(BASE), "--seed", seed, "--out", str(tmp_path / name)]) == 0
    capsys.readouterr()
    a, b, c = ((tmp_path / n / "monthly.csv").read_text() for n in "abc")
    assert a == b
    assert a != c


def test_run_parquet_and_months(tmp_path, capsys):
    out = tmp_path / "p"
    assert (
        main(["run", "status_quo", "--months", "12", "--format", "parquet", "--out", str(out)]) == 0
    )
    df = pd.read_parquet(out / "monthly.parquet")
    assert df["month"].max() == 12
    assert "Steps taken: none" in capsys.readouterr().out


def test_run_plot_writes_png(tmp_path, capsys):
    out = tmp_path / "plot"
    assert main(["run", str(BASE), "--months", "24", "--plot", "--out", str(out)]) == 0
    png = (out / "story.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_scenarios_lists_descriptions(capsys):
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert "baseline_2022" in out and "leader_crisis" in out and "August 2022" in out


def test_show_prints_resolved_parameters(capsys):
    assert main(["show", "us_pressure_high"]) == 0
    out = capsys.readouterr().out
    assert "us_coercion = [[0, 0.4], [6, 0.9]]" in out
    assert "rok_approval0 = 0.24" in out  # inherited from baseline_2022


def test_schema_is_json(capsys):
    assert main(["schema"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["properties"]["params"]["properties"]["us_coercion"]["maximum"] == 1.0


def test_every_command_has_help():
    from sim.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in sub.choices:
        r = subprocess.run(
            [sys.executable, "-m", "sim.cli", name, "--help"], capture_output=True, text=True
        )
        assert r.returncode == 0 and "usage: alignsim " + name in r.stdout, name


def test_help_is_fast_and_lazy():
    code = (
        "import sys, time; t = time.perf_counter(); from sim.cli import build_parser; build_parser();"
        "heavy = [m for m in ('numpy', 'pandas', 'mesa', 'matplotlib', 'solara', 'dask', 'pyarrow') if m in sys.modules];"
        "print(heavy)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "[]", f"alignsim --help imports heavy modules: {r.stdout}"
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sim.cli", "--help"], capture_output=True, check=True)
    assert time.perf_counter() - t < 5  # generous; the benchmark measures the real figure


def test_set_overrides_parameters_and_strategies(tmp_path, capsys):
    out = tmp_path / "set"
    args = ["run", str(BASE), "--months", "24", "--out", str(out)]
    assert main([*args, "--set", "us_coercion=0.95", "--set", "rok_strategy=status_quo"]) == 0
    capsys.readouterr()
    prov = json.loads((out / "run.json").read_text())
    assert prov["resolved_scenario"]["params"]["us_coercion"] == 0.95
    assert prov["resolved_scenario"]["strategies"]["ROK"] == "status_quo"
    monthly = pd.read_csv(out / "monthly.csv")
    assert (monthly["us_coercion"].iloc[1:] == 0.95).all()
    steps = pd.read_csv(out / "steps.csv")
    assert not (steps["actor"] == "ROK").any(), "a status-quo ROK takes no own step"


def test_set_rejects_bad_overrides(capsys):
    cases = {
        "us_coersion=0.9": "did you mean 'us_coercion'",
        "us_coercion=2": "out of range",
        "us_coercion": "KEY=VALUE",
        "rok_strategy=nice": "unknown strategy 'nice'",
        "collapse_threshold=0.9": "contradict",
        "rok_term_end_month=5.5": "whole number",
    }
    for item, needle in cases.items():
        assert main(["run", str(BASE), "--set", item]) == 2, item
        err = capsys.readouterr().err
        assert needle in err and "Traceback" not in err, (item, err)


def test_run_help_lists_parameters_from_the_declarations(capsys):
    from sim.cli import build_parser
    from sim.core.params import PARAM_FIELDS

    text = (
        next(a for a in build_parser()._actions if a.dest == "command").choices["run"].format_help()
    )
    for name in PARAM_FIELDS:
        assert f"  {name} = " in text, name
