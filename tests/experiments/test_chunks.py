"""Chunk planning keeps a chunk's memory bounded whatever the horizon."""

from __future__ import annotations

from sim.experiments.chunks import (
    CHUNK_RUN_MONTHS,
    MAX_CHUNK,
    MIN_CHUNK,
    TRAJECTORY_BYTES,
    default_chunk_size,
)


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
