"""The batch driver: an experiment's chunks, run by an executor, written into a result store.

:func:`run_experiment` (``alignsim batch``) plans the chunks (``sim.experiments.chunks``), sends
the missing ones to an executor (``sim.experiments.executors``) and writes each chunk's files
atomically as it finishes, recording it in ``manifest.json`` (``sim.experiments.store``). A
batch killed at any point resumes where it stopped; a larger ``replications`` adds only the new
runs.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import Any

from sim.core.params import scenario_dict, scenario_hash
from sim.errors import UserError, unknown_name
from sim.experiments.chunks import chunk_task, default_chunk_size, plan_chunks, point_groups
from sim.experiments.executors import make_executor, run_chunk
from sim.experiments.experiment import Experiment, jsonable_row
from sim.experiments.progress import Progress
from sim.experiments.provenance import code_version, environment, now
from sim.experiments.spec import MAX_REPLICATIONS, check_replications, load_experiment
from sim.experiments.store import (
    LOCK_NAME,
    STORE_DIRS,
    STORE_FORMAT,
    ManifestEncoder,
    MonthlyWriter,
    atomic_write_bytes,
    atomic_write_json,
    clean_temp_files,
    damaged_chunks,
    is_temp_name,
    part_name,
    point_cover,
    read_manifest,
    store_lock,
    table_bytes,
    wipe,
)
from sim.experiments.uncertainty import pinned
from sim.results.codebook import write_store_codebook


def run_experiment(
    experiment: Experiment | str | Path,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    executor: Any = None,
    engine: str = "array",
    chunk_size: int | None = None,
    replications: int | None = None,
    trajectories: bool = False,
    force: bool = False,
    quiet: bool = False,
    echo: Any = None,
    pin_parameters: bool = False,
) -> Path:
    """Run an experiment into a result store, finishing or extending an existing one.

    Runs only the chunks the store lacks: after a crash (even SIGKILL) the same call finishes
    the missing chunks; a larger ``replications`` adds only the new replications. A store made
    by another experiment or code version is refused unless ``force`` (which starts it afresh).
    The store is locked while the batch writes it (``sim.experiments.store.store_lock``); a
    failed write (a full disk) or a lost executor is a UserError, with the store resumable.

    Args:
        experiment: an experiment file (path or name) or a loaded Experiment.
        out: the store folder (default ``results/<experiment name>``).
        workers: local worker processes (default: one per core); 1 runs in this process.
            Local workers are kept, idle, after a clean batch for the next batch of this
            process (``sim.experiments.executors.KEEP_WORKERS_SECONDS``, ``shutdown_workers``).
        scheduler: a Dask scheduler address, or ``local`` for a local Dask cluster.
        executor: any ``concurrent.futures.Executor`` to run the chunks (e.g. MPI's pool on a
            cluster); the caller owns it. Results do not depend on the executor.
        engine: ``array`` (the compiled batch engine) or ``mesa`` (the Mesa model, slow).
        chunk_size: runs per chunk (default: adapts to the horizon and outputs).
        replications: replications per design point (default: the experiment's).
        trajectories: also store every run's monthly trajectory.
        force: discard an existing store in ``out`` and start afresh (only the files its
            manifest lists; a folder that is not a store is refused all the same).
        quiet: no progress output.
        pin_parameters: keep every parameter at its scenario's value, whatever the
            experiment's ``[uncertainty]`` table says (``--pin-parameters``).

    Returns:
        The store folder.
    """
    exp = experiment if isinstance(experiment, Experiment) else load_experiment(experiment)
    if pin_parameters and exp.uncertainty.parameters != "pinned":
        exp = dataclasses.replace(exp, uncertainty=pinned(exp.uncertainty))
    if engine not in ("array", "mesa"):
        raise unknown_name("engine", engine, ("array", "mesa"), key="--engine")
    if chunk_size is not None and chunk_size < 1:
        raise UserError("bad chunk size", key="--chunk-size", expected="1 or more",
                        found=chunk_size)  # fmt: skip
    target_reps = exp.replications if replications is None else int(replications)
    if not 1 <= target_reps <= MAX_REPLICATIONS:
        raise UserError("bad replication count", key="--replications",
                        expected=f"1..{MAX_REPLICATIONS}", found=target_reps)  # fmt: skip
    check_replications(
        exp, target_reps, "replications" if replications is None else "--replications"
    )
    say = echo or (lambda msg: print(msg, file=sys.stderr))
    store = store_path(out, exp)
    workers = _cap_workers(workers, scheduler, executor, say)
    if scheduler is not None:
        check_scheduler(scheduler)
    _check_folder(store)
    try:
        store.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"cannot create the store folder ({e.strerror or e})", file=store,
                        key="--out", expected="a folder this user can create and write",
                        found=str(store)) from None  # fmt: skip
    if not os.access(store, os.W_OK | os.X_OK):
        raise UserError("cannot write into the store folder (read-only or no permission)",
                        file=store, key="--out", expected="a writable folder",
                        found=str(store))  # fmt: skip
    command = " ".join(["alignsim", *sys.argv[1:]]) if sys.argv[1:] else "alignsim batch"
    try:
        with store_lock(store, command, say):
            return _run_locked(exp, store, say, target_reps, replications, chunk_size,
                               trajectories, force, quiet, engine,
                               (workers, scheduler, executor))  # fmt: skip
    except BrokenPipeError:
        raise
    except OSError as e:
        where = e.filename or store
        raise UserError(
            f"cannot write the result store ({e.strerror or e})",
            file=where,
            expected="room and permission to write the store's files",
            hint="nothing half-written is kept: free space (or fix the permission) and re-run "
            "the same command to resume where it stopped",
        ) from None


def store_path(out: str | Path | None, exp: Experiment) -> Path:
    """The store folder: ``out``, or ``results/<experiment name>`` (which must stay inside
    results/: a name such as ``..`` is refused)."""
    if out is not None:
        if str(out).strip() == "":
            raise UserError("empty store folder", key="--out", expected="a folder path",
                            found=str(out))  # fmt: skip
        return Path(out)
    results = Path("results").resolve()
    store = Path("results") / exp.name
    inside = store.resolve()
    if inside == results or results not in inside.parents:
        raise UserError("the experiment's name would put its store outside results/",
                        file=exp.path, key="name",
                        expected="a plain name (letters, digits, '_', '-', '.'; no '..' or '/')",
                        found=exp.name, hint="rename the experiment, or give --out")  # fmt: skip
    return store


def check_scheduler(scheduler: str) -> None:
    """A ``--scheduler`` value: ``local`` or ``tcp://HOST:PORT`` (also tls://, inproc://)."""
    import re

    if scheduler == "local" or scheduler.startswith("inproc://"):
        return
    m = re.fullmatch(r"(tcp|tls)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})", scheduler)
    if m is None or not 1 <= int(m.group(3)) <= 65535:
        raise UserError("bad scheduler address", key="--scheduler",
                        expected="local, or tcp://HOST:PORT (port 1..65535)",
                        found=scheduler)  # fmt: skip


def _cap_workers(workers: int | None, scheduler: str | None, executor: Any, say: Any) -> int | None:
    """``--workers``, at most one local process per core (a note says so when capped)."""
    if workers is not None and workers < 1:
        raise UserError("bad worker count", key="--workers", expected="1 or more", found=workers)
    if executor is not None or workers is None or (scheduler and scheduler != "local"):
        return workers
    cores = os.cpu_count() or 1
    if workers > cores:
        say(f"alignsim batch: note: --workers {workers} is more than the {cores} cores of this "
            f"machine; using {cores}")  # fmt: skip
        return cores
    return workers


def _check_folder(store: Path) -> None:
    """Refuse an ``--out`` that is a file, or a folder with files that are not a store's
    (whatever --force says: --force discards a store, never other files)."""
    if store.exists() and not store.is_dir():
        raise UserError("the store path exists and is not a folder", file=store, key="--out",
                        expected="a folder (new, empty, or a result store)",
                        found="an existing file")  # fmt: skip
    if not store.is_dir() or (store / "manifest.json").is_file():
        return
    others = sorted(p.name for p in store.iterdir()
                    if p.name != LOCK_NAME and not is_temp_name(p.name))  # fmt: skip
    if "manifest.json" in others:  # a batch holding the lock wrote it meanwhile: a store
        return
    if others:
        raise UserError(
            "the output folder exists and is not a result store (it has no manifest.json)",
            file=store,
            key="--out",
            expected="a new or empty folder, or a store made by `alignsim batch`",
            found=others[:5],
            hint="choose another --out (alignsim batch never deletes files it did not write, "
            "even with --force)",
        )


def _run_locked(exp: Experiment, store: Path, say: Any, target_reps: int,
                replications: int | None, chunk_size: int | None, trajectories: bool,
                force: bool, quiet: bool, engine: str,
                where: tuple[int | None, str | None, Any]) -> Path:  # fmt: skip
    """The batch, with the store's lock held."""
    for w in exp.warnings:  # printed even with --quiet: they change what the runs mean
        say(f"alignsim batch: warning: {w}")
    stray = clean_temp_files(store)
    if stray and not quiet:
        say(f"alignsim batch: removed {len(stray)} temporary file(s) left by an interrupted "
            "write")  # fmt: skip
    _check_folder(store)
    code = code_version()
    manifest: dict[str, Any] | None = None
    if (store / "manifest.json").exists():
        if force:
            wipe(store, _raw_manifest(store))
        else:
            manifest = read_manifest(store)
            why = _check_store(manifest, exp, code, trajectories)
            if why:
                raise UserError(
                    f"refusing to add to this result store: {why}",
                    file=store,
                    hint="use --force to discard this store's own files and start afresh "
                    "(other files in the folder are kept), or --out for a new folder",
                )
    session: dict[str, Any] = {"started": now(), "engine": engine, "argv": sys.argv[1:]}
    hashes = [scenario_hash(sc) for sc in exp.points]  # once (the manifest, design.parquet)

    if manifest is None:
        size = chunk_size or default_chunk_size(exp.months, len(exp.monthly_vars), trajectories)
        blocks = [[0, target_reps]]
        manifest = {
            "store_format": STORE_FORMAT,
            "experiment_name": exp.name,
            "status": "running",
            "experiment": {
                "path": str(exp.path),
                "sha256": exp.sha256,
                "text": exp.text,
                "design_hash": exp.design_hash(),
                "base": exp.base_ref,
                "description": exp.description,
            },  # fmt: skip
            "code": code,
            "environment": environment(),
            "root_seed": exp.seed,
            "months": exp.months,
            "replications": target_reps,
            "factors": [dataclasses.asdict(f) for f in exp.factors],
            "sampler": exp.sampler,
            "uncertainty": exp.uncertainty.record(),
            "outputs": {
                "monthly": list(exp.monthly_vars),
                "runs": list(exp.run_outcomes),
                "trajectories": trajectories,
            },  # fmt: skip
            "chunk_size": size,
            "blocks": blocks,
            "points": [
                {
                    "point": i,
                    "factors": jsonable_row(row),
                    "scenario_hash": hashes[i],
                    "scenario": scenario_dict(sc),
                }  # fmt: skip
                for i, (row, sc) in enumerate(zip(exp.design, exp.points, strict=True))
            ],
            "chunks": plan_chunks(len(exp.points), blocks, size, 0, 0),
            "started": session["started"],
            "finished": None,
            "engine": engine,
            "sessions": [],
            "warnings": list(exp.warnings),
        }
    else:
        have = int(manifest["blocks"][-1][1])
        if target_reps < have:
            raise UserError(
                f"the store already has {have} replications per point",
                file=store,
                key="--replications",
                expected=f"at least {have} (extend) ",
                found=target_reps,
                hint="use --force to start afresh with fewer",
            )
        for c, why in damaged_chunks(store, manifest):
            say(f"alignsim batch: note: chunk {c['id']} will be run again: {why}")
            for kind in STORE_DIRS:
                (store / part_name(kind, c["id"])).unlink(missing_ok=True)
            c["status"] = "pending"
            c.pop("files", None)
        if chunk_size is not None and chunk_size != int(manifest["chunk_size"]):
            n = _replan_pending(store, manifest, chunk_size)
            if n and not quiet:
                say(f"alignsim batch: the pending runs are cut into {n} chunk(s) of at most "
                    f"{chunk_size} runs (--chunk-size)")  # fmt: skip
        if target_reps > have:
            size = chunk_size or int(manifest["chunk_size"])
            new_blocks = [[have, target_reps]]
            first = len(manifest["blocks"])
            next_id = max((int(c["id"]) for c in manifest["chunks"]), default=-1) + 1
            manifest["chunks"] += plan_chunks(len(exp.points), new_blocks, size, next_id,
                                              first)  # fmt: skip
            stale = _rebuild_histograms(manifest)
            if stale and not quiet:
                say(f"alignsim batch: note: {len(stale)} chunk(s) are simulated again for the "
                    "histograms of their points, which the new replications extend (their runs "
                    "files are kept)")  # fmt: skip
            manifest["blocks"] += new_blocks
            manifest["replications"] = target_reps
            manifest["experiment"].update({"sha256": exp.sha256, "text": exp.text})
        if any(c["status"] != "done" for c in manifest["chunks"]):
            manifest["status"] = "running"
            manifest["finished"] = None
        elif not quiet:
            say(f"alignsim batch: {exp.name}: nothing to run, the store already has every "
                f"chunk ({manifest['replications']} replications per point)")  # fmt: skip
        manifest["engine"] = engine
    manifest["sessions"].append(session)
    atomic_write_json(store / "manifest.json", manifest)
    for c in manifest["chunks"]:  # parts the manifest no longer lists (see _rebuild_histograms)
        if c["status"] == "hist":
            (store / part_name("monthly", c["id"])).unlink(missing_ok=True)
    # design.parquet: written after the manifest and on every open (deterministic)
    _write_design(store, exp, hashes)

    pending = [c for c in manifest["chunks"] if c["status"] != "done"]
    monthly = MonthlyWriter(store, manifest)
    try:
        for c in manifest["chunks"]:
            if c["status"] == "done":
                monthly.chunk_done(c)
        if not pending and not quiet:
            say(f"alignsim batch: nothing to do: {sum(c['runs'] for c in manifest['chunks']):,} "
                f"runs already complete in {store}")  # fmt: skip
        pipe_closed = bool(pending) and _run_chunks(exp, store, manifest, session, pending,
                                                    where, quiet, say, monthly)  # fmt: skip
        monthly.finish()
    except BaseException:
        try:
            monthly.abandon()
        except OSError:  # e.g. the disk is still full: the next open removes the file
            pass
        raise
    write_store_codebook(store, manifest)  # codebook.json, CODEBOOK.md (sim/results/codebook.py)
    manifest["status"] = "complete"
    manifest["finished"] = session["finished"] = now()
    atomic_write_json(store / "manifest.json", manifest)
    if pipe_closed:  # the store is whole; now report that the output was cut
        raise BrokenPipeError
    return store


def _run_chunks(exp: Experiment, store: Path, manifest: dict[str, Any], session: dict[str, Any],
                pending: list[dict[str, Any]], where: tuple[int | None, str | None, Any],
                quiet: bool, say: Any, monthly: MonthlyWriter) -> bool:  # fmt: skip
    """Run the pending chunks (at most two per worker in flight), writing each one's files and
    the manifest as it finishes, and the monthly aggregates of the points they complete; the
    session records the executor. True if the progress output's pipe was closed meanwhile."""
    from concurrent.futures import FIRST_COMPLETED, wait

    from sim.engines.batch import MONTHLY_VARS

    total_runs = sum(c["runs"] for c in manifest["chunks"])
    done_runs = total_runs - sum(c["runs"] for c in pending)
    groups = point_groups(exp)
    monthly_index = tuple(MONTHLY_VARS.index(v) for v in exp.monthly_vars)
    engine = session["engine"]
    executor = make_executor(*where)
    quiet_logs = _quiet_dask_logs() if executor.name == "dask" else None
    session["executor"] = executor.name
    session["workers"] = executor.workers
    if not quiet:
        say(f"alignsim batch: {exp.name}: {len(pending)} of {len(manifest['chunks'])} "
            f"chunks to run ({total_runs - done_runs:,} runs) on {executor.workers} "
            f"{executor.name} worker(s), engine {engine}; store {store}")  # fmt: skip
    progress = Progress(total_runs, done_runs, quiet)
    by_id = {c["id"]: c for c in manifest["chunks"]}
    cover = point_cover(manifest)
    encoder = ManifestEncoder()  # the manifest as each chunk finishes (its points encoded once)
    try:
        queue = list(pending)
        inflight: dict[Any, dict[str, Any]] = {}
        limit = 2 * executor.workers
        while queue or inflight:
            while queue and len(inflight) < limit:
                c = queue.pop(0)
                if c["status"] == "pending":  # (a histogram rebuild keeps the chunk's times)
                    c["started"] = now()
                task = chunk_task(exp, manifest, c, engine, groups, monthly_index, cover)
                inflight[executor.submit(run_chunk, task)] = c
            finished, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
            for fut in finished:
                c = inflight.pop(fut)
                res = _chunk_result(fut, c, executor.name, store)
                c = by_id[res.chunk_id]
                rebuilt = c["status"] == "hist"  # only its aggregates' files are new
                files = ({k: v for k, v in (c.get("files") or {}).items()
                          if k in ("runs", "trajectories")} if rebuilt
                         else {"runs": part_name("runs", c["id"])})  # fmt: skip
                if not rebuilt:
                    atomic_write_bytes(store / files["runs"], res.runs)
                for kind, data in (("monthly", res.monthly), ("hist", res.hist),
                                   ("trajectories", None if rebuilt else res.trajectories)):  # fmt: skip
                    if data is not None:
                        files[kind] = part_name(kind, c["id"])
                        atomic_write_bytes(store / files[kind], data)
                c["files"] = files
                if rebuilt:
                    c.update({"status": "done", "histogram_rebuilt": now()})
                else:
                    c.update({"status": "done", "finished": now(),
                              "seconds": round(res.seconds, 4), "engine": res.engine,
                              "worker": res.worker,
                              "max_rss_mb": round(res.max_rss_mb, 1)})  # fmt: skip
                atomic_write_bytes(store / "manifest.json", encoder.encode(manifest))
                progress.advance(c["runs"])
                monthly.chunk_done(c, res.hist, res.monthly)
    finally:
        progress.close()
        try:
            executor.close()
        except Exception:  # noqa: BLE001 - a scheduler already gone cannot be closed cleanly
            pass
        if quiet_logs is not None:
            quiet_logs()
    return progress.broken


def _quiet_dask_logs() -> Any:
    """Silence Dask's own error logs (with their tracebacks) while the batch runs: a lost
    scheduler is reported once, as a UserError. Returns what restores the levels."""
    import logging

    names = ["distributed", *(n for n in logging.root.manager.loggerDict
                              if n.startswith("distributed."))]  # fmt: skip
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)

    def restore() -> None:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)

    return restore


