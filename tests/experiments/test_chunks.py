"""Chunk planning keeps a chunk's memory bounded whatever the horizon."""

from __future__ import annotations

import numpy as np

from sim.experiments.chunks import (
    CHUNK_RUN_MONTHS,
    MAX_CHUNK,
    MIN_CHUNK,
    TRAJECTORY_BYTES,
    default_chunk_size,
)
from sim.experiments.executors import HIST_ROWS, ChunkTask, point_batches


def test_summaries_only_use_the_largest_chunks() -> None:
    assert default_chunk_size(120, 0, False) == MAX_CHUNK
    assert default_chunk_size(600, 0, False) == MAX_CHUNK


def test_monthly_aggregates_bound_run_months_per_chunk() -> None:
    sizes = {m: default_chunk_size(m, 30, False) for m in (60, 240, 600)}
    assert sizes[60] > sizes[240] > sizes[600] >= MIN_CHUNK
    for m, n in sizes.items():
        assert n * (m + 1) <= CHUNK_RUN_MONTHS


def test_trajectories_bound_the_chunks_bytes() -> None:
    n = default_chunk_size(600, 30, True)
    assert n * 601 * 30 * 8 * 3 <= TRAJECTORY_BYTES
    assert n < default_chunk_size(600, 30, False)


def _task(point: np.ndarray, months: int, nvars: int) -> ChunkTask:
    return ChunkTask(0, "h", 1, months, "array", point, np.arange(point.shape[0]), (), {}, (),
                     tuple(range(nvars)), False)  # fmt: skip


def test_point_batches_cover_the_chunk_in_whole_points_under_the_row_bound() -> None:
    point = np.repeat(np.arange(40), 250)
    task = _task(point, 120, 30)
    batches = point_batches(task)
    assert batches[0].start == 0 and batches[-1].stop == point.shape[0]
    for a, b in zip(batches[:-1], batches[1:], strict=True):
        assert a.stop == b.start and point[a.stop - 1] != point[b.start]  # whole points
    for s in batches:
        pts = np.unique(point[s])
        assert len(pts) == 1 or len(pts) * 121 * 30 * 250 <= HIST_ROWS
    assert len(batches) > 1


def test_one_point_too_large_for_the_bound_is_still_one_batch() -> None:
    task = _task(np.zeros(5000, dtype=np.int64), 600, 30)
    assert point_batches(task) == [slice(0, 5000)]
