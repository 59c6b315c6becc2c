"""What a result depends on besides its inputs: the model's code and the environment it ran in.

Every result store records both in its ``manifest.json``; the batch driver refuses to add runs
to a store made by another version of the model code (:func:`code_version`).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from sim import package_version

#: The model's source: what a result depends on (hashed into every store's provenance).
MODEL_PACKAGES = ("core", "engines")


def code_version() -> dict[str, Any]:
    """Package version, a hash of the model's core source files (and of the rules of any
    strategy a plugin registered, docs/EXTENDING.md), and the git commit."""
    import subprocess

    from sim.core.strategies import plugin_rules

    here = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for package in MODEL_PACKAGES:
        for path in sorted((here / package).glob("*.py")):
            h.update(f"{package}/{path.name}".encode())
            h.update(path.read_bytes())
    plugins = plugin_rules()
    for name, sid, fn in plugins:  # none registered: the hash is the model's alone
        source = Path(fn.__code__.co_filename)
        h.update(f"plugin/{name}:{sid}".encode())
        h.update(source.read_bytes() if source.is_file() else fn.__code__.co_code)
    pkg = package_version()
    commit, dirty = None, None
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()  # fmt: skip
        st = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                            capture_output=True, text=True, timeout=20, check=True)  # fmt: skip
        dirty = bool(st.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    out: dict[str, Any] = {"package_version": pkg, "model_code_hash": h.hexdigest()[:16],
                           "git_commit": commit, "git_dirty": dirty}  # fmt: skip
    if plugins:
        out["plugin_strategies"] = [f"{name} ({fn.__module__})" for name, _, fn in plugins]
    return out


def environment() -> dict[str, Any]:
    """Interpreter, library versions and platform (versions from metadata: no heavy imports)."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    def v(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    return {
        "python": platform.python_version(),
        "numpy": v("numpy"),
        "mesa": v("mesa"),
        "pandas": v("pandas"),
        "pyarrow": v("pyarrow"),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }


def now() -> str:
    """The current UTC time, to the second, in ISO 8601 (the manifest's timestamps)."""
    import datetime as dt

    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
