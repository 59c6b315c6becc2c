"""(k) The teaching app (``alignsim app``) under a class: 30 browser sessions on one laptop.

Starts ``alignsim app`` on a free port and drives it with Playwright in Debian's Chromium: one
context per student (30 by default, ``--sessions N``), at most 5 to a browser
(``PAGES_PER_BROWSER`` in tools/browser.py, which says why). All pages are opened at once; the
page load of each is the time from its navigation to the Explore tab showing both the plot
and the numbers panel. Then a class-wide Step, ``--rounds`` times (3): every page clicks Step at
the same moment (a timer set in each page for one common instant; all pages run on one machine,
so they share the clock) and each page records when its numbers panel first shows
the next month (``Month k of ...``); the latency is that instant minus the click instant.
The first Step comes ``SETTLE_SECONDS`` (10) after the last page showed its plot: the class is
ready, and no page is still busy drawing itself when the Step is timed.

The server's memory (RSS, psutil) is read before the pages open, with all of them open (after the
Steps), and after the pages close and Solara has dropped their sessions (``/resourcez`` counts no
kernel). Bytes the server sent to a session (HTTP bodies as sent, websocket frames) are measured
with the Chrome DevTools protocol on the first ``--bytes-sessions`` pages (3: recording every
frame of every page would load the machine the timings are taken on).

Goals: each student sees the next month within 2 s of a class-wide click; memory goes back to its
starting level (within 10% or 20 MB) after the sessions close.
Run: .venv/bin/python benchmarks/bench_app.py   (writes benchmarks/results/app.json)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, Sampler, load_avg, mb, others_running, save, spread  # noqa: E402

sys.path.insert(0, str(ROOT / "tools"))
from browser import (  # noqa: E402
    PAGES_PER_BROWSER,
    chromium_path,
    free_port,
    launch_browsers,
    stay_on,
)

TIMEOUT_MS = 300_000
#: seconds between the last page showing its plot and the first class-wide Step
SETTLE_SECONDS = 10
#: a page that has not shown the next month this long after a class-wide click has lost it
STEP_TIMEOUT_MS = 60_000
#: What a page shows, for the record when a Step was not shown.
PAGE_STATE_JS = """() => {
  const b = document.querySelector('.btn-step'), box = document.querySelector('.explore-tab');
  const head = document.querySelector('.month-head');
  return {month_panel: (document.querySelector('.month-panel') || {}).innerText || null,
          data_tick: head ? head.getAttribute('data-tick') : null,
          step_disabled: b ? b.disabled : null, busy: box ? box.classList.contains('explore-busy') : null,
          months_seen: window.alignsimMonth};
}"""
#: Recorded in every page: when it first showed the plot and the numbers panel together
#: (``alignsimLoaded``), and when its numbers panel first showed each month (``alignsimMonth``).
WATCH_JS = """
window.alignsimMonth = {}; window.alignsimLoaded = null;
const alignsimCheck = () => {
  const panel = document.querySelector('.month-panel');
  if (!panel) return;
  if (window.alignsimLoaded === null && document.querySelector('.explore-plot .js-plotly-plot'))
    window.alignsimLoaded = Date.now();
  const m = /Month (\\d+) of/.exec(panel.textContent);
  if (m && window.alignsimMonth[m[1]] === undefined) window.alignsimMonth[m[1]] = Date.now();
};
setInterval(alignsimCheck, 20);
"""


def resources(base: str) -> dict[str, Any]:
    with urllib.request.urlopen(base + "/resourcez", timeout=30) as r:  # noqa: S310 - the local server
        data: dict[str, Any] = json.loads(r.read())
        return data


def kernels(base: str) -> int:
    return int(resources(base)["kernels"]["total"])


class ByteCounter:
    """Bytes one page received from the server: HTTP responses as sent (compressed, with
    headers) and websocket frames (their payload), through the DevTools protocol."""

    def __init__(self, page: Any) -> None:
        self.http = 0
        self.ws = 0
        self.ws_frames = 0
        self.largest_ws_frame = 0
        cdp = page.context.new_cdp_session(page)
        cdp.on("Network.loadingFinished", self._http)
        cdp.on("Network.webSocketFrameReceived", self._frame)
        cdp.send("Network.enable")
        self.cdp = cdp

    def _http(self, ev: dict[str, Any]) -> None:
        self.http += int(ev.get("encodedDataLength", 0))

    def _frame(self, ev: dict[str, Any]) -> None:
        n = len(ev["response"].get("payloadData", ""))
        self.ws += n
        self.ws_frames += 1
        self.largest_ws_frame = max(self.largest_ws_frame, n)

    def result(self) -> dict[str, int]:
        return {"http_bytes": self.http, "websocket_bytes": self.ws,
                "websocket_frames": self.ws_frames, "largest_websocket_frame": self.largest_ws_frame,
                "total_bytes": self.http + self.ws}  # fmt: skip


def open_and_close(base: str, chromium: str, n: int) -> None:
    """Open ``n`` pages at once, wait for their plots, click Step on each and wait for the next
    month, close them and wait for Solara to drop them (a warm-up, or a second class)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browsers = launch_browsers(p, n, chromium)
        pages = []
        for i in range(n):
            ctx = browsers[i // PAGES_PER_BROWSER].new_context()
            ctx.add_init_script(WATCH_JS)
            page = ctx.new_page()
            page.goto(base + "/", wait_until="commit", timeout=TIMEOUT_MS)
            pages.append((ctx, page))
        for _, page in pages:
            page.wait_for_function("() => window.alignsimLoaded !== null", timeout=TIMEOUT_MS)
            page.locator(".btn-step").click()
        for ctx, page in pages:
            page.wait_for_function("() => window.alignsimMonth['1'] !== undefined",
                                   timeout=TIMEOUT_MS)  # fmt: skip
            ctx.close()
        for b in browsers:
            b.close()
    deadline = time.monotonic() + 300
    while kernels(base) > 0 and time.monotonic() < deadline:
        time.sleep(1)
    time.sleep(5)


def main(argv: list[str] | None = None) -> None:
    import psutil
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--bytes-sessions", type=int, default=3)
    ap.add_argument("--drop-wait", type=float, default=300.0,
                    help="seconds to wait for Solara to drop the closed sessions")  # fmt: skip
    ap.add_argument(
        "--warm-up",
        type=int,
        default=1,
        help="sessions opened and closed before the 'before' reading (the server's "
        "one-time imports and first figure); 0: none",
    )
    ap.add_argument(
        "--second-class",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="then open and close as many sessions again (does memory keep growing?)",
    )
    ap.add_argument("--out", default="app", help="results name (benchmarks/results/<out>.json)")
    args = ap.parse_args(argv)

    load, others = load_avg(), others_running()
    chromium = chromium_path()
    if chromium is None:
        sys.exit("bench_app: needs Debian's chromium on PATH (never `playwright install`)")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "sim.cli", "app", "--port", str(port)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=env)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                sys.exit(f"bench_app: alignsim app exited with {server.returncode}")
            try:
                with urllib.request.urlopen(base + "/readyz", timeout=5):  # noqa: S310
                    break
            except OSError:
                if time.monotonic() > deadline:
                    sys.exit("bench_app: alignsim app did not start")
                time.sleep(0.5)
        sp = psutil.Process(server.pid)
        time.sleep(2)
        rss_cold = mb(sp)
        if args.warm_up:
            open_and_close(base, chromium, args.warm_up)
        rss_before = mb(sp)
        sampler = Sampler(sp)
        sampler.start()
        out: dict[str, Any] = {"_load": load, "_others": others, "command": "alignsim app",
                               "sessions": args.sessions, "rounds": args.rounds,
                               "cpus": psutil.cpu_count()}  # fmt: skip
        outside: list[str] = []
        with sync_playwright() as p:
            browsers = launch_browsers(p, args.sessions, chromium)
            out["browsers"] = len(browsers)
            pages: list[tuple[Any, Any]] = []
            counters: list[ByteCounter] = []
            starts: list[float] = []
            cpu_load0 = sum(sp.cpu_times()[:2])
            for i in range(args.sessions):
                ctx = browsers[i // PAGES_PER_BROWSER].new_context(
                    viewport={"width": 1280, "height": 800}
                )
                ctx.route("**/*", stay_on(base, outside))
                ctx.add_init_script(WATCH_JS)
                page = ctx.new_page()
                if i < args.bytes_sessions:
                    counters.append(ByteCounter(page))
                starts.append(time.time() * 1000)
                page.goto(base + "/", wait_until="commit", timeout=TIMEOUT_MS)
                pages.append((ctx, page))
            loads = []
            for (_, page), t0 in zip(pages, starts, strict=True):
                page.wait_for_function("() => window.alignsimLoaded !== null", timeout=TIMEOUT_MS,
                                       polling=200)  # fmt: skip
                loads.append((page.evaluate("() => window.alignsimLoaded") - t0) / 1000)
            out["page_load_seconds"] = spread(loads)
            out["server_cpu_seconds_all_page_loads"] = round(sum(sp.cpu_times()[:2]) - cpu_load0, 2)
            out["bytes_per_session_at_load"] = [c.result() for c in counters]
            # the class is ready: every page has drawn its plot and finished drawing (a page
            # fits its plot to its box after the first draw), as a teacher waits for everyone
            # to see the page before saying "Step"; a Step's time is then the Step's alone
            time.sleep(SETTLE_SECONDS)
            out["settle_seconds_before_the_first_step"] = SETTLE_SECONDS
            rss_loaded = mb(sp)

            latencies: list[float] = []
            lost: list[dict[str, Any]] = []
            by_round: list[dict[str, Any]] = []
            cpu_per_round: list[float] = []
            month_re = re.compile(r"Month (\d+) of")
            for _ in range(args.rounds):
                months = []
                for _, page in pages:
                    m = month_re.search(page.locator(".month-panel").inner_text())
                    assert m, "bench_app: no month in the numbers panel"
                    months.append(int(m.group(1)))
                cpu0 = sum(sp.cpu_times()[:2])
                t_click = time.time() * 1000 + 1500 + 20 * len(pages)
                for _, page in pages:
                    page.evaluate(
                        "(t) => setTimeout(() => document.querySelector('.btn-step').click(),"
                        " t - Date.now())",
                        t_click,
                    )
                lat = []
                for k, ((_, page), month) in enumerate(zip(pages, months, strict=True)):
                    try:
                        page.wait_for_function(
                            f"() => window.alignsimMonth['{month + 1}'] !== undefined",
                            timeout=STEP_TIMEOUT_MS, polling=100,
                        )  # fmt: skip
                    except PlaywrightTimeout:  # a lost Step: say what the page shows
                        lost.append({"round": len(by_round) + 1, "page": k,
                                     "page_state": page.evaluate(PAGE_STATE_JS)})  # fmt: skip
                        continue
                    shown = page.evaluate(f"() => window.alignsimMonth['{month + 1}']")
                    lat.append((shown - t_click) / 1000)
                cpu_per_round.append(round(sum(sp.cpu_times()[:2]) - cpu0, 2))
                latencies += lat
                by_round.append({k: v for k, v in spread(lat).items() if k != "all"})
                time.sleep(1)
            out["class_step_seconds"] = spread(latencies)
            out["steps_not_shown"] = lost
            out["by_round"] = by_round
            out["server_cpu_seconds_per_class_step"] = cpu_per_round
            out["bytes_per_session_after_steps"] = [c.result() for c in counters]
            rss_with = mb(sp)

            for ctx, _ in pages:
                ctx.close()
            for b in browsers:
                b.close()
        t_closed = time.monotonic()
        while kernels(base) > 0:
            if time.monotonic() - t_closed > args.drop_wait:
                break
            time.sleep(1)
        left = kernels(base)
        out["sessions_left_after_close"] = left
        out["seconds_to_drop_closed_sessions"] = (
            round(time.monotonic() - t_closed, 1) if left == 0 else None
        )
        # Solara collects a closed session's cycles about 1 s after it closes, the app hands the
        # heap's free pages back about 3 s after: read at 5 s and at 20 s
        time.sleep(5)
        rss_after_5 = mb(sp)
        time.sleep(15)
        rss_after = mb(sp)
        rss_second = None
        if args.second_class:
            open_and_close(base, chromium, args.sessions)
            time.sleep(15)  # read as the first class's "after" (20 s after the drop)
            rss_second = mb(sp)
        sampler.stop.set()
    finally:
        server.terminate()
        server.wait(timeout=30)
    out["requests_outside_the_server"] = outside
    out["server_rss_mb"] = {"at_start": rss_cold, "before": rss_before, "sessions_loaded": rss_loaded,
                            "with_sessions_after_steps": rss_with, "peak": max(sampler.peak, rss_with),
                            "after_close_5_s": rss_after_5, "after_close": rss_after,
                            "after_a_second_class_closed": rss_second}  # fmt: skip
    tol = max(20.0, 0.1 * rss_before)
    out["goals"] = {"each_student_within_2_s": out["class_step_seconds"]["max"] <= 2.0
                                                and not out["steps_not_shown"],
                    "memory_back_within_10pct_or_20_mb": rss_after - rss_before <= tol,
                    "memory_tolerance_mb": round(tol, 1)}  # fmt: skip
    save(args.out, out)


if __name__ == "__main__":
    main()
