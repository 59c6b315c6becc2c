"""Monthly parts: a chunk finalises the monthly aggregates of its whole design points (all their
runs in it) and writes histogram rows only for the points it shares with other chunks. The
finalised rows are bit-identical to the driver's merge; stores of the previous layout (histogram
rows for every point) still load, resume and extend; extending a store rebuilds the histograms
of the chunks whose whole points it extends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import sim
from sim.cli import main
from sim.engines.batch import MONTHLY_VARS, simulate
from sim.errors import UserError
from sim.experiments import driver, executors, histogram
from sim.experiments import store as st
from sim.experiments.driver import run_experiment
from sim.scenario import load_scenario

EXP = """
name = "parts"
base = "baseline_2022"
replications = {reps}
months = 7
seed = 5
[factors]
us_coercion = {{ range = [0.1, 0.9], levels = 3 }}
strategy = ["small_steps", "tit_for_tat"]
[uncertainty]
seeds_per_draw = 1
"""


def write_exp(tmp: Path, reps: int = 5, name: str = "parts.toml") -> Path:
    p = tmp / name
    p.write_text(EXP.format(reps=reps))
    return p


def chunk_hist(runs_per_point: list[int], var_index: list[int] | None = None,
               months: int = 6) -> histogram.MonthlyHistogram:  # fmt: skip
    """A chunk's histogram: points 3, 4, ... with the given numbers of runs each."""
    points = np.repeat(np.arange(3, 3 + len(runs_per_point)), runs_per_point).astype(np.int64)
    sc = load_scenario("baseline_2022")
    var_index = list(range(len(MONTHLY_VARS))) if var_index is None else var_index
    hist = histogram.MonthlyHistogram(points, var_index)
    simulate(sc, 9, np.arange(points.shape[0]), months=months,
             on_month=lambda m, record: hist.add(m, record))  # fmt: skip
    return hist


# Fewer than SORT_BELOW runs (sorted per value), more (counted into bins), one run.
SIZES = [3, histogram.SORT_BELOW + 40, 1, 2 * histogram.SORT_BELOW]
SOME_VARS = [7, 2, 11]  # not in MONTHLY_VARS order: the rows are finalised by the merge then


