"""Experiment files (TOML) -> validated :class:`Experiment` objects with their design points.

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

    [uncertainty]                    # optional; these are the defaults
    parameters = "prior"             # prior | posterior | pinned
    seeds_per_draw = 5               # replication r uses parameter draw r // 5
    pin = []                         # parameters kept at the scenario's values
    # seed = 20220809                # the draws' seed (default: the root seed)

Design points are the factorial product of the listed factors, crossed with the sampled points
(``sim.experiments.design``). Every design point uses the same root seed, so replication r of
every point draws the same random numbers (common random numbers: differences between points are
paired). Each run also draws the parameters the record cannot identify (``sim.core.priors``),
except the experiment's factors and pinned parameters (``sim.experiments.uncertainty``); draw j is
the same at every design point, so those differences stay paired too.

:func:`load_experiment` reads one; ``sim.experiments.driver.run_experiment`` (``alignsim batch``)
runs it into a result store.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.core.params import PARAM_FIELDS, Scenario, param_info
from sim.errors import UserError, unknown_name
from sim.experiments.design import (
    SAMPLERS,
    SCENARIO_FACTOR,
    STRATEGY_FACTORS,
    design_rows,
    grid_levels,
    point_scenario,
)
from sim.experiments.experiment import Experiment, Factor
from sim.experiments.uncertainty import (
    DEFAULT_SEEDS_PER_DRAW,
    MODES,
    Uncertainty,
    constraint_problem,
    resolve,
)
from sim.scenario import load_scenario_ref, scenario_ref_path
from sim.tomlcheck import (
    check_bool,
    check_int,
    check_list,
    check_names,
    check_param,
    check_str,
    check_strategy,
    check_table,
    field_error,
    read_toml,
)

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
    "uncertainty": "Table: parameters (prior|posterior|pinned), seeds_per_draw, pin, seed",
}
SAMPLER_KEYS = ("method", "samples", "seed", "second_order")
OUTPUT_KEYS = ("monthly", "runs")
UNCERTAINTY_KEYS = ("parameters", "seeds_per_draw", "pin", "seed")
RANGE_KEYS = ("range", "levels", "values")
#: summary outcomes always kept (the headline table needs them)
REQUIRED_OUTCOMES = ("inst_month", "collapse_month", "institutionalised", "collapsed")
MAX_REPLICATIONS = 10_000_000
MAX_POINTS = 1_000_000


# ------------------------------------------------------------------------------------- loading
def load_experiment(source: str | Path) -> Experiment:
    """Read and validate an experiment file; resolve its design points.

    ``source`` is a path, or a bare name looked up in ``experiments/``.

    Raises:
        UserError: naming the file, the key, what was expected and what was found.
    """
    path = find_experiment(source)
    text, raw = read_toml(path)
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


# ------------------------------------------------------------------------------------- parsing
def _param_value(path: Path, key: str, name: str, value: Any) -> float | int:
    v = check_param(path, key, name, value)
    return int(v) if param_info(name)["integer"] else v


def _factor(path: Path, key: str, spec: Any) -> Factor:
    fkey = f"factors.{key}"
    if key in STRATEGY_FACTORS:
        values = check_list(path, fkey, spec, "a non-empty list of strategy names")
        names = tuple(check_strategy(path, f"{fkey}[{i}]", v) for i, v in enumerate(values))
        if len(set(names)) != len(names):
            raise field_error(path, fkey, "repeated value", "distinct strategy names", values)
        return Factor(key, "strategy", names)
    if key == SCENARIO_FACTOR:
        values = check_list(path, fkey, spec, "a non-empty list of scenario names or paths")
        seen: dict[Path, int] = {}
        for i, v in enumerate(values):
            load_scenario_ref(path, f"{fkey}[{i}]", v)
            where = scenario_ref_path(path, v).resolve()
            if where in seen:
                raise field_error(path, f"{fkey}[{i}]", "the same scenario twice (by name and "
                                  f"by path, or twice): it is also {fkey}[{seen[where]}], "
                                  f"{values[seen[where]]!r} ({where})",
                                  "distinct scenario files", v)  # fmt: skip
            seen[where] = i
        return Factor(key, "scenario", tuple(values))
    if key not in PARAM_FIELDS:
        choices = [*PARAM_FIELDS, *STRATEGY_FACTORS, SCENARIO_FACTOR]
        raise unknown_name("factor", key, choices, file=path, key=fkey)
    info = param_info(key)
    integer = bool(info["integer"])
    if isinstance(spec, list):
        values = check_list(path, fkey, spec, "a non-empty list of numbers")
        vals = tuple(_param_value(path, f"{fkey}[{i}]", key, v) for i, v in enumerate(values))
        if len(set(vals)) != len(vals):
            raise field_error(path, fkey, "repeated value", "distinct values", list(values))
        return Factor(key, "param", vals, integer=integer)
    if not isinstance(spec, dict):
        raise field_error(
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
            raise field_error(path, fkey, "'values' cannot be combined with 'range' or 'levels'",
                              "either values = [...] or range = [lo, hi]", spec)  # fmt: skip
        return _factor(path, key, spec["values"])
    if "range" not in spec:
        raise field_error(path, f"{fkey}.range", "missing key", "range = [lo, hi]", spec)
    rng = spec["range"]
    if not (isinstance(rng, list) and len(rng) == 2):
        raise field_error(path, f"{fkey}.range", "wrong type", "a pair [lo, hi]", rng)
    lo = _param_value(path, f"{fkey}.range[0]", key, rng[0])
    hi = _param_value(path, f"{fkey}.range[1]", key, rng[1])
    if not lo < hi:
        raise field_error(path, f"{fkey}.range", "empty range", "lo < hi", rng)
    if "levels" in spec:
        n = check_int(path, f"{fkey}.levels", spec["levels"], 2, 10_000)
        grid = grid_levels(lo, hi, n, integer)
        if integer and len(set(grid)) != n:
            raise field_error(path, f"{fkey}.levels", "too many levels for a whole-number parameter",
                              f"at most {int(hi - lo) + 1} levels", n)  # fmt: skip
        if len(set(grid)) != n:
            raise field_error(path, f"{fkey}.levels", "the range is too narrow for this many "
                              "levels: some levels are the same number (rounded to 12 decimals)",
                              "fewer levels or a wider range, so every level is distinct",
                              {"range": rng, "levels": n})  # fmt: skip
        return Factor(key, "param", tuple(grid), lo=lo, hi=hi, integer=integer)
    return Factor(key, "param", (), lo=lo, hi=hi, sampled=True, integer=integer)


def _build(raw: dict[str, Any], path: Path, text: str) -> Experiment:
    from sim.engines.batch import MONTHLY_VARS

    for key in raw:
        if key not in TOP_KEYS:
            raise unknown_name("top-level key", key, TOP_KEYS, file=path)
    name = check_str(path, "name", raw.get("name", path.stem))
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or ".." in name or name.startswith("."):
        raise field_error(path, "name", "bad name", "letters, digits, '_', '-', '.' (used as "
                          "the folder results/<name>: no '..', '/' or leading '.')", name)  # fmt: skip
    description = check_str(path, "description", raw.get("description", ""))
    if "base" not in raw:
        raise field_error(path, "base", "missing key", 'base = "<scenario name or path>"',
                          "(missing)")  # fmt: skip
    base_ref = check_str(path, "base", raw["base"])
    base = load_scenario_ref(path, "base", base_ref)
    if "replications" not in raw:
        raise field_error(
            path, "replications", "missing key", "a whole number of runs per point", "(missing)"
        )
    replications = check_int(path, "replications", raw["replications"], 1, MAX_REPLICATIONS)
    months = check_int(path, "months", raw.get("months", base.months), 1, 600)
    seed = check_int(path, "seed", raw.get("seed", 0), 0, 2**63 - 1)

    factors_raw = check_table(path, "factors", raw.get("factors", {}))
    factors = tuple(_factor(path, k, v) for k, v in factors_raw.items())
    _check_roles(path, factors)
    warnings = _horizon_check(path, base, factors, months)
    for f in factors:
        if f.kind == "param" and f.key in PARAM_FIELDS:  # any parameter may be scheduled
            scheduled = [
                sc.name for sc in _factor_scenarios(path, base, factors) if sc.schedule(f.key)
            ]
            if scheduled:
                raise field_error(
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
        sampler = _sampler(path, check_table(path, "sampler", sampler_raw), seed)
        if not sampled:
            raise field_error(path, "sampler", "a sampler without sampled factors",
                              "at least one factor given as { range = [lo, hi] } without 'levels'",
                              sorted(sampler_raw))  # fmt: skip
    elif sampled:
        raise field_error(path, f"factors.{sampled[0].key}",
                          "a range without 'levels' needs a [sampler] table",
                          "levels = n (a grid), or a [sampler] table with method and samples",
                          factors_raw[sampled[0].key])  # fmt: skip

    outputs = check_table(path, "outputs", raw.get("outputs", {}))
    for k in outputs:
        if k not in OUTPUT_KEYS:
            raise unknown_name("outputs key", k, OUTPUT_KEYS, file=path, key=f"outputs.{k}")
    monthly_vars = check_names(path, "outputs.monthly", outputs.get("monthly", "all"),
                               MONTHLY_VARS, "monthly variable")  # fmt: skip
    outcome_names = _summary_keys()
    run_outcomes = check_names(path, "outputs.runs", outputs.get("runs", "all"), outcome_names,
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
        warnings=warnings,
    )
    exp.design = design_rows(exp)
    if len(exp.design) > MAX_POINTS:
        raise field_error(path, "factors", "too many design points", "at most 1,000,000",
                          len(exp.design))  # fmt: skip
    exp.points = [point_scenario(exp, row) for row in exp.design]
    exp.uncertainty = _uncertainty(path, raw.get("uncertainty", {}), exp)
    return exp


def _uncertainty(path: Path, raw: Any, exp: Experiment) -> Uncertainty:
    """The [uncertainty] table, checked and resolved against the experiment's factors."""
    from sim.core.priors import PRIORS, prior_names

    table = check_table(path, "uncertainty", raw)
    for k in table:
        if k not in UNCERTAINTY_KEYS:
            raise unknown_name("uncertainty key", k, UNCERTAINTY_KEYS, file=path,
                               key=f"uncertainty.{k}")  # fmt: skip
    mode = table.get("parameters", "prior")
    if not isinstance(mode, str) or mode not in MODES:
        raise field_error(path, "uncertainty.parameters", "unknown parameter mode",
                          " | ".join(f'"{m}"' for m in MODES), mode)  # fmt: skip
    spd = check_int(path, "uncertainty.seeds_per_draw",
                    table.get("seeds_per_draw", DEFAULT_SEEDS_PER_DRAW), 1, MAX_REPLICATIONS)  # fmt: skip
    pin_raw = table.get("pin", [])
    if not isinstance(pin_raw, list):
        raise field_error(path, "uncertainty.pin", "wrong type",
                          "a list of parameter names (from sim.core.priors.PRIORS)", pin_raw)  # fmt: skip
    names = prior_names(PRIORS)
    for i, v in enumerate(pin_raw):
        if not isinstance(v, str) or v not in names:
            raise unknown_name("parameter to pin", str(v),
                               names, file=path, key=f"uncertainty.pin[{i}]")  # fmt: skip
    seed = check_int(path, "uncertainty.seed", table.get("seed", exp.seed), 0, 2**63 - 1)
    try:
        u = resolve(mode, spd, tuple(pin_raw), seed, exp.factor_keys)
    except UserError as e:  # the posterior sample: say which experiment asked for it
        raise UserError(f"{e.message} ({e.file})" if e.file else e.message, file=path,
                        key="uncertainty.parameters", expected=e.expected or "a readable "
                        "accepted sample", found=mode, hint=e.hint) from None  # fmt: skip
    for sc, row in zip(exp.points, exp.design, strict=True):
        problem = constraint_problem(u, sc)
        if problem is not None:
            key, expected = problem
            raise field_error(path, "uncertainty", f"drawing '{key}' could contradict the design "
                              f"point {jsonable(row)}", expected + f"; pin '{key}' or narrow the "
                              "factor", key)  # fmt: skip
    return u


