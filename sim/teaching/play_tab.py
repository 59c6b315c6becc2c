"""The app's "Play a country" tab: the student takes the ROK, Japan or the US.

The game (``sim.teaching.play.Game``) uses the settings applied in the sidebar (scenario,
parameters, seed). Every move is listed; one that is not open now says why. A move runs in a
background task, so the page shows that it is working; after the last month the tab says the
game is over and shows the debrief: a table with human names, a plot of the player's run against
the agents' runs and a one-line takeaway.
"""

from __future__ import annotations

import html
from typing import Any, cast

import solara
from solara.lab import use_task

from sim.teaching.play import (
    LOG_HEADERS,
    ROLE_LABELS,
    ROLES,
    Game,
    MoveError,
    debrief_table,
    month_heading,
    takeaway,
)
from sim.teaching.settings import Settings

#: Game length the tab offers, in months (exercise 3 plays 24).
MONTHS_MIN, MONTHS_MAX = 1, 120
#: Move buttons wrap long labels inside the tab's width instead of running past it.
CSS = """
.play-moves .v-btn { max-width: 100%; height: auto !important; min-height: 32px;
  text-transform: none; letter-spacing: normal; justify-content: flex-start; }
.play-moves .v-btn__content { white-space: normal; flex: 1 1 auto; text-align: left;
  padding: 4px 0; }
.play-moves .v-btn--disabled .v-btn__content { color: rgba(0, 0, 0, 0.55); }
"""


@solara.component
def PlayTab(settings: Settings) -> None:
    role, set_role = solara.use_state("ROK")
    months = solara.use_reactive(12)
    game, set_game = solara.use_state(cast(Game | None, None))
    msg = solara.use_reactive("")
    tick = solara.use_reactive(0)

    def start() -> None:
        msg.set("")
        n = int(months.value)
        if not MONTHS_MIN <= n <= MONTHS_MAX:
            msg.set(f"Months must be {MONTHS_MIN} to {MONTHS_MAX}, not {n}.")
            return
        set_game(Game(role, settings.spec(), seed=settings.seed, months=n))
        tick.set(tick.value + 1)

    def play(move: str) -> None:
        if game is None:
            return
        try:
            game.play(move)
            msg.set("")
            if game.finished:
                game.debrief()  # computed here, in the background, not while drawing
        except MoveError as e:
            msg.set(str(e))
        tick.set(tick.value + 1)

    task = use_task(play, dependencies=None)
    busy = bool(task.pending)

    solara.Style(CSS)
    solara.Markdown(
        "Take one country. Each month choose a move; the other states follow their strategies. "
        "The game uses the settings applied in the sidebar (scenario, parameters, seed). "
        "*No step of my own* still joins a joint step (a summit, the grand bargain) if the other "
        "leader proposes it, and keeps up joint activity once a summit has been held; *Decline* "
        "refuses both this month."
    )
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "center", "gap": "12px"}):
        with solara.Div(style={"min-width": "200px"}):
            by_label = {ROLE_LABELS[r]: r for r in ROLES}
            solara.Select("Play as", values=list(by_label), value=ROLE_LABELS[role],
                          on_value=lambda label: set_role(by_label[label]))  # fmt: skip
        with solara.Div(classes=["play-months-box"], style={"width": "160px"}):
            solara.InputInt(
                f"Months ({MONTHS_MIN} to {MONTHS_MAX})", value=months, continuous_update=False
            )
        with solara.Div(classes=["play-months"], style={"min-width": "260px", "flex": "1 1 260px"}):
            solara.SliderInt(
                f"Months: {months.value}",
                value=months,
                min=MONTHS_MIN,
                max=MONTHS_MAX,
                tick_labels="end_points",
            )
        solara.Button("Start game", on_click=start, color="primary", disabled=busy,
                      classes=["btn-start-game"])  # fmt: skip
    if msg.value:
        solara.Warning(msg.value, classes=["play-message"])
    if game is None:
        return
    _ = tick.value  # re-render after each move
    with solara.Div(classes=["play-status"], style={"overflow-wrap": "anywhere"}):
        st = game.status()
        solara.Markdown(
            f"**You play {ROLE_LABELS[game.role]}. {st['heading']}**\n\n"
            f"Trilateral index {st['trilateral']:.3f} &nbsp; ROK-Japan cooperation "
            f"{st['coop_ROK_JPN']:.3f}\n\n"
            f"Approval ROK {st['approval_ROK']:.3f} &nbsp; Approval Japan "
            f"{st['approval_JPN']:.3f} &nbsp; US pressure {st['us_coercion']:.3f}\n\n"
            "Institutionalised: "
            + ("yes" if st["institutionalised"] else "not yet")
            + (f"\n\n{st['partner']}" if st["partner"] else "")
        )
    if busy:
        solara.ProgressLinear(True)
        solara.Text("Working: playing the month...", classes=["play-busy"])
    if not game.finished:
        _Moves(game, busy, task)
    else:
        solara.Info(
            f"The game is over after {game.months} months: no more moves. Start game to play "
            "again.",
            classes=["play-over"],
        )
        if not busy:
            _Debrief(game)
    if game.log:
        solara.Markdown("#### Decision log")
        with solara.Div(classes=["play-log"], style={"overflow-x": "auto"}):
            solara.HTML(tag="div", unsafe_innerHTML=_log_html(game))


