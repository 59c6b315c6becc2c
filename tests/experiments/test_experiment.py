"""Experiments: designs, bit-identical stores across executors and chunkings, resume after
SIGKILL, extending replications, refusal of mismatched stores, loading errors."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.core.steps import STEP_NAMES
from sim.engines.batch import MONTHLY_VARS, simulate
from sim.errors import UserError
from sim.experiments.driver import run_experiment
from sim.experiments.spec import load_experiment
from sim.experiments.store import BIN_BITS, Store

ROOT = Path(__file__).resolve().parents[2]
SMALL = """
name = "small"
base = "baseline_2022"
replications = {reps}
months = 18
seed = 11
[factors]
us_coercion = {{ range = [0.2, 0.8], levels = 2 }}
strategy = ["small_steps", "tit_for_tat"]
china_coercion = [0.3]
[uncertainty]
seeds_per_draw = 1
"""


def write_exp(tmp: Path, reps: int = 12, text: str = SMALL, name: str = "small.toml") -> Path:
    p = tmp / name
    p.write_text(text.format(reps=reps))
    return p


def frames(store: Path) -> Store:
    return sim.load(store)


def assert_same_store(a: Path, b: Path) -> None:
    sa, sb = sim.load(a), sim.load(b)
    pd.testing.assert_frame_equal(sa.runs, sb.runs, check_exact=True)
    pd.testing.assert_frame_equal(sa.monthly, sb.monthly, check_exact=True)
    pd.testing.assert_frame_equal(sa.design, sb.design, check_exact=True)
    if sa.trajectories is not None or sb.trajectories is not None:
        pd.testing.assert_frame_equal(sa.trajectories, sb.trajectories, check_exact=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("ref")
    exp = write_exp(tmp)
    return run_experiment(exp, tmp / "ref", workers=1, chunk_size=1000, quiet=True,
                          trajectories=True)  # fmt: skip


# ------------------------------------------------------------------------------------- designs
def test_design_is_factorial_with_factor_columns(tmp_path: Path) -> None:
    exp = load_experiment(write_exp(tmp_path))
    assert len(exp.design) == 4
    assert [d["us_coercion"] for d in exp.design] == [0.2, 0.2, 0.8, 0.8]
    assert [d["strategy"] for d in exp.design] == ["small_steps", "tit_for_tat"] * 2
    sc = exp.points[1]
    assert dict(sc.strategies) == {"ROK": "tit_for_tat", "JPN": "tit_for_tat",
                                   "ROK_successor": "tit_for_tat", "JPN_successor": "tit_for_tat"}  # fmt: skip
    assert sc.params.us_coercion == 0.2 and sc.params.china_coercion == 0.3 and sc.months == 18


def test_shipped_experiments_load() -> None:
    sizes = {}
    for p in sorted((ROOT / "experiments").glob("*.toml")):
        e = load_experiment(p)
        sizes[e.name] = len(e.design) * e.replications
    assert sizes["coercion_sweep"] == 84_000
    assert len(sizes) >= 3


@pytest.mark.parametrize(("method", "samples", "points"),
                         [("latin", 10, 10), ("sobol", 8, 8), ("saltelli", 4, 4 * (2 * 2 + 2))])  # fmt: skip
def test_samplers(tmp_path: Path, method: str, samples: int, points: int) -> None:
    text = f"""
