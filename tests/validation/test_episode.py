"""The out-of-sample episode of 2015-2019: its record, its scenario, its scores, and the
time-split check; each score on a hand-made ensemble with a known answer."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from sim.core.steps import N_STEPS, STEP_INDEX
from sim.validation import calibration as C
from sim.validation import episode as E
from sim.validation import history as H

D = dt.date
GB, GSOMIA = STEP_INDEX["grand_bargain"], STEP_INDEX["gsomia_normalised"]
CURBS, WL_JPN = STEP_INDEX["export_curbs_lifted"], STEP_INDEX["whitelist_jpn"]


# --------------------------------------------------------------------------- the record


def test_episode_files_load_with_the_loaders_checks_and_every_row_has_a_source() -> None:
    rec = E.episode_record()
    files = set(rec["file"])
    assert files == {"episode_2015_events.csv", "episode_2015_polls.csv"}
    assert min(rec["date"]) >= D(2015, 12, 1) and max(rec["date"]) <= D(2019, 11, 30)
    # every row names where it comes from: an outlet and an address
    assert all("http" in s for s in rec["source"])
    for path in H.record_files(H.history_dir(), E.EPISODE):  # each file passes on its own
        assert H.read_history_file(path)


def test_the_2022_23_record_and_the_calibration_never_see_the_episode() -> None:
    record = H.load_history()
    assert not any(f.startswith(H.EPISODE_PREFIX) for f in record["file"])
    seen = C.calibration_record()
    assert min(seen["date"]) >= H.RECORD_START
    assert not any(D(2015, 1, 1) <= d <= D(2019, 12, 31) for d in seen["date"])
    assert set(seen["file"]) == set(record["file"])


def test_a_2016_row_not_named_as_an_episode_is_refused_by_the_calibration(tmp_path: Path) -> None:
    import shutil

    d = tmp_path / "history"
    shutil.copytree(H.history_dir(), d)
    (d / "stray.csv").write_text(
        "date,actor,event,value,source\n2016-11-23,ROK,gsomia_normalised,1,invented\n"
    )
    with pytest.raises(ValueError, match="before 2022"):
        C.calibration_record(d)
    with pytest.raises(ValueError, match="before 2022"):
        C.observed_statistics(H.load_history(d))
    # named as an episode, the same file is simply left out of the record
    (d / "stray.csv").rename(d / "episode_test_stray.csv")
    assert min(C.calibration_record(d)["date"]) >= H.RECORD_START
    assert len(H.load_history(d, episode="test")) == 1


def test_episode_targets_from_the_shipped_record() -> None:
    tgt = E.episode_targets(E.episode_record())
    assert (tgt.bargain, tgt.gsomia_taken, tgt.leader_change) == (0, 11, 17)
    assert (tgt.bargain_withdrawn, tgt.jpn_trade_withdrawn, tgt.gsomia_withdrawn) == (35, 43, 44)
    assert (tgt.mid_2019, tgt.end, tgt.first_reverser) == (42, 47, "ROK")
    scored = [p for p in tgt.polls if p.scored]
    inputs = [p for p in tgt.polls if not p.scored]
    assert {p.month for p in inputs} >= {0, 10, 11, 12}  # initial conditions and the scandal
    assert all(p.month >= 1 for p in scored)


def test_episode_targets_need_the_key_events() -> None:
    rec = E.episode_record()
    with pytest.raises(ValueError, match="grand_bargain_withdrawn"):
        E.episode_targets(rec[rec["name"] != "grand_bargain_withdrawn"])


# --------------------------------------------------------------------------- the scenario


def test_the_scenario_starts_in_december_2015_and_is_never_refitted() -> None:
    from sim.core.params import EVENT_KINDS
    from sim.scenario import load_scenario

    sc = load_scenario(E.SCENARIO)
    cal = load_scenario("calibrated")
    assert (sc.start, sc.months) == ("2015-12", 48)
    assert sc.strategy("ROK") == sc.strategy("JPN") == "grand_bargain"
    # the fitted parameters are the calibration's, untouched
    for name in C.INFORMED_BY:
        assert getattr(sc.params, name) == getattr(cal.params, name)
    # initial approvals from the record's December 2015 polls
    tgt = E.episode_targets(E.episode_record())
    start = {p.actor: p.value for p in tgt.polls if p.month == 0}
    assert (sc.params.rok_approval0, sc.params.jpn_approval0) == (start["ROK"], start["JPN"])
    # only exogenous inputs are scheduled: the scandal and the new president, no 2023 episode
    kinds = {(e.month, e.kind) for e in sc.events}
    assert kinds == {(10, "approval_shock"), (10, "baseline_shock"), (17, "leader_change")}
    assert all(e.kind in EVENT_KINDS for e in sc.events)


# --------------------------------------------------------------------------- the scores


def targets() -> E.EpisodeTargets:
    polls = (
        E.EpisodePoll("ROK", D(2015, 12, 17), 0, 0.43, "s", False),
        E.EpisodePoll("ROK", D(2016, 1, 7), 1, 0.40, "s", True),
        E.EpisodePoll("JPN", D(2016, 5, 8), 5, 0.45, "s", True),
        E.EpisodePoll("ROK", D(2016, 11, 3), 11, 0.05, "s", False),
    )
    return E.EpisodeTargets(
        start="2015-12", bargain=0, bargain_withdrawn=35, leader_change=17, gsomia_taken=11,
        gsomia_withdrawn=44, gsomia_suspended=47, jpn_trade_withdrawn=43,
        rok_whitelist_withdrawn=44, mid_2019=42, year_2019=37, end=47, first_reverser="ROK",
        polls=polls, facts=4,
    )  # fmt: skip


def ensemble() -> E.EpisodeEnsemble:
    """Four runs, months 0..47, with known answers:

    run 0: bargain (with GSOMIA) in month 1, withdrawn by the ROK in month 30; ties fall below the
      start from month 40 (April 2019) and are lowest then;
    run 1: bargain in month 1, never withdrawn; Japan withdraws its white list in month 44;
    run 2: bargain in month 5, withdrawn by Japan in month 40; GSOMIA taken in month 11,
      withdrawn by the ROK in month 44;
    run 3: nothing.
    """
    R, M = 4, 47
    in_force = np.zeros((R, M + 1), dtype=np.int64)
    withdrawn = np.zeros((R, M + 1, 2), dtype=np.int64)
    ftm = np.full((R, N_STEPS), -1)
    gb, gs, wl = 1 << GB, 1 << GSOMIA, 1 << WL_JPN
    in_force[0, 1:30] = gb | gs
    in_force[0, 30:] = gs
    withdrawn[0, 30, 0] = gb
    ftm[0, GB] = ftm[0, GSOMIA] = 1
    in_force[1, 1:44] = gb | wl
    in_force[1, 44:] = gb
    withdrawn[1, 44, 1] = wl
    ftm[1, GB] = ftm[1, WL_JPN] = 1
    in_force[2, 5:40] = gb
    in_force[2, 11:44] |= gs
    withdrawn[2, 40, 1] = gb
    withdrawn[2, 44, 0] = gs
    ftm[2, GB], ftm[2, GSOMIA] = 5, 11
    coop = np.full((R, M + 1), 0.3)
    coop[:, 0] = 0.2
    coop[0, 40:] = 0.1  # run 0: below the start from month 40, lowest from then on
    approval = {"ROK": np.tile(np.linspace(0.3, 0.5, R)[:, None], (1, M + 1)),
                "JPN": np.full((R, M + 1), 0.45)}  # fmt: skip
    return E.EpisodeEnsemble(
        months=M, in_force=in_force, withdrawn=withdrawn, first_taken_month=ftm,
        approval=approval, coop=coop, leader_rok=np.ones((R, M + 1)),
        hostile_rok=np.array([True, False, False, False]),
    )  # fmt: skip


def test_bargain_and_its_reversal() -> None:
    b = E.score_bargain(ensemble(), targets())
    assert (b["share_month_1"], b["share_by_month_3"], b["share_ever"]) == (0.5, 0.5, 0.75)
    assert b["share_before_leader_change"] == 0.75
    r = E.score_reversal(ensemble(), targets())
    assert r["share_by_dissolution"] == 0.25  # run 0 (month 30); run 2 only in month 40
    assert r["share_by_end"] == 0.5
    assert r["share_by_end_if_struck"] == pytest.approx(2 / 3)
    assert r["share_by_successor_by_end"] == 0.25  # the ROK, after month 17: run 0
    assert r["share_by_jpn_by_end"] == 0.25
    assert r["share_by_end_hostile_successor"] == 1.0
    assert r["share_by_end_other_successor"] == pytest.approx(1 / 3)
    assert r["median_month_when_withdrawn"] == 35.0


def test_cooperation_gsomia_trade_and_first_reverser() -> None:
    c = E.score_cooperation(ensemble(), targets())
    assert c["share_below_start_by_mid_2019"] == 0.25
    assert c["share_lowest_in_2019"] == 0.25  # run 0: lowest from month 40 (April 2019)
    g = E.score_gsomia(ensemble(), targets())
    assert g["share_taken_by_record_month"] == 0.5 and g["median_month_taken"] == 6.0
    assert g["share_withdrawn_by_end"] == 0.25 and g["share_withdrawn_in_2019"] == 0.25
    assert g["share_in_force_at_end"] == 0.25
    t = E.score_trade(ensemble(), targets())
    assert t["share_jpn_by_record_month_plus_1"] == 0.25 and t["share_jpn_by_end"] == 0.25
    assert t["share_rok_whitelist_by_end"] == 0.0
    f = E.score_first_reverser(ensemble(), targets())
    assert f["shares"] == {"ROK": 0.25, "JPN": 0.5, "both": 0.0, "none": 0.25}
    assert f["modal"] == "JPN"


def test_polls_and_verdicts() -> None:
    s = E.score_episode(ensemble(), targets())
    rows = s["approval"]["polls"]
    assert [r["scored"] for r in rows] == [False, True, True, False]
    rok = s["approval"]["summary"]["ROK"]
    assert rok["polls"] == 1 and rok["inside_90"] == 1  # 0.40 lies in the runs' 0.30-0.50
    assert s["approval"]["summary"]["JPN"]["mean_abs_error"] == pytest.approx(0.0)
    v = E.verdicts(s)
    assert set(v) == set(E.LABELS)
    assert v["bargain"][0] and not v["reversal_dissolution"][0] and v["reversal_end"][0]
    assert not v["first_reverser"][0] and v["approval_ROK"][0]


def test_run_episode_is_the_batch_engines_month() -> None:
    from sim.core.outputs import MONTHLY_VARS
    from sim.engines.batch import simulate
    from sim.scenario import load_scenario

    sc = load_scenario(E.SCENARIO)
    ens = E.run_episode(sc, seed=4, runs=12)
    direct = simulate(sc, 4, np.arange(12), keep_monthly=True)
    assert direct.monthly is not None
    np.testing.assert_array_equal(ens.meta["monthly"], direct.monthly)
    np.testing.assert_array_equal(ens.first_taken_month, direct.first_taken_month)
    col = MONTHLY_VARS.index("reversals_ROK")
    # the kept withdrawals are the month's reversals, and the steps in force agree with them
    counts = np.vectorize(lambda m: bin(int(m)).count("1"))(ens.withdrawn[:, :, 0])
    np.testing.assert_array_equal(counts, direct.monthly[:, :, col])
    struck = ens.first_taken_month[:, GB]
    for r in np.flatnonzero(struck >= 0):
        assert (ens.in_force[r, struck[r]] >> GB) & 1 == 1


# --------------------------------------------------------------------------- the time split


def test_time_split_fit_never_sees_rows_after_its_cutoff(monkeypatch: pytest.MonkeyPatch) -> None:
    from sim.scenario import load_scenario
    from sim.validation.timesplit import SPLIT_CUTOFF

    seen: list[object] = []
    real = H.load_history

    def spy(directory=None, cutoff=None, episode=None):  # type: ignore[no-untyped-def]
        table = real(directory, cutoff, episode)
        seen.append(max(table["date"]))
        return table

    monkeypatch.setattr(H, "load_history", spy)
    fit = C.calibrate(load_scenario("hindcast_2022_2023"), particles=40, accept=0.1, seed=2,
                      cutoff=SPLIT_CUTOFF)  # fmt: skip
    assert seen and all(d <= SPLIT_CUTOFF for d in seen)  # type: ignore[operator]
    assert fit.settings["record_last_date"] <= SPLIT_CUTOFF.isoformat()
    # the record is censored at month 6: "no institution by month 6", two visa steps by then
    assert fit.observed["inst_month"] == 7.0 and fit.observed["steps_by_inst"] == 2.0
    assert float(fit.draws["inst_month"].max()) <= 7.0


def test_cutoff_window() -> None:
    assert C.cutoff_window(D(2023, 2, 28)) == 6
    assert C.cutoff_window(D(2023, 3, 10)) == 6
    assert C.cutoff_window(D(2023, 8, 31)) == 12


def test_later_part_keeps_only_the_record_after_the_window() -> None:
    from sim.validation.timesplit import later_part

    scores = {
        "approval": {"polls": [
            {"month": 6, "error": 0.5, "inside_90": False},
            {"month": 7, "error": -0.02, "inside_90": True},
            {"month": 9, "error": 0.04, "inside_90": False},
        ]},
        "step_order": {"steps": [
            {"record_month": 3, "share_by_record_month": 1.0},
            {"record_month": 7, "share_by_record_month": 0.2},
            {"record_month": 12, "share_by_record_month": 0.4},
        ]},
        "institution": {"record_month": 12, "q05": 5.0, "q95": None, "horizon": 24},
    }  # fmt: skip
    x = later_part(scores, 6)
    assert (x["polls_scored"], x["polls_inside_90"]) == (2, 1)
    assert x["poll_mean_abs_error"] == pytest.approx(0.03)
    assert x["steps_mean_share_by_record_month"] == pytest.approx(0.3)
    assert x["institution_inside_90"]


# --------------------------------------------------------------------------- the document


def test_validate_writes_the_episode_and_time_split_sections(tmp_path: Path) -> None:
    from sim.validation.run import run_validation

    out, docs = tmp_path / "out", tmp_path / "docs"
    docs.mkdir()
    run_validation(runs=10, seed=1, out=out, docs=docs, theory=False, split_particles=60,
                   log=lambda _: None)  # fmt: skip
    md = (docs / "VALIDATION.md").read_text()
    assert "## Out of sample: the 2015 agreement and its unravelling" in md
    assert "## Time-split check inside 2022-23" in md
    for label in E.LABELS.values():
        assert f"| {label} |" in md
    episode = json.loads((out / "episode_scores.json").read_text())
    assert {s["runs"] for s in episode.values()} == {10}
    ts = json.loads((out / "timesplit.json").read_text())
    assert ts["cutoff"] == "2023-02-28" and ts["window"] == 6
    assert ts["split"]["settings"]["record_last_date"] <= "2023-02-28"
    assert all(p["month"] > 6 for p in ts["split"]["later"]["polls"])