def _chunk_result(fut: Any, c: dict[str, Any], where: str, store: Path) -> Any:
    """A finished chunk's output; a lost executor (a Dask scheduler or worker that died, a
    worker process killed) becomes a UserError saying that the store is consistent."""
    from concurrent.futures import CancelledError
    from concurrent.futures.process import BrokenProcessPool

    lost: BaseException
    try:
        return fut.result()
    except (CancelledError, BrokenProcessPool, OSError, TimeoutError, EOFError) as e:
        lost = e
    except Exception as e:
        if type(e).__module__.split(".")[0] not in ("distributed", "tornado", "dask"):
            raise
        lost = e
    raise UserError(
        f"the {where} executor stopped while chunk {c['id']} ran ({type(lost).__name__}: {lost})",
        file=store,
        key="--scheduler" if where == "dask" else "--workers",
        expected="the scheduler and its workers (or the worker processes) up until the batch ends",
        hint="every finished chunk is kept: re-run the same command to resume",
    ) from None


def _raw_manifest(store: Path) -> dict[str, Any]:
    """The manifest as JSON, whatever its format (what --force needs to know which files are
    the store's).

    Raises:
        UserError: it does not read as JSON, so the store's files cannot be told apart.
    """
    path = store / "manifest.json"
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UserError(f"--force cannot tell this store's files: unreadable manifest ({e})",
                        file=path, key="--force", expected="a readable manifest.json",
                        hint="choose another --out, or remove the folder yourself if it holds "
                        "nothing you need") from None  # fmt: skip
    if not isinstance(m, dict):
        raise UserError("--force cannot tell this store's files: unreadable manifest",
                        file=path, key="--force", expected="a JSON object",
                        found=type(m).__name__)  # fmt: skip
    return m


