"""The month, written once: the sequence every engine runs, over a state both engines share.

A month of one run, in order (synchronous update: every leader decides from the same state):

1. **News and draws.** Data shocks to the state (``sim.core.params.ShockKind``), the month's
   parameters (every parameter may follow a schedule or a data shock: one parameter record per
   segment of months, :func:`world_of`), scheduled events, North Korean launches, history
   flashpoints, Chinese coercion episodes (counter-based draws, ``sim.core.rng``); threat,
   grievance and Chinese pressure as perceived this month.
2. **Decisions.** Each leader's motivation, the steps on the table and what it can afford, then
   its strategy's (or a player's) proposal and the joint steps it would join.
3. **Resolution** of own steps, joint steps (both must agree and afford) and reversals.
4. **Consequences.** Approval, alignment, fears, ROK-Japan and US cooperation, grievance.
5. **Bookkeeping.** Steps taken and when, who took each first, last actions, counts.
6. **Institution and collapse** of trilateral cooperation.
7. **Turnover.** The ROK president's single five-year term ends, the LDP replaces an unpopular
   leader, or a leader exits early at low approval; a successor's stance is drawn.

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
from sim.core.params import PARAM_FIELDS, SHOCK_KINDS, SHOCK_OPS, STATE_TARGETS, Params, Scenario
from sim.core.params import target_range as _target_range
from sim.core.strategies import (
    DECLINE,
    HARDLINE,
    NO_CHOICE,
    STATUS_QUO,
    STRATEGY_ID,
    decide,
    decide_player,
)

Arr = npt.NDArray[Any]

#: A month that has not happened: the month of a step never taken, an institution never formed.
NEVER = -1
#: "Months since my last step" starts as if the last step were this long ago.
LONG_AGO = 10_000
#: The ROK president's single term, in months (a successor's term ends this long after taking
#: office; the first leader's at ``rok_term_end_month``).
ROK_TERM_MONTHS = 60

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
BASELINE = (
    19  # + d: the approval baseline the leader drifts to (moves: shocks, scandals, honeymoon)
)
DEPTH = 21  # institutional depth of ROK-Japan cooperation (joint activity after the steps)
RESENTMENT = 22  # + d: public resentment of US pressure
STANCE = 24  # + d: the leader's stance toward the partner, -1 hostile .. +1 friendly
SIGNAL = 26  # + d: drop in perceived US commitment from signals aimed at this ally
PERCEIVED = 28  # + d: US commitment as this ally perceives it
N_FLOAT = 30

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
HOSTILE = 21  # + d: 1 once a leader hostile to the partner (stance < 0) has taken office
LEADER_SINCE = 23  # + d: month the leader in office took office (0 for the first)
N_INT = 25

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
TURNOVER = 6  # + d: 1 when the leader was replaced by the rules (term end, LDP, early exit)
BUNDLED = 8  # the steps a grand bargain took with it this month (a mask)
N_TRACE_INT = 9

# Where a monthly value comes from (the record's sources, declared in sim.core.outputs).
FROM_STATE = 0  # a column of the float state
FROM_TRACE = 1  # a column of the month's float trace
FROM_INT_STATE = 2  # a column of the integer state
FROM_TRILATERAL = 3  # the trilateral index of the state's cooperation
FROM_INSTITUTIONALISED = 4  # 1 once institutionalised
FROM_COLLAPSED = 5  # 1 once collapsed

# Scheduled event kinds, as the month reads them: the built-in kinds' ids (declared once, in
# sim.core.params.SHOCK_KINDS), and one id for every data kind that changes the state.
EVENT_KIND_ID = {name: k.builtin for name, k in SHOCK_KINDS.items() if k.builtin >= 0}
APPROVAL_SHOCK, LEADER_CHANGE, FLASHPOINT, PROVOCATION, COERCION_EPISODE, BASELINE_SHOCK = range(6)
assert [EVENT_KIND_ID[n] for n in ("approval_shock", "leader_change", "flashpoint",
        "provocation", "coercion_episode", "baseline_shock")] == list(range(6))  # fmt: skip
#: A data shock kind whose target is a state variable (its target column, op and range are in
#: the event's row); a data kind on a parameter changes the month's parameter record instead.
STATE_EFFECT = 6
#: A data kind's op, as the month reads it (index into sim.core.params.SHOCK_OPS).
OP_ADD, OP_MULTIPLY, OP_SET = range(3)
assert SHOCK_OPS == ("add", "multiply", "set")
# Columns of the events table.
(EV_MONTH, EV_KIND, EV_ACTOR, EV_VALUE, EV_STRATEGY, EV_DURATION, EV_COLUMN, EV_OP, EV_LO,
 EV_HI) = range(10)  # fmt: skip
N_EV = 10
#: No strategy in a leader-change event (the leader keeps its strategy).
KEEP_STRATEGY = -1

#: The float state column of each state target of a data shock kind (+ d for per-democracy ones).
STATE_TARGET_COLUMN = {
    "alignment": ALIGNMENT,
    "approval": APPROVAL,
    "approval_baseline": BASELINE,
    "abandonment": ABANDONMENT,
    "entrapment": ENTRAPMENT,
    "grievance": GRIEVANCE,
    "threat": THREAT,
    "resentment": RESENTMENT,
    "stance": STANCE,
    "coop_rok_jpn": COOP,
    "coop_rok_us": COOP + 1,
    "coop_jpn_us": COOP + 2,
    "depth": DEPTH,
}
assert set(STATE_TARGET_COLUMN) == set(STATE_TARGETS)

#: The grand bargain's ladder index and bit; the bilateral summit (joint activity needs one held).
GB = S.STEP_INDEX["grand_bargain"]
GB_BIT = 1 << GB
SUMMIT = S.STEP_INDEX["bilateral_summit"]

# The month's usual draws (sim.core.rng), hashed side by side at the start of each month, whether
# or not the month uses them (a draw is a pure function of its coordinates, so making one that is
# not used changes nothing): a slot each, with its stream and actor; per-democracy slots at
# DRAW_* + d. Draws a month needs only now and then (early exit, a successor's stance) are made
# where they are needed.
DRAW_LAUNCHES = 0
DRAW_EPISODE = 1
DRAW_FLASHPOINT = 2  # + d
DRAW_NOISE = 4  # + d: the first of the two uniforms of the poll noise
DRAW_NOISE_2 = 6  # + d
DRAW_SHOCK = 8  # + d: the first of the two uniforms of the baseline's shock
DRAW_SHOCK_2 = 10  # + d
DRAW_SCANDAL = 12  # + d
DRAW_SIGNAL = 14  # + d
#: Each slot's stream and actor.
DRAW_STREAMS = np.array(
    [rng.STREAM_LAUNCHES, rng.STREAM_EPISODE, *[rng.STREAM_FLASHPOINT] * 2,
     *[rng.STREAM_NOISE] * 4, *[rng.STREAM_POLITICS] * 8], dtype=np.uint64,
)  # fmt: skip
DRAW_ACTORS = np.array([0, 0, 2, 3, 2, 3, 12, 13, 0, 1, 10, 11, 2, 3, 20, 21], dtype=np.uint64)
N_DRAWS = 16
assert DRAW_STREAMS.shape == DRAW_ACTORS.shape == (N_DRAWS,)

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
        segment: (months + 1,) the parameter record each month reads (index into the first axis
            of :func:`param_records`): months with the same scheduled and shocked parameters
            share one.
        events: (E, N_EV) scheduled events (columns EV_*; value NaN when not given).
        strategies: (2,) the leaders' strategy ids at month 0.
        successors: (2,) strategy ids of the leaders who follow by the rules' turnover.
        owned: (2,) the steps each democracy may take (masks), disabled steps removed.
        changes: for each segment, the changes to the parameters in its months, in order:
            (name, op, value) with op one of ``SHOCK_OPS`` (a schedule sets its value).
    """

    segment: Arr
    events: Arr
    strategies: Arr
    successors: Arr
    owned: Arr
    changes: tuple[tuple[tuple[str, str, float], ...], ...] = ((),)

    @property
    def months(self) -> int:
        return int(self.segment.shape[0]) - 1

    def arrays(self) -> tuple[Arr, Arr, Arr, Arr, Arr]:
        """The world as the month takes it."""
        return self.segment, self.events, self.strategies, self.successors, self.owned


