"""Play a country: a student takes the ROK, Japan or the US for a game of monthly decisions.

Shared by the web app (``sim.teaching.app``) and the terminal (``alignsim play``). Each month the player
chooses one move from those open now. For the ROK or Japan: a diplomatic step (with its expected
domestic approval cost); no step of one's own ("none", which still joins a joint step the partner
proposes); reversing an earlier step; or declining any joint step this month ("decline", offered
while a joint step is on the table). For the US: a pressure level.
The other states follow their scenario strategies. At the end, :meth:`Game.debrief` runs the same
scenario and seed with the four agent strategies in the player's place, so the student's run can
be set beside them, and :meth:`Game.log_csv` gives the decision log to hand in.

This is a stylised teaching model, not a forecast.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from sim.core.params import Scenario

ROLES = ("ROK", "JPN", "US")
ROLE_LABELS = {"ROK": "South Korea (Seoul)", "JPN": "Japan (Tokyo)", "US": "United States"}
#: The four agent strategies a player's run is compared with.
DEBRIEF_STRATEGIES = ("small_steps", "grand_bargain", "tit_for_tat", "status_quo")
#: Pressure levels open to a player playing the US.
US_LEVELS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
LOG_FIELDS = (
    "month",
    "date",
    "role",
    "move",
    "label",
    "expected_cost",
    "approval_before",
    "approval_after",
    "trilateral_before",
    "trilateral_after",
    "coop_ROK_JPN_after",
    "what_happened",
)
DEBRIEF_FIELDS = (
    "run",
    "final_trilateral",
    "max_trilateral",
    "inst_month",
    "collapsed",
    "final_approval_ROK",
    "final_approval_JPN",
    "steps_ROK",
    "steps_JPN",
)


class MoveError(ValueError):
    """A move that is not open to the player now (unknown, not on the table or unaffordable)."""


@dataclass
class Game:
    """One play-a-country game: a Mesa model plus the player's decision log.

    Args:
        role: "ROK", "JPN" or "US".
        scenario: the scenario (default: built-in defaults).
        seed: the root seed; the debrief runs use the same seed.
        months: length of the game in months.
    """

    role: str
    scenario: Scenario = field(default_factory=Scenario)
    seed: int = 1
    months: int = 12
    log: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        from sim.engines.model import AlignmentModel

        if self.role not in ROLES:
            raise MoveError(f"play as one of {', '.join(ROLES)}, not {self.role!r}")
        if self.months < 1:
            raise MoveError(f"a game needs at least one month, not {self.months}")
        self.model = AlignmentModel(self.scenario, rng=self.seed, months=self.months)

    # ------------------------------------------------------------------------------ state
    @property
    def month(self) -> int:
        return int(self.model.month)

    @property
    def finished(self) -> bool:
        return self.month >= self.months

    def approval(self) -> float | None:
        """The player's leader's approval now (None for the US)."""
        if self.role == "US":
            return None
        return float(self._var(f"approval_{self.role}"))

    def _var(self, name: str) -> float:
        from sim.engines.batch import MONTHLY_VARS

        return float(self.model.record()[MONTHLY_VARS.index(name)])

    def status(self) -> dict[str, Any]:
        """The current month's numbers, for a text panel."""
        names = ("trilateral", "coop_ROK_JPN", "coop_ROK_US", "coop_JPN_US", "approval_ROK",
                 "approval_JPN", "alignment_ROK", "alignment_JPN", "us_coercion")  # fmt: skip
        out: dict[str, Any] = {"month": self.month, "date": self.model.date}
        out.update({n: self._var(n) for n in names})
        out["institutionalised"] = self.model.inst_month >= 0
        return out

    # ------------------------------------------------------------------------------ moves
    def options(self) -> list[dict[str, Any]]:
        """Moves open now: {move, label, cost, feasible[, joint]}.

        For the ROK or Japan ``cost`` is the expected approval the step costs the leader (this
        month's grievance and US pressure); infeasible steps cannot be afforded above the
        leader's approval floor. "none" proposes nothing but joins a joint step the partner
        proposes; "decline" (while a joint step is on the table) joins nothing, so a joint step
        the partner proposes does not happen (``AlignmentModel.move_options``). For the US
        ``move`` is a pressure level and ``cost`` is the expected backlash: how far it is above
        the level the allies' publics tolerate.
        """
        if self.role == "US":
            tol = float(self.scenario.params.us_backlash_tolerance)
            return [
                {
                    "move": f"{lvl:.1f}",
                    "label": f"US pressure {lvl:.1f}"
                    + (" (above what allied publics tolerate: backlash)" if lvl > tol else ""),
                    "cost": max(0.0, lvl - tol),
                    "feasible": True,
                }
                for lvl in US_LEVELS
            ]
        return self.model.move_options(self.role)

    def play(self, move: str) -> dict[str, Any]:
        """Apply the player's ``move`` and advance one month; return the decision-log row."""
        if self.finished:
            raise MoveError(f"the game is over after {self.months} months")
        move = move.strip()
        opts = {o["move"]: o for o in self.options()}
        opt: dict[str, Any]
        if self.role == "US":
            try:
                level = float(move)
            except ValueError:
                raise MoveError(f"US pressure must be a number in [0, 1], not {move!r}") from None
            if not 0.0 <= level <= 1.0:
                raise MoveError(f"US pressure must be in [0, 1], not {level}")
            tol = float(self.scenario.params.us_backlash_tolerance)
            opt = {"move": f"{level:.2f}", "label": f"US pressure {level:.2f}",
                   "cost": max(0.0, level - tol)}  # fmt: skip
            self.model.set_us_pressure(level)
        else:
            if move not in opts:
                raise MoveError(f"{move!r} is not open now; choose one of: {', '.join(opts)}")
            opt = opts[move]
            if not opt["feasible"]:
                raise MoveError(
                    f"{move!r} costs about {opt['cost']:.3f} approval, more than the leader can "
                    "spend above the approval floor"
                )
            self.model.set_choice(self.role, move)
        before_app, before_tri = self.approval(), self._var("trilateral")
        n_steps, n_events = len(self.model.steps_log), len(self.model.event_log)
        self.model.step()
        happened = [
            f"{s['actor']} {s['action']}{'' if s['actor'] == 'both' else 's'} {s['label']}"
            for s in self.model.steps_log[n_steps:]
        ]
        happened += [e["text"] for e in self.model.event_log[n_events:]]
        row = {
            "month": self.month,
            "date": self.model.date,
            "role": self.role,
            "move": opt["move"],
            "label": opt["label"],
            "expected_cost": round(float(opt["cost"]), 4),
            "approval_before": _round(before_app),
            "approval_after": _round(self.approval()),
            "trilateral_before": _round(before_tri),
            "trilateral_after": _round(self._var("trilateral")),
            "coop_ROK_JPN_after": _round(self._var("coop_ROK_JPN")),
            "what_happened": "; ".join(happened) or "nothing",
        }
        self.log.append(row)
        return row

    # ------------------------------------------------------------------------------ debrief
    def debrief(self) -> list[dict[str, Any]]:
        """The player's run beside agent strategies on the same scenario, seed and months.

        For the ROK or Japan, each comparison run puts one of the four agent strategies in the
        player's seat (the partner keeps its scenario strategy). For the US, each comparison
        run keeps the scenario's own US pressure and has both allies follow one of the four
        strategies; a final row replays the scenario exactly as written.
        """
        from sim.engines.model import AlignmentModel

        rows = [_summary_row(f"You ({self.role})", self.model)]
        for name in DEBRIEF_STRATEGIES:
            if self.role == "US":
                spec = self.scenario.with_strategies(ROK=name, JPN=name)
                label = f"Scenario US pressure, both allies {name}"
            else:
                spec = self.scenario.with_strategies(**{self.role: name})
                label = f"Agent {self.role} playing {name}"
            m = AlignmentModel(spec, rng=self.seed, months=self.months)
            m.run()
            rows.append(_summary_row(label, m))
        if self.role == "US":
            m = AlignmentModel(self.scenario, rng=self.seed, months=self.months)
            m.run()
            rows.append(_summary_row("Scenario as written", m))
        return rows

    def log_csv(self) -> str:
        """The decision log as CSV text (one row per month played)."""
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=LOG_FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows(self.log)
        return buf.getvalue()


