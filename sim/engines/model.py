"""The Mesa model: one run, stepped month by month, with four agents that carry their state.

The model wires things; the month (``sim.core.month``) decides. Each ``step`` runs that one
month, the same compiled function the batch engine runs over many runs, on this run's state;
the agents' attributes are views of that state, and the model adds what a single inspectable run
needs: a DataCollector, a log of steps and events, and a player's moves.

Usage::

    from sim.engines.model import AlignmentModel
    m = AlignmentModel(scenario, rng=1)      # scenario: sim.core.params.Scenario
    m.run()                                  # or m.step() month by month
    df = m.datacollector.get_model_vars_dataframe()

or with Mesa's scenarios (parameters as in scenario files, checked against their declarations)::

    m = AlignmentModel(scenario=AlignmentScenario(rng=1, us_coercion=0.8, months=24))
"""

from __future__ import annotations

import dataclasses
from typing import Any

import mesa
import numpy as np
import numpy.typing as npt
from mesa.experimental.scenarios import Scenario as MesaScenario

from sim.core import month as M
from sim.core import outputs as O
from sim.core import rng as RNG
from sim.core import rules as R
from sim.core import steps as S
from sim.core.params import (
    PARAM_FIELDS,
    ParameterError,
    Scenario,
    check_months,
    checked_params,
    month_label,
)
from sim.core.strategies import DECLINE, NO_CHOICE, STRATEGY_NAMES
from sim.engines.agents import DemocracyAgent, PatronAgent
from sim.engines.batch import NO_MONTHLY, kernels

Arr = npt.NDArray[Any]

#: Keys of an :class:`AlignmentScenario` that are not model parameters.
RUN_KEYS = ("months", "replication", "rok_strategy", "jpn_strategy")


class AlignmentScenario(MesaScenario):  # type: ignore[misc]
    """A Mesa scenario for this model: every declared parameter with its default, plus the
    horizon, the replication and the leaders' strategies (``None`` keeps the scenario's)."""

    months: int = 60
    replication: int = 0
    rok_strategy: str | None = None
    jpn_strategy: str | None = None


for _name in PARAM_FIELDS:  # the declarations generate the scenario's parameters
    AlignmentScenario.__annotations__[_name] = float
    setattr(AlignmentScenario, _name, PARAM_FIELDS[_name].default)
AlignmentScenario.__init_subclass__()


