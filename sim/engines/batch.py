"""The array engine: the rules of ``sim.core.rules`` over many runs at once.

State arrays have shape (runs, 2) for the democracies (ROK, JPN), (runs, 3) for the pairs
(ROK-JPN, ROK-US, JPN-US) and (runs, 1) for run-level values. One call steps all runs of a chunk
together through the same monthly sequence as the Mesa model (``sim.engines.model``):

1. News of the month: scheduled events, North Korean launches, history flashpoints, Chinese
   coercion episodes (counter-based draws, ``sim.core.rng``); threat and grievance perceived.
2. Decisions: every leader decides from the same perceived state (synchronous update).
3. Resolution: own steps, joint steps (both must agree), reversals.
4. Consequences: approval, alignment, fears, cooperation, US reward, institutions, turnover.

A run is a pure function of (scenario, root seed, replication index): the replication index keys
the random numbers, so design points share them (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from sim.core import rng
from sim.core import rules as R
from sim.core import steps as S
from sim.core.params import PARAM_FIELDS, Params, Scenario
from sim.core.strategies import STRATEGIES, STRATEGY_ID, STRATEGY_NAMES, LeaderView

Arr = npt.NDArray[Any]
NEVER = 10_000  # "months since own step" before any step

#: Monthly variables recorded by both engines, in this order.
MONTHLY_VARS: tuple[str, ...] = (
    "alignment_ROK",
    "alignment_JPN",
    "approval_ROK",
    "approval_JPN",
    "abandonment_ROK",
    "abandonment_JPN",
    "entrapment_ROK",
    "entrapment_JPN",
    "grievance_ROK",
    "grievance_JPN",
    "threat_ROK",
    "threat_JPN",
    "china_pressure_ROK",
    "china_pressure_JPN",
    "coop_ROK_JPN",
    "coop_ROK_US",
    "coop_JPN_US",
    "trilateral",
    "us_coercion",
    "china_coercion",
    "us_commitment",
    "launches",
    "steps_ROK",
    "steps_JPN",
    "reversals_ROK",
    "reversals_JPN",
    "leader_ROK",
    "leader_JPN",
    "institutionalised",
    "collapsed",
)


class RunParams:
    """Parameters for a chunk: scalars, or (R, 1) arrays for parameters that vary by run.

    Per-democracy pairs (``rok_x``, ``jpn_x``) are exposed as ``pair(x)`` with shape (2,) or (R, 2).
    """

    def __init__(self, params: Params, runs: int, varying: dict[str, Arr] | None = None):
        self._values: dict[str, Any] = {n: float(getattr(params, n)) for n in PARAM_FIELDS}
        for name, values in (varying or {}).items():
            if name not in PARAM_FIELDS:
                raise KeyError(name)
            a = np.asarray(values, dtype=float).reshape(-1, 1)
            if a.shape[0] != runs:
                raise ValueError(f"{name}: {a.shape[0]} values for {runs} runs")
            self._values[name] = a
        self.runs = runs

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def pair(self, suffix: str) -> Arr:
        rok, jpn = self._values[f"rok_{suffix}"], self._values[f"jpn_{suffix}"]
        if np.ndim(rok) == 0 and np.ndim(jpn) == 0:
            return np.array([rok, jpn])
        n = self.runs
        return np.concatenate(
            [np.broadcast_to(np.asarray(x, float).reshape(-1, 1), (n, 1)) for x in (rok, jpn)],
            axis=1,
        )


def schedule_at(scenario: Scenario, p: RunParams, key: str, month: int) -> Any:
    """Value of a schedulable input at ``month``: the schedule's last point, else the parameter."""
    value: Any = getattr(p, key)
    for m, v in scenario.schedule(key):
        if m <= month:
            value = v
        else:
            break
    return value


