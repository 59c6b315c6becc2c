"""Every behavioural rule, written once as a pure function.

Rules about one quantity (approval, fear, alignment, cooperation, ...) use only arithmetic,
comparisons, min/max and clipping, so the same function works on plain numbers and on numpy
arrays of any shape, and gives bit-identical results either way. Rules about the ladder of steps
work on one run at a time, with a set of steps held as a bit mask (bit ``k`` for step ``k`` of
``sim.core.steps.LADDER``; :func:`has` and :func:`bit` read and make them).

Every rule is plain Python that numba can also compile (``register_jitable``): the month
(``sim.core.month``) calls them, and the batch engine compiles that month; the same rules run
uninterpreted in the readable reference path and in tests.

Each docstring names the theory or fact the rule implements (docs/RESEARCH.md section 2).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba.core import types
from numba.extending import overload
from numba.extending import register_jitable as rule

from sim.core import steps as S

#: A number or a numpy array of numbers: the quantity rules work on both.
Arr = Any

#: A leader's proposal that is not a step index: no proposal, or withdrawing a step.
NONE = -1
REVERSE = -2

# Partner's last action, as leaders observe it.
DID_NOTHING = 0
MOVED = 1
REVERSED = 2

#: Bounds of a leader's approval (political capital): no leader is at 0% or 100%.
APPROVAL_MIN = 0.02
APPROVAL_MAX = 0.98
#: Cooperation levels are floored here in the harmonic mean (no division by zero).
COOP_EPSILON = 1e-6
#: Most launches one month's draw can give (the inversion stops here).
MAX_LAUNCHES = 200


@rule
def has(mask: int, k: int) -> bool:
    """Whether the set of steps ``mask`` holds step ``k``."""
    return ((mask >> k) & 1) == 1


@rule
def bit(k: int) -> int:
    """The set holding only step ``k``."""
    return 1 << k


def at_least(x: Arr, lo: Arr) -> Arr:
    """``np.maximum(x, lo)``: ``x``, raised to ``lo`` where below it (numbers or arrays)."""
    return np.maximum(x, lo)


def at_most(x: Arr, hi: Arr) -> Arr:
    """``np.minimum(x, hi)``: ``x``, lowered to ``hi`` where above it (numbers or arrays)."""
    return np.minimum(x, hi)


# Compiled, on two numbers, :func:`at_least` and :func:`at_most` are the comparison that
# numpy's maximum and minimum make when neither number is NaN (``x >= lo``, ``x <= hi``, the
# first on ties), without their test for NaN: the same result to the bit for every number the
# month holds (it never holds NaN), one instruction pair fewer on the month's critical path.
@overload(at_least)
def _at_least(x: Any, lo: Any) -> Any:
    if isinstance(x, types.Number) and isinstance(lo, types.Number):

        def numbers(x: Any, lo: Any) -> Any:
            return x if x >= lo else lo

        return numbers

    def arrays(x: Any, lo: Any) -> Any:
        return np.maximum(x, lo)

    return arrays


@overload(at_most)
def _at_most(x: Any, hi: Any) -> Any:
    if isinstance(x, types.Number) and isinstance(hi, types.Number):

        def numbers(x: Any, hi: Any) -> Any:
            return x if x <= hi else hi

        return numbers

    def arrays(x: Any, hi: Any) -> Any:
        return np.minimum(x, hi)

    return arrays


@rule
def clip01(x: Arr) -> Arr:
    return at_most(at_least(x, 0.0), 1.0)


# ---------------------------------------------------------------------------- exogenous draws


def poisson_from_uniform(u: float, rate: float) -> float:
    """Poisson count by inversion of the cumulative distribution (one run's draw).

    North Korean launches arrive as a Poisson process (31 launches in Jan-Aug 2022, EAI
    commentary). Inversion keeps one uniform per count, so counts are reproducible.
    """
    table = poisson_table(rate)
    return float(poisson_count(u, rate, table, 1)[0])


def poisson_table(rate: float) -> Arr:
    """A (2, MAX_LAUNCHES + 1) table for :func:`poisson_count` at ``rate``: row 0 the cumulative
    probabilities, row 1 the probabilities, of 0, 1, ... counts; only column 0 is filled."""
    table = np.empty((2, MAX_LAUNCHES + 1))
    table[0, 0] = table[1, 0] = np.exp(-rate)
    return table


#: The first terms of the Poisson table, filled at once: a draw below the last of them is
#: counted by comparisons alone (no search whose end depends on the draw).
POISSON_FAST = 16
assert POISSON_FAST <= MAX_LAUNCHES


@rule
def poisson_count(u: float, rate: float, table: Arr, known: int) -> tuple[int, int]:
    """The Poisson count of uniform ``u``: the first k whose cumulative probability exceeds
    ``u`` (at most MAX_LAUNCHES).

    The cumulative probabilities are the recurrence p_k = p_(k-1) * rate / k, summed in order;
    ``table`` holds the first ``known`` of them (:func:`poisson_table`, :func:`poisson_terms`)
    and grows as draws need more, so a run that draws every month at one rate computes each term
    once. The cumulative probabilities never decrease, so when the table holds POISSON_FAST
    terms and ``u`` is below the last of them, the count is how many of the others ``u``
    reaches (no search whose length depends on the draw).

    Returns:
        The count and how many terms the table now holds.
    """
    if known >= POISSON_FAST and u < table[0, POISSON_FAST - 1]:
        return poisson_below(u, table), known
    return poisson_search(u, rate, table, known)


@rule
def poisson_below(u: float, table: Arr) -> int:
    """:func:`poisson_count` of a ``u`` below the table's cumulative probability of
    POISSON_FAST - 1 (the table holding at least POISSON_FAST terms): how many of the others
    ``u`` reaches."""
    count = 0
    for j in range(POISSON_FAST - 1):
        count += 1 if u >= table[0, j] else 0
    return count


@rule
def poisson_terms(rate: float, table: Arr, known: int, wanted: int) -> int:
    """The Poisson table's terms up to ``wanted`` (those from ``known`` on computed now);
    returns how many it holds."""
    while known < wanted:
        table[1, known] = table[1, known - 1] * rate / known
        table[0, known] = table[0, known - 1] + table[1, known]
        known += 1
    return known


@rule
def poisson_table_at(rate: float, table: Arr, held: float, known: int) -> tuple[float, int]:
    """The table of :func:`poisson_count` at ``rate``: as it is when it holds that rate's terms
    already (``held``, ``known`` of them), else started afresh with POISSON_FAST terms (the same
    numbers either way). Returns the rate it holds and how many terms."""
    if rate == held:
        return held, known
    table[0, 0] = table[1, 0] = np.exp(-rate)
    return rate, poisson_terms(rate, table, 1, POISSON_FAST)


@rule
def poisson_search(u: float, rate: float, table: Arr, known: int) -> tuple[int, int]:
    """:func:`poisson_count` by searching the table in order, growing it as it goes."""
    k = 0
    while True:
        if k == known:
            known = poisson_terms(rate, table, known, k + 1)
        if not u >= table[0, k] or k >= MAX_LAUNCHES:
            return k, known
        k += 1


@rule
def triangular_noise(u1: Arr, u2: Arr, half_width: float | Arr) -> Arr:
    """Symmetric triangular noise in [-half_width, half_width] (poll noise)."""
    return (u1 + u2 - 1.0) * half_width


# ---------------------------------------------------------------------------- perception


@rule
def threat_after_month(threat: Arr, launches: Arr, p: Any) -> Arr:
    """Threat perception: decays to a baseline, rises with each North Korean launch.

    2022 was a record year of launches (about 60-70); threat feeds abandonment fear (Snyder) and
    the shared-threat incentive (2024 re-test of Cha).
    """
    return clip01(
        threat + p.threat_decay * (p.threat_baseline - threat) + p.threat_per_launch * launches
    )


@rule
def grievance_after_flashpoints(grievance: Arr, flash: Arr, size: float | Arr) -> Arr:
    """History flashpoints raise the public's grievance salience toward the partner.

    EAI commentary: historical disputes (forced labour ruling, 2018) resurface and take long to
    resolve.
    """
    return clip01(grievance + flash * size)


@rule
def grievance_after_month(grievance: Arr, trust_gained: Arr, p: Any) -> Arr:
    """Grievance salience drifts slowly to its baseline; trust from steps brings some relief."""
    return clip01(
        grievance
        + p.grievance_decay * (p.grievance_baseline - grievance)
        - p.grievance_relief * trust_gained
    )


@rule
def contribution_grade(alignment: Arr, coop_rok_jpn: Arr, p: Any) -> Arr:
    """A partner's contribution to the US camp, 0..1: alignment and mended ROK-Japan ties.

    EAI commentary: each camp's leader treats partners 'according to their contributions'.
    """
    w = p.contribution_alignment_weight
    return w * (alignment + 1.0) * 0.5 + (1.0 - w) * coop_rok_jpn


@rule
def china_pressure(china_coercion: Arr | float, episode_boost: Arr, grade: Arr, p: Any) -> Arr:
    """Chinese coercion felt by a partner: baseline plus episodes, aimed by contribution.

    Drezner (1998): senders expecting conflict coerce more; the commentary: China answers US
    grading with its own pressure (THAAD 'three no's', 2023 visa suspension).
    """
    t = p.china_targeting
    return clip01((china_coercion + episode_boost) * ((1.0 - t) + t * grade))


@rule
def fear_targets(
    threat: Arr, commitment: Arr | float, us_coercion: Arr | float, dependence: Arr, p: Any
) -> tuple[Arr, Arr]:
    """Abandonment and entrapment fear targets (Snyder 1984, alliance security dilemma).

    More patron commitment lowers abandonment fear (threat x (slack - commitment)) and raises
    entrapment fear (commitment x (base + pressure)), which also grows with dependence on China.
    """
    abandonment = clip01(threat * (p.abandonment_slack - commitment))
    entrapment = clip01(
        commitment * (p.entrapment_base + p.entrapment_pressure_weight * us_coercion)
        + p.entrapment_dependence_weight * dependence
    )
    return abandonment, entrapment


@rule
def fear_after_month(fear: Arr, target: Arr, p: Any) -> Arr:
    """Fears adjust partially toward their targets each month (inertia of perceptions)."""
    return clip01(fear + p.fear_rate * (target - fear))


@rule
def cooperation_incentive(
    threat_r: Arr,
    threat_j: Arr,
    aband_r: Arr,
    aband_j: Arr,
    commitment: Arr | float,
    us_coercion: Arr | float,
    p: Any,
) -> Arr:
    """Systemic incentive for ROK-Japan cooperation (shape (R, 1)).

    Cha (1999), quasi-alliance: shared (symmetric) abandonment fear eases friction, asymmetric
    fear adds friction. The US-commitment effect has a parameter sign: < 0 expresses Cha
    (a committed patron removes the reason to cooperate), > 0 the 2024 re-test (restored US
    credibility enables the thaw). Shared threat and US pressure to mend ties add to it.
    """
    shared = at_most(aband_r, aband_j)
    asym = np.abs(aband_r - aband_j)
    return (
        p.threat_incentive_weight * ((threat_r + threat_j) * 0.5 - 0.5)
        + p.commitment_effect * (commitment - 0.5)
        + p.cha_symmetry_weight * (shared - asym)
        + p.pressure_incentive_weight * us_coercion
    )


@rule
def motivation(abandonment: Arr, entrapment: Arr, incentive: Arr, p: Any) -> Arr:
    """A leader's will to move toward the partner: abandonment fear against entrapment fear.

    Snyder (1984): fear of abandonment pushes toward the ally network, fear of entrapment away.
    """
    return abandonment - p.entrapment_weight * entrapment + incentive


# ---------------------------------------------------------------------------- decisions (Putnam)


@rule
def step_cost_scale(grievance: Arr, us_coercion: Arr | float, p: Any) -> Arr:
    """Domestic approval cost of the ladder's steps for a leader: the step's own cost
    (``sim.core.steps``) times this scale.

    Putnam (1988): concessions spend political capital, more so when the public's grievance is
    salient; US pressure above the public's tolerance makes concessions look like capitulation
    (the mechanism behind H2).
    """
    excess = at_least(us_coercion - p.us_backlash_tolerance, 0.0)
    return p.concession_cost_scale * (0.5 + grievance) * (1.0 + p.us_backlash_step_mult * excess)


def step_cost(grievance: Arr, us_coercion: Arr | float, p: Any) -> Arr:
    """Every step's cost, shape ``grievance.shape + (K,)``: :func:`step_cost_scale` times the
    ladder's costs (for callers that want the whole ladder at once)."""
    return np.asarray(step_cost_scale(grievance, us_coercion, p))[..., None] * S.COST


@rule
def initiative_margin(months_since_partner_step: int, p: Any) -> float:
    """Extra capital a leader needs to move without cover from the partner.

    Putnam (1988): a concession that answers the partner's visible step is easier to ratify at
    home than one offered first. EAI commentary: Kishida, with a strong majority, can move first;
    Yoon at 24% cannot. Zero when the partner stepped within ``reciprocity_window`` months.
    """
    if months_since_partner_step <= p.reciprocity_window:
        return 0.0
    return p.initiative_margin


@rule
def affordable_steps(
    approval: float, floor: float, cost_scale: float, margin: float, among: int
) -> int:
    """Steps among ``among`` (those on the table) that a leader can afford, as a mask: approval
    after the cost stays at or above the floor plus ``margin`` (the initiative margin when the
    leader would be moving first, else 0).

    Putnam (1988): low political capital narrows the win-set; a leader below the floor can take
    no costly step. (Steps are grouped by cost, cheapest first: the test is made once a cost.)
    """
    mask = 0
    for j in range(S.COST_LEVELS.shape[0]):
        if approval - cost_scale * S.COST_LEVELS[j] >= floor + margin:
            mask |= S.COST_LEVEL_MASK[j]
    return mask & among


@rule
def available_steps(taken: int, coop_rok_jpn: float, owned: int) -> int:
    """Steps on the table for a leader (a mask): not yet taken, owned, trust sufficient.

    The ladder (sim.core.steps) orders the record's steps; a step needs some trust (min_coop)
    before it can be proposed.
    """
    eligible = 0
    for j in range(S.TRUST_LEVELS.shape[0]):
        if coop_rok_jpn >= S.TRUST_LEVELS[j]:
            eligible |= S.TRUST_LEVEL_MASK[j]
    return owned & ~taken & eligible


@rule
def latest_reversible(taken: int, taken_month: Arr, owned: int) -> int:
    """Index of the leader's most recent reversible step (ladder order breaks ties), -1 if none.

    (The latest is the highest score month * N_STEPS + index among the steps held, so the index
    is the score's remainder: a maximum over the ladder that the compiled month takes without
    branching on the mask.)"""
    mask = taken & owned & S.REVERSIBLE_MASK
    best_score = -1
    for k in range(S.N_STEPS):
        if (mask >> k) & 1:
            best_score = max(best_score, taken_month[k] * S.N_STEPS + k)
    return best_score % S.N_STEPS if best_score >= 0 else -1


@rule
def steps_before(taken: int, taken_month: Arr, since: int) -> int:
    """The steps in ``taken`` last taken before month ``since`` (a leader's inheritance)."""
    before = 0
    for k in range(S.N_STEPS):
        if taken_month[k] < since:
            before |= bit(k)
    return taken & before


@rule
def resolve_actions(
    proposal: tuple[int, int],
    accept: tuple[int, int],
    feasible: tuple[int, int],
    affordable: tuple[int, int],
    available: tuple[int, int],
    reversible: tuple[int, int],
) -> tuple[int, int, int, int]:
    """Turn both leaders' choices into what happens this month (one run).

    Own steps happen if feasible. A joint step happens only if both leaders agree (one proposes,
    the other proposes it too or accepts it), the proposer can afford to lead and the partner can
    afford to answer: two-level games need both ratifications (Putnam 1988). At most one joint
    step a month; ROK's proposal is considered first. A reversal withdraws the leader's most
    recent reversible step.

    Args (pairs for ROK, JPN; sets of steps as masks):
        proposal: step index, NONE or REVERSE.
        accept: steps each leader would join if the partner proposes them.
        feasible: steps each leader can afford to take first (with the initiative margin).
        affordable: steps each leader can afford in answer to the partner (floor only).
        available: steps on the table.
        reversible: from :func:`latest_reversible`.

    Returns:
        The steps ROK and JPN took (and pay for), then the steps ROK and JPN withdrew.
    """
    paid_rok = paid_jpn = withdrawn_rok = withdrawn_jpn = 0
    joint_done = False
    for d in range(2):
        o = 1 - d
        prop = proposal[d]
        own = partner = 0
        if prop >= 0 and has(available[d], prop) and has(feasible[d], prop):
            if not has(S.JOINT_MASK, prop):
                own = bit(prop)
            elif (
                (has(accept[o], prop) or proposal[o] == prop)
                and has(affordable[o], prop)
                and has(available[o], prop)
                and not joint_done
            ):
                own = partner = bit(prop)
                joint_done = True
        withdrawn = 0
        if prop == REVERSE and reversible[d] >= 0:
            withdrawn = bit(reversible[d])
        if d == 0:
            paid_rok, paid_jpn, withdrawn_rok = paid_rok | own, paid_jpn | partner, withdrawn
        else:
            paid_jpn, paid_rok, withdrawn_jpn = paid_jpn | own, paid_rok | partner, withdrawn
    return paid_rok, paid_jpn, withdrawn_rok, withdrawn_jpn


# ---------------------------------------------------------------------------- consequences


@rule
def ladder_sum(steps: int, scale: float, weights: Arr) -> float:
    """``scale * weights[k]`` summed over the steps in the mask, in ladder order (cost paid,
    trust gained); the fixed order keeps sums bit-identical in every engine."""
    acc = 0.0
    rest, k = steps, 0
    while rest != 0:
        if rest & 1:
            acc = acc + scale * weights[k]
        rest, k = rest >> 1, k + 1
    return acc


@rule
def ladder_total(steps: int, scale: float, sums: Arr) -> float:
    """``scale`` times the summed weights of the steps in the mask, read from a table of sums
    by mask (``sim.core.steps.COST_SUM``, ``GAIN_SUM``): the cost paid, the trust gained."""
    if steps == 0:
        return 0.0
    return scale * sums[steps]


@rule
def approval_after_month(
    approval: Arr,
    baseline: Arr,
    paid_cost: Arr,
    reversal_credit: Arr,
    reciprocated: Arr,
    launches: Arr,
    pressure_from_china: Arr,
    dependence: Arr,
    us_coercion: Arr | float,
    noise: Arr,
    p: Any,
) -> Arr:
    """Leader approval (political capital) next month.

    Putnam (1988): drift to a baseline, minus the cost of concessions, plus credit for visible
    reciprocity. Rally effects from North Korean launches. Drezner (2003): economic coercion
    costs in proportion to dependence. Pressure from the patron beyond the public's tolerance
    costs approval (backlash). Plus poll noise.
    """
    excess = at_least(us_coercion - p.us_backlash_tolerance, 0.0)
    return at_most(
        at_least(
            approval
            + p.approval_drift * (baseline - approval)
            - paid_cost
            + reversal_credit
            + p.reciprocity_credit * reciprocated
            + p.rally_per_launch * launches
            - p.coercion_approval_cost * pressure_from_china * dependence
            - p.us_backlash_cost * excess
            + noise,
            APPROVAL_MIN,
        ),
        APPROVAL_MAX,
    )


@rule
def alignment_after_month(
    alignment: Arr,
    us_coercion: Arr | float,
    pressure_from_china: Arr,
    dependence: Arr,
    threat: Arr,
    p: Any,
) -> Arr:
    """Alignment between the Chinese (-1) and US (+1) camps under patron pressure.

    US pressure and threat pull toward the US with room left to move ((1 - a) / 2); Chinese
    coercion pulls toward China in proportion to dependence, less the share that hardens public
    opinion against the sender (Drezner 1998, 2003), which can make the net pull negative (H4).
    """
    toward_us = us_coercion + p.threat_alignment_pull * (threat - 0.5)
    toward_china = pressure_from_china * (dependence * p.china_leverage - p.china_backlash)
    step = p.alignment_rate * (
        (1.0 - alignment) * 0.5 * toward_us - (1.0 + alignment) * 0.5 * toward_china
    )
    return at_most(at_least(alignment + step, -1.0), 1.0)


@rule
def us_cooperation_after_month(coop_us: Arr, grade: Arr, trilateral_gain: Arr, p: Any) -> Arr:
    """Each US alliance's cooperation follows the partner's contribution (reward/punish).

    EAI commentary: the US grades allies ('linchpin', 'cornerstone') by contribution; trilateral
    steps also deepen each alliance.
    """
    return clip01(
        coop_us + p.us_reward_rate * (grade - coop_us) + p.trilateral_us_share * trilateral_gain
    )


def step_trust(p: Any) -> Arr:
    """Trust each step brings, (K,): the ladder's gains times ``trust_gain_scale``.

    The ladder's gains are stylised; their overall scale is the pace of trust the record informs.
    The month sums it with :func:`ladder_sum` (``trust_gain_scale`` times each gain).
    """
    return S.GAIN * np.asarray(p.trust_gain_scale)


@rule
def cooperation_anchor(locked_trust: Arr, p: Any) -> Arr:
    """The level ROK-Japan cooperation decays toward: raised by irreversible steps.

    Institutionalisation: summits held and mechanisms created (Camp David) lock in cooperation;
    reversible gestures do not.
    """
    return clip01(p.coop_anchor_base + p.lock_in * locked_trust)


@rule
def rok_jpn_cooperation_after_month(
    coop: Arr, gain: Arr, loss: Arr, anchor: Arr, incentive: Arr, flash_hit: Arr, p: Any
) -> Arr:
    """ROK-Japan cooperation: trust from steps, loss from reversals, drift by incentive,
    decay toward the institutional anchor, damage from history flashpoints.

    EAI commentary: small persistent steps shape conditions; Cha (1999) via the incentive.
    """
    return clip01(
        coop
        + gain
        - loss
        + p.incentive_coop_rate * incentive
        - p.coop_decay * (coop - anchor)
        - p.flashpoint_coop_hit * flash_hit
    )


@rule
def trilateral_index(coop_rok_jpn: Arr, coop_rok_us: Arr, coop_jpn_us: Arr) -> Arr:
    """Trilateral cooperation index: harmonic mean of the three pairwise levels.

    The harmonic mean is held down by the weakest link: ROK-Japan ties are 'the missing link in
    the US network' (EAI commentary).
    """
    return 3.0 / (
        1.0 / at_least(coop_rok_jpn, COOP_EPSILON)
        + 1.0 / at_least(coop_rok_us, COOP_EPSILON)
        + 1.0 / at_least(coop_jpn_us, COOP_EPSILON)
    )


@rule
def institution_update(
    index: float,
    above: int,
    below: int,
    inst_month: int,
    collapse_month: int,
    month: int,
    p: Any,
) -> tuple[int, int, int, int]:
    """Institutionalised trilateral cooperation and its later collapse (one run).

    Institutionalised: the index at or above ``institution_threshold`` for ``institution_months``
    consecutive months (Camp David, 18 Aug 2023, is the real instance). Collapsed: after that, the
    index below ``collapse_threshold`` for ``collapse_months`` consecutive months. Months are the
    month the condition is first met; NEVER (-1) means not yet.
    """
    above = above + 1 if index >= p.institution_threshold else 0
    if inst_month < 0 and above >= p.institution_months:
        inst_month = month
    below = below + 1 if inst_month >= 0 and index < p.collapse_threshold else 0
    if inst_month >= 0 and collapse_month < 0 and below >= p.collapse_months:
        collapse_month = month
    return above, below, inst_month, collapse_month


# ---------------------------------------------------------------------------- second version


@rule
def baseline_after_month(
    baseline: float, long_run: float, shock: float, scandal: bool, p: Any
) -> float:
    """The approval baseline a leader's approval drifts to, after this month's news.

    Mueller (1970): popularity moves with events and time in office, and a new leader's
    honeymoon fades (the baseline returns to the long-run level at ``baseline_reversion``).
    Lewis-Beck & Stegmaier (2000): the economy and events shift it (a random walk with standard
    deviation ``approval_volatility``: ``shock`` is :func:`baseline_shock`). A scandal (chance
    ``scandal_rate``, drawn by the month) lowers it by ``scandal_size`` (Park Geun-hye, 2016).
    Neutral: volatility 0, reversion 1, scandal rate 0.
    """
    b = baseline + p.baseline_reversion * (long_run - baseline)
    b = b + shock
    if scandal:
        b = b - p.scandal_size
    return min(max(b, APPROVAL_MIN), APPROVAL_MAX)


#: A triangular distribution on [-a, a] has standard deviation a / sqrt(6).
SQRT6 = 2.449489742783178


@rule
def baseline_shock(u1: float, u2: float, p: Any) -> float:
    """This month's shock to the approval baseline: triangular noise with standard deviation
    ``approval_volatility``."""
    return triangular_noise(u1, u2, p.approval_volatility * SQRT6)


@rule
def resentment_after_month(resentment: float, us_coercion: float, p: Any) -> float:
    """Public resentment of US pressure: builds with pressure above the public's tolerance,
    fades otherwise (Galtung 1967, the rally against the sender of sanctions; Drezner 1999). Neutral:
    ``resentment_rate`` 0."""
    excess = max(us_coercion - p.us_backlash_tolerance, 0.0)
    return min(max(resentment + p.resentment_rate * excess - p.resentment_decay * resentment,
                   0.0), 1.0)  # fmt: skip


@rule
def signal_after_month(signal: float, hit: bool, p: Any) -> float:
    """A US signal aimed at one ally (cost-sharing demands, troop posture, trade measures)
    (``hit``, chance ``ally_signal_rate``, drawn by the month) lowers that ally's perceived
    commitment by ``ally_signal_size``; it fades at
    ``ally_signal_decay`` (Cha 1999: abandonment fears need not be symmetric). Neutral:
    ``ally_signal_rate`` 0."""
    s = signal * (1.0 - p.ally_signal_decay)
    if hit:
        s = s + p.ally_signal_size
    return min(max(s, 0.0), 1.0)


@rule
def china_cost_factor(pressure_from_china: float, dependence: float, p: Any) -> float:
    """Chinese pressure on a dependent partner raises the domestic cost of every step toward
    the US camp's partners (Drezner 2003: coercion raises the cost of alignment). Neutral:
    ``china_cost_weight`` 0."""
    return 1.0 + p.china_cost_weight * pressure_from_china * dependence


@rule
def leader_motivation(
    abandonment: float,
    entrapment: float,
    incentive: float,
    alignment: float,
    stance: float,
    resentment: float,
    pressure_from_china: float,
    p: Any,
) -> float:
    """A leader's will to move toward the partner.

    Snyder (1984): abandonment fear against entrapment fear, plus the systemic incentive (Cha
    1999). Kuik (2008): a state leaning toward the US camp is readier to work with its partners
    (``alignment_motivation_weight``). The leader's own stance toward the partner
    (``stance_motivation_weight``). Resentment of US pressure makes concessions look like
    capitulation (``resentment_motivation_weight``); Chinese pressure can harden opinion against
    the sender (``china_hardening``; Drezner 1999). Each added term is neutral at weight 0.
    """
    return (
        motivation(abandonment, entrapment, incentive, p)
        + p.alignment_motivation_weight * alignment
        + p.stance_motivation_weight * stance
        - p.resentment_motivation_weight * resentment
        + p.china_hardening * pressure_from_china
    )


@rule
def exit_cost(depth: float, commitment: float, p: Any) -> float:
    """Approval a leader loses by reversing a step: audience costs (Fearon 1994), rising with
    institutional depth (Ikenberry 2001; Keohane 1984) and with the patron's commitment (the US
    objects to unravelling). Neutral: all three weights 0."""
    return p.exit_cost_base + p.exit_cost_depth * depth + p.exit_cost_us * commitment


@rule
def reversal_gain(cost: float, stance: float, resentment: float, p: Any) -> float:
    """Approval a leader gains at home by withdrawing a step that cost ``cost``: the step's
    cost times ``reversal_approval_credit``, more for a leader hostile to the partner (stance
    below 1) and under resentment of US pressure."""
    return p.reversal_approval_credit * cost * (1.0 - stance) * (1.0 + resentment)


@rule
def reversal_net(
    withdrawn: int,
    cost_scale: float,
    stance: float,
    resentment: float,
    cost_of_exit: float,
    p: Any,
) -> float:
    """Approval a leader gains on balance from the steps it withdrew this month: their
    :func:`reversal_gain` less the exit cost (0 when it withdrew nothing)."""
    if withdrawn == 0:
        return 0.0
    paid = ladder_total(withdrawn, cost_scale, S.COST_SUM)
    return reversal_gain(paid, stance, resentment, p) - cost_of_exit


@rule
def wants_reversal(gain: float, cost_of_exit: float, weight: float) -> bool:
    """Whether a leader withdraws its latest reversible step: the weighted domestic gain at
    least the exit cost. Reversal is open to every leader; a hardliner only weighs the gain
    more (``hardline_reversal_weight`` against ``reversal_weight``); weight 0 never reverses, and
    nor does a leader with nothing to gain (a fully friendly stance)."""
    return weight > 0.0 and gain > 0.0 and weight * gain >= cost_of_exit


@rule
def bargain_worth_it(approval: float, cost: float, motivation_now: float, p: Any) -> bool:
    """Whether the grand bargain is worth its price to a leader (Putnam 1988: a leader ratifies
    a deal worth its domestic cost). Value: ``bargain_value`` x motivation, less the approval it
    costs, less the risk of early exit if approval falls below ``early_exit_approval``
    (``bargain_risk_weight``); and the leader must have the approval to spend."""
    after = approval - cost
    risk = max(p.early_exit_approval - after, 0.0)
    value = p.bargain_value * motivation_now - cost - p.bargain_risk_weight * risk
    return value > 0.0 and after > APPROVAL_MIN


@rule
def depth_after_month(depth: float, activity: float, p: Any) -> float:
    """Institutional depth (standing mechanisms, exercises, data sharing): grows in a month of
    joint activity and decays without it (Pierson 2000: increasing returns). Neutral:
    ``deepening_rate`` 0 (depth stays 0)."""
    if activity > 0.0:
        return depth + p.deepening_rate * (1.0 - depth)
    return depth - p.depth_decay * depth


@rule
def early_exit_hazard(approval: float, p: Any) -> float:
    """Monthly chance that a leader leaves office early (impeachment, resignation, the party
    replacing its leader): ``early_exit_rate`` at zero approval, falling linearly to 0 at
    ``early_exit_approval`` (Park, impeached at 4-5% in 2016). Neutral: rate 0."""
    if p.early_exit_approval <= 0.0 or approval >= p.early_exit_approval:
        return 0.0
    return p.early_exit_rate * (p.early_exit_approval - approval) / p.early_exit_approval


@rule
def successor_stance(stance: float, opposition_prob: float, u_party: float, u_spread: float,
                     p: Any) -> float:  # fmt: skip
    """A successor's stance toward the partner: from the other camp with chance
    ``opposition_prob`` (then ``opposition_stance_shift`` less friendly than the predecessor),
    spread uniformly by ``successor_stance_spread``. Neutral: chance 0 and spread 0 (the
    successor keeps the predecessor's stance)."""
    expected = stance - p.opposition_stance_shift if u_party < opposition_prob else stance
    return min(max(expected + (2.0 * u_spread - 1.0) * p.successor_stance_spread, -1.0), 1.0)


@rule
def japan_replacement(approval_jpn: float, low_months: int, p: Any) -> tuple[int, bool]:
    """LDP replaces its leader after ``jpn_replacement_months`` months below the threshold.

    Returns the months below so far and whether the leader is replaced this month.
    """
    low_months = low_months + 1 if approval_jpn < p.jpn_replacement_threshold else 0
    return low_months, low_months >= p.jpn_replacement_months
