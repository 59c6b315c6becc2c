"""From a result store to figures, a headline table, findings and a report (HTML and Markdown).

:func:`store_figures` decides which figures fit a store (a sweep needs a gridded factor, a
heatmap two, survival and durability curves a grouping such as the strategy) and draws them with
``sim.results.plotting``; :func:`write_report` writes one self-contained HTML file (figures embedded as
PNG, headline table, findings computed from the runs, provenance from the manifest, the
experiment file's text) and a Markdown version with the figures beside it.

Every number in a report comes from the store: nothing is typed by hand.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.errors import UserError, unknown_name
from sim.results import analysis as A
from sim.results import findings as F
from sim.results import plotting as P
from sim.results import uncertainty as U
from sim.results import windows as W
from sim.results.kinds import KINDS

#: The month of the headline probability ("institutionalised by month 24").
HEADLINE_MONTH = 24
_NOT_FACTORS = ("point", "scenario_name", "scenario_hash")
_REQUIRED_RUN_COLUMNS = ("point", "replication", "inst_month", "collapse_month")


@dataclass
class Layout:
    """How a store's factors map onto the figures."""

    factors: list[str]
    sweep: str | None  # gridded numeric factor on the x axis
    line: str | None  # one line / curve per level (the strategy, when varied)
    panel: str | None  # one panel per level
    pooled: list[str]  # factors averaged over
    horizon: int


def factor_columns(design: pd.DataFrame) -> list[str]:
    """The factor columns of a design table."""
    return [c for c in design.columns if c not in _NOT_FACTORS]


def _is_numeric(s: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(s)) and not pd.api.types.is_bool_dtype(s)


def layout(store: Any) -> Layout:
    """Choose the sweep factor, the line factor and the panel factor for a store's figures.

    The line factor is ``strategy`` when it varies (else another categorical factor with few
    levels); the sweep factor is the gridded numeric factor with the most levels (a factor is
    gridded when its levels repeat across design points, as in a full factorial, not sampled);
    the panel factor is a remaining factor with at most four levels; the rest are pooled.
    """
    design, runs = store.design, store.runs
    check_tables(store)
    factors = factor_columns(design)
    varying = [f for f in factors if design[f].nunique() > 1]
    n_points = len(design)
    line = None
    if "strategy" in varying:
        line = "strategy"
    else:
        cats = [f for f in varying if not _is_numeric(design[f]) and design[f].nunique() <= 8]
        line = cats[0] if cats else None
    gridded = [
        f
        for f in varying
        if f != line and _is_numeric(design[f]) and 2 < design[f].nunique() < n_points
    ]
    sweep = max(gridded, key=lambda f: design[f].nunique()) if gridded else None
    rest = [f for f in varying if f not in (line, sweep)]
    small = sorted((f for f in rest if design[f].nunique() <= 4), key=lambda f: design[f].nunique())
    panel = small[0] if small else None
    pooled = [f for f in rest if f != panel]
    months = store.manifest.get("months")
    if months is None and len(store.monthly):
        months = int(store.monthly["month"].max())
    if months is None:
        months = int(max(runs["inst_month"].max(), runs["collapse_month"].max(), 0))
    return Layout(factors, sweep, line, panel, pooled, int(months))


def check_tables(store: Any) -> None:
    """Raise a UserError naming what is missing when a store's tables cannot be plotted."""
    path = getattr(store, "path", None)
    if store.runs is None or len(store.runs) == 0:
        raise UserError("the store has no runs", file=path, expected="a finished batch",
                        hint="run `alignsim batch EXPERIMENT --out DIR` first")  # fmt: skip
    missing = [c for c in _REQUIRED_RUN_COLUMNS if c not in store.runs.columns]
    if missing:
        raise UserError(
            "the store's runs lack outcome columns the figures need",
            file=path,
            expected=", ".join(_REQUIRED_RUN_COLUMNS),
            found=", ".join(missing) + " missing",
            hint="keep them in the experiment's [outputs] runs list",
        )
    if "point" not in store.design.columns:
        raise UserError("design.parquet has no 'point' column", file=path)
    factors = factor_columns(store.design)
    lacking = [f for f in factors if f not in store.runs.columns]
    if lacking:
        raise UserError("the runs table lacks factor column(s)", file=path,
                        expected=", ".join(factors), found=", ".join(lacking) + " missing")  # fmt: skip


def store_stamp(store: Any) -> str:
    """Provenance stamp of a store: experiment name, root seed, runs, version that made it."""
    m = store.manifest
    version = (m.get("code") or {}).get("package_version") or m.get("package_version")
    return P.stamp_text(
        m.get("experiment_name", "experiment"), m.get("root_seed"), len(store.runs), version
    )


def _pooled_note(lay: Layout, design: pd.DataFrame) -> str:
    if not lay.pooled:
        return ""
    parts = [f"{f} ({design[f].nunique()} levels)" for f in lay.pooled]
    return "\npooled over " + ", ".join(parts)


