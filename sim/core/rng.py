"""Counter-based random draws: every number is a pure function of its coordinates.

A draw is keyed by (root seed, run index, month, actor, stream name) and computed by hashing
those integers with the SplitMix64 finaliser (Steele, Lea & Flood 2014), vectorised in numpy's
wrapping uint64 arithmetic. There is no generator state: a run's trajectory does not depend on the
engine, the number of workers, chunk sizes or run order, and any run can be replayed from its
coordinates. Only integer arithmetic and one exact scaling are used, so results are bit-identical
on any array shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from numba.extending import register_jitable

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_SCALE = 2.0**-53

#: uint64 words: one (np.uint64) or an array of them.
U64 = Any
F64 = npt.NDArray[np.float64]


@register_jitable
def _fmix(x: U64) -> U64:
    """SplitMix64 finaliser: a bijective avalanche mix of 64-bit words (scalar or array)."""
    x = (x ^ (x >> _S30)) * _M1
    x = (x ^ (x >> _S27)) * _M2
    return x ^ (x >> _S31)


@register_jitable
def absorb(h: U64, v: U64) -> U64:
    """Mix one more 64-bit coordinate ``v`` into the hash ``h`` (both uint64, scalar or array)."""
    return _fmix((h + _GOLDEN) ^ v)


@register_jitable
def stream_key(key: np.uint64, stream: np.uint64) -> np.uint64:
    """A run's key for one stream (the first two coordinates of a draw)."""
    return absorb(key, stream)


@register_jitable
def month_key(stream_key: np.uint64, month: int) -> np.uint64:
    """A stream's key for one month (the first three coordinates of a draw)."""
    return absorb(stream_key, np.uint64(month))


@register_jitable
def draw_in_month(month_key: np.uint64, actor: int) -> float:
    """The uniform draw in [0, 1) of ``actor`` from a :func:`month_key`."""
    return np.float64(absorb(month_key, np.uint64(actor)) >> _S11) * _SCALE


@register_jitable
def draw_in_stream(stream_key: np.uint64, month: int, actor: int) -> float:
    """The uniform draw of ``actor`` in ``month`` from a :func:`stream_key`."""
    return draw_in_month(month_key(stream_key, month), actor)


@register_jitable
def draws_in_month(slot_keys: Any, month: int, actors: Any, out: F64) -> None:
    """Several draws of one month at once: ``out[j]`` is the draw of ``actors[j]`` in
    ``month`` of the stream whose :func:`stream_key` is ``slot_keys[j]`` (the same numbers as
    :func:`draw_in_month` of :func:`month_key`). One loop over independent hashes, which the
    compiled month computes side by side in vector registers."""
    for j in range(out.shape[0]):
        out[j] = draw_in_month(month_key(slot_keys[j], month), actors[j])


@register_jitable
def draw(key: np.uint64, month: int, stream: np.uint64, actor: int) -> float:
    """One uniform draw in [0, 1) for one run: the scalar form of :func:`uniform`.

    ``stream`` is a :func:`stream_id` (the module's ``STREAM_*`` constants). The month hashes
    the coordinates in the same order in three steps (:func:`stream_key` once a run,
    :func:`month_key` once a month, :func:`draw_in_month` once a draw), so a run's numbers are
    the same in every engine.
    """
    return draw_in_month(month_key(stream_key(key, stream), month), actor)


def stream_id(name: str) -> int:
    """Stable 64-bit id of a stream name (FNV-1a), the same on every platform and run."""
    h = 0xCBF29CE484222325
    for b in name.encode():
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def _absorb(h: U64, value: int | npt.ArrayLike) -> U64:
    return absorb(h, np.asarray(value, dtype=np.uint64))


def run_keys(seed: int, runs: npt.ArrayLike) -> U64:
    """Per-run keys, shape (runs, 1): hash of (root seed, run index)."""
    h = _fmix(np.asarray([seed & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64))
    r = np.asarray(runs, dtype=np.uint64).reshape(-1, 1)
    return _absorb(h, r)


def uniform(keys: U64, month: int, stream: str, actors: int | npt.ArrayLike = 0) -> F64:
    """Uniform draws in [0, 1), shape broadcast of keys (runs, 1) and actors (k,).

    Args:
        keys: per-run keys from :func:`run_keys`.
        month: model month.
        stream: name of the random stream (e.g. "nk_launches").
        actors: actor index or indices; one column per actor.
    """
    h = _absorb(keys, stream_id(stream))
    h = _absorb(h, month)
    a = np.atleast_1d(np.asarray(actors, dtype=np.uint64)).reshape(1, -1)
    h = _absorb(h, a)
    return (h >> _S11).astype(np.float64) * _SCALE


#: The streams of the month's draws (the month uses these ids; names are the coordinates).
STREAM_LAUNCHES = np.uint64(stream_id("nk_launches"))
STREAM_FLASHPOINT = np.uint64(stream_id("flashpoint"))
STREAM_EPISODE = np.uint64(stream_id("china_episode"))
STREAM_NOISE = np.uint64(stream_id("approval_noise"))
STREAM_POLITICS = np.uint64(stream_id("politics"))
