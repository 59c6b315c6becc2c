"""Experiment files (TOML) -> designs -> chunks of runs -> a durable result store.

An experiment file is data (parsed with ``tomllib``, never executed)::

    name = "coercion_sweep"          # default: the file name
    description = "One line"
    base = "baseline_2022"           # scenario name or path (relative to this file)
    replications = 500               # runs per design point (replication index keys the draws)
    months = 60                      # horizon (default: the base scenario's)
    seed = 20220809                  # root seed, shared by every design point

    [factors]                        # crossed (full factorial), first factor varies slowest
    us_coercion = { range = [0.0, 1.0], levels = 21 }     # grid of 21 evenly spaced levels
    strategy = ["small_steps", "grand_bargain"]          # both leaders and their successors
    china_coercion = [0.15, 0.6]                          # a list of values
    # rok_approval_floor = { range = [0.1, 0.4] }         # no levels: drawn by the [sampler]
    # scenario = ["status_quo", "grand_bargain"]          # named scenarios (or paths)

    [sampler]                        # only when some range has no `levels`
    method = "latin"                 # latin | sobol | saltelli
    samples = 64                     # latin: points; sobol: a power of 2; saltelli: base N
    seed = 1                         # default: the root seed

    [outputs]
    monthly = "all"                  # or a list of sim.engines.batch.MONTHLY_VARS, or [] for none
    runs = "all"                     # or a list of sim.engines.batch.summarise keys

Design points are the factorial product of the listed factors, crossed with the sampled points.
Every design point uses the same root seed, so replication r of every point draws the same random
numbers (common random numbers: differences between points are paired).

Use :func:`run_experiment` (or ``alignsim batch``) to run one into a store, :func:`sim.load` to
read it back, and :func:`run_one` to call the model as a plain Python function (SALib, EMA
Workbench).
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import os
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim import package_version
from sim.core.params import PARAM_FIELDS, SCHEDULABLE, Scenario, param_info, scenario_hash
from sim.errors import UserError, unknown_name

TOP_KEYS = {
    "name": "Experiment name (default: the file name); the default store is results/<name>",
    "description": "One-line description",
    "base": "Base scenario: a name in scenarios/ or a path relative to this file",
    "replications": "Runs per design point (1..10,000,000)",
    "months": "Horizon in months (1..600; default: the base scenario's)",
    "seed": "Root seed shared by every design point (common random numbers)",
    "factors": "Table: factor -> list of values, {range, levels}, or {range} for the sampler",
    "sampler": "Table: method (latin|sobol|saltelli), samples, seed",
    "outputs": "Table: monthly (variables to aggregate), runs (summary outcomes to keep)",
}
STRATEGY_FACTORS = {
    "strategy": ("ROK", "JPN", "ROK_successor", "JPN_successor"),
    "rok_strategy": ("ROK",),
    "jpn_strategy": ("JPN",),
}
SCENARIO_FACTOR = "scenario"
SAMPLERS = ("latin", "sobol", "saltelli")
SAMPLER_KEYS = ("method", "samples", "seed", "second_order")
OUTPUT_KEYS = ("monthly", "runs")
RANGE_KEYS = ("range", "levels", "values")
#: summary outcomes always kept (the headline table needs them)
REQUIRED_OUTCOMES = ("inst_month", "collapse_month", "institutionalised", "collapsed")
MAX_REPLICATIONS = 10_000_000


@dataclass(frozen=True)
class Factor:
    """One experimental factor: a parameter, a strategy role or the scenario."""

    key: str
    kind: str  # "param" | "strategy" | "scenario"
    values: tuple[Any, ...] = ()  # listed values (empty when sampled)
    lo: float = 0.0
    hi: float = 0.0
    sampled: bool = False
    integer: bool = False


@dataclass
class Experiment:
    """A parsed, validated experiment with its resolved design points."""

    name: str
    description: str
    path: Path
    text: str
    base_ref: str
    base: Scenario
    factors: tuple[Factor, ...]
    replications: int
    months: int
    seed: int
    sampler: dict[str, Any]
    monthly_vars: tuple[str, ...]
    run_outcomes: tuple[str, ...]
    #: one dict of factor values per design point
    design: list[dict[str, Any]] = field(default_factory=list)
    #: the resolved scenario of each design point
    points: list[Scenario] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def factor_keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.factors)

    def design_hash(self) -> str:
        """Hash of what the runs depend on (points, seed, horizon, outputs), not replications."""
        d = {
            "points": [
                [scenario_hash(sc), _jsonable(row)]
                for sc, row in zip(self.points, self.design, strict=True)
            ],
            "seed": self.seed,
            "months": self.months,
            "monthly": list(self.monthly_vars),
            "runs": list(self.run_outcomes),
        }
        text = json.dumps(d, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


# ------------------------------------------------------------------------------------- parsing
def load_experiment(source: str | Path) -> Experiment:
    """Read and validate an experiment file; resolve its design points.

    ``source`` is a path, or a bare name looked up in ``experiments/``.

    Raises:
        UserError: naming the file, the key, what was expected and what was found.
    """
    path = find_experiment(source)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"cannot read the file ({e})", file=path) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise UserError(
            f"TOML syntax error: {e}", file=path, line=int(m.group(1)) if m else None
        ) from None
    return _build(raw, path, text)


def find_experiment(source: str | Path) -> Path:
    """A path to an existing experiment file, or a bare name found in ./experiments/."""
    p = Path(source)
    if p.suffix == ".toml" or len(p.parts) > 1 or p.exists():
        if not p.is_file():
            raise UserError("experiment file not found", file=p, expected="an existing .toml file")
        return p
    folder = Path.cwd() / "experiments"
    if not folder.is_dir():
        folder = Path(__file__).resolve().parents[2] / "experiments"
    cand = folder / f"{source}.toml"
    if cand.is_file():
        return cand
    raise unknown_name("experiment", str(source), [q.stem for q in sorted(folder.glob("*.toml"))])


def _err(path: Path, key: str, message: str, expected: str, found: Any) -> UserError:
    return UserError(message, file=path, key=key, expected=expected, found=found)


def _int(path: Path, key: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _err(path, key, "wrong type", f"a whole number in [{lo}, {hi}]", value)
    if not lo <= value <= hi:
        raise _err(path, key, "value out of range", f"a whole number in [{lo}, {hi}]", value)
    return int(value)


def _str(path: Path, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _err(path, key, "wrong type", "a string", value)
    return value


def _table(path: Path, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _err(path, key, "wrong type", f"a table [{key}]", value)
    return value


def _scenario(path: Path, key: str, ref: Any) -> Scenario:
    from sim.scenario import load_scenario

    name = _str(path, key, ref)
    if not name:
        raise _err(path, key, "empty scenario reference", "a scenario name or path", name)
    cand = Path(name)
    if cand.suffix == ".toml" and not cand.is_absolute():
        local = path.parent / cand
        if local.is_file():
            cand = local
    try:
        return load_scenario(cand if cand.suffix == ".toml" else name)
    except UserError as e:
        raise UserError(
            f"cannot load scenario '{name}': {e.message}",
            file=path,
            key=key,
            expected=e.expected or "a scenario name in scenarios/ or a path to a .toml file",
            found=name,
            hint=e.hint or (f"the error is in {e.file}" if e.file else None),
        ) from None


def _param_value(path: Path, key: str, name: str, value: Any) -> float | int:
    from sim.scenario import check_param

    v = check_param(path, key, name, value)
    return int(v) if param_info(name)["integer"] else v


def _factor(path: Path, key: str, spec: Any) -> Factor:
    fkey = f"factors.{key}"
    if key in STRATEGY_FACTORS:
        from sim.scenario import check_strategy

        values = _list(path, fkey, spec, "a non-empty list of strategy names")
        return Factor(key, "strategy", tuple(check_strategy(path, f"{fkey}[{i}]", v)
                                             for i, v in enumerate(values)))  # fmt: skip
    if key == SCENARIO_FACTOR:
        values = _list(path, fkey, spec, "a non-empty list of scenario names or paths")
        for i, v in enumerate(values):
            _scenario(path, f"{fkey}[{i}]", v)
        return Factor(key, "scenario", tuple(values))
    if key not in PARAM_FIELDS:
        choices = [*PARAM_FIELDS, *STRATEGY_FACTORS, SCENARIO_FACTOR]
        raise unknown_name("factor", key, choices, file=path, key=fkey)
    info = param_info(key)
    integer = bool(info["integer"])
    if isinstance(spec, list):
        values = _list(path, fkey, spec, "a non-empty list of numbers")
        vals = tuple(_param_value(path, f"{fkey}[{i}]", key, v) for i, v in enumerate(values))
        if len(set(vals)) != len(vals):
            raise _err(path, fkey, "repeated value", "distinct values", list(values))
        return Factor(key, "param", vals, integer=integer)
    if not isinstance(spec, dict):
        raise _err(
            path,
            fkey,
            "wrong type",
            "a list of values, or a table such as { range = [lo, hi], levels = n }",
            spec,
        )
    for k in spec:
        if k not in RANGE_KEYS:
            raise unknown_name("factor key", k, RANGE_KEYS, file=path, key=f"{fkey}.{k}")
    if "values" in spec:
        if len(spec) > 1:
            raise _err(path, fkey, "'values' cannot be combined with 'range' or 'levels'",
                       "either values = [...] or range = [lo, hi]", spec)  # fmt: skip
        return _factor(path, key, spec["values"])
    if "range" not in spec:
        raise _err(path, f"{fkey}.range", "missing key", "range = [lo, hi]", spec)
    rng = spec["range"]
    if not (isinstance(rng, list) and len(rng) == 2):
        raise _err(path, f"{fkey}.range", "wrong type", "a pair [lo, hi]", rng)
    lo = _param_value(path, f"{fkey}.range[0]", key, rng[0])
    hi = _param_value(path, f"{fkey}.range[1]", key, rng[1])
    if not lo < hi:
        raise _err(path, f"{fkey}.range", "empty range", "lo < hi", rng)
    if "levels" in spec:
        n = _int(path, f"{fkey}.levels", spec["levels"], 2, 10_000)
        grid = [lo + (hi - lo) * i / (n - 1) for i in range(n)]
        if integer:
            grid = [round(g) for g in grid]
            if len(set(grid)) != n:
                raise _err(path, f"{fkey}.levels", "too many levels for a whole-number parameter",
                           f"at most {int(hi - lo) + 1} levels", n)  # fmt: skip
        else:
            grid = [round(g, 12) for g in grid]
        return Factor(key, "param", tuple(grid), lo=lo, hi=hi, integer=integer)
    return Factor(key, "param", (), lo=lo, hi=hi, sampled=True, integer=integer)


def _list(path: Path, key: str, value: Any, expected: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise _err(path, key, "wrong type" if not isinstance(value, list) else "empty list",
                   expected, value)  # fmt: skip
    return value


def _build(raw: dict[str, Any], path: Path, text: str) -> Experiment:
    from sim.engines.batch import MONTHLY_VARS

    for key in raw:
        if key not in TOP_KEYS:
            raise unknown_name("top-level key", key, TOP_KEYS, file=path)
    name = _str(path, "name", raw.get("name", path.stem))
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise _err(path, "name", "bad name", "letters, digits, '_', '-', '.' (used as a folder)",
                   name)  # fmt: skip
    description = _str(path, "description", raw.get("description", ""))
    if "base" not in raw:
        raise _err(path, "base", "missing key", 'base = "<scenario name or path>"', "(missing)")
    base_ref = _str(path, "base", raw["base"])
    base = _scenario(path, "base", base_ref)
    if "replications" not in raw:
        raise _err(
            path, "replications", "missing key", "a whole number of runs per point", "(missing)"
        )
    replications = _int(path, "replications", raw["replications"], 1, MAX_REPLICATIONS)
    months = _int(path, "months", raw.get("months", base.months), 1, 600)
    seed = _int(path, "seed", raw.get("seed", 0), 0, 2**63 - 1)

    factors_raw = _table(path, "factors", raw.get("factors", {}))
    factors = tuple(_factor(path, k, v) for k, v in factors_raw.items())
    for f in factors:
        if f.kind == "param" and f.key in SCHEDULABLE:
            scheduled = [
                sc.name for sc in _factor_scenarios(path, base, factors) if sc.schedule(f.key)
            ]
            if scheduled:
                raise _err(
                    path,
                    f"factors.{f.key}",
                    f"'{f.key}' is scheduled in scenario '{scheduled[0]}', so the schedule would "
                    "override the factor's value",
                    "a factor on an input the base scenario does not schedule",
                    f.key,
                )

    sampled = [f for f in factors if f.sampled]
    sampler_raw = raw.get("sampler")
    sampler: dict[str, Any] = {}
    if sampler_raw is not None:
        sampler_raw = _table(path, "sampler", sampler_raw)
        for k in sampler_raw:
            if k not in SAMPLER_KEYS:
                raise unknown_name("sampler key", k, SAMPLER_KEYS, file=path, key=f"sampler.{k}")
        method = _str(path, "sampler.method", sampler_raw.get("method", "latin"))
        if method not in SAMPLERS:
            raise unknown_name("sampler method", method, SAMPLERS, file=path, key="sampler.method")
        if "samples" not in sampler_raw:
            raise _err(
                path, "sampler.samples", "missing key", "samples = <number of points>", "(missing)"
            )
        samples = _int(path, "sampler.samples", sampler_raw["samples"], 1, 1_000_000)
        if method == "sobol" and samples & (samples - 1):
            raise _err(path, "sampler.samples", "not a power of two",
                       "a power of two for a Sobol sequence (e.g. 64, 128, 256)", samples)  # fmt: skip
        s_seed = _int(path, "sampler.seed", sampler_raw.get("seed", seed), 0, 2**32 - 1)
        second = sampler_raw.get("second_order", True)
        if not isinstance(second, bool):
            raise _err(path, "sampler.second_order", "wrong type", "true or false", second)
        sampler = {"method": method, "samples": samples, "seed": s_seed, "second_order": second}
        if not sampled:
            raise _err(path, "sampler", "a sampler without sampled factors",
                       "at least one factor given as { range = [lo, hi] } without 'levels'",
                       sorted(sampler_raw))  # fmt: skip
    elif sampled:
        raise _err(path, f"factors.{sampled[0].key}",
                   "a range without 'levels' needs a [sampler] table",
                   "levels = n (a grid), or a [sampler] table with method and samples",
                   factors_raw[sampled[0].key])  # fmt: skip

    outputs = _table(path, "outputs", raw.get("outputs", {}))
    for k in outputs:
        if k not in OUTPUT_KEYS:
            raise unknown_name("outputs key", k, OUTPUT_KEYS, file=path, key=f"outputs.{k}")
    monthly_vars = _names(path, "outputs.monthly", outputs.get("monthly", "all"), MONTHLY_VARS,
                          "monthly variable")  # fmt: skip
    outcome_names = _summary_keys()
    run_outcomes = _names(path, "outputs.runs", outputs.get("runs", "all"), outcome_names,
                          "run outcome")  # fmt: skip
    run_outcomes = tuple(k for k in outcome_names if k in run_outcomes or k in REQUIRED_OUTCOMES)

    exp = Experiment(
        name=name,
        description=description,
        path=path,
        text=text,
        base_ref=base_ref,
        base=base,
        factors=factors,
        replications=replications,
        months=months,
        seed=seed,
        sampler=sampler,
        monthly_vars=monthly_vars,
        run_outcomes=run_outcomes,
    )
    exp.design = _design(exp)
    if len(exp.design) > 1_000_000:
        raise _err(path, "factors", "too many design points", "at most 1,000,000",
                   len(exp.design))  # fmt: skip
    exp.points = [_point_scenario(exp, row) for row in exp.design]
    return exp


def _factor_scenarios(path: Path, base: Scenario, factors: Sequence[Factor]) -> list[Scenario]:
    for f in factors:
        if f.kind == "scenario":
            return [_scenario(path, "factors.scenario", v) for v in f.values]
    return [base]


def _names(path: Path, key: str, value: Any, valid: Sequence[str], kind: str) -> tuple[str, ...]:
    if value == "all":
        return tuple(valid)
    if not isinstance(value, list):
        raise _err(path, key, "wrong type", f'"all" or a list of {kind} names', value)
    for v in value:
        if not isinstance(v, str) or v not in valid:
            raise unknown_name(kind, str(v), valid, file=path, key=key)
    return tuple(n for n in valid if n in value)


def _summary_keys() -> tuple[str, ...]:
    """Keys of sim.engines.batch.summarise, in order (from a one-run, one-month simulation)."""
    from sim.engines.batch import simulate

    return tuple(simulate(Scenario(), 0, [0], months=1).summary)


def _design(exp: Experiment) -> list[dict[str, Any]]:
    listed = [f for f in exp.factors if not f.sampled]
    sampled = [f for f in exp.factors if f.sampled]
    samples: list[dict[str, Any]] = [{}]
    if sampled:
        samples = _sample(exp, sampled)
    rows = []
    for combo in itertools.product(*(f.values for f in listed)):
        base = dict(zip((f.key for f in listed), combo, strict=True))
        for s in samples:
            row = {**base, **s}
            rows.append({f.key: row[f.key] for f in exp.factors})
    return rows


def _sample(exp: Experiment, sampled: Sequence[Factor]) -> list[dict[str, Any]]:
    import numpy as np

    method, n, seed = exp.sampler["method"], exp.sampler["samples"], exp.sampler["seed"]
    d = len(sampled)
    lo = np.array([f.lo for f in sampled], dtype=float)
    hi = np.array([f.hi for f in sampled], dtype=float)
    if method == "saltelli":
        from SALib.sample import sobol as salib_sobol

        problem = {"num_vars": d, "names": [f.key for f in sampled],
                   "bounds": [[float(a), float(b)] for a, b in zip(lo, hi, strict=True)]}  # fmt: skip
        x = salib_sobol.sample(problem, n, calc_second_order=exp.sampler["second_order"], seed=seed)
    else:
        from scipy.stats import qmc

        if method == "latin":
            u = qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed)).random(n)
        else:
            u = qmc.Sobol(d=d, scramble=True, rng=np.random.default_rng(seed)).random_base2(
                int(math.log2(n))
            )
        x = qmc.scale(u, lo, hi)
    out = []
    for row in np.asarray(x, dtype=float):
        s: dict[str, Any] = {}
        for f, v in zip(sampled, row, strict=True):
            s[f.key] = int(min(max(round(float(v)), f.lo), f.hi)) if f.integer else float(v)
        out.append(s)
    return out


def _point_scenario(exp: Experiment, row: dict[str, Any]) -> Scenario:
    from sim.scenario import check_constraints

    sc = exp.base
    if SCENARIO_FACTOR in row:
        sc = _scenario(exp.path, "factors.scenario", row[SCENARIO_FACTOR])
    params = {k: v for k, v in row.items() if k in PARAM_FIELDS}
    if params:
        sc = sc.with_params(**params)
        check_constraints(exp.path, sc.params, key_prefix="factors: ")
    for key, roles in STRATEGY_FACTORS.items():
        if key in row:
            sc = sc.with_strategies(**{role: row[key] for role in roles})
    return dataclasses.replace(sc, months=exp.months)


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v if isinstance(v, str | int) else float(v)) for k, v in row.items()}


def scenario_from_dict(d: dict[str, Any]) -> Scenario:
    """Inverse of :func:`sim.core.params.scenario_dict` (rebuilds a point's scenario from a manifest)."""
    from sim.core.params import Event, Params

    params = {k: (int(v) if param_info(k)["integer"] else float(v)) for k, v in d["params"].items()}
    return Scenario(
        name=d["name"],
        description=d["description"],
        params=Params(**params),  # type: ignore[arg-type]
        strategies=tuple((k, v) for k, v in d["strategies"].items()),
        schedules=tuple(
            (k, tuple((int(m), float(v)) for m, v in pts)) for k, pts in d["schedules"].items()
        ),
        events=tuple(Event(**e) for e in d["events"]),
        disabled_steps=tuple(d["disabled_steps"]),
        months=int(d["months"]),
        start=d["start"],
    )


# ------------------------------------------------------------------------------------ run_one
def run_one(params: dict[str, Any], seed: int, replication: int = 0) -> dict[str, Any]:
    """Run the model once as a plain Python function (for SALib, EMA Workbench and the like).

    Args:
        params: parameter name -> value (any of ``sim.core.params.PARAM_FIELDS``), plus optionally
            ``"scenario"`` (a scenario name or path; default: built-in defaults), ``"strategy"``
            (both leaders and their successors), ``"rok_strategy"``, ``"jpn_strategy"`` and
            ``"months"``.
        seed: root seed.
        replication: replication index (keys the random numbers together with the seed).

    Returns:
        The run's outcome summary (the keys of ``sim.engines.batch.summarise``) as plain Python values.

    Raises:
        UserError: for an unknown parameter (with the nearest valid name) or an invalid value.
    """
    from sim.engines.batch import simulate
    from sim.scenario import check_constraints, check_param, check_strategy, load_scenario

    where = "run_one(params)"
    p = dict(params)
    sc = Scenario()
    if SCENARIO_FACTOR in p:
        sc = load_scenario(str(p.pop(SCENARIO_FACTOR)))
    months = p.pop("months", None)
    for key, roles in STRATEGY_FACTORS.items():
        if key in p:
            name = check_strategy(where, key, p.pop(key))
            sc = sc.with_strategies(**{role: name for role in roles})
    changes: dict[str, Any] = {}
    for k, v in p.items():
        valid = [*PARAM_FIELDS, *STRATEGY_FACTORS, SCENARIO_FACTOR, "months"]
        if k not in PARAM_FIELDS:
            raise unknown_name("parameter", k, valid, file=where, key=k)
        val = check_param(where, k, k, v)
        changes[k] = int(val) if param_info(k)["integer"] else val
    if changes:
        sc = sc.with_params(**changes)
        check_constraints(where, sc.params, key_prefix="")
    if months is not None:
        sc = dataclasses.replace(sc, months=int(months))
    res = simulate(sc, int(seed), [int(replication)])
    return {k: v[0].item() for k, v in res.summary.items()}


# ------------------------------------------------------------------------------------ execution
#: The model's source: what a result depends on (hashed into every store's provenance).
MODEL_PACKAGES = ("core", "engines")
DEFAULT_CHUNK_SIZE = 5000
STORE_ENTRIES = ("manifest.json", "design.parquet", "monthly.parquet", "runs", "hist",
                 "trajectories")  # fmt: skip


def code_version() -> dict[str, Any]:
    """Package version, a hash of the model's core source files, and the git commit."""
    import subprocess

    here = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for package in MODEL_PACKAGES:
        for path in sorted((here / package).glob("*.py")):
            h.update(f"{package}/{path.name}".encode())
            h.update(path.read_bytes())
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
    return {"package_version": pkg, "model_code_hash": h.hexdigest()[:16],
            "git_commit": commit, "git_dirty": dirty}  # fmt: skip


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


def _now() -> str:
    import datetime as dt

    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _structure(exp: Experiment) -> tuple[list[int], list[tuple[Scenario, tuple[str, ...]]]]:
    """Group design points by scenario structure: (group of each point, [(scenario, numeric
    factor keys)]). Numeric factors then vary per run inside one array-engine call."""
    numeric = tuple(f.key for f in exp.factors if f.kind == "param")
    cache: dict[str, Scenario] = {}
    groups: dict[str, int] = {}
    out: list[tuple[Scenario, tuple[str, ...]]] = []
    of_point = []
    for row in exp.design:
        ref = row.get(SCENARIO_FACTOR)
        if ref is None:
            src = exp.base
        else:
            if ref not in cache:
                cache[ref] = _scenario(exp.path, "factors.scenario", ref)
            src = cache[ref]
        for key, roles in STRATEGY_FACTORS.items():
            if key in row:
                src = src.with_strategies(**{role: row[key] for role in roles})
        src = dataclasses.replace(src, months=exp.months)
        gkey = src.name + ":" + scenario_hash(src)
        if gkey not in groups:
            groups[gkey] = len(out)
            out.append((src, numeric))
        of_point.append(groups[gkey])
    return of_point, out


def _plan_chunks(n_points: int, blocks: list[list[int]], chunk_size: int, first_id: int,
                 first_block: int) -> list[dict[str, Any]]:  # fmt: skip
    chunks = []
    cid = first_id
    for b, (lo, hi) in enumerate(blocks, start=first_block):
        nb = hi - lo
        total = n_points * nb
        for start in range(0, total, chunk_size):
            stop = min(total, start + chunk_size)
            chunks.append({
                "id": cid, "block": b, "start": start, "stop": stop, "runs": stop - start,
                "point_lo": start // nb, "point_hi": (stop - 1) // nb,
                "status": "pending",
            })  # fmt: skip
            cid += 1
    return chunks


def _chunk_runs(manifest: dict[str, Any], c: dict[str, Any]) -> tuple[Any, Any]:
    import numpy as np

    lo, hi = manifest["blocks"][c["block"]]
    nb = hi - lo
    idx = np.arange(c["start"], c["stop"], dtype=np.int64)
    return idx // nb, lo + idx % nb


def _check_store(out: Path, m: dict[str, Any], exp: Experiment, code: dict[str, Any],
                 trajectories: bool) -> str | None:  # fmt: skip
    """Why an existing store cannot be continued by this command, or None."""
    if m.get("experiment", {}).get("design_hash") != exp.design_hash():
        return (f"it was made by another experiment ({m.get('experiment', {}).get('path')}, "
                f"design {m.get('experiment', {}).get('design_hash')}; this one is "
                f"{exp.path}, design {exp.design_hash()})")  # fmt: skip
    old = m.get("code", {})
    for k in ("package_version", "model_code_hash"):
        if old.get(k) != code[k]:
            return f"it was made by another code version ({k} {old.get(k)}, now {code[k]})"
    if bool(m["outputs"].get("trajectories")) != trajectories:
        have = "with" if m["outputs"].get("trajectories") else "without"
        return f"it was made {have} --trajectories"
    return None


def _wipe(out: Path) -> None:
    import shutil

    for name in STORE_ENTRIES:
        p = out / name
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def run_experiment(
    experiment: Experiment | str | Path,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    engine: str = "array",
    chunk_size: int | None = None,
    replications: int | None = None,
    trajectories: bool = False,
    force: bool = False,
    quiet: bool = False,
    echo: Any = None,
) -> Path:
    """Run an experiment into a result store, finishing or extending an existing one.

    Runs only the chunks the store lacks: after a crash (even SIGKILL) the same call finishes
    the missing chunks; a larger ``replications`` adds only the new replications. A store made
    by another experiment or code version is refused unless ``force`` (which starts it afresh).

    Returns:
        The store folder.
    """
    import sys

    from sim.experiments.executors import ChunkTask, PointGroup, make_executor, run_chunk
    from sim.experiments.store import (
        STORE_FORMAT,
        atomic_write_bytes,
        atomic_write_json,
        part_name,
        read_manifest,
        write_monthly,
    )

    exp = experiment if isinstance(experiment, Experiment) else load_experiment(experiment)
    if engine not in ("array", "mesa"):
        raise unknown_name("engine", engine, ("array", "mesa"), key="--engine")
    if chunk_size is not None and chunk_size < 1:
        raise UserError("bad chunk size", key="--chunk-size", expected="1 or more",
                        found=chunk_size)  # fmt: skip
    target_reps = exp.replications if replications is None else int(replications)
    if not 1 <= target_reps <= MAX_REPLICATIONS:
        raise UserError("bad replication count", key="--replications",
                        expected=f"1..{MAX_REPLICATIONS}", found=target_reps)  # fmt: skip
    say = echo or (lambda msg: print(msg, file=sys.stderr))
    store = Path(out) if out is not None else Path("results") / exp.name
    code = code_version()
    manifest: dict[str, Any] | None = None
    if (store / "manifest.json").exists():
        if force:
            _wipe(store)
        else:
            manifest = read_manifest(store)
            why = _check_store(store, manifest, exp, code, trajectories)
            if why:
                raise UserError(
                    f"refusing to add to this result store: {why}",
                    file=store,
                    hint="use --force to discard it and start afresh, or --out for a new folder",
                )
    elif store.exists() and any(store.iterdir()):
        if not force:
            raise UserError(
                "output folder exists and is not a result store",
                file=store,
                expected="an empty or missing folder, or a store made by this experiment",
                found=sorted(p.name for p in store.iterdir())[:5],
                hint="choose another --out, or --force to write into it anyway",
            )
        _wipe(store)
    store.mkdir(parents=True, exist_ok=True)
    for sub in ("runs", "hist", "trajectories"):
        d = store / sub
        if d.is_dir():
            for stray in d.glob(".*.tmp*"):
                stray.unlink()
    session: dict[str, Any] = {"started": _now(), "engine": engine, "argv": sys.argv[1:]}

    if manifest is None:
        from sim.core.params import scenario_dict

        size = chunk_size or DEFAULT_CHUNK_SIZE
        blocks = [[0, target_reps]]
        manifest = {
            "store_format": STORE_FORMAT,
            "experiment_name": exp.name,
            "status": "running",
            "experiment": {
                "path": str(exp.path),
                "sha256": exp.sha256,
                "text": exp.text,
                "design_hash": exp.design_hash(),
                "base": exp.base_ref,
                "description": exp.description,
            },  # fmt: skip
            "code": code,
            "environment": environment(),
            "root_seed": exp.seed,
            "months": exp.months,
            "replications": target_reps,
            "factors": [dataclasses.asdict(f) for f in exp.factors],
            "sampler": exp.sampler,
            "outputs": {
                "monthly": list(exp.monthly_vars),
                "runs": list(exp.run_outcomes),
                "trajectories": trajectories,
            },  # fmt: skip
            "chunk_size": size,
            "blocks": blocks,
            "points": [
                {
                    "point": i,
                    "factors": _jsonable(row),
                    "scenario_hash": scenario_hash(sc),
                    "scenario": scenario_dict(sc),
                }  # fmt: skip
                for i, (row, sc) in enumerate(zip(exp.design, exp.points, strict=True))
            ],
            "chunks": _plan_chunks(len(exp.points), blocks, size, 0, 0),
            "started": session["started"],
            "finished": None,
            "engine": engine,
            "sessions": [],
        }
        _write_design(store, exp, atomic_write_bytes)
    else:
        have = int(manifest["blocks"][-1][1])
        if target_reps < have:
            raise UserError(
                f"the store already has {have} replications per point",
                file=store,
                key="--replications",
                expected=f"at least {have} (extend) ",
                found=target_reps,
                hint="use --force to start afresh with fewer",
            )
        if target_reps > have:
            size = chunk_size or int(manifest["chunk_size"])
            new_blocks = [[have, target_reps]]
            first = len(manifest["blocks"])
            manifest["chunks"] += _plan_chunks(len(exp.points), new_blocks, size,
                                               len(manifest["chunks"]), first)  # fmt: skip
            manifest["blocks"] += new_blocks
            manifest["replications"] = target_reps
            manifest["status"] = "running"
            manifest["experiment"].update({"sha256": exp.sha256, "text": exp.text})
        manifest["engine"] = engine
    manifest["sessions"].append(session)
    atomic_write_json(store / "manifest.json", manifest)

    pending = [c for c in manifest["chunks"] if c["status"] != "done"]
    total_runs = sum(c["runs"] for c in manifest["chunks"])
    done_runs = total_runs - sum(c["runs"] for c in pending)
    of_point, structures = _structure(exp)
    from sim.engines.batch import MONTHLY_VARS

    monthly_index = tuple(MONTHLY_VARS.index(v) for v in exp.monthly_vars)

    def task_for(c: dict[str, Any]) -> ChunkTask:
        import numpy as np

        point, rep = _chunk_runs(manifest, c)
        pts = np.unique(point)
        by_group: dict[int, list[int]] = {}
        for p in pts:
            by_group.setdefault(of_point[int(p)], []).append(int(p))
        groups = tuple(
            PointGroup(structures[g][0], tuple(ps),
                       {k: tuple(exp.design[p][k] for p in ps) for k in structures[g][1]})
            for g, ps in sorted(by_group.items())
        )  # fmt: skip
        fvals = {f.key: {int(p): exp.design[int(p)][f.key] for p in pts} for f in exp.factors}
        return ChunkTask(c["id"], manifest["experiment"]["design_hash"], exp.seed, exp.months,
                         engine, point, rep, groups, fvals, exp.run_outcomes, monthly_index,
                         bool(manifest["outputs"]["trajectories"]))  # fmt: skip

    if pending:
        executor = make_executor(workers, scheduler)
        session["executor"] = executor.name
        session["workers"] = executor.workers
        if not quiet:
            say(f"alignsim batch: {exp.name}: {len(pending)} of {len(manifest['chunks'])} "
                f"chunks to run ({total_runs - done_runs:,} runs) on {executor.workers} "
                f"{executor.name} worker(s), engine {engine}; store {store}")  # fmt: skip
        progress = _Progress(total_runs, done_runs, quiet)
        by_id = {c["id"]: c for c in manifest["chunks"]}
        try:
            from concurrent.futures import FIRST_COMPLETED, wait

            queue = list(pending)
            inflight: dict[Any, dict[str, Any]] = {}
            limit = 2 * executor.workers
            while queue or inflight:
                while queue and len(inflight) < limit:
                    c = queue.pop(0)
                    c["started"] = _now()
                    inflight[executor.submit(run_chunk, task_for(c))] = c
                finished, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                for fut in finished:
                    c = inflight.pop(fut)
                    res = fut.result()
                    c = by_id[res.chunk_id]
                    files = {"runs": part_name("runs", c["id"])}
                    atomic_write_bytes(store / files["runs"], res.runs)
                    if res.hist is not None:
                        files["hist"] = part_name("hist", c["id"])
                        atomic_write_bytes(store / files["hist"], res.hist)
                    if res.trajectories is not None:
                        files["trajectories"] = part_name("trajectories", c["id"])
                        atomic_write_bytes(store / files["trajectories"], res.trajectories)
                    c["files"] = files
                    c.update({"status": "done", "finished": _now(),
                              "seconds": round(res.seconds, 4), "engine": res.engine,
                              "worker": res.worker, "max_rss_mb": round(res.max_rss_mb, 1)})  # fmt: skip
                    atomic_write_json(store / "manifest.json", manifest)
                    progress.advance(c["runs"])
        finally:
            progress.close()
            executor.close()
    write_monthly(store, manifest)
    manifest["status"] = "complete"
    manifest["finished"] = session["finished"] = _now()
    atomic_write_json(store / "manifest.json", manifest)
    return store


def _write_design(store: Path, exp: Experiment, write: Any) -> None:
    import pyarrow as pa

    from sim.experiments.store import table_bytes

    cols: dict[str, Any] = {"point": pa.array(range(len(exp.design)), type=pa.int64())}
    for f in exp.factors:
        cols[f.key] = pa.array([row[f.key] for row in exp.design])
    cols["scenario_name"] = pa.array([sc.name for sc in exp.points])
    cols["scenario_hash"] = pa.array([scenario_hash(sc) for sc in exp.points])
    write(store / "design.parquet", table_bytes(pa.table(cols)))


class _Progress:
    """A rich progress bar (runs done, runs/s, time left) on a terminal; log lines otherwise."""

    def __init__(self, total: int, done: int, quiet: bool) -> None:
        import sys
        import time

        self.total, self.done, self.quiet = total, done, quiet
        self.t0 = time.perf_counter()
        self.start_done = done
        self.bar: Any = None
        self.last_log = -1
        if quiet:
            return
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("[bold]runs"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]} runs/s"),
                TimeElapsedColumn(),
                TextColumn("left"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self.task = self.bar.add_task("runs", total=total, completed=done, rate="-")
            self.bar.start()

    def advance(self, n: int) -> None:
        import sys
        import time

        self.done += n
        dt = time.perf_counter() - self.t0
        rate = (self.done - self.start_done) / dt if dt > 0 else 0.0
        if self.bar is not None:
            self.bar.update(self.task, completed=self.done, rate=f"{rate:,.0f}")
        elif not self.quiet:
            pct = int(100 * self.done / max(self.total, 1)) // 10
            if pct != self.last_log:
                self.last_log = pct
                left = (self.total - self.done) / rate if rate > 0 else float("nan")
                print(f"  {self.done:,}/{self.total:,} runs, {rate:,.0f} runs/s, "
                      f"{left:,.0f} s left", file=sys.stderr, flush=True)  # fmt: skip

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
