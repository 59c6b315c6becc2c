"""The answer key of exercise 4 (class mode), built from runs of class mode itself.

``tools/make_answer_keys.py`` writes it to ``docs/teaching/answer_keys/exercise_4_class.md``
with the other keys (and the test suite checks the committed file is current). Every number
comes from :class:`sim.teaching.classroom.state.Classroom` playing scripted groups with the
``exercise_4`` preset, so the key shows what the class will see.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sim.teaching.classroom.state import ROLE_LABELS, Classroom, Group, load_presets

PRESET = "exercise_4"
#: A scripted student: (classroom, group, role) -> the move to choose ("" = answer only).
Script = Callable[[Classroom, Group, str], str]


def settings() -> dict[str, Any]:
    """The exercise's class settings, from the preset (quoted by the worksheet and the key)."""
    p = load_presets()[PRESET]
    return {"title": "Seoul and Tokyo together (class mode)", "preset": p.key,
            "scenario": p.scenario, "seed": p.seed, "months": p.months, "roles": list(p.roles)}  # fmt: skip


def _none(room: Classroom, g: Group, role: str) -> str:
    return "0.4" if role == "US" else "none"


def _cheapest(room: Classroom, g: Group, role: str) -> str:
    if role == "US":
        return "0.4"
    steps = [
        o
        for o in room.options(g, role)
        if o["feasible"] and o["move"] not in ("none", "reverse", "decline")
    ]
    return min(steps, key=lambda o: o["cost"])["move"] if steps else "none"


def _bargain_first(then: Script) -> Script:
    def play(room: Classroom, g: Group, role: str) -> str:
        if room.month == 0 and role == "JPN":
            return "grand_bargain"
        return then(room, g, role)

    return play


def _pressure(level: str) -> Script:
    def play(room: Classroom, g: Group, role: str) -> str:
        return level if role == "US" else "none"

    return play


#: label -> (roles students hold, script, accept the partner's joint steps?)
GROUPS: dict[str, tuple[tuple[str, ...], Script, bool]] = {
    "Seoul and Tokyo never initiate (both join joint steps); Washington at 0.4": (("ROK", "JPN", "US"), _none, True),
    "Tokyo proposes the grand bargain in month 1, Seoul accepts; then nobody initiates": (
        ("ROK", "JPN", "US"), _bargain_first(_none), True),
    "Tokyo proposes the grand bargain in month 1, Seoul declines every joint step": (
        ("ROK", "JPN", "US"), _bargain_first(_none), False),
    "Both take their cheapest affordable step every month and accept joint steps": (
        ("ROK", "JPN", "US"), _cheapest, True),
    "Washington presses at 1.0 every month; Seoul and Tokyo never initiate": (
        ("ROK", "JPN", "US"), _pressure("1.0"), True),
    "A pair (no Washington student): both never initiate": (("ROK", "JPN"), _none, True),
}  # fmt: skip


def scripted_class() -> Classroom:
    """One class with a group per scripted strategy, played to the end of the preset."""
    room = Classroom(load_presets()[PRESET], now=0.0)
    codes: dict[str, tuple[str, ...]] = {}
    sids: dict[tuple[str, str], str] = {}
    for i, (_label, (roles, _s, _a)) in enumerate(GROUPS.items()):
        code = f"S{i + 1}"
        codes[code] = roles
        for role in roles:
            sids[code, role] = room.join(f"{role} {code}", code, role, now=0.0).sid
    while not room.finished:
        for i, (_label, (roles, script, accept)) in enumerate(GROUPS.items()):
            code = f"S{i + 1}"
            g = room.groups[code]
            for role in roles:
                room.choose(sids[code, role], script(room, g, role), now=0.0)
            for role in roles:
                if g.proposals_to(role):
                    room.respond(sids[code, role], accept, now=0.0)
        room.advance(now=0.0)
    return room


def _inst(x: int | None) -> str:
    return "not reached" if x is None else str(x)


def answer_key(header: list[str]) -> str:
    """The Markdown key; ``header`` is make_answer_keys.py's common header lines."""
    first = Classroom(load_presets()[PRESET], now=0.0)
    first.join("probe", "P", "ROK", now=0.0)
    g = first.groups["P"]
    lines = [*header, "## The first month's options", ""]
    for role in ("ROK", "JPN"):
        lines += [
            f"{ROLE_LABELS[role]}:",
            "",
            "| move | expected approval cost | open | why not |",
            "|---|---|---|---|",
        ]
        for o in first.options(g, role):
            lines.append(
                f"| {o['move']} | {o['cost']:.3f} | {'yes' if o['feasible'] else 'no'} | {o['reason']} |"
            )
        lines.append("")
    room = scripted_class()
    rows = room.outcomes()
    labels = [*GROUPS, *(r["run"] for r in rows[len(GROUPS) :])]
    lines += [
        "## Scripted groups and the agents (same scenario and seed)",
        "",
        "Each scripted group was played through class mode (`sim.teaching.classroom`); the agent",
        "rows are what the instructor's dashboard shows at the end.",
        "",
        "| run | final index | max index | institutionalised in month | final Seoul approval "
        "| final Tokyo approval | steps Seoul / Tokyo |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, r in zip(labels, rows, strict=True):
        lines.append(f"| {label} | {r['final_trilateral']:.3f} | {r['max_trilateral']:.3f} | {_inst(r['inst_month'])} "
                     f"| {r['final_approval_ROK']:.3f} | {r['final_approval_JPN']:.3f} | {r['steps_ROK']} / {r['steps_JPN']} |")  # fmt: skip
    bargain = [r for r in room.log if r["group"] == "S2" and r["month"] == 1 and r["role"] == "ROK"]
    declined = [
        r for r in room.log if r["group"] == "S3" and r["month"] == 1 and r["role"] == "ROK"
    ]
    lines += [
        "",
        "## Month 1 of the grand-bargain groups",
        "",
        f"- Seoul accepts: {bargain[0]['what_happened']} (trilateral index {bargain[0]['trilateral_after']:.3f}).",
        f"- Seoul declines: {declined[0]['what_happened']} (trilateral index {declined[0]['trilateral_after']:.3f}).",
    ]  # fmt: skip
    return "\n".join(lines) + "\n"