def reference_points(store: Any, lay: Layout) -> tuple[pd.DataFrame, str]:
    """Design points for the fan chart: one per line level, every other factor at its middle
    level (the sweep factor's median level, the first panel level). Returns (rows, description)."""
    d = store.design
    sel = d
    fixed = []
    for f in lay.factors:
        if f == lay.line or d[f].nunique() <= 1:
            continue
        levels = A.ordered_levels(d[f])
        ref = levels[(len(levels) - 1) // 2] if f != lay.panel else levels[0]
        sel = sel[sel[f] == ref]
        fixed.append(f"{f} = {P.format_level(ref)}")
    return sel, ", ".join(fixed)


def store_windows(store: Any, windows: W.Windows | None = None) -> W.Windows:
    """``windows``, or the default windows of the store's horizon
    (:func:`sim.results.windows.resolve_windows`)."""
    if windows is not None:
        return windows
    return W.resolve_windows(None, None, layout(store).horizon)


def store_figures(
    store: Any,
    kinds: Sequence[str] | None = None,
    month: int = HEADLINE_MONTH,
    windows: W.Windows | None = None,
) -> dict[str, Figure]:
    """Every figure of ``kinds`` (default all) that fits the store, by name. ``month`` is the
    month of the sweep's and heatmap's P(institutionalised by month); ``windows`` (default:
    :func:`store_windows`) the follow-up of the durability figure and the window marked on the
    timing figure.

    Raises:
        UserError: an unknown kind, or a store whose tables cannot be plotted.
    """
    unknown = [k for k in (kinds or ()) if k not in KINDS]
    if unknown:
        raise unknown_name("figure kind", unknown[0], KINDS, key="--kind")
    want = list(kinds or KINDS)
    lay = layout(store)
    win = store_windows(store, windows)
    runs, design = store.runs, store.design
    stamp = store_stamp(store)
    name = store.manifest.get("experiment_name", "experiment")
    note = _pooled_note(lay, design)
    figs: dict[str, Figure] = {}
    if "sweep" in want and lay.sweep:
        figs["sweep"] = P.plot_sweep(
            runs, lay.sweep, month=month, by=lay.line, panel=lay.panel, stamp=stamp,
            title=f"{name}: P(institutionalised by month {month}) vs {P.label(lay.sweep)} "
                  f"(95% Wilson){note}")  # fmt: skip
    if "heatmap" in want and lay.sweep and (lay.line or lay.panel):
        y = lay.line or lay.panel
        assert y is not None
        panel = lay.panel if lay.line else None
        figs["heatmap"] = P.plot_heatmap(
            runs, lay.sweep, y, month=month, panel=panel, stamp=stamp,
            title=f"{name}: P(institutionalised by month {month}){note}")  # fmt: skip
    survival_note = _pooled_note(
        Layout(lay.factors, None, lay.line, lay.panel, [f for f in (lay.sweep, *lay.pooled) if f],
               lay.horizon), design)  # fmt: skip
    if "survival" in want:
        figs["survival"] = P.plot_survival(
            runs, lay.horizon, by=lay.line, panel=lay.panel, stamp=stamp,
            title=f"{name}: time to institutionalisation (Kaplan-Meier)\n| = censored at month "
                  f"{lay.horizon}{survival_note.replace(chr(10), '; ')}")  # fmt: skip
    if "durability" in want and lay.line:
        figs["durability"] = P.plot_durability(
            runs, by=lay.line, factor=lay.sweep, windows=win, stamp=stamp,
            title=f"{name}: share of runs institutionalised within {win.window} months that "
                  f"collapse within {win.followup}\n(95% Wilson; runs censored by the horizon "
                  "left out)"
                  + (note if lay.sweep else survival_note))  # fmt: skip
    others = [f for f in (lay.sweep, lay.panel, *lay.pooled) if f]
    timing_note = (
        "\npooled over " + ", ".join(f"{f} ({design[f].nunique()} levels)" for f in others)
        if others
        else ""
    )
    if "timing" in want:
        figs["timing"] = P.plot_timing(
            runs, lay.horizon, by=lay.line, window=win.window, stamp=stamp,
            title=f"{name}: month institutionalised"
                  + (f", by {P.label(lay.line)}" if lay.line else "") + timing_note)  # fmt: skip
    if "fan" in want and len(store.monthly):
        pts, fixed = reference_points(store, lay)
        mon = store.monthly[store.monthly["point"].isin(pts["point"])]
        if len(mon) and set(mon["variable"]) & set(P.FAN_VARIABLES):
            labels = {
                int(r["point"]): (str(r[lay.line]) if lay.line else f"point {r['point']}")
                for _, r in pts.iterrows()
            }
            figs["fan"] = P.plot_fan_panels(
                mon, labels=labels, stamp=stamp,
                title=f"{name}: monthly trajectories, median with 50% and 90% bands"
                      + (f" ({fixed})" if fixed else ""))  # fmt: skip
    if "uncertainty" in want and U.has_draws(runs):
        others = [f for f in lay.factors if f != lay.line and design[f].nunique() > 1]
        unc_note = _pooled_note(Layout(lay.factors, None, lay.line, None, others, lay.horizon),
                                design)  # fmt: skip
        figs["uncertainty"] = P.plot_uncertainty(
            runs, by=lay.line, stamp=stamp,
            title=f"{name}: parameter draws and seeds, the two sources of uncertainty"
                  + unc_note.replace(chr(10), "; "))  # fmt: skip
    surface = _surface_axes(store, lay)
    if "surface" in want and surface is not None:
        x, y = surface
        rest = [f for f in lay.factors if f not in (x, y, "strategy") and design[f].nunique() > 1]
        pooled = ("\npooled over " + ", ".join(f"{f} ({design[f].nunique()} levels)" for f in rest)
                  if rest else "")  # fmt: skip
        figs["surface"] = P.plot_surface(
            runs, x, y, win, stamp=stamp,
            title=f"{name}: small steps minus each other strategy, P(institutionalised within "
                  f"{win.window} months)\n(framed: 95% interval excludes zero){pooled}")  # fmt: skip
    return figs


def _surface_axes(store: Any, lay: Layout) -> tuple[str, str] | None:
    """The two numeric factors of the H1 surface (x: the sweep factor when there is one), or
    None when the store cannot draw it: it needs the strategy to vary over small steps and a
    grand bargain or tit-for-tat, and two numeric factors with two levels or more."""
    d = store.design
    if "strategy" not in d.columns or "small_steps" not in set(d["strategy"]):
        return None
    if not {"grand_bargain", "tit_for_tat"} & set(d["strategy"]):
        return None
    numeric = [f for f in lay.factors if f != "strategy" and _is_numeric(d[f])
               and d[f].nunique() > 1]  # fmt: skip
    if len(numeric) < 2:
        return None
    x = lay.sweep if lay.sweep in numeric else max(numeric, key=lambda f: d[f].nunique())
    rest = sorted((f for f in numeric if f != x), key=lambda f: -d[f].nunique())
    return x, rest[0]


def save_figures(
    figs: dict[str, Figure],
    out: Path,
    formats: Sequence[str] = ("png",),
    dpi: int = 130,
    prefix: str = "",
) -> list[Path]:
    """Write each figure as ``out/<prefix><name>.<format>``; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, fig in figs.items():
        for fmt in formats:
            path = out / f"{prefix}{name}.{fmt}"
            fig.savefig(path, format=fmt, dpi=dpi, metadata=_metadata(fmt))
            written.append(path)
    return written


def _metadata(fmt: str) -> dict[str, Any] | None:
    # No creation dates in SVG/PDF: the same store gives byte-identical figures.
    if fmt == "svg":
        return {"Date": None}
    if fmt == "pdf":
        return {"CreationDate": None, "ModDate": None}
    if fmt == "png":
        return {"Software": None}
    return None


# ---------------------------------------------------------------------------- tables/findings
def headline(store: Any, windows: W.Windows | None = None) -> pd.DataFrame:
    """Headline numbers per (panel, line) group, pooled over the sweep factor, from the
    windowed outcomes (:func:`sim.results.analysis.headline_table`)."""
    lay = layout(store)
    by = [f for f in (lay.panel, lay.line) if f]
    return A.headline_table(store.runs, by, store_windows(store, windows), counts=True)


def horizon_guard(store: Any, windows: W.Windows | None = None) -> W.Guard:
    """The horizon guard of a store, per design point (:func:`sim.results.windows.horizon_guard`)."""
    return W.horizon_guard(store.runs, store_windows(store, windows), ["point"])


def findings(
    store: Any, windows: W.Windows | None = None, notes: Mapping[str, str] | None = None
) -> list[str]:
    """Sentences on the findings the store speaks to (the declared findings of
    :mod:`sim.results.findings`: H1 against a grand bargain and against tit-for-tat, H2, H4,
    Japan moving first, the status quo, lock-in after a hostile successor; docs/RESEARCH.md
    section 4), every number computed from its runs with the windowed outcomes
    (institutionalised within W, durable over F; :mod:`sim.results.windows`), then one on the
    horizon: the censored runs and what the horizon guard finds. Each verdict comes from the
    finding's evaluation (the effect's 95% interval against its null; with drawn parameters
    also the spread across draws). A finding whose numbers the guard flags says so; a finding
    the experiment cannot evaluate says why (a factor it does not vary, a level it lacks, too
    few runs). ``notes`` (finding name -> text, e.g. the audit's status sentence,
    :func:`sim.results.audit.status_sentences`) is appended to the finding's sentence."""
    runs = store.runs
    lay = layout(store)
    win = store_windows(store, windows)
    wo = W.windowed_outcomes(runs, win)
    within = f"within {win.window} months"
    guard = W.horizon_guard(runs, win, [lay.line] if lay.line else [])
    ev = F.evaluate_all(runs, win)
    notes = notes or {}
    out: list[str] = []

    def add(name: str, text: str) -> None:
        note = notes.get(name, "")
        out.append(text + (f" {note}" if note else ""))

    def unevaluable(name: str) -> None:
        f, e = F.FINDING_BY_NAME[name], ev[name]
        add(name, f"{f.label} cannot be evaluated for this experiment: {e.reason}.")

    reached = np.asarray(wo["inst_within_window"], dtype=bool)
    strategy = runs["strategy"].to_numpy() if "strategy" in runs.columns else None
    for name, other, what in (("H1", "grand_bargain", "a grand bargain"),
                              ("H1_tft", "tit_for_tat", "tit-for-tat")):  # fmt: skip
        f, e = F.FINDING_BY_NAME[name], ev[name]
        if not e.evaluable:
            unevaluable(name)
            continue
        assert strategy is not None
        h = A.headline_table(runs, ["strategy"], win, counts=True).set_index("strategy")
        ss, ot = h.loc["small_steps"], h.loc[other]
        p, lo, hi = "p_inst_window", "p_inst_window_lo", "p_inst_window_hi"
        is_ss, is_ot = strategy == "small_steps", strategy == other
        head = (
            "H1: pooled over the design, small steps reach institutionalised cooperation "
            if name == "H1"
            else "H1 against tit-for-tat: small steps reach it "
        )
        text = (
            f"{head}{within} in {_pct(ss[p])} of runs (95% CI {_pct(ss[lo])}-{_pct(ss[hi])}"
            f"{_across(runs, reached, is_ss)}) against {_pct(ot[p])} ({_pct(ot[lo])}-"
            f"{_pct(ot[hi])}{_across(runs, reached, is_ot)}) with {what}"
        )
        if name == "H1":
            text += (
                f"; of the runs institutionalised {within} whose {win.followup}-month follow-up "
                f"ends by month {win.horizon}, {_durable(ss)} with small steps and "
                f"{_durable(ot)} with a grand bargain last the follow-up without collapse "
                f"({_n(ss['n_censored'])} and {_n(ot['n_censored'])} runs censored)"
            )
        text += f". Small steps minus {what}: {F.effect_text(f, e)}"
        if e.draws:
            text += (f"; under the same parameters small steps are ahead in "
                     f"{_pct(e.draw_share)} of the {e.draws} parameter draws (5-95% of the "
                     f"per-draw difference {F.pts(e.draw_lo)} to {F.pts(e.draw_hi)})")  # fmt: skip
        against = "" if name == "H1" else " against tit-for-tat"
        text += (
            ". "
            + {
                F.SUPPORTED: f"This supports H1{against}.",
                F.CONTRADICTED: f"This contradicts H1{against}.",
                F.OPEN: f"The difference is not separated from zero: H1{against} stays open.",
            }[e.verdict]
        )
        add(name, text + _guard_note(guard, lay.line, ["small_steps", other]))

    e2 = ev["H2"]
    if not e2.evaluable:
        unevaluable("H2")
    else:
        add(
            "H2",
            _h2_sentence(runs, win, wo, lay, e2)
            + _guard_note(
                guard, lay.line, list(A.ordered_levels(runs[lay.line])) if lay.line else []
            ),
        )

    e4 = ev["H4"]
    if not e4.evaluable:
        unevaluable("H4")
    else:
        d = e4.detail
        parts = [f"mean final ROK alignment {d['alignment_low']:.2f} at Chinese coercion "
                 f"{P.format_level(d['china_low'])} and {d['alignment_high']:.2f} at "
                 f"{P.format_level(d['china_high'])}"]  # fmt: skip
        if "approval_diff" in d:
            parts.append(f"mean final ROK approval {d['approval_low']:.2f} and "
                         f"{d['approval_high']:.2f} (difference {d['approval_diff']:+.3f}, 95% CI "
                         f"{d['approval_diff_lo']:+.3f} to {d['approval_diff_hi']:+.3f})")  # fmt: skip
        f4 = F.FINDING_BY_NAME["H4"]
        verdict = {
            F.SUPPORTED: "consistent with H4 (costs rise, alignment not reversed)",
            F.CONTRADICTED: "against H4 (alignment reversed in most runs)",
            F.OPEN: "not separated from one half, so H4 stays open",
        }[e4.verdict]
        add("H4", "H4: " + "; ".join(parts) + ". Under the higher Chinese coercion, "
            f"{_share_text(f4, e4)} of runs end with the ROK still on "
            f"the US side (alignment > 0): {verdict}." + _final_state_note(runs, guard))  # fmt: skip

    ej = ev["japan_first"]
    if not ej.evaluable:
        unevaluable("japan_first")
    else:
        fj, d = F.FINDING_BY_NAME["japan_first"], ej.detail
        n = d["n"]
        who = "with small steps, " if strategy is not None else ""
        verdict = {
            F.SUPPORTED: "in most runs, as in the record (October 2022)",
            F.CONTRADICTED: "in fewer than half of the runs, unlike the record (October 2022)",
            F.OPEN: "in about half of the runs (not separated from one half)",
        }[ej.verdict]
        add("japan_first", f"Japan moves first: {who}Japan takes the first own step alone in "
            f"{_share_text(fj, ej)} of runs, the ROK in "
            f"{_pct(d['k_ROK'] / n)}, both in the same month in {_pct(d['k_both'] / n)} and "
            f"neither in {_pct(d['k_none'] / n)}: Japan moves first {verdict}.")  # fmt: skip

    es = ev["status_quo"]
    if not es.evaluable:
        unevaluable("status_quo")
    else:
        fs = F.FINDING_BY_NAME["status_quo"]
        verdict = {
            F.SUPPORTED: "fewer than half, so standing still leaves cooperation short of an "
            "institution",
            F.CONTRADICTED: "more than half: standing still institutionalises in most runs",
            F.OPEN: "not separated from one half",
        }[es.verdict]
        add("status_quo", f"Status quo: standing still, cooperation is institutionalised "
            f"{within} in {_share_text(fs, es)} of runs: "
            f"{verdict}." + _guard_note(guard, lay.line, ["status_quo"]))  # fmt: skip

    el = ev["lock_in"]
    if not el.evaluable:
        unevaluable("lock_in")
    else:
        fl, d = F.FINDING_BY_NAME["lock_in"], el.detail
        verdict = {
            F.SUPPORTED: "the institution locks in",
            F.CONTRADICTED: "most such institutions collapse",
            F.OPEN: "not separated from one half",
        }[el.verdict]
        add("lock_in", f"Lock-in: in {d['n']} runs a ROK successor hostile to Japan inherits an "
            f"institution with {win.followup} months left before the horizon ({d['censored']} "
            f"more arrive too late to be followed); {_share_text(fl, el)} of them see no collapse in the {win.followup} months "
            f"after the change: {verdict}.")  # fmt: skip

    h3 = {"us_commitment", "commitment_effect", "cha_symmetry_weight", "rok_abandonment0",
          "jpn_abandonment0"} & set(lay.factors)  # fmt: skip
    if not h3:
        out.append("H3 (symmetry of abandonment fears, sign of the US-commitment effect) is not "
                   "varied by this experiment and is not tested here.")  # fmt: skip
    out.append(horizon_finding(guard, lay.line))
    return out