base = "baseline_2022"
replications = 2
[factors]
strategy = ["small_steps", "status_quo"]
us_coercion = {{ range = [0.1, 0.9] }}
small_step_interval = {{ range = [1, 6] }}
[sampler]
method = "{method}"
samples = {samples}
seed = 3
[uncertainty]
parameters = "pinned"
"""
    p = tmp_path / "s.toml"
    p.write_text(text)
    e = load_experiment(p)
    assert len(e.design) == 2 * points
    us = np.array([d["us_coercion"] for d in e.design])
    assert us.min() >= 0.1 and us.max() <= 0.9 and len(set(us)) > 1
    assert all(isinstance(d["small_step_interval"], int) for d in e.design)
    assert load_experiment(p).design == e.design  # the sampler is seeded


def test_morris_design_is_seeded_on_the_grid_and_crossed_with_listed_factors(
    tmp_path: Path,
) -> None:
    from sim.experiments.design import MORRIS_LEVELS, morris_experiment

    p = tmp_path / "m.toml"
    p.write_text(
        'base = "baseline_2022"\nreplications = 2\nmonths = 12\nseed = 3\n'
        '[factors]\nstrategy = ["small_steps", "status_quo"]\n'
        "us_coercion = { range = [0.2, 0.6] }\nrok_approval0 = { range = [0.15, 0.55] }\n"
        '[sampler]\nmethod = "saltelli"\nsamples = 4\nsecond_order = false\n'
        '[uncertainty]\nparameters = "pinned"\n'
    )
    e = load_experiment(p)
    m = morris_experiment(e, 5)
    assert m.name == "m_morris" and e.name == "m"
    assert len(m.design) == 2 * 5 * (2 + 1)  # listed combos x trajectories x (factors + 1)
    assert [d["strategy"] for d in m.design[:15]] == ["small_steps"] * 15
    grid = np.linspace(0.2, 0.6, MORRIS_LEVELS)
    us = np.array([d["us_coercion"] for d in m.design])
    assert np.all(np.isclose(us[:, None], grid[None, :]).any(axis=1))
    assert [sc.params.us_coercion for sc in m.points] == list(us)
    assert m.design_hash() != e.design_hash()
    assert morris_experiment(e, 5).design == m.design  # seeded


def test_common_random_numbers_and_coordinates(reference: Path) -> None:
    st = sim.load(reference)
    exp_runs = st.runs
    assert len(exp_runs) == 4 * 12
    assert list(exp_runs.columns[:4]) == ["point", "replication", "seed", "draw"]
    for step in STEP_NAMES:
        assert f"first_month_{step}" in exp_runs and f"first_by_{step}" in exp_runs
    # each stored run is simulate(point scenario, seed, its replication index, its drawn values)
    pt = st.manifest["points"][3]
    from sim.experiments.store import scenario_from_dict

    sc = scenario_from_dict(pt["scenario"])
    mine = exp_runs[exp_runs["point"] == 3]
    drawn = {c[len("theta_") :]: mine[c].to_numpy() for c in mine.columns if c.startswith("theta_")}
    assert len(drawn) > 10 and "us_coercion" not in drawn  # a factor is never drawn
    direct = simulate(sc, 11, np.arange(12), varying=drawn)
    mine = exp_runs[exp_runs["point"] == 3]
    for k, v in direct.summary.items():
        np.testing.assert_array_equal(mine[k].to_numpy(), v)
    # draw j is the same parameter vector at every design point
    first = exp_runs[exp_runs["point"] == 0]
    for c in (c for c in exp_runs.columns if c.startswith("theta_")):
        np.testing.assert_array_equal(first[c].to_numpy(), mine[c].to_numpy())
    # common random numbers: launches of replication r are the same at every design point
    t = st.trajectories
    a = t[(t.point == 0) & (t.replication == 5)]["launches"].to_numpy()
    b = t[(t.point == 3) & (t.replication == 5)]["launches"].to_numpy()
    c = t[(t.point == 3) & (t.replication == 6)]["launches"].to_numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(b, c)


def test_monthly_aggregates_match_trajectories(reference: Path) -> None:
    st = sim.load(reference)
    m, t = st.monthly, st.trajectories
    assert set(m["variable"]) == set(MONTHLY_VARS)
    assert len(m) == 4 * 19 * len(MONTHLY_VARS)
    bin_width = 1 / (1 << BIN_BITS)  # of a variable's range
    for var, tol in (("trilateral", bin_width), ("launches", 0.0), ("approval_ROK", bin_width),
                     ("alignment_JPN", 2 * bin_width), ("steps_ROK", 0.0)):  # fmt: skip
        for point in (0, 3):
            for month in (0, 9, 18):
                x = t[(t.point == point) & (t.month == month)][var].to_numpy()
                row = m[(m.point == point) & (m.month == month) & (m.variable == var)].iloc[0]
                assert row["n"] == 12
                assert row["mean"] == pytest.approx(x.mean(), abs=1e-9)
                for q in (5, 25, 50, 75, 95):
                    assert abs(row[f"q{q:02d}"] - np.quantile(x, q / 100)) <= tol + 1e-9, (var, q)


# ------------------------------------------------------------------------- identical results
def test_identical_across_chunk_sizes_and_workers(tmp_path: Path, reference: Path) -> None:
    exp = write_exp(tmp_path)
    a = run_experiment(exp, tmp_path / "a", workers=1, chunk_size=7, quiet=True, trajectories=True)
    b = run_experiment(exp, tmp_path / "b", workers=2, chunk_size=5, quiet=True, trajectories=True)
    assert len(json.loads((a / "manifest.json").read_text())["chunks"]) == 7
    assert_same_store(reference, a)
    assert_same_store(reference, b)
    assert json.loads((b / "manifest.json").read_text())["sessions"][0]["executor"] == "processes"


@pytest.mark.parametrize("kind", ["threads", "processes"])
def test_identical_on_any_concurrent_futures_executor(
    tmp_path: Path, reference: Path, kind: str
) -> None:
    """The caller's own executor (as MPI's MPIPoolExecutor would be on a cluster)."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

    exp = write_exp(tmp_path)
    pool = (ThreadPoolExecutor(2) if kind == "threads"
            else ProcessPoolExecutor(2, mp_context=mp.get_context("spawn")))  # fmt: skip
    with pool:
        e = run_experiment(exp, tmp_path / "e", executor=pool, chunk_size=6, quiet=True,
                           trajectories=True)  # fmt: skip
        assert pool.submit(int, "7").result() == 7  # the batch leaves the caller's pool open
    session = json.loads((e / "manifest.json").read_text())["sessions"][0]
    assert session["executor"] == type(pool).__name__ and session["workers"] == 2
    assert_same_store(reference, e)


