"""Windowed outcomes, censoring and the horizon guard (sim/results/windows.py), on hand-built
runs tables whose answers are worked out here, independently of the code under test; and the
flags --window / --followup, the summary's guard lines and the report's Horizon section on a
small real store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.errors import UserError
from sim.experiments.driver import run_experiment
from sim.results import analysis as A
from sim.results import windows as W


def _runs(rows: list[tuple[Any, ...]], cols: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(cols))


# ---------------------------------------------------------------------------------- outcomes
#: (point, inst_month, collapse_month) -> what the windowed outcomes must say with W = 48,
#: F = 24 and a 60-month horizon (windows the CLI would refuse, built directly so that a
#: follow-up can run past the horizon).
CASES = [
    # point, inst, collapse, within W, censored, collapse in F, durable in F
    (0, 10, -1, True, False, False, True),  # followed months 11..34, no collapse
    (0, 10, 30, True, False, True, False),  # collapse in month 30 <= 10 + 24
    (0, 10, 35, True, False, False, True),  # collapse in month 35 > 34: after the follow-up
    (0, 36, -1, True, False, False, True),  # 36 + 24 = 60: the follow-up ends at the horizon
    (1, 40, -1, True, True, False, False),  # 40 + 24 = 64 > 60: censored
    (1, 40, 50, True, True, True, False),  # censored; the collapse was seen, still not judged
    (1, 49, -1, False, False, False, False),  # after the window
    (1, -1, -1, False, False, False, False),  # never institutionalised
    (1, 0, -1, False, False, False, False),  # month 0 is the start, outside 1..W
]


def test_windowed_outcomes_on_hand_built_runs() -> None:
    runs = _runs([c[:3] for c in CASES], ("point", "inst_month", "collapse_month"))
    got = W.windowed_outcomes(runs, W.Windows(window=48, followup=24, horizon=60))
    want = pd.DataFrame([c[3:] for c in CASES], columns=list(W.WINDOWED_OUTCOMES))
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want)


def test_a_run_institutionalised_at_40_is_censored_only_when_the_followup_passes_60() -> None:
    runs = _runs([(40, -1)], ("inst_month", "collapse_month"))
    for followup, censored in ((24, True), (21, True), (20, False), (12, False)):
        w = W.Windows(window=48, followup=followup, horizon=60)
        assert bool(W.windowed_outcomes(runs, w)["followup_censored"].iloc[0]) is censored
        # durable only when it can be judged
        assert bool(W.windowed_outcomes(runs, w)["durable_in_followup"].iloc[0]) is not censored


def test_durability_is_over_uncensored_runs_and_the_censored_are_counted() -> None:
    runs = _runs([c[:3] for c in CASES], ("point", "inst_month", "collapse_month"))
    h = A.headline_table(runs, ["point"], W.Windows(48, 24, 60), counts=True).set_index("point")
    # point 0: four runs institutionalised within 48, none censored, one collapses in F
    assert h.loc[0, "k_inst_window"] == 4 and h.loc[0, "n_censored"] == 0
    assert h.loc[0, "n_followed"] == 4 and h.loc[0, "k_durable"] == 3
    assert h.loc[0, "p_durable_followup"] == pytest.approx(3 / 4)
    # point 1: two runs within 48 (both at 40), both censored: nothing to judge
    assert h.loc[1, "runs"] == 5 and h.loc[1, "k_inst_window"] == 2
    assert h.loc[1, "p_inst_window"] == pytest.approx(2 / 5)
    assert h.loc[1, "n_censored"] == 2 and h.loc[1, "n_followed"] == 0
    assert np.isnan(h.loc[1, "p_durable_followup"])
    d = A.followup_durability(runs, ["point"], W.Windows(48, 24, 60)).set_index("point")
    assert d.loc[0, "n_collapsed"] == 1 and d.loc[0, "n_institutionalised"] == 4
    assert d.loc[1, "n_censored"] == 2 and d.loc[1, "n_institutionalised"] == 0


def test_the_windowed_headline_ignores_what_happens_after_w_plus_f() -> None:
    """Events after the window (an institution at 58) or after the follow-up (collapses at 50
    and 59, more than 24 months after institutions at 10 and 5) change nothing."""
    cols = ("point", "inst_month", "collapse_month")
    base = _runs([(0, 10, -1), (0, 20, 30), (0, -1, -1), (0, 5, -1)], cols)
    moved = _runs([(0, 10, 50), (0, 20, 30), (0, 58, -1), (0, 5, 59)], cols)
    w = W.Windows(24, 24, 60)
    a = A.headline_table(base, [], w, counts=True)
    pd.testing.assert_frame_equal(a, A.headline_table(moved, [], w, counts=True))
    assert a["k_inst_window"].iloc[0] == 3 and a["k_durable"].iloc[0] == 2
    # counted by the horizon, the same change turns 3 institutions into 4 and 1 collapse into 3
    assert (moved["inst_month"] >= 0).sum() == 4 and (moved["collapse_month"] >= 0).sum() == 3


# ------------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("window", "followup", "flag"),
    [(0, 24, "--window"), (24, 0, "--followup"), ("2.5", 24, "--window"),
     (24, "x", "--followup"), (61, 1, "--window"), (40, 24, "--followup"),
     (True, 24, "--window")],
)  # fmt: skip
def test_bad_windows_name_the_flag(window: Any, followup: Any, flag: str) -> None:
    with pytest.raises(UserError) as e:
        W.check_windows(window, followup, 60)
    assert e.value.key == flag and e.value.expected and e.value.found is not None


def test_good_windows_and_defaults_that_fit_the_horizon() -> None:
    assert W.check_windows("24", 36, 60) == W.Windows(24, 36, 60)
    assert W.resolve_windows(None, None, 60) == W.Windows(24, 24, 60)
    assert W.resolve_windows(None, None, 30) == W.Windows(24, 6, 30)
    assert W.resolve_windows(12, None, 30) == W.Windows(12, 18, 30)
    assert W.resolve_windows(None, 20, 30) == W.Windows(10, 20, 30)
    with pytest.raises(UserError):  # a value the user gave is never shortened
        W.resolve_windows(24, 24, 30)


# ------------------------------------------------------------------------------------ guard
def test_last_band_is_the_last_tenth_of_the_horizon() -> None:
    assert W.last_band(60) == (55, 60)
    assert W.last_band(30) == (28, 30)
    assert W.last_band(24) == (22, 24)  # 2.4 months round up to 3
    assert W.last_band(5) == (5, 5)


def test_near_turnover_counts_the_three_months_after_either_turnover() -> None:
    months = np.array([57, 58, 60, 61, 20, 22, 5])
    turn = np.array([[57, -1], [57, -1], [57, -1], [57, -1], [-1, 19], [-1, 19], [-1, -1]])
    assert W.near_turnover(months, turn).tolist() == [False, True, True, False, True, True, False]


COLS = ("point", "inst_month", "collapse_month", "turnover_month_ROK", "turnover_month_JPN")


def _uniform(point: int, horizon: int = 60) -> list[tuple[int, ...]]:
    """One run institutionalised in each month 1..horizon, turnover at month 57."""
    return [(point, m, -1, 57, -1) for m in range(1, horizon + 1)]


def test_guard_is_quiet_on_a_uniform_spread() -> None:
    runs = _runs(_uniform(0) + _uniform(1), COLS)
    g = W.horizon_guard(runs, W.Windows(24, 24, 60))
    assert g.warnings == []
    s = g.shares.set_index(["scope", "outcome", "point"])
    # independently: 6 of 60 months are 55..60; 3 of 60 (58, 59, 60) follow the turnover
    assert s.loc[("horizon-end", "inst_month", 0), "share_last"] == pytest.approx(6 / 60)
    assert s.loc[("horizon-end", "inst_month", 0), "share_turnover"] == pytest.approx(3 / 60)
    assert s.loc[("windowed", "inst_month", 0), "n_events"] == 24
    assert "No outcome is concentrated" in " ".join(W.guard_lines(g))


def test_guard_flags_a_concentration_in_the_last_months_and_after_a_turnover() -> None:
    # point 0: 30 institutionalisations, 20 of them in months 58-60 after a turnover at 57
    late = [(0, 58 + i % 3, -1, 57, -1) for i in range(20)]
    early = [(0, 5 + i, -1, 57, -1) for i in range(10)]
    # point 1: a drawn Japanese turnover at month 10, 15 of 20 events in months 11-13
    drawn = [(1, 11 + i % 3, -1, -1, 10) for i in range(15)] + [
        (1, 30 + i, -1, -1, 10) for i in range(5)
    ]
    runs = _runs(late + early + drawn + _uniform(2), COLS)
    g = W.horizon_guard(runs, W.Windows(24, 24, 60))
    found = {(x.scope, x.outcome, x.kind, dict(x.group)["point"]): x for x in g.warnings}
    assert set(found) == {
        ("horizon-end", "inst_month", "last_months", 0),
        ("horizon-end", "inst_month", "turnover", 0),
        ("horizon-end", "inst_month", "turnover", 1),
        ("windowed", "inst_month", "turnover", 1),  # 11-13 are within W = 24
    }
    x = found[("horizon-end", "inst_month", "last_months", 0)]
    assert (x.n_events, x.n_flagged) == (30, 20) and x.share == pytest.approx(20 / 30)
    assert "months 55-60" in x.meaning
    w1 = found[("windowed", "inst_month", "turnover", 1)]
    assert (w1.n_events, w1.n_flagged) == (15, 15)  # the 5 events at 30-34 are after W
    text = " ".join(W.guard_lines(g))
    assert "WARNING (horizon-end)" in text and "WARNING (windowed)" in text


def test_guard_threshold_and_minimum_events() -> None:
    # 5 events, all in the last month: too few to judge by default
    few = _runs([(0, 60, -1, -1, -1)] * 5, COLS)
    assert W.horizon_guard(few, W.Windows(24, 24, 60)).warnings == []
    assert W.horizon_guard(few, W.Windows(24, 24, 60), min_events=5).warnings
    # exactly 25% in the band is not "more than 25%"
    quarter = _runs([(0, 60, -1, -1, -1)] * 3 + [(0, 10, -1, -1, -1)] * 9, COLS)
    assert W.horizon_guard(quarter, W.Windows(24, 24, 60)).warnings == []
    more = _runs([(0, 60, -1, -1, -1)] * 4 + [(0, 10, -1, -1, -1)] * 9, COLS)
    assert len(W.horizon_guard(more, W.Windows(24, 24, 60)).warnings) == 1


def test_guard_looks_at_collapses_too() -> None:
    rows = [(0, 10, 56 + i % 5, -1, -1) for i in range(12)]
    g = W.horizon_guard(_runs(rows, COLS), W.Windows(24, 24, 60))
    assert [(x.scope, x.outcome, x.kind) for x in g.warnings] == [
        ("horizon-end", "collapse_month", "last_months")
    ]  # the collapses are after 10 + 24, so the windowed outcomes do not count them


def test_guard_counts_censored_runs() -> None:
    runs = _runs([c[:3] + (-1, -1) for c in CASES], COLS)
    g = W.horizon_guard(runs, W.Windows(48, 24, 60))
    assert g.n_censored == 2 and g.n_inst_window == 6
    assert g.censored.set_index("point").loc[1, "n_censored"] == 2
    assert "Censored: 2 of the 6 runs" in W.guard_lines(g)[1]


# ------------------------------------------------------------------- commands and reports
EXPERIMENT = """\
name = "tiny_windows"
base = "baseline_2022"
replications = 12
months = 30
seed = 5

