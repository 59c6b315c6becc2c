"""End-to-end tests of the teaching app in a real browser (Debian's Chromium, Python Playwright).

The tests start ``alignsim app`` on a free port on 127.0.0.1 and stop it afterwards. Every
request the page makes is intercepted: anything not addressed to this machine is aborted and
fails the test, so the page must render from locally served assets only.

Without a ``chromium`` command these tests skip with a message, except under CI=true, where they
fail (CI installs Chromium with apt, see .ci/run). Never ``playwright install``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import launch, open_tab, route_local, serve_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    """``alignsim app`` on a free local port; stopped at the end of the module."""
    yield from serve_app()


@pytest.fixture(scope="module")
def browser(app_url: str) -> Iterator[Any]:
    yield from launch()


class Session:
    """One browser context (its own cookies, so its own app session), recording requests."""

    def __init__(self, browser: Any, url: str, width: int = 1400, height: int = 1000) -> None:
        self.width, self.height = width, height
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.requests: list[str] = []
        self.outside: list[str] = []
        self.failed: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("response", self._response)
        self.page.goto(url)
        self.panel = self.page.locator(".month-panel")
        self.expect(self.panel).to_contain_text("Month 0 of", timeout=TIMEOUT_MS)

    def _route(self, route: Any) -> None:
        route_local(route, self.requests, self.outside)

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.failed.append(f"{response.status} {response.url}")

    @staticmethod
    def expect(locator: Any) -> Any:
        from playwright.sync_api import expect

        return expect(locator)

    def step(self, n: int = 1) -> None:
        for _ in range(n):
            self.page.locator(".btn-step").click()

    def month_is(self, month: int) -> None:
        self.expect(self.panel).to_contain_text(f"Month {month} of", timeout=TIMEOUT_MS)

    def row(self, label: str) -> Any:
        """The numbers panel's row whose label starts with ``label``."""
        return self.panel.locator("tr", has_text=label).first

    def control(self, name: str) -> Any:
        return self.page.locator(f".param-{name}")

    def idle(self) -> None:
        """Wait until no button shows work in progress (the page has settled)."""
        self.expect(self.page.locator(".busy-text")).to_have_count(0, timeout=TIMEOUT_MS)
        self.expect(self.page.locator(".btn-reset")).to_be_enabled(timeout=TIMEOUT_MS)

    def type_into(self, box: Any, value: str) -> None:
        """Type a value and press Enter as a person does: the box's text reaches the server
        before the Enter key (a widget's text can lag behind an event sent at once)."""
        box.fill(value)
        self.page.wait_for_timeout(400)
        box.press("Enter")

    def apply(self) -> None:
        self.page.locator(".btn-apply").click()
        self.expect(self.page.locator(".pending-text")).to_contain_text(
            "All settings applied", timeout=TIMEOUT_MS
        )
        self.idle()

    def tab(self, name: str, anchor: str) -> None:
        """Open a tab and wait for its slide-in to end (``anchor``: a selector in the tab)."""
        open_tab(self.page, name, anchor, TIMEOUT_MS)

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def session(browser: Any, app_url: str) -> Iterator[Session]:
    """One browser session shared by the module's tests (a page load costs seconds); each test
    starts from whatever month it finds and resets when it needs month 0."""
    s = Session(browser, app_url)
    yield s
    s.close()


def _screenshot_dir(tmp_path: Path) -> Path:
    d = os.environ.get("ALIGNSIM_SCREENSHOTS")
    return Path(d) if d else tmp_path


def _reset(s: Session) -> None:
    s.tab("Explore", ".btn-reset")
    s.page.locator(".btn-reset").click()
    s.month_is(0)
    s.idle()


def test_page_renders_offline_and_step_advances_the_month(session: Session, tmp_path: Path):
    page = session.page
    # the page rendered from this machine only: every request local, none failed
    assert session.requests, "no requests recorded"
    assert session.outside == [], f"requests leaving the machine: {session.outside}"
    assert any("/_solara/cdn/" in u for u in session.requests), "front-end assets not proxied"
    assert session.failed == [], f"failed requests: {session.failed}"
    session.expect(page.get_by_text("not a forecast").first).to_be_visible()
    _reset(session)
    # the text panel gives checkable numbers; Step advances the month
    session.expect(session.panel).to_contain_text("Trilateral cooperation index")
    session.step()
    session.month_is(1)
    session.step(2)
    session.month_is(3)
    session.expect(page.locator(".event-log")).to_contain_text("2022-")
    shot = _screenshot_dir(tmp_path) / "app.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")
    assert session.outside == []