def _share_text(f: F.Finding, e: F.Evaluation) -> str:
    """A share finding's effect with its 95% interval and, with drawn parameters, its spread
    across draws: "81.5% (95% CI 81.0%-82.0%; 5-95% across the 100 parameter draws 0-100%)"."""
    text = F.effect_text(f, e)
    if not e.draws:
        return text
    return (text[:-1] + f"; 5-95% across the {e.draws} parameter draws {_pct(e.draw_lo)}-"
            f"{_pct(e.draw_hi)})")  # fmt: skip


def _h2_sentence(runs: pd.DataFrame, win: W.Windows, wo: pd.DataFrame, lay: Layout,
                 e: F.Evaluation) -> str:  # fmt: skip
    """H2: the curve of P(institutionalised within W) against US coercion per strategy (peak
    and top level), the declared contrast (moderate band against the better end) per strategy,
    the verdict on small steps, and whether heavy pressure makes cooperation more fragile."""
    within = f"within {win.window} months"
    line = lay.line
    reached = np.asarray(wo["inst_within_window"], dtype=bool)
    coercion = runs["us_coercion"].to_numpy()
    groups = A.ordered_levels(runs[line]) if line else [None]
    f2 = F.FINDING_BY_NAME["H2"]
    parts, bands, above = [], [], 0
    for g in groups:
        in_g = (runs[line] == g).to_numpy() if line else np.ones(len(runs), dtype=bool)
        t = A.proportion_table(runs.loc[in_g], wo.loc[in_g, "inst_within_window"], ["us_coercion"])
        t = t.sort_values("us_coercion")
        p_ = t["p"].to_numpy()
        if p_.max() <= 0:
            continue
        i = int(np.argmax(p_))
        x = t["us_coercion"].to_numpy()
        label = f"{g}: " if line else ""
        parts.append(
            f"{label}peak {_pct(p_[i])} at US coercion {x[i]:g}"
            f"{_across(runs, reached, in_g & (coercion == x[i]), brackets=True)}, "
            f"{_pct(p_[-1])} at {x[-1]:g}"
            f"{_across(runs, reached, in_g & (coercion == x[-1]), brackets=True)}"
        )
        sub = dataclasses.replace(f2, measure=F.coercion_band(g if line == "strategy" else None))
        eg = sub.evaluate(runs.loc[in_g] if line and line != "strategy" else runs, win)
        if eg.evaluable:
            bands.append(f"{label}{F.effect_text(f2, eg)}")
            above += eg.verdict == F.SUPPORTED
    d = e.detail
    pooled = ", ".join(f for f in (lay.panel, *lay.pooled) if f) or "nothing"
    text = (
        f"H2: P(institutionalised {within}) against US coercion (pooled over {pooled}): "
        + "; ".join(parts)
        + f". Moderate pressure (US coercion {d['band_lo']:g}-{d['band_hi']:g}, the middle third "
        f"of the range) minus the better end ({d['level_low']:g} or {d['level_high']:g}): "
        + "; ".join(bands)
        + f"; the moderate band is above both ends for {above} of {len(bands)} strategies that "
        "ever institutionalise. For small steps, the strategy the finding follows: "
        + {F.SUPPORTED: "this supports H2 for the probability of institutionalisation",
           F.CONTRADICTED: "an end is higher than the moderate band, against H2",
           F.OPEN: "the band is not separated from the better end, so H2 stays open"}[e.verdict]
        + (f" (above in {_pct(e.draw_share)} of the {e.draws} parameter draws)" if e.draws else "")
        + "."
    )  # fmt: skip
    dur = A.followup_durability(runs, ["us_coercion"], win).sort_values("us_coercion")
    top_c = dur.iloc[-1]
    whole = float(A.followup_durability(runs, [], win)["p"].iloc[0])
    if np.isfinite(top_c["p"]) and np.isfinite(whole):
        judged = "does" if top_c["lo"] > whole else "does not"
        tail = f"heavy pressure {judged} make the cooperation that forms more fragile."
    else:
        tail = (
            "too few institutionalised runs to judge whether heavy pressure makes it more fragile."
        )
    return text + (
        f" Among runs institutionalised {within} and followed for {win.followup} months, "
        f"{_pct(top_c['p'])} collapse within the follow-up at US coercion "
        f"{top_c['us_coercion']:g} against {_pct(whole)} over the whole sweep: " + tail
    )


