"""Nothing lost, nothing half-written: the store lock, --force, damaged chunks repaired on
resume, a full disk, temporary files of a killed write, a broken output pipe, a lost executor,
--chunk-size on resume, the worker cap and file modes."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.errors import UserError
from sim.experiments import driver
from sim.experiments import store as store_mod
from sim.experiments.chunks import default_chunk_size
from sim.experiments.driver import run_experiment
from sim.experiments.spec import load_experiment

ROOT = Path(__file__).resolve().parents[2]
EXP = """
name = "safety"
base = "baseline_2022"
replications = {reps}
months = 12
seed = 5
[factors]
us_coercion = [0.2, 0.5, 0.8]
[uncertainty]
parameters = "pinned"
"""


def write_exp(tmp: Path, reps: int = 6) -> Path:
    p = tmp / "safety.toml"
    p.write_text(EXP.format(reps=reps))
    return p


def same_store(a: Path, b: Path) -> None:
    sa, sb = sim.load(a), sim.load(b)
    pd.testing.assert_frame_equal(sa.runs, sb.runs, check_exact=True)
    pd.testing.assert_frame_equal(sa.monthly, sb.monthly, check_exact=True)
    pd.testing.assert_frame_equal(sa.design, sb.design, check_exact=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("reference")
    return run_experiment(write_exp(d), d / "ref", workers=1, chunk_size=5, quiet=True)


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


# ------------------------------------------------------------------------------------- --force
def test_force_deletes_only_the_store_files(tmp_path: Path, reference: Path) -> None:
    exp = write_exp(tmp_path)
    out = run_experiment(exp, tmp_path / "s", workers=1, chunk_size=5, quiet=True)
    mine = [out / "runs" / "my_notes.txt", out / "hist" / "keep.csv", out / "README.md",
            out / "monthly" / "mine.parquet",
            out / "trajectories" / "part-99999.parquet"]  # fmt: skip
    for p in mine:
        p.parent.mkdir(exist_ok=True)
        p.write_text("the user's own file")
    assert main(["batch", str(exp), "--out", str(out), "--force", "--quiet", "--workers", "1",
                 "--chunk-size", "5", "--no-summary"]) == 0  # fmt: skip
    for p in mine:
        assert p.read_text() == "the user's own file"
    same_store(out, reference)


def test_force_on_a_folder_that_is_not_a_store(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    out = tmp_path / "d"
    for sub in ("runs", "monthly", "hist", "trajectories"):
        (out / sub).mkdir(parents=True)
        (out / sub / "data.csv").write_text("precious")
    code = main(["batch", str(write_exp(tmp_path)), "--out", str(out), "--force", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert "not a result store" in err
    assert "--force to" not in err and "or --force" not in err
    for sub in ("runs", "monthly", "hist", "trajectories"):
        assert (out / sub / "data.csv").read_text() == "precious"


# ---------------------------------------------------------------------------------------- lock
def test_two_writers_one_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exp = write_exp(tmp_path)
    out = tmp_path / "s"
    slow = {**env(), "ALIGNSIM_TEST_CHUNK_DELAY": "1.5"}
    first = subprocess.Popen([sys.executable, "-m", "sim.cli", "batch", str(exp), "--out", str(out),
                              "--workers", "1", "--chunk-size", "3", "--quiet", "--no-summary"],
                             env=slow)  # fmt: skip
    try:
        lock = out / store_mod.LOCK_NAME
        for _ in range(200):
            if lock.is_file() and store_mod.read_lock(lock):
                break
            time.sleep(0.05)
        holder = store_mod.read_lock(lock)
        assert holder is not None and holder["pid"] == first.pid
        assert holder["host"] == socket.gethostname() and "alignsim batch" in holder["command"]
        code = main(["batch", str(exp), "--out", str(out), "--replications", "12", "--quiet",
                     "--workers", "1"])  # fmt: skip
        err = capsys.readouterr().err
        assert code == 2, err
        assert f"pid {first.pid}" in err and "in use" in err and str(out) in err
    finally:
        assert first.wait(120) == 0
    assert not (out / store_mod.LOCK_NAME).exists()
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "complete" and m["replications"] == 6
    # now the extension runs, and nothing is orphaned
    run_experiment(exp, out, workers=1, replications=12, quiet=True)
    st = sim.load(out)
    assert len(st.runs) == 3 * 12
    listed = {c["files"]["runs"] for c in st.manifest["chunks"]}
    assert {f"runs/{p.name}" for p in (out / "runs").iterdir()} == listed


def test_stale_lock_is_taken_over(tmp_path: Path, reference: Path) -> None:
    exp = write_exp(tmp_path)
    out = tmp_path / "s"
    out.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (out / store_mod.LOCK_NAME).write_text(json.dumps(
        {"pid": dead.pid, "host": socket.gethostname(), "command": "alignsim batch x",
         "started": "2026-01-01T00:00:00+00:00"}))  # fmt: skip
    said: list[str] = []
    run_experiment(exp, out, workers=1, chunk_size=5, quiet=True, echo=said.append)
    assert any("stale lock" in s and str(dead.pid) in s for s in said), said
    assert not (out / store_mod.LOCK_NAME).exists()
    same_store(out, reference)


# ------------------------------------------------------------------------ damaged and resumed
def test_resume_reruns_a_truncated_chunk(tmp_path: Path, reference: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    exp = write_exp(tmp_path)
    out = tmp_path / "s"
    shutil.copytree(reference, out)
    part = out / "runs" / "part-00001.parquet"
    part.write_bytes(part.read_bytes()[:200])
    (out / "hist" / "part-00002.parquet").write_bytes(b"")
    assert main(["summary", str(out)]) == 2
    assert "part-00001.parquet" in capsys.readouterr().err
    assert main(["batch", str(exp), "--out", str(out), "--workers", "1", "--no-summary"]) == 0
    err = capsys.readouterr().err
    assert "chunk 1 will be run again" in err and "chunk 2 will be run again" in err
    same_store(out, reference)


def test_default_chunk_size_on_long_and_saltelli(tmp_path: Path) -> None:
    # 600 months with every monthly variable and trajectories: chunks stay within MIN..MAX
    assert 100 <= default_chunk_size(600, 40, True) <= 20_000
    exp = tmp_path / "saltelli.toml"
    exp.write_text('base = "baseline_2022"\nreplications = 1\nmonths = 3\nseed = 2\n[factors]\n'
                   "us_coercion = { range = [0.0, 1.0] }\nchina_coercion = { range = [0.0, 1.0] }\n"
                   "us_commitment = { range = [0.3, 1.0] }\nrok_approval0 = { range = [0.15, 0.55] }\n"
                   '[sampler]\nmethod = "saltelli"\nsamples = 256\n[outputs]\nmonthly = []\n'
                   '[uncertainty]\nparameters = "pinned"\n')  # fmt: skip
    out = run_experiment(exp, tmp_path / "s", workers=1, quiet=True)
    assert len(sim.load(out).runs) == 256 * (2 * 4 + 2)
    long = tmp_path / "long.toml"
    long.write_text('base = "baseline_2022"\nreplications = 150\nmonths = 600\nseed = 2\n'
                    '[uncertainty]\nparameters = "pinned"\n')  # fmt: skip
    out = run_experiment(long, tmp_path / "l", workers=1, quiet=True)
    assert sim.load(out).monthly["month"].max() == 600


def test_chunk_size_on_resume_is_honoured(tmp_path: Path, reference: Path) -> None:
    exp = write_exp(tmp_path)
    out = tmp_path / "s"
    shutil.copytree(reference, out)
    m = json.loads((out / "manifest.json").read_text())
    for c in m["chunks"][1:]:  # as if the batch had been killed after its first chunk
        c["status"] = "pending"
        for rel in c.pop("files").values():
            (out / rel).unlink()
    m["status"] = "running"
    (out / "manifest.json").write_text(json.dumps(m))
    run_experiment(exp, out, workers=1, chunk_size=2, quiet=True)
    m = json.loads((out / "manifest.json").read_text())
    assert m["chunk_size"] == 2
    assert m["chunks"][0]["runs"] == 5 and all(c["runs"] <= 2 for c in m["chunks"][1:])
    assert len({c["id"] for c in m["chunks"]}) == len(m["chunks"])
    same_store(out, reference)


# ---------------------------------------------------------------------------------- full disk
def _full_disk_after(n_ok: int, real: Any) -> Any:
    calls = {"n": 0}

    def write(path: Path, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] <= n_ok:
            return real(path, data)
        with store_mod.atomic_path(path) as tmp:  # half a file, then the disk is full
            tmp.write_bytes(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device", str(tmp))

    return write


@pytest.mark.parametrize("n_ok", [0, 3])
def test_disk_full_exit_2_clean_and_resumable(tmp_path: Path, reference: Path, n_ok: int,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    exp = write_exp(tmp_path)
    out = tmp_path / "s"
    monkeypatch.setattr(driver, "atomic_write_bytes",
                        _full_disk_after(n_ok, store_mod.atomic_write_bytes))  # fmt: skip
    if n_ok == 0:  # the very first write (the manifest) fails
        monkeypatch.setattr(driver, "atomic_write_json", lambda p, o: driver.atomic_write_bytes(
            p, json.dumps(o).encode()))  # fmt: skip
    code = main(["batch", str(exp), "--out", str(out), "--workers", "1", "--chunk-size", "5",
                 "--quiet"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and "No space left on device" in err and str(out) in err
    assert not [p for p in out.rglob("*") if p.is_file() and store_mod.is_temp_name(p.name)]
    assert not (out / store_mod.LOCK_NAME).exists()
    monkeypatch.undo()
    assert main(["batch", str(exp), "--out", str(out), "--workers", "1", "--chunk-size", "5",
                 "--quiet", "--no-summary"]) == 0  # fmt: skip
    same_store(out, reference)


def test_temp_files_of_a_killed_write_are_cleaned(tmp_path: Path, reference: Path) -> None:
    exp = write_exp(tmp_path)
    out = tmp_path / "s"
    shutil.copytree(reference, out)
    stray = [out / ".monthly.parquet.tmp4242", out / ".manifest.json.k2j4h1x9.tmp",
             out / "runs" / ".part-00001.parquet.abc_123.tmp", out / ".design.parquet.zz9.tmp"]  # fmt: skip
    for p in stray:
        p.write_bytes(b"half")
    keep = out / ".my.tmp.notes"
    keep.write_text("not ours")
    run_experiment(exp, out, workers=1, quiet=True)
    assert not any(p.exists() for p in stray)
    assert keep.read_text() == "not ours"
    same_store(out, reference)


# --------------------------------------------------------------------------------- broken pipe
def test_broken_pipe_leaves_a_resumable_store(tmp_path: Path, reference: Path) -> None:
    exp = write_exp(tmp_path)
    out = tmp_path / "s"
    cmd = [sys.executable, "-m", "sim.cli", "batch", str(exp), "--out", str(out), "--workers",
           "1", "--chunk-size", "5"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**env(), "ALIGNSIM_TEST_CHUNK_DELAY": "0.5"})  # fmt: skip
    assert proc.stdout is not None
    proc.stdout.readline()  # `| head -1`
    proc.stdout.close()
    code = proc.wait(120)
    assert code != 0  # never "success" when the output was cut
    m = json.loads((out / "manifest.json").read_text())
    done = [c for c in m["chunks"] if c["status"] == "done"]
    assert m["status"] == ("complete" if len(done) == len(m["chunks"]) else "running")
    assert not (out / store_mod.LOCK_NAME).exists()
    run_experiment(exp, out, workers=1, quiet=True)
    same_store(out, reference)


# ------------------------------------------------------------------------------ lost executor
class DyingExecutor:
    """An executor whose scheduler dies after ``ok`` chunks."""

    def __init__(self, ok: int, error: BaseException) -> None:
        self.ok, self.error, self._max_workers = ok, error, 1

    def submit(self, fn: Any, task: Any) -> Future[Any]:
        f: Future[Any] = Future()
        if self.ok > 0:
            self.ok -= 1
            f.set_result(fn(task))
        else:
            f.set_exception(self.error)
        return f


@pytest.mark.parametrize("error", [OSError("scheduler connection closed"),
                                   TimeoutError("no workers"), EOFError()])  # fmt: skip
def test_scheduler_dying_mid_run(tmp_path: Path, reference: Path, error: BaseException) -> None:
    exp = write_exp(tmp_path)
    out = tmp_path / "s"
    with pytest.raises(UserError, match="re-run the same command to resume"):
        run_experiment(exp, out, executor=DyingExecutor(1, error), chunk_size=5, quiet=True)
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "running"
    for c in m["chunks"]:  # a chunk marked done has its files; the others are pending
        assert c["status"] == "pending" or (out / c["files"]["runs"]).is_file()
    assert not (out / store_mod.LOCK_NAME).exists()
    run_experiment(exp, out, workers=1, quiet=True)
    same_store(out, reference)


def test_dask_errors_are_user_errors(tmp_path: Path) -> None:
    from distributed.comm.core import CommClosedError

    exp = write_exp(tmp_path)
    with pytest.raises(UserError, match="CommClosedError"):
        run_experiment(exp, tmp_path / "s", executor=DyingExecutor(0, CommClosedError("gone")),
                       quiet=True)  # fmt: skip


# ------------------------------------------------------------------------ workers, file modes
def test_workers_capped_at_the_cores(tmp_path: Path) -> None:
    said: list[str] = []
    out = run_experiment(write_exp(tmp_path, reps=1), tmp_path / "s", workers=100_000,
                         quiet=False, echo=said.append)  # fmt: skip
    cores = os.cpu_count() or 1
    assert json.loads((out / "manifest.json").read_text())["sessions"][-1]["workers"] <= cores
    assert any("--workers 100000" in s and f"using {cores}" in s for s in said), said


@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
def test_files_honour_the_umask(tmp_path: Path, mask: int) -> None:
    old = os.umask(mask)
    try:
        out = run_experiment(write_exp(tmp_path, reps=1), tmp_path / "s", workers=1, quiet=True)
        assert main(["run", str(ROOT / "scenarios" / "baseline_2022.toml"), "--months", "3",
                     "--out", str(tmp_path / "r"), "--quiet"]) == 0  # fmt: skip
    finally:
        os.umask(old)
    files = [out / "manifest.json", out / "design.parquet", out / "runs" / "part-00000.parquet",
             tmp_path / "r" / "run.json", tmp_path / "r" / "monthly.csv"]  # fmt: skip
    for f in files:
        assert f.stat().st_mode & 0o777 == 0o666 & ~mask, f


def test_finished_store_says_nothing_to_do(tmp_path: Path, reference: Path) -> None:
    out = tmp_path / "s"
    shutil.copytree(reference, out)
    said: list[str] = []
    run_experiment(write_exp(tmp_path), out, workers=1, echo=said.append)
    assert any("nothing to run" in s for s in said), said


def test_experiment_name_cannot_leave_results(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    exp = load_experiment(write_exp(tmp_path))
    exp.name = ".."  # an Experiment built in code: the default store is still checked
    with pytest.raises(UserError, match="outside results/"):
        run_experiment(exp, None, workers=1, quiet=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["safety.toml"]


def test_sigkill_during_final_write_then_resume(tmp_path: Path, reference: Path) -> None:
    exp = write_exp(tmp_path)
    out = tmp_path / "s"
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "batch", str(exp), "--out", str(out),
                             "--workers", "1", "--chunk-size", "5", "--quiet", "--no-summary"],
                            env={**env(), "ALIGNSIM_TEST_CHUNK_DELAY": "0.4"})  # fmt: skip
    for _ in range(400):
        if (out / "manifest.json").is_file() and (out / "runs").is_dir() and any(
                (out / "runs").iterdir()):  # fmt: skip
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    (out / ".monthly.parquet.tmp99999").write_bytes(b"PAR1 half")  # what a kill mid-merge leaves
    run_experiment(exp, out, workers=1, quiet=True)
    assert not (out / ".monthly.parquet.tmp99999").exists()
    same_store(out, reference)


@pytest.mark.parametrize(("base", "months", "what"), [("leader_crisis", 24, "at month 28"),
                                                      ("us_pressure_high", 4, "'us_coercion'")])  # fmt: skip
def test_base_shocks_after_the_horizon_are_warned_and_recorded(
    tmp_path: Path, base: str, months: int, what: str, capsys: pytest.CaptureFixture[str]
) -> None:
    exp = tmp_path / "e.toml"
    exp.write_text(f'base = "{base}"\nreplications = 1\nmonths = {months}\n'
                   '[uncertainty]\nparameters = "pinned"\n')  # fmt: skip
    assert main(["batch", str(exp), "--out", str(tmp_path / "s"), "--quiet", "--workers", "1",
                 "--no-summary"]) == 0  # fmt: skip
    err = capsys.readouterr().err
    assert "warning" in err and what in err and str(exp) in err, err
    m = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert any(what in w for w in m["warnings"]), m["warnings"]
