"""`alignsim audit` end to end on a tiny experiment: the table, the JSON, the figure and the
document it writes, resuming without running done variants again, its statuses, bad flags
(exit 2), and the report and README picking up its sentences."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from sim.cli import main
from sim.experiments.driver import run_experiment
from sim.results import audit as AU
from sim.results import findings as F

EXP = """\
name = "tiny_audit"
base = "baseline_2022"
replications = 10
months = 30
seed = 5

[factors]
us_coercion = { range = [0.0, 1.0], levels = 3 }
strategy = ["small_steps", "grand_bargain", "tit_for_tat", "status_quo"]
china_coercion = [0.15, 0.6]

[uncertainty]
seeds_per_draw = 5
"""
ONLY = ["mechanism-bargain_bundle", "mechanism-scandals", "prior_low-scandal_rate",
        "prior_high-lock_in"]  # fmt: skip


def audit_args(exp: Path, store: Path, *extra: str) -> list[str]:
    args = ["audit", str(exp), "--store", str(store), "--replications", "10", "--workers", "1",
            "--quiet"]  # fmt: skip
    for o in ONLY:
        args += ["--only", o]
    return args + list(extra)


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("audit")
    exp = d / "tiny_audit.toml"
    exp.write_text(EXP)
    store = run_experiment(exp, d / "store", workers=1, quiet=True)
    doc = d / "docs" / "AUDIT.md"
    assert main(audit_args(exp, store, "--markdown", str(doc))) == 0
    return {"dir": d, "exp": exp, "store": store, "out": store / "audit", "doc": doc}


def record(out: Path) -> dict[str, Any]:
    return json.loads((out / "audit.json").read_text())


def manifest_times(out: Path) -> dict[str, int]:
    return {p.parent.name: p.stat().st_mtime_ns for p in (out / "variants").glob("*/manifest.json")}


def test_writes_the_table_the_json_the_figure_and_the_document(audited: dict[str, Path]) -> None:
    out = audited["out"]
    rec = record(out)
    states = {v["name"]: v["state"] for v in rec["variants"]}
    assert states == {"baseline": "ran", "mechanism-bargain_bundle": "ran",
                      "mechanism-scandals": "ran", "prior_high-lock_in": "ran",
                      "prior_low-scandal_rate": "same as mechanism-scandals"}  # fmt: skip
    assert set(manifest_times(out)) == {"baseline", "mechanism-bargain_bundle",
                                        "mechanism-scandals", "prior_high-lock_in"}  # fmt: skip
    rows = list(csv.DictReader((out / "audit.csv").open()))
    assert len(rows) == len(states) * len(F.FINDINGS)
    h1 = {r["variant"]: r for r in rows if r["finding"] == "H1"}
    assert h1["baseline"]["status"] == "holds" and h1["prior_low-scandal_rate"]["status"] == ""
    assert int(h1["baseline"]["n"]) == 2 * 6 * 10  # two strategies x 6 points x 10 replications
    assert (out / "audit.png").stat().st_size > 10_000
    # the experiment's own store (parameters drawn) is evaluated beside the audit
    assert set(rec["reported"]) == {f.name for f in F.FINDINGS}
    assert rec["replications"] == 10 and rec["windows"] == {"window": 24, "followup": 6,
                                                           "horizon": 30}  # fmt: skip
    doc = audited["doc"].read_text()
    for f in F.FINDINGS:
        assert f"## {f.label}" in doc and rec["sentences"][f.name] in doc
    assert "| prior_low-scandal_rate |" in doc.split("## Variants not run")[1]
    assert "(figures/tiny_audit_audit.png)" in doc
    assert (audited["doc"].parent / "figures" / "tiny_audit_audit.png").is_file()
    assert "not a forecast" in doc and "emergent" not in doc


def test_statuses_follow_the_verdicts(audited: dict[str, Path]) -> None:
    rec = record(audited["out"])
    evs = rec["evaluations"]
    for f in F.FINDINGS:
        base = evs["baseline"][f.name]
        for v, e in evs.items():
            b = F.Evaluation(f.name, base["verdict"])
            x = F.Evaluation(f.name, e[f.name]["verdict"])
            assert rec["statuses"][f.name][v] == AU.status(b, x), (f.name, v)
    # a grand bargain that cannot bundle its steps no longer beats small steps
    assert evs["mechanism-bargain_bundle"]["H1"]["effect"] > evs["baseline"]["H1"]["effect"]


def test_resumes_without_running_done_variants(audited: dict[str, Path]) -> None:
    out, before = audited["out"], manifest_times(audited["out"])
    first = record(out)
    assert main(audit_args(audited["exp"], audited["store"])) == 0
    again = record(out)
    assert manifest_times(out) == before  # no variant store was touched
    assert {v["state"] for v in again["variants"] if v["name"] != "prior_low-scandal_rate"} == {
        "done before"}  # fmt: skip
    assert again["evaluations"] == first["evaluations"] and again["runs"] == 0
    # a variant whose store is gone runs again, alone
    shutil.rmtree(out / "variants" / "prior_high-lock_in")
    assert main(audit_args(audited["exp"], audited["store"])) == 0
    states = {v["name"]: v["state"] for v in record(out)["variants"]}
    assert states["prior_high-lock_in"] == "ran" and states["baseline"] == "done before"
    assert record(out)["evaluations"] == first["evaluations"]  # the same runs, bit for bit


def test_force_runs_every_variant_again_with_two_workers(audited: dict[str, Path],
                                                         tmp_path: Path) -> None:  # fmt: skip
    out = tmp_path / "again"
    args = audit_args(audited["exp"], audited["store"], "--out", str(out), "--force")
    args[args.index("--workers") + 1] = "2"
    assert main(args) == 0
    rec = record(out)
    assert {v["state"] for v in rec["variants"]} == {"ran", "same as mechanism-scandals"}
    assert rec["evaluations"] == record(audited["out"])["evaluations"]  # workers change nothing


@pytest.mark.parametrize(("args", "needle"), [
    (["audit", "no_such_file.toml"], "experiment file not found"),
    (["audit", "no_such_experiment"], "unknown experiment"),
    (["--replications", "0"], "--replications"),
    (["--only", "mechanism-nope"], "--only"),
    (["--window", "40"], "--window"),
    (["--workers", "0"], "--workers"),
])  # fmt: skip
def test_bad_input_exits_2_naming_the_flag_or_file(audited: dict[str, Path], capsys, args,
                                                   needle) -> None:  # fmt: skip
    argv = args if args[0] == "audit" else ["audit", str(audited["exp"]), "--store",
                                            str(audited["store"]), *args]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_list_names_the_variants(audited: dict[str, Path], capsys) -> None:
    assert main(["audit", str(audited["exp"]), "--list", "--only", "prior_high"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("baseline") and len(out) == 1 + len(AU.PRIORS)
    assert any(line.startswith("prior_high-lock_in") for line in out)


def test_report_and_readme_carry_the_audit_status(audited: dict[str, Path], tmp_path: Path) -> None:
    from conftest import tool

    store = audited["store"]
    rec = record(audited["out"])
    assert main(["report", str(store), "--out", str(tmp_path / "rep")]) == 0
    md = (tmp_path / "rep" / "report.md").read_text()
    for f in F.FINDINGS:
        assert rec["sentences"][f.name] in md
    section = tool("update_readme_results").section(store)
    assert rec["sentences"]["H1"] in section and "docs/AUDIT.md" in section
    # an audit of other windows is not attached
    assert main(["report", str(store), "--out", str(tmp_path / "rep2"), "--window", "20"]) == 0
    assert "Audit (" not in (tmp_path / "rep2" / "report.md").read_text()


def test_an_audit_of_another_experiment_is_not_attached(audited: dict[str, Path],
                                                        tmp_path: Path) -> None:  # fmt: skip
    import sim
    from sim.results.windows import resolve_windows

    store = tmp_path / "store"
    shutil.copytree(audited["store"], store)
    rec = record(store / "audit")
    rec["design_hash"] = "0" * 16
    (store / "audit" / "audit.json").write_text(json.dumps(rec))
    st = sim.load(store)
    notes, why = AU.store_notes(st, resolve_windows(None, None, 30))
    assert notes == {} and "another experiment" in why
