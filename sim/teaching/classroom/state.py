"""Class mode's state: one class session, its groups' shared runs, and the students in them.

No web code here: the server (``sim.teaching.classroom.server``) calls these methods from one
event loop and passes the time in (``now``, seconds on a monotonic clock), so every rule can be
tested without a server or a clock.

A class session is opened from an exercise preset (scenario, seed, months and the roles students
may play, locked). Students join with a name and a group code; each group plays ONE run of the
Mesa model (:class:`sim.engines.model.AlignmentModel`): South Korea (Seoul), Japan (Tokyo) and
the United States, one student a role, agents (the scenario's strategies) in the roles nobody
holds. Each month every student chooses a move. A joint step a student proposes needs the
acceptance of the partner when the partner is a student too: the partner accepts (keeping their
own move, which joins the step) or declines (their move becomes "decline": no step of their own
and no joint step this month). The month advances for the whole class at once: when the
instructor says so, when every group is ready (if the instructor chose that), or when the
month's timer ends. A student who has not chosen by then is played by the agent for that month;
an unanswered proposal counts as declined. Students whose page stops polling are dropped (their
role returns to the agent). Ending the session releases every run and student, keeping only the
decision log and the outcomes for the CSV.

This is a stylised teaching model, not a forecast.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from sim.core.params import Scenario
from sim.teaching.play import DEBRIEF_STRATEGIES

ROLES = ("ROK", "JPN", "US")
ROLE_LABELS = {
    "ROK": "South Korea (Seoul)",
    "JPN": "Japan (Tokyo)",
    "US": "United States (Washington)",
}
PARTNER = {"ROK": "JPN", "JPN": "ROK"}
#: The agent strategies the class's runs are set beside (both allies play each).
AGENT_STRATEGIES = DEBRIEF_STRATEGIES  # the same four as a single player's debrief
STRATEGY_LABELS = {
    "small_steps": "small persistent steps",
    "grand_bargain": "a grand bargain",
    "tit_for_tat": "tit-for-tat",
    "status_quo": "the status quo",
}
#: Pressure levels open to a student playing the US.
US_LEVELS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
PRESET_KEYS = ("title", "description", "scenario", "seed", "months", "roles", "timer")
MAX_MONTHS = 120
NAME_MAX = 40
GROUP_RE = re.compile(r"^[A-Za-z0-9_-]{1,12}$")
CSV_FIELDS = (
    "group",
    "month",
    "date",
    "student",
    "role",
    "move",
    "label",
    "expected_cost",
    "decided_by",
    "partner_answer",
    "what_happened",
    "trilateral_after",
    "coop_ROK_JPN_after",
    "approval_ROK_after",
    "approval_JPN_after",
    "us_pressure",
)
OUTCOME_FIELDS = (
    "run",
    "kind",
    "final_trilateral",
    "max_trilateral",
    "inst_month",
    "final_approval_ROK",
    "final_approval_JPN",
    "steps_ROK",
    "steps_JPN",
)


class ClassError(ValueError):
    """A request the class state refuses (bad name, full group, move not open...): the message
    is shown to the user as it is."""


class UnknownStudent(ClassError):
    """A student id the class does not know (never joined, dropped, or the session ended)."""


# ------------------------------------------------------------------------------------ presets
@dataclass(frozen=True)
class Preset:
    """An exercise preset: what a class session locks."""

    key: str
    title: str
    description: str
    scenario: str
    seed: int
    months: int
    roles: tuple[str, ...]
    timer: int

    def resolve(self) -> Scenario:
        from sim.teaching.play import resolve_scenario

        return resolve_scenario(self.scenario)


def default_presets_path() -> Path:
    return Path(str(resources.files("sim.teaching.classroom") / "presets.toml"))


def load_presets(path: Path | None = None) -> dict[str, Preset]:
    """The presets of a TOML file (default: the package's), checked; scenarios are resolved.

    Raises:
        UserError: the file, a key or a value is wrong (naming the file and key).
    """
    from sim.errors import UserError
    from sim.tomlcheck import check_int, check_list, check_str, check_table, field_error, read_toml

    path = path or default_presets_path()
    _, data = read_toml(path)
    if not data:
        raise UserError("no preset in the file", file=path, expected="one table [name] a preset")
    out: dict[str, Preset] = {}
    for key, table in data.items():
        t = check_table(path, key, table)
        extra = sorted(set(t) - set(PRESET_KEYS))
        if extra:
            raise field_error(
                path, f"{key}.{extra[0]}", "unknown key", ", ".join(PRESET_KEYS), extra[0]
            )
        missing = [k for k in ("scenario", "seed", "months", "roles") if k not in t]
        if missing:
            raise field_error(path, f"{key}.{missing[0]}", "missing key", "a value", None)
        roles = check_list(path, f"{key}.roles", t["roles"], 'a list of "ROK", "JPN", "US"')
        for r in roles:
            if r not in ROLES:
                raise field_error(
                    path, f"{key}.roles", "unknown role", 'some of "ROK", "JPN", "US"', r
                )
        if len(set(roles)) != len(roles):
            raise field_error(path, f"{key}.roles", "a role twice", "each role at most once", roles)
        preset = Preset(
            key=key,
            title=check_str(path, f"{key}.title", t.get("title", key)),
            description=check_str(path, f"{key}.description", t.get("description", "")),
            scenario=check_str(path, f"{key}.scenario", t["scenario"]),
            seed=check_int(path, f"{key}.seed", t["seed"], 0, 2**63 - 1),
            months=check_int(path, f"{key}.months", t["months"], 1, MAX_MONTHS),
            roles=tuple(r for r in ROLES if r in roles),
            timer=check_int(path, f"{key}.timer", t.get("timer", 0), 0, 3600),
        )
        try:
            preset.resolve()
        except UserError as e:
            raise UserError(f"key '{key}.scenario': {e.message}", file=path, found=preset.scenario,
                            hint="a name from `alignsim scenarios`, a TOML path or \"default\"") from None  # fmt: skip
        out[key] = preset
    return out


# ------------------------------------------------------------------------------------ groups
@dataclass
class Student:
    sid: str
    name: str
    group: str
    role: str
    last_seen: float


@dataclass
class Group:
    """One group's shared run and this month's choices."""

    code: str
    model: Any  # AlignmentModel
    members: dict[str, str] = field(default_factory=dict)  # role -> sid
    choices: dict[str, str] = field(default_factory=dict)  # role -> move (this month)
    answers: dict[str, tuple[str, bool]] = field(default_factory=dict)  # role -> (step, accepted)
    trilateral: list[float] = field(default_factory=list)  # by month, from month 0
    last_news: str = ""

    def proposals_to(self, role: str) -> list[tuple[str, str, str]]:
        """(from_role, step, label) of joint steps a student partner proposes to ``role`` this
        month and that need its answer (``role`` neither declined nor proposed the same step)."""
        partner = PARTNER.get(role)
        if partner is None or partner not in self.members or role not in self.members:
            return []
        step = self.choices.get(partner)
        mine = self.choices.get(role)
        if step is None or mine in ("decline", step) or not _is_joint(step):
            return []
        from sim.core import steps as S

        return [(partner, step, S.LADDER[S.STEP_INDEX[step]].label)]

    def answer_of(self, role: str) -> bool | None:
        """``role``'s answer to the proposal it faces now (None: not answered or none)."""
        props = self.proposals_to(role)
        if not props:
            return None
        got = self.answers.get(role)
        return got[1] if got is not None and got[0] == props[0][1] else None

    def ready(self) -> bool:
        """Every student of the group has chosen and answered every proposal."""
        for role in self.members:
            if role not in self.choices:
                return False
            if self.proposals_to(role) and self.answer_of(role) is None:
                return False
        return True


def _is_joint(move: str) -> bool:
    from sim.core import steps as S

    return move in S.STEP_INDEX and S.LADDER[S.STEP_INDEX[move]].owner == "joint"


def _var(model: Any, name: str) -> float:
    from sim.engines.batch import MONTHLY_VARS

    return float(model.record()[MONTHLY_VARS.index(name)])


# ------------------------------------------------------------------------------------ class
class Classroom:
    """One class session (see the module docstring). Every mutating method bumps ``version``."""

    def __init__(self, preset: Preset, *, drop_after: float = 30.0, now: float = 0.0) -> None:
        self.preset = preset
        self.scenario = preset.resolve()
        self.drop_after = float(drop_after)
        self.groups: dict[str, Group] = {}
        self.students: dict[str, Student] = {}
        self.month = 0
        self.timer = float(preset.timer)
        self.auto_advance = False
        self.deadline: float | None = None
        self.ended = False
        self.version = 1
        self.log: list[dict[str, Any]] = []
        self._outcomes: list[dict[str, Any]] | None = None
        self._agent_runs: list[tuple[str, Any]] | None = None
        self.last_advance: str = ""
        self._open_month(now)

    # ------------------------------------------------------------------ derived
    @property
    def months(self) -> int:
        return self.preset.months

    @property
    def finished(self) -> bool:
        return self.month >= self.months

    def _touch(self) -> None:
        self.version += 1

    def _open_month(self, now: float) -> None:
        self.deadline = now + self.timer if self.timer > 0 and not self.finished else None

    def _new_group(self, code: str) -> Group:
        from sim.engines.model import AlignmentModel

        model = AlignmentModel(self.scenario, rng=self.preset.seed, months=self.months)
        g = Group(code=code, model=model)
        g.trilateral.append(_var(model, "trilateral"))
        return g

    def date(self, month: int | None = None) -> str:
        from sim.core.params import month_label

        return month_label(self.scenario.start, self.month if month is None else month)

    # ------------------------------------------------------------------ students
    def join(self, name: str, group: str, role: str | None = None, *, now: float) -> Student:
        """Add a student to a group (created on first join); ``role`` None takes the first free
        role of the preset. Raises ClassError with a message for the student."""
        self._check_open()
        name = " ".join(str(name).split())
        if not name or len(name) > NAME_MAX:
            raise ClassError(f"type your name (1 to {NAME_MAX} characters)")
        code = str(group).strip().upper()
        if not GROUP_RE.match(code):
            raise ClassError(
                "the group code is 1 to 12 letters, digits, '-' or '_' (e.g. A or TABLE3)"
            )
        g = self.groups.get(code)
        taken = set(g.members) if g else set()
        if any(
            self.students[s].name.lower() == name.lower() for s in (g.members.values() if g else ())
        ):
            raise ClassError(f"someone called {name} is already in group {code}: add an initial")
        if role in (None, "", "any"):
            free = [r for r in self.preset.roles if r not in taken]
            if not free:
                raise ClassError(
                    f"group {code} is full ({len(taken)} students): choose another group code"
                )
            role = free[0]
        role = str(role).upper()
        if role not in self.preset.roles:
            raise ClassError(f"this session's roles are {', '.join(self.preset.roles)}, not {role}")
        if role in taken:
            raise ClassError(f"{ROLE_LABELS[role]} is taken in group {code}: choose another role")
        if g is None:
            g = self.groups[code] = self._new_group(code)
        sid = secrets.token_urlsafe(16)
        st = Student(sid=sid, name=name, group=code, role=role, last_seen=now)
        self.students[sid] = st
        g.members[role] = sid
        self._touch()
        return st

    def student(self, sid: str) -> Student:
        st = self.students.get(sid)
        if st is None:
            raise UnknownStudent("this page's session has closed: join again")
        return st

    def seen(self, sid: str, now: float) -> Student:
        st = self.student(sid)
        st.last_seen = now
        return st

    def leave(self, sid: str) -> None:
        """Remove a student; the role returns to the agent (their unplayed choice with it)."""
        st = self.students.pop(sid, None)
        if st is None:
            return
        g = self.groups.get(st.group)
        if g is not None and g.members.get(st.role) == sid:
            del g.members[st.role]
            g.choices.pop(st.role, None)
            g.answers.pop(st.role, None)
        self._touch()

    def drop_stale(self, now: float) -> list[str]:
        """Drop students not seen for ``drop_after`` seconds; their ids."""
        stale = [s.sid for s in self.students.values() if now - s.last_seen > self.drop_after]
        for sid in stale:
            self.leave(sid)
        return stale

    def _check_open(self) -> None:
        if self.ended:
            raise ClassError("the instructor has ended this session")

    # ------------------------------------------------------------------ moves
    def options(self, g: Group, role: str) -> list[dict[str, Any]]:
        """Moves open to ``role`` in group ``g`` now, each with ``reason`` when not feasible."""
        if role == "US":
            tol = float(self.scenario.params.us_backlash_tolerance)
            return [{"move": f"{lvl:.1f}",
                     "label": f"US pressure {lvl:.1f}" + (" (above what allied publics tolerate: backlash)" if lvl > tol else ""),
                     "cost": max(0.0, lvl - tol), "feasible": True, "reason": ""}
                    for lvl in US_LEVELS]  # fmt: skip
        opts = g.model.move_options(role)
        for o in opts:
            o["reason"] = "" if o["feasible"] else self._why_not(g, role, float(o["cost"]))
        return opts

    def _why_not(self, g: Group, role: str, cost: float) -> str:
        from sim.core import rules as R

        m = g.model
        agent, partner = (m.rok, m.jpn) if role == "ROK" else (m.jpn, m.rok)
        approval, floor = float(agent.approval), float(agent.approval_floor)
        if approval - cost < floor:
            return (f"costs about {cost:.3f} approval; your leader has {approval:.3f} and must stay "
                    f"above the approval floor {floor:.3f}")  # fmt: skip
        margin = float(R.initiative_margin(m.month + 1 - int(partner.last_own_step), m.run_params))
        return (f"you would move first: with no recent step from your partner, a leader needs "
                f"{margin:.3f} approval to spare above the floor {floor:.3f} (initiative margin); "
                f"after this step you would have {approval - cost - floor:.3f}")  # fmt: skip

    def choose(self, sid: str, move: str, *, now: float) -> None:
        """Record a student's move for this month (they may change it until the month ends)."""
        self._check_open()
        st = self.seen(sid, now)
        if self.finished:
            raise ClassError(f"the game is over after {self.months} months")
        g = self.groups[st.group]
        move = str(move).strip()
        opts = {o["move"]: o for o in self.options(g, st.role)}
        if move not in opts:
            raise ClassError(f"{move!r} is not open now; choose one of: {', '.join(opts)}")
        if not opts[move]["feasible"]:
            raise ClassError(f"{opts[move]['label']}: {opts[move]['reason']}")
        g.choices[st.role] = move
        self._touch()

    def respond(self, sid: str, accept: bool, *, now: float) -> None:
        """A student's answer to the joint step the partner proposes."""
        self._check_open()
        st = self.seen(sid, now)
        g = self.groups[st.group]
        props = g.proposals_to(st.role)
        if not props:
            raise ClassError("there is no proposal to answer (your partner may have changed it)")
        g.answers[st.role] = (props[0][1], bool(accept))
        if not accept:
            g.choices[st.role] = "decline"
        elif st.role not in g.choices:
            g.choices[st.role] = "none"  # accept = join the step, proposing nothing of one's own
        self._touch()

    # ------------------------------------------------------------------ the class month
    def all_ready(self) -> bool:
        return all(g.ready() for g in self.groups.values())

    def set_timer(self, seconds: float, auto_advance: bool, *, now: float) -> None:
        if not 0 <= seconds <= 3600:
            raise ClassError("the timer is 0 (off) to 3600 seconds")
        self.timer = float(seconds)
        self.auto_advance = bool(auto_advance)
        self._open_month(now)
        self._touch()

    def advance(self, *, now: float, by: str = "instructor") -> None:
        """Play one month in every group at once."""
        self._check_open()
        if self.finished:
            raise ClassError(f"the game is over after {self.months} months")
        month = self.month + 1
        for g in self.groups.values():
            self._play_group(g, month, by)
        self.month = month
        self.last_advance = by
        self._open_month(now)
        self._touch()

    def _play_group(self, g: Group, month: int, by: str) -> None:
        m = g.model
        rows: list[dict[str, Any]] = []
        for role in ROLES:
            sid = g.members.get(role)
            if sid is None:
                continue
            move = g.choices.get(role)
            answer = ""
            for _frm, step, _label in g.proposals_to(role):
                ok = g.answer_of(role)
                answer = f"{'accepted' if ok else 'declined' if ok is False else 'no answer: declined'} {step}"
                if not ok:
                    move = "decline"
            got = g.answers.get(role)
            if not answer and got is not None and not got[1] and move == "decline":
                answer = f"declined {got[0]}"
            opts = {o["move"]: o for o in self.options(g, role)}
            opt = opts.get(move) if move is not None else None
            if move is not None and (opt is None or not opt["feasible"]):
                move = None  # no longer open (cannot happen within a month; guard anyway)
            if move is None:
                decided = f"agent ({'timer' if by == 'timer' else 'no choice'})"
            else:
                decided = "student"
                if role == "US":
                    m.set_us_pressure(float(move))
                else:
                    m.set_choice(role, move)
            rows.append({"group": g.code, "student": self.students[sid].name, "role": role,
                         "move": move or "(agent)", "label": "" if opt is None else opt["label"],
                         "expected_cost": "" if opt is None else round(float(opt["cost"]), 4),
                         "decided_by": decided, "partner_answer": answer})  # fmt: skip
        n_steps, n_events = len(m.steps_log), len(m.event_log)
        m.step()
        happened = [f"{s['actor']} {s['action']}{'' if s['actor'] == 'both' else 's'} {s['label']}"
                    for s in m.steps_log[n_steps:]]  # fmt: skip
        happened += [e["text"] for e in m.event_log[n_events:]]
        g.last_news = "; ".join(happened) or "nothing"
        g.trilateral.append(_var(m, "trilateral"))
        after = {"month": month, "date": m.date, "what_happened": g.last_news,
                 "trilateral_after": round(_var(m, "trilateral"), 4),
                 "coop_ROK_JPN_after": round(_var(m, "coop_ROK_JPN"), 4),
                 "approval_ROK_after": round(_var(m, "approval_ROK"), 4),
                 "approval_JPN_after": round(_var(m, "approval_JPN"), 4),
                 "us_pressure": round(_var(m, "us_coercion"), 4)}  # fmt: skip
        self.log.extend({**r, **after} for r in rows)
        g.choices.clear()
        g.answers.clear()

    def tick(self, now: float) -> bool:
        """Drop stale students; advance when everyone is ready (auto) or the timer ends.
        True if anything changed."""
        before = self.version
        if self.ended:
            return False
        self.drop_stale(now)
        if not self.finished:
            has_students = any(g.members for g in self.groups.values())
            if self.auto_advance and has_students and self.all_ready():
                self.advance(now=now, by="all chose")
            elif self.deadline is not None and now >= self.deadline:
                self.advance(now=now, by="timer")
        return self.version != before

    # ------------------------------------------------------------------ the end
    def agent_runs(self) -> list[tuple[str, Any]]:
        """Same scenario, seed and months with both allies playing each agent strategy, and the
        scenario as written (cached)."""
        if self._agent_runs is None:
            from sim.engines.model import AlignmentModel

            runs = []
            for name in AGENT_STRATEGIES:
                m = AlignmentModel(self.scenario.with_strategies(ROK=name, JPN=name),
                                   rng=self.preset.seed, months=self.months)  # fmt: skip
                m.run()
                runs.append((f"Agents: both allies play {STRATEGY_LABELS[name]}", m))
            m = AlignmentModel(self.scenario, rng=self.preset.seed, months=self.months)
            m.run()
            runs.append(("Agents: the scenario as written", m))
            self._agent_runs = runs
        return self._agent_runs

    def outcomes(self) -> list[dict[str, Any]]:
        """Every group's run so far, then the agent runs on the same seed (one row each)."""
        if self._outcomes is not None:
            return self._outcomes
        rows = [_outcome(f"Group {g.code}", "class", g.model) for g in self.groups.values()]
        if self.finished:
            rows += [_outcome(label, "agents", m) for label, m in self.agent_runs()]
        return rows

    def agent_trajectories(self) -> list[dict[str, Any]]:
        from sim.engines.batch import MONTHLY_VARS

        i = MONTHLY_VARS.index("trilateral")
        out = []
        for label, m in self.agent_runs():
            df = m.datacollector.get_model_vars_dataframe()
            out.append(
                {"label": label, "trilateral": [round(float(v), 4) for v in df[MONTHLY_VARS[i]]]}
            )
        return out

    def end(self) -> None:
        """End the session: keep the decision log and the outcomes, release runs and students."""
        if self.ended:
            return
        self._outcomes = self.outcomes()
        self.ended = True
        self.students.clear()
        self.groups.clear()
        self._agent_runs = None
        self._touch()

    def decisions_csv(self) -> str:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows(self.log)
        return buf.getvalue()

    # ------------------------------------------------------------------ views (JSON)
    def remaining(self, now: float) -> float | None:
        return None if self.deadline is None else max(0.0, round(self.deadline - now, 1))

    def student_view(self, sid: str, now: float) -> dict[str, Any]:
        st = self.student(sid)
        g = self.groups[st.group]
        m = g.model
        names = ("trilateral", "coop_ROK_JPN", "coop_ROK_US", "coop_JPN_US", "approval_ROK",
                 "approval_JPN", "us_coercion")  # fmt: skip
        members = [{"role": r, "label": ROLE_LABELS[r],
                    "name": self.students[g.members[r]].name if r in g.members else None,
                    "chosen": r in g.choices} for r in ROLES]  # fmt: skip
        props = [{"from": ROLE_LABELS[f], "step": s, "label": lab, "answer": g.answer_of(st.role)}
                 for f, s, lab in g.proposals_to(st.role)]  # fmt: skip
        mine = g.choices.get(st.role)
        partner = PARTNER.get(st.role)
        waiting = ""
        if mine and _is_joint(mine) and partner:
            if partner in g.members:
                ans = g.answer_of(partner)
                other = g.choices.get(partner)
                if other == mine:
                    waiting = "your partner proposes the same joint step"
                elif other == "decline" or ans is False:
                    waiting = "your partner declined this joint step"
                elif ans:
                    waiting = "your partner accepted"
                else:
                    waiting = "waiting for your partner to accept or decline"
            else:
                waiting = "your partner is played by the agent: it joins if its strategy is willing"
        return {
            "title": self.preset.title,
            "month": self.month,
            "months": self.months,
            "date": self.date(),
            "finished": self.finished,
            "ended": self.ended,
            "you": {
                "name": st.name,
                "role": st.role,
                "label": ROLE_LABELS[st.role],
                "group": g.code,
            },
            "members": members,
            "numbers": {n: round(_var(m, n), 3) for n in names},
            "institutionalised": bool(m.inst_month >= 0),
            "trilateral": [round(v, 4) for v in g.trilateral],
            "news": g.last_news,
            "options": [] if self.finished else self.options(g, st.role),
            "choice": mine,
            "proposals": props,
            "waiting": waiting,
            "timer": self.remaining(now),
            "outcomes": self.outcomes() if self.finished else [],
        }

    def instructor_view(self, now: float) -> dict[str, Any]:
        groups = []
        for g in [] if self.ended else self.groups.values():
            groups.append({
                "code": g.code,
                "members": [{"role": r, "name": self.students[s].name, "chosen": r in g.choices,
                             "needs_answer": bool(g.proposals_to(r)) and g.answer_of(r) is None}
                            for r, s in sorted(g.members.items(), key=lambda x: ROLES.index(x[0]))],
                "agents": [r for r in ROLES if r not in g.members],
                "ready": g.ready(),
                "trilateral": [round(v, 4) for v in g.trilateral],
                "institutionalised": bool(g.model.inst_month >= 0),
                "news": g.last_news,
            })  # fmt: skip
        out: dict[str, Any] = {
            "preset": {"key": self.preset.key, "title": self.preset.title, "scenario": self.preset.scenario,
                       "seed": self.preset.seed, "months": self.months, "roles": list(self.preset.roles)},
            "month": self.month,
            "date": self.date(),
            "finished": self.finished,
            "ended": self.ended,
            "students": len(self.students),
            "groups": groups,
            "all_ready": self.all_ready(),
            "timer": self.timer,
            "auto_advance": self.auto_advance,
            "remaining": self.remaining(now),
            "last_advance": self.last_advance,
            "decisions": len(self.log),
            "outcomes": self.outcomes() if self.finished or self.ended else [],
            "agents": self.agent_trajectories() if self.finished and not self.ended else [],
        }  # fmt: skip
        return out


def _outcome(label: str, kind: str, m: Any) -> dict[str, Any]:
    s = m.summary()
    return {
        "run": label,
        "kind": kind,
        "final_trilateral": round(float(_var(m, "trilateral")), 4),
        "max_trilateral": round(float(s["max_trilateral"]), 4),
        "inst_month": int(s["inst_month"]) if int(s["inst_month"]) >= 0 else None,
        "final_approval_ROK": round(float(_var(m, "approval_ROK")), 4),
        "final_approval_JPN": round(float(_var(m, "approval_JPN")), 4),
        "steps_ROK": int(s["steps_ROK"]),
        "steps_JPN": int(s["steps_JPN"]),
    }
