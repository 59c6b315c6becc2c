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
    extra: Sequence[str] = (),
) -> str:
    """The full Markdown of docs/VALIDATION.md.

    Args:
        hindcast: :func:`sim.validation.scores.score_all` of the hindcast scenario.
        calibrated: the same for ``scenarios/calibrated.toml``, or None.
        context: command, seed, runs, version, record facts, figure path, scenario hashes.
        theory: theory-check sections, each ``{"title", "markdown"}``.
        extra: further sections (Markdown), placed after the hindcast's tables: the
            out-of-sample episode (:func:`episode_markdown`) and the time-split check
            (:func:`time_split_markdown`).
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
        "Camp David (18 August 2023, month 12), and reports the theory checks as they come out."
        + (
            " It also scores the calibrated model out of sample, on the December 2015 agreement and "
            "its unravelling, and inside 2022-23 by a time split."
            if extra
            else ""
        ),
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
    for sec_md in extra:
        L += ["", sec_md.rstrip()]
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


# ------------------------------------------------------------- out of sample: 2015-2019


def episode_markdown(named: Sequence[tuple[str, dict[str, Any]]], context: dict[str, Any]) -> str:
    """The section of the out-of-sample episode (December 2015 - November 2019).

    Args:
        named: (column title, :func:`sim.validation.episode.score_episode`) for each ensemble,
            the first one being the headline (its polls and cooperation are tabled).
        context: scenario name and hash, start, months, record counts, parameter text by title.
    """
    from sim.validation import episode as E

    first = named[0][1]
    vs = [E.verdicts(s) for _, s in named]
    polls = first["approval"]["polls"]
    L = [
        "## Out of sample: the 2015 agreement and its unravelling (December 2015 - November 2019)",
        "",
        f"The record: {context['n_facts']} dated facts in `data/history/episode_2015_*.csv` (every "
        f"row with a source), of which {len(polls)} approval polls ({sum(p['scored'] for p in polls)} "
        "scored out of sample; the others set the initial conditions or sized the scheduled "
        "scandal shock). The calibration never saw them: it was fitted to August 2022 - August "
        "2023 only and is not refitted here (`sim.validation.calibration` refuses rows before "
        "2022 and the loader leaves `episode_*` files out of the 2022-23 record).",
        "",
        f"- Scenario `{context['name']}` (hash `{context['hash']}`), {first['months']} months from "
        f"{context['start']} (month 0 = December 2015): both leaders play `grand_bargain`; the "
        "2016 scandal (approval and baseline shock, month 10) and the new president (leader "
        "change, month 17) are scheduled inputs; the reversals, the GSOMIA crisis, the trade "
        "measures and the fall of ROK-Japan ties are not (see the scenario's comments).",
    ]
    for title, s in named:
        L.append(f"- {title}: {s['runs']} runs; {context['parameters'][title]}.")
    L += ["", "| Check | " + " | ".join(t for t, _ in named) + " |", "|---|" + "---|" * len(named)]
    for key, label in E.LABELS.items():
        cells = [("**reproduced**" if v[key][0] else "**not reproduced**") + ": " + v[key][1]
                 for v in vs]  # fmt: skip
        L.append(f"| {label} | " + " | ".join(cells) + " |")
    L += ["", 'Criteria for "reproduced":', ""]
    L += [
        f"- {E.LABELS.get(k, 'Approval at the polls (each leader)')}: {c}."
        for k, c in E.CRITERIA.items()
    ]
    L += ["", "### What the out-of-sample episode reproduces, and what it does not", ""]
    L += _episode_implications(named)
    L += [
        "",
        f"### Approval at the dated polls ({named[0][0].lower()})",
        "",
        "| Leader | Poll date | Month | Poll | Ensemble median | 90% band | Error | Inside | Scored |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in polls:
        L.append(
            f"| {r['actor']} | {r['date']} | {r['month']} | {pct(r['poll'], 1)} | "
            f"{pct(r['median'], 1)} | {pct(r['q05'], 1)}-{pct(r['q95'], 1)} | "
            f"{100 * r['error']:+.1f} pts | {'yes' if r['inside_90'] else 'no'} | "
            f"{'yes' if r['scored'] else 'no (input)'} |"
        )
    q = first["cooperation"]["quantiles_at"]
    L += [
        "",
        f"### ROK-Japan cooperation ({named[0][0].lower()})",
        "",
        "| Month | Median | 90% band |",
        "|---|---|---|",
        *[f"| {m} | {v[1]:.2f} | {v[0]:.2f}-{v[2]:.2f} |" for m, v in sorted(q.items())],
    ]
    return "\n".join(L)


def _episode_implications(named: Sequence[tuple[str, dict[str, Any]]]) -> list[str]:
    """Plain statements derived from the episode's scores (each from the numbers)."""
    from sim.validation import episode as E

    L: list[str] = []
    for title, s in named:
        v = E.verdicts(s)
        ok = [E.LABELS[k] for k, (good, _) in v.items() if good]
        miss = [E.LABELS[k] for k, (good, _) in v.items() if not good]
        L.append(
            f"- {title}: reproduces {len(ok)} of {len(v)} checks"
            + (f" ({'; '.join(ok)})" if ok else "")
            + (f"; misses {'; '.join(miss)}." if miss else ".")
        )
    s = named[0][1]
    g, t, r, c = s["gsomia"], s["trade"], s["reversal"], s["cooperation"]
    if g["median_month_taken"] is not None and g["median_month_taken"] < g["record_taken_month"]:
        L.append(
            f"- GSOMIA comes with the bargain (median month {g['median_month_taken']:g}), not "
            f"{g['record_taken_month']} months after it as in the record: the bargain takes the "
            "open summit, trade and security steps with it (`bargain_bundle`), so in the model "
            "the 2015 settlement and the 2016 intelligence pact are one move."
        )
    if t["share_jpn_by_end"] < 0.1 and g["share_withdrawn_by_end"] < 0.1:
        L.append(
            f"- The 2019 crisis is not produced: Japan withdraws a trade step in "
            f"{pct(t['share_jpn_by_end'])} of runs and GSOMIA is withdrawn in "
            f"{pct(g['share_withdrawn_by_end'])}. In the model a leader withdraws only steps its "
            "predecessors took (its own are its word), so Japan's leader, unless the model "
            "replaces him, never reverses; a reversal's domestic gain is proportional to the "
            "step's cost (`sim.core.rules.reversal_gain`), and the security and trade steps cost "
            "a quarter of the bargain or less (`sim/core/steps.py`); and no rule links a court "
            "ruling to retaliation in trade."
        )
    if (
        r["share_by_end_hostile_successor"] is not None
        and r["share_by_end_other_successor"] is not None
    ):
        L.append(
            f"- With a successor hostile to Japan (drawn in {pct(r['share_hostile_successor'])} of "
            f"runs) the bargain is withdrawn by November 2019 in "
            f"{pct(r['share_by_end_hostile_successor'])} of runs, with any other successor in "
            f"{pct(r['share_by_end_other_successor'])}. A scenario cannot say that Moon came from "
            "the other camp: a successor's stance is drawn from the parties "
            "(`rok_opposition_prob`, `opposition_stance_shift`), not set by the leader-change event."
        )
    q = c["quantiles_at"]
    mid = c["mid_2019_month"]
    line = (
        f"- ROK-Japan cooperation in month {mid} (June 2019) is below its December 2015 level in "
        f"{pct(c['share_below_start_by_mid_2019'])} of runs: its median goes from "
        f"{q[0][1]:.2f} in month 0 to {q[1][1]:.2f} in month 1 (the bargain and the steps it "
        f"bundles) and is {q[mid][1]:.2f} in month {mid}."
    )
    if c["share_below_start_by_mid_2019"] < E.MAJORITY:
        line += (
            " A withdrawal takes back `reversal_trust_penalty` times the withdrawn step's own "
            "gain, not the bundled steps' (which stay in force), so in the model the unravelling "
            "leaves ties above their level before the deal, unlike the record."
        )
    L.append(line)
    roks = [p for p in s["approval"]["polls"] if p["actor"] == "ROK" and p["scored"]
            and p["month"] > 17 and p["poll"] > p["q95"]]  # fmt: skip
    if roks:
        L.append(
            f"- {len(roks)} of the new president's polls lie above the band (up to "
            f"{pct(max(p['poll'] for p in roks), 0)}): a new leader starts at the model's "
            "`honeymoon_approval` (50%, Yoon's May 2022 level), well below Moon's 82-83%, and "
            "the calibrated baseline it drifts to is Yoon's."
        )
    L.append(
        "- Use: one episode is one history; the checks say where the calibrated model's "
        "mechanisms carry to another period and where they do not, and the misses point at "
        "mechanisms (who reverses, what a reversal costs, the bundle), not at parameters to refit."
    )
    return L


