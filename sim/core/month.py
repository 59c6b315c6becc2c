"""The month, written once: the sequence every engine runs, over a state both engines share.

A month of one run, in order (synchronous update: every leader decides from the same state):

1. **News and draws.** Scheduled inputs (US coercion and commitment, Chinese coercion), scheduled
   events, North Korean launches, history flashpoints, Chinese coercion episodes (counter-based
   draws, ``sim.core.rng``); threat, grievance and Chinese pressure as perceived this month.
2. **Decisions.** Each leader's motivation, the steps on the table and what it can afford, then
   its strategy's (or a player's) proposal and the joint steps it would join.
3. **Resolution** of own steps, joint steps (both must agree and afford) and reversals.
4. **Consequences.** Approval, alignment, fears, ROK-Japan and US cooperation, grievance.
5. **Bookkeeping.** Steps taken and when, who took each first, last actions, counts.
6. **Institution and collapse** of trilateral cooperation.
7. **Turnover.** The ROK president's term end, the LDP replacing an unpopular leader.

The state of R runs is held in five arrays (:class:`State`), one row a run, with named columns
(the constants below). Both engines drive :func:`step_runs` (or :func:`run_months`, every month
in one call): the batch engine compiles it with numba over thousands of runs; the Mesa model
steps one run and its agents read and write their own columns. Written in plain Python that
numba compiles, it also runs uncompiled as the readable reference path
(``sim.engines.batch.simulate(..., compiled=False)``), and all agree to the bit
(``tests/engines/test_engine_agreement.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from numba.extending import register_jitable as rule

from sim.core import rng
from sim.core import rules as R
from sim.core import steps as S
from sim.core.params import PARAM_FIELDS, SCHEDULABLE, Params, Scenario
from sim.core.strategies import NO_CHOICE, STRATEGY_ID, decide, decide_player

Arr = npt.NDArray[Any]

#: A month that has not happened: the month of a step never taken, an institution never formed.
NEVER = -1
#: "Months since my last step" starts as if the last step were this long ago.
LONG_AGO = 10_000

# ------------------------------------------------------------------------- state columns
# Float state, one row a run. Per-democracy values sit at COLUMN + d (d = 0 ROK, 1 JPN).
ALIGNMENT = 0
APPROVAL = 2
ABANDONMENT = 4
ENTRAPMENT = 6
GRIEVANCE = 8
THREAT = 10
CHINA_PRESSURE = 12
COOP = 14  # COOP + 0 ROK-Japan, + 1 ROK-US, + 2 Japan-US
EPISODE_SIZE = 17  # size of the running (or last) Chinese coercion episode
TRI_MAX = 18  # highest trilateral index so far
N_FLOAT = 19

# Integer state.
STRATEGY = 0  # + d: strategy id (sim.core.strategies)
LEADER = 2  # + d: 1 for the leader in office at month 0, +1 at each change
LAST_ACTION = 4  # + d: DID_NOTHING / MOVED / REVERSED this month (what the partner sees next)
LAST_OWN_STEP = 6  # + d: month of the leader's last step, -LONG_AGO if none
N_STEPS_TAKEN = 8  # + d
N_REVERSALS = 10  # + d
EPISODE_LEFT = 12  # months left in a Chinese coercion episode
JPN_LOW_MONTHS = 13  # consecutive months of the Japanese leader below the LDP's threshold
ABOVE = 14  # consecutive months of the trilateral index at or above the threshold
BELOW = 15  # consecutive months below the collapse threshold, once institutionalised
INST_MONTH = 16  # month of institutionalisation, NEVER if not yet
COLLAPSE_MONTH = 17  # month of collapse, NEVER if not yet
TAKEN = 18  # the steps in force (a mask)
TURNOVER_MONTH = 19  # + d: month the first leader left office (any cause), NEVER if not yet
N_INT = 21

# What happened this month (the trace), floats: the inputs and counts the record shows.
US_COERCION = 0
CHINA_COERCION = 1
US_COMMITMENT = 2
LAUNCHES = 3
STEPS = 4  # + d: steps taken this month
REVERSALS = 6  # + d: steps withdrawn this month
N_TRACE_FLOAT = 8

# Trace, integers: what engines log (the Mesa model's step and event logs).
PAID = 0  # + d: the steps leader d took this month (a mask)
WITHDRAWN = 2  # + d: the steps leader d withdrew (a mask)
FLASHPOINTS = 4  # democracies hit by a random flashpoint (bit d)
EPISODE_STARTED = 5  # 1 when a random Chinese coercion episode began
TURNOVER = 6  # + d: 1 when the leader was replaced by the rules (term end, LDP)
N_TRACE_INT = 8

# Where a monthly value comes from (the record's sources, declared in sim.core.outputs).
FROM_STATE = 0  # a column of the float state
FROM_TRACE = 1  # a column of the month's float trace
FROM_INT_STATE = 2  # a column of the integer state
FROM_TRILATERAL = 3  # the trilateral index of the state's cooperation
FROM_INSTITUTIONALISED = 4  # 1 once institutionalised
FROM_COLLAPSED = 5  # 1 once collapsed

# Scheduled event kinds, as the month reads them (sim.core.params.EVENT_KINDS).
EVENT_KIND_ID = {
    "approval_shock": 0,
    "leader_change": 1,
    "flashpoint": 2,
    "provocation": 3,
    "coercion_episode": 4,
}
APPROVAL_SHOCK, LEADER_CHANGE, FLASHPOINT, PROVOCATION, COERCION_EPISODE = range(5)
# Columns of the events table.
EV_MONTH, EV_KIND, EV_ACTOR, EV_VALUE, EV_STRATEGY, EV_DURATION = range(6)
#: No strategy in a leader-change event (the leader keeps its strategy).
KEEP_STRATEGY = -1

#: The parameters as a numpy record type: one float per declared parameter.
PARAM_DTYPE = np.dtype([(name, np.float64) for name in PARAM_FIELDS], align=True)


@dataclass
class State:
    """The state of R runs: floats, integers, and three (R, K) step tables."""

    floats: Arr  # (R, N_FLOAT)
    ints: Arr  # (R, N_INT)
    taken_month: Arr  # (R, K) month each step in force was taken
    first_month: Arr  # (R, K) month each step was first taken, NEVER if not
    first_by: Arr  # (R, K) who first took it: 0 ROK, 1 JPN, 2 jointly, NEVER if not

    @property
    def runs(self) -> int:
        return int(self.floats.shape[0])

    def arrays(self) -> tuple[Arr, Arr, Arr, Arr, Arr]:
        return self.floats, self.ints, self.taken_month, self.first_month, self.first_by


@dataclass
class Trace:
    """What happened in the last month of each run (see the trace columns)."""

    floats: Arr  # (R, N_TRACE_FLOAT)
    ints: Arr  # (R, N_TRACE_INT)


@dataclass(frozen=True)
class World:
    """What a scenario fixes for every run, in the form the month reads.

    Attributes:
        inputs: (months + 1, 3) scheduled US coercion, Chinese coercion and US commitment by
            month; NaN where the parameter's own value applies.
        events: (E, 6) scheduled events (columns EV_*; value NaN when not given).
        strategies: (2,) the leaders' strategy ids at month 0.
        successors: (2,) strategy ids of the leaders who follow by the rules' turnover.
        owned: (2,) the steps each democracy may take (masks), disabled steps removed.
    """

    inputs: Arr
    events: Arr
    strategies: Arr
    successors: Arr
    owned: Arr

    @property
    def months(self) -> int:
        return int(self.inputs.shape[0]) - 1


def world_of(scenario: Scenario, months: int | None = None) -> World:
    """The scenario's fixed inputs for ``months`` months (default: the scenario's horizon)."""
    horizon = scenario.months if months is None else int(months)
    inputs = np.full((horizon + 1, len(SCHEDULABLE)), np.nan)
    for j, key in enumerate(SCHEDULABLE):
        for m, v in scenario.schedule(key):
            inputs[max(int(m), 0) :, j] = float(v)
    events = np.array(
        [
            (
                ev.month,
                EVENT_KIND_ID[ev.kind],
                0 if ev.actor == "ROK" else 1,
                np.nan if ev.value is None else float(ev.value),
                STRATEGY_ID[ev.strategy] if ev.strategy else KEEP_STRATEGY,
                ev.duration,
            )
            for ev in scenario.events
        ],
        dtype=float,
    ).reshape(-1, 6)
    enabled = S.mask_of(np.array([n not in scenario.disabled_steps for n in S.STEP_NAMES]))
    return World(
        inputs=inputs,
        events=events,
        strategies=np.array([STRATEGY_ID[scenario.strategy(r)] for r in ("ROK", "JPN")]),
        successors=np.array(
            [STRATEGY_ID[scenario.strategy(r)] for r in ("ROK_successor", "JPN_successor")]
        ),
        owned=np.array([S.OWNED_MASK[0] & enabled, S.OWNED_MASK[1] & enabled], dtype=np.int64),
    )


def param_records(params: Params, runs: int = 1, varying: dict[str, Arr] | None = None) -> Arr:
    """The parameters as records the month reads: one row, or one per run when some vary.

    Args:
        params: every parameter's value for the runs.
        runs: number of runs (rows) when ``varying`` is given.
        varying: parameter name -> (runs,) values that differ by run.
    """
    rows = runs if varying else 1
    out = np.empty(rows, dtype=PARAM_DTYPE)
    for name in PARAM_FIELDS:
        out[name] = float(getattr(params, name))
    for name, values in (varying or {}).items():
        if name not in PARAM_FIELDS:
            raise KeyError(name)
        a = np.asarray(values, dtype=float).reshape(-1)
        if a.shape[0] != runs:
            raise ValueError(f"{name}: {a.shape[0]} values for {runs} runs")
        out[name] = a
    return out.view(np.recarray)


def new_state(runs: int) -> State:
    """Empty arrays for ``runs`` runs (fill with :func:`start_runs`)."""
    k = S.N_STEPS
    return State(
        floats=np.zeros((runs, N_FLOAT)),
        ints=np.zeros((runs, N_INT), dtype=np.int64),
        taken_month=np.zeros((runs, k), dtype=np.int64),
        first_month=np.full((runs, k), NEVER, dtype=np.int64),
        first_by=np.full((runs, k), NEVER, dtype=np.int64),
    )


def new_trace(runs: int) -> Trace:
    return Trace(
        floats=np.zeros((runs, N_TRACE_FLOAT)),
        ints=np.zeros((runs, N_TRACE_INT), dtype=np.int64),
    )


# ------------------------------------------------------------------------- month 0


@rule
def scheduled_input(inputs: Arr, month: int, j: int, parameter: float) -> float:
    """A schedulable input at ``month``: the schedule's value, else the parameter's."""
    v = inputs[month, j]
    return parameter if np.isnan(v) else v


@rule
def start_run(r: int, p: Any, world: tuple, state: tuple, trace: tuple) -> None:
    """Month 0 of run ``r``: the scenario's initial conditions."""
    inputs, events, strategies, successors, owned = world
    f, i, taken_month, first_month, first_by = state
    tf, ti = trace
    f[r, ALIGNMENT], f[r, ALIGNMENT + 1] = p.rok_alignment0, p.jpn_alignment0
    f[r, APPROVAL], f[r, APPROVAL + 1] = p.rok_approval0, p.jpn_approval0
    f[r, ABANDONMENT], f[r, ABANDONMENT + 1] = p.rok_abandonment0, p.jpn_abandonment0
    f[r, ENTRAPMENT], f[r, ENTRAPMENT + 1] = p.rok_entrapment0, p.jpn_entrapment0
    f[r, GRIEVANCE], f[r, GRIEVANCE + 1] = p.rok_grievance0, p.jpn_grievance0
    f[r, THREAT], f[r, THREAT + 1] = p.rok_threat0, p.jpn_threat0
    f[r, CHINA_PRESSURE], f[r, CHINA_PRESSURE + 1] = 0.0, 0.0
    f[r, COOP], f[r, COOP + 1], f[r, COOP + 2] = p.coop_rok_jpn0, p.coop_rok_us0, p.coop_jpn_us0
    f[r, EPISODE_SIZE] = 0.0
    f[r, TRI_MAX] = R.trilateral_index(f[r, COOP], f[r, COOP + 1], f[r, COOP + 2])
    for c in range(N_INT):
        i[r, c] = 0
    for d in range(2):
        i[r, STRATEGY + d] = strategies[d]
        i[r, LEADER + d] = 1
        i[r, LAST_ACTION + d] = R.DID_NOTHING
        i[r, LAST_OWN_STEP + d] = -LONG_AGO
    i[r, INST_MONTH] = NEVER
    i[r, COLLAPSE_MONTH] = NEVER
    i[r, TURNOVER_MONTH] = i[r, TURNOVER_MONTH + 1] = NEVER
    for k in range(S.N_STEPS):
        taken_month[r, k] = 0
        first_month[r, k] = NEVER
        first_by[r, k] = NEVER
    for c in range(N_TRACE_FLOAT):
        tf[r, c] = 0.0
    for c in range(N_TRACE_INT):
        ti[r, c] = 0
    tf[r, US_COERCION] = scheduled_input(inputs, 0, 0, p.us_coercion)
    tf[r, CHINA_COERCION] = scheduled_input(inputs, 0, 1, p.china_coercion)
    tf[r, US_COMMITMENT] = scheduled_input(inputs, 0, 2, p.us_commitment)


