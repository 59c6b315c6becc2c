"""What the EMA Workbench (the optional extra ``ema``, behind ``alignsim discover``'s PRIM) adds to
an install: the distributions it pulls in beyond alignsim's core dependencies and the ``batch``
and ``analysis`` extras, with their size on disk.

Reads the installed distributions' metadata (``importlib.metadata``: requirements, and the file
list of each one's RECORD), so it measures the environment it runs in, without the network:

    .venv/bin/python tools/ema_install_size.py            # a Markdown table
    .venv/bin/python tools/ema_install_size.py --json
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

BASE_EXTRAS = ("batch", "analysis")
#: What ``alignsim discover`` imports without the Workbench, and what it adds.
BASE_IMPORT = "import pandas, matplotlib, sklearn.tree, sklearn.ensemble, scipy.stats"
EMA_IMPORT = "from ema_workbench.analysis import prim, feature_scoring"


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _dist(name: str) -> metadata.Distribution | None:
    try:
        return metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None


def _requirements(dist: metadata.Distribution, extras: tuple[str, ...]) -> list[Requirement]:
    out = []
    for text in dist.requires or []:
        req = Requirement(text)
        if req.marker is None:
            out.append(req)
            continue
        for extra in ("", *extras):
            if req.marker.evaluate({**default_environment(), "extra": extra}):
                out.append(req)
                break
    return out


def closure(roots: list[Requirement]) -> set[str]:
    """The installed distributions that ``roots`` need, transitively (normalised names)."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        req = todo.pop()
        dist = _dist(req.name)
        if dist is None:  # not installed (an optional dependency this environment lacks)
            continue
        name = _norm(dist.metadata["Name"])
        key = name + "[" + ",".join(sorted(req.extras)) + "]"
        if key in seen:
            continue
        seen.add(key)
        todo += _requirements(dist, tuple(sorted(req.extras)))
    return {k.split("[")[0] for k in seen}


def size_on_disk(name: str) -> int:
    """Bytes of the files a distribution installed (its RECORD), as they are on disk."""
    dist = _dist(name)
    total = 0
    for f in (dist.files or []) if dist else []:
        p = Path(str(dist.locate_file(f)))
        if p.is_file():
            total += p.stat().st_size
    return total


def import_seconds(code: str, repeat: int = 3) -> float:
    """The fastest of ``repeat`` fresh interpreters running ``code`` (warnings off)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-W", "ignore", "-c", code], check=True)
        best = min(best, time.perf_counter() - start)
    return best


def measure() -> dict[str, object]:
    own = _dist("alignsim")
    if own is None:
        raise SystemExit("alignsim is not installed in this environment (pip install -e .)")
    core = closure([Requirement(r) for r in own.requires or [] if "extra ==" not in r])
    base = closure([Requirement(f"alignsim[{','.join(BASE_EXTRAS)}]")]) - {"alignsim"}
    ema = _dist("ema_workbench")
    if ema is None:
        raise SystemExit("ema_workbench is not installed: pip install -e '.[ema]'")
    pulled = closure([Requirement("ema_workbench")])
    added = sorted(pulled - base)
    rows = []
    for name in added:
        dist = _dist(name)
        version = dist.version if dist else "?"
        rows.append({"distribution": name, "version": version, "bytes": size_on_disk(name)})
    return {
        "python": sys.version.split()[0],
        "ema_workbench": ema.version,
        "requires": [str(r) for r in _requirements(ema, ())],
        "beyond": f"alignsim's core dependencies and the {' and '.join(BASE_EXTRAS)} extras",
        "added": rows,
        "added_bytes": sum(r["bytes"] for r in rows),
        "beyond_core_only": sorted(pulled - core - {"alignsim"}),
        "import_seconds": round(
            import_seconds(BASE_IMPORT + "; " + EMA_IMPORT) - import_seconds(BASE_IMPORT), 2
        ),  # fmt: skip
    }


def markdown(m: dict[str, object]) -> str:
    rows = m["added"]
    assert isinstance(rows, list)
    lines = ["| distribution | version | size on disk |", "|---|---|---:|"]
    for r in sorted(rows, key=lambda r: -r["bytes"]):
        lines.append(f"| {r['distribution']} | {r['version']} | {r['bytes'] / 1e6:.1f} MB |")
    lines.append(f"| **total** | | **{int(m['added_bytes']) / 1e6:.1f} MB** |")  # type: ignore[call-overload]
    lines += ["", f"Importing PRIM and the feature scoring takes {m['import_seconds']:.1f} s more "
                  "than the rest of what the command imports (the fastest of three fresh "
                  "interpreters, each way)."]  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print the measurement as JSON")
    args = ap.parse_args()
    result = measure()
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(f"ema_workbench {result['ema_workbench']} (Python {result['python']}) adds, beyond "
              f"{result['beyond']}:\n")  # fmt: skip
        print(markdown(result))
