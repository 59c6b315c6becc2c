"""The batch, summary and replay commands end to end, and a light `alignsim --help`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.cli import main

EXP = """
name = "cli_small"
base = "baseline_2022"
replications = 6
months = 30
seed = 2
[factors]
strategy = ["small_steps", "status_quo"]
[uncertainty]
seeds_per_draw = 3
"""


@pytest.fixture
def exp(tmp_path: Path) -> Path:
    p = tmp_path / "cli_small.toml"
    p.write_text(EXP)
    return p


def test_batch_prints_headline_and_store_path_default_out(
    exp: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["batch", str(exp), "--workers", "1"]) == 0
    out = capsys.readouterr().out
    store = tmp_path / "results" / "cli_small"
    assert out.strip().splitlines()[-1] == f"store: {Path('results') / 'cli_small'}"
    assert "P(inst within 24) [95% CI]" in out and "small_steps" in out and "status_quo" in out
    assert "Horizon guard" in out and "Censored: 0 of the" in out
    st = sim.load(store)
    assert len(st.runs) == 12
    # summary repeats the same table; probabilities agree with the runs
    assert main(["summary", str(store), "--csv"]) == 0
    csv = capsys.readouterr().out.splitlines()
    header = csv[0].split(",")
    assert {"p_inst", "ci_lo", "n_censored", "p_durable"} <= set(header) and len(csv) == 3
    runs = st.runs
    for line in csv[1:]:
        cells = dict(zip(header, line.split(","), strict=True))
        sel = runs[runs.point == int(cells["point"])]
        k = ((sel.inst_month >= 1) & (sel.inst_month <= 24)).sum()
        assert float(cells["p_inst"]) == pytest.approx(k / 6)
        assert float(cells["ci_lo"]) <= k / 6 <= float(cells["ci_hi"])


def test_replay_checks_trajectory(
    exp: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "s"
    assert main(["batch", str(exp), "--out", str(store), "--workers", "1", "--quiet",
                 "--trajectories", "--no-summary"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["replay", str(store), "--run", "7"]) == 0
    out = capsys.readouterr().out
    assert "OK: the Mesa replay equals the stored outcome summary and full trajectory" in out
    assert len([ln for ln in out.splitlines() if ln[:5].strip().isdigit()]) == 31
    assert main(["replay", str(store), "--run", "12"]) == 2
    assert "no such run" in capsys.readouterr().err


def test_replay_detects_a_tampered_store(
    exp: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pyarrow.parquet as pq

    store = tmp_path / "s"
    assert main(["batch", str(exp), "--out", str(store), "--workers", "1", "--quiet",
                 "--no-summary"]) == 0  # fmt: skip
    part = store / "runs" / "part-00000.parquet"
    t = pq.read_table(part)
    col = t.column_names.index("final_trilateral")
    t = t.set_column(
        col, "final_trilateral", [[x + 1e-3 for x in t["final_trilateral"].to_pylist()]]
    )
    pq.write_table(t, part)
    capsys.readouterr()
    assert main(["replay", str(store), "--run", "0"]) == 1
    assert "MISMATCH" in capsys.readouterr().out


def test_summary_of_a_non_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "manifest.json is missing" in err and "Traceback" not in err


def test_batch_commands_do_not_import_heavy_modules() -> None:
    code = (
        "import sys, argparse, sim, sim.commands.batch as b, sim.commands.summary as s, "
        "sim.commands.replay as r; [m.add_arguments(argparse.ArgumentParser()) for m in (b, s, r)]; "
        "heavy = [m for m in ('numpy', 'pandas', 'pyarrow', 'dask', 'mesa', 'distributed') "
        "if m in sys.modules]; print(heavy)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "[]", res.stdout


def test_run_one_rejects_contradictory_parameters() -> None:
    import pytest

    import sim
    from sim.errors import UserError

    with pytest.raises(UserError, match="collapse_threshold < institution_threshold"):
        sim.run_one({"collapse_threshold": 0.9}, 1)