# ------------------------------------------------------------------------- one month


@rule
def step_runs(
    first: int,
    last: int,
    params: Arr,
    keys: Arr,
    world: tuple,
    state: tuple,
    trace: tuple,
    choices: Arr,
    us_override: Arr,
    sources: Arr,
    monthly: Arr,
) -> None:
    """Advance every run in the state through months ``first`` to ``last`` (1, 2, ...; see the
    module docstring). Each run goes through all its months in turn, so its state stays in the
    processor's cache; runs are independent, so the order changes no result.

    Args:
        first, last: the months to play (``first`` follows the state's month).
        params: one parameter record (``PARAM_DTYPE``) for all runs, or one per run.
        keys: (R,) the runs' random keys (``sim.core.rng.run_keys``).
        world, state, trace: :class:`World`, :class:`State` and :class:`Trace` as tuples.
        choices: (R, 2) a player's move for ROK and JPN, NO_CHOICE to let the strategy decide.
        us_override: (R,) a player's US pressure, NaN for the scheduled value.
        sources: the monthly record's sources (``sim.core.outputs.RECORD_SOURCES``).
        monthly: (R, months + 1, V): each month's record is written here unless it is empty.
    """
    inputs, events, strategies, successors, owned = world
    f, i, taken_month, first_month, first_by = state
    tf, ti = trace
    shared = params.shape[0] == 1
    keep = monthly.shape[0] > 0
    launch_table = np.empty((2, R.MAX_LAUNCHES + 1))  # a run's Poisson terms, kept over months
    for r in range(f.shape[0]):
        p = params[0] if shared else params[r]
        choice = choices[r]
        # the month's draws hash (key, stream, month, actor): the first two once a run
        key_launches = rng.stream_key(keys[r], rng.STREAM_LAUNCHES)
        key_episode = rng.stream_key(keys[r], rng.STREAM_EPISODE)
        key_flashpoint = rng.stream_key(keys[r], rng.STREAM_FLASHPOINT)
        key_noise = rng.stream_key(keys[r], rng.STREAM_NOISE)
        launch_table[0, 0] = launch_table[1, 0] = np.exp(-p.nk_launch_rate)
        known = 1
        for month in range(first, last + 1):
            # 1. news: scheduled inputs and events, then the month's draws
            us_c = scheduled_input(inputs, month, 0, p.us_coercion)
            if not np.isnan(us_override[r]):
                us_c = us_override[r]
            cn_c = scheduled_input(inputs, month, 1, p.china_coercion)
            commit = scheduled_input(inputs, month, 2, p.us_commitment)
            count, known = R.poisson_count(
                rng.draw_in_month(rng.month_key(key_launches, month), 0),
                p.nk_launch_rate,
                launch_table,
                known,
            )
            launches = float(count)
            approval_rok, approval_jpn = f[r, APPROVAL], f[r, APPROVAL + 1]
            grievance_rok, grievance_jpn = f[r, GRIEVANCE], f[r, GRIEVANCE + 1]
            strategy_rok, strategy_jpn = i[r, STRATEGY], i[r, STRATEGY + 1]
            leader_rok, leader_jpn = i[r, LEADER], i[r, LEADER + 1]
            episode_left, episode_size = i[r, EPISODE_LEFT], f[r, EPISODE_SIZE]
            for e in range(events.shape[0]):
                if events[e, EV_MONTH] != month:
                    continue
                kind = int(events[e, EV_KIND])
                rok = events[e, EV_ACTOR] == 0
                value = events[e, EV_VALUE]
                value_or_zero = 0.0 if np.isnan(value) else value
                if kind == APPROVAL_SHOCK:
                    if rok:
                        approval_rok = min(
                            max(approval_rok + value_or_zero, R.APPROVAL_MIN), R.APPROVAL_MAX
                        )
                    else:
                        approval_jpn = min(
                            max(approval_jpn + value_or_zero, R.APPROVAL_MIN), R.APPROVAL_MAX
                        )
                elif kind == LEADER_CHANGE:
                    new_approval = p.honeymoon_approval if np.isnan(value) else value
                    new_strategy = int(events[e, EV_STRATEGY])
                    if rok:
                        leader_rok += 1
                        approval_rok = new_approval
                        if new_strategy != KEEP_STRATEGY:
                            strategy_rok = new_strategy
                    else:
                        leader_jpn += 1
                        approval_jpn = new_approval
                        if new_strategy != KEEP_STRATEGY:
                            strategy_jpn = new_strategy
                elif kind == FLASHPOINT:
                    if rok:
                        grievance_rok = R.clip01(grievance_rok + value_or_zero)
                    else:
                        grievance_jpn = R.clip01(grievance_jpn + value_or_zero)
                elif kind == PROVOCATION:
                    launches = launches + value_or_zero
                elif kind == COERCION_EPISODE:
                    duration = int(events[e, EV_DURATION])
                    episode_left = duration if duration != 0 else 1
                    episode_size = value_or_zero
            started = episode_left <= 0 and (
                rng.draw_in_month(rng.month_key(key_episode, month), 0) < p.china_episode_rate
            )
            if started:
                episode_left = int(p.china_episode_months)
                episode_size = p.china_episode_size
            boost = episode_size if episode_left > 0 else 0.0
            flash_key = rng.month_key(key_flashpoint, month)
            flash_rok = 1.0 if rng.draw_in_month(flash_key, 2) < p.flashpoint_rate else 0.0
            flash_jpn = 1.0 if rng.draw_in_month(flash_key, 3) < p.flashpoint_rate else 0.0
            noise_key = rng.month_key(key_noise, month)
            noise_rok = R.triangular_noise(
                rng.draw_in_month(noise_key, 2), rng.draw_in_month(noise_key, 12), p.approval_noise
            )
            noise_jpn = R.triangular_noise(
                rng.draw_in_month(noise_key, 3), rng.draw_in_month(noise_key, 13), p.approval_noise
            )
            threat_rok = R.threat_after_month(f[r, THREAT], launches, p)
            threat_jpn = R.threat_after_month(f[r, THREAT + 1], launches, p)
            grievance_rok = R.grievance_after_flashpoints(
                grievance_rok, flash_rok, p.flashpoint_size
            )
            grievance_jpn = R.grievance_after_flashpoints(
                grievance_jpn, flash_jpn, p.flashpoint_size
            )
            coop_rj = f[r, COOP]
            grade_rok = R.contribution_grade(f[r, ALIGNMENT], coop_rj, p)
            grade_jpn = R.contribution_grade(f[r, ALIGNMENT + 1], coop_rj, p)
            pressure_rok = R.china_pressure(cn_c, boost, grade_rok, p)
            pressure_jpn = R.china_pressure(cn_c, boost, grade_jpn, p)

            # 2. decisions, all from the same perceived state
            incentive = R.cooperation_incentive(
                threat_rok, threat_jpn, f[r, ABANDONMENT], f[r, ABANDONMENT + 1], commit, us_c, p
            )
            taken = i[r, TAKEN]
            scale_rok = R.step_cost_scale(grievance_rok, us_c, p)
            scale_jpn = R.step_cost_scale(grievance_jpn, us_c, p)
            floor_rok, floor_jpn = p.rok_approval_floor, p.jpn_approval_floor
            margin_rok = R.initiative_margin(month - i[r, LAST_OWN_STEP + 1], p)
            margin_jpn = R.initiative_margin(month - i[r, LAST_OWN_STEP], p)
            available = (
                R.available_steps(taken, coop_rj, owned[0]),
                R.available_steps(taken, coop_rj, owned[1]),
            )
            feasible = (
                R.affordable_steps(approval_rok, floor_rok, scale_rok, margin_rok, available[0]),
                R.affordable_steps(approval_jpn, floor_jpn, scale_jpn, margin_jpn, available[1]),
            )
            affordable = (
                R.affordable_steps(approval_rok, floor_rok, scale_rok, 0.0, available[0]),
                R.affordable_steps(approval_jpn, floor_jpn, scale_jpn, 0.0, available[1]),
            )
            reversible = (
                R.latest_reversible(taken, taken_month[r], owned[0]),
                R.latest_reversible(taken, taken_month[r], owned[1]),
            )
            motivated_rok = (
                R.motivation(f[r, ABANDONMENT], f[r, ENTRAPMENT], incentive, p)
                >= p.motivation_threshold
            )
            motivated_jpn = (
                R.motivation(f[r, ABANDONMENT + 1], f[r, ENTRAPMENT + 1], incentive, p)
                >= p.motivation_threshold
            )
            if choice[0] != NO_CHOICE:
                proposal_rok, accept_rok = decide_player(choice[0], affordable[0], available[0])
            elif available[0] == 0 and reversible[0] < 0:  # no move open, whatever the strategy
                proposal_rok, accept_rok = R.NONE, 0
            else:
                proposal_rok, accept_rok = decide(
                    strategy_rok, month, feasible[0], affordable[0], available[0], motivated_rok,
                    i[r, LAST_ACTION + 1], month - i[r, LAST_OWN_STEP], reversible[0] >= 0,
                    p.small_step_interval,
                )  # fmt: skip
            if choice[1] != NO_CHOICE:
                proposal_jpn, accept_jpn = decide_player(choice[1], affordable[1], available[1])
            elif available[1] == 0 and reversible[1] < 0:  # no move open, whatever the strategy
                proposal_jpn, accept_jpn = R.NONE, 0
            else:
                proposal_jpn, accept_jpn = decide(
                    strategy_jpn, month, feasible[1], affordable[1], available[1], motivated_jpn,
                    i[r, LAST_ACTION], month - i[r, LAST_OWN_STEP + 1], reversible[1] >= 0,
                    p.small_step_interval,
                )  # fmt: skip

            # 3. resolution
            paid_rok, paid_jpn, withdrawn_rok, withdrawn_jpn = R.resolve_actions(
                (proposal_rok, proposal_jpn),
                (accept_rok, accept_jpn),
                feasible,
                affordable,
                available,
                reversible,
            )
            executed = paid_rok | paid_jpn
            withdrawn = withdrawn_rok | withdrawn_jpn

            # 4. consequences
            moved_rok, moved_jpn = paid_rok != 0, paid_jpn != 0
            last_own_rok = month if moved_rok else i[r, LAST_OWN_STEP]
            last_own_jpn = month if moved_jpn else i[r, LAST_OWN_STEP + 1]
            recent = (month - last_own_rok) <= 1 and (month - last_own_jpn) <= 1
            reciprocated = 1.0 if (moved_rok or moved_jpn) and recent else 0.0
            new_approval_rok = R.approval_after_month(
                approval_rok,
                p.rok_approval_baseline,
                R.ladder_sum(paid_rok, scale_rok, S.COST),
                p.reversal_approval_credit * R.ladder_sum(withdrawn_rok, scale_rok, S.COST),
                reciprocated,
                launches,
                pressure_rok,
                p.rok_china_dependence,
                us_c,
                noise_rok,
                p,
            )
            new_approval_jpn = R.approval_after_month(
                approval_jpn,
                p.jpn_approval_baseline,
                R.ladder_sum(paid_jpn, scale_jpn, S.COST),
                p.reversal_approval_credit * R.ladder_sum(withdrawn_jpn, scale_jpn, S.COST),
                reciprocated,
                launches,
                pressure_jpn,
                p.jpn_china_dependence,
                us_c,
                noise_jpn,
                p,
            )
            f[r, ALIGNMENT] = R.alignment_after_month(
                f[r, ALIGNMENT], us_c, pressure_rok, p.rok_china_dependence, threat_rok, p
            )
            f[r, ALIGNMENT + 1] = R.alignment_after_month(
                f[r, ALIGNMENT + 1], us_c, pressure_jpn, p.jpn_china_dependence, threat_jpn, p
            )
            aband_target, entrap_target = R.fear_targets(
                threat_rok, commit, us_c, p.rok_china_dependence, p
            )
            f[r, ABANDONMENT] = R.fear_after_month(f[r, ABANDONMENT], aband_target, p)
            f[r, ENTRAPMENT] = R.fear_after_month(f[r, ENTRAPMENT], entrap_target, p)
            aband_target, entrap_target = R.fear_targets(
                threat_jpn, commit, us_c, p.jpn_china_dependence, p
            )
            f[r, ABANDONMENT + 1] = R.fear_after_month(f[r, ABANDONMENT + 1], aband_target, p)
            f[r, ENTRAPMENT + 1] = R.fear_after_month(f[r, ENTRAPMENT + 1], entrap_target, p)

            pace = p.trust_gain_scale
            gain = R.ladder_sum(executed, pace, S.GAIN)
            loss = p.reversal_trust_penalty * R.ladder_sum(withdrawn, pace, S.GAIN)
            trilateral_gain = R.ladder_sum(executed & S.TRILATERAL_MASK, pace, S.GAIN)
            taken = (taken | executed) & ~withdrawn
            locked = R.ladder_sum(taken & ~S.REVERSIBLE_MASK, pace, S.GAIN)
            anchor = R.cooperation_anchor(locked, p)
            flash_hit = 0.0 + flash_rok * grievance_rok * 1.0 + flash_jpn * grievance_jpn * 1.0
            coop_rok_us = R.us_cooperation_after_month(
                f[r, COOP + 1], grade_rok, trilateral_gain, p
            )
            coop_jpn_us = R.us_cooperation_after_month(
                f[r, COOP + 2], grade_jpn, trilateral_gain, p
            )
            coop_rj = R.rok_jpn_cooperation_after_month(
                coop_rj, gain, loss, anchor, incentive, flash_hit, p
            )
            f[r, COOP], f[r, COOP + 1], f[r, COOP + 2] = coop_rj, coop_rok_us, coop_jpn_us
            f[r, GRIEVANCE] = R.grievance_after_month(grievance_rok, gain, p)
            f[r, GRIEVANCE + 1] = R.grievance_after_month(grievance_jpn, gain, p)
            f[r, THREAT], f[r, THREAT + 1] = threat_rok, threat_jpn
            f[r, CHINA_PRESSURE], f[r, CHINA_PRESSURE + 1] = pressure_rok, pressure_jpn

            # 5. bookkeeping
            rest, k = executed, 0
            while rest != 0:
                if rest & 1:
                    taken_month[r, k] = month
                    if first_month[r, k] < 0:
                        first_month[r, k] = month
                        if R.has(paid_rok, k) and R.has(paid_jpn, k):
                            first_by[r, k] = 2
                        elif R.has(paid_rok, k):
                            first_by[r, k] = 0
                        else:
                            first_by[r, k] = 1
                rest, k = rest >> 1, k + 1
            i[r, TAKEN] = taken
            i[r, LAST_OWN_STEP], i[r, LAST_OWN_STEP + 1] = last_own_rok, last_own_jpn
            i[r, LAST_ACTION] = (
                R.REVERSED if withdrawn_rok != 0 else (R.MOVED if moved_rok else R.DID_NOTHING)
            )
            i[r, LAST_ACTION + 1] = (
                R.REVERSED if withdrawn_jpn != 0 else (R.MOVED if moved_jpn else R.DID_NOTHING)
            )
            steps_rok, steps_jpn = count_steps(paid_rok), count_steps(paid_jpn)
            reversals_rok, reversals_jpn = count_steps(withdrawn_rok), count_steps(withdrawn_jpn)
            i[r, N_STEPS_TAKEN] += steps_rok
            i[r, N_STEPS_TAKEN + 1] += steps_jpn
            i[r, N_REVERSALS] += reversals_rok
            i[r, N_REVERSALS + 1] += reversals_jpn
            i[r, EPISODE_LEFT] = max(episode_left - 1, 0)
            f[r, EPISODE_SIZE] = episode_size

            # 6. institution and collapse
            tri = R.trilateral_index(coop_rj, coop_rok_us, coop_jpn_us)
            above, below, inst, collapse = R.institution_update(
                tri, i[r, ABOVE], i[r, BELOW], i[r, INST_MONTH], i[r, COLLAPSE_MONTH], month, p
            )
            i[r, ABOVE], i[r, BELOW], i[r, INST_MONTH], i[r, COLLAPSE_MONTH] = (
                above,
                below,
                inst,
                collapse,
            )
            f[r, TRI_MAX] = max(f[r, TRI_MAX], tri)

            # 7. turnover, after the month's consequences
            low, replaced = R.japan_replacement(new_approval_jpn, i[r, JPN_LOW_MONTHS], p)
            term_ended = p.rok_term_end_month == month
            if term_ended:
                leader_rok += 1
                strategy_rok = successors[0]
                new_approval_rok = p.honeymoon_approval
            if replaced:
                leader_jpn += 1
                strategy_jpn = successors[1]
                new_approval_jpn = p.honeymoon_approval
                low = 0
            i[r, JPN_LOW_MONTHS] = low
            f[r, APPROVAL], f[r, APPROVAL + 1] = new_approval_rok, new_approval_jpn
            i[r, STRATEGY], i[r, STRATEGY + 1] = strategy_rok, strategy_jpn
            if leader_rok != i[r, LEADER] and i[r, TURNOVER_MONTH] < 0:
                i[r, TURNOVER_MONTH] = month
            if leader_jpn != i[r, LEADER + 1] and i[r, TURNOVER_MONTH + 1] < 0:
                i[r, TURNOVER_MONTH + 1] = month
            i[r, LEADER], i[r, LEADER + 1] = leader_rok, leader_jpn

            # the trace: what happened this month (kept when recorded, and for the last month)
            if keep or month == last:
                tf[r, US_COERCION], tf[r, CHINA_COERCION], tf[r, US_COMMITMENT] = us_c, cn_c, commit
                tf[r, LAUNCHES] = launches
                tf[r, STEPS], tf[r, STEPS + 1] = steps_rok, steps_jpn
                tf[r, REVERSALS], tf[r, REVERSALS + 1] = reversals_rok, reversals_jpn
                ti[r, PAID], ti[r, PAID + 1] = paid_rok, paid_jpn
                ti[r, WITHDRAWN], ti[r, WITHDRAWN + 1] = withdrawn_rok, withdrawn_jpn
                ti[r, FLASHPOINTS] = (1 if flash_rok > 0 else 0) + (2 if flash_jpn > 0 else 0)
                ti[r, EPISODE_STARTED] = 1 if started else 0
                ti[r, TURNOVER] = 1 if term_ended else 0
                ti[r, TURNOVER + 1] = 1 if replaced else 0
            if keep:
                record_run(r, state, trace, sources, monthly[r, month])