def _n(x: Any) -> str:
    return str(int(x))


def _durable(row: Any) -> str:
    return f"{_pct(row['p_durable_followup'])} ({int(row['k_durable'])}/{int(row['n_followed'])})"


def _guard_note(guard: W.Guard, line: str | None, levels: Sequence[Any]) -> str:
    """The guard's warnings on the windowed outcomes of these levels of ``line``, as a sentence
    to append to a finding ("" when none)."""
    if not line:
        ws = guard.flagged("windowed")
    else:
        ws = [x for x in guard.flagged("windowed") if dict(x.group).get(line) in set(levels)]
    return "".join(f" Horizon guard ({x.group_text()}): {x.meaning}" for x in ws)


def _final_state_note(runs: pd.DataFrame, guard: W.Guard) -> str:
    """A caveat for findings read from the final state: how many runs had a leader change in
    the last months, when that is more than the guard's threshold."""
    cols = [c for c in W.TURNOVER_COLUMNS if c in runs.columns]
    if not cols:
        return ""
    a, b = guard.band
    t = runs[cols].to_numpy(dtype=np.int64)
    late = np.any((t >= a) & (t <= b), axis=1)
    share = float(late.mean())
    if share <= guard.threshold:
        return ""
    return (
        f" Caution: these are values at month {guard.windows.horizon}, and in {_pct(share)} of "
        f"runs a leader left office in months {a}-{b}, so they are partly the successor's."
    )


