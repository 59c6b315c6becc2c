"""The app's "Play a country" tab: the student takes the ROK, Japan or the US."""

from __future__ import annotations

from typing import Any, cast

import solara

from sim.teaching.play import DEBRIEF_FIELDS, ROLE_LABELS, ROLES, Game, MoveError
from sim.teaching.settings import Settings


@solara.component
def PlayTab(settings: Settings) -> None:
    role, set_role = solara.use_state("ROK")
    months, set_months = solara.use_state(12)
    game, set_game = solara.use_state(cast(Game | None, None))
    tick, set_tick = solara.use_state(0)
    msg, set_msg = solara.use_state("")
    debrief, set_debrief = solara.use_state(cast(list[dict[str, Any]], []))

    def start() -> None:
        set_msg("")
        set_game(Game(role, settings.spec(), seed=settings.seed, months=int(months)))
        set_debrief([])
        set_tick(0)

    def play(move: str) -> None:
        if game is None:
            return
        try:
            game.play(move)
            set_msg("")
            if game.finished:
                set_debrief(game.debrief())
        except MoveError as e:
            set_msg(str(e))
        set_tick(tick + 1)

    solara.Markdown(
        "Take one country. Each month choose a move; the other states follow their strategies. "
        "The game uses the sidebar's scenario, parameters and seed. *No step of my own* still "
        "joins a joint step (a summit, the grand bargain) if the other leader proposes it; "
        "*Decline* refuses any joint step this month."
    )
    with solara.Row():
        solara.Select("Play as", values=list(ROLES), value=role, on_value=set_role)
        with solara.Div(classes=["play-months"]):
            solara.SliderInt(f"Months = {months}", value=months, min=3, max=60, on_value=set_months)
        solara.Button("Start game", on_click=start, color="primary", classes=["btn-start-game"])
    if game is None:
        return
    if msg:
        solara.Warning(msg)
    st = game.status()
    with solara.Div(classes=["play-status"]):
        solara.Preformatted(
            f"You play {ROLE_LABELS[game.role]}. Month {st['month']} of {game.months} ({st['date']})\n"
            f"Trilateral index {st['trilateral']:.3f}   ROK-Japan cooperation {st['coop_ROK_JPN']:.3f}\n"
            f"Approval ROK {st['approval_ROK']:.3f}   Approval Japan {st['approval_JPN']:.3f}   "
            f"US pressure {st['us_coercion']:.2f}\n"
            "Institutionalised: " + ("yes" if st["institutionalised"] else "not yet")
        )
    if not game.finished:
        solara.Markdown("**Your move this month** (expected domestic approval cost in brackets)")
        with solara.Column(classes=["play-moves"]):
            for o in game.options():
                cost = f"backlash {o['cost']:.2f}" if game.role == "US" else f"cost {o['cost']:.3f}"
                label = f"{o['label']} [{cost}]" + ("" if o["feasible"] else " - unaffordable")
                solara.Button(label, on_click=lambda m=o["move"]: play(m),
                              disabled=not o["feasible"], text=True,
                              classes=["move", f"move-{o['move'].replace('.', '_')}"])  # fmt: skip
    else:
        rows = debrief
        with solara.Div(classes=["debrief"]):
            solara.Markdown("### Debrief: your run beside the agent strategies (same seed)")
            head = "| " + " | ".join(DEBRIEF_FIELDS) + " |"
            sep = "|" + "---|" * len(DEBRIEF_FIELDS)
            body = ["| " + " | ".join(str(r[f]) for f in DEBRIEF_FIELDS) + " |" for r in rows]
            solara.Markdown("\n".join([head, sep, *body]))
        solara.FileDownload(game.log_csv(), filename=f"alignsim_decisions_{game.role}_seed{game.seed}.csv",
                            label="Download the decision log (CSV)", mime_type="text/csv")  # fmt: skip
    if game.log:
        solara.Markdown("#### Decision log")
        with solara.Div(classes=["play-log"]):
            solara.Preformatted(
                "\n".join(
                    f"{r['date']}  {r['label']:<50} -> {r['what_happened']}" for r in game.log
                )
            )
