"""No import cycles in the package (tools/import_graph.py), and the detector itself finds them."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "import_graph.py"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_graph", TOOL)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["import_graph"] = mod
    spec.loader.exec_module(mod)
    return mod


def _package(root: Path, files: dict[str, str]) -> Path:
    pkg = root / "pkg"
    for rel, text in {"__init__.py": "", **files}.items():
        path = pkg / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return pkg


def test_sim_has_no_import_cycles() -> None:
    res = subprocess.run([sys.executable, str(TOOL), str(ROOT / "sim")], capture_output=True,
                         text=True, timeout=60)  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr
    assert "0 cycle(s)" in res.stdout


def test_detector_finds_a_cycle_through_a_function_level_import(tmp_path: Path) -> None:
    pkg = _package(tmp_path, {
        "a.py": "from pkg import b\n",
        "b.py": "def f():\n    from pkg.sub.c import g\n    return g\n",
        "sub/__init__.py": "",
        "sub/c.py": "from ..a import b  # relative, back to pkg.a\n",
        "d.py": "import pkg.a\n",
    })  # fmt: skip
    g = _tool()
    edges = g.import_edges(pkg)
    assert set(edges["pkg.a"]) == {"pkg.b"}
    assert set(edges["pkg.b"]) == {"pkg.sub.c"}
    assert set(edges["pkg.sub.c"]) == {"pkg.a"}
    assert g.cycles(pkg) == [["pkg.a", "pkg.b", "pkg.sub.c"]]
    res = subprocess.run([sys.executable, str(TOOL), str(pkg)], capture_output=True, text=True,
                         timeout=60)  # fmt: skip
    assert res.returncode == 1
    assert "cycle 1: 3 modules: pkg.a, pkg.b, pkg.sub.c" in res.stdout


def test_detector_resolves_names_and_skips_type_checking(tmp_path: Path) -> None:
    pkg = _package(tmp_path, {
        "a.py": "from pkg.b import thing\nfrom typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from pkg.c import C\n",
        "b.py": "thing = 1\n",
        "c.py": "from pkg import a\n",
    })  # fmt: skip
    g = _tool()
    edges = g.import_edges(pkg)
    assert set(edges["pkg.a"]) == {"pkg.b"}  # a name in pkg.b; the TYPE_CHECKING import never runs
    assert set(edges["pkg.c"]) == {"pkg.a"}  # a submodule named in `from pkg import a`
    assert g.cycles(pkg) == []
    res = subprocess.run([sys.executable, str(TOOL), str(pkg)], capture_output=True, text=True,
                         timeout=60)  # fmt: skip
    assert res.returncode == 0