def _replan_pending(store: Path, manifest: dict[str, Any], size: int) -> int:
    """Cut the chunks not yet done into chunks of at most ``size`` runs (new ids; the same runs,
    so the store's files do not change); returns how many there are now."""
    pending = [c for c in manifest["chunks"] if c["status"] == "pending"]
    if not pending:
        manifest["chunk_size"] = size
        return 0
    next_id = max(int(c["id"]) for c in manifest["chunks"]) + 1
    fresh = []
    for c in pending:
        for kind in STORE_DIRS:  # a file written before the chunk was marked done
            (store / part_name(kind, c["id"])).unlink(missing_ok=True)
        nb = int(manifest["blocks"][c["block"]][1]) - int(manifest["blocks"][c["block"]][0])
        for start in range(int(c["start"]), int(c["stop"]), size):
            stop = min(int(c["stop"]), start + size)
            fresh.append({"id": next_id, "block": c["block"], "start": start, "stop": stop,
                          "runs": stop - start, "point_lo": start // nb,
                          "point_hi": (stop - 1) // nb, "status": "pending"})  # fmt: skip
            next_id += 1
    manifest["chunks"] = [c for c in manifest["chunks"] if c["status"] != "pending"] + fresh
    manifest["chunk_size"] = size
    return len(fresh)


def _rebuild_histograms(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Mark the done chunks whose monthly aggregates are finalised in a monthly part (their
    whole points) for a histogram rebuild (status "hist"), now that new replication blocks add
    runs to those points: the aggregates must then merge every block's histogram rows. Such a
    chunk is simulated again for its histogram only (its runs file stays); returns them."""
    marked = []
    for c in manifest["chunks"]:
        files = c.get("files") or {}
        if c["status"] == "done" and files.get("monthly"):
            files.pop("monthly")
            c["status"] = "hist"
            marked.append(c)
    return marked


def _write_design(store: Path, exp: Experiment, hashes: list[str]) -> None:
    """design.parquet: one row per design point (point, factor values, scenario name and hash)."""
    import pyarrow as pa

    cols: dict[str, Any] = {"point": pa.array(range(len(exp.design)), type=pa.int64())}
    for f in exp.factors:
        cols[f.key] = pa.array([row[f.key] for row in exp.design])
    cols["scenario_name"] = pa.array([sc.name for sc in exp.points])
    cols["scenario_hash"] = pa.array(hashes)  # scenario_hash of each point
    atomic_write_bytes(store / "design.parquet", table_bytes(pa.table(cols)))


def _check_store(m: dict[str, Any], exp: Experiment, code: dict[str, Any],
                 trajectories: bool) -> str | None:  # fmt: skip
    """Why an existing store cannot be continued by this command, or None."""
    if m.get("experiment", {}).get("design_hash") != exp.design_hash():
        return (f"it was made by another experiment ({m.get('experiment', {}).get('path')}, "
                f"design {m.get('experiment', {}).get('design_hash')}; this one is "
                f"{exp.path}, design {exp.design_hash()})")  # fmt: skip
    old = m.get("code", {})
    for k in ("package_version", "model_code_hash"):
        if old.get(k) != code[k]:
            return f"it was made by another code version ({k} {old.get(k)}, now {code[k]})"
    if bool(m["outputs"].get("trajectories")) != trajectories:
        have = "with" if m["outputs"].get("trajectories") else "without"
        return f"it was made {have} --trajectories"
    return None