def _worker_pids(store: Path) -> set[int]:
    """The process ids of the workers that ran a store's chunks (its manifest's host:pid)."""
    chunks = json.loads((store / "manifest.json").read_text())["chunks"]
    return {int(c["worker"].rsplit(":", 1)[1]) for c in chunks}


def _gone(pids: set[int], timeout: float = 20.0) -> bool:
    """Whether every process in ``pids`` has exited within ``timeout`` seconds."""
    import psutil

    procs = []
    for pid in pids:
        try:
            procs.append(psutil.Process(pid))
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=timeout)
    return not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]


def test_the_next_batch_reuses_the_workers_a_finished_batch_kept(
    tmp_path: Path, reference: Path
) -> None:
    from sim.experiments.executors import shutdown_workers

    shutdown_workers()
    exp = write_exp(tmp_path)
    a = run_experiment(exp, tmp_path / "a", workers=2, chunk_size=5, quiet=True, trajectories=True)
    b = run_experiment(exp, tmp_path / "b", workers=2, chunk_size=6, quiet=True, trajectories=True)
    first, second = _worker_pids(a), _worker_pids(b)
    assert first and second <= first and os.getpid() not in first
    assert not _gone(first, timeout=0.5)  # kept: still running, idle
    assert_same_store(reference, a)
    assert_same_store(reference, b)
    shutdown_workers()
    assert _gone(first)
    c = run_experiment(exp, tmp_path / "c", workers=2, chunk_size=5, quiet=True, trajectories=True)
    assert not _worker_pids(c) & first  # a new pool after shutdown_workers()
    assert_same_store(reference, c)
    shutdown_workers()


def test_kept_workers_end_when_idle_for_their_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sim.experiments.executors as executors

    executors.shutdown_workers()
    monkeypatch.setattr(executors, "KEEP_WORKERS_SECONDS", 1.5)
    a = run_experiment(write_exp(tmp_path, reps=4), tmp_path / "a", workers=2, chunk_size=4,
                       quiet=True)  # fmt: skip
    pids = _worker_pids(a)
    assert not _gone(pids, timeout=0.2)  # kept for now
    assert _gone(pids)  # then ended: idle for longer than KEEP_WORKERS_SECONDS


