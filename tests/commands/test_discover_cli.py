"""`alignsim discover` end to end on a small sampled store made by the batch machinery: PRIM boxes
with their peeling trajectory, CART leaves, feature scores, the files, and errors that exit 2
with a message instead of a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main

pytest.importorskip("ema_workbench")

ROOT = Path(__file__).resolve().parents[2]
EXP = (
    'name = "tiny_lhs"\nbase = "baseline_2022"\nreplications = 6\nmonths = 36\nseed = 5\n'
    '[factors]\nstrategy = ["small_steps", "status_quo"]\n'
    "us_coercion = { range = [0.0, 1.0] }\nchina_coercion = { range = [0.0, 1.0] }\n"
    '[sampler]\nmethod = "latin"\nsamples = 12\n[uncertainty]\nseeds_per_draw = 2\n'
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sim.experiments.driver import run_experiment

    tmp = tmp_path_factory.mktemp("discover")
    exp = tmp / "tiny_lhs.toml"
    exp.write_text(EXP)
    return Path(run_experiment(exp, tmp / "store", workers=1, quiet=True))


def test_discover_writes_prim_boxes_with_the_peeling_trajectory(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sim
    from sim.results.windows import resolve_windows, windowed_outcomes

    out = tmp_path / "disc"
    assert main(["discover", str(store), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    runs = sim.load(store).runs
    durable = windowed_outcomes(runs, resolve_windows(None, None, 36))["durable_in_followup"]
    k = int(durable.sum())
    assert f"{len(runs)} runs; of interest where durable_in_followup is true: {k} " in printed
    assert "PRIM (EMA Workbench" in printed and "chose box" in printed and "CART" in printed
    for name in ("prim_trajectory.png", "prim_trajectory.csv", "prim_limits.csv",
                 "feature_scores.csv", "feature_scores.png", "cart_boxes.png",
                 "cart_boxes.json", "discovery.json", "summary.md"):  # fmt: skip
        assert (out / name).is_file(), name
    assert (out / "prim_trajectory.png").stat().st_size > 10_000
    traj = pd.read_csv(out / "prim_trajectory.csv")
    assert {"coverage", "density", "mass", "res_dim", "phase", "chosen"} <= set(traj.columns)
    assert traj.iloc[0]["coverage"] == 1.0
    assert traj.iloc[0]["density"] == pytest.approx(k / len(runs))
    peel = traj[traj["phase"].isin(["start", "peel"])]
    assert (np.diff(peel["coverage"]) <= 1e-12).all()
    report = json.loads((out / "discovery.json").read_text())
    assert report["cases"] == len(runs) and report["cases_of_interest"] == k
    assert len(report["drawn_parameters"]) > 10 and "strategy" in report["factors"]
    (box,) = report["prim"]["boxes"]
    row = traj[traj["chosen"]].iloc[0]
    assert box["chosen_id"] == row["id"] and box["coverage"] == pytest.approx(row["coverage"])
    assert box["density"] == pytest.approx(row["density"]) and "half-gain" in box["rule"]
    limits = pd.read_csv(out / "prim_limits.csv")
    assert len(limits) == box["res_dim"] == row["res_dim"]
    assert {"qp_lower", "qp_upper", "significant"} <= set(limits.columns)
    md = (out / "summary.md").read_text()
    assert "## PRIM" in md and "qp lower" in md and "![prim_trajectory.png]" in md
    scores = pd.read_csv(out / "feature_scores.csv", index_col=0)
    assert scores.columns[0] == "durable_in_followup" and len(scores) == len(
        report["factors"]
    ) + len(report["drawn_parameters"])


def test_discover_options_change_what_is_discovered(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sim

    out = tmp_path / "a"
    assert main(["discover", str(store), "--out", str(out), "--no-theta", "--scores", "none",
                 "--outcome", "final_trilateral", "--threshold", "0.5",
                 "--min-density", "0.6"]) == 0  # fmt: skip
    report = json.loads((out / "discovery.json").read_text())
    assert report["drawn_parameters"] == [] and report["definition"] == "final_trilateral >= 0.5"
    assert "density >= 0.6" in report["prim"]["boxes"][0]["rule"]
    scores = pd.read_csv(out / "feature_scores.csv", index_col=0)
    assert list(scores.columns) == ["final_trilateral >= 0.5"]
    assert set(scores.index) == {"strategy", "us_coercion", "china_coercion"}
    out = tmp_path / "b"
    assert main(["discover", str(store), "--out", str(out), "--unit", "point",
                 "--outcome", "institutionalised", "--share", "0.3",
                 "--exclude", "china_coercion"]) == 0  # fmt: skip
    report = json.loads((out / "discovery.json").read_text())
    assert report["unit"] == "point" and report["cases"] == 24
    assert report["factors"] == ["strategy", "us_coercion"]
    assert report["definition"] == "institutionalised is true in at least 0.3 of the point's runs"
    runs = sim.load(store).runs
    shares = runs.groupby("point")["institutionalised"].mean()
    assert report["cases_of_interest"] == int((shares >= 0.3).sum())
    capsys.readouterr()


@pytest.mark.parametrize(
    ("argv", "flag", "words"),
    [
        (["--outcome", "durabel"], "--outcome", "did you mean 'durable'"),
        (["--exclude", "us_coersion"], "--exclude", "unknown input"),
        (["--scores", "nosuch"], "--scores", "unknown outcome to score"),
        (["--outcome", "final_trilateral"], "--threshold", "continuous"),
        (["--threshold", "0.5"], "--threshold", "already true/false"),
        (["--outcome", "final_trilateral", "--threshold", "2"], "--outcome", "no case is of"),
        (["--outcome", "final_trilateral", "--threshold", "-1"], "--outcome", "every case is of"),
        (["--min-density", "1.5"], "--min-density", "expected: a number in (0, 1]"),
        (["--boxes", "9"], "--boxes", "1..5"),
        (["--select", "9999"], "--select", "no such box"),
        (["--window", "40"], "--window", "longer than the horizon"),
        (["--below"], "--below", "needs --threshold"),
        (["--knee", "--select", "2"], "--select", "different ways to choose the box"),
    ],
)
def test_bad_flags_exit_2_naming_the_flag(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], flag: str,
    words: str,
) -> None:  # fmt: skip
    assert main(["discover", str(store), "--out", str(tmp_path / "x"), *argv]) == 2
    err = capsys.readouterr().err
    assert f"key '{flag}'" in err and words in err and "Traceback" not in err


def test_missing_ema_workbench_exits_2_with_the_install_hint(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setitem(sys.modules, "ema_workbench", None)  # importing it raises ImportError
    assert main(["discover", str(store), "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "needs the EMA Workbench" in err and "pip install -e '.[ema]'" in err
    assert not (tmp_path / "x").exists()


def test_the_command_prints_no_warnings_or_log_lines(store: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "default"}
    done = subprocess.run([sys.executable, "-m", "sim.cli", "discover", str(store),
                           "--out", str(tmp_path / "q")], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "PRIM (EMA Workbench" in done.stdout
