#!/usr/bin/env python3
"""Regenerate the app's screenshots in docs/screenshots/ at 1024, 1366 and 1920 px wide.

Starts ``alignsim app`` on a free port of 127.0.0.1, drives Debian's Chromium with Playwright
(never ``playwright install``), and saves for each width: the Explore tab after 12 months, the
Ensemble tab with an ensemble and a sweep, and the Info tab. Every request must stay on this
machine: the script fails otherwise.

    python tools/make_screenshots.py [--out docs/screenshots] [--widths 1024 1366 1920]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from browser import CHROMIUM_ARGS, app_server, chromium_path, is_local, open_tab  # noqa: E402

WIDTHS = (1024, 1366, 1920)
HEIGHT = 900
TIMEOUT_MS = 60_000


def local_only(route: Any, outside: list[str]) -> None:
    if is_local(route.request.url):
        route.continue_()
    else:
        outside.append(route.request.url)
        route.abort()


def shoot(browser: Any, url: str, width: int, out: Path) -> list[Path]:
    from playwright.sync_api import expect

    outside: list[str] = []
    ctx = browser.new_context(viewport={"width": width, "height": HEIGHT})
    ctx.route("**/*", lambda r: local_only(r, outside))
    page = ctx.new_page()
    page.goto(url)
    expect(page.locator(".month-panel")).to_contain_text("Month 0 of", timeout=TIMEOUT_MS)
    saved = []
    page.locator(".btn-run12").click()
    expect(page.locator(".month-panel")).to_contain_text("Month 12 of", timeout=TIMEOUT_MS)
    page.locator(".js-plotly-plot").first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(800)
    saved.append(out / f"app_explore_{width}.png")
    page.screenshot(path=str(saved[-1]))
    open_tab(page, "Ensemble", ".btn-ensemble", TIMEOUT_MS)
    page.locator(".btn-ensemble").click()
    expect(page.locator(".ensemble-panel")).to_contain_text("runs", timeout=TIMEOUT_MS)
    page.locator(".btn-sweep").click()
    expect(page.locator(".sweep-result")).to_contain_text("95% interval", timeout=TIMEOUT_MS)
    page.wait_for_timeout(800)
    page.locator(".ensemble-panel").scroll_into_view_if_needed()
    saved.append(out / f"app_ensemble_{width}.png")
    page.screenshot(path=str(saved[-1]))
    page.locator(".sweep-result").scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    saved.append(out / f"app_sweep_{width}.png")
    page.screenshot(path=str(saved[-1]))
    open_tab(page, "Info", ".info-page", TIMEOUT_MS)
    expect(page.locator(".info-page")).to_contain_text("How to cite", timeout=TIMEOUT_MS)
    page.get_by_role("tab", name="Info").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    saved.append(out / f"app_info_{width}.png")
    page.screenshot(path=str(saved[-1]))
    ctx.close()
    if outside:
        raise SystemExit(f"requests left the machine: {outside}")
    return saved


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    ap.add_argument("--widths", type=int, nargs="+", default=list(WIDTHS))
    args = ap.parse_args(argv)
    chromium = chromium_path()
    if chromium is None:
        raise SystemExit(
            "make_screenshots: Debian's `chromium` is needed (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with app_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            for w in args.widths:
                for path in shoot(browser, url, w, args.out):
                    print(
                        f"make_screenshots: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
                    )
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
