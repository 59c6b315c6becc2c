"""The interactive web app (Solara), for teaching: explore, ensemble, play a country.

Start it with ``alignsim app`` (binds 127.0.0.1; see ``sim/commands/app.py``), which serves every
front-end asset from the local cache filled at install time by ``tools/fetch_assets.py`` and turns
Solara's telemetry off. Nothing is fetched at run time.

Every browser session gets its own model: the model is built inside the :func:`Page` component
(``solara.use_memo``), never at import time, so two students never share a run.

Tabs:
    Explore: scenario picker, seed, leaders' strategies, parameter sliders generated from the
        declarations in ``sim.core.params`` (value, unit, tooltip with meaning and source; they take
        effect on Reset), Step / Run 12 months / Reset, plots, a text panel with the current
        month's numbers and the event log.
    Ensemble: 200 seeds of the current settings with the array engine (``sim.engines.batch``): bands and
        the probability of institutionalised trilateral cooperation.
    Play a country: the student takes the ROK, Japan or the US (``sim.teaching.play``), then a debrief
        against the four agent strategies on the same seed and a CSV of the decision log.
    About: what the model is and is not.

A stylised teaching and research model, not a forecast.
"""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import numpy as np
import solara
from matplotlib.figure import Figure

from sim.core.params import Scenario, param_table
from sim.core.strategies import STRATEGY_NAMES
from sim.engines.batch import MONTHLY_VARS, simulate
from sim.engines.model import AlignmentModel
from sim.errors import UserError
from sim.teaching.play import (
    available_scenarios,
    resolve_scenario,
)
from sim.teaching.play_tab import PlayTab
from sim.teaching.settings import Settings, build_model

ENSEMBLE_RUNS = 200
DISCLAIMER = (
    "A stylised teaching and research model of alignment pressure on the ROK-Japan-US triangle, "
    "not a forecast."
)
GROUPS = ("initial", "economy", "leaders", "patrons", "exogenous", "fears", "cooperation")
PANEL_VARS = (
    ("trilateral", "Trilateral cooperation index"),
    ("coop_ROK_JPN", "Cooperation ROK-Japan"),
    ("coop_ROK_US", "Cooperation ROK-US"),
    ("coop_JPN_US", "Cooperation Japan-US"),
    ("approval_ROK", "Approval ROK leader"),
    ("approval_JPN", "Approval Japanese leader"),
    ("alignment_ROK", "Alignment ROK (-1 CHN..+1 US)"),
    ("alignment_JPN", "Alignment JPN (-1 CHN..+1 US)"),
    ("us_coercion", "US pressure"),
    ("china_coercion", "Chinese coercion"),
    ("launches", "North Korean launches (month)"),
)


def _step_size(info: dict[str, Any], value: float) -> float:
    """A slider step near 1/100 of the range on whose grid the value lies (else the slider
    would snap the value and change the parameter just by being shown)."""
    if info["integer"]:
        return 1.0
    lo, span = float(info["lo"]), float(info["hi"]) - float(info["lo"])
    nice = [m * 10.0**e for e in range(3, -7, -1) for m in (5, 2, 1)]
    for step in (s for s in nice if s <= span / 100 + 1e-12):
        k = (value - lo) / step
        if abs(k - round(k)) < 1e-6:
            return float(f"{step:.6g}")
    return span / 100


def _fmt(x: float) -> str:
    return f"{x:.4g}"


# ---------------------------------------------------------------------------------- text panels
def month_panel_text(model: AlignmentModel, settings: Settings) -> str:
    """The current month's numbers as text (checkable, not only an image)."""
    rec = model.record()
    lines = [
        f"Month {model.month} of {model.spec.months} ({model.date})",
        f"Scenario {settings.scenario}; seed {settings.seed}",
        f"Strategies: ROK {model.rok.strategy}, JPN {model.jpn.strategy}",
    ]
    for name, label in PANEL_VARS:
        lines.append(f"{label:<30} {rec[MONTHLY_VARS.index(name)]:.3f}")
    inst = model.inst_month
    lines.append("Institutionalised: " + (f"yes, in month {inst}" if inst >= 0 else "not yet"))
    if model.collapse_month >= 0:
        lines.append(f"Collapsed in month {model.collapse_month}")
    return "\n".join(lines)