def test_a_pool_whose_worker_died_is_not_reused(tmp_path: Path, reference: Path) -> None:
    from sim.experiments.executors import shutdown_workers

    shutdown_workers()
    exp = write_exp(tmp_path)
    a = run_experiment(exp, tmp_path / "a", workers=2, chunk_size=5, quiet=True, trajectories=True)
    first = _worker_pids(a)
    victim = min(first)
    os.kill(victim, signal.SIGKILL)
    assert _gone({victim})
    b = run_experiment(exp, tmp_path / "b", workers=2, chunk_size=5, quiet=True, trajectories=True)
    assert not _worker_pids(b) & first
    assert_same_store(reference, b)
    shutdown_workers()


def test_another_worker_count_gets_a_new_pool(tmp_path: Path) -> None:
    from sim.experiments.executors import PoolExecutor, shutdown_workers

    shutdown_workers()
    a = run_experiment(write_exp(tmp_path, reps=4), tmp_path / "a", workers=2, chunk_size=4,
                       quiet=True)  # fmt: skip
    first = _worker_pids(a)
    assert not _gone(first, timeout=0.2)  # kept for now
    pool = PoolExecutor.kept(3)  # not the kept pool of two: that one is shut down
    assert pool.workers == 3 and pool.keep
    assert _gone(first)
    pool.close()
    shutdown_workers()


def test_an_executor_must_have_submit(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="concurrent.futures.Executor"):
        run_experiment(write_exp(tmp_path), tmp_path / "x", executor=object(), quiet=True)


def test_identical_on_dask_local_cluster(tmp_path: Path, reference: Path) -> None:
    pytest.importorskip("distributed")
    exp = write_exp(tmp_path)
    d = run_experiment(exp, tmp_path / "d", scheduler="local", workers=2, chunk_size=9,
                       quiet=True, trajectories=True)  # fmt: skip
    assert json.loads((d / "manifest.json").read_text())["sessions"][0]["executor"] == "dask"
    assert_same_store(reference, d)


def test_mesa_engine_gives_the_same_store(tmp_path: Path) -> None:
    exp = write_exp(tmp_path, reps=3)
    a = run_experiment(exp, tmp_path / "a", workers=1, quiet=True, trajectories=True)
    m = run_experiment(exp, tmp_path / "m", workers=1, engine="mesa", chunk_size=5, quiet=True,
                       trajectories=True)  # fmt: skip
    assert_same_store(a, m)


