"""alignsim.

Lazy exports (``import sim`` stays light), from ``sim.api``: ``sim.run_many(table)`` runs a
table of runs in compiled batches; ``sim.run_one(params, seed)`` runs the model once as a plain
function; ``sim.load(STORE)`` reads a result store into pandas.
"""

from typing import Any


def package_version() -> str:
    """The installed alignsim version (``0+unknown`` when run from a bare source tree)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("alignsim")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


#: The public functions, exported lazily from sim.api (so ``import sim`` stays light).
API = ("load", "run_one", "run_many")


def __getattr__(name: str) -> Any:
    if name in API:
        from sim import api

        return getattr(api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