def world_of(scenario: Scenario, months: int | None = None) -> World:
    """The scenario's fixed inputs for ``months`` months (default: the scenario's horizon)."""
    horizon = scenario.months if months is None else int(months)
    # the parameters' changes month by month: schedules (piecewise constant from each point's
    # month), then data shocks on parameters in the months they last, in event order
    per_month: list[list[tuple[str, str, float]]] = [[] for _ in range(horizon + 1)]
    for key, points in scenario.schedules:
        for m, v in points:
            for month in range(max(int(m), 0), horizon + 1):
                if per_month[month] and per_month[month][-1][0] == key:
                    per_month[month][-1] = (key, "set", float(v))
                else:
                    per_month[month].append((key, "set", float(v)))
    rows = []
    for ev in scenario.events:
        kind = scenario.shock_kind(ev.kind)
        value = kind.value if ev.value is None else ev.value
        if kind.builtin >= 0:
            rows.append((
                ev.month, kind.builtin, 0 if ev.actor == "ROK" else 1,
                np.nan if value is None else float(value),
                STRATEGY_ID[ev.strategy] if ev.strategy else KEEP_STRATEGY, ev.duration,
                0, 0, 0.0, 0.0,
            ))  # fmt: skip
            continue
        last = horizon if ev.duration == 0 else min(ev.month + ev.duration - 1, horizon)
        value = 0.0 if value is None else float(value)
        if kind.target in PARAM_FIELDS:
            for month in range(max(ev.month, 0), last + 1):
                per_month[month].append((kind.target, kind.op, value))
            continue
        d = 1 if ev.actor == "JPN" else 0
        column = STATE_TARGET_COLUMN[kind.target] + (d if STATE_TARGETS[kind.target][0] else 0)
        lo, hi = _target_range(kind.target)
        rows.append((
            ev.month, STATE_EFFECT, d, value, KEEP_STRATEGY, ev.duration, column,
            SHOCK_OPS.index(kind.op), lo, hi,
        ))  # fmt: skip
    events = np.array(rows, dtype=float).reshape(-1, N_EV)
    seen: dict[tuple[tuple[str, str, float], ...], int] = {}
    segment = np.array([seen.setdefault(tuple(c), len(seen)) for c in per_month], dtype=np.int64)
    enabled = S.mask_of(np.array([n not in scenario.disabled_steps for n in S.STEP_NAMES]))
    return World(
        segment=segment,
        events=events,
        strategies=np.array([STRATEGY_ID[scenario.strategy(r)] for r in ("ROK", "JPN")]),
        successors=np.array(
            [STRATEGY_ID[scenario.strategy(r)] for r in ("ROK_successor", "JPN_successor")]
        ),
        owned=np.array([S.OWNED_MASK[0] & enabled, S.OWNED_MASK[1] & enabled], dtype=np.int64),
        changes=tuple(seen),
    )