@pytest.mark.parametrize("var_index", [None, sorted(SOME_VARS), SOME_VARS])
@pytest.mark.parametrize("whole", [(), (3, 5), (4, 5, 6), (3, 4, 5, 6)])
def test_split_histogram_finalises_whole_points_and_keeps_the_others_rows(
    whole: tuple[int, ...], var_index: list[int] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert SIZES[0] < histogram.SORT_BELOW < SIZES[1]
    reference = chunk_hist(SIZES, var_index).table()
    expected = st.monthly_from_histograms([reference], 6)
    nv = len(MONTHLY_VARS) if var_index is None else len(var_index)
    assert expected.num_rows == len(SIZES) * 7 * nv
    # small pieces: a point's histogram rows come in several pieces
    monkeypatch.setattr(executors, "HIST_ROW_GROUP", 500)
    hist_b, part_b = executors.split_histogram(chunk_hist(SIZES, var_index), whole, 6,
                                               {"k": "v"})  # fmt: skip
    others = sorted(set(range(3, 7)) - set(whole))
    if whole:
        assert part_b is not None
        part = pq.read_table(pa.BufferReader(part_b))
        assert part.schema.metadata[b"k"] == b"v"
        keep = np.isin(expected["point"].to_numpy(), whole)
        assert part.replace_schema_metadata(None).equals(expected.filter(keep))
    else:
        assert part_b is None
    if others:
        assert hist_b is not None
        rows = pq.read_table(pa.BufferReader(hist_b)).replace_schema_metadata(None)
        keep = np.isin(reference["point"].to_numpy(), others)
        assert rows.equals(reference.filter(keep))
    else:
        assert hist_b is None


def test_cells_are_refused_once_the_rows_are_taken() -> None:
    hist = chunk_hist([2, 3])
    assert hist.cells({3}) is not None and hist.cells({99}) is None
    hist.table()
    assert hist.cells({3}) is None


def chunk_points(store: Path, rel: str) -> set[int]:
    return set(pq.read_table(store / rel, columns=["point"])["point"].to_pylist())


def test_layout_whole_points_in_parts_shared_points_in_histograms(tmp_path: Path) -> None:
    # 6 points x 5 replications in chunks of 7 runs: most points lie in two chunks, a few in one
    out = run_experiment(write_exp(tmp_path), tmp_path / "s", workers=1, chunk_size=7, quiet=True)
    m = json.loads((out / "manifest.json").read_text())
    owners: dict[int, list[int]] = {}
    for c in m["chunks"]:
        for p in range(c["point_lo"], c["point_hi"] + 1):
            owners.setdefault(p, []).append(c["id"])
    whole = {p for p, cs in owners.items() if len(cs) == 1}
    assert whole and len(whole) < len(owners)
    seen_parts = set()
    for c in m["chunks"]:
        mine = set(range(c["point_lo"], c["point_hi"] + 1))
        files = c["files"]
        if mine & whole:
            assert files["monthly"] == f"monthly/part-{c['id']:05d}.parquet"
            assert chunk_points(out, files["monthly"]) == mine & whole
            seen_parts |= mine & whole
        else:
            assert "monthly" not in files
        if mine - whole:
            assert chunk_points(out, files["hist"]) == mine - whole
        else:
            assert "hist" not in files
    assert seen_parts == whole
    # the same aggregates as a store whose every point is merged from histogram rows
    split = run_experiment(write_exp(tmp_path), tmp_path / "one", workers=1, chunk_size=1,
                           quiet=True)  # fmt: skip
    assert not (split / "monthly").exists()
    assert pq.read_table(out / "monthly.parquet").equals(pq.read_table(split / "monthly.parquet"))


def old_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the driver write the previous layout: every point's histogram rows, no parts."""

    def cover(manifest: dict[str, Any]) -> Any:
        return np.full(len(manifest["points"]), 2, dtype=np.int64)

    monkeypatch.setattr(driver, "point_cover", cover)


def test_a_store_of_the_previous_layout_loads_resumes_and_extends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exp = write_exp(tmp_path)
    new = run_experiment(exp, tmp_path / "new", workers=1, chunk_size=7, quiet=True)
    with monkeypatch.context() as mp:
        old_layout(mp)
        old = run_experiment(exp, tmp_path / "old", workers=1, chunk_size=7, quiet=True)
    assert not (old / "monthly").exists()
    m = json.loads((old / "manifest.json").read_text())
    assert all("hist" in c["files"] and "monthly" not in c["files"] for c in m["chunks"])
    assert pq.read_table(old / "monthly.parquet").equals(pq.read_table(new / "monthly.parquet"))
    # resume: a lost chunk is run again (now with a monthly part), the aggregates rewritten
    (old / "monthly.parquet").unlink()
    (old / "runs" / "part-00002.parquet").unlink()
    said: list[str] = []
    run_experiment(exp, old, workers=1, quiet=True, echo=said.append)
    assert any("chunk 2 will be run again" in s for s in said), said
    assert pq.read_table(old / "monthly.parquet").equals(pq.read_table(new / "monthly.parquet"))
    # extend: the old chunks' histograms cover every point already, only the chunk run again
    # (which finalised its whole points) is rebuilt
    m = json.loads((old / "manifest.json").read_text())
    assert [c["id"] for c in m["chunks"] if "monthly" in c["files"]] == [2]
    said.clear()
    run_experiment(exp, old, workers=1, replications=9, quiet=False, echo=said.append)
    assert any("1 chunk(s) are simulated again" in s for s in said), said
    after = json.loads((old / "manifest.json").read_text())["chunks"]
    assert [c["id"] for c in after if "histogram_rebuilt" in c] == [2]
    direct = run_experiment(write_exp(tmp_path, 9, "d.toml"), tmp_path / "d", workers=1,
                            quiet=True)  # fmt: skip
    assert pq.read_table(old / "monthly.parquet").equals(pq.read_table(direct / "monthly.parquet"))
    assert sim.load(old).runs.equals(sim.load(direct).runs)


def test_extending_rebuilds_the_histograms_of_whole_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exp = write_exp(tmp_path)
    out = run_experiment(exp, tmp_path / "s", workers=1, chunk_size=7, quiet=True)
    first = json.loads((out / "manifest.json").read_text())["chunks"]
    with_parts = [c for c in first if "monthly" in c["files"]]
    assert with_parts
    mtimes = {c["id"]: (out / c["files"]["runs"]).stat().st_mtime_ns for c in first}

    # the extension is planned, then the batch stops before any chunk ran
    def no_executor(*args: Any, **kwargs: Any) -> Any:
        raise UserError("no executor today")

    with monkeypatch.context() as mp:
        mp.setattr(driver, "make_executor", no_executor)
        with pytest.raises(UserError, match="no executor today"):
            run_experiment(exp, out, workers=1, replications=9, quiet=True)
    m = json.loads((out / "manifest.json").read_text())
    assert {c["id"] for c in m["chunks"] if c["status"] == "hist"} == {c["id"] for c in with_parts}
    assert not any((out / "monthly" / f"part-{c['id']:05d}.parquet").exists() for c in with_parts)
    with pytest.raises(UserError, match="incomplete store"):
        sim.load(out)
    said: list[str] = []
    run_experiment(exp, out, workers=1, replications=9, quiet=False, echo=said.append)
    m = json.loads((out / "manifest.json").read_text())
    for c in m["chunks"]:
        assert c["status"] == "done" and "monthly" not in c["files"]  # every point is shared now
        if c["id"] in mtimes:
            assert (out / c["files"]["runs"]).stat().st_mtime_ns == mtimes[c["id"]]
            assert c["finished"] == next(x for x in first if x["id"] == c["id"])["finished"]
            assert ("histogram_rebuilt" in c) == (c["id"] in {x["id"] for x in with_parts})
    direct = run_experiment(write_exp(tmp_path, 9, "d.toml"), tmp_path / "d", workers=1,
                            quiet=True)  # fmt: skip
    assert pq.read_table(out / "monthly.parquet").equals(pq.read_table(direct / "monthly.parquet"))
    assert sim.load(out).runs.equals(sim.load(direct).runs)


@pytest.mark.parametrize("damage", ["truncated", "missing"])
def test_a_damaged_monthly_part_is_refused_then_repaired(
    tmp_path: Path, damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    exp = write_exp(tmp_path)
    ref = run_experiment(exp, tmp_path / "ref", workers=1, chunk_size=7, quiet=True)
    out = run_experiment(exp, tmp_path / "s", workers=1, chunk_size=7, quiet=True)
    m = json.loads((out / "manifest.json").read_text())
    c = next(c for c in m["chunks"] if "monthly" in c["files"])
    part = out / c["files"]["monthly"]
    if damage == "truncated":
        part.write_bytes(part.read_bytes()[:100])
    else:
        part.unlink()
    (out / "monthly.parquet").unlink()  # what the part's points' rows came from
    assert main(["batch", str(exp), "--out", str(out), "--workers", "1", "--no-summary"]) == 0
    err = capsys.readouterr().err
    assert f"chunk {c['id']} will be run again" in err
    assert pq.read_table(out / "monthly.parquet").equals(pq.read_table(ref / "monthly.parquet"))


def test_force_removes_the_monthly_parts_only(tmp_path: Path) -> None:
    exp = write_exp(tmp_path)
    out = run_experiment(exp, tmp_path / "s", workers=1, chunk_size=7, quiet=True)
    mine = out / "monthly" / "notes.txt"
    mine.write_text("mine")
    m = json.loads((out / "manifest.json").read_text())
    parts = [out / c["files"]["monthly"] for c in m["chunks"] if "monthly" in c["files"]]
    assert parts and set(parts) <= set(st.store_files(out, m))
    st.wipe(out, m)
    assert not any(p.exists() for p in parts)
    assert mine.read_text() == "mine"


def test_a_store_without_monthly_aggregates_has_no_parts(tmp_path: Path) -> None:
    text = EXP.format(reps=4) + "[outputs]\nmonthly = []\n"
    exp = tmp_path / "none.toml"
    exp.write_text(text)
    out = run_experiment(exp, tmp_path / "s", workers=1, chunk_size=5, quiet=True)
    m = json.loads((out / "manifest.json").read_text())
    assert all(set(c["files"]) == {"runs"} for c in m["chunks"])
    assert not (out / "monthly").exists() and not (out / "hist").exists()
    assert len(sim.load(out).monthly) == 0


def test_the_manifest_encoder_gives_the_json_modules_bytes(tmp_path: Path) -> None:
    out = run_experiment(write_exp(tmp_path), tmp_path / "s", workers=1, chunk_size=7, quiet=True)
    m = json.loads((out / "manifest.json").read_text())
    enc = st.ManifestEncoder()
    assert enc.encode(m) == json.dumps(m, separators=(",", ":")).encode()
    m["chunks"][0]["status"] = "pending"  # a change outside the points is encoded again
    assert enc.encode(m) == json.dumps(m, separators=(",", ":")).encode()
    m["points"] = m["points"][:2]  # another points list: encoded again
    assert enc.encode(m) == json.dumps(m, separators=(",", ":")).encode()