def check_replications(exp: Experiment, replications: int, key: str = "replications") -> None:
    """Raise a UserError when the runs draw parameters and ``replications`` is not a multiple
    of the seeds per draw (checked when a batch starts, after ``--pin-parameters``).

    Args:
        key: where the count came from: the file's ``replications`` or ``--replications``.
    """
    spd = exp.uncertainty.seeds_per_draw
    if not exp.uncertainty.drawn or replications % spd == 0:
        return
    near = max(spd, replications - replications % spd)
    raise UserError(
        f"replications are not a multiple of uncertainty.seeds_per_draw ({spd}): replication r "
        f"uses parameter draw r // {spd}, so every draw needs {spd} replications",
        file=exp.path,
        key=key,
        expected=f"a multiple of {spd} (e.g. {near}), another seeds_per_draw, or "
        'parameters = "pinned" (--pin-parameters)',
        found=replications,
    )


def jsonable(row: dict[str, Any]) -> str:
    """A design point's factor values as short text, for messages."""
    return "{" + ", ".join(f"{k} = {v}" for k, v in row.items()) + "}" if row else "(the base)"


def _sampler(path: Path, table: dict[str, Any], seed: int) -> dict[str, Any]:
    """The [sampler] table, checked: method, samples, seed (default: the root seed), second_order."""
    for k in table:
        if k not in SAMPLER_KEYS:
            raise unknown_name("sampler key", k, SAMPLER_KEYS, file=path, key=f"sampler.{k}")
    method = check_str(path, "sampler.method", table.get("method", "latin"))
    if method not in SAMPLERS:
        raise unknown_name("sampler method", method, SAMPLERS, file=path, key="sampler.method")
    if "samples" not in table:
        raise field_error(
            path, "sampler.samples", "missing key", "samples = <number of points>", "(missing)"
        )
    samples = check_int(path, "sampler.samples", table["samples"], 1, 1_000_000)
    if method == "sobol" and samples & (samples - 1):
        raise field_error(path, "sampler.samples", "not a power of two",
                          "a power of two for a Sobol sequence (e.g. 64, 128, 256)", samples)  # fmt: skip
    s_seed = check_int(path, "sampler.seed", table.get("seed", seed), 0, 2**32 - 1)
    second = check_bool(path, "sampler.second_order", table.get("second_order", True))
    return {"method": method, "samples": samples, "seed": s_seed, "second_order": second}


