"""Mesa agents for the four states: each carries its state as attributes.

The month (``sim.core.month``) updates the state of a run held in the model's arrays; an agent's
attributes read and write its own columns there, so what you inspect or collect with a
DataCollector is what the month computed, and setting an attribute (say a leader's ``strategy``
or ``approval``) changes what the next month starts from. Agents decide nothing themselves: the
month runs every agent's perception, decision and consequences together (synchronous update).
"""

from __future__ import annotations

from typing import Any, Protocol

import mesa

from sim.core import month as M
from sim.core.strategies import STRATEGY_ID, STRATEGY_NAMES


class RunModel(Protocol):
    """What an agent reads of its model: the run's state, trace, parameters and world (the
    Mesa model, ``sim.engines.model.AlignmentModel``, provides them)."""

    state: M.State
    trace: M.Trace
    run_params: Any
    world: M.World


def _column(array: str, column: int, cast: type, doc: str) -> Any:
    """An attribute that reads and writes this democracy's column of the run's state
    (``array``: ``floats`` or ``ints`` of :class:`sim.core.month.State`)."""

    def get(self: DemocracyAgent) -> Any:
        return cast(getattr(self.model.state, array)[0, column + self.index])

    def put(self: DemocracyAgent, value: Any) -> None:
        getattr(self.model.state, array)[0, column + self.index] = cast(value)

    return property(get, put, doc=doc)


def _float_column(column: int, doc: str) -> Any:
    return _column("floats", column, float, doc)


def _int_column(column: int, doc: str) -> Any:
    return _column("ints", column, int, doc)


class StateAgent(mesa.Agent):
    """A state. ``name`` is US, CHN, ROK or JPN."""

    model: RunModel

    def __init__(self, model: mesa.Model, name: str) -> None:
        super().__init__(model)
        self.name = name


class PatronAgent(StateAgent):
    """The US or China: a fixed camp, and this month's pressure (a scenario input)."""

    def __init__(self, model: mesa.Model, name: str, alignment: float) -> None:
        super().__init__(model, name)
        self.alignment = alignment

    @property
    def coercion(self) -> float:
        """This month's coercion (US: scheduled or a player's; China: the baseline)."""
        column = M.US_COERCION if self.name == "US" else M.CHINA_COERCION
        return float(self.model.trace.floats[0, column])

    @property
    def commitment(self) -> float:
        """US credibility to its allies this month (0 for China)."""
        return float(self.model.trace.floats[0, M.US_COMMITMENT]) if self.name == "US" else 0.0

    @property
    def episode_left(self) -> int:
        """China: months left in a coercion episode."""
        return int(self.model.state.ints[0, M.EPISODE_LEFT]) if self.name == "CHN" else 0

    @property
    def episode_size(self) -> float:
        """China: size of the running (or last) coercion episode."""
        return float(self.model.state.floats[0, M.EPISODE_SIZE]) if self.name == "CHN" else 0.0


class DemocracyAgent(StateAgent):
    """ROK or Japan: leader approval, fears, grievance, threat, dependence and a strategy."""

    alignment = _float_column(M.ALIGNMENT, "Alignment, -1 (Chinese camp) .. +1 (US camp).")
    approval = _float_column(M.APPROVAL, "The leader's approval (political capital), 0..1.")
    abandonment = _float_column(M.ABANDONMENT, "Fear of abandonment by the US, 0..1.")
    entrapment = _float_column(M.ENTRAPMENT, "Fear of entrapment in US-China conflict, 0..1.")
    grievance = _float_column(M.GRIEVANCE, "Salience of history grievances, 0..1.")
    threat = _float_column(M.THREAT, "Perceived North Korean threat, 0..1.")
    china_pressure = _float_column(M.CHINA_PRESSURE, "Chinese coercion felt this month, 0..1.")
    approval_baseline = _float_column(
        M.BASELINE,
        "The approval the leader drifts to now (moves with shocks, scandals, honeymoon).",
    )
    stance = _float_column(M.STANCE, "The leader's stance toward the partner, -1 .. +1.")
    resentment = _float_column(M.RESENTMENT, "Public resentment of US pressure, 0..1.")
    perceived_commitment = _float_column(M.PERCEIVED, "US commitment as this ally sees it.")
    in_office_since = _int_column(M.LEADER_SINCE, "Month the leader in office took office.")
    leader = _int_column(M.LEADER, "The leader in office: 1 at month 0, +1 at each change.")
    last_action = _int_column(M.LAST_ACTION, "DID_NOTHING, MOVED or REVERSED last month.")
    last_own_step = _int_column(M.LAST_OWN_STEP, "Month of the leader's last step.")
    n_steps = _int_column(M.N_STEPS_TAKEN, "Steps this state's leaders have taken.")
    n_reversals = _int_column(M.N_REVERSALS, "Steps this state's leaders have withdrawn.")

    def __init__(self, model: mesa.Model, name: str, index: int) -> None:
        super().__init__(model, name)
        self.index = index
        pre = name.lower()
        p = model.run_params
        self.dependence = float(getattr(p, f"{pre}_china_dependence"))
        self.approval_floor = float(getattr(p, f"{pre}_approval_floor"))
        self.long_run_baseline = float(getattr(p, f"{pre}_approval_baseline"))

    @property
    def strategy(self) -> str:
        """The leader's strategy (a name from ``sim.core.strategies``); settable."""
        return STRATEGY_NAMES[int(self.model.state.ints[0, M.STRATEGY + self.index])]

    @strategy.setter
    def strategy(self, name: str) -> None:
        if name not in STRATEGY_ID:
            raise ValueError(f"unknown strategy {name!r}; choose from {', '.join(STRATEGY_NAMES)}")
        self.model.state.ints[0, M.STRATEGY + self.index] = STRATEGY_ID[name]

    @property
    def owned(self) -> int:
        """The steps this state may take (a mask; the scenario's disabled steps removed)."""
        return int(self.model.world.owned[self.index])
