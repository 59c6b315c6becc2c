"""Mesa agents for the four states: perceive, decide, act, each calling ``sim.core.rules``.

Agents keep their own values as floats and call the rules on them as arrays of shape (1, 1),
the same rules the array engine (``sim.engines.batch``) calls on (runs, 2) arrays. Updates are
synchronous: ``act`` computes next month's values into ``_next`` from the state every agent saw;
``commit`` applies them once every agent has acted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
import numpy.typing as npt

from sim.core import rules as R
from sim.core import steps as S
from sim.core.strategies import STRATEGIES, Decision, LeaderView

if TYPE_CHECKING:
    from sim.engines.model import AlignmentModel

Arr = npt.NDArray[Any]


def _a(x: float) -> Arr:
    return np.array([[x]], dtype=float)


def human_decision(choice: str, view: LeaderView) -> Decision:
    """A player's move: a step name, "reverse" or "none"; a player joins any joint step the
    partner proposes that is on the table and affordable."""
    accept = view.available & view.affordable
    if choice == "none":
        proposal = R.NONE
    elif choice == "reverse":
        proposal = R.REVERSE
    else:
        proposal = S.STEP_INDEX[choice]
    return Decision(np.array([proposal]), accept)


class StateAgent(mesa.Agent):
    """A state. ``name`` is US, CHN, ROK or JPN; patrons keep a fixed alignment."""

    model: AlignmentModel

    def __init__(self, model: AlignmentModel, name: str, alignment: float) -> None:
        super().__init__(model)
        self.name = name
        self.alignment = alignment
        self._next: dict[str, Any] = {}

    def commit(self) -> None:
        for k, v in self._next.items():
            setattr(self, k, v)
        self._next = {}


class PatronAgent(StateAgent):
    """The US or China: coercion level (scenario input) and how it treats partners."""

    def __init__(self, model: AlignmentModel, name: str, alignment: float) -> None:
        super().__init__(model, name, alignment)
        self.coercion = 0.0
        self.commitment = 0.0  # US: credibility to allies
        self.episode_left = 0  # China: months left in a coercion episode
        self.episode_size = 0.0

    def perceive(self, coercion: float, commitment: float) -> None:
        self.coercion = coercion
        self.commitment = commitment

    def start_episode(self, size: float, months: int) -> None:
        self.episode_left, self.episode_size = months, size

    def china_episode_boost(self, starts: bool) -> float:
        """China: begin a random episode if none runs; the coercion it adds this month."""
        p = self.model.run_params
        if self.episode_left <= 0 and starts:
            self.episode_left = int(p.china_episode_months)
            self.episode_size = float(p.china_episode_size)
            self.model.log_event(
                "coercion_episode", "CHN", f"Chinese coercion episode (+{self.episode_size:.2f})"
            )
        return self.episode_size if self.episode_left > 0 else 0.0

    def pressure_on(self, partner: DemocracyAgent, boost: float, coop_rok_jpn: float) -> Arr:
        """China: coercion felt by a partner, aimed by its contribution to the US camp."""
        p = self.model.run_params
        grade = R.contribution_grade(_a(partner.alignment), _a(coop_rok_jpn), p)
        return R.china_pressure(self.coercion, _a(boost), grade, p)

    def reward(
        self, partners: list[DemocracyAgent], coop_us: Arr, coop_rok_jpn: float, tri_gain: Arr
    ) -> Arr:
        """US: each alliance's cooperation follows the partner's contribution."""
        p = self.model.run_params
        align = np.array([[a.alignment for a in partners]])
        grade = R.contribution_grade(align, _a(coop_rok_jpn), p)
        return R.us_cooperation_after_month(coop_us, grade, tri_gain, p)

    def end_month(self) -> None:
        self.episode_left = max(self.episode_left - 1, 0)


class DemocracyAgent(StateAgent):
    """ROK or Japan: leader approval, fears, grievance, threat, dependence and a strategy."""

    def __init__(self, model: AlignmentModel, name: str, index: int, strategy: str) -> None:
        p = model.run_params
        pre = name.lower()
        super().__init__(model, name, float(getattr(p, f"{pre}_alignment0")))
        self.index = index
        self.approval = float(getattr(p, f"{pre}_approval0"))
        self.abandonment = float(getattr(p, f"{pre}_abandonment0"))
        self.entrapment = float(getattr(p, f"{pre}_entrapment0"))
        self.grievance = float(getattr(p, f"{pre}_grievance0"))
        self.threat = float(getattr(p, f"{pre}_threat0"))
        self.dependence = float(getattr(p, f"{pre}_china_dependence"))
        self.approval_floor = float(getattr(p, f"{pre}_approval_floor"))
        self.approval_baseline = float(getattr(p, f"{pre}_approval_baseline"))
        self.china_pressure = 0.0
        self.strategy = strategy
        self.leader = 1
        self.last_action = R.DID_NOTHING
        self.last_own_step = -10_000
        self.n_steps = 0
        self.n_reversals = 0
        # this month's perception and decision inputs
        self._cost: Arr = np.zeros((1, 1, S.N_STEPS))
        self._feasible: Arr = np.zeros((1, 1, S.N_STEPS), dtype=bool)
        self._affordable: Arr = np.zeros((1, 1, S.N_STEPS), dtype=bool)
        self._available: Arr = np.zeros((1, 1, S.N_STEPS), dtype=bool)
        self._reversible: Arr = np.full((1, 1), -1)

    @property
    def owned(self) -> Arr:
        return self.model.owned[self.index : self.index + 1]

    # -- perceive ---------------------------------------------------------------------------------
    def perceive(self, launches: Arr, flash: Arr) -> None:
        """This month's news: launches raise threat, flashpoints raise grievance salience."""
        p = self.model.run_params
        self.threat = float(R.threat_after_month(_a(self.threat), launches, p)[0, 0])
        self.grievance = float(
            R.grievance_after_flashpoints(_a(self.grievance), flash, p.flashpoint_size)[0, 0]
        )

    # -- decide -----------------------------------------------------------------------------------
    def decide(
        self,
        month: int,
        incentive: Arr,
        us_coercion: float,
        partner_last: int,
        partner_last_step: int,
    ) -> Decision:
        """Choose a step under political capital (Putnam) and fears (Snyder/Cha)."""
        m = self.model
        p = m.run_params
        motivated = (
            R.motivation(_a(self.abandonment), _a(self.entrapment), incentive, p)
            >= p.motivation_threshold
        )
        self._cost = R.step_cost(_a(self.grievance), us_coercion, p)
        margin = R.initiative_margin(_a(month - partner_last_step), p)
        self._feasible = R.feasible_steps(
            _a(self.approval), np.array([self.approval_floor]), self._cost, margin
        )
        self._affordable = R.feasible_steps(
            _a(self.approval), np.array([self.approval_floor]), self._cost
        )
        self._available = R.available_steps(m.taken, _a(m.coop[0]), self.owned)
        self._reversible = R.latest_reversible(m.taken, m.taken_month, self.owned)
        view = LeaderView(
            month=month,
            feasible=self._feasible[:, 0],
            affordable=self._affordable[:, 0],
            available=self._available[:, 0],
            motivated=motivated[:, 0],
            partner_last=np.array([partner_last]),
            months_since_own_step=np.array([month - self.last_own_step]),
            can_reverse=self._reversible[:, 0] >= 0,
            min_interval=np.asarray(p.small_step_interval).reshape(-1),
        )
        human = self.model.human_choice.pop(self.name, None)
        if human is not None:
            return human_decision(human, view)
        return STRATEGIES[self.strategy].decide(view)

    # -- act --------------------------------------------------------------------------------------
    def act(
        self,
        month: int,
        paid: Arr,
        reversed_by: Arr,
        reciprocated: Arr,
        launches: Arr,
        noise: Arr,
        us_coercion: float,
        commitment: float,
        gain: Arr,
    ) -> None:
        """Consequences of the month for this state, computed into ``_next``."""
        p = self.model.run_params
        paid_cost = R.weighted_step_sum(paid, self._cost)
        rev_credit = p.reversal_approval_credit * R.weighted_step_sum(reversed_by, self._cost)
        approval = R.approval_after_month(
            _a(self.approval),
            np.array([self.approval_baseline]),
            paid_cost,
            rev_credit,
            reciprocated,
            launches,
            _a(self.china_pressure),
            np.array([self.dependence]),
            us_coercion,
            noise,
            p,
        )
        alignment = R.alignment_after_month(
            _a(self.alignment),
            us_coercion,
            _a(self.china_pressure),
            np.array([self.dependence]),
            _a(self.threat),
            p,
        )
        a_t, e_t = R.fear_targets(
            _a(self.threat), commitment, us_coercion, np.array([self.dependence]), p
        )
        moved = bool(paid.any())
        did_reverse = bool(reversed_by.any())
        self._next = {
            "approval": float(approval[0, 0]),
            "alignment": float(alignment[0, 0]),
            "abandonment": float(R.fear_after_month(_a(self.abandonment), a_t, p)[0, 0]),
            "entrapment": float(R.fear_after_month(_a(self.entrapment), e_t, p)[0, 0]),
            "grievance": float(R.grievance_after_month(_a(self.grievance), gain, p)[0, 0]),
            "last_action": R.REVERSED if did_reverse else (R.MOVED if moved else R.DID_NOTHING),
            "last_own_step": month if moved else self.last_own_step,
            "n_steps": self.n_steps + int(paid.sum()),
            "n_reversals": self.n_reversals + int(reversed_by.sum()),
        }

    def change_leader(self, strategy: str, approval: float, why: str) -> None:
        """A new leader takes office with ``strategy`` and ``approval``."""
        self.leader += 1
        if strategy:
            self.strategy = strategy
        self.approval = approval
        self.model.log_event(
            "leader_change", self.name, f"{self.name}: new leader ({why}); strategy {self.strategy}"
        )
