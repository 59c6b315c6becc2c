"""The batch driver: an experiment's chunks, run by an executor, written into a result store.

:func:`run_experiment` (``alignsim batch``) plans the chunks (``sim.experiments.chunks``), sends
the missing ones to an executor (``sim.experiments.executors``) and writes each chunk's files
atomically as it finishes, recording it in ``manifest.json`` (``sim.experiments.store``). A
batch killed at any point resumes where it stopped; a larger ``replications`` adds only the new
runs.
"""

from __future__ import annotations

import dataclasses
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
    STORE_FORMAT,
    MonthlyWriter,
    atomic_write_bytes,
    atomic_write_json,
    part_name,
    read_manifest,
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

    Args:
        experiment: an experiment file (path or name) or a loaded Experiment.
        out: the store folder (default ``results/<experiment name>``).
        workers: local worker processes (default: one per core); 1 runs in this process.
        scheduler: a Dask scheduler address, or ``local`` for a local Dask cluster.
        executor: any ``concurrent.futures.Executor`` to run the chunks (e.g. MPI's pool on a
            cluster); the caller owns it. Results do not depend on the executor.
        engine: ``array`` (the compiled batch engine) or ``mesa`` (the Mesa model, slow).
        chunk_size: runs per chunk (default: adapts to the horizon and outputs).
        replications: replications per design point (default: the experiment's).
        trajectories: also store every run's monthly trajectory.
        force: discard an existing store in ``out`` and start afresh.
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
    store = Path(out) if out is not None else Path("results") / exp.name
    code = code_version()
    manifest: dict[str, Any] | None = None
    if (store / "manifest.json").exists():
        if force:
            wipe(store)
        else:
            manifest = read_manifest(store)
            why = _check_store(manifest, exp, code, trajectories)
            if why:
                raise UserError(
                    f"refusing to add to this result store: {why}",
                    file=store,
                    hint="use --force to discard it and start afresh, or --out for a new folder",
                )
    elif store.exists() and any(store.iterdir()):
        if not force:
            raise UserError(
                "output folder exists and is not a result store",
                file=store,
                expected="an empty or missing folder, or a store made by this experiment",
                found=sorted(p.name for p in store.iterdir())[:5],
                hint="choose another --out, or --force to write into it anyway",
            )
        wipe(store)
    store.mkdir(parents=True, exist_ok=True)
    for sub in ("runs", "hist", "trajectories"):
        d = store / sub
        if d.is_dir():
            for stray in d.glob(".*.tmp*"):
                stray.unlink()
    session: dict[str, Any] = {"started": now(), "engine": engine, "argv": sys.argv[1:]}

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
                    "scenario_hash": scenario_hash(sc),
                    "scenario": scenario_dict(sc),
                }  # fmt: skip
                for i, (row, sc) in enumerate(zip(exp.design, exp.points, strict=True))
            ],
            "chunks": plan_chunks(len(exp.points), blocks, size, 0, 0),
            "started": session["started"],
            "finished": None,
            "engine": engine,
            "sessions": [],
        }
        _write_design(store, exp)
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
        if target_reps > have:
            size = chunk_size or int(manifest["chunk_size"])
            new_blocks = [[have, target_reps]]
            first = len(manifest["blocks"])
            manifest["chunks"] += plan_chunks(len(exp.points), new_blocks, size,
                                              len(manifest["chunks"]), first)  # fmt: skip
            manifest["blocks"] += new_blocks
            manifest["replications"] = target_reps
            manifest["status"] = "running"
            manifest["experiment"].update({"sha256": exp.sha256, "text": exp.text})
        manifest["engine"] = engine
    manifest["sessions"].append(session)
    atomic_write_json(store / "manifest.json", manifest)

    pending = [c for c in manifest["chunks"] if c["status"] != "done"]
    monthly = MonthlyWriter(store, manifest)
    try:
        for c in manifest["chunks"]:
            if c["status"] == "done":
                monthly.chunk_done(c)
        if not pending and not quiet:
            say(f"alignsim batch: nothing to do: {sum(c['runs'] for c in manifest['chunks']):,} "
                f"runs already complete in {store}")  # fmt: skip
        if pending:
            _run_chunks(exp, store, manifest, session, pending, (workers, scheduler, executor), quiet,
                    say, monthly)  # fmt: skip
        monthly.finish()
    except BaseException:
        monthly.abandon()
        raise
    write_store_codebook(store, manifest)  # codebook.json, CODEBOOK.md (sim/results/codebook.py)
    manifest["status"] = "complete"
    manifest["finished"] = session["finished"] = now()
    atomic_write_json(store / "manifest.json", manifest)
    return store