@dataclass
class ArrayState:
    """The state of R runs (see module docstring for shapes)."""

    alignment: Arr  # (R, 2)
    approval: Arr
    abandonment: Arr
    entrapment: Arr
    grievance: Arr
    threat: Arr
    china_pressure: Arr
    coop: Arr  # (R, 3)
    strategy: Arr  # (R, 2) int ids
    leader: Arr  # (R, 2) int, 1 = the leader in office at month 0
    taken: Arr  # (R, K) bool
    taken_month: Arr  # (R, K) int
    first_taken_month: Arr  # (R, K) int, -1 never
    first_taken_by: Arr  # (R, K) int: 0 ROK, 1 JPN, 2 joint, -1 never
    last_action: Arr  # (R, 2) DID_NOTHING/MOVED/REVERSED
    last_own_step: Arr  # (R, 2) month, -NEVER if never
    episode_left: Arr  # (R, 1) int
    episode_size: Arr  # (R, 1)
    jpn_low_months: Arr  # (R, 1) int
    above: Arr  # (R, 1) int
    below: Arr
    inst_month: Arr  # (R, 1) int
    collapse_month: Arr
    n_steps: Arr  # (R, 2) int
    n_reversals: Arr  # (R, 2) int


def initial_state(scenario: Scenario, p: RunParams) -> ArrayState:
    """Month-0 state of every run, from the scenario's initial conditions."""
    n = p.runs

    def d(suffix: str) -> Arr:
        return np.broadcast_to(p.pair(suffix), (n, 2)).astype(float).copy()

    def col(name: str) -> Arr:
        return np.broadcast_to(np.asarray(getattr(p, name), float).reshape(-1, 1), (n, 1))

    coop = np.concatenate([col("coop_rok_jpn0"), col("coop_rok_us0"), col("coop_jpn_us0")], axis=1)
    strategy = np.empty((n, 2), dtype=np.int64)
    strategy[:, 0] = STRATEGY_ID[scenario.strategy("ROK")]
    strategy[:, 1] = STRATEGY_ID[scenario.strategy("JPN")]
    z1 = np.zeros((n, 1), dtype=np.int64)
    k = S.N_STEPS
    return ArrayState(
        alignment=d("alignment0"),
        approval=d("approval0"),
        abandonment=d("abandonment0"),
        entrapment=d("entrapment0"),
        grievance=d("grievance0"),
        threat=d("threat0"),
        china_pressure=np.zeros((n, 2)),
        coop=coop.copy(),
        strategy=strategy,
        leader=np.ones((n, 2), dtype=np.int64),
        taken=np.zeros((n, k), dtype=bool),
        taken_month=np.zeros((n, k), dtype=np.int64),
        first_taken_month=np.full((n, k), -1, dtype=np.int64),
        first_taken_by=np.full((n, k), -1, dtype=np.int64),
        last_action=np.zeros((n, 2), dtype=np.int64),
        last_own_step=np.full((n, 2), -NEVER, dtype=np.int64),
        episode_left=z1.copy(),
        episode_size=np.zeros((n, 1)),
        jpn_low_months=z1.copy(),
        above=z1.copy(),
        below=z1.copy(),
        inst_month=z1 - 1,
        collapse_month=z1 - 1,
        n_steps=np.zeros((n, 2), dtype=np.int64),
        n_reversals=np.zeros((n, 2), dtype=np.int64),
    )


@dataclass
class MonthDraws:
    """Exogenous random draws of one month for R runs."""

    launches: Arr  # (R, 1)
    flash: Arr  # (R, 2) 0/1
    episode_start: Arr  # (R, 1) bool (if none running)
    noise: Arr  # (R, 2)


def draw_month(keys: Arr, month: int, p: RunParams) -> MonthDraws:
    """The month's exogenous draws, keyed by (seed, replication, month, actor, stream)."""
    launches = R.poisson_from_uniform(rng.uniform(keys, month, "nk_launches"), p.nk_launch_rate)
    flash = (rng.uniform(keys, month, "flashpoint", (2, 3)) < p.flashpoint_rate).astype(float)
    episode = rng.uniform(keys, month, "china_episode") < p.china_episode_rate
    u = rng.uniform(keys, month, "approval_noise", (2, 3, 12, 13))
    noise = R.triangular_noise(u[:, 0:2], u[:, 2:4], p.approval_noise)
    return MonthDraws(launches, flash, episode, noise)


