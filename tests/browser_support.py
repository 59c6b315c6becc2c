"""What the browser tests share: the Chromium they drive (skipped without it, except under
CI=true, where a missing browser fails) and the app server (tools/browser.py)."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_PATH = Path(__file__).resolve().parents[1] / "tools" / "browser.py"
_spec = importlib.util.spec_from_file_location("alignsim_tools_browser", _PATH)
assert _spec is not None and _spec.loader is not None
B: Any = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = B
_spec.loader.exec_module(B)

CHROMIUM_ARGS: list[str] = B.CHROMIUM_ARGS
LOCAL_HOSTS: tuple[str, ...] = B.LOCAL_HOSTS
is_local = B.is_local
free_port = B.free_port
stop = B.stop
open_tab = B.open_tab


def route_local(route: Any, requests: list[str], outside: list[str]) -> None:
    """A Playwright route handler's body: record the request, let it through if it stays on
    this machine, else record it in ``outside`` and abort it."""
    url = route.request.url
    requests.append(url)
    if is_local(url):
        route.continue_()
    else:
        outside.append(url)
        route.abort()


def chromium() -> str:
    """The chromium command; skips the test without it (fails under CI=true)."""
    path = B.chromium_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true: " + B.MISSING)
        pytest.skip(B.MISSING)
    return str(path)


def serve_app() -> Iterator[str]:
    """``alignsim app`` on a free local port for a module's tests (use in a fixture)."""
    chromium()
    try:
        with B.app_server(timeout=90) as url:
            yield url
    except B.ServerError as e:
        pytest.fail(str(e))


def launch() -> Iterator[Any]:
    """A headless Chromium for a module's tests (use in a fixture)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        yield b
        b.close()