def event_log_rows(model: AlignmentModel) -> list[str]:
    """Steps taken and events (shocks, flashpoints, leader changes), newest first."""
    rows = [(s["month"], f"{s['date']}  step     {s['actor']:<4} {s['action']} {s['label']}")
            for s in model.steps_log]  # fmt: skip
    rows += [(e["month"], f"{e['date']}  {e['kind'][:8]:<8} {e['actor']:<4} {e['text']}")
             for e in model.event_log]  # fmt: skip
    rows.sort(key=lambda r: r[0], reverse=True)
    return [r[1] for r in rows]


# ---------------------------------------------------------------------------------- figures
def trajectory_figure(model: AlignmentModel) -> Figure:
    """Trilateral index, approvals, alignments and pairwise cooperation, month by month."""
    df = model.datacollector.get_model_vars_dataframe()
    fig = Figure(figsize=(10, 6), dpi=80)
    axes = fig.subplots(2, 2, sharex=True)
    x = df["month"].to_numpy()
    panels = (
        ("Trilateral cooperation index", (("trilateral", "trilateral"),), (0, 1)),
        ("Leader approval", (("approval_ROK", "ROK"), ("approval_JPN", "Japan")), (0, 1)),
        ("Alignment (-1 China .. +1 US)", (("alignment_ROK", "ROK"), ("alignment_JPN", "Japan")),
         (-1, 1)),
        ("Pairwise cooperation", (("coop_ROK_JPN", "ROK-Japan"), ("coop_ROK_US", "ROK-US"),
                                  ("coop_JPN_US", "Japan-US")), (0, 1)),
    )  # fmt: skip
    for ax, (title, series, ylim) in zip(axes.flat, panels, strict=True):
        for col, label in series:
            ax.plot(x, df[col].to_numpy(), label=label)
        if title.startswith("Trilateral"):
            ax.axhline(model.run_params.institution_threshold, ls="--", c="grey", lw=0.8,
                       label="institution threshold")  # fmt: skip
        ax.set_title(title, fontsize=10)
        ax.set_ylim(*ylim)
        ax.set_xlim(0, model.spec.months)
        ax.legend(fontsize=7, loc="upper right")
    for ax in axes[1]:
        ax.set_xlabel("month")
    fig.suptitle(f"{model.spec.name} - seed {model.root_seed} - a teaching model, not a forecast",
                 fontsize=9)  # fmt: skip
    fig.subplots_adjust(left=0.06, right=0.98, top=0.9, bottom=0.09, hspace=0.25, wspace=0.15)
    return fig


def ensemble_summary(settings: Settings, runs: int = ENSEMBLE_RUNS) -> dict[str, Any]:
    """``runs`` seeds of the current settings with the array engine: bands and probabilities."""
    spec = settings.spec()
    res = simulate(spec, settings.seed, np.arange(runs), keep_monthly=True)
    assert res.monthly is not None
    tri = res.monthly[:, :, MONTHLY_VARS.index("trilateral")]
    inst = res.summary["inst_month"]
    ok = inst >= 0
    return {
        "runs": runs,
        "tri": tri,
        "approval_ROK": res.monthly[:, :, MONTHLY_VARS.index("approval_ROK")],
        "p_inst": float(ok.mean()),
        "p_durable": float(res.summary["durable"].mean()),
        "median_inst_month": float(np.median(inst[ok])) if ok.any() else None,
        "threshold": float(spec.params.institution_threshold),
        "months": spec.months,
    }


def ensemble_text(e: dict[str, Any], settings: Settings) -> str:
    med = e["median_inst_month"]
    return "\n".join(
        [
            f"{e['runs']} runs (replications 0-{e['runs'] - 1} of seed {settings.seed}), "
            f"scenario {settings.scenario}, {e['months']} months",
            f"P(institutionalised trilateral cooperation) = {e['p_inst']:.3f}",
            f"P(institutionalised and never collapsed)    = {e['p_durable']:.3f}",
            "Median month institutionalised (when it happens): "
            + ("never" if med is None else f"{med:.1f}"),
            f"Final trilateral index: median {np.median(e['tri'][:, -1]):.3f}, "
            f"5-95% {np.percentile(e['tri'][:, -1], 5):.3f}-{np.percentile(e['tri'][:, -1], 95):.3f}",
        ]
    )


