"""The audit: what each finding's verdict rests on, one change at a time.

For an experiment, the audit re-runs the experiment's design once per *variant* and evaluates
every declared finding (:mod:`sim.results.findings`) on each:

- ``baseline``: every parameter at the base scenario's value (and the design's factors);
- one variant per mechanism (:data:`sim.core.mechanisms.MECHANISMS`) at its neutral setting:
  the model without that idea;
- two per parameter the record cannot identify (:data:`sim.core.priors.PRIORS`): at the low and
  the high end of its prior;
- two per calibrated parameter (the columns of the calibration's accepted sample,
  ``data/calibration/posterior.csv``): at the 5% and the 95% point of the posterior.

Every other parameter stays pinned at the base scenario's value. The audit asks what each
verdict rests on, one change at a time, so nothing else may move: with parameters drawn, a
variant's verdict would mix its own change with the spread of forty others. The price is that
the audit's baseline is the model at one parameter vector, not the ensemble the README reports,
and that it says nothing about changes in combination; both are said wherever the audit is
reported.

A variant's status for a finding compares its evaluation with the baseline's:

- **holds**: the same verdict (the effect's 95% interval on the same side of the finding's null,
  or containing it in both);
- **flips**: the verdict reverses (supported <-> contradicted);
- **vanishes**: the baseline's verdict was decisive and the variant's interval contains the
  null;
- **appears**: the baseline's interval contained the null and the variant's does not;
- **n/a**: the finding cannot be evaluated in the variant or in the baseline.

Each variant runs as a batch of its own (``sim.experiments.driver.run_experiment``) into
``OUT/variants/<name>/``, a result store: an interrupted audit resumes inside a variant, and a
variant whose store is complete is not run again (unless ``force``). A variant is the
experiment with its changes added as one-level factors, so they reach every design point
whatever scenario it runs, and the runs table records them. A variant whose change the
experiment already varies as a factor, or that would break a constraint between parameters, is
not run and says why; one whose values every design point already has is the baseline and is
not run either; two variants with the same changes share one store.

Outputs (:func:`write_outputs`): ``OUT/audit.csv`` (one row per variant and finding),
``OUT/audit.json`` (the settings, the variants, every evaluation, the statuses and one sentence
per finding), ``OUT/audit.png`` (findings x variants, coloured by status) and, when asked, a
generated Markdown document (docs/AUDIT.md for the main experiment).
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.mechanisms import MECHANISMS, Mechanism
from sim.core.params import PARAM_FIELDS, SCHEDULABLE, param_info
from sim.core.priors import PRIORS, Prior
from sim.errors import UserError
from sim.results import findings as F
from sim.results.windows import Windows, resolve_windows

#: Replications a design point of each variant runs, unless told otherwise.
REPLICATIONS = 100
#: Quantiles of the posterior the calibrated parameters are set to.
POSTERIOR_QUANTILES = (0.05, 0.95)
#: The statuses of a finding under a variant, in the order of tables and legends.
HOLDS, FLIPS, VANISHES, APPEARS, NA = "holds", "flips", "vanishes", "appears", "n/a"
STATUSES = (HOLDS, FLIPS, VANISHES, APPEARS, NA)
#: The colours of the statuses in the figure.
STATUS_COLOURS = {HOLDS: "#4d9a5b", FLIPS: "#c0392b", VANISHES: "#f0b43c", APPEARS: "#3f7fbf",
                  NA: "#d0d0d0"}  # fmt: skip
#: Variant kinds, in the order they are run and shown.
KINDS = ("baseline", "mechanism", "prior_low", "prior_high", "posterior_q05", "posterior_q95")
#: The runs-table columns the findings read (kept in each variant's store when the experiment
#: keeps them).
OUTCOMES = ("inst_month", "collapse_month", "institutionalised", "collapsed",
            "final_alignment_ROK", "final_approval_ROK", "first_mover", "hostile_successor_ROK",
            "turnover_month_ROK", "turnover_month_JPN", "leaders_ROK")  # fmt: skip
#: Exceptions a status sentence names before it refers to the full table.
SENTENCE_LIMIT = 8


# ------------------------------------------------------------------------------------ variants
@dataclass(frozen=True)
class Variant:
    """One change to the base scenario's parameters.

    Attributes:
        name: a file-safe identifier (``baseline``, ``mechanism-us_backlash``,
            ``prior_low-lock_in``, ``posterior_q95-concession_cost_scale``).
        kind: one of :data:`KINDS`.
        label: the change in words ("without us_backlash", "lock_in = 0.2 (prior low end)").
        changes: parameter -> value.
    """

    name: str
    kind: str
    label: str
    changes: tuple[tuple[str, float], ...] = ()

    def record(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "label": self.label,
                "changes": dict(self.changes)}  # fmt: skip


def _value(name: str, v: float) -> float:
    """A parameter value as its declaration wants it (whole numbers for integer parameters)."""
    return int(round(v)) if param_info(name)["integer"] else float(v)


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def variants(
    mechanisms: Sequence[Mechanism] = MECHANISMS,
    priors: Sequence[Prior] = PRIORS,
    posterior: Mapping[str, Sequence[float]] | None = None,
    quantiles: tuple[float, float] = POSTERIOR_QUANTILES,
) -> list[Variant]:
    """The audit's variants: the baseline, each mechanism at its neutral setting, each prior's
    parameter at the ends of its prior, and each parameter of the accepted ``posterior`` sample
    (name -> values) at its ``quantiles``."""
    out = [Variant("baseline", "baseline", "the base scenario's values")]
    for m in mechanisms:
        out.append(Variant(f"mechanism-{m.name}", "mechanism", f"without {m.name}",
                           tuple((k, _value(k, v)) for k, v in m.neutral)))  # fmt: skip
    for p in priors:
        for kind, v, end in (("prior_low", p.lo, "low"), ("prior_high", p.hi, "high")):
            value = _value(p.name, v)
            out.append(Variant(f"{kind}-{p.name}", kind,
                               f"{p.name} = {_fmt(value)} (prior {end} end)",
                               ((p.name, value),)))  # fmt: skip
    for name, values in (posterior or {}).items():
        x = np.asarray(values, dtype=float)
        for kind, q in zip(("posterior_q05", "posterior_q95"), quantiles, strict=True):
            value = _value(name, float(np.quantile(x, q)))
            out.append(Variant(f"{kind}-{name}", kind,
                               f"{name} = {_fmt(value)} (posterior {100 * q:g}%)",
                               ((name, value),)))  # fmt: skip
    return out


def select(all_variants: Sequence[Variant], only: Sequence[str] | None) -> list[Variant]:
    """The variants named in ``only`` (names or kinds; the baseline always), or all of them.

    Raises:
        UserError: an unknown name (``--only``), with the closest known one.
    """
    if not only:
        return list(all_variants)
    from sim.errors import unknown_name

    names = {v.name for v in all_variants}
    for o in only:
        if o not in names and o not in KINDS:
            raise unknown_name("audit variant", o, [*KINDS, *sorted(names)], key="--only")
    return [v for v in all_variants if v.kind == "baseline" or v.name in only or v.kind in only]


# ------------------------------------------------------------------------ variant experiments
def variant_experiment(exp: Any, variant: Variant, replications: int) -> Any:
    """The experiment ``exp`` re-run for ``variant``: parameters pinned (nothing drawn), the
    variant's changes added as one-level factors (so they reach every design point, whatever
    scenario it runs), no monthly aggregates, the runs table's columns the findings read, and
    ``replications`` per point.

    Raises:
        UserError: the change breaks a constraint between parameters at some design point.
    """
    from sim.experiments.design import design_rows, point_scenario
    from sim.experiments.experiment import Factor
    from sim.experiments.spec import REQUIRED_OUTCOMES
    from sim.experiments.uncertainty import pinned

    extra = tuple(Factor(k, "param", (v,), integer=bool(param_info(k)["integer"]))
                  for k, v in variant.changes)  # fmt: skip
    keep = set(exp.run_outcomes) & set(OUTCOMES) | set(REQUIRED_OUTCOMES)
    out = dataclasses.replace(
        exp,
        name=f"{exp.name}-audit-{variant.name}",
        factors=tuple(exp.factors) + extra,
        replications=int(replications),
        monthly_vars=(),
        run_outcomes=tuple(k for k in exp.run_outcomes if k in keep),
        uncertainty=pinned(exp.uncertainty),
        design=[],
        points=[],
    )
    out.design = design_rows(out)
    out.points = [point_scenario(out, row) for row in out.design]
    return out


def why_not_run(exp: Any, variant: Variant) -> str | None:
    """Why ``variant`` cannot be run for ``exp`` (its change is a factor of the experiment, or
    an input the scenario schedules), or None."""
    factors = set(exp.factor_keys)
    for k, _ in variant.changes:
        if k in factors:
            return f"the experiment varies {k} as a factor"
        if k in SCHEDULABLE:
            return f"{k} is a scheduled input, not a parameter the audit sets"
        if k not in PARAM_FIELDS:
            return f"{k} is not a declared parameter"
    return None


def effective_changes(exp: Any, variant: Variant) -> tuple[tuple[str, float], ...]:
    """The variant's changes that differ from the value at some design point (the rest change
    nothing)."""
    return tuple((k, v) for k, v in variant.changes
                 if any(getattr(sc.params, k) != v for sc in exp.points))  # fmt: skip


def store_complete(store: Path, exp: Any) -> bool:
    """True when ``store`` is a finished store of ``exp`` made by this model code (so the
    variant need not run again)."""
    from sim.experiments.provenance import code_version
    from sim.experiments.store import read_manifest

    if not (store / "manifest.json").is_file():
        return False
    try:
        m = read_manifest(store)
    except UserError:
        return False
    code = code_version()
    return (m.get("status") == "complete"
            and m.get("experiment", {}).get("design_hash") == exp.design_hash()
            and int(m.get("replications", -1)) == exp.replications
            and all(m.get("code", {}).get(k) == code[k]
                    for k in ("package_version", "model_code_hash")))  # fmt: skip


# -------------------------------------------------------------------------------- statuses
def status(base: F.Evaluation, variant: F.Evaluation) -> str:
    """A variant's status for a finding, against the baseline's evaluation (module docstring)."""
    if not (base.evaluable and variant.evaluable):
        return NA
    if base.verdict == variant.verdict:
        return HOLDS
    if base.decisive and variant.decisive:
        return FLIPS
    if base.decisive:
        return VANISHES
    return APPEARS


@dataclass
class VariantResult:
    """What became of one variant: ``state`` is ``ran``, ``done before`` (a complete store was
    found), ``same as NAME`` (it shares another variant's store), ``baseline values`` or
    ``not run`` (``reason`` says why)."""

    variant: Variant
    state: str
    reason: str = ""
    seconds: float = 0.0
    runs: int = 0
    #: compute time of the variant's chunks (summed over them, from its store's manifest)
    compute_seconds: float = 0.0
    evaluations: dict[str, F.Evaluation] = dataclasses.field(default_factory=dict)

    @property
    def evaluated(self) -> bool:
        return bool(self.evaluations)


def statuses(results: Sequence[VariantResult]) -> dict[str, dict[str, str]]:
    """finding -> variant name -> status, for the evaluated variants (the baseline first)."""
    base = next(r for r in results if r.variant.kind == "baseline")
    out: dict[str, dict[str, str]] = {}
    for f in F.FINDINGS:
        out[f.name] = {r.variant.name: status(base.evaluations[f.name], r.evaluations[f.name])
                       for r in results if r.evaluated}  # fmt: skip
    return out


# --------------------------------------------------------------------------------- running
def run_audit(
    exp: Any,
    out: Path,
    *,
    replications: int = REPLICATIONS,
    windows: Windows | None = None,
    chosen: Sequence[Variant] | None = None,
    workers: int | None = None,
    force: bool = False,
    say: Callable[[str], None] | None = None,
    progress: Any = None,
) -> list[VariantResult]:
    """Run and evaluate every variant of ``chosen`` (default: all, :func:`variants` with the
    calibration's posterior) for the experiment ``exp`` into ``out/variants/``; returns one
    result per variant, the baseline first.

    A variant whose store is complete is evaluated from it without running (unless ``force``).
    Progress goes to ``say`` (one line per variant) and, when given, to ``progress`` (a
    :class:`sim.experiments.progress.Progress` over the variants: one unit per variant).
    """
    from sim.experiments.driver import run_experiment
    from sim.experiments.executors import PoolExecutor
    from sim.experiments.store import load

    if replications < 1:
        raise UserError("bad replication count", key="--replications", expected="1 or more",
                        found=replications)  # fmt: skip
    say = say or (lambda _msg: None)
    chosen = list(chosen) if chosen is not None else variants(posterior=posterior_sample())
    if not any(v.kind == "baseline" for v in chosen):
        chosen = [variants([], [], None)[0], *chosen]
    win = windows or resolve_windows(None, None, exp.months)
    root = out / "variants"
    n_runs = len(exp.design) * replications
    chunk = max(100, math.ceil(n_runs / (2 * max(1, workers or 1))))
    pool = PoolExecutor(workers) if workers and workers > 1 else None
    results: list[VariantResult] = []
    by_key: dict[tuple[tuple[str, float], ...], VariantResult] = {}
    started = time.monotonic()
    ran = 0
    try:
        for i, v in enumerate(chosen, 1):
            try:
                tag = f"audit: [{i}/{len(chosen)}] {v.name}"
                why = why_not_run(exp, v)
                if why:
                    results.append(VariantResult(v, "not run", why))
                    say(f"{tag}: not run ({why})")
                    continue
                key = effective_changes(exp, v)
                if v.kind != "baseline" and not key:
                    results.append(VariantResult(v, "baseline values", "every design point already "
                                                 "has this value: the same runs as the baseline"))  # fmt: skip
                    say(f"{tag}: the base scenario's values already; not run")
                    continue
                if key in by_key:
                    twin = by_key[key]
                    results.append(VariantResult(v, f"same as {twin.variant.name}",
                                                 f"the same changes as {twin.variant.name}"))  # fmt: skip
                    say(f"{tag}: the same runs as {twin.variant.name}")
                    continue
                try:
                    vexp = variant_experiment(exp, v, replications)
                except UserError as e:
                    results.append(VariantResult(v, "not run", e.message))
                    say(f"{tag}: not run ({e.message})")
                    continue
                store = root / v.name
                t0 = time.monotonic()
                if not force and store_complete(store, vexp):
                    state = "done before"
                else:
                    fresh = force or not store_complete_or_resumable(store, vexp)
                    run_experiment(vexp, store, workers=1 if pool is None else None, executor=pool,
                                   chunk_size=chunk, force=fresh, quiet=True)  # fmt: skip
                    state = "ran"
                    ran += 1
                st = load(store)
                evs = F.evaluate_all(st.runs, win)
                secs = time.monotonic() - t0
                compute = sum(float(c.get("seconds") or 0.0) for c in st.manifest["chunks"])
                r = VariantResult(v, state, "", secs if state == "ran" else 0.0, len(st.runs),
                                  compute_seconds=compute, evaluations=evs)  # fmt: skip
                results.append(r)
                by_key[key] = r
                eta = ""
                left = len(chosen) - i
                if ran and left:
                    per = (time.monotonic() - started) / i
                    eta = f"; about {per * left / 60:.1f} min left"
                say(f"{tag}: {len(st.runs):,} runs, {state}"
                    + (f" in {secs:.1f} s" if state == "ran" else "") + eta)  # fmt: skip
            finally:
                if progress is not None:
                    progress.advance(1)
    finally:
        if pool is not None:
            pool.close()
    return results


def store_complete_or_resumable(store: Path, exp: Any) -> bool:
    """True when ``store`` holds a store of ``exp`` by this model code that a batch can finish
    or extend (so it need not start afresh)."""
    from sim.experiments.provenance import code_version
    from sim.experiments.store import read_manifest

    if not (store / "manifest.json").is_file():
        return not store.exists() or not any(store.iterdir())
    try:
        m = read_manifest(store)
    except UserError:
        return False
    code = code_version()
    return (m.get("experiment", {}).get("design_hash") == exp.design_hash()
            and int(m.get("replications", 0)) <= exp.replications
            and all(m.get("code", {}).get(k) == code[k]
                    for k in ("package_version", "model_code_hash")))  # fmt: skip


def posterior_sample(path: Path | None = None) -> dict[str, Sequence[float]]:
    """The calibrated parameters' accepted sample (name -> values), or {} when there is none."""
    from sim.experiments.uncertainty import POSTERIOR_SAMPLE, read_posterior

    try:
        cols, _ = read_posterior(path or POSTERIOR_SAMPLE)
    except UserError:
        return {}
    return {k: v.tolist() for k, v in cols.items()}


# ---------------------------------------------------------------------------------- outputs
def table(results: Sequence[VariantResult]) -> pd.DataFrame:
    """One row per variant and finding: the variant (name, kind, label, changes, state), the
    finding, its effect with the 95% interval, the verdict, the runs, the status against the
    baseline and the reason when it cannot be evaluated or was not run."""
    st = statuses(results)
    rows = []
    for r in results:
        for f in F.FINDINGS:
            e = r.evaluations.get(f.name)
            rows.append({
                "variant": r.variant.name, "kind": r.variant.kind, "label": r.variant.label,
                "changes": json.dumps(dict(r.variant.changes)), "state": r.state,
                "finding": f.name,
                "effect": e.effect if e else math.nan, "lo": e.lo if e else math.nan,
                "hi": e.hi if e else math.nan, "verdict": e.verdict if e else "",
                "n": e.n if e else 0,
                "status": st[f.name].get(r.variant.name, "") if r.evaluated else "",
                "reason": (e.reason if e else r.reason),
            })  # fmt: skip
    return pd.DataFrame(rows)


def _exceptions(results: Sequence[VariantResult], name: str,
                st: Mapping[str, str]) -> dict[str, list[VariantResult]]:  # fmt: skip
    """The evaluated variants whose status for finding ``name`` is not *holds*, by status."""
    out: dict[str, list[VariantResult]] = {s: [] for s in STATUSES if s != HOLDS}
    for r in results:
        s = st.get(r.variant.name)
        if r.evaluated and s and s != HOLDS and r.variant.kind != "baseline":
            out[s].append(r)
    return out


def sentence(
    name: str,
    results: Sequence[VariantResult],
    replications: int,
    reported: F.Evaluation | None = None,
    limit: int = SENTENCE_LIMIT,
) -> str:
    """The audit's status of one finding in words: the verdict at the base scenario's values
    (and whether it agrees with the ``reported`` one, from the drawn ensemble), then "it holds
    under every switch except ...", naming at most ``limit`` exceptions (the variant's change
    and, for a changed verdict, the new one)."""
    st = statuses(results)[name]
    base = next(r for r in results if r.variant.kind == "baseline").evaluations[name]
    switches = sum(1 for r in results if r.evaluated and r.variant.kind != "baseline")
    if not base.evaluable:
        return (f"Audit: cannot be evaluated at the base scenario's parameter values either "
                f"({base.reason}).")  # fmt: skip
    agree = ""
    if reported is not None:
        if not reported.evaluable:
            agree = ", where the ensemble over drawn parameters cannot evaluate it"
        elif reported.verdict == base.verdict:
            agree = ", as in the ensemble over drawn parameters"
        else:
            agree = f", unlike the ensemble over drawn parameters ({reported.verdict})"
    text = (f"Audit ({replications} replications a design point): at the base scenario's "
            f"parameter values it is {base.verdict}{agree}; ")  # fmt: skip
    ex = _exceptions(results, name, st)
    n_ex = sum(len(v) for v in ex.values())
    if not n_ex:
        return text + f"it holds under every one of the {switches} one-at-a-time switches."
    parts = []
    shown = 0
    for s in (FLIPS, VANISHES, APPEARS, NA):
        items = []
        for r in ex[s]:
            if shown >= limit:
                break
            e = r.evaluations[name]
            new = f" ({e.verdict})" if s == APPEARS else ""
            phrase = r.variant.label
            if not phrase.startswith("without "):
                phrase = "with " + phrase
            items.append(phrase + new)
            shown += 1
        if items:
            verb = {FLIPS: "it flips", VANISHES: "it vanishes", APPEARS: "it becomes decisive",
                    NA: "it cannot be evaluated"}[s]  # fmt: skip
            parts.append(f"{verb} {_join(items)}")
    more = f"; and {n_ex - shown} more (the audit's table)" if n_ex > shown else ""
    return (text + f"it holds under {switches - n_ex} of the {switches} one-at-a-time switches; "
            + "; ".join(parts) + more + ".")  # fmt: skip


def _label(r: VariantResult, results: Sequence[VariantResult]) -> str:
    """A variant's label, with the kinds of the variants that share its runs (short, for the
    figure)."""
    twins = [t.variant.kind.replace("_", " ").replace("q0", "").replace("q9", "9")
             for t in results if t.state == f"same as {r.variant.name}"]  # fmt: skip
    return r.variant.label + "".join(f" (= {t})" for t in twins)


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def status_sentences(record: Mapping[str, Any]) -> dict[str, str]:
    """finding -> the audit's status sentence, from an ``audit.json`` record."""
    return dict(record.get("sentences", {}))


def why_stale(record: Mapping[str, Any], store: Any, windows: Windows) -> str | None:
    """Why an audit record does not belong to a result store's experiment, model code and
    windows (so its sentences must not be attached to the store's findings), or None."""
    m = store.manifest
    if record.get("design_hash") != (m.get("experiment") or {}).get("design_hash"):
        return "it audits another experiment"
    code = (m.get("code") or {}).get("model_code_hash")
    if (record.get("code") or {}).get("model_code_hash") != code:
        return "it was made by another version of the model code"
    w = record.get("windows") or {}
    if (w.get("window"), w.get("followup")) != (windows.window, windows.followup):
        return (f"it counts over W = {w.get('window')}, F = {w.get('followup')} months, not "
                f"{windows.window} and {windows.followup}")  # fmt: skip
    return None


def store_notes(store: Any, windows: Windows, folder: str = "audit") -> tuple[dict[str, str], str]:
    """The audit's status sentences for a store's findings (finding -> sentence), from
    ``STORE/audit/audit.json`` when it belongs to the store (:func:`why_stale`); otherwise no
    sentences and the reason."""
    path = Path(getattr(store, "path", "")) / folder
    if not (path / "audit.json").is_file():
        return {}, f"no audit in {path} (run `alignsim audit EXPERIMENT`)"
    try:
        record = load_record(path)
    except UserError as e:
        return {}, e.message
    why = why_stale(record, store, windows)
    if why:
        return {}, f"the audit in {path} is out of date: {why}"
    return status_sentences(record), ""


def audit_record(
    exp: Any,
    results: Sequence[VariantResult],
    replications: int,
    windows: Windows,
    reported: Mapping[str, F.Evaluation] | None = None,
    wall_seconds: float | None = None,
) -> dict[str, Any]:
    """Everything the audit found, as JSON: the settings, the findings (declared), the variants
    with their state, every evaluation, the statuses and one sentence per finding."""
    from sim.experiments.provenance import code_version

    reported = reported or {}
    st = statuses(results)
    return {
        "experiment": exp.name,
        "experiment_path": str(exp.path),
        "design_hash": exp.design_hash(),
        "design_points": len(exp.design),
        "root_seed": exp.seed,
        "code": code_version(),
        "replications": replications,
        "windows": {"window": windows.window, "followup": windows.followup,
                    "horizon": windows.horizon},
        "parameters": "pinned at the base scenario's values, except the variant's change",
        "findings": [{"name": f.name, "label": f.label, "statement": f.statement,
                      "outcome": f.outcome, "contrast": f.contrast, "needs": f.needs(),
                      "window": f.window, "kind": f.kind, "null": f.null,
                      "direction": f.direction} for f in F.FINDINGS],
        "variants": [{**r.variant.record(), "state": r.state, "reason": r.reason,
                      "seconds": round(r.seconds, 2), "runs": r.runs,
                      "compute_seconds": round(r.compute_seconds, 2)} for r in results],
        "evaluations": {r.variant.name: {k: e.record() for k, e in r.evaluations.items()}
                        for r in results if r.evaluated},
        "reported": {k: e.record() for k, e in reported.items()},
        "statuses": st,
        "sentences": {f.name: sentence(f.name, results, replications, reported.get(f.name))
                      for f in F.FINDINGS},
        "runs": int(sum(r.runs for r in results if r.state == "ran")),
        "runs_all": int(sum(r.runs for r in results if r.evaluated)),
        "compute_seconds": round(sum(r.compute_seconds for r in results if r.evaluated), 1),
        "wall_seconds": None if wall_seconds is None else round(wall_seconds, 1),
    }  # fmt: skip


def figure(results: Sequence[VariantResult], stamp: str = "") -> Any:
    """The findings x variants matrix, one cell a status (:data:`STATUS_COLOURS`); variants
    not run are left out. Returns a matplotlib Figure."""
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    st = statuses(results)
    shown = [r for r in results if r.evaluated]
    codes = {s: i for i, s in enumerate(STATUSES)}
    grid = np.array([[codes[st[f.name][r.variant.name]] for f in F.FINDINGS] for r in shown])
    top, bottom, row = 0.75, 1.35, 0.13  # inches: title; column labels, legend, stamp; a row
    height = top + bottom + row * len(shown)
    fig = Figure(figsize=(7.5, height))
    ax = fig.add_axes((0.42, bottom / height, 0.55, row * len(shown) / height))
    cmap = ListedColormap([STATUS_COLOURS[s] for s in STATUSES])
    ax.imshow(grid, aspect="auto", cmap=cmap, vmin=-0.5, vmax=len(STATUSES) - 0.5,
              interpolation="nearest")  # fmt: skip
    ax.set_xticks(range(len(F.FINDINGS)), [f.name for f in F.FINDINGS], fontsize=7,
                  rotation=30, ha="right")  # fmt: skip
    labels = [("baseline: " if r.variant.kind == "baseline" else "") + _label(r, results)
              for r in shown]  # fmt: skip
    ax.set_yticks(range(len(shown)), labels, fontsize=5.5)
    ax.set_xticks(np.arange(-0.5, len(F.FINDINGS)), minor=True)
    ax.set_yticks(np.arange(-0.5, len(shown)), minor=True)
    ax.grid(which="minor", color="white", linewidth=0.6)
    ax.tick_params(which="minor", length=0)
    ax.set_gid("audit_matrix")
    handles = [Patch(facecolor=STATUS_COLOURS[s], label=s) for s in STATUSES]
    fig.legend(handles=handles, loc="lower center", ncol=len(STATUSES), fontsize=7,
               frameon=False, bbox_to_anchor=(0.5, 0.25 / height))  # fmt: skip
    fig.suptitle("What each verdict rests on: each finding's status when one mechanism is "
                 "switched off\nor one parameter is set to an end of its prior or posterior "
                 "(against the baseline, first row)", fontsize=8,
                 y=1 - 0.15 / height, va="top")  # fmt: skip
    if stamp:
        fig.text(0.99, 0.05 / height, stamp, fontsize=5.5, ha="right", va="bottom", color="#666")
    return fig


def write_outputs(record: Mapping[str, Any], results: Sequence[VariantResult], out: Path,
                  stamp: str = "") -> list[Path]:  # fmt: skip
    """Write ``out/audit.csv``, ``out/audit.json`` and ``out/audit.png``; returns the paths."""
    from sim.experiments.store import atomic_write_bytes, atomic_write_json

    out.mkdir(parents=True, exist_ok=True)
    csv = out / "audit.csv"
    atomic_write_bytes(csv, table(results).to_csv(index=False).encode())
    js = out / "audit.json"
    atomic_write_json(js, record)
    png = out / "audit.png"
    save_png(figure(results, stamp), png)
    return [csv, js, png]


def save_png(fig: Any, path: Path) -> None:
    """Write a figure as PNG without metadata that changes from run to run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", dpi=130, metadata={"Software": None})


def load_record(out: Path) -> dict[str, Any]:
    """The ``audit.json`` in ``out``.

    Raises:
        UserError: there is none, or it cannot be read.
    """
    path = out / "audit.json"
    try:
        record: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        raise UserError("no audit found", file=path, expected="the audit.json `alignsim audit` "
                        "writes", hint="run `alignsim audit EXPERIMENT` first") from None  # fmt: skip
    except (OSError, ValueError) as e:
        raise UserError(f"cannot read the audit ({e})", file=path) from None
    return record


# --------------------------------------------------------------------------------- document
METHOD = """\
The README's findings come from the model's mechanics and from the values of parameters the
2022-23 record cannot identify. This document says, for each finding, what its verdict rests on:
the experiment is run again with one thing changed at a time, and the finding is evaluated again.

- **Variants.** The *baseline* runs the experiment's design with every parameter at the base
  scenario's value. Each *mechanism* variant switches one mechanism of
  [`sim/core/mechanisms.py`](../sim/core/mechanisms.py) off (its parameters at their neutral
  setting, where the idea has no effect). Each parameter the record cannot identify
  ([`sim/core/priors.py`](../sim/core/priors.py)) is set to the low and the high end of its
  prior, and each parameter the calibration fits to the 5% and the 95% point of its accepted
  sample ([`data/calibration/posterior.csv`](../data/calibration/posterior.csv)).
- **One change at a time.** Every other parameter stays at the base scenario's value. The audit
  asks what each verdict rests on; with parameters drawn, a variant's verdict would mix its own
  change with the spread of forty others. So the baseline here is the model at one parameter
  vector, not the ensemble over drawn parameters the README reports: where the two verdicts
  differ the tables say so, and the statuses are relative to the baseline. Changes in
  combination are not covered.
- **Findings** are declared once in [`sim/results/findings.py`](../sim/results/findings.py)
  (outcome, contrast, what an experiment must vary, window); the report, the README and this
  audit evaluate them with the same code. A verdict compares the effect's 95% interval (Wilson
  for a share, Newcombe for a difference of shares) with the finding's null: *supported* when
  the interval lies on the side the finding claims, *contradicted* when on the other,
  *not separated* when it contains the null.
- **Statuses** against the baseline: *holds* (same verdict), *flips* (supported <-> contradicted),
  *vanishes* (the baseline was decisive, the variant's interval contains the null), *appears*
  (the baseline was not separated, the variant is decisive), *n/a* (not evaluable). A variant
  whose change the experiment varies as a factor is not run; one whose values the base scenario
  already has is the baseline; variants with the same changes share their runs.
- **Not covered.** Interactions between changes, other parameter values inside the ranges,
  structural alternatives to the rules, and the horizon guard's warnings (in the report). Few
  replications make the intervals wider than the README's: a finding that *vanishes* may only
  have lost precision, which the effect column shows.
"""


def _effect(f: F.Finding, e: Mapping[str, Any]) -> str:
    ev = F.Evaluation(e["finding"], e["verdict"], effect=_nan(e["effect"]), lo=_nan(e["lo"]),
                      hi=_nan(e["hi"]), n=int(e["n"]))  # fmt: skip
    return F.effect_text(f, ev)


def _nan(v: Any) -> float:
    return math.nan if v is None else float(v)


def markdown(record: Mapping[str, Any], figure: str | None = None,
             surface: str | None = None, command: str = "") -> str:  # fmt: skip
    """The audit as a Markdown document (docs/AUDIT.md): the method, a summary table, per
    finding its declaration, its status sentence and the variants under which it does not hold,
    the variants not run, the figure (``figure``: its path relative to the document) and, when
    given, the H1 surface figure (``surface``)."""
    w = record["windows"]
    variants_ = {v["name"]: v for v in record["variants"]}
    evals = record["evaluations"]
    st = record["statuses"]
    L = ["# Audit: what each finding rests on", "",
         f"<!-- generated by `{command or 'alignsim audit'}`; do not edit by hand -->", "",
         f"Experiment `{record['experiment']}` ({record['experiment_path']}), "
         f"{record['design_points']} design points x {record['replications']} replications per "
         f"variant, {w['horizon']} months, root seed {record['root_seed']}, institution window "
         f"W = {w['window']} months, follow-up F = {w['followup']} months; alignsim "
         f"{record['code'].get('package_version')}, model code {record['code'].get('model_code_hash')}."
         " A stylised research and teaching model, not a forecast; every number below comes "
         "from the runs.", "", "## Method", "", METHOD, "## Summary", "",
         "| finding | as reported (drawn parameters) | at the base values | "
         + " | ".join(STATUSES) + " |",
         "|---|---|---|" + "---|" * len(STATUSES)]  # fmt: skip
    decl = {f.name: f for f in F.FINDINGS}
    for fr in record["findings"]:
        name = fr["name"]
        rep = record["reported"].get(name)
        base = evals["baseline"][name]
        counts = {s: sum(1 for v, x in st[name].items() if x == s and v != "baseline")
                  for s in STATUSES}  # fmt: skip
        L.append(f"| {fr['label']} | {rep['verdict'] if rep else 'no store'} | {base['verdict']} | "
                 + " | ".join(str(counts[s]) for s in STATUSES) + " |")  # fmt: skip
    L.append("")
    for fr in record["findings"]:
        name, f = fr["name"], decl[fr["name"]]
        base = evals["baseline"][name]
        rep = record["reported"].get(name)
        L += [f"## {fr['label']}", "", f"> {fr['statement']}", "",
              f"Outcome: {fr['outcome']}. Contrast: {fr['contrast']}. Counted over: "
              f"{fr['window']}. Needs: {fr['needs']}.", ""]  # fmt: skip
        if rep:
            L += [f"As reported (parameters drawn, the experiment's own store): "
                  f"{_effect(f, rep)}, {rep['verdict']}"
                  + (f" ({rep['reason']})" if rep.get("reason") else "") + ".", ""]  # fmt: skip
        L += [f"**Status.** {record['sentences'][name]}", ""]
        if not base["verdict"] or base["verdict"] == F.NOT_EVALUABLE:
            continue
        rows = [(v, x) for v, x in st[name].items() if x != HOLDS or v == "baseline"]
        L += [
            "| variant | change | status | effect (95% CI) | verdict | runs |",
            "|---|---|---|---|---|---|",
        ]
        for v, x in rows:
            e = evals[v][name]
            label = variants_[v]["label"]
            shared = [u["name"] for u in record["variants"]
                      if u["state"] == f"same as {v}"]  # fmt: skip
            if shared:
                label += " (also: " + ", ".join(variants_[u]["label"] for u in shared) + ")"
            L.append(f"| {v} | {label} | {'(baseline)' if v == 'baseline' else x} | "
                     f"{_effect(f, e)} | {e['verdict']} | {e['n']} |")  # fmt: skip
        L.append("")
    skipped = [v for v in record["variants"]
               if v["state"] in ("not run", "baseline values") or v["state"].startswith("same as")]  # fmt: skip
    if skipped:
        L += ["## Variants not run", "", "| variant | change | why |", "|---|---|---|"]
        L += [f"| {v['name']} | {v['label']} | {v['reason']} |" for v in skipped]
        L.append("")
    if figure:
        L += ["## Figure", "", f"![What each verdict rests on]({figure})", "",
              "*Each row a variant, each column a finding, each cell its status against the "
              "baseline (first row).*", ""]  # fmt: skip
    if surface:
        L += ["## H1 as a surface", "",
              "H1 depends on where the leaders start and on what a step costs them. "
              "`experiments/h1_surface.toml` crosses the concession cost scale with the ROK "
              "leader's starting approval for small steps, a grand bargain and tit-for-tat "
              "(parameters drawn as in the main experiment); `make h1-surface` runs it and draws "
              "the difference in P(institutionalised within W), small steps minus each other "
              "strategy, cell by cell (cells whose 95% interval excludes zero are marked).", "",
              f"![H1 over concession cost and starting approval]({surface})", ""]  # fmt: skip
    evaluated = [v for v in record["variants"] if v["name"] in evals]
    if record.get("wall_seconds") is not None:  # timings vary by machine: the store keeps them
        L += ["## Cost", "",
              f"The {len(evaluated)} variants run hold {record.get('runs_all', 0):,} runs of "
              f"{w['horizon']} months. Their compute and wall times, which vary with the machine "
              "and its load, are in the store's `audit/audit.json` (`compute_seconds`, "
              "`wall_seconds`) and printed by `alignsim audit`.", ""]  # fmt: skip
    return "\n".join(L)
