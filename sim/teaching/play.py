"""Play a country: a student takes the ROK, Japan or the US for a game of monthly decisions.

Shared by the web app (``sim.teaching.app``), the terminal (``alignsim play``) and class mode.
Each month the player chooses one move. For the ROK or Japan: a diplomatic step (with its
expected domestic approval cost); no step of one's own ("none", which still joins a joint step
the partner proposes and keeps up joint activity once a summit has been held); reversing an
earlier step; or declining ("decline": no joint step and no joint activity this month). For the
US: a pressure level. Every move that is not open now is listed too, with the reason
(:meth:`Game.options`: the approval floor, the step's cost, the initiative margin a leader needs
to move first, the partner's last step, the trust a step needs, the ladder used up).
The other states follow their scenario strategies. At the end, :meth:`Game.debrief` runs the same
scenario and seed with the four agent strategies in the player's place, so the student's run can
be set beside them (:func:`debrief_table`, :func:`takeaway`, :meth:`Game.debrief_series`), and
:meth:`Game.log_csv` gives the decision log to hand in.

Months are numbered one way everywhere (the app, the terminal and the log): the month a move is
made for is "Month k of N (YYYY-MM)" (:func:`month_heading`), and its log row has month k.

This is a stylised teaching model, not a forecast.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from sim.core import rules as R
from sim.core import steps as S
from sim.core.params import Scenario, month_label

ROLES = ("ROK", "JPN", "US")
ROLE_LABELS = {"ROK": "South Korea (Seoul)", "JPN": "Japan (Tokyo)", "US": "United States"}
#: Short names for sentences ("Tokyo last took a step ...").
ROLE_SHORT = {"ROK": "Seoul", "JPN": "Tokyo", "US": "Washington"}
#: The four agent strategies a player's run is compared with.
DEBRIEF_STRATEGIES = ("small_steps", "grand_bargain", "tit_for_tat", "status_quo")
#: Strategies as people say them.
STRATEGY_LABELS = {
    "small_steps": "small steps",
    "grand_bargain": "grand bargain",
    "tit_for_tat": "tit for tat",
    "status_quo": "status quo",
    "hardline": "hardline",
}
#: Pressure levels open to a player playing the US.
US_LEVELS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
#: A move that is listed only to say why it is not open: the ladder is used up.
NO_STEP_LEFT = "new_step"
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
#: The debrief's columns as people read them (same order as DEBRIEF_FIELDS).
DEBRIEF_HEADERS = {
    "run": "Run",
    "final_trilateral": "Final trilateral index",
    "max_trilateral": "Highest trilateral index",
    "inst_month": "Institutionalised in month",
    "collapsed": "Collapsed",
    "final_approval_ROK": "Final ROK approval",
    "final_approval_JPN": "Final Japan approval",
    "steps_ROK": "ROK steps",
    "steps_JPN": "Japan steps",
}
#: The decision log's columns as people read them (the app's log table).
LOG_HEADERS = {
    "month": "Month",
    "date": "Date",
    "label": "Your move",
    "expected_cost": "Expected cost",
    "approval_after": "Your approval after",
    "trilateral_after": "Trilateral index after",
    "what_happened": "What happened",
}
_LAST_ACTION = {R.DID_NOTHING: "did nothing", R.MOVED: "took a step", R.REVERSED: "reversed a step"}


def month_heading(month: int, months: int, date: str) -> str:
    """The one way months are numbered: "Month 3 of 24 (2022-10)"."""
    return f"Month {month} of {months} ({date})"


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
        self._debrief: tuple[list[dict[str, Any]], dict[str, list[float]]] | None = None

    # ------------------------------------------------------------------------------ state
    @property
    def month(self) -> int:
        """Months played so far (0 before the first move)."""
        return int(self.model.month)

    @property
    def finished(self) -> bool:
        return self.month >= self.months

    def heading(self) -> str:
        """The month the next move is for ("Month 3 of 24 (2022-10)"), or that the game is over."""
        if self.finished:
            return f"Game over after {self.months} months ({self.model.date})"
        nxt = self.month + 1
        return month_heading(nxt, self.months, month_label(self.model.spec.start, nxt))

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
        out["heading"] = self.heading()
        out["partner"] = self.partner_note()
        return out

    def partner_note(self) -> str:
        """What the other leader did last month and when it last took a step ("" for the US)."""
        if self.role == "US":
            return ""
        partner = self.model.jpn if self.role == "ROK" else self.model.rok
        name = ROLE_SHORT[partner.name]
        last = int(partner.last_own_step)
        when = (
            "has taken no step yet"
            if last < 0
            else f"last took a step in month {last} ({month_label(self.model.spec.start, last)})"
        )
        if self.month == 0:
            return f"{name} {when}."
        return f"Last month {name} {_LAST_ACTION.get(int(partner.last_action), 'did nothing')}; it {when}."

    def affordability_note(self) -> str:
        """How "unaffordable" is decided, with this game's numbers ("" for the US)."""
        if self.role == "US":
            return (
                "Every pressure level is open to the US. Pressure above "
                f"{float(self.scenario.params.us_backlash_tolerance):.2f} (what allied publics "
                "tolerate) raises the cost of every step for Seoul and Tokyo: the backlash."
            )
        me = self.model.rok if self.role == "ROK" else self.model.jpn
        partner = self.model.jpn if self.role == "ROK" else self.model.rok
        p = self.model.run_params
        window = int(p.reciprocity_window)
        margin = float(R.initiative_margin(self.month + 1 - int(partner.last_own_step), p))
        now = (
            f"it applies now ({margin:.3f})"
            if margin > 0
            else f"it does not apply now: {ROLE_SHORT[partner.name]} stepped within {window} months"
        )
        return (
            "A step costs approval (its expected cost is shown). It is affordable when your "
            f"approval after the cost stays at or above your floor ({float(me.approval_floor):.3f}); "
            f"when you move first ({ROLE_SHORT[partner.name]} has taken no step in the last "
            f"{window} months) you also need the initiative margin "
            f"({float(p.initiative_margin):.3f}) on top: {now}. Joining a joint step the other "
            "leader proposes needs only the floor."
        )

    # ------------------------------------------------------------------------------ moves
    def options(self) -> list[dict[str, Any]]:
        """Every move, open or not: {move, label, cost, feasible, reason[, joint]}.

        ``reason`` is "" for an open move and otherwise says why it is not open, with the
        numbers (:meth:`_why`). For the ROK or Japan ``cost`` is the expected approval the step
        costs the leader (this month's grievance and US pressure); a step is affordable when the
        approval after its cost stays at or above the approval floor, plus the initiative margin
        when the leader would move first (``sim.core.rules.affordable_steps``). The moves open
        now come first, in the order ``AlignmentModel.move_options`` lists them (so their numbers
        in ``alignsim play`` stay put): "none" (joins a joint step the partner proposes, and keeps
        up joint activity once a summit has been held), the steps on the table, "reverse",
        "decline". After them come the moves not open now: steps not yet on the table for want
        of trust, "reverse" with nothing to withdraw, "decline" with nothing to decline, and a
        further step once the ladder is used up. For the US ``move`` is a pressure level and
        ``cost`` is the expected backlash: how far it is above the level the allies' publics
        tolerate.
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
                    "reason": "",
                }
                for lvl in US_LEVELS
            ]
        from sim.core import month as M

        me = self.model.rok if self.role == "ROK" else self.model.jpn
        partner = self.model.jpn if self.role == "ROK" else self.model.rok
        taken = int(self.model.state.ints[0, M.TAKEN])
        summit_held = R.has(taken, S.STEP_INDEX["bilateral_summit"])
        opts = [dict(o) for o in self.model.move_options(self.role)]
        for o in opts:
            o["reason"] = "" if o["feasible"] else self._why(o, me, partner)
            if o["move"] == "none" and summit_held:
                o["label"] = (
                    "No step of my own (keep up joint activity; join a joint step if proposed)"
                )
            if o["move"] == "decline" and summit_held:
                o["label"] = "Decline any joint step, and joint activity, this month"
            if o.get("joint"):
                o["label"] += f" (joint: {ROLE_SHORT[partner.name]} must agree)"
            if o["move"] == "grand_bargain" and self.model.run_params.bargain_expected_value:
                o["label"] = o["label"][:-1] + ", and each leader must judge it worth its cost)"
        moves = {o["move"] for o in opts}
        coop = float(self.model.coop[0])
        scale = self.model.step_cost_scale(self.role)
        for k, step in enumerate(S.LADDER):
            if R.has(me.owned & ~taken, k) and step.name not in moves:
                opts.append({
                    "move": step.name, "label": step.label, "cost": scale * float(S.COST[k]),
                    "feasible": False, "joint": step.owner == "joint",
                    "reason": f"Not on the table yet: it needs ROK-Japan cooperation of at least "
                              f"{step.min_coop:.2f}; it is {coop:.2f} now.",
                })  # fmt: skip
        if "reverse" not in moves:
            opts.append({"move": "reverse", "label": "Reverse my latest reversible step",
                         "cost": 0.0, "feasible": False,
                         "reason": "Nothing to reverse: none of your reversible steps is in force."})  # fmt: skip
        if "decline" not in moves:
            if summit_held:
                opts.append({"move": "decline", "label": "Decline: no joint activity this month",
                             "cost": 0.0, "feasible": True, "reason": ""})  # fmt: skip
            else:
                opts.append({"move": "decline", "label": "Decline any joint step this month",
                             "cost": 0.0, "feasible": False,
                             "reason": "Nothing to decline: no joint step is on the table, and "
                                       "joint activity starts only after a bilateral summit."})  # fmt: skip
        if me.owned & ~taken == 0:
            opts.append({"move": NO_STEP_LEFT, "label": "Take a further step", "cost": 0.0,
                         "feasible": False,
                         "reason": f"The ladder is used up: every step open to "
                                   f"{ROLE_SHORT[self.role]} is in force. What is left: keep up "
                                   "joint activity (No step of my own), decline it, or reverse a "
                                   "step."})  # fmt: skip
        return opts

    def _why(self, o: dict[str, Any], me: Any, partner: Any) -> str:
        """Why a step on the table is unaffordable now, with the numbers."""
        p = self.model.run_params
        approval, floor, cost = float(me.approval), float(me.approval_floor), float(o["cost"])
        since = self.month + 1 - int(partner.last_own_step)
        margin = float(R.initiative_margin(since, p))
        pname = ROLE_SHORT[partner.name]
        if approval < floor:
            return (f"Your approval {approval:.3f} is below your floor {floor:.3f}: no step "
                    "that costs approval can pass at home.")  # fmt: skip
        if approval - cost < floor:
            return (f"Unaffordable: it costs {cost:.3f} approval, and {approval:.3f} - {cost:.3f} "
                    f"= {approval - cost:.3f} is below your floor {floor:.3f}.")  # fmt: skip
        last = int(partner.last_own_step)
        window = int(p.reciprocity_window)
        ago = (f"{pname} has taken no step yet" if last < 0 else
               f"{pname}'s last step was in month {last} "
               f"({month_label(self.model.spec.start, last)}), more than {window} months ago")  # fmt: skip
        text = (
            f"Unaffordable when you move first: {ago}, so the hidden initiative margin applies. "
            f"You need your floor {floor:.3f} + the margin {margin:.3f} = {floor + margin:.3f} "
            f"left after the cost; {approval:.3f} - {cost:.3f} = {approval - cost:.3f}. "
            f"For {window} months after a {pname} step the margin falls away."
        )
        if o.get("joint"):
            text += f" If {pname} proposes it, No step of my own joins it (joining needs only the floor)."
        return text

    def play(self, move: str) -> dict[str, Any]:
        """Apply the player's ``move`` and advance one month; return the decision-log row."""
        if self.finished:
            raise MoveError(f"the game is over after {self.months} months: start a new game")
        move = move.strip()
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
            opts = {o["move"]: o for o in self.options()}
            if move not in opts:
                open_now = [m for m, o in opts.items() if o["feasible"]]
                raise MoveError(f"{move!r} is not open now; choose one of: {', '.join(open_now)}")
            opt = opts[move]
            if not opt["feasible"]:
                raise MoveError(f"{move!r} is not open now: {opt['reason']}")
            self.model.set_choice(self.role, move)
        before_app, before_tri = self.approval(), self._var("trilateral")
        n_steps, n_events = len(self.model.steps_log), len(self.model.event_log)
        self.model.step()
        happened = [
            f"{s['actor']} {s['action']}{'' if s['actor'] == 'both' else 's'} {s['label']}"
            for s in self.model.steps_log[n_steps:]
        ]
        happened += [e["text"] for e in self.model.event_log[n_events:]]
        if move in S.STEP_INDEX and not any(
            s["step"] == move for s in self.model.steps_log[n_steps:]
        ):
            partner = ROLE_SHORT["JPN" if self.role == "ROK" else "ROK"]
            why = (
                f"{partner} did not join it, or it was not worth its cost this month"
                if opt.get("joint")
                else "this month's news raised its cost above what you could afford"
            )
            happened.insert(0, f"Your proposal did not happen: {why}")
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
        self._debrief = None
        return row

    # ------------------------------------------------------------------------------ debrief
    def debrief(self) -> list[dict[str, Any]]:
        """The player's run beside agent strategies on the same scenario, seed and months.

        For the ROK or Japan, each comparison run puts one of the four agent strategies in the
        player's seat (the partner keeps its scenario strategy). For the US, each comparison
        run keeps the scenario's own US pressure and has both allies follow one of the four
        strategies; a final row replays the scenario exactly as written.
        """
        return [dict(r) for r in self._runs()[0]]

    def debrief_series(self) -> dict[str, list[float]]:
        """Each debrief run's trilateral index by month (0..months; the player's run so far),
        keyed by the run's label, plus "dates" (YYYY-MM of each month)."""
        return dict(self._runs()[1])

    def _runs(self) -> tuple[list[dict[str, Any]], dict[str, list[float]]]:
        from sim.engines.model import AlignmentModel

        if self._debrief is not None:
            return self._debrief
        you = f"You ({ROLE_SHORT[self.role]})"
        rows = [_summary_row(you, self.model)]
        series: dict[str, Any] = {
            "dates": [month_label(self.model.spec.start, m) for m in range(self.months + 1)],
            you: _trilateral_series(self.model),
        }
        runs: list[tuple[str, Scenario]] = []
        for name in DEBRIEF_STRATEGIES:
            if self.role == "US":
                runs.append((f"Scenario US pressure, both allies {STRATEGY_LABELS[name]}",
                             self.scenario.with_strategies(ROK=name, JPN=name)))  # fmt: skip
            else:
                runs.append((f"Agent {ROLE_SHORT[self.role]} playing {STRATEGY_LABELS[name]}",
                             self.scenario.with_strategies(**{self.role: name})))  # fmt: skip
        if self.role == "US":
            runs.append(("Scenario as written", self.scenario))
        for label, spec in runs:
            m = AlignmentModel(spec, rng=self.seed, months=self.months)
            m.run()
            rows.append(_summary_row(label, m))
            series[label] = _trilateral_series(m)
        self._debrief = (rows, series)
        return self._debrief

    def log_csv(self) -> str:
        """The decision log as CSV text (one row per month played)."""
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=LOG_FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows(self.log)
        return buf.getvalue()


