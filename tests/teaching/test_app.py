"""The app's logic without a browser: no model at import, declared-parameter controls, text
panels, the ensemble view, the offline server command and the asset fetcher."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

solara = pytest.importorskip("solara")

from sim.cli import main  # noqa: E402
from sim.commands import app as app_cmd  # noqa: E402
from sim.core.params import Scenario, param_table  # noqa: E402
from sim.engines.batch import MONTHLY_VARS, simulate  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_app_builds_no_model(monkeypatch):
    import sim.engines.model

    built = []
    orig = sim.engines.model.AlignmentModel.__init__

    def counting(self, *a, **k):
        built.append(1)
        orig(self, *a, **k)

    monkeypatch.setattr(sim.engines.model.AlignmentModel, "__init__", counting)
    import sim.teaching.app

    importlib.reload(sim.teaching.app)
    assert built == []
    sim.teaching.app.build_model(sim.teaching.app.Settings())
    assert built == [1]


def test_every_declared_parameter_gets_a_slider_that_keeps_its_value():
    from sim.teaching.app import _step_size

    for info in param_table():
        for value in (info["default"], info["lo"], info["hi"]):
            step = _step_size(info, float(value))
            span = info["hi"] - info["lo"]
            assert 0 < step <= span / 100 + 1e-12 or info["integer"], info["name"]
            k = (float(value) - info["lo"]) / step
            assert abs(k - round(k)) < 1e-6, (info["name"], value, step)


def test_settings_apply_scenario_overrides_strategies_and_seed():
    from sim.teaching.app import Settings, build_model

    s = Settings(overrides=(("rok_approval0", 0.4),), rok_strategy="grand_bargain", seed=9,
                 months=24)  # fmt: skip
    m = build_model(s)
    assert m.rok.approval == pytest.approx(0.4)
    assert m.rok.strategy == "grand_bargain" and m.jpn.strategy == "small_steps"
    assert m.root_seed == 9 and m.spec.months == 24


def test_month_panel_and_event_log_give_the_numbers_as_text():
    from sim.teaching.app import Settings, build_model, event_log_rows, month_panel_text

    m = build_model(Settings(seed=2))
    for _ in range(4):
        m.step()
    text = month_panel_text(m, Settings(seed=2))
    rec = m.record()
    assert text.startswith("Month 4 of 60 (2022-12)")
    assert f"{rec[MONTHLY_VARS.index('trilateral')]:.3f}" in text
    assert f"{rec[MONTHLY_VARS.index('approval_ROK')]:.3f}" in text
    rows = event_log_rows(m)
    assert len(rows) >= len(m.steps_log) > 0
    assert rows[0] >= rows[-1]  # newest first


def test_run_figure_draws_dates_units_pressure_and_markers():
    from sim.teaching.app import Settings, build_model
    from sim.teaching.figures import date_of, model_figure

    m = build_model(Settings(seed=3, months=24))
    while m.running:
        m.step()
    fig = model_figure(m, title="t")
    names = [t.name for t in fig.data]
    for label in ("Trilateral cooperation index", "US pressure", "Chinese coercion",
                  "Approval of the ROK leader", "Alignment of Japan",
                  "Step taken or reversed"):  # fmt: skip
        assert label in names, label
    tri = next(t for t in fig.data if t.name == "Trilateral cooperation index")
    # dates on the x axis: the scenario's start plus the month, every month recorded
    assert tri.x[0] == date_of(m.spec.start, 0) == m.spec.start + "-01"
    assert tri.x[-1] == date_of(m.spec.start, 24) and len(tri.x) == 25
    assert list(tri.y) == pytest.approx(
        m.datacollector.get_model_vars_dataframe()["trilateral"].to_list()
    )
    steps = next(t for t in fig.data if t.name == "Step taken or reversed")
    assert len(steps.x) == len(m.steps_log) > 0
    assert all(s["label"] in txt for s, txt in zip(m.steps_log, steps.text, strict=True))
    # units on every y axis; the legend sits below the plots, not over a line
    ytitles = [fig.layout[f"yaxis{k}"].title.text for k in ("", "2", "3", "4")]
    assert ytitles == ["index 0..1", "share of the public", "-1 China .. +1 US", "pressure 0..1"]
    assert fig.layout.legend.orientation == "h" and fig.layout.legend.y < 0


def test_run_figure_marks_leader_changes():
    from sim.teaching.figures import run_figure

    series = {"trilateral": [0.2, 0.3, 0.4], "approval_ROK": [0.3, 0.4, 0.5],
              "approval_JPN": [0.5, 0.5, 0.5]}  # fmt: skip
    events = [{"month": 2, "kind": "leader_change", "actor": "JPN", "text": "new leader"}]
    fig = run_figure(series, "2022-08", events=events, horizon=12)
    marks = next(t for t in fig.data if t.name == "Shock, flashpoint or leader change")
    assert list(marks.x) == ["2022-10-01"] and list(marks.y) == [0.5]
    assert "Leader change" in marks.text[0]
    assert any(sh.x0 == "2022-10-01" and sh.line.dash == "dash" for sh in fig.layout.shapes)
    assert list(fig.layout.xaxis.range) == ["2022-08-01", "2023-08-01"]


def test_ensemble_runs_200_seeds_of_the_current_settings():
    from sim.teaching.app import Settings, ensemble_figure, ensemble_summary, ensemble_text

    s = Settings(overrides=(("us_coercion", 0.9),), months=36, seed=4)
    e = ensemble_summary(s)
    ref = simulate(s.spec(), 4, np.arange(200))
    assert e["runs"] == 200 and e["tri"].shape == (200, 37)
    assert e["p_inst"] == pytest.approx(ref.summary["institutionalised"].mean())
    assert f"= {e['p_inst']:.3f}" in ensemble_text(e, s)
    fig = ensemble_figure(e)
    medians = [t for t in fig.data if t.name == "median"]
    assert len(medians) == 2
    assert list(medians[0].y) == pytest.approx(np.median(e["tri"], axis=0).tolist())
    assert medians[0].x[0] == s.spec().start + "-01"


def test_every_parameter_has_a_human_label_with_unit_and_range():
    from sim.teaching.labels import param_help, param_label

    for info in param_table():
        label = param_label(info)
        assert info["name"] not in label
        assert info["unit"] in label and label.startswith(info["meaning"].rstrip("."))
        assert info["source"] in param_help(info)
    rok = next(i for i in param_table() if i["name"] == "rok_approval0")
    assert param_label(rok) == "ROK leader's approval at month 0 (share, 0-1)"


def test_wilson_interval_matches_the_formula():
    from sim.teaching.sweep import wilson

    lo, hi = wilson(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-4)
    lo, hi = wilson(50, 100)
    assert (lo, hi) == pytest.approx((0.4038, 0.5962), abs=1e-4)
    lo, hi = wilson(10, 10)
    assert hi == pytest.approx(1.0) and lo == pytest.approx(0.7225, abs=1e-4)


def test_sweep_gives_p_institutionalised_per_level_like_separate_runs():
    from sim.teaching.app import Settings
    from sim.teaching.sweep import SweepSpec, run_sweep, sweep_levels, sweep_table, wilson

    s = Settings(months=36, seed=5)
    spec = SweepSpec("us_coercion", 0.2, 1.0, 3, 60)
    assert sweep_levels(spec) == [0.2, 0.6, 1.0]
    rows = run_sweep(s.spec(), s.seed, spec)
    for row in rows:
        # the same as running the level on its own with the same seeds
        ref = simulate(s.spec().with_params(us_coercion=row["value"]), 5, np.arange(60))
        k = int((ref.summary["inst_month"] >= 0).sum())
        assert row["institutionalised"] == k and row["p"] == pytest.approx(k / 60)
        assert (row["lo"], row["hi"]) == pytest.approx(wilson(k, 60))
    table = sweep_table(rows, "US pressure")
    assert f"{rows[-1]['p']:.3f}" in table and "95% interval" in table


def test_sweep_levels_of_a_whole_number_parameter_and_the_limits():
    from sim.teaching.sweep import MAX_LEVELS, MAX_RUNS, SweepSpec, check_sweep, run_sweep

    spec = SweepSpec("reciprocity_window", 1, 4, 7, 10)
    from sim.teaching.sweep import sweep_levels

    assert sweep_levels(spec) == [1.0, 2.0, 3.0, 4.0]
    assert check_sweep(spec) == []
    big = SweepSpec("us_coercion", 0, 1, MAX_LEVELS + 1, MAX_RUNS + 1)
    problems = check_sweep(big)
    assert any(f"1 to {MAX_LEVELS}" in p for p in problems)
    assert any(f"1 to {MAX_RUNS}" in p for p in problems)
    assert check_sweep(SweepSpec("us_coercion", -1, 1, 3, 10))[0].startswith("'from' must lie")
    with pytest.raises(ValueError, match="levels"):
        run_sweep(Scenario(), 1, big)


def test_pending_changes_are_listed_with_human_names():
    from sim.teaching.settings import Settings, differences

    a = Settings()
    b = Settings(
        scenario="x", seed=3, overrides=(("rok_approval0", 0.9),), rok_strategy="grand_bargain"
    )
    d = differences(b, a)
    assert len(d) == 4
    assert "ROK leader's approval at month 0 (share, 0-1): scenario value -> 0.9" in d
    assert differences(a, a) == []


def test_info_page_ships_with_the_package_and_matches_the_docs():
    from sim.teaching.app import info_text

    text = info_text()
    assert text == (ROOT / "docs" / "teaching" / "INFO.md").read_text(encoding="utf-8")
    assert "### How to cite" in text and "MIT" in text and "### Licence" in text
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"teaching/INFO.md"' in pyproject


def test_about_says_what_the_model_is_and_is_not_without_folders():
    from sim.teaching.app import ABOUT

    assert "not a forecast" in ABOUT and "What it is not" in ABOUT
    assert "docs/" not in ABOUT and "sim/" not in ABOUT


def test_app_command_binds_localhost_and_refuses_to_serve_without_assets(
    tmp_path, monkeypatch, capsys
):
    cmd = app_cmd.server_command("127.0.0.1", 8123)
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1" and "sim.teaching.app" in cmd
    assert app_cmd.OFFLINE_ENV["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert "127.0.0.1" in app_cmd.OFFLINE_ENV["SOLARA_ASSETS_CDN"]
    assert len(app_cmd.missing_assets(tmp_path)) == len(app_cmd.ASSET_PACKAGES)
    monkeypatch.setattr(app_cmd, "cache_dir", lambda: tmp_path)
    assert main(["app", "--port", "8123"]) == 2
    assert "fetch_assets" in capsys.readouterr().err
    args = main.__globals__["build_parser"]().parse_args(["app"])
    assert args.host == "127.0.0.1"


def test_asset_fetcher_has_filled_the_cache():
    """`make venv` runs tools/fetch_assets.py; without it the page stays blank offline."""
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "fetch_assets.py"), "--check"],
                         capture_output=True, text=True, check=False)  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert app_cmd.missing_assets() == []


def test_default_scenario_choice_is_the_builtin_defaults():
    from sim.teaching.play import available_scenarios, resolve_scenario

    names = [n for n, _ in available_scenarios()]
    assert names[0] == "default"
    assert resolve_scenario("default") == Scenario()


def test_the_printed_address_is_the_one_to_open(monkeypatch, capsys):
    """Bound to one address, the app prints it; bound to every interface (0.0.0.0), it prints
    this machine's addresses, never 0.0.0.0, and 127.0.0.1 last."""
    assert app_cmd.reachable_addresses("127.0.0.1") == ["127.0.0.1"]
    assert app_cmd.reachable_addresses("192.0.2.7") == ["192.0.2.7"]
    every = app_cmd.reachable_addresses("0.0.0.0")
    assert every[-1] == "127.0.0.1" and "0.0.0.0" not in every
    assert all(not a.startswith("127.") for a in every[:-1])
    # the command prints them before handing over to the server (the exec is stubbed)
    monkeypatch.setattr(app_cmd, "missing_assets", lambda *a: [])
    monkeypatch.setattr(app_cmd.os, "execvpe", lambda *a: None)
    assert main(["app", "--host", "0.0.0.0", "--port", "8124"]) == 0
    out = capsys.readouterr().out
    assert "every interface" in out and "http://0.0.0.0" not in out
    assert "http://127.0.0.1:8124/" in out


