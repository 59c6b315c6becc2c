"""Compiling the month: numba, with a cache that follows the model's source.

numba's own cache checks only the file of the function it compiles, not the rules it calls from
other modules, so a changed rule could run stale machine code. Here the cache folder is named by
a hash of every source file of ``sim/core`` and ``sim/engines`` (and numba's version): any change
to the model compiles afresh, and unchanged code loads from the cache in every process (the first
call in a new environment compiles, which takes tens of seconds; later calls take milliseconds).

Strategies registered from other packages (``sim.core.strategies.register_strategy``) are
compiled into the month too, so the folder's name also hashes each one's name, id and the source
file of its rule: each set of plugins gets its own compiled month.

The folder is ``$ALIGNSIM_NUMBA_CACHE`` if set, else ``$XDG_CACHE_HOME/alignsim/numba`` (by
default ``~/.cache/alignsim/numba``). This is the one engine module that reads files: the model's
own source, to name that folder.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numba

from sim.core import strategies as STRATEGIES

SIM = Path(__file__).resolve().parents[1]
#: The packages whose source a result depends on.
MODEL_PACKAGES = ("core", "engines")


@cache
def model_source_hash() -> str:
    """16 hex digits of sha256 over the model's source files (sim/core, sim/engines)."""
    h = hashlib.sha256()
    for package in MODEL_PACKAGES:
        for path in sorted((SIM / package).glob("*.py")):
            h.update(f"{package}/{path.name}".encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def cache_dir() -> Path:
    """Where compiled months are kept for this source and this numba."""
    base = os.environ.get("ALIGNSIM_NUMBA_CACHE")
    if not base:
        xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        base = str(Path(xdg) / "alignsim" / "numba")
    return Path(base) / f"{model_source_hash()}{plugin_hash()}-numba{numba.__version__}"


def plugin_hash() -> str:
    """'' without registered strategies; else '-p' and 12 hex digits of sha256 over each one's
    name, id and the source file of its rule."""
    plugins = STRATEGIES.plugin_rules()
    if not plugins:
        return ""
    h = hashlib.sha256()
    for name, sid, fn in plugins:
        h.update(f"{name}:{sid}".encode())
        source = Path(fn.__code__.co_filename)
        h.update(source.read_bytes() if source.is_file() else fn.__code__.co_code)
    return "-p" + h.hexdigest()[:12]


def compiled(fn: Callable[..., Any]) -> Any:
    """``fn`` compiled by numba (nopython, cached in :func:`cache_dir`, releasing the GIL so
    that threads can run it on separate runs at once).

    Divisions follow numpy's error model: no check for a zero divisor before each one (the
    month never divides by zero; its results are the same to the bit, and it runs faster)."""
    config: Any = numba.config
    before = config.CACHE_DIR
    config.CACHE_DIR = str(cache_dir())
    try:
        return numba.njit(cache=True, nogil=True, error_model="numpy")(fn)
    finally:
        config.CACHE_DIR = before