# ------------------------------------------------------------------------- resume and extend
def test_resume_after_sigkill_equals_uninterrupted(tmp_path: Path, reference: Path) -> None:
    exp = write_exp(tmp_path)
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sim.cli", "batch", str(exp), "--out", str(out), "--workers",
           "1", "--chunk-size", "3", "--trajectories", "--quiet", "--no-summary"]  # fmt: skip
    env = {**os.environ, "ALIGNSIM_TEST_CHUNK_DELAY": "0.25"}
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)  # fmt: skip
    manifest = out / "manifest.json"
    deadline = time.time() + 120
    done = 0
    while time.time() < deadline:
        if manifest.exists():
            try:
                done = sum(
                    c["status"] == "done" for c in json.loads(manifest.read_text())["chunks"]
                )
            except ValueError:
                done = 0
            if done >= 3:
                break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    m = json.loads(manifest.read_text())
    n_done = sum(c["status"] == "done" for c in m["chunks"])
    assert 3 <= n_done < len(m["chunks"]), "the batch must be killed mid-run"
    with pytest.raises(UserError, match="incomplete store"):
        sim.load(out)
    # rerun the same command: only the missing chunks run
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    # byte for byte what the same command gives uninterrupted (parameter draws included)
    whole = tmp_path / "whole"
    cmd_whole = [*cmd[: cmd.index("--out") + 1], str(whole), *cmd[cmd.index("--out") + 2 :]]
    res = subprocess.run(cmd_whole, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    files = sorted(p.relative_to(whole) for p in whole.rglob("*.parquet"))
    assert files and sorted(p.relative_to(out) for p in out.rglob("*.parquet")) == files
    assert any(str(f).startswith("runs") for f in files)
    for f in files:
        assert (out / f).read_bytes() == (whole / f).read_bytes(), f
    assert "theta_lock_in" in sim.load(out).runs.columns
    m2 = json.loads(manifest.read_text())
    assert len(m2["sessions"]) == 2 and m2["status"] == "complete"
    finished_first = {c["id"] for c in m["chunks"] if c["status"] == "done"}
    for c in m2["chunks"]:
        if c["id"] in finished_first:
            assert c["finished"] == next(x for x in m["chunks"] if x["id"] == c["id"])["finished"]
    assert_same_store(reference, out)


def test_extending_replications_runs_only_new_ones(tmp_path: Path) -> None:
    exp = write_exp(tmp_path, reps=5)
    out = run_experiment(exp, tmp_path / "ext", workers=1, chunk_size=6, quiet=True)
    first = json.loads((out / "manifest.json").read_text())
    run_experiment(exp, out, workers=1, replications=12, chunk_size=6, quiet=True)
    m = json.loads((out / "manifest.json").read_text())
    assert m["blocks"] == [[0, 5], [5, 12]]
    old = {c["id"]: c for c in first["chunks"]}
    for c in m["chunks"]:
        if c["id"] in old:
            assert c["finished"] == old[c["id"]]["finished"]  # not rerun
    direct = run_experiment(write_exp(tmp_path, reps=12, name="d.toml"), tmp_path / "direct",
                            workers=1, quiet=True)  # fmt: skip
    sa, sb = sim.load(out), sim.load(direct)
    pd.testing.assert_frame_equal(sa.runs, sb.runs, check_exact=True)
    pd.testing.assert_frame_equal(sa.monthly, sb.monthly, check_exact=True)
    with pytest.raises(UserError, match="already has 12"):
        run_experiment(exp, out, workers=1, replications=4, quiet=True)


def test_rerun_of_finished_store_runs_nothing(tmp_path: Path) -> None:
    exp = write_exp(tmp_path, reps=3)
    out = run_experiment(exp, tmp_path / "s", workers=1, quiet=True)
    before = (out / "runs" / "part-00000.parquet").stat().st_mtime_ns
    run_experiment(exp, out, workers=1, quiet=True)
    assert (out / "runs" / "part-00000.parquet").stat().st_mtime_ns == before


# ----------------------------------------------------------------------------- refusals
def test_store_of_another_experiment_is_refused(tmp_path: Path) -> None:
    exp = write_exp(tmp_path, reps=3)
    out = run_experiment(exp, tmp_path / "s", workers=1, quiet=True)
    other = write_exp(tmp_path, reps=3, text=SMALL.replace("seed = 11", "seed = 12"),
                      name="other.toml")  # fmt: skip
    with pytest.raises(UserError, match="another experiment"):
        run_experiment(other, out, workers=1, quiet=True)
    with pytest.raises(UserError, match="another experiment"):
        sim.load(out, experiment=other)
    run_experiment(other, out, workers=1, quiet=True, force=True)
    assert sim.load(out).runs["seed"].eq(12).all()


def test_store_of_another_code_version_is_refused(tmp_path: Path) -> None:
    exp = write_exp(tmp_path, reps=3)
    out = run_experiment(exp, tmp_path / "s", workers=1, quiet=True)
    m = json.loads((out / "manifest.json").read_text())
    m["code"]["model_code_hash"] = "0123456789abcdef"
    (out / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(UserError, match="another code version"):
        run_experiment(exp, out, workers=1, quiet=True)


def test_non_store_folder_is_not_overwritten(tmp_path: Path) -> None:
    exp = write_exp(tmp_path, reps=3)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(UserError, match="not a result store"):
        run_experiment(exp, out, workers=1, quiet=True)
    with pytest.raises(UserError, match="not a result store") as e:  # --force too: not a store
        run_experiment(exp, out, workers=1, quiet=True, force=True)
    assert "--force to" not in str(e.value)
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert (out / "notes.txt").read_text() == "keep me"


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="manifest.json is missing"):
        sim.load(tmp_path)
    exp = write_exp(tmp_path, reps=3)
    out = run_experiment(exp, tmp_path / "s", workers=1, chunk_size=4, quiet=True)
    other = run_experiment(
        write_exp(tmp_path, reps=3, text=SMALL.replace("seed = 11", "seed = 5"), name="o.toml"),
        tmp_path / "o", workers=1, chunk_size=4, quiet=True)  # fmt: skip
    part = out / "runs" / "part-00001.parquet"
    saved = part.read_bytes()
    shutil.copy(other / "runs" / "part-00001.parquet", part)
    with pytest.raises(UserError, match="belongs to another experiment"):
        sim.load(out)
    part.unlink()
    with pytest.raises(UserError, match="missing chunk file"):
        sim.load(out)
    part.write_bytes(saved)
    sim.load(out)
    m = json.loads((out / "manifest.json").read_text())
    m["store_format"] = 99
    (out / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(UserError, match="another version"):
        sim.load(out)


# ------------------------------------------------------------------------------------ run_one
def test_run_one_matches_the_engine() -> None:
    from sim.core.params import Scenario

    out = sim.run_one({"us_coercion": 0.7, "strategy": "grand_bargain", "months": 24}, seed=4)
    sc = Scenario(months=24).with_params(us_coercion=0.7).with_strategies(
        ROK="grand_bargain", JPN="grand_bargain", ROK_successor="grand_bargain",
        JPN_successor="grand_bargain")  # fmt: skip
    ref = simulate(sc, 4, [0]).summary
    assert out.keys() == ref.keys()
    for k, v in ref.items():
        assert out[k] == v[0].item()
    assert isinstance(out["final_trilateral"], float) and isinstance(out["inst_month"], int)


def test_run_one_rejects_unknown_names() -> None:
    with pytest.raises(UserError, match="did you mean 'us_coercion'"):
        sim.run_one({"us_coersion": 0.5}, seed=1)
    with pytest.raises(UserError, match="out of range"):
        sim.run_one({"us_coercion": 1.5}, seed=1)


def test_killed_multiprocess_batch_leaves_no_worker_running(tmp_path: Path) -> None:
    import psutil

    exp = write_exp(tmp_path)
    out = tmp_path / "killed2"
    cmd = [sys.executable, "-m", "sim.cli", "batch", str(exp), "--out", str(out), "--workers",
           "2", "--chunk-size", "3", "--quiet", "--no-summary"]  # fmt: skip
    env = {**os.environ, "ALIGNSIM_TEST_CHUNK_DELAY": "0.5"}
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    driver = psutil.Process(proc.pid)
    deadline = time.time() + 120
    workers: list[psutil.Process] = []

    def cmdline(p: psutil.Process) -> str:
        # A child may exit (or be a short-lived helper that is already a zombie) between
        # listing and reading its command line; such a child is not a running worker.
        try:
            return " ".join(p.cmdline())
        except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
            return ""

    while time.time() < deadline and len(workers) < 2:
        try:
            children = driver.children(recursive=True)
        except psutil.NoSuchProcess:
            break
        workers = [c for c in children if "forkserver" in cmdline(c) or "spawn" in cmdline(c)]
        time.sleep(0.05)
    assert len(workers) >= 2, "the batch must have started its worker processes"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    gone, alive = psutil.wait_procs(workers, timeout=15)
    assert not alive, f"workers still running after the driver was killed: {alive}"


def test_monthly_aggregates_merged_in_month_slices_are_the_same(
    tmp_path: Path, reference: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When one point's histogram is larger than the merge budget (long horizons), the driver
    merges it a slice of months at a time: the monthly table is the same, row for row."""
    import pyarrow.parquet as pq

    from sim.experiments import store as st

    m = json.loads((reference / "manifest.json").read_text())
    whole = st.MonthlyWriter(reference, m)
    assert all(b[2:] == (0, m["months"] + 1) for b in whole.blocks)  # points at a time
    monkeypatch.setattr(st, "MERGE_ROWS", 50)  # smaller than one point's month: one month a slice
    sliced = st.MonthlyWriter(reference, m)
    assert len(sliced.blocks) == len(m["points"]) * (m["months"] + 1)
    before = pq.read_table(reference / "monthly.parquet")
    st.write_monthly(reference, m)
    after = pq.read_table(reference / "monthly.parquet")
    assert after.equals(before)