def debrief_text(rows: list[dict[str, Any]]) -> str:
    """The debrief as a fixed-width text table."""
    head = f"{'run':<46} {'final tri':>9} {'max tri':>8} {'inst. month':>11} {'appr ROK':>8} {'appr JPN':>8} {'steps R/J':>9}"
    lines = [head, "-" * len(head)]
    for r in rows:
        inst = "never" if r["inst_month"] < 0 else str(r["inst_month"])
        lines.append(
            f"{r['run']:<46} {r['final_trilateral']:>9.3f} {r['max_trilateral']:>8.3f} "
            f"{inst:>11} {r['final_approval_ROK']:>8.3f} {r['final_approval_JPN']:>8.3f} "
            f"{r['steps_ROK']:>4}/{r['steps_JPN']:<4}"
        )
    return "\n".join(lines)


def _summary_row(label: str, model: Any) -> dict[str, Any]:
    s = model.summary()
    return {
        "run": label,
        "final_trilateral": round(float(s["final_trilateral"]), 4),
        "max_trilateral": round(float(s["max_trilateral"]), 4),
        "inst_month": int(s["inst_month"]),
        "collapsed": bool(s["collapsed"]),
        "final_approval_ROK": round(float(s["final_approval_ROK"]), 4),
        "final_approval_JPN": round(float(s["final_approval_JPN"]), 4),
        "steps_ROK": int(s["steps_ROK"]),
        "steps_JPN": int(s["steps_JPN"]),
    }


def _round(x: float | None) -> float | str:
    return "" if x is None else round(float(x), 4)


def available_scenarios() -> list[tuple[str, str]]:
    """(name, description) of the built-in defaults and of every named scenario file."""
    from sim.scenario import list_scenarios

    default = ("default", "Built-in defaults (August 2022 baseline values)")
    return [default, *((str(n), str(d)) for n, d, *_ in list_scenarios())]


def resolve_scenario(name: str | None) -> Scenario:
    """A scenario by name or path; ``None`` or "default" gives the built-in defaults."""
    if name in (None, "", "default"):
        return Scenario()
    from sim.scenario import load_scenario

    return load_scenario(name)
