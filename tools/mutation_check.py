"""Mutation check: would the tests notice a one-token change to the model?

    make mutation      (or: .venv/bin/python tools/mutation_check.py --sample 100 --seed 1 --jobs 2)
    .venv/bin/python tools/mutation_check.py --list            # every candidate site, run nothing
    .venv/bin/python tools/mutation_check.py --ids ID [ID ...] # run chosen mutants only
    .venv/bin/python tools/mutation_check.py --rerun-survivors # re-run the report's survivors
    .venv/bin/python tools/mutation_check.py --markdown docs/TESTING.md  # its score block

Candidate sites are found with ``ast`` and ``tokenize`` in the code (never in docstrings,
comments, type annotations, decorators or imports) of the model's month and its drivers: ``sim/core/month.py``,
``rules.py``, ``strategies.py``, ``outputs.py`` and ``sim/engines/model.py``, ``agents.py``,
``batch.py``. Each mutant changes one token:

* ``cmp``      comparison operators: ``<=``->``<``, ``>=``->``>``, ``<``->``<=``, ``>``->``>=``,
  ``==``->``!=``, ``!=``->``==``
* ``arith``    ``+``->``-``, ``-``->``+``, ``*``->``/``, ``/``->``*`` (binary and augmented)
* ``bitwise``  ``&``->``|``, ``|``->``&``
* ``bool``     ``and``->``or``, ``or``->``and``; ``not`` removed (``not``)
* ``int``      integer constants k->k+1; ``float`` float constants x->x+0.5
* ``side``     a name's ``rok``/``jpn`` part swapped (``approval_rok``->``approval_jpn``)
* ``offset``   column offsets ``COLUMN + 1``->``COLUMN + 0`` and back, bare ``COLUMN``->``COLUMN + 1``
* ``action``   ``MOVED``->``DID_NOTHING``, ``DID_NOTHING``->``MOVED``, ``REVERSED``->``DID_NOTHING``,
  ``NONE``<->``REVERSE``
* ``minmax``   ``min``<->``max``, ``np.minimum``<->``np.maximum``, ``at_least``<->``at_most``
* ``const``    ``True``<->``False``

A deterministic sample (``--sample N --seed S``) is spread over the files (quotas by the square root
of each file's candidates, and within a file round-robin over the kinds above); the reciprocity
test of the month, ``(month - last_own_rok) <= 1`` -> ``<= 2``, is always in it.

Each mutant runs in its own copy of the repository under a scratch folder (``sim/``, ``tests/``,
``scenarios/``, ``data/``, ``tools/``, ``pyproject.toml`` from one snapshot of the working tree taken
at the start, so edits made meanwhile do not mix into a run; the repository itself is never
modified) with ``PYTHONPATH`` and ``ALIGNSIM_NUMBA_CACHE`` pointing into the copy. It is
first imported and compiled (a failure there is "killed (invalid)"), then the fixed fast test
selection :data:`SELECTION` runs with ``pytest -x`` under a timeout. Outcomes:

* ``killed``          a test failed (the report names it);
* ``killed-invalid``  the mutant does not import or numba cannot compile it;
* ``killed-timeout``  the tests did not finish in ``--timeout`` seconds;
* ``killed-crash``    pytest ended abnormally (a signal, an internal or collection error);
* ``survived``        the whole selection passed.

The score is killed (all four kinds) / total. The report (``tests/mutation_report.json``) records
every mutant: file, line, column, original and replacement token, outcome, the killing test.
Before any mutant, the unmutated copy must pass the selection (the run aborts otherwise).
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import datetime as dt
import hashlib
import io
import json
import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tokenize
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from docblock import replace_block  # noqa: E402

REPORT = ROOT / "tests" / "mutation_report.json"

#: The files whose code is mutated.
TARGETS = (
    "sim/core/month.py",
    "sim/core/rules.py",
    "sim/core/strategies.py",
    "sim/core/outputs.py",
    "sim/engines/model.py",
    "sim/engines/agents.py",
    "sim/engines/batch.py",
)
#: What each mutant's copy holds (from the working tree).
COPIED = ("sim", "tests", "scenarios", "data", "tools", "pyproject.toml")
#: The fixed test selection, fastest and most discriminating first (pytest -x stops at the
#: first failure, so a killed mutant rarely runs it all). Missing files are left out.
SELECTION = (
    "tests/core/test_rules.py",
    "tests/core/test_strategies.py",
    "tests/core/test_month.py",
    "tests/core/test_month_gaps.py",
    "tests/core/test_mechanisms.py",
    "tests/engines/test_agent_gaps.py",
    "tests/engines/test_golden.py",
    "tests/engines/test_shipped_snapshots.py",
    "tests/teaching/test_play.py",
    "tests/engines/test_properties.py",
    "tests/engines/test_engine_agreement.py",
    "tests/engines/test_schedules_and_shocks.py",
)
#: Hypothesis examples are drawn from this seed, so a mutant's outcome does not vary by run.
HYPOTHESIS_SEED = 0
#: The mutation the sample always holds: the month's reciprocity test, one month -> two.
RECIPROCITY = ("sim/core/month.py", "(month - last_own_rok) <= 1", "1", "2")

KINDS = ("cmp", "arith", "bitwise", "bool", "not", "int", "float", "side", "offset", "action",
         "minmax", "const")  # fmt: skip
CMP = {ast.LtE: ("<=", "<"), ast.GtE: (">=", ">"), ast.Lt: ("<", "<="), ast.Gt: (">", ">="),
       ast.Eq: ("==", "!="), ast.NotEq: ("!=", "==")}  # fmt: skip
ARITH = {ast.Add: ("+", "-"), ast.Sub: ("-", "+"), ast.Mult: ("*", "/"), ast.Div: ("/", "*")}
BITWISE = {ast.BitAnd: ("&", "|"), ast.BitOr: ("|", "&")}
ACTIONS = {"MOVED": "DID_NOTHING", "DID_NOTHING": "MOVED", "REVERSED": "DID_NOTHING",
           "NONE": "REVERSE", "REVERSE": "NONE"}  # fmt: skip
MINMAX = {"min": "max", "max": "min", "minimum": "maximum", "maximum": "minimum",
          "at_least": "at_most", "at_most": "at_least"}  # fmt: skip
#: The MINMAX names called bare (the others as attributes: ``np.minimum``).
BARE_MINMAX = ("min", "max", "at_least", "at_most")
COLUMN = re.compile(r"^[A-Z][A-Z0-9_]*$")


# ------------------------------------------------------------------------------ candidate sites


@dataclass(frozen=True)
class Mutant:
    """One single-token mutation of one file."""

    file: str  # relative to the repository
    line: int  # 1-based
    col: int  # 0-based, where ``original`` starts
    original: str
    replacement: str
    kind: str
    code: str = ""  # the original line, stripped (for the reader)

    @property
    def id(self) -> str:
        before = self.original.strip().replace(" ", "")
        after = self.replacement.strip().replace(" ", "") or "(removed)"
        return f"{self.file}:{self.line}:{self.col}:{before}->{after}"

    def apply(self, source: str) -> str:
        lines = source.splitlines(keepends=True)
        text = lines[self.line - 1]
        if text[self.col : self.col + len(self.original)] != self.original:
            raise ValueError(f"{self.id}: {self.original!r} not found at the site")
        lines[self.line - 1] = (
            text[: self.col] + self.replacement + text[self.col + len(self.original) :]
        )
        return "".join(lines)


def _skipped_nodes(tree: ast.AST) -> set[int]:
    """Ids of nodes whose subtrees are never mutated: annotations, imports, docstrings,
    decorators (``@dataclass(frozen=True)`` is no behaviour of the model), ``if TYPE_CHECKING:``
    blocks."""
    skip: set[int] = set()

    def mark(node: ast.AST | None) -> None:
        if node is not None:
            skip.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            mark(node)
        elif isinstance(node, ast.arg):
            mark(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            mark(node.returns)
            for decorator in node.decorator_list:
                mark(decorator)
        elif isinstance(node, ast.ClassDef):
            for decorator in node.decorator_list:
                mark(decorator)
        elif isinstance(node, ast.AnnAssign):
            mark(node.annotation)
        elif isinstance(node, ast.If) and isinstance(node.test, ast.Name):
            if node.test.id == "TYPE_CHECKING":
                mark(node)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                mark(body[0])
    return skip


class _Tokens:
    """The file's code tokens (no strings, comments or layout), by position."""

    def __init__(self, source: str) -> None:
        skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                tokenize.STRING, tokenize.ENDMARKER, tokenize.ENCODING}  # fmt: skip
        skip |= {getattr(tokenize, n) for n in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END")
                 if hasattr(tokenize, n)}  # fmt: skip
        self.tokens = [
            t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type not in skip
        ]
        self.names = {t.string for t in self.tokens if t.type == tokenize.NAME}

    def between(
        self, start: tuple[int, int], end: tuple[int, int], text: str
    ) -> tuple[int, int] | None:
        """Position of the first token ``text`` at or after ``start`` and before ``end``."""
        for t in self.tokens:
            if start <= t.start and t.end <= end and t.string == text:
                return t.start
        return None

    def at(self, pos: tuple[int, int], text: str) -> bool:
        return any(t.start == pos and t.string == text for t in self.tokens)


