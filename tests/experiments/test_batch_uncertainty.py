"""Parameter uncertainty in batches: the [uncertainty] table, draws shared across design points,
a factor beating a draw, pinned runs unchanged, the posterior sample, the store's record."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.core.priors import PRIORS, prior_names
from sim.engines.batch import simulate
from sim.errors import UserError
from sim.experiments.driver import run_experiment
from sim.experiments.experiment import Experiment
from sim.experiments.spec import load_experiment
from sim.experiments.store import scenario_from_dict
from sim.experiments.uncertainty import Uncertainty, resolve

BASE = """
name = "unc"
base = "baseline_2022"
replications = {reps}
months = 24
seed = 31
[factors]
us_coercion = [0.2, 0.7]
strategy = ["small_steps", "grand_bargain"]
"""


def write(tmp: Path, extra: str = "", reps: int = 6, name: str = "unc.toml") -> Path:
    p = tmp / name
    p.write_text(BASE.format(reps=reps) + extra)
    return p


def theta(runs: pd.DataFrame) -> dict[str, np.ndarray]:
    return {c[len("theta_") :]: runs[c].to_numpy() for c in runs.columns if c.startswith("theta_")}


# ------------------------------------------------------------------------------ the file table
def test_by_default_every_prior_is_drawn_five_seeds_a_draw(tmp_path: Path) -> None:
    exp = load_experiment(write(tmp_path, reps=10))
    u = exp.uncertainty
    assert (u.parameters, u.seeds_per_draw, u.seed, u.pin) == ("prior", 5, 31, ())
    assert u.names == prior_names(PRIORS) and u.drawn and u.draws(10) == 2


def test_factors_and_pins_are_not_drawn(tmp_path: Path) -> None:
    text = '[uncertainty]\nseeds_per_draw = 3\npin = ["china_leverage"]\nseed = 4\n'
    exp = load_experiment(write(tmp_path, text, reps=6))
    assert "china_leverage" not in exp.uncertainty.names and exp.uncertainty.seed == 4
    p = tmp_path / "f.toml"
    p.write_text(BASE.format(reps=10).replace("[factors]", "[factors]\nlock_in = [0.4, 1.2]"))
    assert "lock_in" not in load_experiment(p).uncertainty.names


def test_pinned_experiments_hash_as_before_and_other_settings_hash_differently(
    tmp_path: Path,
) -> None:
    pinned = load_experiment(write(tmp_path, '[uncertainty]\nparameters = "pinned"\n'))
    plain = Experiment(**{**pinned.__dict__, "uncertainty": Uncertainty()})
    assert pinned.design_hash() == plain.design_hash()  # stores made before draws still resume
    hashes = {
        pinned.design_hash(),
        load_experiment(write(tmp_path, "", reps=10)).design_hash(),
        load_experiment(write(tmp_path, "[uncertainty]\nseeds_per_draw = 2\n")).design_hash(),
        load_experiment(write(tmp_path, '[uncertainty]\npin = ["lock_in"]\n', 10)).design_hash(),
        load_experiment(write(tmp_path, "[uncertainty]\nseed = 9\n", 10)).design_hash(),
    }
    assert len(hashes) == 5


# ------------------------------------------------------------------------------- the batches
@pytest.fixture(scope="module")
def drawn_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("unc")
    return run_experiment(write(tmp, "[uncertainty]\nseeds_per_draw = 3\n"), tmp / "s",
                          workers=1, quiet=True)  # fmt: skip


def test_runs_record_their_draw_and_its_values(drawn_store: Path) -> None:
    st = sim.load(drawn_store)
    runs = st.runs
    assert list(runs.columns[:4]) == ["point", "replication", "seed", "draw"]
    np.testing.assert_array_equal(runs["draw"], runs["replication"] // 3)
    drawn = theta(runs)
    assert sorted(drawn) == sorted(prior_names(PRIORS))
    for p in PRIORS:
        assert runs[f"theta_{p.name}"].between(p.lo, p.hi).all()
    # the draw is shared by the replications of a draw and across design points
    for name, values in drawn.items():
        per_draw = pd.Series(values).groupby(runs["draw"].to_numpy()).nunique()
        assert (per_draw == 1).all(), name
    m = st.manifest["uncertainty"]
    assert m["parameters"] == "prior" and m["seeds_per_draw"] == 3 and m["seed"] == 31
    assert m["drawn"] == list(prior_names(PRIORS))


def test_each_run_is_the_engine_with_its_drawn_values(drawn_store: Path) -> None:
    st = sim.load(drawn_store)
    pt = 2
    sc = scenario_from_dict(st.manifest["points"][pt]["scenario"])
    mine = st.runs[st.runs["point"] == pt]
    direct = simulate(sc, 31, mine["replication"].to_numpy(), varying=theta(mine))
    for k, v in direct.summary.items():
        np.testing.assert_array_equal(mine[k].to_numpy(), v)
    # and the draws change the runs: the same runs with the scenario's values differ
    fixed = simulate(sc, 31, mine["replication"].to_numpy())
    assert not np.array_equal(fixed.summary["final_trilateral"], mine["final_trilateral"])


def test_a_factor_wins_over_a_draw(tmp_path: Path) -> None:
    p = tmp_path / "f.toml"
    p.write_text(BASE.format(reps=4).replace("[factors]", "[factors]\nlock_in = [0.3, 1.4]")
                 + "[uncertainty]\nseeds_per_draw = 2\n")  # fmt: skip
    st = sim.load(run_experiment(p, tmp_path / "f", workers=1, quiet=True))
    assert "theta_lock_in" not in st.runs.columns and "theta_china_leverage" in st.runs.columns
    for pt in (0, 7):
        sc = scenario_from_dict(st.manifest["points"][pt]["scenario"])
        mine = st.runs[st.runs["point"] == pt]
        assert sc.params.lock_in == mine["lock_in"].iloc[0]
        drawn = theta(mine)
        res = simulate(sc, 31, mine["replication"].to_numpy(), varying=drawn)
        np.testing.assert_array_equal(res.summary["final_trilateral"], mine["final_trilateral"])


def test_pinned_gives_exactly_the_runs_without_draws(tmp_path: Path) -> None:
    pinned = run_experiment(write(tmp_path, '[uncertainty]\nparameters = "pinned"\n'),
                            tmp_path / "p", workers=1, quiet=True)  # fmt: skip
    st = sim.load(pinned)
    assert "draw" not in st.runs.columns and not theta(st.runs)
    assert st.manifest["uncertainty"]["parameters"] == "pinned"
    for pt in range(4):
        sc = scenario_from_dict(st.manifest["points"][pt]["scenario"])
        mine = st.runs[st.runs["point"] == pt]
        res = simulate(sc, 31, np.arange(6))
        for k, v in res.summary.items():
            np.testing.assert_array_equal(mine[k].to_numpy(), v)
    # --pin-parameters on a file that draws gives the same bytes as a file that pins
    cli = tmp_path / "cli"
    drawing = write(tmp_path, "", reps=10, name="drawing.toml")
    assert main(["batch", str(drawing), "--out", str(cli), "--workers", "1", "--quiet",
                 "--no-summary", "--pin-parameters", "--replications", "6"]) == 0  # fmt: skip
    assert (cli / "runs" / "part-00000.parquet").read_bytes() == (
        pinned / "runs" / "part-00000.parquet").read_bytes()  # fmt: skip
    assert (cli / "monthly.parquet").read_bytes() == (pinned / "monthly.parquet").read_bytes()


def test_a_store_made_with_other_settings_is_not_resumed(tmp_path: Path) -> None:
    out = run_experiment(write(tmp_path, "[uncertainty]\nseeds_per_draw = 3\n"), tmp_path / "s",
                         workers=1, quiet=True)  # fmt: skip
    with pytest.raises(UserError, match="another experiment"):
        run_experiment(write(tmp_path, "[uncertainty]\nseeds_per_draw = 2\n", name="o.toml"),
                       out, workers=1, quiet=True)  # fmt: skip
    with pytest.raises(UserError, match="another experiment"):
        run_experiment(write(tmp_path, "[uncertainty]\nseeds_per_draw = 3\n", name="q.toml"),
                       out, workers=1, quiet=True, pin_parameters=True)  # fmt: skip


def test_extending_keeps_the_draws_and_must_keep_whole_draws(tmp_path: Path) -> None:
    exp = write(tmp_path, "[uncertainty]\nseeds_per_draw = 3\n")
    out = run_experiment(exp, tmp_path / "e", workers=1, quiet=True)
    with pytest.raises(UserError, match="not a multiple of uncertainty.seeds_per_draw"):
        run_experiment(exp, out, workers=1, quiet=True, replications=10)
    run_experiment(exp, out, workers=1, quiet=True, replications=12, chunk_size=5)
    direct = run_experiment(write(tmp_path, "[uncertainty]\nseeds_per_draw = 3\n", reps=12,
                                  name="d.toml"), tmp_path / "d", workers=1, quiet=True)  # fmt: skip
    pd.testing.assert_frame_equal(sim.load(out).runs, sim.load(direct).runs, check_exact=True)


def test_replications_override_not_a_multiple_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exp = write(tmp_path, reps=10)
    rc = main(["batch", str(exp), "--out", str(tmp_path / "x"), "--replications", "7",
               "--quiet", "--workers", "1"])  # fmt: skip
    err = capsys.readouterr().err
    assert rc == 2 and "key '--replications'" in err and "a multiple of 5" in err
    assert "--pin-parameters" in err and str(exp) in err


def test_the_mesa_engine_draws_the_same_parameters(tmp_path: Path) -> None:
    exp = write(tmp_path, "[uncertainty]\nseeds_per_draw = 1\n", reps=2)
    a = run_experiment(exp, tmp_path / "a", workers=1, quiet=True, trajectories=True)
    m = run_experiment(exp, tmp_path / "m", workers=1, quiet=True, trajectories=True,
                       engine="mesa")  # fmt: skip
    sa, sm = sim.load(a), sim.load(m)
    pd.testing.assert_frame_equal(sa.runs, sm.runs, check_exact=True)
    pd.testing.assert_frame_equal(sa.trajectories, sm.trajectories, check_exact=True)


# ----------------------------------------------------------------------------- the posterior
def test_posterior_mode_takes_whole_rows_of_the_accepted_sample(tmp_path: Path) -> None:
    sample = tmp_path / "posterior.csv"
    rows = [(0.25, 0.05, 1.1, 1.0), (0.45, 0.3, 2.9, 2.0), (0.35, 0.2, 0.5, 3.0)]
    sample.write_text("rok_approval_baseline,approval_drift,concession_cost_scale,distance\n"
                      + "".join(",".join(map(str, r)) + "\n" for r in rows))  # fmt: skip
    u = resolve("posterior", 2, ("approval_drift",), 5, ("us_coercion",), sample=sample)
    assert u.parameters == "posterior" and "approval_drift" not in u.names
    values = u.values(np.arange(200))
    pairs = set(zip(values["rok_approval_baseline"], values["concession_cost_scale"], strict=True))
    assert pairs == {(r[0], r[2]) for r in rows}  # one row per draw: correlations kept
    lock_in = next(p for p in PRIORS if p.name == "lock_in")
    assert values["lock_in"].min() >= lock_in.lo and len(set(values["lock_in"])) == 100
    assert u.record()["posterior_file"]["rows"] == 3 and u.hash_record() is not None
    with pytest.raises(UserError, match="no accepted posterior sample"):
        resolve("posterior", 2, (), 5, (), sample=tmp_path / "missing.csv")
    sample.write_text("rok_approval_baseline\n0.9\n")
    with pytest.raises(UserError, match="outside the prior"):
        resolve("posterior", 2, (), 5, (), sample=sample)


def test_an_experiment_can_draw_from_the_shipped_posterior(tmp_path: Path) -> None:
    from sim.experiments.uncertainty import POSTERIOR_SAMPLE

    if not POSTERIOR_SAMPLE.is_file():
        pytest.skip("no calibration sample yet (alignsim calibrate writes it)")
    exp = load_experiment(write(tmp_path, '[uncertainty]\nparameters = "posterior"\n', 10))
    m = exp.uncertainty.record()
    assert m["posterior_file"]["rows"] >= 10
    assert "motivation_threshold" in m["posterior_file"]["columns"]


def test_manifest_json_is_plain_json(drawn_store: Path) -> None:
    m = json.loads((drawn_store / "manifest.json").read_text())
    assert m["uncertainty"]["priors"][0]["name"] == PRIORS[0].name


def test_pin_parameters_lets_any_replication_count_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exp = write(tmp_path, reps=7)  # not a multiple of the default 5 seeds per draw
    out = tmp_path / "o"
    assert main(["batch", str(exp), "--out", str(out), "--quiet", "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert f"{exp}: key 'replications'" in err and "found:    7" in err
    assert not (out / "manifest.json").exists()
    assert main(["batch", str(exp), "--out", str(out), "--quiet", "--workers", "1",
                 "--no-summary", "--pin-parameters"]) == 0  # fmt: skip
    assert len(sim.load(out).runs) == 4 * 7
