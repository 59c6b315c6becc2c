"""The worked example of docs/EXTENDING.md, end to end: a separate package adds a strategy and a
shock kind through entry points, is installed offline, and changes runs through the CLI as the
document says, identically in both engines.

The package (``examples/alignsim_extension_example``) is built from a copy with pip, offline
(``--no-index --no-build-isolation --no-deps``), into a folder put on ``PYTHONPATH`` of the CLI
subprocesses only: this test process never loads the plugins.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "alignsim_extension_example"
SCENARIO = EXAMPLE / "scenarios" / "steady_trade_war.toml"
MONTHS = 36
TRADE_WAR_MONTH, TRADE_WAR_MONTHS, TRADE_WAR_SIZE, PACE = 12, 6, 0.3, 6


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An environment whose Python finds alignsim and the installed example package."""
    tmp = tmp_path_factory.mktemp("extension")
    source = tmp / "source"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    target = tmp / "site"
    res = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-index", "--no-deps",
         "--no-build-isolation", "--quiet", "--target", str(target), str(source)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr
    assert list(target.glob("alignsim_extension_example-*.dist-info/entry_points.txt"))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(target)])
    env.pop("ALIGNSIM_NO_PLUGINS", None)
    return env


def cli(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    res = subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True,
                         text=True, env=env, cwd=cwd, timeout=900)  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    return res


def check_documented_effects(monthly: pd.DataFrame) -> None:
    """What docs/EXTENDING.md says the two additions do, checked on one run's monthly table."""
    month = monthly["month"].to_numpy()
    # trade_war: China's coercion is raised by 0.3 for six months from month 12, and only then
    war = (month >= TRADE_WAR_MONTH) & (month < TRADE_WAR_MONTH + TRADE_WAR_MONTHS)
    coercion = monthly["china_coercion"].to_numpy()
    base = coercion[~war]
    assert np.all(base == base[0])
    np.testing.assert_allclose(coercion[war], base[0] + TRADE_WAR_SIZE, rtol=0, atol=1e-12)
    # steady_pace: a leader's own steps only every sixth month in office (the ROK's first
    # leader is in office from month 0 to the end of these 36 months unless it falls)
    first = monthly["leader_ROK"].to_numpy() == 1
    steps = monthly["steps_ROK"].to_numpy()
    assert steps[first & (month % PACE != 0)].sum() == 0
    assert steps.sum() > 0  # it did move


def test_a_plugin_strategy_and_shock_kind_change_a_run_as_documented(
    plugin_env: dict[str, str], tmp_path: Path
) -> None:
    """`alignsim run` (the Mesa model on the compiled month) runs the example's scenario."""
    out = tmp_path / "run"
    cli(plugin_env, "run", str(SCENARIO), "--seed", "3", "--out", str(out), "--quiet", cwd=tmp_path)
    check_documented_effects(pd.read_csv(out / "monthly.csv"))
    # without the package, the scenario names a strategy and a kind that do not exist
    bare = {**plugin_env, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-m", "sim.cli", "run", str(SCENARIO), "--out",
                          str(tmp_path / "bare")], capture_output=True, text=True, env=bare,
                         cwd=tmp_path, timeout=300)  # fmt: skip
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "steady_pace" in res.stderr


def test_the_plugins_give_identical_stores_in_both_engines(
    plugin_env: dict[str, str], tmp_path: Path
) -> None:
    """`alignsim batch` with the array engine and with the Mesa model: the same runs, and the
    plugin strategy gives other results than a built-in one."""
    experiment = tmp_path / "steady.toml"
    experiment.write_text(
        'name = "steady"\n'
        f'base = "{SCENARIO.as_posix()}"\n'
        f"replications = 6\nmonths = {MONTHS}\nseed = 5\n\n"
        '[factors]\nstrategy = ["steady_pace", "small_steps"]\n\n'
        '[outputs]\nmonthly = ["china_coercion", "steps_ROK"]\n',
        encoding="utf-8",
    )
    runs = {}
    for engine in ("array", "mesa"):
        store = tmp_path / f"store-{engine}"
        cli(plugin_env, "batch", str(experiment), "--out", str(store), "--engine", engine,
            "--workers", "1", "--pin-parameters", "--quiet", "--no-summary", cwd=tmp_path)  # fmt: skip
        # the store records the plugin strategy's code and carries the kind's declaration
        manifest = (store / "manifest.json").read_text(encoding="utf-8")
        assert "steady_pace (alignsim_extension_example.strategies)" in manifest
        assert '"shock_kinds"' in manifest and '"trade_war"' in manifest
        parts = sorted((store / "runs").glob("*.parquet"))
        assert parts
        runs[engine] = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    pd.testing.assert_frame_equal(runs["array"], runs["mesa"])
    table = runs["array"].drop(columns=["point"])
    steady = table[table["strategy"] == "steady_pace"].drop(columns="strategy")
    small = table[table["strategy"] == "small_steps"].drop(columns="strategy")
    assert len(steady) == len(small) == 6
    assert not steady.reset_index(drop=True).equals(small.reset_index(drop=True))
    # at most one own step every six months: months 6, 12, ..., 36
    assert (steady["steps_ROK"] <= MONTHS // PACE).all() and steady["steps_ROK"].sum() > 0