# ------------------------------------------------------------- the time-split check


def time_split_markdown(ts: dict[str, Any]) -> str:
    """The section of the time-split check (:func:`sim.validation.timesplit.run_time_split`)."""
    sp, fu = ts["split"], ts["full"]
    w = ts["window"]
    ls, lf = sp["later"], fu["later"]
    L = [
        "## Time-split check inside 2022-23",
        "",
        f"The calibration (ABC, `sim.validation.calibration.calibrate`) was run on the record up "
        f"to {ts['cutoff']} only ({sp['settings']['record_rows']} rows, the last dated "
        f"{sp['settings']['record_last_date']}: months 0-{w} of the hindcast), and, as the "
        f"in-sample reference, on the whole record ({fu['settings']['record_rows']} rows), both "
        f"with {ts['particles']} particles, {100 * ts['accept']:g}% accepted and root seed "
        f"{ts['seed']}. Before the cutoff the institution had not come, so the split fit matches "
        f'"no institution by month {w}" (each run\'s month capped at {w + 1}), the steps by '
        f"month {w} and the polls up to month {w}. Each fit's accepted sample drives "
        f"{ts['runs']} runs of the hindcast ({ts['seeds_per_draw']} seeds per draw; the other "
        "uncertain parameters from their priors), scored on the record after the cutoff "
        f"(months {w + 1}-12: March - August 2023).",
        "",
        "| Out-of-sample part (after the cutoff) | Fit to the record up to the cutoff | Fit to the whole record (in sample) |",
        "|---|---|---|",
    ]

    def polls(x: dict[str, Any]) -> str:
        mae = x["poll_mean_abs_error"]
        return (f"{x['polls_inside_90']} of {x['polls_scored']} inside the 90% band; mean "
                f"absolute error {'n/a' if mae is None else f'{100 * mae:.1f}'} points")  # fmt: skip

    def inst(x: dict[str, Any]) -> str:
        i = x["institution"]
        h = i["horizon"]
        return (f"record month {i['record_month']}; median {month_text(i['median'], h)}, 90% "
                f"interval [{month_text(i['q05'], h)}, {month_text(i['q95'], h)}] "
                f"({'contains' if x['institution_inside_90'] else 'misses'} the record); by month "
                f"{i['record_month']}: {pct(i['share_by_record_month'], 1)}")  # fmt: skip

    L.append(f"| Polls after the cutoff | {polls(ls)} | {polls(lf)} |")
    L.append(
        f"| {len(ls['steps'])} steps after the cutoff: mean share of runs taking each by its record "
        f"month | {pct(ls['steps_mean_share_by_record_month'], 1)} | "
        f"{pct(lf['steps_mean_share_by_record_month'], 1)} |"
    )
    L.append(f"| Month of the Camp David-level institution | {inst(ls)} | {inst(lf)} |")
    L += [
        "",
        "| Poll | Month | Poll value | Split fit: median, 90% band | Whole-record fit: median, 90% band |",
        "|---|---|---|---|---|",
    ]
    for a, b in zip(ls["polls"], lf["polls"], strict=True):
        L.append(
            f"| {a['actor']} {a['date']} | {a['month']} | {pct(a['poll'], 1)} | {pct(a['median'], 1)}, "
            f"{pct(a['q05'], 1)}-{pct(a['q95'], 1)} | {pct(b['median'], 1)}, "
            f"{pct(b['q05'], 1)}-{pct(b['q95'], 1)} |"
        )
    L += [
        "",
        "| Step | Record month | Split fit: taken by then | Whole-record fit: taken by then |",
        "|---|---|---|---|",
    ]
    for a, b in zip(ls["steps"], lf["steps"], strict=True):
        L.append(f"| {a['label']} | {a['record_month']} | {pct(a['share_by_record_month'], 1)} | "
                 f"{pct(b['share_by_record_month'], 1)} |")  # fmt: skip
    L += [
        "",
        "| Parameter | Split fit: median [90%] | Whole-record fit: median [90%] |",
        "|---|---|---|",
    ]
    for a, b in zip(sp["posterior"], fu["posterior"], strict=True):
        L.append(
            f"| `{a['parameter']}` | {a['posterior_median']:.3g} [{a['posterior_q05']:.3g}, "
            f"{a['posterior_q95']:.3g}] ({a['identifiability']}) | {b['posterior_median']:.3g} "
            f"[{b['posterior_q05']:.3g}, {b['posterior_q95']:.3g}] ({b['identifiability']}) |"
        )
    d_mae = (
        None
        if ls["poll_mean_abs_error"] is None or lf["poll_mean_abs_error"] is None
        else 100 * (ls["poll_mean_abs_error"] - lf["poll_mean_abs_error"])
    )
    L += [
        "",
        f"- Fitted on the first {w} months only, the model puts {ls['polls_inside_90']} of "
        f"{ls['polls_scored']} later polls inside its 90% band (whole-record fit: "
        f"{lf['polls_inside_90']}), its institution interval "
        f"{'contains' if ls['institution_inside_90'] else 'misses'} the record's month 12, and "
        f"takes the later steps by their record month in "
        f"{pct(ls['steps_mean_share_by_record_month'], 1)} of runs on average (whole-record fit: "
        f"{pct(lf['steps_mean_share_by_record_month'], 1)})"
        + (
            "."
            if d_mae is None
            else f"; its poll error is {d_mae:+.1f} points against the whole-record fit's."
        ),  # fmt: skip
        f"- The split fit sees {sp['observed']['steps_by_inst']:g} steps of the ladder and no "
        "institution: what it gets right about March - August 2023 comes from the model's "
        "mechanisms and the priors, what the whole-record fit adds is what those months taught "
        "the calibration.",
    ]
    return "\n".join(L)
