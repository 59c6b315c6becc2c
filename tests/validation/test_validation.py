"""Each score on a hand-made ensemble with a known answer; the record's targets; the command."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from sim.core.steps import N_STEPS, STEP_INDEX
from sim.validation import history as H
from sim.validation import scores as V

D = dt.date


def targets() -> V.RecordTargets:
    steps = (
        V.RecordStep("visa_free_entry_jpn", D(2022, 10, 11), 2, "JPN"),
        V.RecordStep("visa_free_entry_rok", D(2022, 11, 1), 3, "ROK"),
        V.RecordStep("compensation_plan", D(2023, 3, 6), 7, "ROK"),
    )
    polls = (
        V.Poll("ROK", D(2022, 9, 22), 1, 0.28, 0.28, 0.28, "s"),
        V.Poll("JPN", D(2022, 10, 15), 2, 0.38, 0.38, 0.38, "s"),
    )
    return V.RecordTargets(
        start="2022-08",
        first_mover="JPN",
        first_step_month={"ROK": 3, "JPN": 2},
        steps=steps,
        inst_month=12,
        polls=polls,
        approval_band=(0.24, 0.37),
        rok_step_months=4,
        last_date=D(2023, 8, 18),
    )


def ensemble() -> V.Ensemble:
    runs, months = 4, 14
    ftm = np.full((runs, N_STEPS), -1)
    order = [
        STEP_INDEX[n] for n in ("visa_free_entry_jpn", "visa_free_entry_rok", "compensation_plan")
    ]
    ftm[:, order] = [[2, 3, 7], [7, 3, 2], [2, 2, 2], [1, -1, 5]]
    # runs 0 and 1 stay in the band; run 2 dips below it in month 1; run 3 stays above it
    appr_rok = np.full((runs, months + 1), 0.30)
    appr_rok[3, :] = 0.5
    appr_rok[:, 1] = [0.30, 0.28, 0.2, 0.4]
    steps_rok = np.zeros((runs, months + 1))
    steps_rok[0, [3, 7, 8, 12]] = 1
    steps_rok[1, [3]] = 1
    steps_rok[2, [3, 7, 8, 12]] = 1
    return V.Ensemble(
        months=months,
        first_mover=np.array([1, 1, 0, 2]),
        first_step_month={"ROK": np.array([3, 4, 1, 1]), "JPN": np.array([2, 2, 3, 1])},
        first_taken_month=ftm,
        inst_month=np.array([12, 6, -1, 18]),
        approval={"ROK": appr_rok, "JPN": np.full((runs, months + 1), 0.5)},
        steps={"ROK": steps_rok, "JPN": np.zeros((runs, months + 1))},
    )


def test_first_mover() -> None:
    s = V.score_first_mover(ensemble(), targets())
    assert s["share_japan_first"] == 0.5
    assert s["shares"] == {"none": 0.0, "ROK": 0.25, "JPN": 0.5, "both": 0.25}
    assert s["modal_side"] == "JPN" == s["record"]
    assert s["median_first_step_month_JPN"] == 2.0
    assert "share_draws_japan_first" not in s  # parameters pinned: no draws to count


def test_first_mover_by_parameter_draw() -> None:
    """Runs 0-1 share draw 0 (Japan first in both), runs 2-3 draw 1 (ROK, then both): Japan is
    the usual first mover in one of the two draws."""
    ens = ensemble()
    ens.meta["draw"] = np.array([0, 0, 1, 1])
    s = V.score_first_mover(ens, targets())
    assert s["draws"] == 2
    assert s["share_draws_japan_first"] == 0.5


def test_step_order() -> None:
    s = V.score_step_order(ensemble(), targets())
    assert s["pairs"] == 3
    # run 0 all pairs, run 1 none, run 2 all ties (half), run 3 two of three (never = after)
    assert s["mean_share_pairs_matched"] == pytest.approx((1 + 0 + 0.5 + 2 / 3) / 4)
    assert s["mean_share_pairs_strictly_matched"] == pytest.approx((1 + 0 + 0 + 2 / 3) / 4)
    assert s["share_runs_all_pairs_matched"] == 0.25
    assert s["share_tau_defined"] == 0.75  # run 2's months are all equal
    assert s["median_kendall_tau"] == pytest.approx(1 / 3)  # taus 1, -1 and 1/3
    rok = s["steps"][1]
    assert rok["share_taken"] == 0.75 and rok["share_by_record_month"] == 0.75


def test_step_order_ties_on_record_are_not_scored() -> None:
    tgt = targets()
    same_day = V.RecordStep("bilateral_summit", D(2023, 3, 6), 7, "joint")
    tgt2 = V.RecordTargets(**{**tgt.__dict__, "steps": (*tgt.steps, same_day)})
    s = V.score_step_order(ensemble(), tgt2)
    assert s["pairs"] == 3 + 2  # the new step pairs with the two earlier ones only


def test_institution() -> None:
    s = V.score_institution(ensemble(), targets())
    assert s["share_by_record_month"] == 0.5
    assert s["share_by_month_18"] == 0.75
    assert s["share_by_horizon"] == 0.75
    assert s["share_exact_record_month"] == 0.25
    assert s["median"] == 12.0 and s["q05"] == 6.0
    assert s["q95"] is None  # a quarter of runs never institutionalise
    assert s["median_error_months"] == 0.0


def test_approval() -> None:
    s = V.score_approval(ensemble(), targets())
    rok, jpn = s["polls"]
    assert rok["median"] == pytest.approx(0.28) and rok["error"] == pytest.approx(0.0)
    assert rok["inside_90"] and (rok["q05"], rok["q95"]) == (0.2, 0.4)
    assert jpn["error"] == pytest.approx(0.12) and not jpn["inside_90"]
    assert s["summary"]["JPN"]["mean_abs_error"] == pytest.approx(0.12)
    assert s["summary"]["ROK"]["inside_90"] == 1 and s["summary"]["JPN"]["inside_90"] == 0


def test_steps_in_band() -> None:
    s = V.score_steps_in_band(ensemble(), targets())
    assert s["window_months"] == 12
    assert s["share_runs_always_in_band"] == 0.5  # runs 0 and 1
    assert s["share_steps_continue_in_band"] == 0.5  # runs 0 and 2
    assert s["share_record_pattern"] == 0.25  # run 0 only
    assert s["share_runs_below_band"] == 0.25 and s["share_runs_above_band"] == 0.25


def test_record_targets_from_the_shipped_record() -> None:
    tgt = V.record_targets(H.load_history())
    assert tgt.first_mover == "JPN"
    assert tgt.first_step_month == {"ROK": 3, "JPN": 2}
    assert tgt.inst_month == 12
    assert tgt.approval_band == (0.24, 0.37)
    assert tgt.rok_step_months == 4  # Nov 2022, Mar, Apr and Aug 2023
    assert all(1 <= p.month <= 12 for p in tgt.polls)
    assert [s.name for s in tgt.steps][:2] == ["visa_free_entry_jpn", "visa_free_entry_rok"]


def test_score_all_on_real_runs_and_report() -> None:
    from sim.scenario import load_scenario
    from sim.validation.report import render_validation

    tgt = V.record_targets(H.load_history())
    ens = V.run_ensemble(load_scenario("hindcast_2022_2023"), seed=3, runs=20)
    s = V.score_all(ens, tgt)
    h = V.headline(s)
    assert 0 <= h["share_japan_first"] <= 1
    assert h["runs"] == 20
    ctx = {
        "command": "test", "version": "0", "seed": 3, "runs": 20, "n_facts": 1, "n_polls": 8,
        "n_steps": 12, "start": "2022-08", "hindcast_name": "h", "hindcast_hash": "x",
        "calibrated_hash": "", "figure": "f.png",
    }  # fmt: skip
    md = render_validation(s, None, ctx)
    assert "## Headline" in md and "reproduced" in md


def test_validate_command_writes_scores(tmp_path: Path) -> None:
    from sim.cli import main

    out = tmp_path / "v"
    assert main(["validate", "--runs", "12", "--seeds-per-draw", "3", "--out", str(out),
                 "--no-docs", "--no-theory", "--split-particles", "30"]) == 0  # fmt: skip
    scores = json.loads((out / "scores.json").read_text())
    assert scores["hindcast"]["runs"] == 12
    for f in ("scores.csv", "polls.csv", "steps.csv", "hindcast.png", "episode_scores.json",
              "episode_polls.csv", "timesplit.json"):  # fmt: skip
        assert (out / f).exists()
    # the hindcast drew its uncertain parameters from their priors, 4 draws x 3 seeds
    drawn = scores["hindcast"]["meta"]["uncertainty"]
    assert drawn["parameters"] == "prior" and drawn["seeds_per_draw"] == 3
    from sim.core.priors import prior_names

    assert drawn["drawn"] == list(prior_names())
    if "calibrated" in scores:  # from the calibration's sample when there is one
        assert scores["calibrated"]["meta"]["uncertainty"]["parameters"] in ("posterior", "prior")
    pinned = tmp_path / "p"
    assert main(["validate", "--runs", "12", "--out", str(pinned), "--no-docs", "--no-theory",
                 "--pin-parameters", "--no-calibrated", "--no-time-split"]) == 0  # fmt: skip
    meta = json.loads((pinned / "scores.json").read_text())["hindcast"]["meta"]
    assert "uncertainty" not in meta
    # pinned, the episode runs once, at the scenario's values; no time split was asked for
    episode = json.loads((pinned / "episode_scores.json").read_text())
    assert [s["meta"]["mode"] for s in episode.values()] == ["pinned"]
    assert not (pinned / "timesplit.json").exists()


def test_validation_ensembles_draw_what_a_batch_would(tmp_path: Path) -> None:
    import numpy as np

    from sim.engines.batch import simulate
    from sim.scenario import load_scenario
    from sim.validation.run import ensemble_uncertainty
    from sim.validation.scores import run_ensemble

    sc = load_scenario("hindcast_2022_2023")
    u = ensemble_uncertainty("prior", 7, 10, 5, sc)
    ens = run_ensemble(sc, 7, 10, uncertainty=u)
    direct = simulate(sc, 7, np.arange(10), keep_monthly=True, varying=u.values(np.arange(10)))
    np.testing.assert_array_equal(ens.inst_month, direct.summary["inst_month"])
    pinned = run_ensemble(sc, 7, 10)
    assert not np.array_equal(pinned.approval["ROK"], ens.approval["ROK"])
    from sim.errors import UserError

    with pytest.raises(UserError, match="multiple of the seeds per parameter draw"):
        ensemble_uncertainty("prior", 7, 12, 5, sc)


def test_validate_command_rejects_bad_runs(capsys: pytest.CaptureFixture[str]) -> None:
    from sim.cli import main

    assert main(["validate", "--runs", "0", "--no-docs"]) == 2
    assert "--runs" in capsys.readouterr().err


def test_poll_bands_say_how_much_is_parameters() -> None:
    """Approval that differs only between parameter draws: the bands are all parameters; the
    same spread within draws: all seeds."""
    ens = ensemble()
    ens.meta["draw"] = np.array([0, 0, 1, 1])
    by_draw = np.array([0.25, 0.25, 0.35, 0.35])
    ens.approval["ROK"] = np.repeat(by_draw[:, None], ens.months + 1, axis=1)
    s = V.score_approval(ens, targets())
    assert s["summary"]["ROK"]["mean_parametric_share"] == pytest.approx(1.0)
    ens.approval["ROK"] = np.repeat(np.array([0.25, 0.35, 0.25, 0.35])[:, None], ens.months + 1, 1)
    s = V.score_approval(ens, targets())
    assert s["summary"]["ROK"]["mean_parametric_share"] == pytest.approx(0.0)
    ens.meta.pop("draw")
    assert "mean_parametric_share" not in V.score_approval(ens, targets())["summary"]["ROK"]