@solara.component
def _Moves(game: Game, busy: bool, task: Any) -> None:
    title = (
        "**Your move this month** (expected backlash in brackets)"
        if game.role == "US"
        else "**Your move this month** (expected domestic approval cost in brackets)"
    )
    solara.Markdown(title)
    with solara.Column(classes=["play-moves"], gap="4px"):
        for o in game.options():
            kind = "backlash" if game.role == "US" else "cost"
            label = f"{o['label']} [{kind} {o['cost']:.3f}]"
            cls = f"move-{o['move'].replace('.', '_')}"
            with solara.Div(classes=["move-row", cls + "-row"]):
                solara.Button(label, on_click=lambda m=o["move"]: task(m),
                              disabled=busy or not o["feasible"], text=True,
                              classes=["move", cls])  # fmt: skip
                if not o["feasible"]:
                    solara.Text(f"Why not: {o['reason']}", classes=["why-not"],
                                style={"font-size": "0.85em", "margin-left": "16px",
                                       "display": "block"})  # fmt: skip
    with solara.Details("What makes a step unaffordable?", expand=False):
        solara.Markdown(game.affordability_note())


@solara.component
def _Debrief(game: Game) -> None:
    rows = game.debrief()
    with solara.Div(classes=["debrief"], style={"overflow-x": "auto"}):
        solara.Markdown("### Debrief: your run beside the agent strategies (same seed)")
        solara.Markdown(f"**{takeaway(rows)}**", style={"margin-bottom": "8px"})
        head, body = debrief_table(rows)
        solara.HTML(tag="div", unsafe_innerHTML=_html_table(head, body, "debrief-table"))
        _Plot(solara.use_memo(lambda: _figure(game), [game]))
    solara.FileDownload(game.log_csv(), filename=f"alignsim_decisions_{game.role}_seed{game.seed}.csv",
                        label="Download the decision log (CSV)", mime_type="text/csv")  # fmt: skip


#: Beside the plot: when the plot's box changes size (the page lays out, the tab is shown, the
#: window is resized) it asks Plotly (``responsive`` config) to fit the plot to the box.
_RESIZE_ESM = """
export default { render({ model, el }) {
  let timer = null, ro = null, tries = 0;
  const fire = () => { clearTimeout(timer);
    timer = setTimeout(() => window.dispatchEvent(new Event("resize")), 60); };
  const attach = () => {
    const box = el.closest(".debrief-plot");
    if (!box) { if (tries++ < 50) setTimeout(attach, 100); return; }
    ro = new ResizeObserver(fire); ro.observe(box);
  };
  setTimeout(attach, 0); setTimeout(fire, 400); setTimeout(fire, 1500);
  return () => { if (ro) ro.disconnect(); clearTimeout(timer); };
} };
"""
_WIDGETS: list[Any] = []


