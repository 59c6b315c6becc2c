"""alignsim.

Lazy exports (``import sim`` stays light): ``sim.load(STORE)`` reads a result store into pandas
(see ``sim.experiments.store.load``); ``sim.run_one(params, seed)`` runs the model once as a plain function
(see ``sim.experiments.runone.run_one``).
"""

from typing import Any


def package_version() -> str:
    """The installed alignsim version (``0+unknown`` when run from a bare source tree)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("alignsim")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "load":
        from sim.experiments.store import load

        return load
    if name == "run_one":
        from sim.experiments.runone import run_one

        return run_one
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