class AlignmentModel(mesa.Model):
    """Alignment pressure on the ROK-Japan-US triangle under US-China rivalry (one run).

    Args:
        spec: the resolved scenario (default: built-in defaults, the August 2022 baseline values).
        rng: the root seed of the counter-based draws (an int; ``mesa.batch_run`` passes it).
        replication: replication index (keys this run's random numbers with the root seed).
        months: horizon (default: the scenario's); ``running`` turns False at the horizon.
        rok_strategy, jpn_strategy: override the leaders' strategies.
        scenario: a Mesa :class:`AlignmentScenario` (its parameters override ``spec``'s).
        compiled: False steps the plain-Python reference month (slow; for checks).
        **params: override any numeric parameter by name (e.g. ``us_coercion=0.8``).

    Raises:
        ParameterError: a parameter, month count or strategy outside its declaration.
    """

    def __init__(
        self,
        spec: Scenario | None = None,
        rng: int | None = None,
        replication: int = 0,
        months: int | None = None,
        rok_strategy: str | None = None,
        jpn_strategy: str | None = None,
        scenario: AlignmentScenario | None = None,
        compiled: bool = True,
        **params: Any,
    ) -> None:
        if scenario is not None:
            given = {k: v for k, v in scenario.to_dict().items()
                     if k not in ("model", "_scenario_id", "rng")}  # fmt: skip
            params = {**{k: v for k, v in given.items() if k in PARAM_FIELDS}, **params}
            months = given.get("months") if months is None else months
            replication = int(given.get("replication", replication))
            rok_strategy = rok_strategy or given.get("rok_strategy")
            jpn_strategy = jpn_strategy or given.get("jpn_strategy")
            if rng is None:
                rng = scenario.rng
        seed = _seed(rng)
        if scenario is not None and scenario.rng is None:
            scenario.rng = seed
        super().__init__(rng=seed, scenario=scenario)
        spec = spec if spec is not None else Scenario()
        spec = dataclasses.replace(spec, params=checked_params(spec.params, **params))
        roles = {}
        for role, name in (("ROK", rok_strategy), ("JPN", jpn_strategy)):
            if name is not None:
                if name not in STRATEGY_NAMES:
                    raise ParameterError(
                        f"{role.lower()}_strategy", f"one of {', '.join(STRATEGY_NAMES)}", name
                    )
                roles[role] = name
        if roles:
            spec = spec.with_strategies(**roles)
        if months is not None:
            spec = dataclasses.replace(spec, months=check_months(months))
        self.spec = spec
        self.root_seed = seed
        self.replication = int(replication)
        if self.replication < 0:
            raise ParameterError("replication", "a whole number >= 0", replication)
        self.world = M.world_of(spec)
        self._params = M.param_records(spec.params, world=self.world)
        self.state = M.new_state(1)
        self.trace = M.new_trace(1)
        self._kernels = kernels(compiled)
        self._keys = RNG.run_keys(seed, [self.replication])[:, 0]
        self._world = self.world.arrays()
        self._choices = np.full((1, 2), NO_CHOICE, dtype=np.int64)
        self._us_override = np.full(1, np.nan)
        self._record = np.empty((1, len(O.MONTHLY_VARS)))
        self._record_month = -1
        with np.errstate(over="ignore"):
            self._kernels.start_runs(self._params, self._world, self.state.arrays(), self._trace())
        self.month = 0
        #: a player's pending move per state for the next step (see :meth:`set_choice`)
        self.human_choice: dict[str, str] = {}
        self.steps_log: list[dict[str, Any]] = []
        self.event_log: list[dict[str, Any]] = []

        self.us = PatronAgent(self, "US", 1.0)
        self.china = PatronAgent(self, "CHN", -1.0)
        self.rok = DemocracyAgent(self, "ROK", 0)
        self.jpn = DemocracyAgent(self, "JPN", 1)
        self.democracies = [self.rok, self.jpn]
        reporters: dict[str, Any] = {name: _reporter(name) for name in O.MONTHLY_VARS}
        reporters["month"] = "month"
        reporters["date"] = lambda m: month_label(m.spec.start, m.month)
        self.datacollector = mesa.DataCollector(
            model_reporters=reporters,
            agent_reporters={
                "name": "name",
                "alignment": "alignment",
                "approval": lambda a: getattr(a, "approval", None),
                "abandonment": lambda a: getattr(a, "abandonment", None),
                "entrapment": lambda a: getattr(a, "entrapment", None),
                "grievance": lambda a: getattr(a, "grievance", None),
                "threat": lambda a: getattr(a, "threat", None),
                "china_pressure": lambda a: getattr(a, "china_pressure", None),
                "coercion": lambda a: getattr(a, "coercion", None),
                "strategy": lambda a: getattr(a, "strategy", None),
                "leader": lambda a: getattr(a, "leader", None),
            },
        )
        self.datacollector.collect(self)

    @property
    def run_params(self) -> Any:
        """This month's parameters (a record: scheduled and shocked parameters change by month)."""
        return self._params[self.world.segment[min(self.month, self.world.months)], 0]

    @property
    def next_params(self) -> Any:
        """Next month's parameters (what the coming month's decisions will read)."""
        return self._params[self.world.segment[min(self.month + 1, self.world.months)], 0]

    def _trace(self) -> tuple[Arr, Arr]:
        return self.trace.floats, self.trace.ints

    # ------------------------------------------------------------------------------ read-outs
    @property
    def coop(self) -> Arr:
        """Cooperation (ROK-Japan, ROK-US, Japan-US), a copy."""
        return self.state.floats[0, M.COOP : M.COOP + 3].copy()

    @property
    def trilateral(self) -> float:
        c = self.state.floats[0, M.COOP : M.COOP + 3]
        return float(R.trilateral_index(c[0], c[1], c[2]))

    @property
    def tri_max(self) -> float:
        return float(self.state.floats[0, M.TRI_MAX])

    @property
    def taken(self) -> Arr:
        """(K,) the steps in force."""
        return S.steps_in(int(self.state.ints[0, M.TAKEN]))

    @property
    def first_taken_month(self) -> Arr:
        """(K,) month each step was first taken, -1 if never."""
        return self.state.first_month[0]

    @property
    def first_taken_by(self) -> Arr:
        """(K,) who first took each step: 0 ROK, 1 JPN, 2 jointly, -1 never."""
        return self.state.first_by[0]

    @property
    def inst_month(self) -> int:
        return int(self.state.ints[0, M.INST_MONTH])

    @property
    def collapse_month(self) -> int:
        return int(self.state.ints[0, M.COLLAPSE_MONTH])

    @property
    def launches(self) -> float:
        return float(self.trace.floats[0, M.LAUNCHES])

    @property
    def date(self) -> str:
        return month_label(self.spec.start, self.month)

    def log_event(self, kind: str, actor: str, text: str) -> None:
        self.event_log.append({"month": self.month + 1, "date": month_label(self.spec.start, self.month + 1),
                               "kind": kind, "actor": actor, "text": text})  # fmt: skip

    # ------------------------------------------------------------------------------ one month
    def step(self) -> None:
        """Advance one month: the month of ``sim.core.month`` on this run's state."""
        if self.month >= self.spec.months:
            self.running = False
            return
        month = self.month + 1
        strategies_before = [a.strategy for a in self.democracies]
        inst_before, collapse_before = self.inst_month, self.collapse_month
        for d, actor in enumerate(("ROK", "JPN")):
            move = self.human_choice.pop(actor, None)
            self._choices[0, d] = NO_CHOICE if move is None else _move_index(move)
        with np.errstate(over="ignore"):
            self._kernels.step_runs(month, month, self._params, self._keys, self._world,
                                    self.state.arrays(), self._trace(), self._choices,
                                    self._us_override, O.RECORD_SOURCES, NO_MONTHLY)  # fmt: skip
        self._choices[:] = NO_CHOICE
        self._us_override[:] = np.nan
        self._log_month(month, strategies_before, inst_before, collapse_before)
        self.month = month
        self.datacollector.collect(self)
        if self.month >= self.spec.months:
            self.running = False

    def _log_month(
        self, month: int, strategies: list[str], inst_before: int, collapse_before: int
    ) -> None:
        """The month's events and steps, in the order they happened, from the month's trace."""
        ti = self.trace.ints[0]
        strategy = list(strategies)
        for ev in self.spec.events:
            if ev.month != month:
                continue
            d = 0 if ev.actor == "ROK" else 1
            if ev.kind == "leader_change":
                strategy[d] = ev.strategy or strategy[d]
                why = ev.label or "scheduled"
                self.log_event("leader_change", ev.actor,
                               f"{ev.actor}: new leader ({why}); strategy {strategy[d]}")  # fmt: skip
            else:
                self.log_event(ev.kind, ev.actor or "-", ev.label or ev.kind.replace("_", " "))
        if ti[M.EPISODE_STARTED]:
            size = self.state.floats[0, M.EPISODE_SIZE]
            self.log_event("coercion_episode", "CHN", f"Chinese coercion episode (+{size:.2f})")
        for d, agent in enumerate(self.democracies):
            if ti[M.FLASHPOINTS] >> d & 1:
                self.log_event("flashpoint", agent.name, f"History flashpoint in {agent.name}")
        if inst_before < 0 <= self.inst_month:
            self.log_event("institutionalised", "-", "Institutionalised trilateral cooperation")
        if collapse_before < 0 <= self.collapse_month:
            self.log_event("collapse", "-", "Trilateral cooperation collapsed")
        for d, why in ((0, "term ended"), (1, "LDP replaced the leader")):
            if ti[M.TURNOVER + d]:
                agent = self.democracies[d]
                self.log_event("leader_change", agent.name,
                               f"{agent.name}: new leader ({why}); strategy {agent.strategy}")  # fmt: skip
        paid, withdrawn = ti[M.PAID : M.PAID + 2], ti[M.WITHDRAWN : M.WITHDRAWN + 2]
        for k, step in enumerate(S.LADDER):
            by = [bool(paid[d] >> k & 1) for d in (0, 1)]
            if by[0] or by[1]:
                who = "both" if by[0] and by[1] else ("ROK" if by[0] else "JPN")
                self._log_step(month, who, step, "take")
            for d, name in ((0, "ROK"), (1, "JPN")):
                if withdrawn[d] >> k & 1:
                    self._log_step(month, name, step, "reverse")

    def _log_step(self, month: int, actor: str, step: S.Step, action: str) -> None:
        self.steps_log.append({"month": month, "date": month_label(self.spec.start, month),
                               "actor": actor, "step": step.name, "label": step.label,
                               "action": action})  # fmt: skip

    # ------------------------------------------------------------------------------ play mode
    def set_choice(self, actor: str, move: str) -> None:
        """Set a player's move for the next month; the state's strategy is bypassed for that
        month only.

        Args:
            actor: "ROK" or "JPN".
            move: a step name (propose it; a joint step also needs the partner), "reverse"
                (withdraw the leader's latest reversible step), "none" (propose no step of one's
                own, but join any joint step the partner proposes that the leader can afford) or
                "decline" (propose nothing and join nothing: a joint step the partner proposes
                does not happen, and the leader does not keep up joint activity that month).

        Raises:
            ValueError: an actor other than ROK or JPN, or an unknown move.
        """
        if actor not in ("ROK", "JPN"):
            raise ValueError(f"a player can move ROK or JPN, not {actor!r}")
        _move_index(move)
        self.human_choice[actor] = move

    def set_us_pressure(self, value: float) -> None:
        """A player playing the US sets next month's US pressure (0..1)."""
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"US pressure must be in [0, 1], got {value}")
        self._us_override[0] = float(value)

    def step_cost_scale(self, actor: str) -> float:
        """What multiplies ``actor``'s step costs in the coming month: grievance, US pressure
        above the tolerance (a player's US choice, else next month's parameter) and the Chinese
        pressure felt."""
        agent = self.rok if actor == "ROK" else self.jpn
        p = self.next_params
        us_c = float(self._us_override[0])
        if np.isnan(us_c):
            us_c = p.us_coercion
        d = 0 if actor == "ROK" else 1
        dependence = p.rok_china_dependence if d == 0 else p.jpn_china_dependence
        return float(
            R.step_cost_scale(agent.grievance, us_c, p)
            * R.china_cost_factor(float(self.state.floats[0, M.CHINA_PRESSURE + d]), dependence, p)
        )

    def move_options(self, actor: str) -> list[dict[str, Any]]:
        """Moves open to ``actor`` now, with the expected domestic approval cost of each.

        Each option is ``{move, label, cost, feasible}`` (steps add ``joint``): "none" first,
        then the steps on the table in ladder order, "reverse" when the leader has a step to
        withdraw, and last "decline" when a joint step is on the table for the partner (so the
        partner could propose one). "none" still joins a joint step the partner proposes;
        "decline" refuses it (see :meth:`set_choice`). New options go last, so the numbers of the
        existing ones (``alignsim play`` reads them) stay put.

        Costs use this month's grievance and US pressure; news of next month (flashpoints,
        shocks) can still change them.
        """
        agent = self.rok if actor == "ROK" else self.jpn
        partner = self.jpn if actor == "ROK" else self.rok
        p = self.next_params
        scale = self.step_cost_scale(actor)
        margin = R.initiative_margin(self.month + 1 - partner.last_own_step, p)
        taken = int(self.state.ints[0, M.TAKEN])
        available = R.available_steps(taken, self.coop[0], agent.owned)
        feasible = R.affordable_steps(
            agent.approval, agent.approval_floor, scale, margin, available
        )
        opts: list[dict[str, Any]] = [
            {
                "move": "none",
                "label": "No step of my own (join a joint step if proposed)",
                "cost": 0.0,
                "feasible": True,
            }
        ]
        for k, step in enumerate(S.LADDER):
            if R.has(available, k):
                opts.append({"move": step.name, "label": step.label, "cost": float(scale * S.COST[k]),
                             "feasible": bool(R.has(feasible, k)), "joint": step.owner == "joint"})  # fmt: skip
        rev = R.latest_reversible(taken, self.state.taken_month[0], agent.owned)
        if rev >= 0:
            opts.append(
                {
                    "move": "reverse",
                    "label": f"Reverse: {S.LADDER[rev].label}",
                    "cost": 0.0,
                    "feasible": True,
                }
            )
        if R.available_steps(taken, self.coop[0], partner.owned) & S.JOINT_MASK:
            opts.append(
                {
                    "move": "decline",
                    "label": "Decline any joint step this month",
                    "cost": 0.0,
                    "feasible": True,
                }
            )
        return opts

    def run(self) -> None:
        """Run to the horizon."""
        while self.running:
            self.step()

    # ------------------------------------------------------------------------------ outputs
    def record(self) -> Arr:
        """This month's values of MONTHLY_VARS, in order (as the batch engine records them)."""
        if self._record_month != self.month:
            self._kernels.write_record(
                self.state.arrays(), self._trace(), O.RECORD_SOURCES, self._record
            )
            self._record_month = self.month
        return self._record[0].copy()

    def summary(self) -> dict[str, Any]:
        """Per-run outcome summary, the same fields as ``sim.core.outputs.summarise``."""
        return {k: v[0].item() for k, v in O.summarise(self.state).items()}


def _seed(rng: Any) -> int:
    """The root seed: a whole number in [0, 2**64) (Python or numpy integer, or an integral
    float); None means 0."""
    if rng is None:
        return 0
    value = rng.item() if isinstance(rng, (np.ndarray, np.generic)) else rng
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**64:
        raise ParameterError("rng", "a whole-number root seed in [0, 2**64)", rng)
    return value


def _move_index(move: str) -> int:
    """The month's choice code of a player's move (see :meth:`AlignmentModel.set_choice`)."""
    if move == "none":
        return R.NONE
    if move == "reverse":
        return R.REVERSE
    if move == "decline":
        return DECLINE
    if move not in S.STEP_INDEX:
        raise ValueError(f"unknown move {move!r}")
    return S.STEP_INDEX[move]


def _reporter(name: str) -> Any:
    i = O.MONTHLY_VARS.index(name)
    return lambda m: float(m.record()[i])
