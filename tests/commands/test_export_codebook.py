"""The codebook inside every store and `alignsim export`: nulls for "never", labelled codes,
Stata variable and value labels, each format read back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.core.month import NEVER
from sim.results.codebook import FIRST_BY_LABELS, FIRST_MOVER_LABELS, STATA_NAME_MAX

EXP = """
name = "export_small"
base = "baseline_2022"
replications = 6
months = 18
seed = 4
[factors]
strategy = ["small_steps", "status_quo"]
us_coercion = [0.2, 0.8]
[uncertainty]
seeds_per_draw = 3
"""
CODED = ("inst_month", "collapse_month", "first_step_month_ROK", "first_mover")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("export")
    (d / "e.toml").write_text(EXP)
    assert main(["batch", str(d / "e.toml"), "--out", str(d / "s"), "--workers", "1",
                 "--quiet"]) == 0  # fmt: skip
    return d / "s"


def test_every_store_carries_its_codebook(store: Path) -> None:
    st = sim.load(store)
    cb = json.loads((store / "codebook.json").read_text())
    described = {e["name"]: e for e in cb["runs"]}
    assert set(st.runs.columns) <= set(described), set(st.runs.columns) - set(described)
    for e in described.values():
        assert e["meaning"] and e["type"] and e["missing_in_export"] in ("null", "never missing")
    assert described["inst_month"]["missing_in_store"].startswith(str(NEVER))
    assert described["inst_month"]["missing_in_export"] == "null"
    assert described["first_mover"]["type"] == "category"
    assert described["first_mover"]["categories"] == {str(k): v for k, v in
                                                      FIRST_MOVER_LABELS.items()}  # fmt: skip
    assert described["strategy"]["type"] == "text"
    md = (store / "CODEBOOK.md").read_text()
    assert "`first_mover`" in md and "`theta_" in md and "| `inst_month` |" in md
    # --force removes the codebook with the rest of the store's own files
    from sim.experiments.store import STORE_ENTRIES

    assert {"codebook.json", "CODEBOOK.md"} <= set(STORE_ENTRIES)


def _never_is_null(exported: pd.DataFrame, runs: pd.DataFrame, col: str) -> None:
    raw = runs[col].to_numpy()
    got = exported[col]
    assert got.isna().to_numpy().tolist() == (raw == NEVER).tolist(), col
    if col in ("first_mover",):
        return
    kept = got[~got.isna()].astype(float).to_numpy()
    np.testing.assert_array_equal(kept, raw[raw != NEVER].astype(float))


@pytest.mark.parametrize("fmt", ["csv", "parquet", "stata"])
def test_export_round_trips_with_nulls_and_labels(
    store: Path, tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = sim.load(store).runs
    assert (runs["collapse_month"] == NEVER).any() and (runs["first_mover"] != NEVER).any()
    suffix = {"csv": ".csv", "parquet": ".parquet", "stata": ".dta"}[fmt]
    out = tmp_path / f"runs{suffix}"
    assert main(["export", str(store), "--out", str(out), "--table-format", fmt]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    if fmt == "csv":
        df = pd.read_csv(out)
    elif fmt == "parquet":
        df = pd.read_parquet(out)
    else:
        df = pd.read_stata(out)
    assert len(df) == len(runs)
    for col in CODED:
        _never_is_null(df, runs, col)
        assert not (df[col].astype(str) == str(NEVER)).any()
    # a mean of the exported months is not pulled down by "never"
    raw = runs["first_step_month_ROK"]
    want = raw[raw >= 0].mean()
    assert df["first_step_month_ROK"].astype(float).mean() == pytest.approx(want)
    # first_mover and first_by_<step> are labelled categories
    labels = set(FIRST_MOVER_LABELS.values())
    fm = df["first_mover"].dropna().astype(str)
    assert set(fm) <= labels and len(fm) > 0
    expected = runs["first_mover"][runs["first_mover"] != NEVER].map(FIRST_MOVER_LABELS)
    assert fm.tolist() == expected.tolist()
    by = [c for c in df.columns if c.startswith("first_by_")]
    assert by and all(set(df[c].dropna().astype(str)) <= set(FIRST_BY_LABELS.values()) for c in by)


def test_stata_has_variable_and_value_labels_and_valid_names(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "runs.dta"
    assert main(["export", str(store), "--out", str(out)]) == 0  # format from the suffix
    runs = sim.load(store).runs
    with pd.io.stata.StataReader(out) as r:
        var_labels = r.variable_labels()
        value_labels = r.value_labels()
        data = r.read(convert_categoricals=False)
    assert all(len(c) <= STATA_NAME_MAX for c in data.columns)
    assert len(set(data.columns)) == len(data.columns) == len(runs.columns)
    long = [c for c in runs.columns if len(c) > STATA_NAME_MAX]
    assert long, "the runs table has names too long for Stata"
    for c in long:  # cut, with the full name in the variable label
        assert any(v.startswith(c + ":") for v in var_labels.values()), c
    assert var_labels["inst_month"] == "Month institutionalised"
    assert {int(k): v for k, v in value_labels["first_mover"].items()} == FIRST_MOVER_LABELS
    assert {int(k): v for k, v in value_labels["durable"].items()} == {0: "false", 1: "true"}
    # codes kept as numbers, with "never" as Stata's missing
    fm = data["first_mover"]
    raw = runs["first_mover"].to_numpy()
    assert fm.isna().tolist() == (raw == NEVER).tolist()
    np.testing.assert_array_equal(fm.dropna().to_numpy(), raw[raw != NEVER])
    assert data["durable"].mean() == pytest.approx(runs["durable"].mean())


def test_parquet_export_carries_column_meanings(store: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    out = tmp_path / "r.parquet"
    assert main(["export", str(store), "--out", str(out)]) == 0
    schema = pq.read_schema(out)
    meta = schema.field("inst_month").metadata
    assert meta[b"missing"] == b"null" and b"institutionalised" in meta[b"description"]
    assert b"alignsim.codebook" in schema.metadata


def test_export_of_other_tables_and_bad_requests(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", str(store), "--table", "design", "--out", str(tmp_path / "d.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "d.csv")) == 4
    assert main(["export", str(store), "--table", "monthly", "--out",
                 str(tmp_path / "m.dta")]) == 0  # fmt: skip
    assert len(pd.read_stata(tmp_path / "m.dta")) > 0
    capsys.readouterr()
    assert main(["export", str(store), "--out", str(tmp_path / "x.txt")]) == 2
    assert "--table-format" in capsys.readouterr().err
    assert main(["export", str(store), "--out", str(tmp_path / "no" / "x.csv")]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "nostore"), "--out", str(tmp_path / "y.csv")]) == 2
    assert not (tmp_path / "y.csv").exists()


def test_analysis_means_skip_never(store: Path) -> None:
    from sim.results.codebook import never_as_null

    runs = sim.load(store).runs
    clean = never_as_null(runs)
    for col in ("inst_month", "collapse_month", "first_step_month_JPN"):
        raw = runs[col]
        if (raw >= 0).any():
            assert clean[col].mean() == pytest.approx(raw[raw >= 0].mean())
        else:
            assert pd.isna(clean[col].mean())
    assert clean["final_trilateral"].equals(runs["final_trilateral"])


def test_discovery_means_of_months_skip_never(store: Path) -> None:
    """Per design point, the mean of a month column is over the runs where it happened: -1
    ("never") does not pull it down; a month outcome with "never" is refused, not misread."""
    import dataclasses

    from sim.errors import UserError
    from sim.results.discovery import store_cases

    st = sim.load(store)
    col = "inst_month"
    # points where it sometimes happens and sometimes not (small steps), and where it never does
    happened = st.runs[st.runs[col] >= 0].groupby("point")[col]
    some = happened.size().index.tolist()
    assert some and (st.runs.loc[st.runs.point.isin(some), col] == NEVER).any()
    sub = dataclasses.replace(st, runs=st.runs[st.runs.point.isin(some)].reset_index(drop=True),
                              design=st.design[st.design.point.isin(some)].reset_index(drop=True))  # fmt: skip
    # an outcome that splits these points (the test is about the scores beside it)
    levels = np.unique(sub.runs["final_trilateral"].to_numpy())
    cases = None
    for t in levels[1:]:
        try:
            cases = store_cases(sub, outcome="final_trilateral", threshold=float(t),
                                unit="point", scores=[col])  # fmt: skip
            break
        except UserError:
            continue
    assert cases is not None
    np.testing.assert_allclose(cases.scored[f"mean: {col}"], happened.mean().to_numpy())
    # with a point where it never happens, there is no month to average: left out, and said
    cases = store_cases(st, outcome="final_trilateral", threshold=float(t), unit="point",
                        scores=[col])  # fmt: skip
    assert f"mean: {col}" not in cases.scored and any(col in n for n in cases.notes)
    with pytest.raises(UserError, match="missing"):
        store_cases(st, outcome=col, threshold=10, below=True)


def test_the_command_offers_what_the_exporter_writes() -> None:
    from sim.commands import export
    from sim.results import codebook

    assert export.EXPORT_FORMATS == codebook.EXPORT_FORMATS and export.TABLES == codebook.TABLES
    assert set(export.SUFFIXES.values()) == set(codebook.EXPORT_FORMATS)
