"""The interactive web app (Solara), for teaching: explore, ensemble and sweep, play a country.

Start it with ``alignsim app`` (binds 127.0.0.1; see ``sim/commands/app.py``), which serves every
front-end asset from this machine (the Solara front-end from the cache filled at install time by
``tools/fetch_assets.py``; Plotly's from the installed ``plotly`` package, as a cacheable file) and
turns Solara's telemetry off. Nothing is fetched at run time.

Every browser session gets its own model: the model is built inside the :func:`Page` component,
never at import time, so two students never share a run. A session keeps one model and its
settings; plots are Plotly figures drawn by the browser (no image rendering on the server).

One source of settings for every tab: the sidebar edits *pending* settings; **Apply** makes them
the *applied* settings every tab uses (Explore, Ensemble, Play). The bar above the tabs counts
the changes not yet applied; changing the scenario keeps parameter changes and says so.

Tabs:
    Explore: Step / Run 12 months / Reset (the tab shows itself busy from the click until the
        answer is on the page, kept by the browser alone), the run's plots (dates on the axis,
        units, US and Chinese pressure, steps, shocks and leader changes marked), the numbers
        panel and the event log. A click renders this tab alone, not the page around it.
    Ensemble: 200 seeds of the applied settings with the array engine, and a BehaviorSpace-style
        sweep of one parameter (``sim.teaching.sweep``).
    Play a country: ``sim.teaching.play_tab``.
    Info: the model's info page (``INFO.md``, shipped with the package), with how to cite and
        the licence.
    About: what the model is and is not.

A stylised teaching and research model, not a forecast.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import threading
import time
import types
from concurrent.futures import Future
from concurrent.futures import wait as futures_wait
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import solara
import solara.lab

from sim.core.params import Scenario, month_label, out_of_range, param_table
from sim.core.strategies import STRATEGY_NAMES
from sim.engines.batch import MONTHLY_VARS, simulate
from sim.engines.model import AlignmentModel
from sim.errors import UserError
from sim.teaching.figures import (
    band_figure,
    model_figure,
    model_leader_changes,
    model_trace_values,
    sweep_figure,
    title_text,
)
from sim.teaching.labels import GROUP_LABELS, VAR_LABELS, fmt_number, param_help, param_label
from sim.teaching.play import available_scenarios, resolve_scenario
from sim.teaching.play_tab import PlayTab
from sim.teaching.settings import Settings, build_model, differences
from sim.teaching.sweep import (
    MAX_LEVELS,
    MAX_RUNS,
    SweepSpec,
    check_sweep,
    run_sweep,
    sweep_levels,
    sweep_table,
)

ENSEMBLE_RUNS = 200
MONTHS_RANGE = (6, 120)
DISCLAIMER = (
    "A stylised teaching and research model of alignment pressure on the ROK-Japan-US triangle, "
    "not a forecast."
)
GROUPS = tuple(GROUP_LABELS)
PANEL_VARS = tuple(VAR_LABELS)

CSS = """
.control { margin: 6px 0 14px 0; width: 100%; }
.control-label { font-size: 0.9rem; font-weight: 500; line-height: 1.25; }
.control-row { display: flex; align-items: center; gap: 8px; width: 100%; }
.control-row .control-slider { flex: 1 1 auto; min-width: 80px; }
.control-row .control-slider .v-input { margin-top: 0; }
.control-row .num-box { flex: 0 0 92px; width: 92px; }
.control-help { font-size: 0.78rem; color: #555; line-height: 1.2; }
.control-error { font-size: 0.8rem; color: #b00020; }
.explore-grid { display: flex; flex-wrap: wrap; gap: 16px; width: 100%; align-items: flex-start; }
.explore-plot { flex: 1 1 560px; min-width: 0; max-width: 100%; }
.month-panel { flex: 0 1 340px; min-width: 280px; max-width: 100%; font-size: 0.9rem; }
.month-panel table, .event-log table { border-collapse: collapse; width: 100%; }
.month-panel td { padding: 2px 6px; border-bottom: 1px solid #eee; vertical-align: top; }
.month-panel td.value { text-align: right; font-family: monospace; white-space: nowrap; }
.event-log { max-height: 320px; overflow: auto; width: 100%; }
.event-log td, .event-log th { padding: 2px 8px; border-bottom: 1px solid #eee;
  white-space: nowrap; vertical-align: top; text-align: left; }
.event-log td.what { white-space: normal; min-width: 240px; }
.pending-bar { width: 100%; }
.explore-tab { width: 100%; }
.explore-tab .busy-note { display: none; color: #555; font-style: italic; }
.explore-tab.explore-busy .busy-note { display: inline; }
.explore-tab.explore-busy .explore-actions { cursor: progress; }
.sweep-controls { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-end; }
.sweep-controls > * { flex: 0 1 auto; }
.sweep-param { min-width: 320px; flex: 1 1 420px !important; }
.sweep-num { width: 120px; }
"""


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
    return fmt_number(x)


# ---------------------------------------------------------------------------------- text panels
def month_panel_rows(model: AlignmentModel) -> list[tuple[str, str]]:
    """(label with unit, value) for the current month's numbers."""
    rec = model.record()
    rows = [(f"{label} ({unit})", f"{rec[MONTHLY_VARS.index(name)]:.3f}")
            for name, (label, unit) in VAR_LABELS.items()]  # fmt: skip
    rows[-1] = (rows[-1][0], f"{rec[MONTHLY_VARS.index('launches')]:.0f}")
    inst = model.inst_month
    rows.append(("Institutionalised", f"yes, in month {inst}" if inst >= 0 else "not yet"))
    if model.collapse_month >= 0:
        rows.append(("Collapsed", f"in month {model.collapse_month}"))
    return rows


def month_panel_text(model: AlignmentModel, settings: Settings) -> str:
    """The current month's numbers as text (checkable, not only a plot)."""
    lines = [
        f"Month {model.month} of {model.spec.months} ({model.date})",
        f"Scenario {settings.scenario}; seed {settings.seed}",
        f"Strategies: ROK {model.rok.strategy}, Japan {model.jpn.strategy}",
    ]
    lines += [f"{label}: {value}" for label, value in month_panel_rows(model)]
    return "\n".join(lines)


EVENT_KINDS = {
    "step": "step",
    "leader_change": "leader change",
    "approval_shock": "approval shock",
    "baseline_shock": "baseline shock",
    "coercion_episode": "coercion episode",
    "flashpoint": "flashpoint",
    "provocation": "provocation",
}


def event_log_table(model: AlignmentModel) -> list[tuple[int, str, str, str, str]]:
    """(month, date, kind, who, what) of steps taken and events, newest first."""
    rows = [(int(s["month"]), s["date"], "step", s["actor"], f"{s['action']} {s['label']}")
            for s in model.steps_log]  # fmt: skip
    rows += [(int(e["month"]), e["date"], EVENT_KINDS.get(e["kind"], e["kind"]), e["actor"],
              e["text"]) for e in model.event_log]  # fmt: skip
    rows.sort(key=lambda r: r[0], reverse=True)
    return rows


def event_log_rows(model: AlignmentModel) -> list[str]:
    """The event log as lines of text (full kind names, nothing cut), newest first."""
    return [f"{d}  {k:<16} {who:<4} {what}" for _, d, k, who, what in event_log_table(model)]


def _html_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table_html(rows: list[tuple[str, ...]], head: tuple[str, ...] = (), classes: tuple[str, ...]
                = ()) -> str:  # fmt: skip
    out = ["<table>"]
    if head:
        out.append("<tr>" + "".join(f"<th>{_html_escape(h)}</th>" for h in head) + "</tr>")
    for r in rows:
        cells = "".join(
            f'<td class="{classes[i] if i < len(classes) else ""}">{_html_escape(str(c))}</td>'
            for i, c in enumerate(r)
        )
        out.append(f"<tr>{cells}</tr>")
    out.append("</table>")
    return "".join(out)


# ---------------------------------------------------------------------------------- ensemble
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
        "start": spec.start,
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


def ensemble_figure(e: dict[str, Any]) -> Any:
    return band_figure(
        [("Trilateral cooperation index", "index 0..1", e["tri"]),
         ("Approval of the ROK leader", "share of the public", e["approval_ROK"])],
        e["start"], threshold=e["threshold"],
        title=f"{e['runs']} runs of the applied settings",
    )  # fmt: skip


# ---------------------------------------------------------------------------------- plots
#: A tiny widget beside each plot: when the plot's box changes size (the page lays out, a tab is
#: shown, the window is resized) it asks Plotly (``responsive`` config) to fit the plot to it.
RESIZE_ESM = """
export default { render({ model, el }) {
  let timer = null, ro = null, tries = 0;
  const fire = () => { clearTimeout(timer);
    timer = setTimeout(() => window.dispatchEvent(new Event("resize")), 60); };
  const attach = () => {
    const box = el.closest(".plot-box");
    if (!box) { if (tries++ < 50) setTimeout(attach, 100); return; }
    ro = new ResizeObserver(fire); ro.observe(box);
  };
  setTimeout(attach, 0); setTimeout(fire, 400); setTimeout(fire, 1500);
  return () => { if (ro) ro.disconnect(); clearTimeout(timer); };
} };
"""


#: Busy feedback for Step / Run 12 months / Reset, kept in the browser (no message to the
#: server): a click marks the Explore tab busy (class ``explore-busy``: a "Working..." note, the
#: buttons disabled) until the server's answer to that click is on the page, which the numbers
#: panel's ``data-tick`` (one more on every answer) tells; after 20 s without an answer the mark
#: goes anyway (a lost connection must not leave the buttons dead).
BUSY_ESM = """
export default { render({ model, el }) {
  const BUTTONS = ".btn-step, .btn-run12, .btn-reset";
  let box = null, mo = null, timer = null, before = null, tries = 0;
  const tick = () => { const t = box && box.querySelector("[data-tick]");
    return t ? t.getAttribute("data-tick") : null; };
  const clear = () => { if (!box) return; clearTimeout(timer); before = null;
    box.classList.remove("explore-busy");
    box.querySelectorAll(BUTTONS).forEach((b) => { b.disabled = false;
      b.removeAttribute("aria-busy"); }); };
  const onClick = (ev) => {
    const b = ev.target.closest && ev.target.closest(BUTTONS);
    if (!b || before !== null) return;
    before = tick();
    box.classList.add("explore-busy"); b.setAttribute("aria-busy", "true");
    // disabled after this click has reached the button's own handler
    setTimeout(() => { if (before !== null)
      box.querySelectorAll(BUTTONS).forEach((x) => { x.disabled = true; }); }, 0);
    clearTimeout(timer); timer = setTimeout(clear, 20000);
  };
  const changed = () => { if (before !== null && tick() !== before) clear(); };
  const attach = () => {
    box = el.closest(".explore-tab");
    if (!box) { if (tries++ < 50) setTimeout(attach, 100); return; }
    box.addEventListener("click", onClick, true);
    mo = new MutationObserver(changed);
    // the numbers panel may also be drawn anew (a message above it appears): watch nodes too
    mo.observe(box, { attributes: true, attributeFilter: ["data-tick"], childList: true,
                      subtree: true });
  };
  setTimeout(attach, 0);
  return () => { if (box) box.removeEventListener("click", onClick, true);
    if (mo) mo.disconnect(); clearTimeout(timer); };
} };
"""


#: Plotly's widget bundle (about 5 MB of JavaScript, inside the ``plotly`` package): the page
#: loads it once as a file (``/static/assets/...``, gzip-compressed once, cached by the browser)
#: instead of every figure widget carrying it over the session's websocket.
PLOTLY_BUNDLE = "widgetbundle.js"


def plotly_bundle_dir() -> Path:
    """The folder of the installed plotly's widget bundle."""
    import plotly

    return Path(plotly.__file__).parent / "package_data"


def register_plotly_assets() -> None:
    """Let Solara serve the plotly bundle's folder under ``/static/assets/`` (idempotent)."""
    from solara.server import settings

    where = str(plotly_bundle_dir())
    if where not in settings.assets.extra_locations:
        settings.assets.extra_locations.append(where)


def plotly_esm() -> str:
    """The figure widget's ES module: a few lines that import plotly's bundle from this server
    (the url carries the bundle's md5, so the browser may keep it for good)."""
    digest = hashlib.md5((plotly_bundle_dir() / PLOTLY_BUNDLE).read_bytes()).hexdigest()  # noqa: S324
    path = f"/static/assets/{PLOTLY_BUNDLE}?v={digest}"
    return (
        "const root = (window.solara && window.solara.rootPath) || '';\n"
        f"const mod = await import(new URL(root + {json.dumps(path)}, window.location.href).href);\n"
        "export default mod.default;\n"
    )


def serve_plotly_bundle() -> None:
    """Every Plotly figure widget of the app (the Play tab's too) loads plotly's bundle from
    this server as a file instead of carrying it; idempotent."""
    from plotly.basewidget import BaseFigureWidget

    register_plotly_assets()
    if not _SERVED:
        BaseFigureWidget._esm = plotly_esm()
        _SERVED.append(True)


_SERVED: list[bool] = []


def _widget_classes() -> tuple[Any, Any, Any]:
    import anywidget
    import traitlets
    from plotly.graph_objs import FigureWidget

    serve_plotly_bundle()

    class PlotFitter(anywidget.AnyWidget):  # type: ignore[misc]
        _esm = RESIZE_ESM

    class BusyMark(anywidget.AnyWidget):  # type: ignore[misc]
        _esm = BUSY_ESM

    class ResponsiveFigure(FigureWidget):  # type: ignore[misc]
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self._config = {"responsive": True, "displaylogo": False}

        # After every change the browser sends back the defaults Plotly filled in (the whole
        # layout and every trace, some 30 kB); plotly converts and validates them into the
        # Python figure, which the app never reads, and ipywidgets echoes them back to the
        # browser. Here they are taken as they come, not echoed, and only end the edit.
        _js2py_traceDeltas: Any = traitlets.Dict(allow_none=True).tag(sync=True, echo_update=False)
        _js2py_layoutDelta: Any = traitlets.Dict(allow_none=True).tag(sync=True, echo_update=False)

        @traitlets.observe("_js2py_traceDeltas")
        def _handler_js2py_traceDeltas(self, change: Any) -> None:
            if change["new"]:
                self._trace_edit_in_process = False
                self._js2py_traceDeltas = None

        @traitlets.observe("_js2py_layoutDelta")
        def _handler_js2py_layoutDelta(self, change: Any) -> None:
            if change["new"]:
                self._layout_edit_in_process = False
                self._js2py_layoutDelta = None

    return PlotFitter, ResponsiveFigure, BusyMark


_FITTER: list[Any] = []


class Ref:
    """A value handed to a component, compared by identity: plotly's own ``==`` turns both
    figures into dicts (a deep copy each), on every render of every session."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return self is other

    __hash__ = object.__hash__


def _apply_update(widget: Any, update: dict[str, Any]) -> bool:
    """Send a run's new data (:func:`~sim.teaching.figures.run_trace_values` and the title) to
    the figure already on the page, as one message holding only what changed. False (nothing
    sent) if the page's figure does not have those traces."""
    traces = update["traces"]
    index = {t.name: i for i, t in enumerate(widget.data)}
    if set(traces) - set(index):
        return False
    with widget.batch_update():
        for name, values in traces.items():
            trace = widget.data[index[name]]
            for key, v in values.items():
                if list(trace[key] if trace[key] is not None else ()) != v:
                    trace[key] = v
        if widget.layout.title.text != update["title"]:
            widget.layout.title.text = update["title"]
    return True


@solara.component
def _Figure(fig: Any, update: Any) -> Any:
    element = _FITTER[1].element()
    shown = solara.use_ref(None)

    def replace() -> None:
        widget = solara.get_widget(element)
        f = fig.value if isinstance(fig, Ref) else fig
        widget.layout = f.layout
        n = len(widget.data)
        widget.add_traces(f.data)
        widget.data = list(widget.data)[n:]
        shown.current = fig

    def refresh() -> None:
        if update is None or shown.current is not fig:
            return
        _apply_update(solara.get_widget(element), update.value)

    solara.use_effect(replace, [fig])
    solara.use_effect(refresh, [update])
    return element


@solara.component
def Plot(fig: Any, cls: str = "", update: Any = None) -> None:
    """A Plotly figure drawn in the browser, as wide as its box (Plotly's ``responsive``).

    ``fig`` (a figure, or a :class:`Ref` to one) is sent whole when it changes; ``update`` (a
    :class:`Ref` to ``{"traces": ..., "title": ...}``) sends new data for the same traces."""
    if not _FITTER:
        _FITTER.extend(_widget_classes())
    with solara.Div(classes=["plot-box", cls], style={"width": "100%"}):
        _Figure(fig, update)
        _FITTER[0].element()


# ---------------------------------------------------------------------------------- controls
@solara.component
def NumberControl(
    label: str,
    value: float,
    lo: float,
    hi: float,
    on_value: Any,
    integer: bool = False,
    step: float | None = None,
    help: str = "",
    cls: str = "",
    check: Any = None,
) -> None:
    """A labelled slider with a number box beside it (typing 0.9 works) and a help line under
    it. Every track has the same width (the label sits above, the box has a fixed width).

    The box takes its value as it is typed (``continuous_update``): waiting for Enter or leaving
    the box can lose the value when the Enter event reaches the server before the box's text."""
    error, set_error = solara.use_state("")
    step = 1.0 if integer else (step or (hi - lo) / 100)

    def typed(v: Any) -> None:
        if v is None:
            return
        v = float(v)
        why = check(v) if check else (None if lo <= v <= hi else f"a number in [{lo}, {hi}]")
        if why:
            set_error(f"{fmt_number(v)} is not allowed: expected {why}")
            return
        set_error("")
        on_value(float(int(v)) if integer else v)

    def slid(v: Any) -> None:
        set_error("")
        # ignore the slider snapping an off-grid value to its grid
        if abs(float(v) - float(value)) > step / 2 + 1e-12:
            on_value(float(v))

    with solara.Div(classes=["control", cls]):
        solara.Div(children=[label], classes=["control-label"])
        with solara.Div(classes=["control-row"]):
            with solara.Div(classes=["control-slider"]):
                if integer:
                    solara.SliderInt("", value=int(value), min=int(lo), max=int(hi),
                                     on_value=slid, thumb_label=True)  # fmt: skip
                else:
                    solara.SliderFloat("", value=float(value), min=float(lo), max=float(hi),
                                       step=step, on_value=slid, thumb_label=True)  # fmt: skip
            if integer:
                solara.InputInt("", value=int(value), on_value=typed, continuous_update=True, classes=["num-box"],
                                dense=True, hide_details=True)  # fmt: skip
            else:
                solara.InputFloat("", value=float(value), on_value=typed, continuous_update=True, classes=["num-box"],
                                  dense=True, hide_details=True)  # fmt: skip
        if error:
            solara.Div(children=[error], classes=["control-error"])
        if help:
            solara.Div(children=[help], classes=["control-help"])


@solara.component
def ParamSlider(info: dict[str, Any], value: float, on_value: Any) -> None:
    """One parameter's control: human label with unit and range, slider, number box, source."""
    name = info["name"]
    NumberControl(
        param_label(info),
        value,
        float(info["lo"]),
        float(info["hi"]),
        lambda v: on_value(name, v),
        integer=bool(info["integer"]),
        step=_step_size(info, float(value)),
        help=param_help(info),
        cls=f"param-{name}",
        check=lambda v: out_of_range(name, v),
    )


# ---------------------------------------------------------------------------------- memory
_TRIM_LOCK = threading.Lock()
_TRIM_PENDING: list[bool] = []
#: seconds after a session closes: Solara drops it and collects its cycles after about 1 s
TRIM_DELAY = 3.0


#: a server worker thread idle this long when a session closes is stopped (it is started
#: again when needed, in well under a millisecond)
IDLE_WORKER_SECONDS = 2.0


def stop_idle_worker_threads(idle: float = IDLE_WORKER_SECONDS, wait: float = 2.0) -> int:
    """Stop the server's idle worker threads; the number stopped.

    The server (Starlette on AnyIO) runs each session's messages on worker threads, and a class
    of 30 leaves some 45 of them. AnyIO stops a worker idle for 10 s only when another call
    needs a thread, so once the class has gone they all stay, with their stacks and heaps (about
    20 MB). Here each idle one is stopped on its own event loop (so no call can be handed to it
    meanwhile), the way AnyIO prunes them. This reads AnyIO internals (``WorkerThread``, anyio
    4); if they are not as expected, nothing is stopped."""
    try:
        from anyio._backends._asyncio import WorkerThread
    except ImportError:
        return 0
    needed = ("loop", "idle_workers", "idle_since", "stopping", "root_task", "stop")
    workers = [t for t in threading.enumerate()
               if isinstance(t, WorkerThread) and all(hasattr(t, a) for a in needed)]  # fmt: skip

    def stop_if_idle(worker: Any, done: Future[bool]) -> None:  # on the worker's event loop
        idle_long = (not worker.stopping and worker in worker.idle_workers
                     and worker.loop.time() - worker.idle_since >= idle)  # fmt: skip
        if idle_long:
            worker.root_task.remove_done_callback(worker.stop)
            worker.stop()
        done.set_result(idle_long)

    asked: dict[Future[bool], Any] = {}
    for worker in workers:
        done: Future[bool] = Future()
        try:
            worker.loop.call_soon_threadsafe(stop_if_idle, worker, done)
        except RuntimeError:  # its loop has closed
            continue
        asked[done] = worker
    deadline = time.monotonic() + wait
    answered, _ = futures_wait(asked, timeout=wait)
    stopped = [asked[f] for f in answered if f.result()]
    for worker in stopped:
        worker.join(max(0.0, deadline - time.monotonic()))
    return len(stopped)


def release_memory() -> None:
    """Stop idle worker threads, collect garbage and hand the C heap's free pages back to the
    system (glibc's ``malloc_trim``; elsewhere only the collection): Python frees a closed
    session's objects, but the heap keeps their pages unless told."""
    import ctypes
    import ctypes.util
    import gc

    stop_idle_worker_threads()
    frozen = gc.get_freeze_count() > 0
    gc.unfreeze()  # a closed session's cycles may be among the frozen objects
    gc.collect()
    if frozen:
        gc.freeze()
    name = ctypes.util.find_library("c")
    if name:
        try:
            ctypes.CDLL(name).malloc_trim(0)
        except (OSError, AttributeError):
            pass


#: Set by ``alignsim app`` for its server: sessions' objects are frozen (below).
FREEZE_ENV = "ALIGNSIM_APP_FREEZE_SESSIONS"


def _session_ready() -> Any:
    """When a session's page is built: in the app server, move every object alive now out of
    the collector's view (``gc.freeze``), so that a collection during a Step does not walk the
    objects of every open session (with 30 open, a full collection in a Step cost 0.8 s of
    server time, and every page waited for it). A session that closes is collected whole in
    :func:`release_memory`. Returns the session's clean-up (the release)."""
    import gc
    import os

    if os.environ.get(FREEZE_ENV) == "1":
        gc.freeze()
    return _schedule_release


def _schedule_release() -> None:
    """:func:`release_memory` once, shortly after a burst of sessions closes."""
    with _TRIM_LOCK:
        if _TRIM_PENDING:
            return
        _TRIM_PENDING.append(True)

    def run() -> None:
        time.sleep(TRIM_DELAY)
        with _TRIM_LOCK:
            _TRIM_PENDING.clear()
        release_memory()

    thread = threading.Thread(target=run, daemon=True, name="alignsim-release-memory")
    thread.current_context = None  # type: ignore[attr-defined]  # Solara: outside any session
    thread.start()


# ---------------------------------------------------------------------------------- server
class _NoEvents:
    """IPython's event hooks, for Solara's stand-in shell: every hook does nothing."""

    def __getattr__(self, name: str) -> Any:
        return _ignore


def _ignore(*args: Any, **kwargs: Any) -> None:
    return None


def quiet_shell_events() -> None:
    """Solara's server makes a stand-in IPython shell for every message a page sends (a click,
    a typed value, each figure's reply) and gives it a ``MagicMock`` as its event hooks, which the
    message handler then calls twice: building and calling those mocks took a tenth of a Step's
    server time. Here the hooks are a plain object whose every hook does nothing (idempotent;
    nothing is changed outside Solara's server, or if its shell is not the one this was written
    against)."""
    import sys
    import unittest.mock

    patch = sys.modules.get("solara.server.patch")  # loaded by Solara's server, not by us
    if patch is None:
        return
    if getattr(patch, "mock", None) is unittest.mock and hasattr(patch, "FakeIPython"):
        patch.mock = types.SimpleNamespace(MagicMock=_NoEvents)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------- page
@solara.component
def Page() -> None:
    serve_plotly_bundle()
    quiet_shell_events()
    # once the page is built, keep its objects out of collections during Steps; when the
    # session closes (page closed, or dropped by Solara), give its memory back
    solara.use_effect(_session_ready, [])
    scenarios = solara.use_memo(available_scenarios, dependencies=[])
    table = solara.use_memo(param_table, dependencies=[])
    # pending settings (the controls) and applied settings (what every tab uses)
    pending, set_pending = solara.use_state(Settings())
    applied, set_applied = solara.use_state(Settings())
    error, set_error = solara.use_state("")
    group, set_group = solara.use_state("initial")
    # one model per browser session, held in a box the Explore tab's actions replace or step
    box = solara.use_memo(lambda: {"model": _make(Settings(), set_error)}, dependencies=[])
    base = solara.use_memo(lambda: _safe_spec(pending.scenario), dependencies=[pending.scenario])
    overrides = dict(pending.overrides)
    changes = differences(pending, applied)
    n_params = len(pending.overrides)
    note = (
        f"Scenario changed to {pending.scenario}: your {n_params} parameter change"
        f"{'s are' if n_params != 1 else ' is'} kept (Discard changes goes back to the applied "
        "settings; the button under the parameters goes back to the scenario's values)."
        if pending.scenario != applied.scenario and n_params
        else ""
    )

    def set_param(name: str, v: float) -> None:
        def change(p: Settings) -> Settings:
            o = dict(p.overrides)
            o[name] = v
            return dataclasses.replace(p, overrides=tuple(sorted(o.items())))

        set_pending(change)

    def apply() -> None:
        m = _make(pending, set_error)
        if m is None:
            return
        set_error("")
        box["model"] = m
        set_applied(pending)  # a new value: the page and the Explore tab (its new model) render

    def discard() -> None:
        set_pending(applied)

    def set_scenario(name: str) -> None:
        set_pending(lambda p: dataclasses.replace(p, scenario=name))

    def clear_params() -> None:
        set_pending(lambda p: dataclasses.replace(p, overrides=()))

    solara.Title("alignsim")
    solara.Style(CSS)
    with solara.AppBar():
        solara.Text("alignsim - a teaching model, not a forecast")
    with solara.Sidebar():
        with solara.Div(classes=["settings-panel"]):
            solara.Markdown("### Settings")
            solara.Select("Scenario", values=[n for n, _ in scenarios], value=pending.scenario,
                          on_value=set_scenario, classes=["scenario-select"])  # fmt: skip
            desc = dict(scenarios).get(pending.scenario, "")
            if desc:
                solara.Div(children=[desc], classes=["control-help"])
            solara.InputInt("Seed (whole number; the same seed gives the same run)", continuous_update=True,
                            value=pending.seed, classes=["seed-input"],
                            on_value=lambda v: set_pending(
                                lambda p: dataclasses.replace(p, seed=int(v or 0))))  # fmt: skip
            NumberControl(
                f"Months to run (months, {MONTHS_RANGE[0]}-{MONTHS_RANGE[1]})",
                pending.months,
                MONTHS_RANGE[0],
                MONTHS_RANGE[1],
                lambda v: set_pending(lambda p: dataclasses.replace(p, months=int(v))),
                integer=True,
                help="How long the run lasts, from the scenario's start month.",
                cls="months-control",
            )
            strategies = ["(scenario)", *STRATEGY_NAMES]
            for role, attr in (("ROK", "rok_strategy"), ("Japanese", "jpn_strategy")):
                solara.Select(
                    f"{role} leader's strategy",
                    values=strategies,
                    value=getattr(pending, attr) or "(scenario)",
                    on_value=lambda v, a=attr: set_pending(lambda p: _with_strategy(p, a, v)),
                    classes=[f"strategy-{attr}"],
                )
            solara.Markdown("#### Parameters (take effect on Apply)")
            labels = {GROUP_LABELS[g]: g for g in GROUPS}
            solara.Select("Parameter group", values=list(labels), value=GROUP_LABELS[group],
                          on_value=lambda v: set_group(labels[v]),
                          classes=["group-select"])  # fmt: skip
            for info in table:
                if info["group"] != group:
                    continue
                value = overrides.get(info["name"], getattr(base.params, info["name"]))
                ParamSlider(info, value, set_param)
            if overrides:
                solara.Button(f"Back to the scenario's values ({len(overrides)} changed)",
                              on_click=clear_params, text=True,
                              classes=["btn-clear-params"])  # fmt: skip

    solara.Text(DISCLAIMER, style={"font-style": "italic"})
    with solara.Div(classes=["pending-bar"]):
        if changes:
            n = len(changes)
            with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
                solara.Text(f"{n} change{'s' if n != 1 else ''} not applied: " + "; ".join(changes),
                            classes=["pending-text"],
                            style={"color": "#8a4b00", "font-weight": "500"})  # fmt: skip
                solara.Button("Apply (restarts the run)", on_click=apply, color="warning",
                              classes=["btn-apply"])  # fmt: skip
                solara.Button("Discard changes", on_click=discard, outlined=True,
                              classes=["btn-discard"])  # fmt: skip
        else:
            solara.Text("All settings applied.", classes=["pending-text"],
                        style={"color": "#2e7d32"})  # fmt: skip
        if note:
            solara.Info(note, classes=["scenario-note"])
    if error:
        solara.Error(error)
    with solara.lab.Tabs():
        with solara.lab.Tab("Explore"):
            ExploreTab(box, applied, set_error)
        with solara.lab.Tab("Ensemble"):
            EnsembleTab(applied)
        with solara.lab.Tab("Play a country"):
            PlayTab(applied)
        with solara.lab.Tab("Info"):
            with solara.Div(classes=["info-page"]):
                solara.Markdown(info_text())
        with solara.lab.Tab("About"):
            with solara.Div(classes=["about-page"]):
                solara.Markdown(ABOUT)


def _make(settings: Settings, set_error: Any) -> AlignmentModel | None:
    try:
        return build_model(settings)
    except (UserError, ValueError, TypeError) as e:
        set_error(str(e))
        return None


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


def _run_title(model: AlignmentModel) -> str:
    """The run's plot title: the same all run long (the numbers panel beside it names the
    month), so a Step sends the plot new data only, and the browser does not lay the figure
    out again for a new title (a sixth of a Step's drawing time in the browser)."""
    start = month_label(model.spec.start, 0)
    return f"{model.spec.name}, seed {model.root_seed}: {model.spec.months} months from {start}"


def last_month_message(model: AlignmentModel) -> str:
    return (
        f"The run has reached its last month ({model.spec.months}, {model.date}): Step does "
        "nothing more. Press Reset to start again, or raise Months to run and Apply."
    )


@solara.component
def ExploreTab(box: dict[str, Any], settings: Settings, set_error: Any) -> None:
    # A Step changes this tab's own state only, so only this tab renders again: the page around
    # it (sidebar, every parameter control, the other tabs) is left as it is. That whole page
    # rendering again took most of a Step's server time.
    # (count of changes, the model the message is about, message): one state, so a click
    # renders once; a message is shown only with its own model (not after Apply)
    view, set_view = solara.use_state((0, None, ""))
    tick = view[0]

    def changed(text: str) -> None:
        set_view(lambda v: (v[0] + 1, box["model"], text))

    def advance(n: int) -> None:
        model = box["model"]
        if model is None:
            return
        if not model.running:
            changed(last_month_message(model))
            return
        for _ in range(n):
            if not model.running:
                break
            model.step()
        changed("" if model.running else last_month_message(model))

    def restart() -> None:
        m = _make(settings, set_error)
        if m is not None:
            box["model"] = m
        changed("")

    # Step, Run 12 months and Reset take milliseconds: done in the click's own handler, one
    # render and a few messages (a background task re-rendered the tab three times a click,
    # with busy states on and off, which a class clicking at once paid 30 times over); the
    # busy mark is kept by the browser alone (BUSY_ESM)
    model = box["model"]
    msg = view[2] if view[1] is model else ""
    if not _FITTER:
        _FITTER.extend(_widget_classes())
    with solara.Div(classes=["explore-tab"]):
        ExploreView(model, settings, msg, tick, advance, restart)


@solara.component
def ExploreView(model: AlignmentModel | None, settings: Settings, msg: str, tick: int,
                advance: Any, restart: Any) -> None:  # fmt: skip
    with solara.Row(
        style={"align-items": "center", "flex-wrap": "wrap"}, classes=["explore-actions"]
    ):
        solara.Button("Step", on_click=lambda: advance(1), color="primary",
                      classes=["btn-step"])  # fmt: skip
        solara.Button("Run 12 months", on_click=lambda: advance(12), classes=["btn-run12"])
        solara.Button("Reset (month 0, applied settings)", on_click=restart,
                      classes=["btn-reset"])  # fmt: skip
        solara.Text("Working...", classes=["busy-note"])
        _FITTER[2].element()
    if msg:
        solara.Warning(msg, classes=["step-message"])
    # the whole figure when the run is new (Apply, Reset) or a leader change adds its lines;
    # each Step sends only the new data to the figure already on the page
    leaders = model_leader_changes(model) if model is not None else ()
    fig = solara.use_memo(
        lambda: None if model is None else Ref(model_figure(model, title=_run_title(model))),
        dependencies=[model, leaders],
    )
    update = solara.use_memo(
        lambda: None if model is None else Ref(
            {"traces": model_trace_values(model), "title": title_text(_run_title(model))}),
        dependencies=[model, tick],
    )  # fmt: skip
    if model is None or fig is None:
        return
    with solara.Div(classes=["explore-grid"]):
        with solara.Div(classes=["explore-plot"]):
            Plot(fig, update=update)
        with solara.Div(classes=["month-panel"]):
            # HTML, not Markdown: a Markdown widget is made anew whenever its text changes
            # data-tick: one more on every answer to a click (ends the busy mark)
            solara.HTML(tag="div", classes=["month-head"], attributes={"data-tick": str(tick)},
                        unsafe_innerHTML=(
                f"<strong>Month {model.month} of {model.spec.months} ({model.date})</strong><br>"
                + _html_escape(f"Scenario {settings.scenario}, seed {settings.seed}") + "<br>"
                + _html_escape(f"Strategies: ROK {model.rok.strategy}, Japan {model.jpn.strategy}")
            ))  # fmt: skip
            solara.HTML(tag="div", unsafe_innerHTML=_table_html(
                [(a, b) for a, b in month_panel_rows(model)], classes=("label", "value")))  # fmt: skip
    solara.Markdown("#### Event log (steps, shocks, flashpoints, leader changes), newest first")
    rows = event_log_table(model)
    with solara.Div(classes=["event-log"]):
        if rows:
            solara.HTML(tag="div", unsafe_innerHTML=_table_html(
                [r[1:] for r in rows], head=("Date", "Kind", "Who", "What"),
                classes=("", "", "", "what")))  # fmt: skip
        else:
            solara.Text("(nothing yet)")


@solara.component
def EnsembleTab(settings: Settings) -> None:
    def run() -> tuple[Settings, dict[str, Any]]:
        return settings, ensemble_summary(settings)

    task = solara.lab.use_task(run, dependencies=None)
    solara.Markdown(
        f"Run {ENSEMBLE_RUNS} seeds (replications) of the applied settings with the array engine."
    )
    with solara.Row(style={"align-items": "center"}):
        solara.Button(f"Run {ENSEMBLE_RUNS} seeds", on_click=lambda: task(), color="primary",
                      classes=["btn-ensemble"], loading=task.pending,
                      disabled=task.pending)  # fmt: skip
        if task.pending:
            solara.Text("Running the ensemble...", classes=["busy-text"])
    if task.error:
        solara.Error(f"The ensemble failed: {task.exception}")
    result = task.value if task.finished and not task.error else None
    fig = solara.use_memo(
        lambda: None if result is None else Ref(ensemble_figure(result[1])), dependencies=[result]
    )
    if result is not None and fig is not None:
        s, e = result
        with solara.Div(classes=["ensemble-panel"]):
            solara.Preformatted(ensemble_text(e, s))
        Plot(fig)
    SweepPanel(settings)


DEFAULT_SWEEP = SweepSpec("us_coercion", 0.0, 1.0, 6, 200)


@solara.component
def SweepPanel(settings: Settings) -> None:
    """BehaviorSpace-style: one parameter over a range, runs per level, P(institutionalised)."""
    table = solara.use_memo(param_table, dependencies=[])
    by_label = solara.use_memo(lambda: {param_label(i): i for i in table}, dependencies=[])
    spec, set_spec = solara.use_state(DEFAULT_SWEEP)
    info = next(i for i in table if i["name"] == spec.param)

    def run() -> tuple[SweepSpec, Settings, list[dict[str, Any]]]:
        return spec, settings, run_sweep(settings.spec(), settings.seed, spec)

    task = solara.lab.use_task(run, dependencies=None)
    problems = check_sweep(spec)

    def pick(label: str) -> None:
        i = by_label[label]
        set_spec(lambda sp: dataclasses.replace(sp, param=i["name"], start=float(i["lo"]),
                                                stop=float(i["hi"])))  # fmt: skip

    def num(field: str, integer: bool = False) -> Any:
        def set_value(v: Any) -> None:
            if v is None:
                return
            new = int(v) if integer else float(v)

            def change(sp: SweepSpec) -> SweepSpec:
                values = dataclasses.asdict(sp)
                values[field] = new
                return SweepSpec(**values)

            set_spec(change)

        return set_value

    solara.Markdown(
        "#### Sweep a parameter (in the manner of NetLogo's BehaviorSpace)\n"
        "Pick a parameter and a range; every level runs the same seeds of the applied settings, "
        "so the levels differ only by the parameter. The plot and the table give "
        "P(institutionalised trilateral cooperation) per level with a 95% interval (Wilson). "
        f"At most {MAX_LEVELS} levels and {MAX_RUNS} runs per level."
    )
    with solara.Div(classes=["sweep-controls"]):
        solara.Select("Parameter", values=list(by_label), value=param_label(info), on_value=pick,
                      classes=["sweep-param"])  # fmt: skip
        solara.InputFloat("From", value=spec.start, on_value=num("start"), continuous_update=True,
                          classes=["sweep-num", "sweep-from"])  # fmt: skip
        solara.InputFloat("To", value=spec.stop, on_value=num("stop"), continuous_update=True,
                          classes=["sweep-num", "sweep-to"])  # fmt: skip
        solara.InputInt("Levels", value=spec.levels, on_value=num("levels", True), continuous_update=True,
                        classes=["sweep-num", "sweep-levels"])  # fmt: skip
        solara.InputInt("Runs per level", value=spec.runs, on_value=num("runs", True), continuous_update=True,
                        classes=["sweep-num", "sweep-runs"])  # fmt: skip
        n_levels = spec.levels if problems else len(sweep_levels(spec))
        solara.Button(f"Run the sweep ({n_levels} levels x {spec.runs} runs)",
                      on_click=lambda: task(), color="primary",
                      classes=["btn-sweep"], loading=task.pending,
                      disabled=task.pending or bool(problems))  # fmt: skip
    if problems:
        solara.Warning("Cannot run this sweep: " + "; ".join(problems), classes=["sweep-problem"])
    if task.pending:
        solara.Text(f"Running {spec.levels} levels x {spec.runs} runs...", classes=["busy-text"])
    if task.error:
        solara.Error(f"The sweep failed: {task.exception}")
    result = task.value if task.finished and not task.error else None
    fig = solara.use_memo(lambda: None if result is None else Ref(_sweep_fig(table, *result)),
                          dependencies=[result])  # fmt: skip
    if result is not None and fig is not None:
        s, _applied, rows = result
        i = next(i for i in table if i["name"] == s.param)
        with solara.Div(classes=["sweep-result"]):
            Plot(fig)
            solara.Markdown(sweep_table(rows, param_label(i)))


def _sweep_fig(table: list[dict[str, Any]], s: SweepSpec, applied: Settings,
               rows: list[dict[str, Any]]) -> Any:  # fmt: skip
    i = next(i for i in table if i["name"] == s.param)
    title = (f"P(institutionalised) by level: {s.runs} runs per level, scenario "
             f"{applied.scenario}, seed {applied.seed}")  # fmt: skip
    return sweep_figure(rows, param_label(i), title=title)


@functools.cache
def info_text() -> str:
    """The model's info page, from the package (``sim/teaching/INFO.md``)."""
    return resources.files("sim.teaching").joinpath("INFO.md").read_text(encoding="utf-8")


ABOUT = """
### About alignsim

**What it is.** An agent-based model of alignment pressure in the US-China rivalry: the United
States, China, South Korea (ROK) and Japan, month by month from August 2022. The leaders of the
ROK and Japan take diplomatic steps (visa-free entry, a compensation plan, summits, whitelists,
GSOMIA, a trilateral summit, exercises, a secretariat, or one grand bargain) within their
domestic political capital (Putnam's two-level games) and their fears of abandonment and
entrapment (Snyder, Cha). The US and China press their partners (Drezner on economic coercion).
Chance events (North Korean launches, history flashpoints, coercion episodes, leader changes)
come from the seed: the same settings and seed give the same run.

**What it is not.** A stylised teaching and research model, **not a forecast**: it does not
predict what Seoul, Tokyo, Washington or Beijing will do. Its numbers are indices and shares on
stylised scales, its parameters are informed guesses with sources, and a single run is one
possible history. Compare many runs (the Ensemble tab) before drawing a conclusion, and read
every result as "in this model, under these assumptions".

**Where the numbers come from.** Every parameter is declared once with its meaning, unit, range
and source; each control's label gives the meaning, unit and range and the line under it the
source. The Info tab describes how the model works, what to try, how to cite it and its licence.
"""
