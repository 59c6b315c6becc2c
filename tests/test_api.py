"""The function API (sim.run_many, sim.run_one) and the checks it shares with scenario files."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import sim
from sim.core.params import ParameterError, Scenario
from sim.engines.model import AlignmentModel, AlignmentScenario
from sim.errors import UserError

ROOT = Path(__file__).resolve().parents[1]


def table(n: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    return pd.DataFrame(
        {
            "us_coercion": rng.random(n),
            "concession_cost_scale": rng.uniform(0.1, 3.0, n),
            "institution_months": rng.integers(1, 6, n),
        }
    )


def test_each_row_of_run_many_is_the_run_of_run_one() -> None:
    runs = table()
    out = sim.run_many(runs, seed=9, months=30)
    assert list(out.columns[:3]) == list(runs.columns) and len(out) == len(runs)
    for i in (0, 5, 11):
        params = {k: runs.loc[i, k].item() for k in runs.columns} | {"months": 30}
        one = sim.run_one(params, 9, replication=i)
        assert all(one[k] == out.loc[i, k] for k in one), i
    assert out["replication"].tolist() == list(range(12)) and set(out["seed"]) == {9}


def test_threads_do_not_change_results() -> None:
    runs = table(3000)
    a = sim.run_many(runs, seed=1, months=24, threads=1)
    b = sim.run_many(runs, seed=1, months=24, threads=2)
    pd.testing.assert_frame_equal(a, b)


def test_pieces_on_threads_do_not_change_results(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many small pieces of several groups (seeds, horizons) on two threads: each run is the
    run of the whole table on one thread, in input order."""
    import sim.api as api

    runs = table(60).assign(seed=np.repeat([3, 4, 3], 20), months=np.tile([12, 18], 30))
    whole = sim.run_many(runs, threads=1)
    monkeypatch.setattr(api, "BATCH", 7)
    monkeypatch.setattr(api, "MIN_PIECE", 1)
    assert api._piece(20, 2) == 3
    pd.testing.assert_frame_equal(sim.run_many(runs, threads=2), whole)


def test_settings_columns_group_runs() -> None:
    runs = pd.DataFrame(
        {
            "strategy": ["grand_bargain", "status_quo", "grand_bargain"],
            "seed": [3, 3, 4],
            "replication": [0, 0, 0],
            "months": [12, 12, 24],
        }  # fmt: skip
    )
    out = sim.run_many(runs)
    for i in range(3):
        params = {"strategy": runs.strategy[i], "months": int(runs.months[i])}
        one = sim.run_one(params, int(runs.seed[i]), 0)
        assert all(one[k] == out.loc[i, k] for k in one)
    assert out.loc[1, "steps_ROK"] == 0  # status quo takes no step


@pytest.mark.parametrize(
    "value",
    [np.float32(0.5), np.float64(0.5), np.int64(1), np.array(0.5), np.array(1)],
    ids=["float32", "float64", "int64", "0-d float", "0-d int"],
)
def test_numpy_numbers_are_numbers(value: Any) -> None:
    out = sim.run_many([{"us_coercion": value}], months=6)
    assert out.loc[0, "us_coercion"] == value
    model = AlignmentModel(rng=np.int64(3), us_coercion=value, months=np.int64(6))
    assert model.run_params.us_coercion == float(value)
    one = sim.run_one({"us_coercion": value, "months": np.int64(6)}, np.int64(0), np.array(0))
    plain = sim.run_one({"us_coercion": float(value), "months": 6}, 0, 0)
    assert one == plain


@pytest.mark.parametrize(
    ("runs", "key", "expected"),
    [
        ({"us_coercion": [0.2, 5.0]}, "us_coercion (row 1)", "in [0.0, 1.0]"),
        ({"us_coercion": [math.nan]}, "us_coercion (row 0)", "a finite number"),
        ({"us_coercion": ["high"]}, "us_coercion (row 0)", "a number"),
        ({"us_coercion": [True]}, "us_coercion (row 0)", "a number"),
        ({"institution_months": [2.5]}, "institution_months (row 0)", "a whole number"),
        ({"us_coersion": [0.2]}, "us_coersion", "us_coercion"),
        ({"collapse_threshold": [0.1, 0.9]}, "collapse_threshold (row 1)", "collapse_threshold <"),
        ({"strategy": ["bold"]}, "strategy (row 0)", "small_steps"),
        ({"months": [0]}, "months (row 0)", "a whole number in [1,"),
        ({"seed": [-1]}, "seed (row 0)", "a whole number in [0,"),
    ],
)
def test_bad_runs_name_the_column_and_row(runs: dict[str, Any], key: str, expected: str) -> None:
    with pytest.raises(UserError) as err:
        sim.run_many(runs)
    text = str(err.value)
    assert key in text and expected in text and "run_many" in text


@pytest.mark.parametrize(
    "kwargs",
    [
        {"us_coercion": 5},
        {"us_coercion": math.nan},
        {"months": -3},
        {"months": 2.5},
        {"rok_strategy": "bold"},
        {"collapse_threshold": 0.9},
        {"no_such_parameter": 1.0},
        {"rng": -1},
        {"replication": -2},
    ],  # fmt: skip
)
def test_the_mesa_model_checks_its_parameters(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ParameterError) as err:
        AlignmentModel(**kwargs)
    key = next(iter(kwargs))
    assert key in str(err.value) and "expected" in str(err.value)


def test_the_mesa_model_takes_a_mesa_scenario() -> None:
    scenario = AlignmentScenario(rng=7, us_coercion=0.9, months=12, rok_strategy="grand_bargain")
    model = AlignmentModel(scenario=scenario)
    model.run()
    plain = AlignmentModel(Scenario(months=12).with_params(us_coercion=0.9), rng=7,
                           rok_strategy="grand_bargain")  # fmt: skip
    plain.run()
    assert model.summary() == plain.summary() and model.scenario is scenario
    with pytest.raises(ParameterError):
        AlignmentModel(scenario=AlignmentScenario(rng=1, us_coercion=2.0))


def _example(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_the_salib_example_runs_and_apportions_variance() -> None:
    result = _example("salib_sobol").main(n=64)
    assert list(result.index) == ["us_coercion", "china_coercion", "concession_cost_scale",
                                  "rok_approval0"]  # fmt: skip
    assert np.isfinite(result.to_numpy()).all()
    assert (result["ST"] > -0.2).all() and result["ST"].max() > 0.05


def test_the_ema_workbench_example_finds_a_prim_box() -> None:
    limits = _example("ema_workbench_prim").main(n=400)
    assert "us_coercion" in limits.index and {"min", "max"} <= set(limits.columns)
    assert (limits["min"] <= limits["max"]).all()