def monthly_record(s: ArrayState, inputs: dict[str, Any], launches: Arr, acts: Arr) -> Arr:
    """One month's recorded variables, shape (R, len(MONTHLY_VARS))."""
    n = s.approval.shape[0]

    def col(x: Any) -> Arr:
        return np.broadcast_to(np.asarray(x, float).reshape(-1, 1), (n, 1))

    tri = R.trilateral_index(s.coop)
    inst = (s.inst_month >= 0).astype(float)
    coll = (s.collapse_month >= 0).astype(float)
    return np.concatenate(
        [
            s.alignment,
            s.approval,
            s.abandonment,
            s.entrapment,
            s.grievance,
            s.threat,
            s.china_pressure,
            s.coop,
            tri,
            col(inputs["us_coercion"]),
            col(inputs["china_coercion"]),
            col(inputs["us_commitment"]),
            col(launches),
            acts,
            s.leader.astype(float),
            inst,
            coll,
        ],
        axis=1,
    )


def owned_steps(scenario: Scenario) -> Arr:
    """OWNED (2, K) with the scenario's disabled steps taken off the ladder."""
    enabled = np.array([name not in scenario.disabled_steps for name in S.STEP_NAMES])
    return S.OWNED & enabled


def step_month(
    scenario: Scenario, p: RunParams, s: ArrayState, month: int, draws: MonthDraws
) -> tuple[ArrayState, dict[str, Any], Arr, Arr]:
    """Advance all runs by one month (months 1..M). Returns the new state, the month's inputs,
    the launches and the (R, 4) counts of steps and reversals per leader."""
    n = s.approval.shape[0]
    inputs = {
        k: schedule_at(scenario, p, k, month)
        for k in ("us_coercion", "china_coercion", "us_commitment")
    }
    us_c, cn_c, commit = inputs["us_coercion"], inputs["china_coercion"], inputs["us_commitment"]
    dep = p.pair("china_dependence")
    floor = p.pair("approval_floor")
    baseline = p.pair("approval_baseline")

    approval = s.approval.copy()
    grievance = s.grievance
    launches = draws.launches
    flash = draws.flash
    strategy = s.strategy.copy()
    leader = s.leader.copy()
    episode_left, episode_size = s.episode_left, s.episode_size

    # 1. scheduled events (start of month)
    for ev in scenario.events:
        if ev.month != month:
            continue
        d = 0 if ev.actor == "ROK" else 1
        if ev.kind == "approval_shock":
            approval[:, d] = np.minimum(
                np.maximum(approval[:, d] + float(ev.value or 0.0), 0.02), 0.98
            )
        elif ev.kind == "leader_change":
            leader[:, d] += 1
            if ev.strategy:
                strategy[:, d] = STRATEGY_ID[ev.strategy]
            approval[:, d] = p.honeymoon_approval if ev.value is None else float(ev.value)
        elif ev.kind == "flashpoint":
            grievance = grievance.copy()
            grievance[:, d] = R.clip01(grievance[:, d] + float(ev.value or 0.0))
        elif ev.kind == "provocation":
            launches = launches + float(ev.value or 0.0)
        elif ev.kind == "coercion_episode":
            episode_left = np.full((n, 1), int(ev.duration or 1))
            episode_size = np.full((n, 1), float(ev.value or 0.0))

    # 1b. exogenous news
    start = (episode_left <= 0) & draws.episode_start
    episode_left = np.where(start, p.china_episode_months, episode_left)
    episode_size = np.where(start, p.china_episode_size, episode_size)
    boost = np.where(episode_left > 0, episode_size, 0.0)
    threat = R.threat_after_month(s.threat, launches, p)
    grievance = R.grievance_after_flashpoints(grievance, flash, p.flashpoint_size)
    grade = R.contribution_grade(s.alignment, s.coop[:, 0:1], p)
    cn_press = R.china_pressure(cn_c, boost, grade, p)

    # 2. decisions, all from the same perceived state
    incentive = R.cooperation_incentive(
        threat[:, 0:1],
        threat[:, 1:2],
        s.abandonment[:, 0:1],
        s.abandonment[:, 1:2],
        commit,
        us_c,
        p,
    )
    motivated = R.motivation(s.abandonment, s.entrapment, incentive, p) >= p.motivation_threshold
    cost = R.step_cost(grievance, us_c, p)
    margin = R.initiative_margin(month - s.last_own_step[:, ::-1], p)
    feasible = R.feasible_steps(approval, floor, cost, margin)
    affordable = R.feasible_steps(approval, floor, cost)
    owned = owned_steps(scenario)
    available = R.available_steps(s.taken, s.coop[:, 0:1], owned)
    reversible = R.latest_reversible(s.taken, s.taken_month, owned)
    since = month - s.last_own_step
    proposal = np.full((n, 2), R.NONE, dtype=np.int64)
    accept = np.zeros((n, 2, S.N_STEPS), dtype=bool)
    for d in (0, 1):
        view = LeaderView(
            month=month,
            feasible=feasible[:, d],
            affordable=affordable[:, d],
            available=available[:, d],
            motivated=motivated[:, d],
            partner_last=s.last_action[:, 1 - d],
            months_since_own_step=since[:, d],
            can_reverse=reversible[:, d] >= 0,
            min_interval=np.asarray(p.small_step_interval).reshape(-1),
        )
        for sid in np.unique(strategy[:, d]):
            dec = STRATEGIES[STRATEGY_NAMES[sid]].decide(view)
            mask = strategy[:, d] == sid
            proposal[:, d] = np.where(mask, dec.proposal, proposal[:, d])
            accept[:, d] = np.where(mask[:, None], dec.accept, accept[:, d])

    # 3. resolution
    paid, executed, reversed_by = R.resolve_actions(
        proposal, accept, feasible, affordable, available, reversible
    )
    reversed_any = reversed_by[:, 0] | reversed_by[:, 1]

    # 4. consequences
    paid_cost = R.weighted_step_sum(paid, cost)
    rev_credit = p.reversal_approval_credit * R.weighted_step_sum(reversed_by, cost)
    moved = paid.any(axis=-1)
    did_reverse = reversed_by.any(axis=-1)
    last_own = np.where(moved, month, s.last_own_step)
    recent = (month - last_own) <= 1
    reciprocated = ((moved[:, 0:1] | moved[:, 1:2]) & recent[:, 0:1] & recent[:, 1:2]).astype(float)
    new_approval = R.approval_after_month(
        approval,
        baseline,
        paid_cost,
        rev_credit,
        reciprocated,
        launches,
        cn_press,
        dep,
        us_c,
        draws.noise,
        p,
    )
    new_alignment = R.alignment_after_month(s.alignment, us_c, cn_press, dep, threat, p)
    a_target, e_target = R.fear_targets(threat, commit, us_c, dep, p)
    new_aband = R.fear_after_month(s.abandonment, a_target, p)
    new_entrap = R.fear_after_month(s.entrapment, e_target, p)

    trust = R.step_trust(p)
    gain = R.weighted_step_sum(executed, trust)[:, None]
    loss = p.reversal_trust_penalty * R.weighted_step_sum(reversed_any, trust)[:, None]
    tri_gain = R.weighted_step_sum(executed, trust * S.TRILATERAL)[:, None]
    taken = (s.taken | executed) & ~reversed_any
    locked = R.weighted_step_sum(taken, trust * ~S.REVERSIBLE)[:, None]
    anchor = R.cooperation_anchor(locked, p)
    flash_hit = R.weighted_step_sum(flash * grievance, np.ones(2))[:, None]
    coop_rj = R.rok_jpn_cooperation_after_month(
        s.coop[:, 0:1], gain, loss, anchor, incentive, flash_hit, p
    )
    coop_us = R.us_cooperation_after_month(s.coop[:, 1:3], grade, tri_gain, p)
    new_grievance = R.grievance_after_month(grievance, gain, p)
    coop = np.concatenate([coop_rj, coop_us], axis=1)

    taken_month = np.where(executed, month, s.taken_month)
    first = executed & (s.first_taken_month < 0)
    first_month = np.where(first, month, s.first_taken_month)
    by = np.where(paid[:, 0] & paid[:, 1], 2, np.where(paid[:, 0], 0, 1))
    first_by = np.where(first, by, s.first_taken_by)
    last_action = np.where(did_reverse, R.REVERSED, np.where(moved, R.MOVED, R.DID_NOTHING))

    tri = R.trilateral_index(coop)
    above, below, inst_month, collapse_month = R.institution_update(
        tri, s.above, s.below, s.inst_month, s.collapse_month, month, p
    )

    # leader turnover (after the month's consequences)
    low, replace = R.japan_replacement(new_approval[:, 1:2], s.jpn_low_months, p)
    term_end_arr = np.broadcast_to((np.asarray(p.rok_term_end_month) == month).reshape(-1), (n,))
    for d, change, role in (
        (0, term_end_arr, "ROK_successor"),
        (1, replace[:, 0], "JPN_successor"),
    ):
        leader[:, d] += change
        strategy[:, d] = np.where(change, STRATEGY_ID[scenario.strategy(role)], strategy[:, d])
        new_approval[:, d] = np.where(change, p.honeymoon_approval, new_approval[:, d])
    low = np.where(replace, 0, low)

    acts = np.concatenate([paid.sum(axis=-1), reversed_by.sum(axis=-1)], axis=1).astype(float)
    new = ArrayState(
        alignment=new_alignment,
        approval=new_approval,
        abandonment=new_aband,
        entrapment=new_entrap,
        grievance=new_grievance,
        threat=threat,
        china_pressure=cn_press,
        coop=coop,
        strategy=strategy,
        leader=leader,
        taken=taken,
        taken_month=taken_month,
        first_taken_month=first_month,
        first_taken_by=first_by,
        last_action=last_action,
        last_own_step=last_own,
        episode_left=np.maximum(episode_left - 1, 0),
        episode_size=episode_size,
        jpn_low_months=low,
        above=above,
        below=below,
        inst_month=inst_month,
        collapse_month=collapse_month,
        n_steps=s.n_steps + paid.sum(axis=-1),
        n_reversals=s.n_reversals + reversed_by.sum(axis=-1),
    )
    return new, inputs, launches, acts


