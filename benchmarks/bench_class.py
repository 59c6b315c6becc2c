"""(j) Class mode at class size: 30 students on one laptop.

Starts ``alignsim class`` (a preset opened at start-up, students dropped 10 s after their page
stops polling) and drives it with Playwright in Debian's Chromium: one context for the
instructor and one per student (30), in several browsers: the instructor alone in one, the
students at most 5 to a browser (``PAGES_PER_BROWSER`` in tools/browser.py, which says why). The
students are in 12 groups (6 of three: Seoul, Tokyo, Washington; 6 of two: Seoul and Tokyo). Each of 5 months, every student chooses a move, then the
instructor clicks "Next month". For each student it measures the time from the click (the
instructor page's clock, read in the same click handler) to the student's page showing the next
month (the page records when it first shows each month: ``window.alignsimShown``); all pages run
on one machine, so they share the clock. It samples the server's memory (RSS,
psutil) before the students arrive, during the clicks, after their pages close (and the server
has dropped them) and after the instructor ends the session, and the server's CPU time a click.

Goals (issue 12): each student sees the next month within 2 s of a class-wide click; memory goes
back to its starting level (within 10% or 20 MB) after the sessions close.
Run: .venv/bin/python benchmarks/bench_class.py   (writes benchmarks/results/class.json)
"""

from __future__ import annotations

import json
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
    CHROMIUM_ARGS,
    PAGES_PER_BROWSER,
    chromium_path,
    launch_browsers,
    stay_on,
)

STUDENTS = 30
GROUPS = [3] * 6 + [2] * 6  # 12 groups, 30 students
MONTHS = 5
DROP_AFTER = 10.0
TOKEN = "bench-class-token"
PRESET = "exercise_4"
TIMEOUT_MS = 60_000


def instructor_state(base: str) -> dict[str, Any]:
    req = urllib.request.Request(base + "/api/instructor/state", headers={"X-Class-Token": TOKEN})
    with urllib.request.urlopen(req, timeout=30) as r:  # noqa: S310 - the local server
        view: dict[str, Any] = json.loads(r.read())["view"]
        return view


