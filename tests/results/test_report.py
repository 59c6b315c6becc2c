"""alignsim plot / report on a small real store, and clear messages for malformed stores."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sim.cli import main
from sim.experiments.driver import run_experiment

EXPERIMENT = """\
name = "tiny_sweep"
description = "A tiny sweep for tests"
base = "baseline_2022"
replications = 6
months = 30
seed = 11

[factors]
us_coercion = { range = [0.0, 1.0], levels = 3 }
strategy = ["small_steps", "grand_bargain"]
china_coercion = [0.15, 0.6]

[uncertainty]
seeds_per_draw = 2
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("store")
    exp = d / "tiny_sweep.toml"
    exp.write_text(EXPERIMENT)
    return run_experiment(exp, d / "store", workers=1, quiet=True)


def test_plot_writes_every_kind_in_every_format(store: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "figs"
    rc = main(["plot", str(store), "--out", str(out), "--format", "png", "--format", "svg",
               "--format", "pdf"])  # fmt: skip
    assert rc == 0
    names = {p.name for p in out.iterdir()}
    for kind in (
        "sweep",
        "heatmap",
        "survival",
        "durability",
        "timing",
        "fan",
        "uncertainty",
        "surface",
    ):
        for fmt in ("png", "svg", "pdf"):
            assert f"{kind}.{fmt}" in names
    svg = (out / "sweep.svg").read_text()
    assert "tiny_sweep" in svg and "seed 11" in svg and "72 runs" in svg  # 12 points x 6


def test_store_figures_layout(store: Path) -> None:
    from sim import load
    from sim.results.report import layout, store_figures

    st = load(store)
    lay = layout(st)
    assert (lay.sweep, lay.line, lay.panel, lay.pooled) == (
        "us_coercion", "strategy", "china_coercion", [])  # fmt: skip
    assert lay.horizon == 30
    figs = store_figures(st, ["sweep"])
    assert list(figs) == ["sweep"]


def test_report_html_is_self_contained_with_provenance(store: Path, tmp_path: Path) -> None:
    rc = main(["report", str(store), "--out", str(tmp_path / "rep")])
    assert rc == 0
    html = (tmp_path / "rep" / "report.html").read_text()
    from sim.results.kinds import KINDS

    assert html.count("data:image/png;base64,") == len(KINDS)  # every kind fits this store
    assert "src='http" not in html and 'src="http' not in html
    assert "[factors]" in html  # the experiment file's text
    assert "design hash" in html and "root seed" in html
    assert "H1:" in html and "H3" in html
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "![sweep](figures/sweep.png)" in md and (tmp_path / "rep/figures/sweep.png").is_file()
    # one row per (panel, line) group: china_coercion x strategy
    table = md.split("## Headline table")[1].split("## Figures")[0]
    assert "| china_coercion | strategy | runs |" in table
    assert sum(line.startswith("| 0.") for line in table.splitlines()) == 4
    assert "<h2>Uncertainty</h2>" in html and "![uncertainty](figures/uncertainty.png)" in md


def test_the_uncertainty_section_comes_from_the_runs(store: Path, tmp_path: Path) -> None:
    from sim import load
    from sim.results import uncertainty as U
    from sim.results.report import write_report

    st = load(store)
    _, md_path = write_report(st, tmp_path / "rep", figures={})
    section = md_path.read_text().split("## Uncertainty")[1].split("## Figures")[0]
    for sentence in U.sentences(st.runs, st.manifest["uncertainty"]):
        assert f"- {sentence}" in section
    per_point = U.variance_table(st.runs, ["point"], ["inst_by_24"])
    share = U.summarise(per_point)["parametric_share"].iloc[0]
    assert f"{100 * share:.1f}% of the variance between runs comes from the 3 parameter draws" in (
        section)  # fmt: skip
    # one table row per strategy and headline outcome, with both intervals
    rows = [line for line in section.splitlines() if line.startswith("| small_steps")]
    assert len(rows) == 2 and all("-" in r and "[" in r for r in rows)
    t = U.draw_probabilities(st.runs, "inst_by_24", ["strategy"]).set_index("strategy")
    lo, hi = t.loc["small_steps", "draw_lo"], t.loc["small_steps", "draw_hi"]
    assert f"{100 * lo:.1f}%-{100 * hi:.1f}%" in rows[0]


def test_findings_numbers_come_from_the_runs(store: Path) -> None:
    from sim import load
    from sim.results import analysis as A
    from sim.results.report import findings

    st = load(store)
    t = A.event_by_month(st.runs, 24, ["strategy"]).set_index("strategy")
    h1 = next(s for s in findings(st) if s.startswith("H1"))
    assert f"{100 * t.loc['small_steps', 'p']:.1f}%" in h1
    assert f"{100 * t.loc['grand_bargain', 'p']:.1f}%" in h1


def test_findings_follow_the_declared_evaluations_and_say_what_cannot_be_evaluated(
    store: Path,
) -> None:
    from sim import load
    from sim.results import findings as F
    from sim.results.report import findings, store_windows

    st = load(store)
    lines = findings(st, notes={"H1": "NOTE-H1."})
    ev = F.evaluate_all(st.runs, store_windows(st))
    h1 = next(s for s in lines if s.startswith("H1:"))
    verdict = {F.SUPPORTED: "This supports H1.", F.CONTRADICTED: "This contradicts H1.",
               F.OPEN: "H1 stays open"}[ev["H1"].verdict]  # fmt: skip
    assert verdict in h1 and F.effect_text(F.FINDING_BY_NAME["H1"], ev["H1"]) in h1
    assert h1.endswith("NOTE-H1.")
    # this store's strategies are small steps and a grand bargain only
    tft = next(s for s in lines if s.startswith("H1: small steps vs tit-for-tat"))
    assert "cannot be evaluated for this experiment" in tft and "lack tit_for_tat" in tft
    sq = next(s for s in lines if s.startswith("Status quo stays short"))
    assert "lack status_quo" in sq
    assert any(s.startswith("Japan moves first: with small steps") for s in lines)


def _copy(store: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "copy"
    shutil.copytree(store, dst)
    return dst


@pytest.mark.parametrize("command", ["plot", "report"])
def test_missing_manifest_is_a_clear_error(store: Path, tmp_path: Path, capsys, command) -> None:
    s = _copy(store, tmp_path)
    (s / "manifest.json").unlink()
    assert main([command, str(s)]) == 2
    err = capsys.readouterr().err
    assert "manifest.json is missing" in err and "Traceback" not in err


def test_missing_chunk_is_a_clear_error(store: Path, tmp_path: Path, capsys) -> None:
    s = _copy(store, tmp_path)
    next((s / "runs").glob("part-*.parquet")).unlink()
    assert main(["plot", str(s)]) == 2
    err = capsys.readouterr().err
    assert "missing chunk" in err and "Traceback" not in err


def test_store_of_another_version_is_a_clear_error(store: Path, tmp_path: Path, capsys) -> None:
    s = _copy(store, tmp_path)
    m = json.loads((s / "manifest.json").read_text())
    m["store_format"] = 999
    (s / "manifest.json").write_text(json.dumps(m))
    assert main(["report", str(s)]) == 2
    err = capsys.readouterr().err
    assert "another version" in err and "Traceback" not in err


def test_not_a_store_and_bad_kind(tmp_path: Path, store: Path, capsys) -> None:
    assert main(["plot", str(tmp_path / "nowhere")]) == 2
    assert "not found" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["plot", str(store), "--kind", "pie"])


def test_runs_without_outcome_columns_is_a_clear_error(store: Path) -> None:
    from sim import load
    from sim.errors import UserError
    from sim.results.report import store_figures

    st = load(store)
    st.runs = st.runs.drop(columns=["inst_month"])
    with pytest.raises(UserError, match="outcome columns"):
        store_figures(st)


def test_a_store_without_the_fan_charts_variables_gets_no_fan_chart(tmp_path: Path) -> None:
    """The fan chart needs one of its variables among the store's monthly outputs; a store
    aggregating only others (as experiments/theory_snyder.toml does) reports without it."""
    exp = tmp_path / "few.toml"
    exp.write_text('name = "few"\nbase = "baseline_2022"\nreplications = 3\nmonths = 6\n'
                   "[factors]\nus_coercion = [0.2, 0.8]\n"
                   '[outputs]\nmonthly = ["abandonment_ROK"]\n[uncertainty]\nseeds_per_draw = 3\n')  # fmt: skip
    import sim
    from sim.results.report import store_figures

    store = run_experiment(exp, tmp_path / "few", workers=1, quiet=True)
    figs = store_figures(sim.load(store))
    assert "fan" not in figs and figs