def ensemble_figure(e: dict[str, Any]) -> Figure:
    fig = Figure(figsize=(10, 3.5), dpi=80)
    axes = fig.subplots(1, 2)
    for ax, key, title in ((axes[0], "tri", "Trilateral index"),
                           (axes[1], "approval_ROK", "ROK leader approval")):  # fmt: skip
        a = e[key]
        x = np.arange(a.shape[1])
        q = np.percentile(a, [5, 25, 50, 75, 95], axis=0)
        ax.fill_between(x, q[0], q[4], alpha=0.2, label="5-95%")
        ax.fill_between(x, q[1], q[3], alpha=0.35, label="25-75%")
        ax.plot(x, q[2], lw=1.5, label="median")
        if key == "tri":
            ax.axhline(e["threshold"], ls="--", c="grey", lw=0.8, label="threshold")
        ax.set_ylim(0, 1)
        ax.set_title(f"{title} ({e['runs']} runs)", fontsize=10)
        ax.set_xlabel("month")
        ax.legend(fontsize=7, loc="upper left")
    fig.subplots_adjust(left=0.06, right=0.98, top=0.9, bottom=0.14, wspace=0.15)
    return fig


# ---------------------------------------------------------------------------------- components
@solara.component
def ParamSlider(info: dict[str, Any], value: float, on_value: Any) -> None:
    """One parameter's slider: label with current value and unit, tooltip with its meaning."""
    name = info["name"]
    label = f"{name} = {_fmt(value)} ({info['unit']})"
    tip = f"{info['meaning']}. Range {info['lo']}..{info['hi']}. Source: {info['source']}"
    with solara.Tooltip(tip):
        with solara.Div(classes=[f"param-{name}", "param-slider"]):
            if info["integer"]:
                solara.SliderInt(label, value=int(value), min=int(info["lo"]), max=int(info["hi"]),
                                 on_value=lambda v: on_value(name, float(v)))  # fmt: skip
            else:
                step = _step_size(info, float(value))

                def changed(v: float) -> None:
                    # ignore the slider snapping an off-grid value to its grid
                    if abs(float(v) - float(value)) > step / 2 + 1e-12:
                        on_value(name, float(v))

                solara.SliderFloat(label, value=float(value), min=float(info["lo"]),
                                   max=float(info["hi"]), step=step, on_value=changed)  # fmt: skip


@solara.component
def Page() -> None:
    scenarios = solara.use_memo(available_scenarios, dependencies=[])
    table = solara.use_memo(param_table, dependencies=[])
    # pending settings (the controls); the model is rebuilt from them on Reset
    pending, set_pending = solara.use_state(Settings())
    applied, set_applied = solara.use_state(Settings())
    error, set_error = solara.use_state("")
    group, set_group = solara.use_state("initial")
    # bumped by Reset, so Reset rebuilds the model even when no setting changed
    generation, set_generation = solara.use_state(0)

    def make() -> AlignmentModel | None:
        try:
            return build_model(applied)
        except (UserError, ValueError, TypeError) as e:
            set_error(str(e))
            return None

    # one model per browser session, rebuilt only when the applied settings change
    model = solara.use_memo(make, dependencies=[applied, generation])
    base = solara.use_memo(lambda: _safe_spec(pending.scenario), dependencies=[pending.scenario])
    overrides = dict(pending.overrides)

    def set_param(name: str, v: float) -> None:
        o = dict(pending.overrides)
        o[name] = v
        set_pending(dataclasses.replace(pending, overrides=tuple(sorted(o.items()))))

    def reset() -> None:
        set_error("")
        set_applied(pending)
        set_generation(generation + 1)

    def set_scenario(name: str) -> None:
        new = dataclasses.replace(pending, scenario=name, overrides=())
        set_pending(new)
        set_applied(new)
        set_generation(generation + 1)

    solara.Title("alignsim")
    with solara.AppBar():
        solara.Text("alignsim - a teaching model, not a forecast")
    with solara.Sidebar():
        solara.Markdown("### Settings")
        solara.Select("Scenario", values=[n for n, _ in scenarios], value=pending.scenario,
                      on_value=set_scenario)  # fmt: skip
        desc = dict(scenarios).get(pending.scenario, "")
        if desc:
            solara.Text(desc, style={"font-size": "0.8em"})
        solara.InputInt("Seed", value=pending.seed, classes=["seed-input"],
                        on_value=lambda v: set_pending(dataclasses.replace(pending, seed=int(v or 0))))  # fmt: skip
        solara.SliderInt(f"Months = {pending.months}", value=pending.months, min=6, max=120,
                         on_value=lambda v: set_pending(dataclasses.replace(pending, months=int(v))))  # fmt: skip
        strategies = ["(scenario)", *STRATEGY_NAMES]
        for role, attr in (("ROK", "rok_strategy"), ("JPN", "jpn_strategy")):
            solara.Select(
                f"{role} leader's strategy",
                values=strategies,
                value=getattr(pending, attr) or "(scenario)",
                on_value=lambda v, a=attr: set_pending(_with_strategy(pending, a, v)),
            )
        solara.Markdown("#### Parameters (take effect on Reset)")
        solara.Select("Parameter group", values=list(GROUPS), value=group, on_value=set_group)
        for info in table:
            if info["group"] != group:
                continue
            value = overrides.get(info["name"], getattr(base.params, info["name"]))
            ParamSlider(info, value, set_param)
        if overrides:
            solara.Text(f"Changed: {', '.join(sorted(overrides))}", style={"font-size": "0.8em"})

    solara.Text(DISCLAIMER, style={"font-style": "italic"})
    if error:
        solara.Error(error)
    with solara.lab.Tabs():
        with solara.lab.Tab("Explore"):
            ExploreTab(model, applied, reset)
        with solara.lab.Tab("Ensemble"):
            EnsembleTab(applied)
        with solara.lab.Tab("Play a country"):
            PlayTab(pending)
        with solara.lab.Tab("About"):
            solara.Markdown(ABOUT)


