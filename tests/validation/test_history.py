"""The record's loader: the shipped files are valid, every row has a source, bad rows are named."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sim.core.steps import STEP_INDEX
from sim.errors import UserError
from sim.validation import history as H

HEADER = "date,date_precision,actor,variable,value,source,note\n"


def write(tmp_path: Path, text: str, name: str = "facts.csv") -> Path:
    (tmp_path / name).write_text(text)
    return tmp_path


def test_shipped_record_loads_and_every_row_has_a_source() -> None:
    rec = H.load_history()
    assert list(rec.columns) == list(H.COLUMNS)
    assert len(rec) > 20
    assert rec["source"].str.strip().str.len().min() > 0
    assert set(rec["actor"]) <= set(H.ACTORS)
    assert list(rec["date"]) == sorted(rec["date"])


def test_shipped_record_holds_the_facts_of_model_md() -> None:
    rec = H.load_history()
    rok = H.polls(rec, "ROK")
    assert dict(zip(rok["date"], rok["value"], strict=True))[dt.date(2022, 8, 4)] == 0.24
    assert len(H.polls(rec, "JPN")) == 4
    ev = H.events(rec)
    on_ladder = ev[ev["name"].isin(list(STEP_INDEX))]
    # every step of the ladder except the (never taken) grand bargain is on the record
    assert set(on_ladder["name"]) == set(STEP_INDEX) - {"grand_bargain"}
    camp_david = ev[ev["name"] == "institutionalised_cooperation"]
    assert list(camp_david["date"]) == [dt.date(2023, 8, 18)]


def test_cutoff_drops_later_rows(tmp_path: Path) -> None:
    d = write(
        tmp_path,
        HEADER + "2023-08-31,day,ROK,approval,0.3,src,\n2023-09-01,day,ROK,approval,0.4,src,\n",
    )
    assert len(H.load_history(d)) == 2
    kept = H.load_history(d, cutoff="2023-08-31")
    assert list(kept["value"]) == [0.3]
    assert len(H.load_history(d, cutoff=dt.date(2023, 8, 30))) == 0


@pytest.mark.parametrize(
    ("row", "key"),
    [
        ("2022-09-22,day,ROK,approval,0.28,,note", "source"),
        ("2022-09-22,day,ROK,approval,0.28,   ,note", "source"),
        ("22/09/2022,day,ROK,approval,0.28,src,", "date"),
        ("2022-09-22,day,KOR,approval,0.28,src,", "actor"),
        ("2022-09-22,day,ROK,approval,high,src,", "value"),
        ("2022-09-22,fortnight,ROK,approval,0.28,src,", "date_precision"),
        ("2022-09-22,day,ROK,,0.28,src,", "variable"),
    ],
)
def test_bad_row_names_file_line_and_column(tmp_path: Path, row: str, key: str) -> None:
    d = write(tmp_path, HEADER + "2022-08-04,day,ROK,approval,0.24,src,\n" + row + "\n")
    with pytest.raises(UserError) as e:
        H.load_history(d)
    assert e.value.file is not None and e.value.file.endswith("facts.csv")
    assert e.value.line == 3
    assert e.value.key == key


def test_missing_column_and_kind_columns(tmp_path: Path) -> None:
    d = write(tmp_path, "date,actor,variable,value\n2022-08-04,ROK,approval,0.24\n")
    with pytest.raises(UserError, match="source"):
        H.load_history(d)
    d2 = write(
        tmp_path, "date,actor,variable,event,value,source\n2022-08-04,ROK,a,b,1,s\n", "facts.csv"
    )
    with pytest.raises(UserError, match="exactly one"):
        H.load_history(d2)


def test_range_must_contain_value(tmp_path: Path) -> None:
    d = write(
        tmp_path,
        "date,actor,variable,value,low,high,source\n2023-02-28,ROK,approval,0.5,0.36,0.37,s\n",
    )
    with pytest.raises(UserError, match="range"):
        H.load_history(d)


def test_empty_or_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(UserError):
        H.load_history(tmp_path)
    with pytest.raises(UserError):
        H.load_history(tmp_path / "nope")


def test_model_month() -> None:
    assert H.model_month(dt.date(2022, 8, 4)) == 0
    assert H.model_month(dt.date(2022, 10, 11)) == 2
    assert H.model_month(dt.date(2023, 8, 18)) == 12
    assert H.model_month(dt.date(2022, 5, 12)) == -3
