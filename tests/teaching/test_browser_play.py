"""The app's "Play a country" tab in a real browser (Debian's Chromium, Python Playwright).

The module starts ``alignsim app`` on a free port on 127.0.0.1 and stops it afterwards; every
request the page makes is intercepted, and anything not addressed to this machine is aborted and
fails the test. Checked: the Months control (number box and slider, with width) at 1024, 1366
and 1920 px; a 24-month game (exercise 3's length) played to the end; every move that is not open
shows why; the debrief has human names (no raw column names, no -1, no False), a takeaway and a
plot; the game says it is over after the last month.

Without a ``chromium`` command these tests skip with a message, except under CI=true, where they
fail. Never ``playwright install``.
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
RAW_NAMES = ("final_trilateral", "max_trilateral", "inst_month", "final_approval", "steps_ROK",
             "steps_JPN", "small_steps", "tit_for_tat", "status_quo", "grand_bargain")  # fmt: skip


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    """``alignsim app`` on a free local port; stopped at the end of the module."""
    yield from serve_app()


@pytest.fixture(scope="module")
def browser(app_url: str) -> Iterator[Any]:
    yield from launch()


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as _expect

    return _expect(locator)


class PlayPage:
    """One browser context (its own app session) on the Play tab, recording requests."""

    def __init__(self, browser: Any, url: str, width: int) -> None:
        self.width = width
        self.context = browser.new_context(viewport={"width": width, "height": 1000})
        self.requests: list[str] = []
        self.outside: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.goto(url)
        open_tab(self.page, "Play a country", ".play-months .v-slider", TIMEOUT_MS * 2)
        self.status = self.page.locator(".play-status")

    def _route(self, route: Any) -> None:
        route_local(route, self.requests, self.outside)

    def set_months(self, n: int) -> None:
        box = self.page.locator(".play-months-box input")
        box.fill(str(n))
        box.press("Enter")
        expect(self.page.locator(".play-months")).to_contain_text(f"Months: {n}")

    def idle(self) -> None:
        expect(self.page.locator(".play-busy")).to_have_count(0, timeout=TIMEOUT_MS)

    def close(self) -> None:
        self.context.close()


def _check_reasons(p: PlayPage) -> int:
    """Every move button that is disabled (the page idle) has a "Why not" line; returns how many."""
    rows = p.page.locator(".play-moves .move-row")
    n = 0
    for i in range(rows.count()):
        row = rows.nth(i)
        if row.locator("button.move[disabled]").count():
            n += 1
            why = row.locator(".why-not")
            expect(why).to_have_count(1)
            text = why.inner_text()
            assert text.startswith("Why not: ") and len(text) > 30, text
        else:
            assert row.locator(".why-not").count() == 0
    return n


@pytest.mark.parametrize("width", [1024, 1366, 1920])
def test_months_has_a_number_box_and_a_slider_with_width(browser: Any, app_url: str, width: int):
    p = PlayPage(browser, app_url, width)
    try:
        track = p.page.locator(".play-months .v-slider").bounding_box()
        assert track is not None and track["width"] >= 150, track
        for sel in (".play-months", ".play-months-box", ".btn-start-game"):
            box = p.page.locator(sel).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (
                sel,
                box,
            )
        p.set_months(24)  # exercise 3's length, typed
        thumb = p.page.locator(".play-months [role=slider]")
        assert thumb.get_attribute("aria-valuenow") == "24"
        thumb.focus()
        thumb.press("ArrowRight")  # and the slider moves the box
        expect(p.page.locator(".play-months")).to_contain_text("Months: 25")
        expect(p.page.locator(".play-months-box input")).to_have_value("25")
        p.page.locator(".btn-start-game").click()
        expect(p.status).to_contain_text("Month 1 of 25 (2022-09)", timeout=TIMEOUT_MS)
        assert p.outside == [], p.outside
    finally:
        p.close()


def test_a_24_month_game_runs_to_its_debrief(browser: Any, app_url: str, tmp_path: Path):
    p = PlayPage(browser, app_url, 1366)
    page = p.page
    try:
        p.set_months(24)
        page.locator(".btn-start-game").click()
        expect(p.status).to_contain_text("Month 1 of 24 (2022-09)", timeout=TIMEOUT_MS)
        expect(page.locator(".play-moves")).to_contain_text("initiative margin")
        shots = Path(os.environ.get("ALIGNSIM_SCREENSHOTS") or tmp_path)
        shots.mkdir(parents=True, exist_ok=True)
        p.idle()
        page.locator(".play-moves").screenshot(path=str(shots / "play_moves.png"))
        moves = page.locator(".play-moves").bounding_box()
        assert moves is not None
        for i in range(page.locator(".play-moves .move-row").count()):
            b = page.locator(".play-moves button.move").nth(i).bounding_box()
            assert b and b["x"] >= moves["x"] - 1, b
            assert b["x"] + b["width"] <= moves["x"] + moves["width"] + 1, (i, b, moves)
        reasons = 0
        for month in range(1, 25):
            expect(p.status).to_contain_text(f"Month {month} of 24")
            p.idle()  # the month's result is drawn while the move's task ends
            reasons += _check_reasons(p)
            enabled = page.locator(".play-moves button.move:not([disabled])")
            # a step when one is open (the second open move), else no step of my own
            (enabled.nth(1) if month % 3 and enabled.count() > 2 else enabled.first).click()
            if month == 1:
                expect(page.locator(".play-log")).to_contain_text("Month 1 of 24 (2022-09)")
        assert reasons > 24  # moves not open were shown (with reasons) throughout
        over = page.locator(".play-over")
        expect(over).to_contain_text("game is over after 24 months", timeout=TIMEOUT_MS)
        expect(page.locator(".play-moves")).to_have_count(0)  # no Step after the last month
        expect(p.status).to_contain_text("Game over after 24 months (2024-08)")
        debrief = page.locator(".debrief")
        expect(debrief).to_contain_text(
            "Your run ended with a trilateral index of", timeout=TIMEOUT_MS
        )
        table = page.locator(".debrief-table").inner_text()
        assert "You (Seoul)" in table and "Agent Seoul playing small steps" in table
        assert "Institutionalised in month" in table and "Final trilateral index" in table
        for raw in RAW_NAMES:
            assert raw not in table, raw
        assert "-1" not in table and "False" not in table and "True" not in table
        decimals = re.findall(r"\d\.\d+", table)
        assert decimals and all(len(d.split(".")[1]) == 3 for d in decimals)
        plot = page.locator(".debrief-plot .js-plotly-plot")
        plot.wait_for(timeout=TIMEOUT_MS)
        expect(plot.locator(".scatterlayer .trace")).to_have_count(5, timeout=TIMEOUT_MS)
        expect(plot).to_contain_text("Trilateral cooperation index")
        page.wait_for_timeout(2000)  # the plot fits itself to its box
        box, drawn = page.locator(".debrief-plot").bounding_box(), plot.bounding_box()
        assert box and drawn and 0.9 * box["width"] <= drawn["width"] <= box["width"] + 1
        table_overflow = page.locator(".debrief-table").evaluate(
            "t => t.parentElement.scrollWidth - t.parentElement.clientWidth"
        )
        assert table_overflow <= 1, f"the debrief table is {table_overflow} px too wide"
        expect(page.get_by_text("Download the decision log (CSV)")).to_be_visible()
        log = page.locator(".play-log-table")
        expect(log.locator("tr")).to_have_count(25)  # header and 24 months
        expect(log).to_contain_text("Month 24 of 24 (2024-08)")
        overflow = log.evaluate("t => t.parentElement.scrollWidth - t.parentElement.clientWidth")
        assert overflow <= 1, f"the decision log is {overflow} px too wide for its box"
        shot = shots / "play_debrief.png"
        debrief.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000
        assert p.outside == [], f"requests leaving the machine: {p.outside}"
        assert p.requests
    finally:
        p.close()
