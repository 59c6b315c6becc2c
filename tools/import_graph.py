"""The import graph of a package, and its cycles.

    .venv/bin/python tools/import_graph.py [PACKAGE_DIR] [--edges]

Reads every ``.py`` file under ``PACKAGE_DIR`` (default ``sim``) with :mod:`ast` (nothing is
imported or executed) and records an edge ``a -> b`` for every import of module ``b`` of the
package by module ``a``, wherever it stands: at module level, inside a function (the lazy imports
that keep ``alignsim --help`` fast still make ``a`` depend on ``b``), inside ``try`` or ``if``.
Only imports under ``if TYPE_CHECKING:`` are left out: they never run.

``from sim.x import y`` is an edge to ``sim.x.y`` when that is a module of the package, else to
``sim.x`` (``y`` is a name defined there); ``import sim.x.y`` is an edge to ``sim.x.y``; relative
imports are resolved against the importing module. Importing ``sim.x.y`` also runs the packages'
``__init__`` files; those implicit edges are not recorded (they are light and import nothing back).

Prints the edges (with ``--edges``) and every strongly connected component of more than one
module, with one cycle through it. Exit status 1 if there is any cycle, else 0.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import deque
from collections.abc import Iterator
from pathlib import Path


def module_names(root: Path) -> dict[str, Path]:
    """Module name -> file, for every ``.py`` file under the package folder ``root``."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement of a module, at any depth, except under ``if TYPE_CHECKING:``."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _known(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of a dotted name that is a module of the package."""
    parts = name.split(".")
    while parts:
        cand = ".".join(parts)
        if cand in modules:
            return cand
        parts.pop()
    return None


def import_edges(root: Path) -> dict[str, dict[str, list[int]]]:
    """importer -> imported module -> line numbers, for the package in folder ``root``."""
    modules = module_names(root)
    edges: dict[str, dict[str, list[int]]] = {m: {} for m in modules}
    for mod, path in modules.items():
        is_pkg = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _imports(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                if node.level:
                    here = mod.split(".") if is_pkg else mod.split(".")[:-1]
                    up = here[: len(here) - (node.level - 1)]
                    base = ".".join([*up, node.module] if node.module else up)
                else:
                    base = node.module or ""
                for a in node.names:
                    sub = f"{base}.{a.name}"
                    targets.append(sub if sub in modules else base)
            for t in targets:
                hit = _known(t, modules)
                if hit is not None and hit != mod:
                    edges[mod].setdefault(hit, []).append(node.lineno)
    return edges


def strongly_connected(graph: dict[str, dict[str, list[int]]]) -> list[list[str]]:
    """Strongly connected components (Tarjan, iterative), each sorted, largest first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    comps: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.get(w, {})))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                comps.append(sorted(comp))
    return sorted(comps, key=lambda c: (-len(c), c))


def cycle_in(graph: dict[str, dict[str, list[int]]], comp: list[str]) -> list[str]:
    """A shortest cycle through the first module of a component (breadth-first)."""
    members = set(comp)
    start = comp[0]
    prev: dict[str, str] = {}
    queue = deque([start])
    while queue:
        v = queue.popleft()
        for w in sorted(graph[v]):
            if w not in members:
                continue
            if w == start:
                path = [v]
                while path[-1] != start:
                    path.append(prev[path[-1]])
                return [*reversed(path), start]
            if w not in prev:
                prev[w] = v
                queue.append(w)
    return comp  # pragma: no cover - a component of more than one module has a cycle


def cycles(root: Path) -> list[list[str]]:
    """The strongly connected components of more than one module (empty: no import cycle)."""
    return [c for c in strongly_connected(import_edges(root)) if len(c) > 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", nargs="?", default="sim", help="package folder (default sim)")
    parser.add_argument("--edges", action="store_true", help="print every edge")
    args = parser.parse_args(argv)
    root = Path(args.package)
    if not (root / "__init__.py").is_file():
        print(f"{root}: not a package folder (no __init__.py)", file=sys.stderr)
        return 2
    graph = import_edges(root)
    n_edges = sum(len(v) for v in graph.values())
    if args.edges:
        for a in sorted(graph):
            for b in sorted(graph[a]):
                lines = ",".join(str(n) for n in sorted(set(graph[a][b])))
                print(f"{a} -> {b}  (line {lines})")
    comps = [c for c in strongly_connected(graph) if len(c) > 1]
    print(f"{len(graph)} modules, {n_edges} import edges, {len(comps)} cycle(s)")
    for i, comp in enumerate(comps, 1):
        print(f"cycle {i}: {len(comp)} modules: {', '.join(comp)}")
        path = cycle_in(graph, comp)
        steps = [
            f"{a} -> {b} (line {min(graph[a][b])})" for a, b in zip(path, path[1:], strict=False)
        ]
        print("  e.g. " + "\n       ".join(steps))
        inside = [(a, b) for a in comp for b in sorted(graph[a]) if b in comp]
        print("  edges inside: " + "; ".join(f"{a} -> {b}" for a, b in inside))
    return 1 if comps else 0


if __name__ == "__main__":
    sys.exit(main())
