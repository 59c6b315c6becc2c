"""Regenerate the measured-figures table in benchmarks/README.md from benchmarks/results/*.json.
Run: .venv/bin/python benchmarks/make_readme.py
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent
BEGIN, END = "<!-- figures:begin -->", "<!-- figures:end -->"


def rows() -> list[str]:
    def get(name: str) -> dict | None:
        p = HERE / "results" / f"{name}.json"
        return json.loads(p.read_text()) if p.exists() else None

    out = ["| benchmark | measured | requirement | date (UTC) | load avg at start |",
           "|---|---|---|---|---|"]  # fmt: skip
    r = get("mesa_vs_array")
    if r:
        out.append(
            f"| (a) {r['sweep']} ({r['runs']} runs): mesa.batch_run vs array engine | "
            f"Mesa {r['mesa_batch_run_seconds']} s ({r['mesa_runs_per_second']} runs/s), array "
            f"{r['array_engine_seconds']} s ({r['array_runs_per_second']} runs/s): "
            f"**{r['speedup']}x**, outcomes identical: {r['outcomes_identical']} | >= 100x | "
            f"{r['date']} | {r['machine']['load_avg_at_start']} |"
        )
    r = get("million")
    if r:
        out.append(
            f"| (b) {r['runs']:,} runs x {r['months']} months, summaries only ({r['workers']} "
            f"{r['executor']} workers, chunk {r['chunk_size']:,}) | {r['seconds']} s, "
            f"**{r['runs_per_second']:,} runs/s**, peak memory <= "
            f"**{r['peak_memory_mb_upper_bound']:,} MB** (driver {r['driver_peak_rss_mb']} MB + "
            f"workers), store {r['store_size_mb']} MB | < 2 GB | {r['date']} | "
            f"{r['machine']['load_avg_at_start']} |"
        )
    r = get("coercion_sweep")
    if r:
        out.append(
            f"| (c) `{r['command']}` ({r['runs']:,} runs, {r['design_points']} points, "
            f"{r['workers']} workers) | **{r['seconds_end_to_end']} s** end to end "
            f"({r['runs_per_second']:,} runs/s), store {r['store_size_mb']} MB | report | "
            f"{r['date']} | {r['machine']['load_avg_at_start']} |"
        )
    r = get("help")
    if r:
        out.append(
            f"| (d) `alignsim --help` | median **{r['median_seconds']} s**, best "
            f"{r['best_seconds']} s | < 0.5 s | {r['date']} | "
            f"{r['machine']['load_avg_at_start']} |"
        )
    return out


def main() -> None:
    readme = HERE / "README.md"
    text = readme.read_text()
    a, b = text.index(BEGIN) + len(BEGIN), text.index(END)
    readme.write_text(text[:a] + "\n" + "\n".join(rows()) + "\n" + text[b:])
    print("\n".join(rows()))


if __name__ == "__main__":
    main()
