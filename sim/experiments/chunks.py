"""Chunk planning: an experiment's runs (design point x replication) cut into chunks of work.

Replications come in blocks: the first batch of a store is block 0 (replications 0..R-1); a
larger ``--replications`` later adds a block (R..R'-1) without touching the runs already stored.
Within a block, runs are numbered point-major (all replications of point 0, then point 1, ...)
and cut into chunks of at most ``chunk_size`` runs. A chunk is recorded in the manifest as a
dict (id, block, start, stop, runs, point_lo, point_hi, status); :func:`chunk_task` turns one
into the :class:`~sim.experiments.executors.ChunkTask` a worker runs.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sim.core.params import Scenario, scenario_hash
from sim.experiments.design import SCENARIO_FACTOR, STRATEGY_FACTORS
from sim.experiments.executors import ChunkTask, PointGroup
from sim.experiments.spec import Experiment
from sim.experiments.store import point_cover
from sim.scenario import load_scenario_ref

#: Most runs in a chunk (summaries only, nothing monthly kept).
MAX_CHUNK = 20_000
#: Run-months per chunk when monthly aggregates are built (their rows grow with the horizon).
CHUNK_RUN_MONTHS = 600_000
#: Fewest runs in a chunk.
MIN_CHUNK = 100
#: Memory a chunk's trajectories may take (the array, its long table and its Parquet bytes).
TRAJECTORY_BYTES = 150 * 2**20


def default_chunk_size(months: int, monthly_vars: int, trajectories: bool) -> int:
    """Runs per chunk unless ``--chunk-size`` says otherwise: it adapts to the horizon so that a
    chunk's memory stays bounded (well under 1 GB a process at 60, 240 or 600 months).

    Summaries only: MAX_CHUNK runs. With monthly aggregates: CHUNK_RUN_MONTHS run-months when
    30 monthly variables are aggregated, proportionally fewer when more are (a chunk's histogram
    rows grow with runs x months x variables). With trajectories: what fits in TRAJECTORY_BYTES
    as well.
    """
    size = MAX_CHUNK
    if monthly_vars:
        size = min(size, CHUNK_RUN_MONTHS * 30 // ((months + 1) * max(30, monthly_vars)))
    if trajectories:
        from sim.core.outputs import MONTHLY_VARS

        per_run = (months + 1) * len(MONTHLY_VARS) * 8 * 3
        size = min(size, TRAJECTORY_BYTES // per_run)
    return max(MIN_CHUNK, size)


def plan_chunks(n_points: int, blocks: list[list[int]], chunk_size: int, first_id: int,
                first_block: int) -> list[dict[str, Any]]:  # fmt: skip
    """The chunks of the replication blocks ``blocks`` ([lo, hi) each, numbered from
    ``first_block``), with ids from ``first_id``, all pending."""
    chunks = []
    cid = first_id
    for b, (lo, hi) in enumerate(blocks, start=first_block):
        nb = hi - lo
        total = n_points * nb
        for start in range(0, total, chunk_size):
            stop = min(total, start + chunk_size)
            chunks.append({
                "id": cid, "block": b, "start": start, "stop": stop, "runs": stop - start,
                "point_lo": start // nb, "point_hi": (stop - 1) // nb,
                "status": "pending",
            })  # fmt: skip
            cid += 1
    return chunks


def chunk_runs(manifest: dict[str, Any], c: dict[str, Any]) -> tuple[Any, Any]:
    """(design point, replication) of each run of chunk ``c``, as two int64 arrays."""
    import numpy as np

    lo, hi = manifest["blocks"][c["block"]]
    nb = hi - lo
    idx = np.arange(c["start"], c["stop"], dtype=np.int64)
    return idx // nb, lo + idx % nb


def point_groups(exp: Experiment) -> tuple[list[int], list[tuple[Scenario, tuple[str, ...]]]]:
    """Group design points by scenario structure: (group of each point, [(scenario, numeric
    factor keys)]). Numeric factors then vary per run inside one array-engine call."""
    numeric = tuple(f.key for f in exp.factors if f.kind == "param")
    cache: dict[str, Scenario] = {}
    groups: dict[str, int] = {}
    out: list[tuple[Scenario, tuple[str, ...]]] = []
    of_point = []
    for row in exp.design:
        ref = row.get(SCENARIO_FACTOR)
        if ref is None:
            src = exp.base
        else:
            if ref not in cache:
                cache[ref] = load_scenario_ref(exp.path, "factors.scenario", ref)
            src = cache[ref]
        for key, roles in STRATEGY_FACTORS.items():
            if key in row:
                src = src.with_strategies(**{role: row[key] for role in roles})
        src = dataclasses.replace(src, months=exp.months)
        gkey = src.name + ":" + scenario_hash(src)
        if gkey not in groups:
            groups[gkey] = len(out)
            out.append((src, numeric))
        of_point.append(groups[gkey])
    return of_point, out


def chunk_task(
    exp: Experiment,
    manifest: dict[str, Any],
    c: dict[str, Any],
    engine: str,
    groups: tuple[list[int], list[tuple[Scenario, tuple[str, ...]]]],
    monthly_index: tuple[int, ...],
    cover: Any = None,
) -> ChunkTask:
    """What a worker needs to run chunk ``c`` of the store described by ``manifest``.

    Args:
        groups: ``point_groups(exp)`` (computed once per batch).
        monthly_index: indices in ``MONTHLY_VARS`` of the monthly variables to aggregate.
        cover: ``point_cover(manifest)`` (computed here when not given).
    """
    import numpy as np

    of_point, structures = groups
    point, rep = chunk_runs(manifest, c)
    pts = np.unique(point)
    if cover is None:
        cover = point_cover(manifest)
    whole = tuple(int(p) for p in pts if cover[int(p)] == 1)
    by_group: dict[int, list[int]] = {}
    for p in pts:
        by_group.setdefault(of_point[int(p)], []).append(int(p))
    task_groups = tuple(
        PointGroup(structures[g][0], tuple(ps),
                   {k: tuple(exp.design[p][k] for p in ps) for k in structures[g][1]})
        for g, ps in sorted(by_group.items())
    )  # fmt: skip
    fvals = {f.key: {int(p): exp.design[int(p)][f.key] for p in pts} for f in exp.factors}
    return ChunkTask(c["id"], manifest["experiment"]["design_hash"], exp.seed, exp.months,
                     engine, point, rep, task_groups, fvals, exp.run_outcomes, monthly_index,
                     bool(manifest["outputs"]["trajectories"]), exp.uncertainty,
                     whole)  # fmt: skip
