"""The app's logic without a browser: no model at import, declared-parameter controls, text
panels, the ensemble view, the offline server command and the asset fetcher."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from typing import Any

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


def test_trajectory_figure_has_the_four_panels():
    from sim.teaching.app import Settings, build_model, trajectory_figure

    m = build_model(Settings())
    m.step()
    fig = trajectory_figure(m)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["Trilateral cooperation index", "Leader approval",
                      "Alignment (-1 China .. +1 US)", "Pairwise cooperation"]  # fmt: skip


def test_ensemble_runs_200_seeds_of_the_current_settings():
    from sim.teaching.app import Settings, ensemble_figure, ensemble_summary, ensemble_text

    s = Settings(overrides=(("us_coercion", 0.9),), months=36, seed=4)
    e = ensemble_summary(s)
    ref = simulate(s.spec(), 4, np.arange(200))
    assert e["runs"] == 200 and e["tri"].shape == (200, 37)
    assert e["p_inst"] == pytest.approx(ref.summary["institutionalised"].mean())
    assert f"= {e['p_inst']:.3f}" in ensemble_text(e, s)
    assert len(ensemble_figure(e).axes) == 2


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


def test_play_tab_offers_decline_beside_no_step_and_logs_it():
    """The play-a-country tab rendered without a browser (solara.render): the decline move is a
    button of its own, next to the 'no step of my own' one, and playing it logs it."""
    import ipyvuetify as v

    from sim.teaching.app import PlayTab, Settings

    _, rc = solara.render(PlayTab(Settings()), handle_error=False)
    rc.find(v.Btn, children=["Start game"]).widget.click()

    def move(name: str) -> Any:
        found = [b for b in rc.find(v.Btn).widgets if f"move-{name}" in b.class_.split()]
        assert len(found) == 1, name
        return found[0]

    none, decline = move("none"), move("decline")
    assert none.children[0].startswith("No step of my own (join a joint step if proposed)")
    assert decline.children[0].startswith("Decline any joint step this month")
    assert not decline.disabled
    decline.click()
    shown = [str(h.children[0]) for h in rc.find(v.Html, tag="pre").widgets]
    assert any("Month 1 of 12" in t for t in shown)
    assert any("Decline any joint step this month" in t and "->" in t for t in shown)


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