def _end(node: ast.AST) -> tuple[int, int]:
    return node.end_lineno or 0, node.end_col_offset or 0


def _start(node: ast.AST) -> tuple[int, int]:
    return node.lineno, node.col_offset  # type: ignore[attr-defined]


def candidates(path: str, root: Path = ROOT) -> list[Mutant]:
    """Every single-token mutant of the code in ``path`` (relative to ``root``)."""
    source = (root / path).read_text(encoding="utf-8")
    tree = ast.parse(source)
    skip = _skipped_nodes(tree)
    tokens = _Tokens(source)
    lines = source.splitlines()
    out: list[Mutant] = []

    def add(pos: tuple[int, int] | None, original: str, replacement: str, kind: str) -> None:
        if pos is not None and tokens.at(pos, original.split(" ")[0]):
            line, col = pos
            out.append(
                Mutant(path, line, col, original, replacement, kind, lines[line - 1].strip())
            )

    def name_site(node: ast.AST) -> tuple[tuple[int, int], str] | None:
        """Where a Name's identifier, or an Attribute's attribute name, starts."""
        if isinstance(node, ast.Name):
            return _start(node), node.id
        if isinstance(node, ast.Attribute) and node.end_lineno == node.lineno:
            line, end = _end(node)
            return (line, end - len(node.attr)), node.attr
        return None

    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Compare):
            left = node.left
            for op, right in zip(node.ops, node.comparators, strict=True):
                if type(op) in CMP:
                    a, b = CMP[type(op)]
                    add(tokens.between(_end(left), _start(right), a), a, b, "cmp")
                left = right
        elif isinstance(node, ast.BinOp):
            table = (
                ARITH if type(node.op) in ARITH else BITWISE if type(node.op) in BITWISE else None
            )
            if table is not None:
                a, b = table[type(node.op)]
                add(tokens.between(_end(node.left), _start(node.right), a), a, b,
                    "arith" if table is ARITH else "bitwise")  # fmt: skip
            if (
                isinstance(node.op, ast.Add)
                and isinstance(node.left, ast.Name)
                and COLUMN.match(node.left.id)
                and isinstance(node.right, ast.Constant)
                and node.right.value in (0, 1)
                and type(node.right.value) is int
            ):
                v = node.right.value
                add(_start(node.right), str(v), str(1 - v), "offset")
        elif isinstance(node, ast.AugAssign):
            table = (
                ARITH if type(node.op) in ARITH else BITWISE if type(node.op) in BITWISE else None
            )
            if table is not None:
                a, b = table[type(node.op)]
                add(tokens.between(_end(node.target), _start(node.value), a + "="), a + "=", b + "=",
                    "arith" if table is ARITH else "bitwise")  # fmt: skip
        elif isinstance(node, ast.BoolOp):
            a, b = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
            for left, right in zip(node.values, node.values[1:], strict=False):
                add(tokens.between(_end(left), _start(right), a), a, b, "bool")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            pos = _start(node)
            line = lines[pos[0] - 1]
            # "not x" -> "x": drop the keyword and the space after it
            width = len("not") + (len(line[pos[1] + 3 :]) - len(line[pos[1] + 3 :].lstrip(" ")))
            if tokens.at(pos, "not"):
                out.append(Mutant(path, pos[0], pos[1], line[pos[1] : pos[1] + width], "", "not",
                                  line.strip()))  # fmt: skip
        elif isinstance(node, ast.Constant) and node.lineno == node.end_lineno:
            text = lines[node.lineno - 1][node.col_offset : node.end_col_offset]
            if isinstance(node.value, bool):
                add(_start(node), text, str(not node.value), "const")
            elif isinstance(node.value, int):
                add(_start(node), text, str(node.value + 1), "int")
            elif isinstance(node.value, float):
                add(_start(node), text, repr(node.value + 0.5), "float")
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Tuple):
            for element in node.slice.elts:
                if (
                    isinstance(element, ast.Name)
                    and COLUMN.match(element.id)
                    and id(element) not in skip
                ):
                    add(_start(element), element.id, f"{element.id} + 1", "offset")
        site = name_site(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
        if site is not None:
            pos, name = site
            if name in ACTIONS and not isinstance(getattr(node, "ctx", None), ast.Store):
                add(pos, name, ACTIONS[name], "action")
            if name in MINMAX and (name in BARE_MINMAX) == isinstance(node, ast.Name):
                add(pos, name, MINMAX[name], "minmax")
            parts = name.split("_")
            if "rok" in parts or "jpn" in parts:
                swapped = "_".join({"rok": "jpn", "jpn": "rok"}.get(x, x) for x in parts)
                if swapped in tokens.names:
                    add(pos, name, swapped, "side")
    unique = {m.id: m for m in out}
    valid = []
    for m in sorted(unique.values(), key=lambda m: (m.line, m.col, m.kind, m.replacement)):
        try:
            ast.parse(m.apply(source))
        except SyntaxError:
            continue
        valid.append(m)
    return valid


def resolve(mutant_id: str, everything: dict[str, Mutant], code: str = "") -> Mutant | None:
    """The mutant with this id, or, when its file has changed since the id was written, the one
    with the same file, column and tokens (and line text ``code`` if given) nearest to the old
    line."""
    if mutant_id in everything:
        return everything[mutant_id]
    try:
        file, line, col, change = mutant_id.split(":", 3)
    except ValueError:
        return None
    same = [m for m in everything.values()
            if (m.file, str(m.col), m.id.split(":", 3)[3]) == (file, col, change)]  # fmt: skip
    if code:
        same = [m for m in same if m.code == code]
    return min(same, key=lambda m: abs(m.line - int(line)), default=None)


def reciprocity_mutant(all_mutants: list[Mutant], root: Path = ROOT) -> Mutant | None:
    """The mutant :data:`RECIPROCITY` names, if its file is among the mutated ones."""
    path, snippet, original, replacement = RECIPROCITY
    lines = (root / path).read_text(encoding="utf-8").splitlines()
    for m in all_mutants:
        if (m.file, m.original, m.replacement) == (path, original, replacement):
            start = lines[m.line - 1].find(snippet)
            if start >= 0 and start + len(snippet) - len(original) == m.col:
                return m
    return None


def sample(by_file: dict[str, list[Mutant]], n: int, seed: int, root: Path = ROOT) -> list[Mutant]:
    """A deterministic sample of ``n`` mutants spread over the files (and within a file over the
    mutation kinds), always holding the reciprocity mutant when its file is mutated."""
    rng = random.Random(seed)
    files = [f for f in by_file if by_file[f]]
    total = sum(len(by_file[f]) for f in files)
    if n >= total:
        return sorted((m for f in files for m in by_file[f]), key=_order)
    weight = {f: math.sqrt(len(by_file[f])) for f in files}
    quota = {f: min(len(by_file[f]), int(n * weight[f] / sum(weight.values()))) for f in files}
    while sum(quota.values()) < n:  # hand out the remainder, largest shortfall first
        f = max((f for f in files if quota[f] < len(by_file[f])),
                key=lambda f: n * weight[f] / sum(weight.values()) - quota[f])  # fmt: skip
        quota[f] += 1
    must = reciprocity_mutant([m for f in files for m in by_file[f]], root)
    chosen: list[Mutant] = []
    for f in files:
        pool = list(by_file[f])
        rng.shuffle(pool)
        picked = [must] if must is not None and must.file == f else []
        by_kind: dict[str, list[Mutant]] = defaultdict(list)
        for m in pool:
            if m not in picked:
                by_kind[m.kind].append(m)
        kinds = sorted(by_kind)
        rng.shuffle(kinds)
        while len(picked) < quota[f] and any(by_kind.values()):
            for kind in kinds:
                if by_kind[kind] and len(picked) < quota[f]:
                    picked.append(by_kind[kind].pop())
        chosen.extend(picked)
    return sorted(chosen, key=_order)


def _order(m: Mutant) -> tuple[int, int, int, str]:
    return TARGETS.index(m.file) if m.file in TARGETS else 99, m.line, m.col, m.replacement


# ------------------------------------------------------------------------------ running mutants

PRECHECK = r"""
import sys
import sim
print("SIM_FILE", sim.__file__, flush=True)
try:
    import sim.core.month, sim.core.rules, sim.core.strategies, sim.core.outputs
    import sim.engines.agents, sim.engines.batch, sim.engines.model
except Exception as e:
    print("INVALID import:", type(e).__name__, str(e)[:300], flush=True)
    sys.exit(3)
from numba.core.errors import NumbaError
try:
    from sim.core.params import Scenario
    from sim.engines.batch import simulate
    simulate(Scenario(months=1), 0, [0], keep_monthly=True)  # the whole-run kernel
    simulate(Scenario(months=1), 0, [0], on_month=lambda m, r: None)  # the month's kernels
except NumbaError as e:
    print("INVALID compile:", type(e).__name__, str(e).strip().splitlines()[0][:300], flush=True)
    sys.exit(3)
except Exception as e:
    print("RUNTIME", type(e).__name__, str(e)[:300], flush=True)
    sys.exit(4)
print("COMPILED", flush=True)
"""


@dataclass
class Outcome:
    id: str
    file: str
    line: int
    col: int
    original: str
    replacement: str
    kind: str
    code: str
    outcome: str  # killed, killed-invalid, killed-timeout, killed-crash, survived
    killed_by: str = ""  # the first failing test, or what failed
    detail: str = ""
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def killed(self) -> bool:
        return self.outcome != "survived"


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float) -> tuple[int | None, str]:
    """Run ``cmd`` in its own process group; None for the return code on timeout."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)  # fmt: skip
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, _ = proc.communicate()
        return None, out or ""


def make_copy(dest: Path, source_root: Path = ROOT) -> None:
    dest.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", ".hypothesis", ".pytest_cache", "*.pyc")
    for name in COPIED:
        src = source_root / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        elif src.exists():
            shutil.copy2(src, dest / name)


def selection(copy: Path) -> list[str]:
    return [t for t in SELECTION if (copy / t).exists()]


def run_one(
    mutant: Mutant | None,
    base: Path,
    scratch: Path,
    python: str,
    timeout: float,
    keep: bool = False,
) -> Outcome:
    """Copy the repository's snapshot ``base``, apply ``mutant`` (None: the unmutated copy),
    compile, run the tests."""
    start = time.monotonic()
    tag = hashlib.sha256((mutant.id if mutant else "unmutated").encode()).hexdigest()[:10]
    copy = scratch / f"m-{tag}"
    if copy.exists():
        shutil.rmtree(copy)
    make_copy(copy, base)
    record = asdict(mutant) if mutant else {
        "file": "", "line": 0, "col": 0, "original": "", "replacement": "", "kind": "", "code": ""
    }  # fmt: skip
    record["id"] = mutant.id if mutant else "unmutated"
    try:
        if mutant is not None:
            target = copy / mutant.file
            target.write_text(mutant.apply(target.read_text(encoding="utf-8")), encoding="utf-8")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("COVERAGE", "NUMBA_", "PYTEST_"))}  # fmt: skip
        env.update(PYTHONPATH=str(copy), ALIGNSIM_NUMBA_CACHE=str(copy / ".numba-cache"),
                   PYTHONDONTWRITEBYTECODE="1", XDG_CACHE_HOME=str(copy / ".cache"),
                   MPLBACKEND="Agg", PYTHONHASHSEED="0")  # fmt: skip

        def done(outcome: str, killed_by: str = "", detail: str = "", **extra: Any) -> Outcome:
            return Outcome(**record, outcome=outcome, killed_by=killed_by, detail=detail[:400],
                           seconds=round(time.monotonic() - start, 1), extra=extra)  # fmt: skip

        rc, out = _run([python, "-c", PRECHECK], copy, env, timeout)
        sim_file = next((ln.split(" ", 1)[1] for ln in out.splitlines()
                         if ln.startswith("SIM_FILE ")), "")  # fmt: skip
        if sim_file and not sim_file.startswith(str(copy)):
            raise RuntimeError(f"the copy imported {sim_file}, not its own sim/ under {copy}")
        if rc is None:
            return done("killed-timeout", "import and compile", f"no answer in {timeout:.0f} s",
                        sim_file=sim_file)  # fmt: skip
        if rc == 3:
            line = next((ln for ln in out.splitlines() if ln.startswith("INVALID")), out[-300:])
            return done("killed-invalid", "import and compile", line, sim_file=sim_file)
        if rc not in (0, 4):
            return done("killed-crash", "import and compile", f"exit {rc}: {out[-300:]}",
                        sim_file=sim_file)  # fmt: skip
        cmd = [python, "-m", "pytest", "-x", "-q", "-rfE", "-p", "no:cacheprovider",
               f"--hypothesis-seed={HYPOTHESIS_SEED}", *selection(copy)]  # fmt: skip
        rc, out = _run(cmd, copy, env, timeout)
        if rc is None:
            return done("killed-timeout", "", f"tests unfinished after {timeout:.0f} s",
                        sim_file=sim_file)  # fmt: skip
        failed = [ln for ln in out.splitlines() if ln.startswith(("FAILED ", "ERROR "))]
        first = failed[0].split(" ", 1)[1] if failed else ""
        test, _, message = first.partition(" - ")
        if rc == 0:
            return done("survived", sim_file=sim_file)
        if rc == 1 and failed:
            return done("killed", test, message, sim_file=sim_file)
        return done("killed-crash", test, f"pytest exit {rc}: {message or out[-300:]}",
                    sim_file=sim_file)  # fmt: skip
    finally:
        if not keep:
            shutil.rmtree(copy, ignore_errors=True)


# ------------------------------------------------------------------------------ the report


def git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return ""


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    count = {k: sum(o.outcome == k for o in outcomes)
             for k in ("killed", "killed-invalid", "killed-timeout", "killed-crash", "survived")}  # fmt: skip
    killed = len(outcomes) - count["survived"]
    return {
        "total": len(outcomes),
        "killed": killed,
        "by_outcome": count,
        "score": round(killed / len(outcomes), 4) if outcomes else None,
        "survivors": [o.id for o in outcomes if not o.killed],
    }


def write_report(path: Path, meta: dict[str, Any], outcomes: list[Outcome]) -> None:
    ordered = sorted(outcomes, key=lambda o: (TARGETS.index(o.file) if o.file in TARGETS else 99,
                                              o.line, o.col, o.replacement))  # fmt: skip
    data = {**meta, "summary": summary(ordered), "mutants": [asdict(o) for o in ordered]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def print_summary(outcomes: list[Outcome]) -> None:
    s = summary(outcomes)
    c = s["by_outcome"]
    print(f"\nmutation score: {s['killed']}/{s['total']} killed"
          f" ({100 * (s['score'] or 0):.1f}%): {c['killed']} by a failing test,"
          f" {c['killed-invalid']} invalid, {c['killed-timeout']} timeouts,"
          f" {c['killed-crash']} crashes; {c['survived']} survived")  # fmt: skip
    for o in sorted(outcomes, key=lambda o: o.id):
        if not o.killed:
            print(f"  survivor {o.id}  [{o.kind}]  {o.code}")


#: The block of a Markdown file that :func:`write_markdown` rewrites from the report.
MD_BEGIN, MD_END = "<!-- mutation:begin -->", "<!-- mutation:end -->"


def score_markdown(data: dict[str, Any]) -> str:
    """The report's score as Markdown: the runs (date, command, commit), the counts, and each
    survivor with its line of code. Every figure is read from the report."""
    s = data["summary"]
    c = s["by_outcome"]
    runs = [data, *data.get("reruns", [])]
    said = "; then ".join(
        f"{r['date'][:10]}, `{r['command']}` on commit `{r['commit'][:7]}`"
        + (" (uncommitted: " + ", ".join(f"`{x.split()[-1]}`"
                                           for x in r["uncommitted_in_copied_paths"]) + ")"
           if r.get("uncommitted_in_copied_paths") else "")
        for r in runs
    )  # fmt: skip
    lines = [
        f"{said}; the test selection: "
        + ", ".join(f"`{Path(t).stem}`" for t in runs[-1]["selection"])
        + ".",
        "",
        f"**{s['killed']} / {s['total']} killed** ({100 * (s['score'] or 0):.0f}%): "
        f"{c['killed']} by a failing test, {c['killed-invalid']} invalid, "
        f"{c['killed-timeout']} timed out, {c['killed-crash']} crashed; "
        f"{c['survived']} survived:",
        "",
    ]
    code = {m["id"]: (m["kind"], m["code"]) for m in data["mutants"]}
    for i in s["survivors"]:
        kind, text = code[i]
        lines.append(f"- `{i}` [{kind}]: `{text.strip()}`")
    return "\n".join(lines)


def write_markdown(path: Path, report: Path) -> int:
    """Rewrite the block between :data:`MD_BEGIN` and :data:`MD_END` of ``path`` from the
    report; 2 with a message if either file or the markers are missing."""
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
        text = path.read_text(encoding="utf-8")
    except (OSError, ValueError) as e:
        print(f"mutation_check: cannot read {e}", file=sys.stderr)
        return 2
    try:
        new = replace_block(text, MD_BEGIN, MD_END, score_markdown(data))
    except ValueError as e:
        print(f"mutation_check: {path}: {e}", file=sys.stderr)
        return 2
    path.write_text(new, encoding="utf-8")
    print(f"mutation_check: {path}: score block rewritten from {report}")
    return 0


# ------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    ap.add_argument("--sample", type=int, default=60, help="mutants to run (default 60)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the sample (default 1)")
    ap.add_argument("--files", nargs="+", help="mutate only these files (names or paths)")
    ap.add_argument("--jobs", type=int, default=1, choices=(1, 2), help="mutants at once")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per mutant step")
    ap.add_argument("--max-minutes", type=float, default=0.0,
                    help="start no mutant after this many minutes (0: no limit)")  # fmt: skip
    ap.add_argument("--ids", nargs="+", help="run exactly these mutant ids")
    ap.add_argument("--rerun-survivors", action="store_true",
                    help="re-run the survivors of --report and update their outcomes there")  # fmt: skip
    ap.add_argument(
        "--report", type=Path, default=REPORT, help=f"default {REPORT.relative_to(ROOT)}"
    )
    ap.add_argument(
        "--list", action="store_true", help="list the sample (or every site with --all)"
    )
    ap.add_argument("--all", action="store_true", help="with --list: every candidate site")
    ap.add_argument(
        "--scratch", type=Path, default=None, help="scratch folder (default under /tmp)"
    )
    ap.add_argument("--keep", action="store_true", help="keep each mutant's copy")
    ap.add_argument("--python", default=sys.executable, help="the interpreter that runs the tests")
    ap.add_argument("--markdown", type=Path, metavar="FILE",
                    help="run nothing: rewrite FILE's score block from --report")  # fmt: skip
    args = ap.parse_args(argv)
    if args.markdown is not None:
        return write_markdown(args.markdown, args.report)

    files = list(TARGETS)
    if args.files:
        wanted = [f if "/" in f else next((t for t in TARGETS if t.endswith("/" + f)), f)
                  for f in args.files]  # fmt: skip
        unknown = [f for f in wanted if f not in TARGETS]
        if unknown:
            ap.error(f"not a mutated file: {', '.join(unknown)} (choose from {', '.join(TARGETS)})")
        files = [t for t in TARGETS if t in wanted]
    listing = args.list
    if listing:  # read the working tree; no scratch folder
        return _check(args, files, ROOT, ROOT, argv)
    if args.scratch is not None and args.scratch.resolve().is_relative_to(ROOT):
        ap.error("the scratch folder must be outside the repository")
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="alignsim-mutation-"))
    scratch.mkdir(parents=True, exist_ok=True)
    # One snapshot of the working tree: every mutant is made from it, whatever changes meanwhile.
    base = scratch / "base"
    make_copy(base, ROOT)
    try:
        return _check(args, files, base, scratch, argv)
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)


def _check(
    args: argparse.Namespace, files: list[str], base: Path, scratch: Path, argv: list[str] | None
) -> int:
    by_file = {f: candidates(f, base) for f in files}
    everything = {m.id: m for ms in by_file.values() for m in ms}

    previous: list[Outcome] = []
    previous_meta: dict[str, Any] = {}
    if args.rerun_survivors:
        data = json.loads(args.report.read_text(encoding="utf-8"))
        previous = [Outcome(**o) for o in data.pop("mutants")]
        data.pop("summary", None)
        previous_meta = data
        args.ids = [o.id for o in previous if not o.killed]
        if not args.ids:
            print("no survivors to re-run")
            return 0
    if args.ids:
        code = {o.id: o.code for o in previous}
        found = {i: resolve(i, everything, code.get(i, "")) for i in args.ids}
        missing = [i for i, m in found.items() if m is None]
        if missing:
            print(f"no such mutant in the current source: {', '.join(missing)}", file=sys.stderr)
            return 2
        chosen = [m for m in found.values() if m is not None]
        moved = {i: m.id for i, m in found.items() if m is not None and m.id != i}
        for old, new in moved.items():
            print(f"{old} is now {new} (the file changed)")
        previous = [o if o.id not in moved else dataclasses.replace(o, id=moved[o.id])
                    for o in previous]  # fmt: skip
    else:
        chosen = sample(by_file, args.sample, args.seed, base)

    if args.list:
        shown = sorted(everything.values(), key=_order) if args.all else chosen
        for m in shown:
            print(f"{m.id}  [{m.kind}]  {m.code}")
        counts = {f: len(ms) for f, ms in by_file.items()}
        print(f"{len(shown)} mutants shown; candidate sites per file: {counts}", file=sys.stderr)
        return 0

    commit = git("rev-parse", "HEAD")
    command = "tools/mutation_check.py " + " ".join(argv if argv is not None else sys.argv[1:])
    this_run = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": commit,
        "uncommitted_in_copied_paths": git("status", "--porcelain", "--", *COPIED).splitlines(),
        "mutated_files_sha256": {
            f: hashlib.sha256((base / f).read_bytes()).hexdigest()[:16] for f in files
        },  # fmt: skip
        "command": command,
        "selection": selection(base),
        "hypothesis_seed": HYPOTHESIS_SEED,
    }
    if previous_meta:
        meta = previous_meta
        meta.setdefault("reruns", []).append({**this_run, "rerun": [m.id for m in chosen]})
    else:
        meta = {"tool": "tools/mutation_check.py", **this_run, "sample": len(chosen),
                "seed": args.seed, "candidate_sites": {f: len(ms) for f, ms in by_file.items()}}  # fmt: skip
    print(f"{len(chosen)} mutants of {len(everything)} candidate sites; scratch {scratch}")
    print(f"selection: {' '.join(selection(base))}")

    t0 = time.monotonic()
    sanity = run_one(None, base, scratch, args.python, args.timeout)
    print(f"unmutated copy: {sanity.outcome} in {sanity.seconds:.0f} s "
          f"(imports {sanity.extra.get('sim_file')})")  # fmt: skip
    if sanity.outcome != "survived":
        print(f"ABORT: the unmutated copy does not pass the selection: {sanity.killed_by} "
              f"{sanity.detail}", file=sys.stderr)  # fmt: skip
        return 2
    this_run["unmutated_seconds"] = sanity.seconds

    outcomes: list[Outcome] = []
    deadline = t0 + 60 * args.max_minutes if args.max_minutes else math.inf
    rerun = {m.id for m in chosen}
    kept = [o for o in previous if o.id not in rerun]

    def job(m: Mutant) -> Outcome | None:
        if time.monotonic() > deadline:
            return None
        return run_one(m, base, scratch, args.python, args.timeout, args.keep)

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(job, m) for m in chosen]
        for n, fut in enumerate(as_completed(futures), 1):
            o = fut.result()
            if o is None:
                continue
            outcomes.append(o)
            print(f"[{n}/{len(chosen)}] {o.outcome:15s} {o.seconds:6.1f}s  {o.id}  "
                  f"{o.killed_by or ''}", flush=True)  # fmt: skip
            write_report(args.report, meta, kept + outcomes)
    skipped = len(chosen) - len(outcomes)
    if skipped:
        print(f"{skipped} mutants not run (--max-minutes {args.max_minutes})")
        meta["not_run"] = [m.id for m in chosen if m.id not in {o.id for o in outcomes}]
    write_report(args.report, meta, kept + outcomes)
    print_summary(kept + outcomes)
    print(f"report: {args.report}  ({(time.monotonic() - t0) / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