def test_a_parameter_control_has_a_label_a_slider_and_a_number_box_that_checks_the_range():
    """One control rendered with solara.render: the human label, a slider and a number box; a
    typed value reaches the settings, one outside the declared range is refused with the range."""
    import ipyvuetify as v

    from sim.teaching.app import ParamSlider

    info = next(i for i in param_table() if i["name"] == "rok_approval0")
    got: list[tuple[str, float]] = []
    _, rc = solara.render(ParamSlider(info, 0.24, lambda n, x: got.append((n, x))),
                          handle_error=False)  # fmt: skip
    label = rc.find(v.Html, class_="control-label").widget
    assert label.children == ["ROK leader's approval at month 0 (share, 0-1)"]
    rc.find(v.Slider).assert_single()
    box = rc.find(v.TextField, class_="num-box").widget
    box.v_model = "0.9"  # taken as typed, without waiting for Enter
    assert got == [("rok_approval0", 0.9)]
    box.v_model = "1.5"
    assert got == [("rok_approval0", 0.9)]
    error = rc.find(v.Html, class_="control-error").widget
    assert "1.5 is not allowed" in error.children[0] and "[0.0, 1.0]" in error.children[0]


def test_step_after_the_last_month_says_so():
    from sim.teaching.app import Settings, build_model, last_month_message

    m = build_model(Settings(months=6))
    while m.running:
        m.step()
    msg = last_month_message(m)
    assert "last month (6, 2023-02)" in msg and "Reset" in msg


def test_the_run_plot_title_stays_the_same_all_run_long():
    """A Step sends the plot new data only: a title naming the month would make every page
    lay its figure out again."""
    from sim.teaching.app import Settings, _run_title, build_model

    m = build_model(Settings(months=6, seed=3))
    first = _run_title(m)
    assert "seed 3" in first and "6 months from 2022-08" in first
    while m.running:
        m.step()
        assert _run_title(m) == first


def test_event_log_keeps_whole_kind_names():
    from sim.teaching.app import Settings, build_model, event_log_rows, event_log_table

    m = build_model(Settings(scenario="leader_crisis", seed=2))
    while m.running:
        m.step()
    kinds = {r[2] for r in event_log_table(m)}
    assert "leader change" in kinds and "step" in kinds
    assert any("leader change" in r for r in event_log_rows(m))