def horizon_finding(guard: W.Guard, line: str | None = None) -> str:
    """The findings' sentence on the horizon: the windows, the censored runs, and where the
    guard finds outcomes concentrated in the last months or next to a turnover, counted by the
    horizon (the runs table's horizon-end columns) and with the windows."""
    w, (a, b) = guard.windows, guard.band
    text = (
        f"Horizon: the findings count institutions within W = {w.window} months and collapses "
        f"within F = {w.followup} months after them, so no event after month "
        f"{w.window + w.followup} of the {w.horizon}-month horizon enters them; "
        f"{guard.n_censored} of the {guard.n_inst_window} runs institutionalised within "
        f"{w.window} months are censored (follow-up past month {w.horizon})."
    )
    by = [line] if line else []
    parts = []
    for outcome, what in (("inst_month", "institutionalisations"), ("collapse_month", "collapses")):
        t = W.pooled_shares(guard, "horizon-end", outcome, by)
        for r in t.to_dict("records"):
            n = int(r["n_events"])
            if n < W.MIN_EVENTS:
                continue
            if r["share_last"] > guard.threshold or r["share_turnover"] > guard.threshold:
                who = f"{r[line]}: " if line else ""
                parts.append(
                    f"{who}{_pct(r['share_last'])} of its {n} {what} by the horizon fall in months "
                    f"{a}-{b} and {_pct(r['share_turnover'])} within {guard.turnover_months} "
                    "months after a leader's first exit"
                )
    if parts:
        text += (
            " Counted by the horizon instead (the runs table's institutionalised and durable "
            "columns), the horizon guard flags " + "; ".join(parts) + ": such counts are "
            "decided by the run's last months or by a successor's arrival, and are not used here."
        )
    else:
        text += (
            f" Counted by the horizon, no {'level of ' + line + ' has' if line else 'outcome has'} "
            f"its events concentrated in months {a}-{b} or next to a turnover."
        )
    windowed = guard.flagged("windowed")
    if windowed:
        text += " WARNING: even with the windows, " + " ".join(
            f"{x.group_text()}: {x.meaning}" for x in windowed
        )
    return text