def param_records(
    params: Params,
    runs: int = 1,
    varying: dict[str, Arr] | None = None,
    world: World | None = None,
) -> Arr:
    """The parameters as records the month reads: (segments, rows), one row, or one per run
    when some vary; one segment, or one per segment of months of ``world`` (its scheduled and
    shocked parameters applied to every row; a shock's result is clipped to the declared range).

    Args:
        params: every parameter's value for the runs.
        runs: number of runs (rows) when ``varying`` is given.
        varying: parameter name -> (runs,) values that differ by run.
        world: the scenario's world (:func:`world_of`); None: no schedules.
    """
    rows = runs if varying else 1
    one = np.empty(1, dtype=PARAM_DTYPE)
    for name in PARAM_FIELDS:
        one[name] = float(getattr(params, name))
    changes = ((),) if world is None else world.changes
    # the one record copied into every row of every segment at once; then only the varying
    # columns are written (no per-run record is built twice: a table's rows are many)
    out = np.empty((len(changes), rows), dtype=PARAM_DTYPE)
    out[...] = one[0]
    for name, values in (varying or {}).items():
        if name not in PARAM_FIELDS:
            raise KeyError(name)
        a = np.asarray(values, dtype=float).reshape(-1)
        if a.shape[0] != runs:
            raise ValueError(f"{name}: {a.shape[0]} values for {runs} runs")
        out[name] = a
    for s, ops in enumerate(changes):
        for name, op, value in ops:
            if op == "set":
                out[name][s] = value
                continue
            lo, hi = _target_range(name)
            x = out[name][s] + value if op == "add" else out[name][s] * value
            out[name][s] = np.minimum(np.maximum(x, lo), hi)
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
def apply_state_effects(events: Arr, month: int, f: Arr, r: int) -> None:
    """The data shocks to run ``r``'s state in ``month``, in event order: each adds its value
    to a state column, multiplies it or sets it, every month it lasts, clipped to its range."""
    for e in range(events.shape[0]):
        if events[e, EV_KIND] != STATE_EFFECT:
            continue
        start, duration = events[e, EV_MONTH], events[e, EV_DURATION]
        if month < start or (duration > 0 and month >= start + duration):
            continue
        col, op, value = int(events[e, EV_COLUMN]), int(events[e, EV_OP]), events[e, EV_VALUE]
        x = f[r, col]
        if op == OP_ADD:
            x = x + value
        elif op == OP_MULTIPLY:
            x = x * value
        else:
            x = value
        f[r, col] = min(max(x, events[e, EV_LO]), events[e, EV_HI])