[factors]
us_coercion = [0.2, 0.6]
strategy = ["small_steps", "grand_bargain"]

[uncertainty]
parameters = "pinned"
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("store")
    exp = d / "tiny_windows.toml"
    exp.write_text(EXPERIMENT)
    return run_experiment(exp, d / "store", workers=1, quiet=True)


@pytest.mark.parametrize(
    ("args", "flag", "found"),
    [(["--window", "0"], "--window", "0"), (["--window", "two"], "--window", "'two'"),
     (["--followup", "30"], "--followup", "30"),  # W >= 1, so W + 30 > 30 months
     (["--window", "20", "--followup", "11"], "--followup", "11")],
)  # fmt: skip
@pytest.mark.parametrize("command", ["summary", "report"])
def test_bad_flags_exit_2_naming_the_flag(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str,
    args: list[str], flag: str, found: str,
) -> None:  # fmt: skip
    extra = ["--out", str(tmp_path / "rep")] if command == "report" else []
    assert main([command, str(store), *args, *extra]) == 2
    err = capsys.readouterr().err
    assert f"'{flag}'" in err and "expected:" in err and f"found:    {found}" in err
    assert "Traceback" not in err
    assert not (tmp_path / "rep").exists()


def test_summary_prints_the_windows_the_censored_count_and_the_guard(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["summary", str(store), "--window", "12", "--followup", "18"]) == 0
    out = capsys.readouterr().out
    assert "P(inst within 12) [95% CI]" in out and "P(durable 18 | inst)" in out
    assert "Horizon guard (institution window W = 12 months, follow-up F = 18 months" in out
    assert "Censored: 0 of the" in out and "months 28-30" in out
    assert main(["summary", str(store), "--csv"]) == 0
    cap = capsys.readouterr()
    assert cap.out.startswith("point,") and "Horizon guard" not in cap.out
    assert "Horizon guard" in cap.err and "Censored:" in cap.err