@dataclass
class BatchResult:
    """Outputs of :func:`simulate` for R runs."""

    replications: Arr  # (R,)
    summary: dict[str, Arr]  # name -> (R,)
    monthly: Arr | None  # (R, M + 1, len(MONTHLY_VARS)) when kept
    first_taken_month: Arr  # (R, K)
    first_taken_by: Arr  # (R, K)


def simulate(
    scenario: Scenario,
    seed: int,
    replications: npt.ArrayLike,
    months: int | None = None,
    varying: dict[str, Arr] | None = None,
    keep_monthly: bool = False,
) -> BatchResult:
    """Run many replications of a scenario with the array engine.

    Args:
        scenario: resolved scenario (``sim.scenario.load_scenario``).
        seed: root seed.
        replications: replication indices; each keys its own random numbers.
        months: horizon (default: the scenario's).
        varying: parameters that differ by run, name -> (R,) values.
        keep_monthly: also return the full monthly trajectories.
    """
    reps = np.asarray(replications, dtype=np.int64).reshape(-1)
    horizon = scenario.months if months is None else int(months)
    p = RunParams(scenario.params, reps.shape[0], varying)
    keys = rng.run_keys(seed, reps)
    s = initial_state(scenario, p)
    n = reps.shape[0]
    inputs0 = {
        k: schedule_at(scenario, p, k, 0)
        for k in ("us_coercion", "china_coercion", "us_commitment")
    }
    monthly = None
    if keep_monthly:
        monthly = np.empty((n, horizon + 1, len(MONTHLY_VARS)))
        monthly[:, 0] = monthly_record(s, inputs0, np.zeros((n, 1)), np.zeros((n, 4)))
    tri_max = R.trilateral_index(s.coop)[:, 0]
    for month in range(1, horizon + 1):
        draws = draw_month(keys, month, p)
        s, inputs, launches, acts = step_month(scenario, p, s, month, draws)
        if monthly is not None:
            monthly[:, month] = monthly_record(s, inputs, launches, acts)
        tri_max = np.maximum(tri_max, R.trilateral_index(s.coop)[:, 0])
    return BatchResult(
        replications=reps,
        summary=summarise(s, tri_max),
        monthly=monthly,
        first_taken_month=s.first_taken_month,
        first_taken_by=s.first_taken_by,
    )