@rule
def start_run(r: int, p: Any, world: tuple, state: tuple, trace: tuple) -> None:
    """Month 0 of run ``r``: the scenario's initial conditions."""
    segment, events, strategies, successors, owned = world
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
    f[r, BASELINE], f[r, BASELINE + 1] = p.rok_approval_baseline, p.jpn_approval_baseline
    f[r, DEPTH] = 0.0
    f[r, RESENTMENT], f[r, RESENTMENT + 1] = 0.0, 0.0
    f[r, STANCE], f[r, STANCE + 1] = p.rok_stance0, p.jpn_stance0
    f[r, SIGNAL], f[r, SIGNAL + 1] = 0.0, 0.0
    commitment = p.us_commitment
    f[r, PERCEIVED], f[r, PERCEIVED + 1] = commitment, commitment
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
    i[r, HOSTILE] = 1 if p.rok_stance0 < 0 else 0
    i[r, HOSTILE + 1] = 1 if p.jpn_stance0 < 0 else 0
    for k in range(S.N_STEPS):
        taken_month[r, k] = 0
        first_month[r, k] = NEVER
        first_by[r, k] = NEVER
    for c in range(N_TRACE_FLOAT):
        tf[r, c] = 0.0
    for c in range(N_TRACE_INT):
        ti[r, c] = 0
    tf[r, US_COERCION] = p.us_coercion
    tf[r, CHINA_COERCION] = p.china_coercion
    tf[r, US_COMMITMENT] = p.us_commitment


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
        params: (segments, rows) parameter records (``PARAM_DTYPE``, :func:`param_records`):
            one row for all runs, or one per run; a segment of months per record.
        keys: (R,) the runs' random keys (``sim.core.rng.run_keys``).
        world, state, trace: :class:`World`, :class:`State` and :class:`Trace` as tuples.
        choices: (R, 2) a player's move for ROK and JPN, NO_CHOICE to let the strategy decide.
        us_override: (R,) a player's US pressure, NaN for the scheduled value.
        sources: the monthly record's sources (``sim.core.outputs.RECORD_SOURCES``).
        monthly: (R, months + 1, V): each month's record is written here unless it is empty.
    """
    segment, events, strategies, successors, owned = world
    f, i, taken_month, first_month, first_by = state
    tf, ti = trace
    shared = params.shape[1] == 1
    keep = monthly.shape[0] > 0
    # the Poisson terms of the launch rate, kept over months and runs while the rate is the same
    launch_table = np.empty((2, R.MAX_LAUNCHES + 1))
    table_rate, known = -1.0, 0  # the rate whose terms the table holds (none yet), how many
    slot_keys = np.empty(N_DRAWS, dtype=np.uint64)  # a run's stream key of each usual draw
    u = np.empty(N_DRAWS)  # the month's usual draws (DRAW_*)
    effects = False  # any data shock to the state
    for e in range(events.shape[0]):
        if events[e, EV_KIND] == STATE_EFFECT:
            effects = True
    for r in range(f.shape[0]):
        row = 0 if shared else r
        seg = segment[first]
        p = params[seg, row]
        choice = choices[r]
        # the month's draws hash (key, stream, month, actor): the first two once a run, for each
        # of the usual draws; the month and actor each month, for all of them at once
        for j in range(N_DRAWS):
            slot_keys[j] = rng.stream_key(keys[r], DRAW_STREAMS[j])
        key_politics = rng.stream_key(keys[r], rng.STREAM_POLITICS)  # and for the other draws
        table_rate, known = R.poisson_table_at(p.nk_launch_rate, launch_table, table_rate, known)
        for month in range(first, last + 1):
            # 1. news: the month's parameters, shocks and events, then the month's draws
            if segment[month] != seg:  # scheduled or shocked parameters change this month
                seg = segment[month]
                p = params[seg, row]
                table_rate, known = R.poisson_table_at(
                    p.nk_launch_rate, launch_table, table_rate, known
                )
            if effects:
                apply_state_effects(events, month, f, r)
            us_c = p.us_coercion
            if not np.isnan(us_override[r]):
                us_c = us_override[r]
            cn_c = p.china_coercion
            commit = p.us_commitment
            rng.draws_in_month(slot_keys, month, DRAW_ACTORS, u)
            # R.poisson_count, its usual case written out (the table holds POISSON_FAST terms)
            if u[DRAW_LAUNCHES] < launch_table[0, R.POISSON_FAST - 1]:
                count = R.poisson_below(u[DRAW_LAUNCHES], launch_table)
            else:
                count, known = R.poisson_search(
                    u[DRAW_LAUNCHES], p.nk_launch_rate, launch_table, known
                )
            launches = float(count)
            approval_rok, approval_jpn = f[r, APPROVAL], f[r, APPROVAL + 1]
            grievance_rok, grievance_jpn = f[r, GRIEVANCE], f[r, GRIEVANCE + 1]
            strategy_rok, strategy_jpn = i[r, STRATEGY], i[r, STRATEGY + 1]
            leader_rok, leader_jpn = i[r, LEADER], i[r, LEADER + 1]
            baseline_rok, baseline_jpn = f[r, BASELINE], f[r, BASELINE + 1]
            stance_rok, stance_jpn = f[r, STANCE], f[r, STANCE + 1]
            hostile_rok, hostile_jpn = i[r, HOSTILE], i[r, HOSTILE + 1]
            since_rok, since_jpn = i[r, LEADER_SINCE], i[r, LEADER_SINCE + 1]
            shift_rok = shift_jpn = 0.0
            low_jpn = i[r, JPN_LOW_MONTHS]
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
                elif kind == BASELINE_SHOCK:  # applied after the month's baseline update
                    if rok:
                        shift_rok += value_or_zero
                    else:
                        shift_jpn += value_or_zero
                elif kind == LEADER_CHANGE:
                    new_approval = p.honeymoon_approval if np.isnan(value) else value
                    new_strategy = int(events[e, EV_STRATEGY])
                    if rok:
                        leader_rok += 1
                        since_rok = month
                        approval_rok = baseline_rok = new_approval
                        stance_rok = R.successor_stance(
                            stance_rok, p.rok_opposition_prob,
                            rng.draw_in_stream(key_politics, month, 30),
                            rng.draw_in_stream(key_politics, month, 32), p,
                        )  # fmt: skip
                        if new_strategy != KEEP_STRATEGY:
                            strategy_rok = new_strategy
                    else:
                        leader_jpn += 1
                        since_jpn = month
                        low_jpn = 0
                        approval_jpn = baseline_jpn = new_approval
                        stance_jpn = R.successor_stance(
                            stance_jpn, p.jpn_opposition_prob,
                            rng.draw_in_stream(key_politics, month, 31),
                            rng.draw_in_stream(key_politics, month, 33), p,
                        )  # fmt: skip
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
            started = episode_left <= 0 and u[DRAW_EPISODE] < p.china_episode_rate
            if started:
                episode_left = int(p.china_episode_months)
                episode_size = p.china_episode_size
            boost = episode_size if episode_left > 0 else 0.0
            flash_rok = 1.0 if u[DRAW_FLASHPOINT] < p.flashpoint_rate else 0.0
            flash_jpn = 1.0 if u[DRAW_FLASHPOINT + 1] < p.flashpoint_rate else 0.0
            noise_rok = R.triangular_noise(u[DRAW_NOISE], u[DRAW_NOISE_2], p.approval_noise)
            noise_jpn = R.triangular_noise(u[DRAW_NOISE + 1], u[DRAW_NOISE_2 + 1], p.approval_noise)
            # political capital's baseline, US signals aimed at one ally, resentment of pressure
            # (the draws are used only when they can matter: counter-based draws need no order)
            shock_rok = shock_jpn = 0.0
            if p.approval_volatility > 0.0:
                shock_rok = R.baseline_shock(u[DRAW_SHOCK], u[DRAW_SHOCK_2], p)
                shock_jpn = R.baseline_shock(u[DRAW_SHOCK + 1], u[DRAW_SHOCK_2 + 1], p)
            scandal_rok = scandal_jpn = False
            if p.scandal_rate > 0.0:
                scandal_rok = u[DRAW_SCANDAL] < p.scandal_rate
                scandal_jpn = u[DRAW_SCANDAL + 1] < p.scandal_rate
            baseline_rok = R.baseline_after_month(
                baseline_rok, p.rok_approval_baseline, shock_rok, scandal_rok, p
            )
            baseline_jpn = R.baseline_after_month(
                baseline_jpn, p.jpn_approval_baseline, shock_jpn, scandal_jpn, p
            )
            if shift_rok != 0.0:
                baseline_rok = min(max(baseline_rok + shift_rok, R.APPROVAL_MIN), R.APPROVAL_MAX)
            if shift_jpn != 0.0:
                baseline_jpn = min(max(baseline_jpn + shift_jpn, R.APPROVAL_MIN), R.APPROVAL_MAX)
            hit_rok = hit_jpn = False
            if p.ally_signal_rate > 0.0:
                hit_rok = u[DRAW_SIGNAL] < p.ally_signal_rate
                hit_jpn = u[DRAW_SIGNAL + 1] < p.ally_signal_rate
            signal_rok = R.signal_after_month(f[r, SIGNAL], hit_rok, p)
            signal_jpn = R.signal_after_month(f[r, SIGNAL + 1], hit_jpn, p)
            commit_rok = R.clip01(commit - signal_rok)
            commit_jpn = R.clip01(commit - signal_jpn)
            resentment_rok = R.resentment_after_month(f[r, RESENTMENT], us_c, p)
            resentment_jpn = R.resentment_after_month(f[r, RESENTMENT + 1], us_c, p)
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
            scale_rok = R.step_cost_scale(grievance_rok, us_c, p) * R.china_cost_factor(
                pressure_rok, p.rok_china_dependence, p
            )
            scale_jpn = R.step_cost_scale(grievance_jpn, us_c, p) * R.china_cost_factor(
                pressure_jpn, p.jpn_china_dependence, p
            )
            floor_rok, floor_jpn = p.rok_approval_floor, p.jpn_approval_floor
            margin_rok = R.initiative_margin(month - i[r, LAST_OWN_STEP + 1], p)
            margin_jpn = R.initiative_margin(month - i[r, LAST_OWN_STEP], p)
            available_rok = R.available_steps(taken, coop_rj, owned[0])
            available_jpn = R.available_steps(taken, coop_rj, owned[1])
            feasible_rok = R.affordable_steps(
                approval_rok, floor_rok, scale_rok, margin_rok, available_rok
            )
            feasible_jpn = R.affordable_steps(
                approval_jpn, floor_jpn, scale_jpn, margin_jpn, available_jpn
            )
            # in answer to the partner (no margin): the same steps when the margin is 0
            affordable_rok = feasible_rok
            if margin_rok != 0.0:
                affordable_rok = R.affordable_steps(
                    approval_rok, floor_rok, scale_rok, 0.0, available_rok
                )
            affordable_jpn = feasible_jpn
            if margin_jpn != 0.0:
                affordable_jpn = R.affordable_steps(
                    approval_jpn, floor_jpn, scale_jpn, 0.0, available_jpn
                )
            # each leader's reversible steps in force (which one a reversal withdraws is found
            # only when the leader reverses)
            reversible_rok = taken & owned[0] & S.REVERSIBLE_MASK
            reversible_jpn = taken & owned[1] & S.REVERSIBLE_MASK
            # what a leader may choose to undo: its predecessors' steps (its own are its word)
            weight_rok = (
                p.hardline_reversal_weight if strategy_rok == HARDLINE else p.reversal_weight
            )
            weight_jpn = (
                p.hardline_reversal_weight if strategy_jpn == HARDLINE else p.reversal_weight
            )
            inherited_rok = inherited_jpn = -1
            if weight_rok > 0.0 and since_rok > 0:
                inherited_rok = R.latest_reversible(
                    R.steps_before(taken, taken_month[r], since_rok), taken_month[r], owned[0]
                )
            if weight_jpn > 0.0 and since_jpn > 0:
                inherited_jpn = R.latest_reversible(
                    R.steps_before(taken, taken_month[r], since_jpn), taken_month[r], owned[1]
                )
            will_rok = R.leader_motivation(
                f[r, ABANDONMENT], f[r, ENTRAPMENT], incentive, f[r, ALIGNMENT], stance_rok,
                resentment_rok, pressure_rok, p,
            )  # fmt: skip
            will_jpn = R.leader_motivation(
                f[r, ABANDONMENT + 1], f[r, ENTRAPMENT + 1], incentive, f[r, ALIGNMENT + 1],
                stance_jpn, resentment_jpn, pressure_jpn, p,
            )  # fmt: skip
            motivated_rok = will_rok >= p.motivation_threshold
            motivated_jpn = will_jpn >= p.motivation_threshold
            willing_rok = p.decline_unmotivated == 0 or (
                will_rok >= p.motivation_threshold - p.engagement_slack
            )
            willing_jpn = p.decline_unmotivated == 0 or (
                will_jpn >= p.motivation_threshold - p.engagement_slack
            )
            if p.bargain_expected_value != 0:  # the bargain by its value, not by the floor
                cost_rok, cost_jpn = scale_rok * S.COST[GB], scale_jpn * S.COST[GB]
                worth_rok = R.has(available_rok, GB) and R.bargain_worth_it(
                    approval_rok, cost_rok, will_rok, p
                )
                worth_jpn = R.has(available_jpn, GB) and R.bargain_worth_it(
                    approval_jpn, cost_jpn, will_jpn, p
                )
                feasible_rok = (feasible_rok & ~GB_BIT) | (GB_BIT if worth_rok else 0)
                affordable_rok = (affordable_rok & ~GB_BIT) | (GB_BIT if worth_rok else 0)
                feasible_jpn = (feasible_jpn & ~GB_BIT) | (GB_BIT if worth_jpn else 0)
                affordable_jpn = (affordable_jpn & ~GB_BIT) | (GB_BIT if worth_jpn else 0)
            exit_rok = R.exit_cost(f[r, DEPTH], commit_rok, p)
            exit_jpn = R.exit_cost(f[r, DEPTH], commit_jpn, p)
            proposal_rok, accept_rok, withdraw_rok = leader_decision(
                choice[0], strategy_rok, month - since_rok, feasible_rok, affordable_rok,
                available_rok, motivated_rok, willing_rok, i[r, LAST_ACTION + 1],
                month - i[r, LAST_OWN_STEP], reversible_rok, inherited_rok,
                scale_rok, stance_rok, resentment_rok, exit_rok, weight_rok, p,
            )  # fmt: skip
            proposal_jpn, accept_jpn, withdraw_jpn = leader_decision(
                choice[1], strategy_jpn, month - since_jpn, feasible_jpn, affordable_jpn,
                available_jpn, motivated_jpn, willing_jpn, i[r, LAST_ACTION],
                month - i[r, LAST_OWN_STEP + 1], reversible_jpn, inherited_jpn,
                scale_jpn, stance_jpn, resentment_jpn, exit_jpn, weight_jpn, p,
            )  # fmt: skip
            if proposal_rok == R.REVERSE and withdraw_rok < 0:  # its own latest
                withdraw_rok = R.latest_reversible(taken, taken_month[r], owned[0])
            if proposal_jpn == R.REVERSE and withdraw_jpn < 0:
                withdraw_jpn = R.latest_reversible(taken, taken_month[r], owned[1])

            # 3. resolution
            paid_rok, paid_jpn, withdrawn_rok, withdrawn_jpn = R.resolve_actions(
                (proposal_rok, proposal_jpn),
                (accept_rok, accept_jpn),
                (feasible_rok, feasible_jpn),
                (affordable_rok, affordable_jpn),
                (available_rok, available_jpn),
                (withdraw_rok, withdraw_jpn),
            )
            bundled = 0
            if p.bargain_bundle != 0 and R.has(paid_rok & paid_jpn, GB):
                bundled = S.BUNDLE_MASK & ~taken & (owned[0] | owned[1])
            executed = paid_rok | paid_jpn | bundled
            withdrawn = withdrawn_rok | withdrawn_jpn

            # 4. consequences
            moved_rok, moved_jpn = paid_rok != 0, paid_jpn != 0
            last_own_rok = month if moved_rok else i[r, LAST_OWN_STEP]
            last_own_jpn = month if moved_jpn else i[r, LAST_OWN_STEP + 1]
            recent = (month - last_own_rok) <= 1 and (month - last_own_jpn) <= 1
            reciprocated = 1.0 if (moved_rok or moved_jpn) and recent else 0.0
            # the domestic gain less the exit cost of this month's reversals
            undo_rok = R.reversal_net(
                withdrawn_rok, scale_rok, stance_rok, resentment_rok, exit_rok, p
            )
            undo_jpn = R.reversal_net(
                withdrawn_jpn, scale_jpn, stance_jpn, resentment_jpn, exit_jpn, p
            )
            new_approval_rok = R.approval_after_month(
                approval_rok,
                baseline_rok,
                R.ladder_total(paid_rok, scale_rok, S.COST_SUM),
                undo_rok,
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
                baseline_jpn,
                R.ladder_total(paid_jpn, scale_jpn, S.COST_SUM),
                undo_jpn,
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
                threat_rok, commit_rok, us_c, p.rok_china_dependence, p
            )
            f[r, ABANDONMENT] = R.fear_after_month(f[r, ABANDONMENT], aband_target, p)
            f[r, ENTRAPMENT] = R.fear_after_month(f[r, ENTRAPMENT], entrap_target, p)
            aband_target, entrap_target = R.fear_targets(
                threat_jpn, commit_jpn, us_c, p.jpn_china_dependence, p
            )
            f[r, ABANDONMENT + 1] = R.fear_after_month(f[r, ABANDONMENT + 1], aband_target, p)
            f[r, ENTRAPMENT + 1] = R.fear_after_month(f[r, ENTRAPMENT + 1], entrap_target, p)

            pace = p.trust_gain_scale
            taken = (taken | executed) & ~withdrawn
            # joint activity after the steps: both leaders keep it up, and a summit has been held
            engaged_rok = (
                willing_rok and proposal_rok != R.REVERSE and approval_rok >= floor_rok
                and (choice[0] != NO_CHOICE or strategy_rok not in (STATUS_QUO, HARDLINE))
                and choice[0] != DECLINE
            )  # fmt: skip
            engaged_jpn = (
                willing_jpn and proposal_jpn != R.REVERSE and approval_jpn >= floor_jpn
                and (choice[1] != NO_CHOICE or strategy_jpn not in (STATUS_QUO, HARDLINE))
                and choice[1] != DECLINE
            )  # fmt: skip
            activity = 1.0 if engaged_rok and engaged_jpn and R.has(taken, SUMMIT) else 0.0
            depth = R.depth_after_month(f[r, DEPTH], activity, p)
            gain = R.ladder_total(executed, pace, S.GAIN_SUM) + p.activity_trust * pace * activity
            loss = p.reversal_trust_penalty * R.ladder_total(withdrawn, pace, S.GAIN_SUM)
            trilateral_gain = R.ladder_total(executed & S.TRILATERAL_MASK, pace, S.GAIN_SUM)
            locked = R.ladder_total(taken & ~S.REVERSIBLE_MASK, pace, S.GAIN_SUM)
            anchor = R.cooperation_anchor(locked, p) + p.depth_anchor * depth
            flash_hit = 0.0 + flash_rok * grievance_rok * 1.0 + flash_jpn * grievance_jpn * 1.0
            coop_rok_us = R.us_cooperation_after_month(
                f[r, COOP + 1], grade_rok, trilateral_gain, p
            )
            coop_jpn_us = R.us_cooperation_after_month(
                f[r, COOP + 2], grade_jpn, trilateral_gain, p
            )
            coop_rj = R.rok_jpn_cooperation_after_month(
                coop_rj, gain, loss, min(anchor, 1.0), incentive, flash_hit, p
            )
            f[r, COOP], f[r, COOP + 1], f[r, COOP + 2] = coop_rj, coop_rok_us, coop_jpn_us
            f[r, GRIEVANCE] = R.grievance_after_month(grievance_rok, gain, p)
            f[r, GRIEVANCE + 1] = R.grievance_after_month(grievance_jpn, gain, p)
            f[r, THREAT], f[r, THREAT + 1] = threat_rok, threat_jpn
            f[r, CHINA_PRESSURE], f[r, CHINA_PRESSURE + 1] = pressure_rok, pressure_jpn
            f[r, DEPTH] = depth
            f[r, RESENTMENT], f[r, RESENTMENT + 1] = resentment_rok, resentment_jpn
            f[r, SIGNAL], f[r, SIGNAL + 1] = signal_rok, signal_jpn
            f[r, PERCEIVED], f[r, PERCEIVED + 1] = commit_rok, commit_jpn

            # 5. bookkeeping
            rest, k = executed, 0
            while rest != 0:
                if rest & 1:
                    taken_month[r, k] = month
                    if first_month[r, k] < 0:
                        first_month[r, k] = month
                        if R.has(bundled, k) or (R.has(paid_rok, k) and R.has(paid_jpn, k)):
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
            steps_rok = count_steps(paid_rok | bundled)
            steps_jpn = count_steps(paid_jpn | bundled)
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

            # 7. turnover, after the month's consequences: the term's end, the LDP replacing an
            # unpopular leader, early exit at low approval; successors drawn from the parties
            low, replaced = R.japan_replacement(new_approval_jpn, low_jpn, p)
            term_end = p.rok_term_end_month if leader_rok == 1 else since_rok + ROK_TERM_MONTHS
            term_ended = term_end == month
            hazard_rok = R.early_exit_hazard(new_approval_rok, p)
            hazard_jpn = R.early_exit_hazard(new_approval_jpn, p)
            exit_rok_now = (
                hazard_rok > 0.0 and rng.draw_in_stream(key_politics, month, 4) < hazard_rok
            )
            exit_jpn_now = (
                hazard_jpn > 0.0 and rng.draw_in_stream(key_politics, month, 5) < hazard_jpn
            )
            out_rok = term_ended or exit_rok_now
            out_jpn = replaced or exit_jpn_now
            if out_rok:
                leader_rok += 1
                strategy_rok = successors[0]
                new_approval_rok = baseline_rok = p.honeymoon_approval
                stance_rok = R.successor_stance(
                    stance_rok, p.rok_opposition_prob, rng.draw_in_stream(key_politics, month, 6),
                    rng.draw_in_stream(key_politics, month, 8), p,
                )  # fmt: skip
            if out_jpn:
                leader_jpn += 1
                strategy_jpn = successors[1]
                new_approval_jpn = baseline_jpn = p.honeymoon_approval
                stance_jpn = R.successor_stance(
                    stance_jpn, p.jpn_opposition_prob, rng.draw_in_stream(key_politics, month, 7),
                    rng.draw_in_stream(key_politics, month, 9), p,
                )  # fmt: skip
                low = 0
            i[r, JPN_LOW_MONTHS] = low
            f[r, APPROVAL], f[r, APPROVAL + 1] = new_approval_rok, new_approval_jpn
            f[r, BASELINE], f[r, BASELINE + 1] = baseline_rok, baseline_jpn
            f[r, STANCE], f[r, STANCE + 1] = stance_rok, stance_jpn
            i[r, HOSTILE] = 1 if hostile_rok != 0 or stance_rok < 0 else 0
            i[r, HOSTILE + 1] = 1 if hostile_jpn != 0 or stance_jpn < 0 else 0
            i[r, STRATEGY], i[r, STRATEGY + 1] = strategy_rok, strategy_jpn
            if out_rok:  # the successor governs from next month
                since_rok = month + 1
            if out_jpn:
                since_jpn = month + 1
            i[r, LEADER_SINCE], i[r, LEADER_SINCE + 1] = since_rok, since_jpn
            if leader_rok != i[r, LEADER]:
                if i[r, TURNOVER_MONTH] < 0:
                    i[r, TURNOVER_MONTH] = month
            if leader_jpn != i[r, LEADER + 1]:
                if i[r, TURNOVER_MONTH + 1] < 0:
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
                ti[r, TURNOVER] = 1 if out_rok else 0
                ti[r, TURNOVER + 1] = 1 if out_jpn else 0
                ti[r, BUNDLED] = bundled
            if keep:
                record_run(r, state, trace, sources, monthly[r, month])


@rule
def leader_decision(
    choice: int,
    strategy: int,
    in_office: int,
    feasible: int,
    affordable: int,
    available: int,
    motivated: bool,
    willing: bool,
    partner_last: int,
    since_own_step: int,
    reversible: int,
    inherited: int,
    cost_scale: float,
    stance: float,
    resentment: float,
    cost_of_exit: float,
    reversal_weight: float,
    p: Any,
) -> tuple[int, int, int]:
    """One leader's move this month: a player's choice, else its strategy's proposal (joining
    joint steps only when willing), unless it chooses to withdraw its latest inherited step
    (:func:`sim.core.rules.wants_reversal`). ``reversible``: the leader's reversible steps in
    force (a mask); ``inherited``: the latest of them its predecessors took, -1 if none.

    Returns the proposal, the steps it would join and the inherited step it withdraws (-1 if
    not that one: a reversal then withdraws the leader's latest reversible step,
    :func:`sim.core.rules.latest_reversible`, which the caller finds only when it is needed)."""
    if choice != NO_CHOICE:
        proposal, accept = decide_player(choice, affordable, available)
        return proposal, accept, -1
    if available == 0 and reversible == 0:  # no move open, whatever the strategy
        return R.NONE, 0, -1
    proposal, accept = decide(
        strategy, in_office, feasible, affordable, available, motivated, partner_last,
        since_own_step, reversible != 0, p.small_step_interval,
    )  # fmt: skip
    if not willing:
        accept = 0
    if inherited >= 0 and R.wants_reversal(
        R.reversal_gain(cost_scale * S.COST[inherited], stance, resentment, p),
        cost_of_exit,
        reversal_weight,
    ):
        return R.REVERSE, 0, inherited
    return proposal, accept, -1


@rule
def count_steps(mask: int) -> int:
    """How many steps a mask holds."""
    return S.POPCOUNT[mask]


@rule
def start_runs(params: Arr, world: tuple, state: tuple, trace: tuple) -> None:
    """Month 0 of every run in the state (``params``: (segments, rows) records, one row for all
    runs or one per run; month 0 reads its segment's)."""
    shared = params.shape[1] == 1
    seg = world[0][0]
    for r in range(state[0].shape[0]):
        start_run(r, params[seg, 0] if shared else params[seg, r], world, state, trace)


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
