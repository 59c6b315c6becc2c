"""The Mesa model: builds the four state agents and steps them synchronously each month.

The model wires things; the rules (``sim.core.rules``) decide. Each month follows the same sequence as
the array engine (``sim.engines.batch.step_month``), so both give identical trajectories for the same
(scenario, root seed, replication): news, decisions from the same perceived state, resolution of
joint steps, consequences, institutions, turnover, data collection.

Usage::

    from sim.engines.model import AlignmentModel
    m = AlignmentModel(scenario, rng=1)      # scenario: sim.core.params.Scenario
    m.run()                                  # or m.step() month by month
    df = m.datacollector.get_model_vars_dataframe()
"""

from __future__ import annotations

import dataclasses
from typing import Any

import mesa
import numpy as np
import numpy.typing as npt

from sim.core import rng as RNG
from sim.core import rules as R
from sim.core import steps as S
from sim.core.params import PARAM_FIELDS, Scenario, month_label
from sim.core.strategies import STRATEGY_NAMES
from sim.engines.agents import DemocracyAgent, PatronAgent
from sim.engines.batch import MONTHLY_VARS, RunParams, draw_month, owned_steps, schedule_at

Arr = npt.NDArray[Any]


class AlignmentModel(mesa.Model):
    """Alignment pressure on the ROK-Japan-US triangle under US-China rivalry.

    Args:
        spec: the resolved scenario (default: built-in defaults, the August 2022 baseline values).
        rng: the root seed of the counter-based draws (an int; ``mesa.batch_run`` passes it).
        replication: replication index (keys this run's random numbers with the root seed).
        months: horizon (default: the scenario's); ``running`` turns False at the horizon.
        rok_strategy, jpn_strategy: override the leaders' strategies.
        **params: override any numeric parameter by name (e.g. ``us_coercion=0.8``).
    """

    def __init__(
        self,
        spec: Scenario | None = None,
        rng: int | None = None,
        replication: int = 0,
        months: int | None = None,
        rok_strategy: str | None = None,
        jpn_strategy: str | None = None,
        **params: Any,
    ) -> None:
        seed = 0 if rng is None else int(rng)
        super().__init__(rng=seed)
        spec = spec if spec is not None else Scenario()
        unknown = [k for k in params if k not in PARAM_FIELDS]
        if unknown:
            raise TypeError(f"unknown parameter(s): {', '.join(unknown)}")
        if params:
            spec = spec.with_params(**params)
        roles = {}
        for role, name in (("ROK", rok_strategy), ("JPN", jpn_strategy)):
            if name is not None:
                if name not in STRATEGY_NAMES:
                    raise ValueError(
                        f"unknown strategy {name!r}; choose from {', '.join(STRATEGY_NAMES)}"
                    )
                roles[role] = name
        if roles:
            spec = spec.with_strategies(**roles)
        if months is not None:
            spec = dataclasses.replace(spec, months=int(months))
        self.spec = spec
        self.root_seed = seed
        self.replication = int(replication)
        self.run_params = RunParams(spec.params, 1)
        self._keys = RNG.run_keys(seed, [self.replication])
        self.month = 0
        self.owned = owned_steps(spec)
        #: a player's pending move per state for the next step (see :meth:`set_choice`)
        self.human_choice: dict[str, str] = {}
        self._us_override: float | None = None
        p = self.run_params

        self.us = PatronAgent(self, "US", 1.0)
        self.china = PatronAgent(self, "CHN", -1.0)
        self.rok = DemocracyAgent(self, "ROK", 0, spec.strategy("ROK"))
        self.jpn = DemocracyAgent(self, "JPN", 1, spec.strategy("JPN"))
        self.democracies = [self.rok, self.jpn]
        self.coop = np.array([p.coop_rok_jpn0, p.coop_rok_us0, p.coop_jpn_us0], dtype=float)
        self.taken = np.zeros((1, S.N_STEPS), dtype=bool)
        self.taken_month = np.zeros((1, S.N_STEPS), dtype=np.int64)
        self.first_taken_month = np.full(S.N_STEPS, -1)
        self.first_taken_by = np.full(S.N_STEPS, -1)
        self._above = np.zeros((1, 1), dtype=np.int64)
        self._below = np.zeros((1, 1), dtype=np.int64)
        self.inst_month = -1
        self.collapse_month = -1
        self.jpn_low_months = 0
        self.launches = 0.0
        self.steps_log: list[dict[str, Any]] = []
        self.event_log: list[dict[str, Any]] = []
        self._acts = np.zeros(4)
        self.tri_max = self.trilateral
        self._record_cache: tuple[int, Arr] = (-1, np.zeros(0))
        self.us.perceive(
            schedule_at(spec, p, "us_coercion", 0), schedule_at(spec, p, "us_commitment", 0)
        )
        self.china.perceive(schedule_at(spec, p, "china_coercion", 0), 0.0)
        reporters: dict[str, Any] = {name: _reporter(name) for name in MONTHLY_VARS}
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

    # ------------------------------------------------------------------------------ read-outs
    @property
    def trilateral(self) -> float:
        return float(R.trilateral_index(self.coop.reshape(1, 3))[0, 0])

    @property
    def date(self) -> str:
        return month_label(self.spec.start, self.month)

    def log_event(self, kind: str, actor: str, text: str) -> None:
        self.event_log.append({"month": self.month + 1, "date": month_label(self.spec.start, self.month + 1),
                               "kind": kind, "actor": actor, "text": text})  # fmt: skip

    # ------------------------------------------------------------------------------ one month
    def step(self) -> None:
        """Advance one month (synchronous update)."""
        if self.month >= self.spec.months:
            self.running = False
            return
        month = self.month + 1
        spec, p = self.spec, self.run_params
        draws = draw_month(self._keys, month, p)
        rok, jpn, us, china = self.rok, self.jpn, self.us, self.china
        us_now = schedule_at(spec, p, "us_coercion", month)
        if self._us_override is not None:
            us_now, self._us_override = self._us_override, None
        us.perceive(us_now, schedule_at(spec, p, "us_commitment", month))
        china.perceive(schedule_at(spec, p, "china_coercion", month), 0.0)
        us_c, commit = float(us.coercion), float(us.commitment)
        launches = draws.launches
        flash = draws.flash.copy()

        # 1. scheduled events, then the month's news
        for ev in spec.events:
            if ev.month != month:
                continue
            agent = rok if ev.actor == "ROK" else jpn
            if ev.kind == "approval_shock":
                agent.approval = float(
                    min(max(agent.approval + float(ev.value or 0.0), 0.02), 0.98)
                )
            elif ev.kind == "leader_change":
                approval = p.honeymoon_approval if ev.value is None else float(ev.value)
                agent.change_leader(ev.strategy, float(approval), ev.label or "scheduled")
                continue
            elif ev.kind == "flashpoint":
                agent.grievance = float(
                    R.clip01(_a(agent.grievance + float(ev.value or 0.0)))[0, 0]
                )
            elif ev.kind == "provocation":
                launches = launches + float(ev.value or 0.0)
            elif ev.kind == "coercion_episode":
                china.start_episode(float(ev.value or 0.0), int(ev.duration or 1))
            self.log_event(ev.kind, ev.actor or "-", ev.label or ev.kind.replace("_", " "))
        boost = china.china_episode_boost(bool(draws.episode_start[0, 0]))
        for d, agent in enumerate(self.democracies):
            if flash[0, d] > 0:
                self.log_event("flashpoint", agent.name, f"History flashpoint in {agent.name}")
            agent.perceive(launches, flash[:, d : d + 1])
        for agent in self.democracies:
            agent.china_pressure = float(china.pressure_on(agent, boost, float(self.coop[0]))[0, 0])

        # 2. decisions from the same perceived state
        incentive = R.cooperation_incentive(
            _a(rok.threat),
            _a(jpn.threat),
            _a(rok.abandonment),
            _a(jpn.abandonment),
            commit,
            us_c,
            p,
        )
        decisions = [
            a.decide(
                month,
                incentive,
                us_c,
                self.democracies[1 - a.index].last_action,
                self.democracies[1 - a.index].last_own_step,
            )
            for a in self.democracies
        ]
        proposal = np.array([[dec.proposal[0] for dec in decisions]])
        accept = np.stack([dec.accept for dec in decisions], axis=1)
        feasible = np.concatenate([a._feasible for a in self.democracies], axis=1)
        affordable = np.concatenate([a._affordable for a in self.democracies], axis=1)
        available = np.concatenate([a._available for a in self.democracies], axis=1)
        reversible = np.concatenate([a._reversible for a in self.democracies], axis=1)

        # 3. resolution
        paid, executed, reversed_by = R.resolve_actions(
            proposal, accept, feasible, affordable, available, reversible
        )
        reversed_any = reversed_by[:, 0] | reversed_by[:, 1]

        # 4. consequences
        moved = paid.any(axis=-1)
        last_own = np.array(
            [[month if moved[0, d] else a.last_own_step for d, a in enumerate(self.democracies)]]
        )
        recent = (month - last_own) <= 1
        reciprocated = ((moved[:, 0:1] | moved[:, 1:2]) & recent[:, 0:1] & recent[:, 1:2]).astype(
            float
        )
        trust = R.step_trust(p)
        gain = R.weighted_step_sum(executed, trust)[:, None]
        loss = p.reversal_trust_penalty * R.weighted_step_sum(reversed_any, trust)[:, None]
        tri_gain = R.weighted_step_sum(executed, trust * S.TRILATERAL)[:, None]
        for d, a in enumerate(self.democracies):
            a.act(
                month,
                paid[:, d : d + 1],
                reversed_by[:, d : d + 1],
                reciprocated,
                launches,
                draws.noise[:, d : d + 1],
                us_c,
                commit,
                gain,
            )
        taken = (self.taken | executed) & ~reversed_any
        locked = R.weighted_step_sum(taken, trust * ~S.REVERSIBLE)[:, None]
        anchor = R.cooperation_anchor(locked, p)
        griev = np.array([[rok.grievance, jpn.grievance]])
        flash_hit = R.weighted_step_sum(flash * griev, np.ones(2))[:, None]
        coop_rj = R.rok_jpn_cooperation_after_month(
            _a(self.coop[0]), gain, loss, anchor, incentive, flash_hit, p
        )
        coop_us = us.reward(self.democracies, self.coop[None, 1:3], float(self.coop[0]), tri_gain)
        self._log_steps(month, paid, reversed_by)
        self.taken = taken
        self.taken_month = np.where(executed, month, self.taken_month)
        first = executed[0] & (self.first_taken_month < 0)
        by = np.where(paid[0, 0] & paid[0, 1], 2, np.where(paid[0, 0], 0, 1))
        self.first_taken_month = np.where(first, month, self.first_taken_month)
        self.first_taken_by = np.where(first, by, self.first_taken_by)
        for agent in (*self.democracies, us, china):
            agent.commit()
        china.end_month()
        self.coop = np.concatenate([coop_rj, coop_us], axis=1)[0]
        tri = R.trilateral_index(self.coop.reshape(1, 3))
        self._above, self._below, inst, coll = R.institution_update(
            tri, self._above, self._below, _a(self.inst_month), _a(self.collapse_month), month, p
        )
        if self.inst_month < 0 <= inst[0, 0]:
            self.log_event("institutionalised", "-", "Institutionalised trilateral cooperation")
        if self.collapse_month < 0 <= coll[0, 0]:
            self.log_event("collapse", "-", "Trilateral cooperation collapsed")
        self.inst_month, self.collapse_month = int(inst[0, 0]), int(coll[0, 0])

        # leader turnover
        low, replace = R.japan_replacement(_a(jpn.approval), _a(self.jpn_low_months), p)
        if month == p.rok_term_end_month:
            rok.change_leader(spec.strategy("ROK_successor"), p.honeymoon_approval, "term ended")
        if bool(replace[0, 0]):
            jpn.change_leader(
                spec.strategy("JPN_successor"), p.honeymoon_approval, "LDP replaced the leader"
            )
            low = low * 0
        self.jpn_low_months = int(low[0, 0])

        self._acts = np.concatenate([paid.sum(axis=-1), reversed_by.sum(axis=-1)], axis=1)[
            0
        ].astype(float)
        self.launches = float(launches[0, 0])
        self.month = month
        self.tri_max = max(self.tri_max, self.trilateral)
        self.datacollector.collect(self)
        if self.month >= spec.months:
            self.running = False

    # ------------------------------------------------------------------------------ play mode
    def set_choice(self, actor: str, move: str) -> None:
        """Set a player's move for the next month: ``actor`` ROK or JPN, ``move`` a step name,
        "reverse" or "none". The state's strategy is bypassed for that month only."""
        if actor not in ("ROK", "JPN"):
            raise ValueError(f"a player can move ROK or JPN, not {actor!r}")
        if move not in ("none", "reverse") and move not in S.STEP_INDEX:
            raise ValueError(f"unknown move {move!r}")
        self.human_choice[actor] = move

    def set_us_pressure(self, value: float) -> None:
        """A player playing the US sets next month's US pressure (0..1)."""
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"US pressure must be in [0, 1], got {value}")
        self._us_override = float(value)

    def move_options(self, actor: str) -> list[dict[str, Any]]:
        """Moves open to ``actor`` now, with the expected domestic approval cost of each.

        Costs use this month's grievance and US pressure; news of next month (flashpoints,
        shocks) can still change them.
        """
        agent = self.rok if actor == "ROK" else self.jpn
        p = self.run_params
        us_next = schedule_at(self.spec, p, "us_coercion", self.month + 1)
        us_c = self._us_override if self._us_override is not None else us_next
        cost = R.step_cost(_a(agent.grievance), us_c, p)[0, 0]
        partner = self.jpn if actor == "ROK" else self.rok
        margin = R.initiative_margin(_a(self.month + 1 - partner.last_own_step), p)
        feasible = R.feasible_steps(
            _a(agent.approval), np.array([agent.approval_floor]), cost[None, None], margin
        )[0, 0]
        available = R.available_steps(self.taken, _a(self.coop[0]), agent.owned)[0, 0]
        opts: list[dict[str, Any]] = [
            {"move": "none", "label": "No step this month", "cost": 0.0, "feasible": True}
        ]
        for k, step in enumerate(S.LADDER):
            if available[k]:
                opts.append({"move": step.name, "label": step.label, "cost": float(cost[k]),
                             "feasible": bool(feasible[k]), "joint": step.owner == "joint"})  # fmt: skip
        rev = R.latest_reversible(self.taken, self.taken_month, agent.owned)[0, 0]
        if rev >= 0:
            opts.append(
                {
                    "move": "reverse",
                    "label": f"Reverse: {S.LADDER[rev].label}",
                    "cost": 0.0,
                    "feasible": True,
                }
            )
        return opts

    def run(self) -> None:
        """Run to the horizon."""
        while self.running:
            self.step()

    def _log_steps(self, month: int, paid: Arr, reversed_by: Arr) -> None:
        for k, step in enumerate(S.LADDER):
            if paid[0, 0, k] or paid[0, 1, k]:
                who = (
                    "both"
                    if paid[0, 0, k] and paid[0, 1, k]
                    else ("ROK" if paid[0, 0, k] else "JPN")
                )
                self.steps_log.append({"month": month, "date": month_label(self.spec.start, month),
                                       "actor": who, "step": step.name, "label": step.label, "action": "take"})  # fmt: skip
            for d, name in ((0, "ROK"), (1, "JPN")):
                if reversed_by[0, d, k]:
                    self.steps_log.append({"month": month, "date": month_label(self.spec.start, month),
                                           "actor": name, "step": step.name, "label": step.label, "action": "reverse"})  # fmt: skip

    # ------------------------------------------------------------------------------ outputs
    def record(self) -> Arr:
        """This month's values of MONTHLY_VARS, in order (as the array engine records them)."""
        if self._record_cache[0] != self.month:
            self._record_cache = (self.month, self._record())
        return self._record_cache[1]

    def _record(self) -> Arr:
        rok, jpn = self.rok, self.jpn
        return np.array(
            [
                rok.alignment, jpn.alignment, rok.approval, jpn.approval,
                rok.abandonment, jpn.abandonment, rok.entrapment, jpn.entrapment,
                rok.grievance, jpn.grievance, rok.threat, jpn.threat,
                rok.china_pressure, jpn.china_pressure,
                self.coop[0], self.coop[1], self.coop[2], self.trilateral,
                self.us.coercion, self.china.coercion, self.us.commitment, self.launches,
                *self._acts, rok.leader, jpn.leader,
                float(self.inst_month >= 0), float(self.collapse_month >= 0),
            ],
            dtype=float,
        )  # fmt: skip

    def summary(self) -> dict[str, Any]:
        """Per-run outcome summary, the same fields as ``sim.engines.batch.summarise``."""
        from sim.engines.batch import FinalState, summarise

        rok, jpn = self.rok, self.jpn
        s = FinalState(
            coop=self.coop.reshape(1, 3),
            approval=np.array([[rok.approval, jpn.approval]]),
            alignment=np.array([[rok.alignment, jpn.alignment]]),
            leader=np.array([[rok.leader, jpn.leader]]),
            first_taken_month=self.first_taken_month.reshape(1, -1),
            inst_month=np.array([[self.inst_month]]),
            collapse_month=np.array([[self.collapse_month]]),
            n_steps=np.array([[rok.n_steps, jpn.n_steps]]),
            n_reversals=np.array([[rok.n_reversals, jpn.n_reversals]]),
        )
        out = summarise(s, np.array([self.tri_max]))
        return {k: v[0].item() for k, v in out.items()}


def _a(x: float) -> Arr:
    return np.array([[x]], dtype=float)


def _reporter(name: str) -> Any:
    i = MONTHLY_VARS.index(name)
    return lambda m: float(m.record()[i])