def _trilateral_series(model: Any) -> list[float]:
    df = model.datacollector.get_model_vars_dataframe()
    return [round(float(x), 4) for x in df["trilateral"].tolist()]


def format_value(field_name: str, value: Any) -> str:
    """A debrief value as people read it: 3 decimals, "never" for a month that did not come,
    yes/no."""
    if field_name == "inst_month":
        return "never" if int(value) < 0 else str(int(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def debrief_table(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """The debrief as (headers, rows of text) with human names and formatted values."""
    head = [DEBRIEF_HEADERS[f] for f in DEBRIEF_FIELDS]
    return head, [[format_value(f, r[f]) for f in DEBRIEF_FIELDS] for r in rows]


def debrief_markdown(rows: list[dict[str, Any]]) -> str:
    """The debrief as a Markdown table."""
    head, body = debrief_table(rows)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines)


#: Shorter column names for the terminal's fixed-width table.
DEBRIEF_SHORT = {
    "run": "Run",
    "final_trilateral": "final index",
    "max_trilateral": "highest",
    "inst_month": "inst. month",
    "collapsed": "collapsed",
    "final_approval_ROK": "ROK appr.",
    "final_approval_JPN": "JPN appr.",
    "steps_ROK": "ROK steps",
    "steps_JPN": "JPN steps",
}


def debrief_text(rows: list[dict[str, Any]]) -> str:
    """The debrief as a fixed-width text table (short human column names)."""
    _, body = debrief_table(rows)
    head = [DEBRIEF_SHORT[f] for f in DEBRIEF_FIELDS]
    width = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(head)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, width, strict=True))
        )

    out = [line(head), "-" * len(line(head))]
    return "\n".join(out + [line(r) for r in body])


def takeaway(rows: list[dict[str, Any]]) -> str:
    """One sentence from the runs: how the player's run compares with the agent runs."""
    you, agents = rows[0], rows[1:]
    best = max(agents, key=lambda r: (r["final_trilateral"], -_inst_key(r)))
    beaten = sum(r["final_trilateral"] < you["final_trilateral"] - 5e-4 for r in agents)
    tied = sum(abs(r["final_trilateral"] - you["final_trilateral"]) <= 5e-4 for r in agents)
    inst = (
        f"cooperation was institutionalised in month {you['inst_month']}"
        if you["inst_month"] >= 0
        else "cooperation was never institutionalised"
    )
    best_inst = "never" if best["inst_month"] < 0 else f"month {best['inst_month']}"
    rank = f"above {beaten} of the {len(agents)} agent runs" + (
        f" and level with {tied}" if tied else ""
    )
    return (
        f"Your run ended with a trilateral index of {you['final_trilateral']:.3f}, {rank}; "
        f"{inst}. Best agent run: {best['run']} ({best['final_trilateral']:.3f}, "
        f"institutionalised: {best_inst})."
    )


def _inst_key(r: dict[str, Any]) -> int:
    return 10**9 if r["inst_month"] < 0 else int(r["inst_month"])


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
