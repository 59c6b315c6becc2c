"""Calibration: never reads the record after August 2023; seeded; writes a loadable scenario."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pytest

from sim.errors import UserError
from sim.scenario import load_scenario
from sim.validation import calibration as C
from sim.validation import history as H

FUTURE = (
    "date,date_precision,actor,event,value,source,note\n"
    "2023-09-15,day,joint,institutionalised_cooperation,1,invented for the test,\n"
    "2024-03-01,day,JPN,visa_free_entry_jpn,1,invented for the test,\n"
)
FUTURE_POLLS = (
    "date,date_precision,actor,variable,value,source,note\n"
    "2023-09-20,day,ROK,approval,0.90,invented for the test,\n"
    "2023-10-15,day,JPN,approval,0.05,invented for the test,\n"
)


@pytest.fixture
def record_with_future(tmp_path: Path) -> Path:
    d = tmp_path / "history"
    shutil.copytree(H.history_dir(), d)
    (d / "future_events.csv").write_text(FUTURE)
    (d / "future_polls.csv").write_text(FUTURE_POLLS)
    return d


def test_cutoff_after_august_2023_is_refused() -> None:
    with pytest.raises(UserError, match="August 2023"):
        C.check_cutoff("2023-09-01")
    with pytest.raises(UserError):
        C.check_cutoff("not-a-date")
    assert C.check_cutoff(None) == dt.date(2023, 8, 31)
    assert C.check_cutoff("2023-03-31") == dt.date(2023, 3, 31)


def test_calibration_record_drops_later_rows(record_with_future: Path) -> None:
    everything = H.load_history(record_with_future)
    assert max(everything["date"]) > H.CALIBRATION_CUTOFF
    seen = C.calibration_record(record_with_future)
    assert max(seen["date"]) <= H.CALIBRATION_CUTOFF
    assert "invented for the test" not in set(seen["source"])


def test_observed_statistics_refuse_later_rows(record_with_future: Path) -> None:
    with pytest.raises(ValueError, match="after"):
        C.observed_statistics(H.load_history(record_with_future))


def test_calibration_reads_no_data_after_august_2023(
    record_with_future: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sc = load_scenario("hindcast_2022_2023")
    cutoffs: list[object] = []
    real = H.load_history

    def spy(directory=None, cutoff=None):  # type: ignore[no-untyped-def]
        cutoffs.append(cutoff)
        return real(directory, cutoff)

    monkeypatch.setattr(H, "load_history", spy)
    with_future = C.calibrate(sc, particles=60, accept=0.1, seed=5, history_dir=record_with_future)
    clean = C.calibrate(sc, particles=60, accept=0.1, seed=5)
    assert cutoffs and all(c is not None and c <= H.CALIBRATION_CUTOFF for c in cutoffs)
    # the invented later facts change nothing: same targets, same fit
    assert with_future.observed == clean.observed
    assert with_future.settings["record_last_date"] <= "2023-08-31"
    assert with_future.point == clean.point
    np.testing.assert_array_equal(with_future.draws["distance"], clean.draws["distance"])


def test_prior_sample_is_seeded_and_in_range() -> None:
    a, b = C.prior_sample(50, seed=3), C.prior_sample(50, seed=3)
    for f in C.FREE:
        np.testing.assert_array_equal(a[f.name], b[f.name])
        assert a[f.name].min() >= f.lo and a[f.name].max() <= f.hi
        if f.integer:
            assert np.all(a[f.name] == np.round(a[f.name]))
    assert not np.array_equal(a["approval_drift"], C.prior_sample(50, seed=4)["approval_drift"])


def test_tiny_calibration_writes_a_loadable_scenario(tmp_path: Path) -> None:
    sc = load_scenario("hindcast_2022_2023")
    res = C.calibrate(sc, particles=40, accept=0.25, seed=2)
    assert int(res.draws["accepted"].sum()) == 10
    assert set(res.posterior["identifiability"]) <= {
        "identified", "weakly identified", "not identified",
    }  # fmt: skip
    hind = Path(__file__).resolve().parents[2] / "scenarios" / "hindcast_2022_2023.toml"
    path = tmp_path / "calibrated.toml"
    path.write_text(C.calibrated_toml(res, str(hind), "test"))
    cal = load_scenario(path)
    assert cal.name == "calibrated" and cal.months == sc.months
    for name, value in res.point.items():
        assert getattr(cal.params, name) == pytest.approx(value, rel=1e-3)
    md = C.calibration_markdown(res, "test", "0", None)
    assert "identif" in md and "2023-08-31" in md


def test_bad_budget_is_a_user_error() -> None:
    sc = load_scenario("hindcast_2022_2023")
    with pytest.raises(UserError):
        C.calibrate(sc, particles=5)
    with pytest.raises(UserError):
        C.calibrate(sc, particles=50, accept=0.0)
