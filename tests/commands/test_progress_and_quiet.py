"""Progress of long work: a bar with ETA on a terminal, a line every few seconds elsewhere (not one
per chunk); batch --quiet prints nothing but errors; a finished store says there is nothing to do."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from sim.cli import main
from sim.experiments.progress import Progress


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_plain_progress_writes_a_line_every_interval_not_every_chunk() -> None:
    clock, out = Clock(), io.StringIO()
    p = Progress(1000, label="runs", interval=5.0, stream=out, tty=False, clock=clock)
    for _ in range(100):  # 100 chunks of 10 runs, 0.2 s apart: 20 s in all
        clock.t += 0.2
        p.advance(10)
    p.close()
    lines = out.getvalue().splitlines()
    assert 4 <= len(lines) <= 5  # every 5 s, and a final one; never 100
    assert lines[-1].startswith("  runs: 1,000/1,000 (100%)")
    assert "left 0:00" in lines[-1] and "elapsed 0:20" in lines[-1]
    assert "left 0:15" in lines[0]  # at 5 s, 250 of 1,000 done: 15 s left


def test_eta_and_rate_count_only_this_sessions_work() -> None:
    clock = Clock()
    p = Progress(100, done=60, stream=io.StringIO(), tty=False, clock=clock)
    clock.t = 10.0
    p.advance(20)
    assert p.rate() == pytest.approx(2.0) and p.eta() == pytest.approx(10.0)


def test_quiet_progress_prints_nothing() -> None:
    out = io.StringIO()
    with Progress(10, quiet=True, stream=out, tty=True) as p:
        p.advance(10)
        p.log("hello")
    assert out.getvalue() == ""


def test_terminal_progress_is_a_transient_rich_bar() -> None:
    out, clock = io.StringIO(), Clock()
    with Progress(10, stream=out, tty=True, label="runs", clock=clock) as p:
        assert p.bar is not None
        clock.t = 2.0
        p.advance(4)
        p.log("a message above the bar")
    assert "a message above the bar" in out.getvalue()
    assert p.bar.live.transient
    assert out.getvalue().rstrip().endswith("elapsed 0:02, left 0:03")  # once the bar goes
    assert "runs: 4/10 (40%)" in out.getvalue()


EXP = """
name = "quiet_small"
base = "baseline_2022"
replications = 4
months = 12
seed = 3
[uncertainty]
seeds_per_draw = 2
"""


def test_batch_quiet_prints_nothing_and_a_finished_store_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exp = tmp_path / "q.toml"
    exp.write_text(EXP)
    store = tmp_path / "s"
    assert main(["batch", str(exp), "--out", str(store), "--workers", "1", "--quiet"]) == 0
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    assert main(["batch", str(exp), "--out", str(store), "--workers", "1", "--no-summary"]) == 0
    out = capsys.readouterr()
    assert "nothing to do: 4 runs already complete" in out.err
    assert out.out.strip() == f"store: {store}"
    assert main(["batch", str(exp), "--out", str(store), "--workers", "1", "--quiet"]) == 0
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    # an error still speaks under --quiet
    assert main(["batch", str(exp), "--out", str(store), "--replications", "2", "--quiet"]) == 2
    assert "--replications" in capsys.readouterr().err