def _check_roles(path: Path, factors: Sequence[Factor]) -> None:
    """Two strategy factors may not set the same leader's strategy (``strategy`` sets all four
    roles, so it excludes ``rok_strategy`` and ``jpn_strategy``)."""
    owner: dict[str, str] = {}
    for f in factors:
        for role in STRATEGY_FACTORS.get(f.key, ()):
            if role in owner:
                raise field_error(path, f"factors.{f.key}", f"'{f.key}' and '{owner[role]}' "
                                  f"both set the {role} strategy: one would silently override "
                                  "the other", f"either '{owner[role]}' or '{f.key}', not both",
                                  list(f.values))  # fmt: skip
            owner[role] = f.key


def _horizon_check(path: Path, base: Scenario, factors: Sequence[Factor],
                   months: int) -> tuple[str, ...]:  # fmt: skip
    """Warnings for events and schedule points of the base (or factor) scenarios after the
    experiment's horizon: they never happen in its runs. Not an error (a shorter horizon on a
    longer scenario is a legitimate question), but never silent: a batch prints each warning
    and records it in its manifest."""
    out = []
    for sc in _factor_scenarios(path, base, factors):
        late = [(e.month, f"event '{e.kind}'" + (f" ({e.label})" if e.label else ""))
                for e in sc.events if e.month > months]  # fmt: skip
        late += [(m, f"schedule point of '{k}'") for k, pts in sc.schedules for m, _ in pts
                 if m > months]  # fmt: skip
        for month, what in sorted(late):
            out.append(f"{path}: scenario '{sc.name}' has a {what} at month {month}, after the "
                       f"experiment's horizon of {months} months: it never happens in these runs")  # fmt: skip
    return tuple(out)


def _factor_scenarios(path: Path, base: Scenario, factors: Sequence[Factor]) -> list[Scenario]:
    for f in factors:
        if f.kind == "scenario":
            return [load_scenario_ref(path, "factors.scenario", v) for v in f.values]
    return [base]


def _summary_keys() -> tuple[str, ...]:
    """Keys of a run's summary, in order (declared in sim.core.outputs)."""
    from sim.core.outputs import SUMMARY_VARS

    return SUMMARY_VARS
