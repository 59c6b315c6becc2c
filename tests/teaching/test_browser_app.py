"""End-to-end tests of the teaching app in a real browser (Debian's Chromium, Python Playwright).

The tests start ``alignsim app`` on a free port on 127.0.0.1 and stop it afterwards. Every
request the page makes is intercepted: anything not addressed to this machine is aborted and
fails the test, so the page must render from locally served assets only.

Without a ``chromium`` command these tests skip with a message, except under CI=true, where they
fail (CI installs Chromium with apt, see .ci/run). Never ``playwright install``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
LOCAL_HOSTS = ("127.0.0.1", "localhost")
TIMEOUT_MS = 30_000


def _chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        msg = (
            "Chromium is not installed: the browser tests need Debian's `chromium` "
            "(apt-get install -y chromium); never `playwright install`"
        )
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true: " + msg)
        pytest.skip(msg)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    """Start ``alignsim app`` on a free local port; stop it at the end of the module."""
    _chromium()
    port = _free_port()
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "app", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    try:
        while True:
            if proc.poll() is not None:
                out = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"alignsim app exited with {proc.returncode}:\n{out}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 - local server
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("alignsim app did not answer within 90 s")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser(app_url: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        yield b
        b.close()


class Session:
    """One browser context (its own cookies, so its own app session), recording requests."""

    def __init__(self, browser: Any, url: str) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
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
        url = route.request.url
        self.requests.append(url)
        host = url.split("/")[2].split(":")[0] if "://" in url else ""
        if url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

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
    s.page.get_by_role("tab", name="Explore").click()
    s.page.locator(".btn-reset").click()
    s.month_is(0)


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


def test_changed_slider_takes_effect_on_reset(session: Session):
    page = session.page
    _reset(session)
    label = page.locator(".param-rok_approval0")
    session.expect(label).to_contain_text("rok_approval0 = 0.24 (share)")
    session.expect(session.panel).to_contain_text("Approval ROK leader            0.240")
    slider = page.locator(".param-rok_approval0 [role=slider]")
    slider.focus()
    for _ in range(6):
        slider.press("ArrowRight")
    session.expect(label).to_contain_text("rok_approval0 = 0.3 (share)")
    # not yet: the running model keeps its settings until Reset (Step continues the old run)
    session.expect(session.panel).to_contain_text("Approval ROK leader            0.240")
    session.step()
    session.month_is(1)
    page.locator(".btn-reset").click()
    session.month_is(0)
    session.expect(session.panel).to_contain_text("Approval ROK leader            0.300")
    # put it back for the other tests
    slider.focus()
    for _ in range(6):
        slider.press("ArrowLeft")
    session.expect(label).to_contain_text("rok_approval0 = 0.24 (share)")
    _reset(session)
    session.expect(session.panel).to_contain_text("Approval ROK leader            0.240")


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
        assert b.outside == []
    finally:
        b.close()


def test_short_play_a_country_game_runs_to_its_debrief(session: Session):
    page = session.page
    page.get_by_role("tab", name="Play a country").click()
    months = page.locator(".play-months [role=slider]")
    months.focus()
    months.press("Home")
    session.expect(page.locator(".play-months")).to_contain_text("Months = 3")
    page.locator(".btn-start-game").click()
    status = page.locator(".play-status")
    session.expect(status).to_contain_text("Month 0 of 3")
    # move costs are shown; the last affordable move but decline (a step when one is
    # affordable, else no step of one's own), then no step, then decline
    session.expect(page.locator(".play-moves")).to_contain_text("cost")
    step = page.locator(".play-moves button.move:not([disabled]):not(.move-decline)").last
    label = step.inner_text().split("[")[0].strip()
    step.click()
    session.expect(status).to_contain_text("Month 1 of 3")
    page.locator(".move-none").click()
    session.expect(status).to_contain_text("Month 2 of 3")
    page.locator(".move-decline").click()
    debrief = page.locator(".debrief")
    session.expect(debrief).to_contain_text("You (ROK)", timeout=TIMEOUT_MS)
    for name in ("small_steps", "grand_bargain", "tit_for_tat", "status_quo"):
        session.expect(debrief).to_contain_text(f"Agent ROK playing {name}")
    session.expect(page.get_by_text("Download the decision log (CSV)")).to_be_visible()
    session.expect(page.locator(".play-log")).to_contain_text(label, ignore_case=True)
    session.expect(page.locator(".play-log")).to_contain_text("Decline any joint step")


def test_ensemble_view_reports_the_probability_of_institutions(session: Session):
    page = session.page
    page.get_by_role("tab", name="Ensemble").click()
    page.locator(".btn-ensemble").click()
    panel = page.locator(".ensemble-panel")
    session.expect(panel).to_contain_text("200 runs", timeout=TIMEOUT_MS)
    session.expect(panel).to_contain_text("P(institutionalised trilateral cooperation) = ")
    assert session.outside == []
