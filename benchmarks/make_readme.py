"""Regenerate the measured-figures table in benchmarks/README.md from benchmarks/results/*.json.

Every figure, and whether each goal is met, is computed here from the JSON the benchmark scripts
wrote: nothing in the table is typed by hand.
Run: .venv/bin/python benchmarks/make_readme.py
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "tools"))
from docblock import replace_block  # noqa: E402

BEGIN, END = "<!-- figures:begin -->", "<!-- figures:end -->"

Row = tuple[str, str, str, bool | None]  # benchmark, measured, goal, met (None: no goal)


def get(name: str) -> dict[str, Any] | None:
    p = HERE / "results" / f"{name}.json"
    return json.loads(p.read_text()) if p.exists() else None


def mm(s: dict[str, Any], unit: str = " s") -> str:
    """'min / median' of a stats dict (see _common.stats), with the number of measurements."""
    return f"{s['min']}{unit} / {s['median']}{unit} (n={len(s['all'])})"


def rt(r: dict[str, float]) -> str:
    return f"**{r['of_medians']}x** (of mins {r['of_mins']}x)"


def rates(rm: int, s: dict[str, Any]) -> str:
    return f"{rm / s['median'] / 1e6:.2f}M (best {rm / s['min'] / 1e6:.2f}M)"


def engine(r: dict[str, Any]) -> list[Row]:
    rm = r["run_months_per_call"]
    new, old = r["new_seconds"], r["previous_seconds"]
    speed_med, speed_min = old["median"] / new["median"], old["min"] / new["min"]
    ident = r["identical_summaries"]
    t1, t2 = r["threads_1_seconds"], r["threads_2_seconds"]
    what = f"{r['scenario']}, {r['runs']:,} runs x {r['months']} months, one core"
    return [
        (f"(e) new engine, {what}, summaries only",
         f"{mm(new)} a call: **{rates(rm, new)} run-months/s**",
         ">= 5M run-months/s", rm / new["median"] >= 5e6),
        (f"(e) previous engine ({r['previous_engine']}), same calls, alternating",
         f"{mm(old)} a call: {rates(rm, old)} run-months/s; new vs previous: "
         f"**{speed_med:.1f}x** (of mins {speed_min:.1f}x)",
         ">= 10x", speed_med >= 10),
        (f"(e) summaries of both engines, first {ident['runs_compared']:,} runs",
         f"{sum(ident['by_variable'].values())} of {len(ident['by_variable'])} variables "
         f"identical (the second version of the mechanics changes results by design and does "
         f"more work a month; the first version's month, commit 830b94a, was identical to the "
         f"previous engine on every variable)", "report", None),
        ("(e) `simulate(..., threads=2)` vs `threads=1`, same call",
         f"threads=1 {mm(t1)}, threads=2 {mm(t2)}: "
         f"**{t1['median'] / t2['median']:.2f}x** (of mins {t1['min'] / t2['min']:.2f}x)",
         "report", None),
    ]  # fmt: skip


def workers(r: dict[str, Any]) -> list[Row]:
    one, two = r["one_worker_seconds"], r["two_workers_seconds"]
    w = r["where_the_time_goes"]
    busy = {k: v["median"] for k, v in w["busiest_worker_chunk_seconds"].items()}
    tiny = w["tiny_run_seconds"]
    f, o = w["first_chunk_of_a_worker_seconds"], w["other_chunks_seconds"]
    what = (f"`{r['experiment']}` ({r['runs']:,} runs x {r['months']} months, {r['chunks']} "
            f"chunks of {r['chunk_size']:,})")  # fmt: skip

    def row(k: str, two_s: dict[str, Any]) -> str:
        return (f"1 worker {mm(one)}, 2 workers {mm(two_s)}: "
                f"**{one['median'] / two_s['median']:.2f}x** (of mins "
                f"{one['min'] / two_s['min']:.2f}x); busiest worker's chunks {busy['1']} s (1) / "
                f"{busy[k]} s (2), outside chunks {one['median'] - busy['1']:.2f} s / "
                f"{two_s['median'] - busy[k]:.2f} s; a 2-replication run takes "
                f"{tiny['1']['median']} s (1) / {tiny[k]['median']} s (2); a chunk takes "
                f"{o['1']['median']} s (1) / {o[k]['median']} s (2), a worker's first chunk of "
                f"the call {f['1']['median']} s / {f[k]['median']} s")  # fmt: skip

    out: list[Row] = [
        (f"(f) batch driver, {what}: 2 workers vs 1, whole calls, one Python process (the "
         f"workers a finished call kept run the next call)",
         row("2", two), ">= 1.8x", one["median"] / two["median"] >= 1.8),
    ]  # fmt: skip
    if "two_workers_new_pool_seconds" in r:
        new = r["two_workers_new_pool_seconds"]
        out.append(("(f) same, but each 2-worker call starts a new pool (`shutdown_workers()` "
                    "before it)", row("2new", new), "report", None))  # fmt: skip
    if "cli_one_worker_seconds" in r:
        c1, c2 = r["cli_one_worker_seconds"], r["cli_two_workers_seconds"]
        out.append((
            f"(f) same, fresh process each time: `{r['cli_command']}`",
            f"1 worker {mm(c1)}, 2 workers {mm(c2)}: **{c1['median'] / c2['median']:.2f}x** "
            f"(of mins {c1['min'] / c2['min']:.2f}x)", "report", None,
        ))  # fmt: skip
    return out


def million(r: dict[str, Any]) -> list[Row]:
    s = r["seconds"]
    peak = r["peak_memory_mb_upper_bound"]
    chunk = "default (adaptive)" if r.get("chunk_size_option") is None else "set"
    return [
        (f"(b) {r['runs']:,} runs x {r['months']} months, summaries only, {r['workers']} "
         f"{r['executor']} workers, chunk {chunk}: {r['chunk_size']:,}",
         f"**{mm(s)}** ({r['runs'] / s['median']:,.0f} runs/s at the median)",
         "< 30 s", s["median"] < 30),
        ("(b) same: peak memory (driver + workers, upper bound)",
         f"**{peak:,} MB** (driver {r['driver_peak_rss_mb']} MB, workers "
         f"{', '.join(str(v) for v in r['worker_peak_rss_mb'].values())} MB), store "
         f"{r['store_size_mb']} MB", "< 2 GB", peak < 2048),
    ]  # fmt: skip


def coercion_sweep(r: dict[str, Any]) -> list[Row]:
    api, cli = r["in_process_seconds"], r["cli_seconds"]
    what = (f"`{r['experiment']}` ({r['runs']:,} runs x {r['months']} months, "
            f"{r['design_points']} points, monthly aggregates, store written)")  # fmt: skip
    return [
        (f"(c) {what}: `run_experiment(..., workers=2)` in-process",
         f"**{mm(api)}**", "< 5 s", api["median"] < 5),
        (f"(c) same: `{r['command']}` (subprocess)", f"**{mm(cli)}**", "report", None),
    ]  # fmt: skip


def memory(r: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    for months, h in r["horizons"].items():
        workers_mb = ", ".join(str(v) for v in h["worker_peak_rss_mb"].values())
        largest = max(h["driver_peak_rss_mb"], *h["worker_peak_rss_mb"].values())
        out.append((
            f"(g) main design at {months} months ({h['runs']:,} runs, chunk "
            f"{h['chunk_size']:,}), 2 workers: peak memory per process",
            f"driver **{h['driver_peak_rss_mb']} MB**, workers **{workers_mb} MB** "
            f"({h['seconds']} s)", "< 1 GB each", largest < 1024,
        ))  # fmt: skip
    return out


def compile_(r: dict[str, Any]) -> list[Row]:
    c, w = r["cold_seconds"], r["cached_seconds"]
    cold = c["first_simulate"]["median"] + c["first_histogram"]["median"]
    warm = w["first_simulate"]["median"] + w["first_histogram"]["median"]
    return [
        ("(h) first call in a new environment (empty caches): compile the month (`simulate` "
         "10 runs x 12 months) and the histogram kernel",
         f"simulate {mm(c['first_simulate'])}, histogram {mm(c['first_histogram'])}: "
         f"**{cold:.1f} s** at the median; whole process {mm(c['process_wall'])}",
         "report", None),
        ("(h) first call with the cache filled (new process)",
         f"simulate {mm(w['first_simulate'])}, histogram {mm(w['first_histogram'])}: "
         f"**{warm:.2f} s**; whole process {mm(w['process_wall'])}", "report", None),
        (f"(h) `{r['alignsim_run']}`, warm", f"**{mm(r['alignsim_run_warm_seconds'])}**",
         "report", None),
    ]  # fmt: skip


def api(r: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    for base, b in r["bases"].items():
        m, o = b["run_many_microseconds_per_run"], b["run_one_microseconds_per_run"]
        speed = o["median"] / m["median"]
        out.append((
            f"(i) per run, {base}: `{b['run_many']}` vs {b['run_one']}",
            f"run_many {mm(m, ' us')}, run_one {mm(o, ' us')}: **{speed:.0f}x** (of mins "
            f"{o['min'] / m['min']:.0f}x); same outcomes: {b['same_outcomes_first_300']}",
            ">= 100x", speed >= 100,
        ))  # fmt: skip
    return out


def mesa_vs_array(r: dict[str, Any]) -> list[Row]:
    m, a = r["mesa_batch_run_seconds"], r["array_engine_seconds"]
    speed = m["median"] / a["median"]
    return [
        (f"(a) {r['sweep']} ({r['runs']} runs): mesa.batch_run vs batch engine",
         f"Mesa {mm(m)} ({r['runs'] / m['median']:.0f} runs/s), batch engine {mm(a)} "
         f"({r['runs'] / a['median']:,.0f} runs/s): **{speed:.0f}x** (of mins "
         f"{m['min'] / a['min']:.0f}x), outcomes identical: {r['outcomes_identical']}",
         ">= 100x, identical", speed >= 100 and r["outcomes_identical"]),
    ]  # fmt: skip


def help_(r: dict[str, Any]) -> list[Row]:
    return [
        ("(d) `alignsim --help`",
         f"**{r['best_seconds']} s / {r['median_seconds']} s** (n=7)",
         "< 0.5 s", r["median_seconds"] < 0.5),
    ]  # fmt: skip


def class_(r: dict[str, Any]) -> list[Row]:
    lat, rss, goals = r["click_to_next_month_seconds"], r["server_rss_mb"], r["goals"]
    load, cpu = r["page_load_and_join_seconds"], r["server_cpu_seconds_per_click_upper_bound"]
    browsers = (
        f"{r['browsers']} Chromium browsers (the instructor in one, at most 5 students "
        "to each other)"
        if "browsers" in r
        else "one Chromium"
    )
    what = (f"class mode (`{r['command']}`), "
            f"{r['students']} students in {r['groups']} groups, {browsers}, {r['months_clicked']} "
            f"class-wide clicks")  # fmt: skip
    return [
        (f"(j) {what}: instructor's click to each student's page showing the next month",
         f"min {lat['min']} s / median **{lat['median']} s** / p95 {lat['p95']} s / max "
         f"**{lat['max']} s** (n={len(lat['all'])}); server CPU a click {cpu['median']} s "
         f"(median, upper bound); a student's page load and join {load['median']} s (median, max "
         f"{load['max']} s); requests off the server: {len(r['requests_outside_the_server'])}",
         "each student within 2 s", goals["each_student_within_2_s"]),
        ("(j) same: the server's memory (RSS)",
         f"before the students {rss['before_students']} MB, peak {rss['peak_during']} MB, after "
         f"the {r['students']} pages closed and were dropped ({r['seconds_to_drop_closed_pages']} s) "
         f"**{rss['after_pages_closed_and_dropped']} MB**, after the session ended "
         f"{rss['after_session_ended']} MB",
         f"back to the start within 10% or 20 MB ({goals['memory_tolerance_mb']} MB)",
         goals["memory_back_within_10pct_or_20_mb"]),
    ]  # fmt: skip


def app_(r: dict[str, Any]) -> list[Row]:
    lat, load, rss, goals = (r["class_step_seconds"], r["page_load_seconds"], r["server_rss_mb"],
                             r["goals"])  # fmt: skip
    sent = r.get("bytes_per_session_after_steps") or []
    kb = (f"; sent to a session (of {len(sent)} measured) about "
          f"{max(b['total_bytes'] for b in sent) / 2**20:.1f} MB, of which websocket "
          f"{max(b['websocket_bytes'] for b in sent) / 2**20:.2f} MB" if sent else "")  # fmt: skip
    where = (
        f"{r['browsers']} Chromium browsers (at most 5 pages each)"
        if "browsers" in r
        else "one Chromium"
    )
    what = f"teaching app (`{r['command']}`), {r['sessions']} sessions in {where}"
    dropped = r["seconds_to_drop_closed_sessions"]
    return [
        (f"(k) {what}, {r['rounds']} class-wide Steps (all click at once, the first "
         f"{r.get('settle_seconds_before_the_first_step', 1)} s after the last page showed its "
         "plot): click to each page showing the next month",
         f"min {lat['min']} s / median **{lat['median']} s** / p95 {lat['p95']} s / max "
         f"**{lat['max']} s** (n={len(lat['all'])}); server CPU a class-wide Step "
         f"{max(r['server_cpu_seconds_per_class_step'])} s (max); page load (all opened at once, "
         f"to the plot and numbers shown) median {load['median']} s, max {load['max']} s "
         f"(server CPU {r['server_cpu_seconds_all_page_loads']} s for all){kb}; "
         f"requests off the server: {len(r['requests_outside_the_server'])}; Steps a page "
         f"never showed (60 s): {len(r.get('steps_not_shown', []))}",
         "each student within 2 s", goals["each_student_within_2_s"]),
        ("(k) same: the server's memory (RSS)",
         f"at start {rss['at_start']} MB, after one warm-up session {rss['before']} MB, with the "
         f"sessions {rss['with_sessions_after_steps']} MB (peak {rss['peak']} MB), after they "
         f"closed and were dropped ({'not all dropped' if dropped is None else f'{dropped} s'}) "
         f"**{rss['after_close']} MB**; after a second class of {r['sessions']} opened and "
         f"closed {rss.get('after_a_second_class_closed')} MB",
         f"back to the warm start within 10% or 20 MB ({goals['memory_tolerance_mb']} MB)",
         goals["memory_back_within_10pct_or_20_mb"]),
    ]  # fmt: skip


SECTIONS: list[tuple[str, Callable[[dict[str, Any]], list[Row]]]] = [
    ("engine", engine),
    ("workers", workers),
    ("million", million),
    ("coercion_sweep", coercion_sweep),
    ("memory", memory),
    ("compile", compile_),
    ("api", api),
    ("mesa_vs_array", mesa_vs_array),
    ("help", help_),
    ("class", class_),
    ("app", app_),
]


def rows() -> list[str]:
    out = ["Times are min / median of n measurements; ratios are of the medians (of the minimums",
           "in brackets). Goal met is computed from the figures in the JSON.", "",
           "| benchmark | measured | goal | met | date (UTC) | load avg at start |",
           "|---|---|---|---|---|---|"]  # fmt: skip
    for name, fn in SECTIONS:
        r = get(name)
        if r is None:
            continue
        load = r["machine"].get("load_avg_at_start")
        for bench, measured, goal, met in fn(r):
            ok = "n/a" if met is None else ("**yes**" if met else "**NO**")
            out.append(f"| {bench} | {measured} | {goal} | {ok} | {r['date']} | {load} |")
    return out


def main() -> None:
    readme = HERE / "README.md"
    table = "\n".join(rows())
    readme.write_text(replace_block(readme.read_text(), BEGIN, END, table))
    print(table)


if __name__ == "__main__":
    main()