@dataclass(frozen=True)
class FinalState:
    """The part of a final state that :func:`summarise` reads (the Mesa model builds one)."""

    coop: Arr  # (R, 3)
    approval: Arr  # (R, 2)
    alignment: Arr  # (R, 2)
    leader: Arr  # (R, 2)
    first_taken_month: Arr  # (R, K)
    inst_month: Arr  # (R, 1)
    collapse_month: Arr  # (R, 1)
    n_steps: Arr  # (R, 2)
    n_reversals: Arr  # (R, 2)


def summarise(s: ArrayState | FinalState, tri_max: Arr) -> dict[str, Arr]:
    """Per-run outcome summary from the final state."""
    tri = R.trilateral_index(s.coop)[:, 0]
    inst = s.inst_month[:, 0]
    coll = s.collapse_month[:, 0]
    own = np.array([step.owner in ("ROK", "JPN") for step in S.LADDER])
    ftm = np.where(own, s.first_taken_month, -1)
    first_rok = _min_pos(np.where(S.OWNED[0] & own, ftm, -1))
    first_jpn = _min_pos(np.where(S.OWNED[1] & own, ftm, -1))
    first_mover = np.where(
        (first_rok < 0) & (first_jpn < 0),
        -1,
        np.where(
            first_jpn < 0,
            0,
            np.where(
                first_rok < 0,
                1,
                np.where(first_rok < first_jpn, 0, np.where(first_jpn < first_rok, 1, 2)),
            ),
        ),
    )
    return {
        "final_trilateral": tri,
        "max_trilateral": tri_max,
        "final_coop_ROK_JPN": s.coop[:, 0],
        "final_coop_ROK_US": s.coop[:, 1],
        "final_coop_JPN_US": s.coop[:, 2],
        "final_approval_ROK": s.approval[:, 0],
        "final_approval_JPN": s.approval[:, 1],
        "final_alignment_ROK": s.alignment[:, 0],
        "final_alignment_JPN": s.alignment[:, 1],
        "inst_month": inst,
        "collapse_month": coll,
        "institutionalised": inst >= 0,
        "collapsed": coll >= 0,
        "durable": (inst >= 0) & (coll < 0),
        "steps_ROK": s.n_steps[:, 0],
        "steps_JPN": s.n_steps[:, 1],
        "reversals_ROK": s.n_reversals[:, 0],
        "reversals_JPN": s.n_reversals[:, 1],
        "leaders_ROK": s.leader[:, 0],
        "leaders_JPN": s.leader[:, 1],
        "first_step_month_ROK": first_rok,
        "first_step_month_JPN": first_jpn,
        "first_mover": first_mover,
    }


def _min_pos(a: Arr) -> Arr:
    """Row-wise minimum over non-negative entries, -1 if none."""
    big = np.where(a >= 0, a, np.iinfo(np.int64).max)
    m = big.min(axis=-1)
    return np.where(m == np.iinfo(np.int64).max, -1, m)


FIRST_MOVER = {-1: "none", 0: "ROK", 1: "JPN", 2: "both"}