@rule
def count_steps(mask: int) -> int:
    """How many steps a mask holds."""
    n = 0
    while mask != 0:
        n += mask & 1
        mask >>= 1
    return n


@rule
def start_runs(params: Arr, world: tuple, state: tuple, trace: tuple) -> None:
    """Month 0 of every run in the state (``params``: one record, or one per run)."""
    shared = params.shape[0] == 1
    for r in range(state[0].shape[0]):
        start_run(r, params[0] if shared else params[r], world, state, trace)


@rule
def run_months(
    first: int,
    last: int,
    params: Arr,
    keys: Arr,
    world: tuple,
    state: tuple,
    trace: tuple,
    choices: Arr,
    us_override: Arr,
    sources: Arr,
    monthly: Arr,
) -> None:
    """Months ``first`` to ``last`` of every run (0 starts the runs), writing each month's
    record (``sources``: ``sim.core.outputs.RECORD_SOURCES``) into ``monthly`` (R, months + 1,
    V) unless it is empty."""
    if first == 0:
        start_runs(params, world, state, trace)
        if monthly.shape[0] > 0:
            for r in range(state[0].shape[0]):
                record_run(r, state, trace, sources, monthly[r, 0])
        first = 1
    if last >= first:
        step_runs(first, last, params, keys, world, state, trace, choices, us_override, sources,
                  monthly)  # fmt: skip