def _run_chunks(exp: Experiment, store: Path, manifest: dict[str, Any], session: dict[str, Any],
                pending: list[dict[str, Any]], where: tuple[int | None, str | None, Any],
                quiet: bool, say: Any, monthly: MonthlyWriter) -> None:  # fmt: skip
    """Run the pending chunks (at most two per worker in flight), writing each one's files and
    the manifest as it finishes, and the monthly aggregates of the points they complete; the
    session records the executor."""
    from concurrent.futures import FIRST_COMPLETED, wait

    from sim.engines.batch import MONTHLY_VARS

    total_runs = sum(c["runs"] for c in manifest["chunks"])
    done_runs = total_runs - sum(c["runs"] for c in pending)
    groups = point_groups(exp)
    monthly_index = tuple(MONTHLY_VARS.index(v) for v in exp.monthly_vars)
    engine = session["engine"]
    executor = make_executor(*where)
    session["executor"] = executor.name
    session["workers"] = executor.workers
    if not quiet:
        say(f"alignsim batch: {exp.name}: {len(pending)} of {len(manifest['chunks'])} "
            f"chunks to run ({total_runs - done_runs:,} runs) on {executor.workers} "
            f"{executor.name} worker(s), engine {engine}; store {store}")  # fmt: skip
    progress = Progress(total_runs, done_runs, quiet)
    by_id = {c["id"]: c for c in manifest["chunks"]}
    try:
        queue = list(pending)
        inflight: dict[Any, dict[str, Any]] = {}
        limit = 2 * executor.workers
        while queue or inflight:
            while queue and len(inflight) < limit:
                c = queue.pop(0)
                c["started"] = now()
                task = chunk_task(exp, manifest, c, engine, groups, monthly_index)
                inflight[executor.submit(run_chunk, task)] = c
            finished, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
            for fut in finished:
                c = inflight.pop(fut)
                res = fut.result()
                c = by_id[res.chunk_id]
                files = {"runs": part_name("runs", c["id"])}
                atomic_write_bytes(store / files["runs"], res.runs)
                if res.hist is not None:
                    files["hist"] = part_name("hist", c["id"])
                    atomic_write_bytes(store / files["hist"], res.hist)
                if res.trajectories is not None:
                    files["trajectories"] = part_name("trajectories", c["id"])
                    atomic_write_bytes(store / files["trajectories"], res.trajectories)
                c["files"] = files
                c.update({"status": "done", "finished": now(),
                          "seconds": round(res.seconds, 4), "engine": res.engine,
                          "worker": res.worker, "max_rss_mb": round(res.max_rss_mb, 1)})  # fmt: skip
                atomic_write_json(store / "manifest.json", manifest)
                progress.advance(c["runs"])
                monthly.chunk_done(c, res.hist)
    finally:
        progress.close()
        executor.close()


def _write_design(store: Path, exp: Experiment) -> None:
    """design.parquet: one row per design point (point, factor values, scenario name and hash)."""
    import pyarrow as pa

    cols: dict[str, Any] = {"point": pa.array(range(len(exp.design)), type=pa.int64())}
    for f in exp.factors:
        cols[f.key] = pa.array([row[f.key] for row in exp.design])
    cols["scenario_name"] = pa.array([sc.name for sc in exp.points])
    cols["scenario_hash"] = pa.array([scenario_hash(sc) for sc in exp.points])
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