def test_report_has_a_horizon_section(store: Path, tmp_path: Path) -> None:
    assert main(["report", str(store), "--out", str(tmp_path / "rep"), "--window", "20"]) == 0
    md = (tmp_path / "rep" / "report.md").read_text()
    horizon = md.split("## Horizon\n")[1].split("## Figures")[0]
    assert "W = 20 months, follow-up F = 10 months" in horizon and "Censored:" in horizon
    html = (tmp_path / "rep" / "report.html").read_text()
    assert "<h2>Horizon</h2>" in html and "P(inst. within 20)" in html
    assert "- Horizon: the findings count institutions within W = 20 months" in md


def test_report_and_findings_warn_about_a_concentration(store: Path, tmp_path: Path) -> None:
    """Move the grand bargain's institutions to the last months and next to a turnover: the
    report's Horizon section lists them and the findings say so."""
    import sim
    from sim.results.report import findings, write_report

    st = sim.load(store)
    gb = (st.runs["strategy"] == "grand_bargain").to_numpy()
    st.runs.loc[gb, "inst_month"] = 29
    st.runs.loc[gb, "collapse_month"] = -1
    st.runs.loc[gb, "turnover_month_ROK"] = 27
    _, md_path = write_report(st, tmp_path / "rep", figures={})
    md = md_path.read_text()
    horizon = md.split("## Horizon\n")[1]
    assert "WARNING (horizon-end): institutionalisations concentrated in months 28-30" in horizon
    assert "strategy: grand_bargain 2" in horizon  # both grand-bargain design points
    assert "| horizon-end | inst_month | months 28-30 | 12 | 100.0% |" in horizon
    h = next(s for s in findings(st) if s.startswith("Horizon:"))
    assert "grand_bargain: 100.0% of its 24 institutionalisations by the horizon" in h