@rule
def write_record(state: tuple, trace: tuple, sources: Arr, out: Arr) -> None:
    """This month's monthly variables of every run into ``out`` (R, V), in the order of
    ``sources`` ((V, 2) rows of (FROM_*, column): ``sim.core.outputs.RECORD_SOURCES``)."""
    for r in range(state[0].shape[0]):
        record_run(r, state, trace, sources, out[r])


@rule
def record_run(r: int, state: tuple, trace: tuple, sources: Arr, out: Arr) -> None:
    """Run ``r``'s monthly variables now into ``out`` (V,), in the order of ``sources``."""
    f, i = state[0], state[1]
    tf = trace[0]
    for v in range(sources.shape[0]):
        kind, col = sources[v, 0], sources[v, 1]
        if kind == FROM_STATE:
            out[v] = f[r, col]
        elif kind == FROM_TRACE:
            out[v] = tf[r, col]
        elif kind == FROM_INT_STATE:
            out[v] = float(i[r, col])
        elif kind == FROM_TRILATERAL:
            out[v] = R.trilateral_index(f[r, COOP], f[r, COOP + 1], f[r, COOP + 2])
        elif kind == FROM_INSTITUTIONALISED:
            out[v] = 1.0 if i[r, INST_MONTH] >= 0 else 0.0
        else:
            out[v] = 1.0 if i[r, COLLAPSE_MONTH] >= 0 else 0.0