#: Clicks a button of the Explore tab and reads, in the same turn and just after it, whether the
#: tab shows itself busy: its class, the "Working..." note, the buttons disabled.
BUSY_CLICK_JS = """(selector) => new Promise((done) => {
  const box = document.querySelector('.explore-tab');
  const read = () => ({busy: box.classList.contains('explore-busy'),
    note: getComputedStyle(box.querySelector('.busy-note')).display !== 'none',
    disabled: [...box.querySelectorAll('.btn-step, .btn-run12, .btn-reset')].map((b) => b.disabled)});
  const before = read();
  document.querySelector(selector).click();
  const now = read();
  setTimeout(() => done({before, now, after: read()}), 0);
})"""


#: well under the 20 s after which the page drops a busy mark that got no answer
CLEARED_MS = 8_000


def _set_months_and_apply(session: Session, months: int) -> None:
    session.type_into(session.page.locator(".months-control .num-box input"), str(months))
    session.apply()
    session.expect(session.panel).to_contain_text(f"Month 0 of {months}", timeout=TIMEOUT_MS)


def test_step_run_and_reset_show_busy_until_the_answer_arrives(session: Session):
    """The busy mark is the browser's own: on at the click (no round trip to the server), off
    once the new month is on the page; Step after the last month clears it too."""
    _reset(session)
    box = session.page.locator(".explore-tab")
    idle = {"busy": False, "note": False, "disabled": [False, False, False]}
    busy = {"busy": True, "note": True, "disabled": [True, True, True]}
    for selector, month in ((".btn-step", 1), (".btn-run12", 13), (".btn-reset", 0)):
        seen = session.page.evaluate(BUSY_CLICK_JS, selector)
        assert seen["before"] == idle, (selector, seen)
        assert seen["now"]["busy"] and seen["now"]["note"], (selector, seen)
        assert seen["after"] == busy, (selector, seen)
        session.month_is(month)
        session.expect(box).not_to_have_class(re.compile("explore-busy"), timeout=CLEARED_MS)
        session.expect(session.page.locator(".busy-note")).to_be_hidden()
        for b in (".btn-step", ".btn-run12", ".btn-reset"):
            session.expect(session.page.locator(b)).to_be_enabled()
    # an answer that shows no new month (the run is over) ends the mark as well
    _set_months_and_apply(session, 6)
    session.page.locator(".btn-run12").click()
    session.month_is(6)
    session.expect(box).not_to_have_class(re.compile("explore-busy"), timeout=CLEARED_MS)
    seen = session.page.evaluate(BUSY_CLICK_JS, ".btn-step")
    assert seen["after"] == busy, seen
    session.expect(session.page.locator(".step-message")).to_contain_text("last month")
    session.expect(box).not_to_have_class(re.compile("explore-busy"), timeout=CLEARED_MS)
    _set_months_and_apply(session, 60)


def test_a_typed_value_waits_for_apply_and_then_changes_the_model(session: Session):
    page = session.page
    _reset(session)
    ctl = session.control("rok_approval0")
    session.expect(ctl).to_contain_text("ROK leader's approval at month 0 (share, 0-1)")
    session.expect(ctl).not_to_contain_text("rok_approval0")
    approval = session.row("Approval of the ROK leader")
    session.expect(approval).to_contain_text("0.240")
    box = ctl.locator(".num-box input")
    session.type_into(box, "0.9")
    # pending, said so, and not yet used: Step continues the applied run
    bar = page.locator(".pending-bar")
    session.expect(bar).to_contain_text("1 change not applied")
    session.expect(bar).to_contain_text("ROK leader's approval at month 0 (share, 0-1)")
    session.step()
    session.month_is(1)
    session.expect(approval).to_contain_text(re.compile(r"0\.2[0-9]{2}"))
    session.apply()
    session.month_is(0)
    session.expect(approval).to_contain_text("0.900")
    # the slider's thumb follows the typed value, and the box follows the slider
    slider = ctl.locator("[role=slider]")
    assert slider.get_attribute("aria-valuenow") == "0.9"
    slider.focus()
    slider.press("ArrowLeft")
    expect_value(session, box, "0.89")
    # discard goes back to the applied value
    page.locator(".btn-discard").click()
    expect_value(session, box, "0.9")
    session.expect(bar).to_contain_text("All settings applied")
    # a value outside the declared range is refused with the range
    session.type_into(box, "1.5")
    session.expect(ctl.locator(".control-error")).to_contain_text("[0.0, 1.0]")
    session.expect(bar).to_contain_text("All settings applied")
    # back to the scenario's values for the other tests
    page.locator(".btn-clear-params").click()
    session.apply()
    session.expect(approval).to_contain_text("0.240")