def _pct(x: Any) -> str:
    x = float(x)
    return "n/a" if not np.isfinite(x) else f"{100 * x:.1f}%"


def _across(runs: pd.DataFrame, success: Any, sel: Any, brackets: bool = False) -> str:
    """The interval across parameter draws of the per-draw probability over the runs ``sel``
    ("; 5-95% across the D parameter draws a-b"), or "" when the runs drew no parameters."""
    if not U.has_draws(runs) or not np.any(sel):
        return ""
    k, lo, hi = U.spread_across_draws(success[sel], runs["draw"].to_numpy()[sel])
    if brackets:
        return f" (5-95% across draws {_pct(lo)}-{_pct(hi)})"
    return f"; 5-95% across the {k} parameter draws {_pct(lo)}-{_pct(hi)}"


def uncertainty_table(store: Any) -> pd.DataFrame:
    """The report's uncertainty table: per group of the figures' line factor (or all runs) and
    headline outcome, the pooled probability with its 95% Wilson interval, the interval across
    parameter draws of the per-draw probability, and the variance decomposition (per design
    point, averaged over the group's points) with the source that dominates."""
    runs = store.runs
    lay = layout(store)
    by = [lay.line] if lay.line else []
    per_point = U.variance_table(runs, ["point"], U.HEADLINE_OUTCOMES)
    if by:
        per_point = per_point.merge(runs[["point", *by]].drop_duplicates("point"), on="point")
    summary = U.summarise(per_point, by).set_index([*by, "outcome"])
    rows = []
    order = {v: i for i, v in enumerate(A.ordered_levels(runs[lay.line]))} if lay.line else {}
    for o in U.HEADLINE_OUTCOMES:
        probs = U.draw_probabilities(runs, o, by)
        records = probs.to_dict("records")
        if by:
            records.sort(key=lambda r: order[r[by[0]]])
        for r in records:
            key = (*(r[b] for b in by), o)
            v = summary.loc[key]
            rows.append({
                **{b: r[b] for b in by},
                "outcome": U.OUTCOMES[o][0],
                "runs": int(r["n"]),
                "draws x seeds": (f"{int(r['draws'])} x {r['runs_per_draw'] / v['points']:g}"
                                  if np.isfinite(r["draws"]) else "pinned"),
                "pooled [95% Wilson]": f"{_pct(r['p'])} [{_pct(r['lo'])}-{_pct(r['hi'])}]",
                "across draws (5-95%)": (f"{_pct(r['draw_lo'])}-{_pct(r['draw_hi'])}"
                                         if np.isfinite(r["draw_lo"]) else "-"),
                "parametric share": _pct(v["parametric_share"]),
                "stochastic share": _pct(v["stochastic_share"]),
                "dominates": str(v["dominant"]),
                "points where parameters dominate": (
                    f"{int(v['points_parameters_dominate'])} of {int(v['points'])}"),
            })  # fmt: skip
    return pd.DataFrame(rows)


UNCERTAINTY_NOTE = (
    "Two sources of uncertainty: the seeds (the draws within a run) and the parameters the "
    "record cannot identify, drawn from their priors (docs/UNCERTAINTY.md). The pooled "
    "probability's Wilson interval says how precisely the runs estimate the probability averaged "
    "over both; the interval across draws is the 5th to 95th percentile of each parameter draw's "
    "own probability (over its runs in the group), so it shows how far the answer moves with the "
    "parameters (it also carries some noise of the seeds). The shares split the variance between "
    "runs at each design point by the law of total variance (between-draw variance of the "
    "per-draw mean, less the seeds' noise in it: parametric; mean within-draw variance: "
    "stochastic), averaged over the group's points."
)


# ----------------------------------------------------------------------------------- reports
def _png_base64(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata=_metadata("png"))
    return base64.b64encode(buf.getvalue()).decode()


