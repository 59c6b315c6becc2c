"""Class mode end to end in a real browser (Debian's Chromium, Python Playwright): an instructor
and three students in one group play a whole preset through ``alignsim class``.

Screenshots of a student page (a proposal to answer) and of the instructor's results go to
$ALIGNSIM_SCREENSHOTS when set (docs/screenshots/class_*.png come from there).

Every request any page makes is intercepted: a request to anything but the server's own host
and port is aborted and fails the test. Without a ``chromium`` command these tests skip, except
under CI=true, where they fail. Never ``playwright install``.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import chromium, launch, stop

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT_MS = 20_000
TOKEN = "browser-test-token"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """``alignsim class`` on a free port of 127.0.0.1; its base address."""
    chromium()
    proc = subprocess.Popen(
        # pages starved of CPU on a loaded machine must not be dropped mid-test (dropping is
        # tested in test_class_http.py)
        [
            sys.executable,
            "-m",
            "sim.cli",
            "class",
            "--port",
            "0",
            "--token",
            TOKEN,
            "--drop-after",
            "600",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = ""
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline() if proc.stdout else ""
            if not line:
                break
            lines.append(line)
            if "students open:" in line:
                base = line.split("students open:")[1].strip().rstrip("/")
            if "instructor opens:" in line:
                break
        if not base:
            pytest.fail("alignsim class did not start:\n" + "".join(lines))
        yield base
    finally:
        stop(proc)


class Page:
    """One browser context (its own storage) that lets through requests to the server only."""

    def __init__(self, browser: Any, base: str, path: str) -> None:
        self.base = base
        self.outside: list[str] = []
        self.failed: list[str] = []
        self.context = browser.new_context(
            viewport={"width": 1366, "height": 900}, accept_downloads=True
        )
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on(
            "response", lambda r: r.status >= 400 and self.failed.append(f"{r.status} {r.url}")
        )
        self.page.on("dialog", lambda d: d.accept())
        self.page.goto(base + path)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url == self.base or url.startswith(self.base + "/"):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def month_is(self, text: str) -> None:
        from playwright.sync_api import expect

        expect(self.page.locator("#month")).to_contain_text(text, timeout=TIMEOUT_MS)


def _expect(locator: Any) -> Any:
    from playwright.sync_api import expect

    return expect(locator)


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    yield from launch()


def _join(browser: Any, base: str, name: str) -> Page:
    s = Page(browser, base, "/")
    s.page.locator("#join-name").fill(name)
    s.page.locator("#join-group").fill("a")
    s.page.locator("#join-button").click()
    s.month_is("Month 1 of 12")
    return s


def _choose(s: Page, move: str, *, confirm: bool = True) -> None:
    """Click a move; with ``confirm``, wait for the page to mark it chosen (not for the last
    choice of an auto-advancing month: the page may already show the next month)."""
    s.page.locator(f'button.move[data-move="{move}"]').click()
    if not confirm:
        return
    _expect(s.page.locator("li.chosen").locator(f'button[data-move="{move}"]')).to_be_visible(
        timeout=TIMEOUT_MS
    )


def test_instructor_and_three_students_play_a_preset(browser: Any, server: str, tmp_path: Path):
    teacher = Page(browser, server, f"/instructor?token={TOKEN}")
    tp = teacher.page
    tp.locator("#preset").select_option("exercise_4")
    tp.locator("#open").click()
    teacher.month_is("Month 1 of 12")

    rok, jpn, us = (_join(browser, server, n) for n in ("Ana", "Bo", "Cy"))
    _expect(rok.page.locator("#who")).to_contain_text("South Korea (Seoul), group A")
    _expect(jpn.page.locator("#who")).to_contain_text("Japan (Tokyo), group A")
    _expect(us.page.locator("#who")).to_contain_text("United States (Washington), group A")
    _expect(tp.locator('tr[data-group="A"]')).to_contain_text("Ana (ROK: choosing)")
    # Seoul at 24% approval cannot afford its own steps: the page says why
    _expect(rok.page.locator(".why").first).to_contain_text("Not open:")

    # month 1: Tokyo proposes the grand bargain; Seoul must accept it
    _choose(jpn, "grand_bargain")
    _expect(rok.page.locator(".proposal")).to_contain_text(
        "Japan (Tokyo) proposes a joint step: Grand bargain"
    )
    _expect(jpn.page.locator("#choice")).to_contain_text(
        "waiting for your partner to accept or decline"
    )
    shots = Path(os.environ.get("ALIGNSIM_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    rok.page.screenshot(path=str(shots / "class_student.png"), full_page=True)
    rok.page.locator(".proposal button.accept").click()
    _expect(rok.page.locator(".proposal")).to_contain_text("(you accepted)")
    _expect(jpn.page.locator("#choice")).to_contain_text("your partner accepted")
    _choose(us, "0.4")
    _expect(tp.locator("#status")).to_contain_text("everyone has chosen", timeout=TIMEOUT_MS)
    tp.locator("#advance").click()
    for s in (rok, jpn, us, teacher):
        s.month_is("Month 2 of 12")
    _expect(rok.page.locator("#news")).to_contain_text("both take Grand bargain")

    # month 2: the class advances by itself once everyone has chosen
    tp.locator("#auto").check()
    tp.locator("#set-timer").click()
    _choose(rok, "none")
    _choose(jpn, "none")
    rok.month_is("Month 2 of 12")  # Cy has not chosen yet
    _choose(us, "0.2", confirm=False)  # the last choice: the month advances at once
    for s in (rok, jpn, us, teacher):
        s.month_is("Month 3 of 12")
    _expect(tp.locator("#status")).to_contain_text("Last month advanced by: all chose")

    # the rest by the instructor's clicks; the agents play the students' roles
    tp.locator("#auto").uncheck()
    tp.locator("#set-timer").click()
    for month in range(3, 13):
        tp.locator("#advance").click()
        teacher.month_is(f"Month {month + 1} of 12" if month < 12 else "Game over")
    for s in (rok, jpn, us):
        s.month_is("Game over after 12 months")
        _expect(s.page.locator("#debrief")).to_be_visible()
        _expect(s.page.locator("#outcomes")).to_contain_text("Group A (yours)")
        _expect(s.page.locator("#outcomes")).to_contain_text(
            "Agents: both allies play small persistent steps"
        )
    _expect(tp.locator("#results")).to_be_visible()
    _expect(tp.locator("#chart svg polyline")).to_have_count(6)  # one group + 5 agent runs
    _expect(tp.locator("#outcomes")).to_contain_text("Agents: the scenario as written")
    shot = shots / "class_instructor.png"
    tp.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000 and (shots / "class_student.png").stat().st_size > 10_000

    with tp.expect_download() as dl:
        tp.locator("#csv").click()
    rows = list(csv.DictReader(io.StringIO(Path(dl.value.path()).read_text())))
    assert len(rows) == 3 * 12
    first = {
        (r["student"], r["role"], r["move"], r["decided_by"]) for r in rows if r["month"] == "1"
    }
    assert first == {("Ana", "ROK", "none", "student"), ("Bo", "JPN", "grand_bargain", "student"),
                     ("Cy", "US", "0.4", "student")}  # fmt: skip
    assert {r["partner_answer"] for r in rows if r["month"] == "1" and r["role"] == "ROK"} == {
        "accepted grand_bargain"
    }

    # ending the session sends the students back to the join form
    tp.locator("#end").click()
    _expect(tp.locator("#month")).to_contain_text("Session ended")
    for s in (rok, jpn, us):
        _expect(s.page.locator("#wait-text")).to_contain_text(
            "The instructor has ended the session", timeout=TIMEOUT_MS
        )

    for s in (teacher, rok, jpn, us):
        assert s.outside == [], f"requests leaving the server's host: {s.outside}"
        # the only failed request allowed: the students' poll after the end (410: session closed)
        assert all(f.startswith("410 ") and "/api/state" in f for f in s.failed), s.failed
        s.context.close()