def main() -> None:
    import psutil
    from playwright.sync_api import expect, sync_playwright

    load, others = load_avg(), others_running()
    chromium = chromium_path()
    if chromium is None:
        sys.exit("bench_class: needs Debian's chromium on PATH (never `playwright install`)")
    cmd = [sys.executable, "-m", "sim.cli", "class", "--port", "0", "--token", TOKEN,
           "--preset", PRESET, "--drop-after", str(DROP_AFTER)]  # fmt: skip
    server = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    base = ""
    assert server.stdout is not None
    for line in server.stdout:
        if "students open:" in line:
            base = line.split("students open:")[1].strip().rstrip("/")
        if "instructor opens:" in line:
            break
    if not base:
        sys.exit("bench_class: alignsim class did not start")
    sp = psutil.Process(server.pid)
    time.sleep(2)
    rss_before = mb(sp)
    sampler = Sampler(sp)
    sampler.start()
    out: dict[str, Any] = {"_load": load, "_others": others,
                           "command": f"alignsim class --preset {PRESET} --drop-after {DROP_AFTER:g}",
                           "preset": PRESET, "students": STUDENTS, "groups": len(GROUPS),
                           "group_sizes": GROUPS, "months_clicked": MONTHS, "drop_after_seconds": DROP_AFTER,
                           "cpus": psutil.cpu_count()}  # fmt: skip
    outside: list[str] = []
    try:
        with sync_playwright() as p:
            # the instructor alone in one browser, the students in their own
            browsers = [p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS),
                        *launch_browsers(p, STUDENTS, chromium)]  # fmt: skip
            out["browsers"] = len(browsers)

            def context(b: int = 0) -> Any:
                ctx = browsers[b].new_context(viewport={"width": 1024, "height": 768})
                ctx.route("**/*", stay_on(base, outside))
                return ctx

            tctx = context()
            teacher = tctx.new_page()
            teacher.goto(f"{base}/instructor?token={TOKEN}")
            expect(teacher.locator("#month")).to_contain_text("Month 1 of", timeout=TIMEOUT_MS)

            students: list[tuple[Any, Any, str]] = []  # (context, page, role)
            loads: list[float] = []
            roles = ("ROK", "JPN", "US")
            for gi, size in enumerate(GROUPS):
                for k in range(size):
                    ctx = context(1 + len(students) // PAGES_PER_BROWSER)
                    page = ctx.new_page()
                    t0 = time.perf_counter()
                    page.goto(base + "/")
                    page.locator("#join-name").fill(f"Student {len(students) + 1}")
                    page.locator("#join-group").fill(f"G{gi + 1}")
                    page.locator("#join-role").select_option(roles[k])
                    page.locator("#join-button").click()
                    expect(page.locator("#month")).to_contain_text("Month 1 of", timeout=TIMEOUT_MS)
                    loads.append(time.perf_counter() - t0)
                    students.append((ctx, page, roles[k]))
            out["page_load_and_join_seconds"] = spread(loads)
            rss_joined = mb(sp)

            latencies: list[float] = []
            by_month: list[dict[str, Any]] = []
            cpu_per_click: list[float] = []
            for month in range(1, MONTHS + 1):
                for _, page, role in students:
                    move = "0.4" if role == "US" else "none"
                    page.locator(f'button.move[data-move="{move}"]').click()
                deadline = time.monotonic() + 60
                while not instructor_state(base)["all_ready"]:
                    if time.monotonic() > deadline:
                        sys.exit("bench_class: the class did not get ready")
                    time.sleep(0.2)
                expect(teacher.locator("#status")).to_contain_text(
                    "everyone has chosen", timeout=TIMEOUT_MS
                )
                cpu0 = sum(sp.cpu_times()[:2])
                t_click = teacher.evaluate(
                    "() => { const t = Date.now(); document.getElementById('advance').click(); return t; }"
                )
                month_lat = []
                for _, page, _ in students:
                    page.wait_for_function(f"() => window.alignsimShown[{month}] !== undefined",
                                           timeout=TIMEOUT_MS)  # fmt: skip
                    shown = page.evaluate(f"() => window.alignsimShown[{month}]")
                    month_lat.append((shown - t_click) / 1000)
                cpu_per_click.append(sum(sp.cpu_times()[:2]) - cpu0)
                latencies += month_lat
                by_month.append(
                    {"month": month, **{k: v for k, v in spread(month_lat).items() if k != "all"}}
                )
            rss_during = mb(sp)
            out["click_to_next_month_seconds"] = spread(latencies)
            out["by_click"] = by_month
            out["server_cpu_seconds_per_click_upper_bound"] = spread(cpu_per_click)

            for ctx, _, _ in students:
                ctx.close()
            t_closed = time.monotonic()
            deadline = t_closed + DROP_AFTER + 30
            while instructor_state(base)["students"] > 0:
                if time.monotonic() > deadline:
                    sys.exit("bench_class: the server did not drop the closed pages")
                time.sleep(0.5)
            out["seconds_to_drop_closed_pages"] = round(time.monotonic() - t_closed, 1)
            time.sleep(2)
            rss_closed = mb(sp)
            teacher.once("dialog", lambda d: d.accept())
            teacher.locator("#end").click()
            expect(teacher.locator("#month")).to_contain_text("Session ended", timeout=TIMEOUT_MS)
            time.sleep(2)
            rss_end = mb(sp)
            tctx.close()
            for b in browsers:
                b.close()
    finally:
        sampler.stop.set()
        server.terminate()
        server.wait(timeout=30)
    out["requests_outside_the_server"] = outside
    out["server_rss_mb"] = {"before_students": rss_before, "all_joined": rss_joined,
                            "peak_during": max(sampler.peak, rss_during), "after_clicks": rss_during,
                            "after_pages_closed_and_dropped": rss_closed, "after_session_ended": rss_end}  # fmt: skip
    lat = out["click_to_next_month_seconds"]
    tol = max(20.0, 0.1 * rss_before)
    out["goals"] = {"each_student_within_2_s": lat["max"] <= 2.0,
                    "memory_back_within_10pct_or_20_mb": rss_closed - rss_before <= tol and rss_end - rss_before <= tol,
                    "memory_tolerance_mb": round(tol, 1)}  # fmt: skip
    save("class", out)


if __name__ == "__main__":
    main()
