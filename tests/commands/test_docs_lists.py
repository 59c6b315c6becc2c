"""Docs that must not drift: the experiment and scenario lists, the README's discover example,
the Dask safety section and the codebook section of docs/STORE.md."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _table_rows(text: str) -> dict[str, str]:
    return {m.group(1): m.group(0) for m in re.finditer(r"^\| `([\w.]+\.toml)` \|.*$", text, re.M)}


def test_experiments_readme_lists_every_experiment_with_its_run_count() -> None:
    from sim.experiments.spec import load_experiment

    rows = _table_rows((ROOT / "experiments" / "README.md").read_text(encoding="utf-8"))
    files = sorted(p.name for p in (ROOT / "experiments").glob("*.toml"))
    assert sorted(rows) == files
    for name in files:
        exp = load_experiment(ROOT / "experiments" / name)
        runs = int(rows[name].rstrip(" |").rsplit("|", 1)[1].strip().replace(",", ""))
        assert runs == len(exp.design) * exp.replications, name


def test_scenarios_readme_lists_every_scenario() -> None:
    text = (ROOT / "scenarios" / "README.md").read_text(encoding="utf-8")
    shipped = text.split("## Shipped scenarios", 1)[1].split("\n## ", 1)[0]
    rows = _table_rows(shipped)
    assert sorted(rows) == sorted(p.name for p in (ROOT / "scenarios").glob("*.toml"))
    assert "calibrate-docs" in rows["calibrated.toml"]


def test_readme_discover_example_makes_the_batch_it_reads() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        m = re.search(r"alignsim discover (results/(\w+))", line)
        if m:
            before = "\n".join(lines[:i])
            assert re.search(rf"alignsim batch experiments/{m.group(2)}\.toml", before), line


def test_dask_is_documented_as_unauthenticated_with_safe_ways_to_run_it() -> None:
    store = (ROOT / "docs" / "STORE.md").read_text(encoding="utf-8")
    sec = store.split("## Running Dask safely", 1)[1].split("\n## ", 1)[0]
    for needle in ("unauthenticated pickle over TCP", "127.0.0.1", "--tls-ca-file", "tls://",
                   "ssh -N -L", "Never expose the port", "What alignsim sends"):  # fmt: skip
        assert needle in sec, needle
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/STORE.md#running-dask-safely" in readme


def test_store_md_carries_the_generated_codebook() -> None:
    from sim.core.outputs import SUMMARY
    from sim.core.steps import STEP_NAMES

    done = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_codebook.py"), "--check"],
                          capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    assert done.returncode == 0, done.stdout
    store = (ROOT / "docs" / "STORE.md").read_text(encoding="utf-8")
    sec = store.split("<!-- codebook:start -->", 1)[1].split("<!-- codebook:end -->", 1)[0]
    for o in SUMMARY:
        row = next(ln for ln in sec.splitlines() if ln.startswith(f"| `{o.name}` |"))
        assert row.rstrip(" |").endswith("null" if o.missing else "never missing"), row
    assert "category: 0 ROK, 1 JPN, 2 both" in sec
    for s in STEP_NAMES:
        assert f"| `first_by_{s}` |" in sec and f"| `first_month_{s}` |" in sec
