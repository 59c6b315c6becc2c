"""docs/VALIDATION.md, written from the runs (no number in it is typed by hand).

:func:`render_validation` takes the scores of the hindcast (and, when present, of the calibrated
scenario and of the theory checks) and returns Markdown. Verdicts ("reproduced" or not) follow
the criteria in :data:`CRITERIA`, which the document prints alongside them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: Criteria for calling a score "reproduced": the document states them next to each verdict.
CRITERIA = {
    "first_mover": "the record's side (Japan) is the ensemble's most common first mover",
    "order": "on average at least 75% of the record's ordered pairs of steps are reproduced",
    "institution": "the record's month lies inside the ensemble's 90% interval",
    "approval": "at least two thirds of a leader's polls lie inside the ensemble's 90% band",
    "steps_in_band": "the record's pattern (ROK approval always in the band and ROK steps in as "
    "many months as the record) occurs in at least 10% of runs",
}


def pct(x: float | None, digits: int = 0) -> str:
    return "n/a" if x is None else f"{100 * x:.{digits}f}%"


def num(x: float | None, digits: int = 2) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def month_text(x: float | None, horizon: int) -> str:
    return f"not reached by month {horizon}" if x is None else f"{x:g}"


def verdicts(scores: dict[str, Any]) -> dict[str, tuple[bool, str]]:
    """(reproduced?, one-line evidence) for each score, by :data:`CRITERIA`."""
    fm, so, inst = scores["first_mover"], scores["step_order"], scores["institution"]
    ap, sb = scores["approval"]["summary"], scores["steps_in_band"]
    h = inst["horizon"]
    inside_interval = (
        inst["q05"] is not None
        and inst["q05"] <= inst["record_month"]
        and (inst["q95"] is None or inst["record_month"] <= inst["q95"])
    )
    out = {
        "first_mover": (
            fm["modal_side"] == fm["record"],
            f"record: {fm['record']}; ensemble: Japan first in {pct(fm['share_japan_first'], 1)}, "
            f"ROK first in {pct(fm['shares']['ROK'], 1)}, both in the same month in "
            f"{pct(fm['shares']['both'], 1)}, no step in {pct(fm['shares']['none'], 1)} of runs"
            + (
                f"; Japan first in most runs of {pct(fm['share_draws_japan_first'], 1)} of the "
                f"{fm['draws']} parameter draws"
                if "share_draws_japan_first" in fm
                else ""
            ),
        ),
        "order": (
            so["mean_share_pairs_matched"] >= 0.75,
            f"{pct(so['mean_share_pairs_matched'], 1)} of {so['pairs']} ordered pairs matched on "
            f"average (ties half; strictly: {pct(so['mean_share_pairs_strictly_matched'], 1)}); "
            f"median Kendall tau-b {num(so['median_kendall_tau'])}",
        ),
        "institution": (
            bool(inside_interval),
            f"record: month {inst['record_month']}; ensemble median "
            f"{month_text(inst['median'], h)}, 90% interval [{month_text(inst['q05'], h)}, "
            f"{month_text(inst['q95'], h)}]; by month {inst['record_month']}: "
            f"{pct(inst['share_by_record_month'], 1)}, by month 18: "
            f"{pct(inst['share_by_month_18'], 1)}",
        ),
    }
    for actor in ("ROK", "JPN"):
        a = ap[actor]
        out[f"approval_{actor}"] = (
            a["polls"] > 0 and a["inside_90"] * 3 >= a["polls"] * 2,
            f"{a['inside_90']} of {a['polls']} polls inside the 90% band; mean absolute error of "
            f"the median {num(100 * a['mean_abs_error'] if a['mean_abs_error'] is not None else None, 1)} "
            f"points (mean error {num(100 * a['mean_error'] if a['mean_error'] is not None else None, 1)})"
            + (
                f"; the bands' variance is {pct(a['mean_parametric_share'], 1)} parameters and "
                f"{pct(1 - a['mean_parametric_share'], 1)} seeds "
                f"({'parameters' if a['mean_parametric_share'] > 0.5 else 'seeds'} dominate)"
                if "mean_parametric_share" in a
                else ""
            ),
        )
    out["steps_in_band"] = (
        sb["share_record_pattern"] >= 0.10,
        f"ROK approval inside {pct(sb['band'][0])}-{pct(sb['band'][1])} in every month 1-"
        f"{sb['window_months']} in {pct(sb['share_runs_always_in_band'], 1)} of runs (below it at "
        f"some month in {pct(sb['share_runs_below_band'], 1)}); ROK steps in at least "
        f"{sb['record_rok_step_months']} months while in the band in "
        f"{pct(sb['share_steps_continue_in_band'], 1)}; both together in "
        f"{pct(sb['share_record_pattern'], 1)}",
    )
    return out


LABELS = {
    "first_mover": "Japan moves first",
    "order": "Order of the steps",
    "institution": "Month of the Camp David-level institution",
    "approval_ROK": "ROK leader's approval at the polls",
    "approval_JPN": "Japanese leader's approval at the polls",
    "steps_in_band": "Steps continue while ROK approval stays in the band",
}


def _verdict_table(named: Sequence[tuple[str, dict[str, Any]]]) -> list[str]:
    lines = ["| Check | " + " | ".join(n for n, _ in named) + " |"]
    lines.append("|---|" + "---|" * len(named))
    vs = [verdicts(s) for _, s in named]
    for key, label in LABELS.items():
        cells = []
        for v in vs:
            ok, text = v[key]
            cells.append(("**reproduced**" if ok else "**not reproduced**") + ": " + text)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def _step_table(scores: dict[str, Any]) -> list[str]:
    lines = [
        "| Step | Record date | Record month | Share of runs taking it | Taken by the record's "
        "month | Median month when taken |",
        "|---|---|---|---|---|---|",
    ]
    for r in scores["step_order"]["steps"]:
        lines.append(
            f"| {r['label']} | {r['record_date']} | {r['record_month']} | {pct(r['share_taken'], 1)} "
            f"| {pct(r['share_by_record_month'], 1)} | {num(r['median_month'], 1)} |"
        )
    return lines


def _poll_table(scores: dict[str, Any]) -> list[str]:
    lines = [
        "| Leader | Poll date | Month | Poll | Ensemble median | 90% band | Error | Inside |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in scores["approval"]["polls"]:
        lines.append(
            f"| {r['actor']} | {r['date']} | {r['month']} | {pct(r['poll'], 1)} | "
            f"{pct(r['median'], 1)} | {pct(r['q05'], 1)}-{pct(r['q95'], 1)} | "
            f"{100 * r['error']:+.1f} pts | {'yes' if r['inside_90'] else 'no'} |"
        )
    return lines


def render_validation(
    hindcast: dict[str, Any],
    calibrated: dict[str, Any] | None,
    context: dict[str, Any],
    theory: Sequence[dict[str, Any]] = (),
) -> str:
    """The full Markdown of docs/VALIDATION.md.

    Args:
        hindcast: :func:`sim.validation.scores.score_all` of the hindcast scenario.
        calibrated: the same for ``scenarios/calibrated.toml``, or None.
        context: command, seed, runs, version, record facts, figure path, scenario hashes.
        theory: theory-check sections, each ``{"title", "markdown"}``.
    """
    drawn = bool(context.get("drawn"))
    named = [("Hindcast (parameters from their priors)" if drawn else "Hindcast (model defaults)",
              hindcast)]  # fmt: skip
    if calibrated is not None:
        named.append(("Calibrated", calibrated))
    v_h = verdicts(hindcast)
    v_c = verdicts(calibrated) if calibrated is not None else None
    L: list[str] = []
    L += [
        "# Validation: the hindcast of August 2022 to August 2023",
        "",
        f"*Generated by `{context['command']}` (alignsim {context['version']}, root seed "
        f"{context['seed']}, {context['runs']} runs per scenario). Do not edit by hand: every "
        "number below comes from the runs.*",
        "",
        "alignsim is a stylised research and teaching model, not a forecast. This page compares "
        "its hindcast with what happened between the EAI commentary (August 2022, month 0) and "
        "Camp David (18 August 2023, month 12), and reports the theory checks as they come out.",
        "",
        "## The record",
        "",
        f"{context['n_facts']} dated facts in `data/history/*.csv` (every row with a source; "
        f"[RESEARCH.md](RESEARCH.md) section 5), of which {context['n_polls']} approval polls "
        f"inside the window and {context['n_steps']} steps of the model's ladder. Polls are "
        "compared with the model month of their calendar month; steps taken in the same month "
        "are ties.",
        "",
        f"- Scenario `{context['hindcast_name']}` (hash `{context['hindcast_hash']}`), "
        f"{hindcast['months']} months from {context['start']}.",
    ]
    params = context.get("parameters", {})
    if params:
        line = f"- Parameters: the hindcast ensemble has {params['hindcast']}"
        if "calibrated" in params:
            line += f"; the calibrated one has {params['calibrated']}"
        if drawn:
            line += (". So the bands and shares below include both sources of uncertainty, the "
                     "seeds and the parameters (see [UNCERTAINTY.md](UNCERTAINTY.md); `alignsim "
                     "validate --pin-parameters` pins them).")  # fmt: skip
        else:
            line += ": the bands below include the seeds' uncertainty only."
        L.append(line)
    L += ["", "## Headline", ""]
    L += _verdict_table(named)
    L += ["", 'Criteria for "reproduced":', ""]
    crit_label = {**LABELS, "approval": "Approval at the polls (each leader)"}
    L += [f"- {crit_label[k]}: {c}." for k, c in CRITERIA.items()]
    for name, path in context.get("figures", {"hindcast": context["figure"]}).items():
        L += ["", f"![{name.capitalize()} against the record]({path})"]
    L += [""]
    L += ["## What the model reproduces, what it does not, and what that implies", ""]
    L += _implications(v_h, v_c, hindcast, calibrated, drawn)
    for title, s in named:
        L += ["", f"## Steps: {title.lower()}", ""]
        L += _step_table(s)
        L += ["", f"## Polls: {title.lower()}", ""]
        L += _poll_table(s)
    for sec in theory:
        L += ["", f"## {sec['title']}", "", sec["markdown"].rstrip()]
    L += [
        "",
        "## Caveats",
        "",
        "- The ladder (`sim/core/steps.py`) lists the steps in the record's order and gates them by "
        "ROK-Japan trust, so the order score is partly built in; it tests the pacing and who "
        "moves, more than the order itself.",
        "- The record is one history: a score says whether that history is a typical run of the "
        "model, not whether the model is right.",
        "- The model is monthly; the record's March 2023 cluster (compensation plan, Tokyo "
        "summit, curbs lifted, WTO case dropped, GSOMIA) falls in one month.",
    ]
    if drawn:
        L.append(
            "- Drawing the parameters widens the bands, and a check that asks whether the record "
            "lies inside a band is easier to pass with a wider one: a check reproduced with drawn "
            "parameters says the record is among the model's possibilities over its plausible "
            "parameters, not that it is a typical run at any one of them (`--pin-parameters` "
            "shows the checks at the scenario's values)."
        )
    L.append("")
    return "\n".join(L)


def _implications(
    v_h: dict[str, tuple[bool, str]],
    v_c: dict[str, tuple[bool, str]] | None,
    h: dict[str, Any],
    c: dict[str, Any] | None,
    drawn: bool = False,
) -> list[str]:
    """Plain statements derived from the verdicts (``drawn``: the hindcast drew its uncertain
    parameters from their priors, rather than keeping the defaults)."""
    L: list[str] = []
    how = "with its uncertain parameters drawn from their priors" if drawn else (
        "with its default parameters")  # fmt: skip
    model = "the hindcast" if drawn else "the default model"
    ok_h = [LABELS[k] for k, (ok, _) in v_h.items() if ok]
    not_h = [LABELS[k] for k, (ok, _) in v_h.items() if not ok]
    L.append(
        f"- {how.capitalize()} the model reproduces {len(ok_h)} of {len(v_h)} checks"
        + (f" ({'; '.join(ok_h)})" if ok_h else "")
        + (f" and misses {'; '.join(not_h)}." if not_h else ".")
    )
    if v_c is not None and c is not None:
        ok_c = [LABELS[k] for k, (ok, _) in v_c.items() if ok]
        not_c = [LABELS[k] for k, (ok, _) in v_c.items() if not ok]
        L.append(
            f"- Calibrated, it reproduces {len(ok_c)} of {len(v_c)}"
            + (f" ({'; '.join(ok_c)})" if ok_c else "")
            + (f"; it still misses {'; '.join(not_c)}." if not_c else ".")
        )
    fm = h["first_mover"]
    if fm["shares"]["both"] > 0.5:
        L.append(
            f"- {'In the hindcast' if drawn else 'By default'} both leaders take their first "
            "step in the same month in "
            f"{pct(fm['shares']['both'])} of runs: the model's leaders are both motivated and able "
            "from month 1, so it does not by itself produce the commentary's asymmetry (Kishida, "
            "with more political capital, moving first)."
        )
    inst = h["institution"]
    if inst["median"] is not None and inst["median"] < inst["record_month"]:
        L.append(
            f"- {model.capitalize()} institutionalises too early (median month "
            f"{month_text(inst['median'], inst['horizon'])} against the record's "
            f"{inst['record_month']}): its steps come faster than the record's."
        )
    elif inst["median"] is None or inst["median"] > inst["record_month"]:
        L.append(
            f"- {model.capitalize()} institutionalises later than the record (median "
            f"{month_text(inst['median'], inst['horizon'])} against month {inst['record_month']})."
        )
    ap = h["approval"]["summary"]["ROK"]
    if ap["mean_error"] is not None and ap["mean_error"] < -0.03:
        L.append(
            f"- ROK approval runs {num(-100 * ap['mean_error'], 1)} points below the polls on "
            f"average {'in the hindcast' if drawn else 'by default'}: the model has no mechanism for the recovery from the August 2022 "
            "low beyond the drift to its baseline, and every step costs approval."
        )
    L.append(
        "- Use: the model's qualitative story (small steps accumulate into an institution under "
        "moderate pressure) is compatible with the record where the checks above pass; timing and "
        "poll-level numbers should not be read as predictions, and where a check fails the "
        "mechanism behind it is the place to look, not the parameter."
    )
    return L
