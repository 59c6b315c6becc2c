"""Sensitivity analysis: SALib indices on a function with known answers, the outcomes per design
point, and the command end to end on a tiny Saltelli experiment (through the batch machinery)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.results import analysis as A


def test_sobol_finds_the_only_influential_factor() -> None:
    from SALib.sample import sobol as sample

    problem = A.salib_problem(["a", "b", "c"], [(0, 1)] * 3)
    x = sample.sample(problem, 256, calc_second_order=False, seed=3)
    y = 5 * x[:, 0] + 0.1 * x[:, 1]
    t = A.sobol_indices(problem, y, second_order=False, seed=4).set_index(["factor", "index"])
    assert t.loc[("a", "ST"), "value"] > 0.9
    assert t.loc[("c", "ST"), "value"] == pytest.approx(0.0, abs=1e-9)
    assert np.all(t["lo"] <= t["value"]) and np.all(t["value"] <= t["hi"])


def test_morris_ranks_factors() -> None:
    from SALib.sample import morris as sample

    problem = A.salib_problem(["a", "b"], [(0, 1)] * 2)
    x = sample.sample(problem, 10, num_levels=4, seed=3)
    y = 3 * x[:, 0] + 0.5 * x[:, 1]
    t = A.morris_indices(problem, x, y, num_levels=4, seed=4).set_index(["factor", "index"])
    assert t.loc[("a", "mu_star"), "value"] == pytest.approx(3.0)
    assert t.loc[("b", "mu_star"), "value"] == pytest.approx(0.5)


def test_point_outcomes_censor_never_at_the_horizon() -> None:
    runs = pd.DataFrame({"point": [0, 0, 1, 1], "inst_month": [5, -1, 30, 10],
                         "final_approval_ROK": [0.2, 0.4, 0.3, 0.5]})  # fmt: skip
    y = A.point_outcomes(runs, horizon=60).set_index("point")
    assert y.loc[0, "p_inst_by_24"] == 0.5 and y.loc[1, "p_inst_by_24"] == 0.5
    assert y.loc[0, "time_to_inst"] == pytest.approx((5 + 60) / 2)
    assert y.loc[1, "time_to_inst"] == pytest.approx(20)
    assert y.loc[1, "final_approval_ROK"] == pytest.approx(0.4)


def test_sensitivity_command(tmp_path, capsys) -> None:
    from sim.cli import main
    from sim.experiments.store import load

    exp = tmp_path / "tiny_sens.toml"
    exp.write_text(
        'name = "tiny_sens"\nbase = "baseline_2022"\nreplications = 2\nmonths = 24\nseed = 9\n'
        "[factors]\nus_coercion = { range = [0.0, 1.0] }\nrok_approval0 = { range = [0.15, 0.55] }\n"
        '[sampler]\nmethod = "saltelli"\nsamples = 8\nsecond_order = false\n'
        '[outputs]\nmonthly = []\n[uncertainty]\nparameters = "pinned"\n'
    )
    out = tmp_path / "sens"
    args = ["sensitivity", str(exp), "--out", str(out), "--workers", "1", "--quiet",
            "--morris-trajectories", "4"]  # fmt: skip
    assert main(args) == 0
    t = pd.read_csv(out / "sensitivity.csv")
    assert set(t["method"]) == {"sobol", "morris"}
    assert set(t["outcome"]) == set(A.SENSITIVITY_OUTCOMES)
    assert set(t["factor"]) == {"us_coercion", "rok_approval0"}
    assert (out / "sensitivity_sobol.png").is_file() and (out / "sensitivity_morris.png").is_file()
    # both designs ran as batch stores with provenance, and a second call resumes (no new runs)
    for sub, points in (("sobol", 8 * 4), ("morris", 4 * 3)):
        st = load(out / sub)
        assert len(st.design) == points and st.manifest["root_seed"] == 9
    parts = sorted((out / "sobol" / "runs").glob("part-*.parquet"))
    before = [p.stat().st_mtime_ns for p in parts]
    assert main(args) == 0
    assert [p.stat().st_mtime_ns for p in parts] == before  # no chunk ran again
    t2 = pd.read_csv(out / "sensitivity.csv")
    pd.testing.assert_frame_equal(t, t2)


def test_sensitivity_plot_bars_are_the_indices() -> None:
    from sim.results.plotting import plot_sensitivity

    t = pd.DataFrame({
        "outcome": ["o"] * 4, "factor": ["a", "a", "b", "b"], "index": ["S1", "ST"] * 2,
        "value": [0.5, 0.6, 0.1, 0.2], "lo": [0.4, 0.5, 0.0, 0.1], "hi": [0.6, 0.7, 0.2, 0.3],
    })  # fmt: skip
    fig = plot_sensitivity(t)
    ax = fig.axes[0]
    st = [p.get_height() for p in ax.patches if p.get_gid() == "sens:None:o:ST"]
    assert st == [0.6, 0.2]


def test_sensitivity_needs_a_saltelli_sample(tmp_path) -> None:
    from sim.cli import main

    exp = tmp_path / "grid.toml"
    exp.write_text('name = "grid"\nbase = "baseline_2022"\nreplications = 2\n'
                   '[factors]\nus_coercion = [0.1, 0.5]\n[uncertainty]\nparameters = "pinned"\n')  # fmt: skip
    assert main(["sensitivity", str(exp), "--out", str(tmp_path / "o")]) == 2
