"""The model is pure: no file I/O, plotting, CLI or web code, no global RNG.

The rule is about folders, so a new module is covered the day it is added: every module in
``sim/core/`` may import only ``sim.core``; every module in ``sim/engines/`` only ``sim.core`` and
``sim.engines``. Checked on the source with ``ast`` (what the modules themselves import and call)
and, for what the import system actually loads, in a fresh interpreter.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[2] / "sim"
#: The one model module that reads files: it hashes the model's own source to name the folder of
#: compiled months (sim/engines/jit.py); it may import what that needs.
READS_ITS_OWN_SOURCE = {"engines/jit": {"os", "pathlib", "hashlib"}}
#: Folder -> the sim packages its modules may import.
ALLOWED = {"core": ("core",), "engines": ("core", "engines")}
CORE = tuple(
    f"{package}/{path.stem}" for package in ALLOWED for path in sorted((SIM / package).glob("*.py"))
)

#: Top-level modules the core may not import: I/O, plotting, CLI, web, serialisation, global RNG.
FORBIDDEN = {
    "matplotlib", "seaborn", "plotly", "solara", "ipywidgets", "pyarrow", "pandas", "polars",
    "rich", "tqdm", "argparse", "typer", "click", "sqlite3", "requests", "urllib", "http",
    "socket", "pickle", "shelve", "marshal", "random", "os", "sys", "io", "pathlib", "shutil",
    "subprocess", "tempfile", "glob", "csv", "tomllib", "toml", "logging", "dask",
}  # fmt: skip
#: Calls that touch files or the console.
FORBIDDEN_CALLS = {"open", "print", "input", "exec", "eval", "breakpoint"}
#: json is allowed for in-memory text (scenario hashing), never for files.
JSON_FILE_IO = {"load", "dump"}


def tree(name: str) -> ast.Module:
    return ast.parse((SIM / f"{name}.py").read_text(encoding="utf-8"), filename=f"sim/{name}.py")


def imported_modules(module: ast.Module) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out += [(node.lineno, node.module)]
            if node.module == "sim":
                out += [(node.lineno, f"sim.{a.name}") for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            out += [(node.lineno, f"sim.{node.module or ''}")]
    return out


def dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return ""


def violations(name: str) -> list[str]:
    module = tree(name)
    found = []
    np_aliases = {"np", "numpy"}
    for line, mod in imported_modules(module):
        top = mod.split(".")[0]
        if top in FORBIDDEN and top not in READS_ITS_OWN_SOURCE.get(name, set()):
            found.append(f"sim/{name}.py:{line} imports {mod}")
        package = name.split("/")[0]
        allowed = ALLOWED.get(package, ())
        if mod.startswith("sim.") and mod.split(".")[1] not in allowed:
            found.append(f"sim/{name}.py:{line} imports the edge module {mod}")
        if mod == "numpy.random":
            found.append(f"sim/{name}.py:{line} imports numpy.random")
    for node in ast.walk(module):
        if not isinstance(node, ast.Call):
            continue
        fn = dotted(node.func)
        if fn in FORBIDDEN_CALLS:
            found.append(f"sim/{name}.py:{node.lineno} calls {fn}()")
        parts = fn.split(".")
        if len(parts) >= 3 and parts[0] in np_aliases and parts[1] == "random":
            found.append(f"sim/{name}.py:{node.lineno} uses numpy.random: {fn}()")
        if parts[0] == "json" and parts[-1] in JSON_FILE_IO:
            found.append(f"sim/{name}.py:{node.lineno} does file I/O with {fn}()")
        if name in READS_ITS_OWN_SOURCE and parts[-1] == "read_bytes":
            continue
        if parts[-1] in {"read_text", "write_text", "read_bytes", "write_bytes", "savefig"}:
            found.append(f"sim/{name}.py:{node.lineno} does file I/O with {fn}()")
    return found


def test_the_rule_covers_every_module_of_the_model_folders() -> None:
    assert "core/rules" in CORE and "engines/model" in CORE and len(CORE) >= 8


@pytest.mark.parametrize("name", CORE)
def test_core_module_is_pure(name: str) -> None:
    assert violations(name) == []


def test_the_checker_catches_what_it_should(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = """
import random
import matplotlib.pyplot as plt
from sim import scenario
from sim.cli import main
import numpy as np
import json
x = np.random.default_rng(1).random()
np.random.seed(1)
with open("f") as f:
    json.dump({}, f)
print(x)
json.dumps({})
"""
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "bad.py").write_text(bad + "from sim.engines import batch\n")
    monkeypatch.setattr(sys.modules[__name__], "SIM", tmp_path)
    found = sorted(violations("core/bad"), key=lambda v: int(v.split(":")[1].split()[0]))
    assert found == [
        "sim/core/bad.py:2 imports random",
        "sim/core/bad.py:3 imports matplotlib.pyplot",
        "sim/core/bad.py:4 imports the edge module sim.scenario",
        "sim/core/bad.py:5 imports the edge module sim.cli",
        "sim/core/bad.py:8 uses numpy.random: np.random.default_rng()",
        "sim/core/bad.py:9 uses numpy.random: np.random.seed()",
        "sim/core/bad.py:10 calls open()",
        "sim/core/bad.py:11 does file I/O with json.dump()",
        "sim/core/bad.py:12 calls print()",
        "sim/core/bad.py:14 imports the edge module sim.engines",
    ]


def test_importing_the_core_loads_no_plotting_cli_or_web_library() -> None:
    code = (
        "import sys, sim.engines.model, sim.engines.batch\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules}"
        " | {m for m in sys.modules if m.startswith('sim.')})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    # Mesa itself pulls in pandas and some standard library; the core must add no edge.
    for lib in ("matplotlib", "solara", "rich", "typer", "click", "sim.scenario", "sim.cli"):
        assert lib not in out, lib
    loaded = {m for m in out if m.startswith("sim.")}
    assert loaded <= {f"sim.{c.replace('/', '.')}" for c in CORE} | {"sim.core", "sim.engines"}