def expect_value(session: Session, box: Any, value: str) -> None:
    session.expect(box).to_have_value(value, timeout=TIMEOUT_MS)


def test_changing_the_scenario_keeps_changes_and_says_so(session: Session):
    page = session.page
    _reset(session)
    box = session.control("rok_approval0").locator(".num-box input")
    session.type_into(box, "0.5")
    session.expect(page.locator(".pending-bar")).to_contain_text("1 change not applied")
    page.locator(".scenario-select").click()
    page.get_by_role("option", name="status_quo").click()
    note = page.locator(".scenario-note")
    session.expect(note).to_contain_text("your 1 parameter change is kept")
    session.expect(note).to_contain_text("kept")
    bar = page.locator(".pending-bar")
    session.expect(bar).to_contain_text("2 changes not applied")
    session.expect(bar).to_contain_text("scenario default -> status_quo")
    expect_value(session, box, "0.5")
    page.locator(".btn-discard").click()
    session.expect(bar).to_contain_text("All settings applied")
    expect_value(session, box, "0.24")


def test_months_control_and_step_after_the_last_month(session: Session):
    page = session.page
    _reset(session)
    months = page.locator(".months-control")
    track = months.locator(".v-slider")
    assert track.bounding_box()["width"] > 50
    session.type_into(months.locator(".num-box input"), "6")
    session.apply()
    session.expect(session.panel).to_contain_text("Month 0 of 6")
    page.locator(".btn-run12").click()
    session.month_is(6)
    msg = page.locator(".step-message")
    session.expect(msg).to_contain_text("reached its last month", timeout=TIMEOUT_MS)
    session.idle()
    page.locator(".btn-step").click()
    session.expect(msg).to_contain_text("reached its last month")
    session.month_is(6)
    session.idle()
    # back to 60 months
    session.type_into(months.locator(".num-box input"), "60")
    session.apply()
    session.expect(session.panel).to_contain_text("Month 0 of 60")


def _inside(box: dict[str, float], outer: dict[str, float], what: str, slack: float = 1.0) -> None:
    assert box["x"] >= outer["x"] - slack, (what, box, outer)
    assert box["x"] + box["width"] <= outer["x"] + outer["width"] + slack, (what, box, outer)


@pytest.mark.parametrize("width", [1024, 1366, 1920])
def test_layout_fits_at_classroom_widths(browser: Any, app_url: str, width: int, tmp_path: Path):
    s = Session(browser, app_url, width=width, height=900)
    try:
        page = s.page
        view = {"x": 0, "y": 0, "width": width, "height": 900}
        page.locator(".btn-run12").click()
        s.month_is(12)
        page.locator(".js-plotly-plot").first.wait_for(timeout=TIMEOUT_MS)
        page.wait_for_timeout(1000)  # let the plot fit its box
        sidebar = page.locator(".settings-panel").bounding_box()
        _inside(sidebar, view, "sidebar")
        # every control: inside the sidebar, a track wider than 50 px, all tracks equal,
        # an editable number box beside it
        groups = {"Starting conditions": "rok_approval0", "Leaders and publics": "approval_drift",
                  "US and China": "us_coercion"}  # fmt: skip
        shown = "rok_approval0"  # the group the page opens with
        for group, first in groups.items():
            page.locator(".group-select").click()
            page.get_by_role("option", name=group).click()
            s.control(first).wait_for(timeout=TIMEOUT_MS)
            if shown != first:  # the previous group's controls have gone (not counted mid-change)
                s.control(shown).wait_for(state="detached", timeout=TIMEOUT_MS)
            shown = first
            page.wait_for_timeout(300)
            controls = page.locator(".settings-panel .control")
            n = controls.count()
            assert n >= 3, group
            widths = []
            for k in range(n):
                c = controls.nth(k)
                c.scroll_into_view_if_needed()
                _inside(c.bounding_box(), sidebar, f"control {k} of {group}")
                track = c.locator(".v-slider").bounding_box()
                widths.append(track["width"])
                box = c.locator(".num-box input")
                assert box.is_editable(), (group, k)
                _inside(box.bounding_box(), sidebar, f"number box {k}")
            assert min(widths) > 50, (group, widths)
            assert max(widths) - min(widths) < 2, (group, widths)
        page.locator(".group-select").click()
        page.get_by_role("option", name="Starting conditions").click()
        main = page.locator(".explore-grid").bounding_box()
        _inside(main, view, "explore area")
        # the plot fits its box; the numbers panel fits the window, every value visible
        plot = page.locator(".js-plotly-plot").first.bounding_box()
        _inside(plot, main, "plot", slack=2)
        panel = s.panel.bounding_box()
        _inside(panel, view, "numbers panel")
        values = s.panel.locator("td.value")
        assert values.count() >= 11
        for k in range(values.count()):
            v = values.nth(k)
            b = v.bounding_box()
            assert b["width"] > 20 and v.inner_text().strip(), k
            _inside(b, panel, f"value {k}")
        # the event log's columns are not cut
        kinds = page.locator(".event-log td:nth-child(2)")
        if kinds.count():
            for k in range(min(kinds.count(), 10)):
                cell = kinds.nth(k)
                assert cell.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), k
        for btn in (".btn-step", ".btn-run12", ".btn-reset"):
            _inside(page.locator(btn).bounding_box(), view, btn)
        shot = _screenshot_dir(tmp_path) / f"layout_{width}.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot))
        assert s.outside == [], s.outside
        assert s.failed == [], s.failed
    finally:
        s.close()