def _widget_classes() -> list[Any]:
    """The resize helper and a Plotly figure widget with the ``responsive`` config (made once)."""
    if not _WIDGETS:
        import anywidget
        from plotly.graph_objs import FigureWidget

        class Fitter(anywidget.AnyWidget):  # type: ignore[misc]
            _esm = _RESIZE_ESM

        class ResponsiveFigure(FigureWidget):  # type: ignore[misc]
            def __init__(self, **kwargs: Any) -> None:
                super().__init__(**kwargs)
                self._config = {"responsive": True, "displaylogo": False}

        _WIDGETS.extend([Fitter, ResponsiveFigure])
    return _WIDGETS


@solara.component
def _Figure(fig: Any) -> Any:
    element = _widget_classes()[1].element()

    def update() -> None:
        widget = solara.get_widget(element)
        widget.layout = fig.layout
        n = len(widget.data)
        widget.add_traces(fig.data)
        widget.data = list(widget.data)[n:]

    solara.use_effect(update, [fig])
    return element


@solara.component
def _Plot(fig: Any) -> None:
    """The debrief's Plotly figure, drawn in the browser as wide as its box."""
    with solara.Div(classes=["debrief-plot"], style={"width": "100%"}):
        _Figure(fig)
        _widget_classes()[0].element()


def _figure(game: Game) -> Any:
    """The player's trilateral index by month against the agents' runs."""
    import plotly.graph_objects as go

    series = game.debrief_series()
    dates = [f"{d}-01" for d in series.pop("dates")]
    fig = go.Figure()
    for i, (label, ys) in enumerate(series.items()):
        you = i == 0
        fig.add_trace(
            go.Scatter(
                x=dates[: len(ys)], y=ys, name=label, mode="lines+markers" if you else "lines",
                line={"width": 4 if you else 1.5, "dash": "solid" if you else "dot"},
                hovertemplate="%{x|%Y-%m}: %{y:.3f}<extra>" + label + "</extra>",
            )
        )  # fmt: skip
    threshold = float(game.scenario.params.institution_threshold)
    fig.add_hline(y=threshold, line_dash="dash", line_color="grey",
                  annotation_text=f"institution threshold {threshold:.2f}",
                  annotation_position="bottom right")  # fmt: skip
    fig.update_layout(
        title="Trilateral cooperation index: your run and the agents' runs",
        xaxis={"title": "Month", "type": "date", "tickformat": "%Y-%m"},
        yaxis={"title": "Trilateral cooperation index (0 to 1)", "range": [0, 1]},
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0},
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        height=460,
        template="plotly_white",
    )
    return fig


_TABLE_STYLE = "border-collapse: collapse; width: 100%; font-size: 0.85rem; line-height: 1.3;"
_CELL = "padding: 3px 6px; border-bottom: 1px solid #ddd; vertical-align: top;"


def _html_table(head: list[str], body: list[list[str]], cls: str, text_cols: int = 1) -> str:
    """A table that wraps its cells (nothing is cut off); the first ``text_cols`` columns are
    text (left-aligned), the rest numbers (right-aligned)."""

    def cell(tag: str, i: int, value: str) -> str:
        align = "left" if i < text_cols else "right"
        width = " min-width: 9em;" if i == 0 else ""
        return f'<{tag} style="{_CELL} text-align: {align};{width}">{html.escape(value)}</{tag}>'

    rows = ["<tr>" + "".join(cell("th", i, h) for i, h in enumerate(head)) + "</tr>"]
    rows += ["<tr>" + "".join(cell("td", i, v) for i, v in enumerate(r)) + "</tr>" for r in body]
    return f'<table class="{cls}" style="{_TABLE_STYLE}">' + "".join(rows) + "</table>"


def _log_html(game: Game) -> str:
    """The decision log as a table: every column whole, long text wraps."""
    cols = ["month", "label", "what_happened", "expected_cost", "approval_after",
            "trilateral_after"]  # fmt: skip
    head = [LOG_HEADERS[c] for c in cols]
    body = []
    for r in game.log:
        row = [month_heading(int(r["month"]), game.months, str(r["date"])), str(r["label"]),
               str(r["what_happened"])]  # fmt: skip
        row += [f"{r[c]:.3f}" if isinstance(r[c], float) else (str(r[c]) or "-")
                for c in cols[3:]]  # fmt: skip
        body.append(row)
    return _html_table(head, body, "play-log-table", text_cols=3)
