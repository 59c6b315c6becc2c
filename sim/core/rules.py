"""Every behavioural rule, written once as pure functions over numpy arrays.

Shapes: the leading axis is "runs" (R). Democracy-level arrays are (R, n) with n = 2 (ROK, JPN)
in the array engine and n = 1 when a Mesa agent calls a rule on its own values; per-democracy
parameters are given as arrays of shape (n,) that broadcast over the last axis. Run-level values
(US pressure, ROK-Japan cooperation, launches) are (R, 1). Step-level arrays are (R, n, K) or
(R, K) with K steps in ladder order (``sim.core.steps``).

Rules use only arithmetic, comparisons, min/max and clipping (plus one exp for the Poisson
draw), so the same inputs give bit-identical outputs whatever the array's shape: this is what lets
the Mesa model and the array engine agree exactly.

Each docstring names the theory or fact the rule implements (MODEL.md section 2).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from sim.core import steps as S

Arr = npt.NDArray[Any]

NONE = -1
REVERSE = -2

# Partner's last action, as leaders observe it.
DID_NOTHING = 0
MOVED = 1
REVERSED = 2


def clip01(x: Arr) -> Arr:
    return np.minimum(np.maximum(x, 0.0), 1.0)


# ---------------------------------------------------------------------------- exogenous draws


def poisson_from_uniform(u: Arr, rate: float | Arr) -> Arr:
    """Poisson count by inversion of the cumulative distribution.

    North Korean launches arrive as a Poisson process (31 launches in Jan-Aug 2022, EAI
    commentary). Inversion keeps one uniform per count, so counts are reproducible.
    """
    p = np.exp(-np.asarray(rate, dtype=float)) + np.zeros_like(u)
    cdf = p.copy()
    count = np.zeros_like(u)
    k = 0
    while np.any(u >= cdf) and k < 200:
        k += 1
        count = count + (u >= cdf)
        p = p * rate / k
        cdf = cdf + p
    return count


def triangular_noise(u1: Arr, u2: Arr, half_width: float | Arr) -> Arr:
    """Symmetric triangular noise in [-half_width, half_width] (poll noise)."""
    return (u1 + u2 - 1.0) * half_width


# ---------------------------------------------------------------------------- perception


def threat_after_month(threat: Arr, launches: Arr, p: Any) -> Arr:
    """Threat perception: decays to a baseline, rises with each North Korean launch.

    2022 was a record year of launches (about 60-70); threat feeds abandonment fear (Snyder) and
    the shared-threat incentive (2024 re-test of Cha).
    """
    return clip01(
        threat + p.threat_decay * (p.threat_baseline - threat) + p.threat_per_launch * launches
    )


def grievance_after_flashpoints(grievance: Arr, flash: Arr, size: float | Arr) -> Arr:
    """History flashpoints raise the public's grievance salience toward the partner.

    EAI commentary: historical disputes (forced labour ruling, 2018) resurface and take long to
    resolve.
    """
    return clip01(grievance + flash * size)


def grievance_after_month(grievance: Arr, trust_gained: Arr, p: Any) -> Arr:
    """Grievance salience drifts slowly to its baseline; trust from steps brings some relief."""
    return clip01(
        grievance
        + p.grievance_decay * (p.grievance_baseline - grievance)
        - p.grievance_relief * trust_gained
    )


def contribution_grade(alignment: Arr, coop_rok_jpn: Arr, p: Any) -> Arr:
    """A partner's contribution to the US camp, 0..1: alignment and mended ROK-Japan ties.

    EAI commentary: each camp's leader treats partners 'according to their contributions'.
    """
    w = p.contribution_alignment_weight
    return w * (alignment + 1.0) * 0.5 + (1.0 - w) * coop_rok_jpn


def china_pressure(china_coercion: Arr | float, episode_boost: Arr, grade: Arr, p: Any) -> Arr:
    """Chinese coercion felt by a partner: baseline plus episodes, aimed by contribution.

    Drezner (1998): senders expecting conflict coerce more; the commentary: China answers US
    grading with its own pressure (THAAD 'three no's', 2023 visa suspension).
    """
    t = p.china_targeting
    return clip01((china_coercion + episode_boost) * ((1.0 - t) + t * grade))


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


def fear_after_month(fear: Arr, target: Arr, p: Any) -> Arr:
    """Fears adjust partially toward their targets each month (inertia of perceptions)."""
    return clip01(fear + p.fear_rate * (target - fear))


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
    shared = np.minimum(aband_r, aband_j)
    asym = np.abs(aband_r - aband_j)
    return (
        p.threat_incentive_weight * ((threat_r + threat_j) * 0.5 - 0.5)
        + p.commitment_effect * (commitment - 0.5)
        + p.cha_symmetry_weight * (shared - asym)
        + p.pressure_incentive_weight * us_coercion
    )


def motivation(abandonment: Arr, entrapment: Arr, incentive: Arr, p: Any) -> Arr:
    """A leader's will to move toward the partner: abandonment fear against entrapment fear.

    Snyder (1984): fear of abandonment pushes toward the ally network, fear of entrapment away.
    """
    return abandonment - p.entrapment_weight * entrapment + incentive


# ---------------------------------------------------------------------------- decisions (Putnam)


def step_cost(grievance: Arr, us_coercion: Arr | float, p: Any) -> Arr:
    """Domestic approval cost of each step for each leader, shape (R, n, K).

    Putnam (1988): concessions spend political capital, more so when the public's grievance is
    salient; US pressure above the public's tolerance makes concessions look like capitulation
    (the mechanism behind H2, tested, not assumed).
    """
    excess = np.maximum(us_coercion - p.us_backlash_tolerance, 0.0)
    scale = p.concession_cost_scale * (0.5 + grievance) * (1.0 + p.us_backlash_step_mult * excess)
    return scale[..., None] * S.COST


def initiative_margin(months_since_partner_step: Arr, p: Any) -> Arr:
    """Extra capital a leader needs to move without cover from the partner.

    Putnam (1988): a concession that answers the partner's visible step is easier to ratify at
    home than one offered first. EAI commentary: Kishida, with a strong majority, can move first;
    Yoon at 24% cannot. Zero when the partner stepped within ``reciprocity_window`` months.
    """
    return np.where(months_since_partner_step <= p.reciprocity_window, 0.0, p.initiative_margin)


def feasible_steps(approval: Arr, floor: Arr, cost: Arr, margin: Arr | float = 0.0) -> Arr:
    """Steps a leader can afford: approval after the cost stays at or above the floor
    (plus the initiative margin when the leader would be moving first).

    Putnam (1988): low political capital narrows the win-set; a leader below the floor can take
    no costly step.
    """
    return (approval[..., None] - cost) >= (floor + margin)[..., None]


def available_steps(taken: Arr, coop_rok_jpn: Arr, owned: Arr) -> Arr:
    """Steps on the table for each leader (R, n, K): not yet taken, owned, trust sufficient.

    The ladder (sim.core.steps) orders the record's steps; a step needs some trust (min_coop) before
    it can be proposed.
    """
    ready = coop_rok_jpn[..., None] >= S.MIN_COOP
    return (~taken)[:, None, :] & owned[None, :, :] & ready


def latest_reversible(taken: Arr, taken_month: Arr, owned: Arr) -> Arr:
    """Index of each leader's most recent reversible step (R, n), -1 if none."""
    cand = taken[:, None, :] & owned[None, :, :] & S.REVERSIBLE
    score = np.where(cand, taken_month[:, None, :] * S.N_STEPS + S.ORDER, -1)
    best = np.argmax(score, axis=-1)
    return np.where(np.max(score, axis=-1) >= 0, best, -1)


def resolve_actions(
    proposal: Arr, accept: Arr, feasible: Arr, affordable: Arr, available: Arr, reversible: Arr
) -> tuple[Arr, Arr, Arr]:
    """Turn both leaders' choices into what happens this month.

    Own steps happen if feasible. A joint step happens only if both leaders agree (one proposes,
    the other proposes it too or accepts it), the proposer can afford to lead and the partner can
    afford to answer: two-level games need both ratifications (Putnam 1988). At most one joint step a month; ROK's proposal is considered
    first. A reversal withdraws the leader's most recent reversible step.

    Args:
        proposal: (R, 2) step index, NONE or REVERSE for (ROK, JPN).
        accept: (R, 2, K) steps each leader would join if the partner proposes them.
        feasible: (R, 2, K) steps each leader can afford to take first (with the initiative margin).
        affordable: (R, 2, K) steps each leader can afford in answer to the partner (floor only).
        available: (R, 2, K) steps on the table.
        reversible: (R, 2) from :func:`latest_reversible`.

    Returns:
        paid: (R, 2, K) steps each leader took (and pays for) this month.
        executed: (R, K) steps newly taken this month.
        reversed_by: (R, 2, K) steps each leader withdrew this month.
    """
    runs = proposal.shape[0]
    r = np.arange(runs)
    paid = np.zeros(feasible.shape, dtype=bool)
    reversed_by = np.zeros(feasible.shape, dtype=bool)
    joint_done = np.zeros(runs, dtype=bool)
    for d in (0, 1):
        o = 1 - d
        prop = proposal[:, d]
        k = np.maximum(prop, 0)
        valid = (prop >= 0) & available[r, d, k] & feasible[r, d, k]
        is_joint = S.JOINT[k]
        own = valid & ~is_joint
        partner_agrees = (accept[r, o, k] | (proposal[:, o] == prop)) & affordable[r, o, k]
        joint = valid & is_joint & partner_agrees & available[r, o, k] & ~joint_done
        paid[r, d, k] |= own | joint
        paid[r, o, k] |= joint
        joint_done |= joint
        rev = (prop == REVERSE) & (reversible[:, d] >= 0)
        kr = np.maximum(reversible[:, d], 0)
        reversed_by[r, d, kr] |= rev
    executed = paid[:, 0, :] | paid[:, 1, :]
    return paid, executed, reversed_by


# ---------------------------------------------------------------------------- consequences


def weighted_step_sum(flags: Arr, weights: Arr) -> Arr:
    """Sum of per-step weights over flagged steps along the last axis, in ladder order.

    Written as an explicit loop so the summation order never depends on the array's shape.
    """
    acc = np.zeros(flags.shape[:-1])
    for k in range(flags.shape[-1]):
        acc = acc + flags[..., k] * weights[..., k]
    return acc


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
    excess = np.maximum(us_coercion - p.us_backlash_tolerance, 0.0)
    return np.minimum(
        np.maximum(
            approval
            + p.approval_drift * (baseline - approval)
            - paid_cost
            + reversal_credit
            + p.reciprocity_credit * reciprocated
            + p.rally_per_launch * launches
            - p.coercion_approval_cost * pressure_from_china * dependence
            - p.us_backlash_cost * excess
            + noise,
            0.02,
        ),
        0.98,
    )


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
    return np.minimum(np.maximum(alignment + step, -1.0), 1.0)


def us_cooperation_after_month(coop_us: Arr, grade: Arr, trilateral_gain: Arr, p: Any) -> Arr:
    """Each US alliance's cooperation follows the partner's contribution (reward/punish).

    EAI commentary: the US grades allies ('linchpin', 'cornerstone') by contribution; trilateral
    steps also deepen each alliance.
    """
    return clip01(
        coop_us + p.us_reward_rate * (grade - coop_us) + p.trilateral_us_share * trilateral_gain
    )


def step_trust(p: Any) -> Arr:
    """Trust each step brings, (K,) or (R, K): the ladder's gains times ``trust_gain_scale``.

    The ladder's gains are stylised; their overall scale is the pace of trust the record informs.
    """
    return S.GAIN * np.asarray(p.trust_gain_scale)


def cooperation_anchor(locked_trust: Arr, p: Any) -> Arr:
    """The level ROK-Japan cooperation decays toward: raised by irreversible steps.

    Institutionalisation: summits held and mechanisms created (Camp David) lock in cooperation;
    reversible gestures do not.
    """
    return clip01(p.coop_anchor_base + p.lock_in * locked_trust)


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


def trilateral_index(coop: Arr) -> Arr:
    """Trilateral cooperation index: harmonic mean of the three pairwise levels (R, 1).

    The harmonic mean is held down by the weakest link: ROK-Japan ties are 'the missing link in
    the US network' (EAI commentary).
    """
    c = np.maximum(coop, 1e-6)
    return 3.0 / (1.0 / c[:, 0:1] + 1.0 / c[:, 1:2] + 1.0 / c[:, 2:3])


def institution_update(
    index: Arr,
    above: Arr,
    below: Arr,
    inst_month: Arr,
    collapse_month: Arr,
    month: int,
    p: Any,
) -> tuple[Arr, Arr, Arr, Arr]:
    """Institutionalised trilateral cooperation and its later collapse.

    Institutionalised: the index at or above ``institution_threshold`` for ``institution_months``
    consecutive months (Camp David, 18 Aug 2023, is the real instance). Collapsed: after that, the
    index below ``collapse_threshold`` for ``collapse_months`` consecutive months. Months are the
    month the condition is first met; -1 means never.
    """
    above = np.where(index >= p.institution_threshold, above + 1, 0)
    newly = (inst_month < 0) & (above >= p.institution_months)
    inst_month = np.where(newly, month, inst_month)
    after = inst_month >= 0
    below = np.where(after & (index < p.collapse_threshold), below + 1, 0)
    newly_c = after & (collapse_month < 0) & (below >= p.collapse_months)
    collapse_month = np.where(newly_c, month, collapse_month)
    return above, below, inst_month, collapse_month


def japan_replacement(approval_jpn: Arr, low_months: Arr, p: Any) -> tuple[Arr, Arr]:
    """LDP replaces its leader after ``jpn_replacement_months`` months below the threshold."""
    low_months = np.where(approval_jpn < p.jpn_replacement_threshold, low_months + 1, 0)
    return low_months, low_months >= p.jpn_replacement_months