# ---------------------------------------------------------------------------------- figures
def test_timing_figure_plots_the_shares_the_band_and_the_turnover() -> None:
    from sim.results import plotting as P

    rows = [("a", 58, -1, 57, -1)] * 3 + [("a", 10, -1, 57, -1)] + [("a", -1, -1, 57, -1)] * 4
    rows += [("b", 5, -1, -1, 30), ("b", -1, -1, -1, -1)]
    runs = _runs(rows, ("strategy", *COLS[1:]))
    fig = P.plot_timing(runs, 60, by="strategy", window=24, stamp="s")
    patches = {p.get_gid(): p for ax in fig.axes for p in ax.patches if p.get_gid()}
    values, edges = patches["timing:a"].get_data()[:2]
    want = np.zeros(60)
    want[57], want[9] = 3 / 8, 1 / 8  # month m is bin m - 1
    np.testing.assert_allclose(values, want)
    assert edges[0] == 0.5 and edges[-1] == 60.5
    lines = {ln.get_gid(): ln for ax in fig.axes for ln in ax.lines if ln.get_gid()}
    assert lines["timing_turnover:a:ROK:57"].get_xdata()[0] == 57
    assert "timing_turnover:b:JPN:30" in lines  # one of b's two runs: at least 10%
    assert lines["timing_window:a"].get_xdata()[0] == 24.5
    band = next(p for ax in fig.axes for p in ax.patches if p.get_gid() == "timing_band:a")
    assert (band.get_x(), band.get_x() + band.get_width()) == (54.5, 60.5)
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles[0].startswith("a: 4 of 8 runs institutionalised; of these 75% in months 55-60")


def test_durability_figure_with_windows_plots_the_followup_shares() -> None:
    from sim.results import plotting as P

    runs = _runs([("a",) + c[1:3] for c in CASES] + [("b", 12, 20), ("b", 12, -1)],
                 ("strategy", "inst_month", "collapse_month"))  # fmt: skip
    w = W.Windows(48, 24, 60)
    fig = P.plot_durability(runs, by="strategy", windows=w, stamp="s")
    bars = [p for p in fig.axes[0].patches]
    d = A.followup_durability(runs, ["strategy"], w).set_index("strategy")
    assert [b.get_height() for b in bars] == pytest.approx([d.loc["a", "p"], d.loc["b", "p"]])
    assert d.loc["a", "p"] == pytest.approx(1 / 4) and d.loc["b", "p"] == pytest.approx(1 / 2)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "1/4\n2 censored" in texts and "1/2\n0 censored" in texts