def _with_strategy(settings: Settings, attr: str, value: str) -> Settings:
    name = "" if value == "(scenario)" else value
    if attr == "rok_strategy":
        return dataclasses.replace(settings, rok_strategy=name)
    return dataclasses.replace(settings, jpn_strategy=name)


def _safe_spec(name: str) -> Scenario:
    try:
        return resolve_scenario(name)
    except UserError:
        return Scenario()


@solara.component
def ExploreTab(model: AlignmentModel | None, settings: Settings, reset: Any) -> None:
    # the month counter lives here, so stepping re-renders this tab only, not the sidebar
    tick, set_tick = solara.use_state(0)

    def step(n: int) -> None:
        if model is None:
            return
        for _ in range(n):
            if not model.running:
                break
            model.step()
        set_tick(tick + n)

    with solara.Row():
        solara.Button("Step", on_click=lambda: step(1), color="primary", classes=["btn-step"])
        solara.Button("Run 12 months", on_click=lambda: step(12), classes=["btn-run12"])
        solara.Button("Reset", on_click=reset, classes=["btn-reset"])
    if model is None:
        return
    with solara.Columns([3, 2]):
        solara.FigureMatplotlib(trajectory_figure(model), format="png", dependencies=[model, tick])
        with solara.Div(classes=["month-panel"]):
            solara.Preformatted(month_panel_text(model, settings))
    solara.Markdown("#### Event log (steps, shocks, flashpoints, leader changes)")
    rows = event_log_rows(model)
    with solara.Div(classes=["event-log"], style={"max-height": "240px", "overflow-y": "auto"}):
        solara.Preformatted("\n".join(rows) if rows else "(nothing yet)")


@solara.component
def EnsembleTab(settings: Settings) -> None:
    result, set_result = solara.use_state(cast(tuple[Settings, dict[str, Any]] | None, None))

    def run() -> None:
        set_result((settings, ensemble_summary(settings)))

    solara.Markdown(
        f"Run {ENSEMBLE_RUNS} seeds (replications) of the current settings (as last Reset) "
        "with the array engine."
    )
    solara.Button(f"Run {ENSEMBLE_RUNS} seeds", on_click=run, color="primary",
                  classes=["btn-ensemble"])  # fmt: skip
    if result is not None:
        s, e = result
        with solara.Div(classes=["ensemble-panel"]):
            solara.Preformatted(ensemble_text(e, s))
        fig = ensemble_figure(e)
        solara.FigureMatplotlib(fig, format="png")


ABOUT = """
### About alignsim

An agent-based model (Mesa) of alignment pressure in the US-China rivalry: the United States,
China, South Korea (ROK) and Japan, month by month from August 2022. Leaders of the ROK and Japan
take diplomatic steps (visa-free entry, a compensation plan, summits, whitelists, GSOMIA, a
trilateral summit, exercises, a secretariat, or one grand bargain) under their domestic political
capital (Putnam's two-level games) and their fears of abandonment and entrapment (Snyder, Cha).
The US and China press their partners (Drezner on economic coercion).

**This is a stylised teaching and research model, not a forecast.** Every parameter is declared
with its meaning, unit, range and source: hover over a slider to read it.

See `docs/teaching/` for the info page and class exercises.
"""
