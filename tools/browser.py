"""Browser plumbing shared by the browser tests, tools/make_screenshots.py and the benchmarks.

Debian's Chromium driven by Python Playwright (never ``playwright install``): where the browser
is, the flags it runs with, a free local port, a server started as a subprocess and stopped on
exit, the test of whether a request stays on this machine, and the browsers a benchmark opens
a class of pages in.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
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
#: Pages a benchmark puts in one browser at most. One Chromium opens at most 6 connections to a
#: host for all its pages, so a class of pages in one browser queues each other's page loads and
#: long polls (class mode then drops students as gone), which students on their own devices
#: never do; 5 leaves one connection spare.
PAGES_PER_BROWSER = 5
MISSING = (
    "Chromium is not installed: the browser tests need Debian's `chromium` "
    "(apt-get install -y chromium); never `playwright install`"
)


def chromium_path() -> str | None:
    """The ``chromium`` command, or None."""
    return shutil.which("chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def is_local(url: str) -> bool:
    """Whether a request stays on this machine (data: and blob: URLs never leave the page)."""
    if url.startswith(("data:", "blob:")):
        return True
    host = url.split("/")[2].split(":")[0] if "://" in url else ""
    return host in LOCAL_HOSTS


def launch_browsers(playwright: Any, pages: int, chromium: str) -> list[Any]:
    """Enough Chromium browsers for ``pages`` pages, :data:`PAGES_PER_BROWSER` each; page ``i``
    goes in browser ``i // PAGES_PER_BROWSER``."""
    n = max(1, -(-pages // PAGES_PER_BROWSER))
    return [playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            for _ in range(n)]  # fmt: skip


def stay_on(base: str, outside: list[str]) -> Callable[[Any], None]:
    """A Playwright route handler that lets requests to the server at ``base`` through and
    records any other request in ``outside`` and aborts it."""

    def route(r: Any) -> None:
        if r.request.url.startswith(base + "/") or r.request.url == base:
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    return route


def open_tab(page: Any, name: str, anchor: str, timeout_ms: int = 30_000) -> None:
    """Click the app's tab ``name`` and wait until its slide-in has ended: the tab is selected,
    no window transition runs and the element ``anchor`` (a selector inside the tab) has kept
    its place for two looks in a row. A click during the slide-in can land where the button
    no longer is (seen under load), so tests click a tab's buttons only after this.

    Raises TimeoutError if the tab has not settled within ``timeout_ms``."""
    tab = page.get_by_role("tab", name=name)
    tab.click(timeout=timeout_ms)
    target = page.locator(anchor).first
    moving = page.locator(".v-window__container--is-active")
    deadline = time.monotonic() + timeout_ms / 1000
    last, still = None, 0
    while time.monotonic() < deadline:
        box = target.bounding_box() if target.count() else None
        settled = (tab.get_attribute("aria-selected") == "true" and moving.count() == 0
                   and box is not None and box["width"] > 0)  # fmt: skip
        still = still + 1 if settled and box == last else 0
        if still >= 2:
            return
        last = box
        page.wait_for_timeout(60)
    raise TimeoutError(f"the tab {name!r} did not settle within {timeout_ms / 1000:.0f} s "
                       f"({anchor} not shown in place)")  # fmt: skip


class ServerError(RuntimeError):
    """The server exited or did not answer in time (the message has its output)."""


@contextmanager
def app_server(args: Sequence[str] = (), timeout: float = 120.0) -> Iterator[str]:
    """``alignsim app`` on a free port of 127.0.0.1 (with ``args``); its address, and the
    server stopped on exit. Raises :class:`ServerError` if it does not answer in time."""
    port = free_port()
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    # the server's output goes to a file, not a pipe: nobody reads a pipe while the server runs,
    # and a full one would block it
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "app", "--port", str(port), *args],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    try:
        while True:
            if proc.poll() is not None:
                log.seek(0)
                out = log.read().decode(errors="replace")
                raise ServerError(f"alignsim app exited with {proc.returncode}:\n{out}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 - local server
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise ServerError(f"alignsim app did not answer within {timeout:.0f} s")
            time.sleep(0.3)
        yield url
    finally:
        stop(proc)
        log.close()


def stop(proc: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    """Terminate a server subprocess (kill it if it does not stop within 10 s)."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