def _provenance_rows(m: dict[str, Any]) -> list[tuple[str, str]]:
    code, env = m.get("code") or {}, m.get("environment") or {}
    exp = m.get("experiment") or {}
    rows = [
        ("experiment", str(m.get("experiment_name", ""))),
        ("experiment file", str(exp.get("path", ""))),
        ("experiment sha256", str(exp.get("sha256", ""))),
        ("design hash", str(exp.get("design_hash", ""))),
        ("root seed", str(m.get("root_seed", ""))),
        ("parameters", _uncertainty_text(m.get("uncertainty"))),
        ("replications per point", str(m.get("replications", ""))),
        ("months", str(m.get("months", ""))),
        ("design points", str(len(m.get("points", [])))),
        ("engine", str(m.get("engine", ""))),
        ("alignsim version", str(code.get("package_version", ""))),
        (
            "git commit",
            f"{code.get('git_commit', '')}{' (dirty)' if code.get('git_dirty') else ''}",
        ),
        ("model code hash", str(code.get("model_code_hash", ""))),
        ("started", str(m.get("started", ""))),
        ("finished", str(m.get("finished", ""))),
    ]
    rows += [(k, str(v)) for k, v in env.items()]
    chunks = m.get("chunks") or []
    secs = [c.get("seconds") for c in chunks if isinstance(c.get("seconds"), int | float)]
    if secs:
        rows.append(("chunks", f"{len(chunks)} ({sum(secs):.1f} s of compute in total)"))
    return [(k, v) for k, v in rows if v not in ("", "None")]


def _uncertainty_text(u: dict[str, Any] | None) -> str:
    """The manifest's uncertainty settings in a line."""
    if not u or u.get("parameters", "pinned") == "pinned" or not u.get("drawn"):
        return "pinned at the scenarios' values (no parameter drawn)"
    text = (f"{len(u['drawn'])} drawn from their {u['parameters']}, {u['seeds_per_draw']} seeds "
            f"per draw, draw seed {u['seed']}")  # fmt: skip
    if u.get("pin"):
        text += "; pinned: " + ", ".join(u["pin"])
    return text


def _table_for_display(t: pd.DataFrame, w: W.Windows) -> pd.DataFrame:
    d = t.copy()
    d[f"P(inst. within {w.window}) [95% CI]"] = [
        f"{_pct(a)} [{_pct(b)}-{_pct(c)}]"
        for a, b, c in zip(
            d["p_inst_window"], d["p_inst_window_lo"], d["p_inst_window_hi"], strict=True
        )  # fmt: skip
    ]
    d["median month"] = d["median_inst_month"].map(lambda v: "-" if pd.isna(v) else f"{v:g}")
    d[f"P(durable {w.followup} | inst.) [95% CI] (k/n)"] = [
        f"{_pct(a)} [{_pct(b)}-{_pct(c)}] ({int(k)}/{int(n)})" if n else "n/a (0/0)"
        for a, b, c, k, n in zip(
            d["p_durable_followup"],
            d["p_durable_followup_lo"],
            d["p_durable_followup_hi"],
            d["k_durable"],
            d["n_followed"],
            strict=True,
        )  # fmt: skip
    ]
    d["censored"] = d["n_censored"]
    drop = {"median_inst_month", "n_censored", "k_inst_window", "n_followed", "k_durable"}
    approvals = [c for c in ("mean_final_approval_ROK", "mean_final_approval_JPN") if c in d]
    keep = [c for c in d.columns
            if not c.startswith("p_") and c not in drop and c not in approvals] + approvals  # fmt: skip
    for c in approvals:
        d[c] = d[c].map(lambda v: f"{v:.3f}")
    return d[keep].rename(columns={"mean_final_approval_ROK": f"approval ROK at {w.horizon}",
                                   "mean_final_approval_JPN": f"approval JPN at {w.horizon}"})  # fmt: skip


def horizon_table(guard: W.Guard, design: pd.DataFrame) -> pd.DataFrame:
    """The guard's warnings as a table: the group (with its factor levels when the group is a
    design point), scope, outcome, kind, events and share."""
    rows = []
    factors = factor_columns(design) if "point" in guard.by else []
    lookup = design.set_index("point") if factors else None
    for x in guard.warnings:
        r: dict[str, Any] = dict(x.group)
        if lookup is not None:
            for f in factors:
                r[f] = lookup.loc[r["point"], f]
        r.update(scope=x.scope, outcome=x.outcome,
                 concentrated={"last_months": f"months {guard.band[0]}-{guard.band[1]}",
                               "turnover": f"<= {guard.turnover_months} months after a turnover"}[x.kind],
                 events=x.n_events, share=_pct(x.share))  # fmt: skip
        rows.append(r)
    cols = [*guard.by, *factors, "scope", "outcome", "concentrated", "events", "share"]
    return pd.DataFrame(rows, columns=cols)