def test_two_browser_sessions_stay_independent(session: Session, browser: Any, app_url: str):
    a = session
    _reset(a)
    b = Session(browser, app_url)
    try:
        a.step(3)
        a.month_is(3)
        b.month_is(0)
        b.step()
        b.month_is(1)
        a.month_is(3)
        # settings too: b's seed, strategy and parameter never reach a
        b.type_into(b.page.locator(".seed-input input"), "7")
        b.page.locator(".strategy-rok_strategy").click()
        b.page.get_by_role("option", name="grand_bargain").click()
        b.type_into(b.control("rok_approval0").locator(".num-box input"), "0.6")
        b.expect(b.page.locator(".pending-bar")).to_contain_text("3 changes not applied")
        b.apply()
        b.expect(b.panel).to_contain_text("seed 7")
        b.expect(b.panel).to_contain_text("Strategies: ROK grand_bargain")
        b.expect(b.row("Approval of the ROK leader")).to_contain_text("0.600")
        a.month_is(3)
        a.expect(a.panel).to_contain_text("seed 1")
        a.expect(a.panel).to_contain_text("Strategies: ROK small_steps")
        a.expect(a.page.locator(".pending-bar")).to_contain_text("All settings applied")
        a.expect(a.control("rok_approval0").locator(".num-box input")).to_have_value("0.24")
        assert b.outside == [] and a.outside == []
    finally:
        b.close()


def test_ensemble_view_reports_the_probability_of_institutions(session: Session):
    page = session.page
    session.tab("Ensemble", ".btn-ensemble")
    page.locator(".btn-ensemble").click()
    panel = page.locator(".ensemble-panel")
    session.expect(panel).to_contain_text("200 runs", timeout=TIMEOUT_MS)
    session.expect(panel).to_contain_text("P(institutionalised trilateral cooperation) = ")
    assert session.outside == []


def test_sweep_shows_the_probability_per_level(session: Session):
    page = session.page
    session.tab("Ensemble", ".btn-sweep")
    button = page.locator(".btn-sweep")
    session.type_into(page.locator(".sweep-levels input"), "3")
    session.expect(button).to_contain_text("3 levels")
    session.type_into(page.locator(".sweep-runs input"), "40")
    session.expect(button).to_contain_text("3 levels x 40 runs")
    # beyond the bounds: a clear message and no run
    session.type_into(page.locator(".sweep-runs input"), "5000")
    session.expect(page.locator(".sweep-problem")).to_contain_text("1 to 500")
    session.expect(button).to_be_disabled()
    session.type_into(page.locator(".sweep-runs input"), "40")
    session.expect(button).to_contain_text("3 levels x 40 runs")
    session.expect(button).to_be_enabled()
    button.click()
    result = page.locator(".sweep-result")
    session.expect(result).to_contain_text("P(institutionalised)", timeout=TIMEOUT_MS)
    rows = result.locator("tbody tr")
    session.expect(rows).to_have_count(3)
    for k in range(3):
        cells = rows.nth(k).locator("td")
        assert cells.nth(1).inner_text() == "40"
        p = float(cells.nth(3).inner_text())
        lo, hi = (float(x) for x in cells.nth(4).inner_text().split(" to "))
        assert 0 <= lo <= p <= hi <= 1
    session.expect(result.locator(".js-plotly-plot")).to_have_count(1)
    assert session.outside == []


def test_info_and_about_tabs(session: Session):
    page = session.page
    session.tab("Info", ".info-page")
    info = page.locator(".info-page")
    session.expect(info).to_contain_text("HOW IT WORKS")
    session.expect(info).to_contain_text("How to cite")
    session.expect(info).to_contain_text("MIT")
    session.tab("About", ".about-page")
    about = page.locator(".about-page")
    session.expect(about).to_contain_text("not a forecast")
    assert "docs/" not in about.inner_text()
    session.tab("Explore", ".btn-step")