def write_report(
    store: Any,
    out: Path,
    *,
    windows: W.Windows | None = None,
    figures: dict[str, Figure] | None = None,
    notes: Mapping[str, str] | None = None,
) -> tuple[Path, Path]:
    """Write ``out/report.html`` (self-contained) and ``out/report.md`` (+ PNGs beside it).

    ``windows`` (default: :func:`store_windows`) sets the headline's institution window and
    follow-up; the sweep and heatmap figures show P(institutionalised by month W). ``notes``
    (finding -> text, e.g. the audit's status sentences) are appended to the findings."""
    out.mkdir(parents=True, exist_ok=True)
    win = store_windows(store, windows)
    figs = figures if figures is not None else store_figures(store, month=win.window, windows=win)
    m = store.manifest
    name = m.get("experiment_name", "experiment")
    head = _table_for_display(headline(store, win), win)
    lines = findings(store, win, notes)
    guard = horizon_guard(store, win)
    guard_text = W.guard_lines(guard, store.design)
    flagged = horizon_table(guard, store.design)
    unc_lines = U.sentences(store.runs, m.get("uncertainty"))
    unc = uncertainty_table(store) if U.has_draws(store.runs) else None
    prov = _provenance_rows(m)
    exp_text = (m.get("experiment") or {}).get("text", "")
    description = (m.get("experiment") or {}).get("description", "")
    stamp = store_stamp(store)

    # ---- HTML
    h: list[str] = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>alignsim report: {html.escape(name)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;"
        "padding:0 1em;color:#222}table{border-collapse:collapse;font-size:0.85em}"
        "td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}th{background:#f3f3f3}"
        "td:first-child,th:first-child{text-align:left}img{max-width:100%}"
        "pre{background:#f7f7f7;padding:1em;overflow-x:auto;font-size:0.85em}"
        ".note{color:#555;font-size:0.9em}</style></head><body>",
        f"<h1>alignsim report: {html.escape(name)}</h1>",
        f"<p>{html.escape(description)}</p>" if description else "",
        f"<p class='note'>{html.escape(stamp)}. A stylised research and teaching model, not a "
        "forecast. Every number below is computed from the runs in the store.</p>",
        "<h2>Findings</h2><ul>",
        *[f"<li>{html.escape(s)}</li>" for s in lines],
        "</ul>",
        f"<h2>Headline table</h2><p class='note'>Per group, pooled over the other factors; "
        f"95% Wilson intervals. {html.escape(_HEADLINE_NOTE.format(w=win))}</p>"
        f"{head.to_html(index=False, border=0, escape=True)}",
        "<h2>Horizon</h2>",
        *[f"<p>{html.escape(x)}</p>" for x in guard_text],
        (
            f"<details><summary>{len(flagged)} warnings by design point</summary>"
            f"{flagged.to_html(index=False, border=0, escape=True)}</details>"
            if len(flagged)
            else ""
        ),
        "<h2>Uncertainty</h2><ul>",
        *[f"<li>{html.escape(s)}</li>" for s in unc_lines],
        "</ul>",
        (
            f"<p class='note'>{html.escape(UNCERTAINTY_NOTE)}</p>"
            f"{unc.to_html(index=False, border=0, escape=True)}"
            if unc is not None
            else ""
        ),
        "<h2>Figures</h2>",
    ]
    for fname, fig in figs.items():
        h.append(f"<h3>{html.escape(fname)}</h3><img alt='{html.escape(fname)}' "
                 f"src='data:image/png;base64,{_png_base64(fig)}'>")  # fmt: skip
    h += ["<h2>Provenance</h2><table>"]
    h += [f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in prov]
    h += ["</table>", "<h2>Experiment file</h2>", f"<pre>{html.escape(exp_text)}</pre>"]
    h += ["<details><summary>Manifest (JSON, without per-point scenarios)</summary><pre>",
          html.escape(json.dumps(_slim_manifest(m), indent=1)), "</pre></details>"]  # fmt: skip
    h += ["</body></html>"]
    html_path = out / "report.html"
    html_path.write_text("\n".join(x for x in h if x), encoding="utf-8")

    # ---- Markdown
    fig_dir = out / "figures"
    save_figures(figs, fig_dir, ("png",))
    md = [f"# alignsim report: {name}", ""]
    if description:
        md += [description, ""]
    md += [f"_{stamp}. A stylised research and teaching model, not a forecast. Every number "
           "below is computed from the runs in the store._", "", "## Findings", ""]  # fmt: skip
    md += [f"- {s}" for s in lines] + ["", "## Headline table", ""]
    md += [f"_Per group, pooled over the other factors; 95% Wilson intervals. "
           f"{_HEADLINE_NOTE.format(w=win)}_", "", _markdown_table(head), ""]  # fmt: skip
    md += ["## Horizon", "", *[f"{x}\n" for x in guard_text]]
    if len(flagged):
        md += [f"Warnings by design point ({len(flagged)}):", "", _markdown_table(flagged), ""]
    md += ["## Uncertainty", ""] + [f"- {s}" for s in unc_lines] + [""]
    if unc is not None:
        md += [f"_{UNCERTAINTY_NOTE}_", "", _markdown_table(unc), ""]
    md += ["## Figures", ""]
    md += [f"![{f}](figures/{f}.png)" + "\n" for f in figs]
    md += ["## Provenance", "", "| key | value |", "| --- | --- |"]
    md += [f"| {k} | {v.replace('|', '/')} |" for k, v in prov]
    md += ["", "## Experiment file", "", "```toml", exp_text.rstrip(), "```", ""]
    md_path = out / "report.md"
    md_path.write_text("\n".join(md), encoding="utf-8")
    return html_path, md_path


_HEADLINE_NOTE = (
    "'P(inst. within {w.window})' counts runs institutionalised in months 1-{w.window}; "
    "'P(durable {w.followup} | inst.)' is the share of those that do not collapse in the "
    "{w.followup} months after, over the runs whose follow-up ends by month {w.horizon}; "
    "'censored' counts the runs whose follow-up the horizon cuts short (left out of that share). "
    "Approvals are means at the horizon."
)


def _slim_manifest(m: dict[str, Any]) -> dict[str, Any]:
    slim = {k: v for k, v in m.items() if k not in ("points", "experiment")}
    slim["points"] = f"{len(m.get('points', []))} design points (resolved scenarios omitted)"
    return slim


def _markdown_table(t: pd.DataFrame) -> str:
    cols = [str(c) for c in t.columns]
    rows = ["| " + " | ".join(cols) + " |", "|" + "|".join(" --- " for _ in cols) + "|"]
    for _, r in t.iterrows():
        rows.append("| " + " | ".join(P.format_level(v) for v in r.to_list()) + " |")
    return "\n".join(rows)
