"""Typed, frozen parameter objects: each parameter declared once.

Every numeric parameter is declared here with its meaning, unit or scale, default, valid range,
group and source. Validation (``sim.scenario``), CLI help, the app's sliders, the key reference
in ``scenarios/README.md`` and the JSON Schema are all derived from these declarations.

Scales used throughout:
    alignment: -1 (Chinese camp) .. +1 (US camp)
    approval, fears, grievance, threat, cooperation, coercion, commitment: 0 .. 1
    time: months from the start month (month 0 = August 2022 by default)

The core is pure: this module does no I/O.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

ACTORS = ("US", "CHN", "ROK", "JPN")
DEMOCRACIES = ("ROK", "JPN")
PATRONS = ("US", "CHN")
PAIRS = ("ROK-JPN", "ROK-US", "JPN-US")

#: The patrons' inputs: the parameters the monthly record traces as inputs and scenarios usually
#: schedule (every numeric parameter may be scheduled: :func:`schedulable`).
SCHEDULABLE = ("us_coercion", "china_coercion", "us_commitment")


def _p(
    default: float,
    lo: float,
    hi: float,
    unit: str,
    meaning: str,
    source: str,
    group: str,
    integer: bool = False,
) -> Any:
    return field(
        default=default,
        metadata={
            "lo": lo,
            "hi": hi,
            "unit": unit,
            "meaning": meaning,
            "source": source,
            "group": group,
            "integer": integer,
        },
    )


@dataclass(frozen=True)
class Params:
    """All numeric parameters of the model (see module docstring for scales)."""

    # ---- initial conditions (August 2022) -----------------------------------------------------
    rok_approval0: float = _p(
        0.24, 0.0, 1.0, "share", "ROK leader's approval at month 0",
        "Gallup Korea, 2-4 Aug 2022: 24%", "initial")  # fmt: skip
    jpn_approval0: float = _p(
        0.59, 0.0, 1.0, "share", "Japanese leader's (cabinet) approval at month 0",
        "NHK, June and July 2022: 59%", "initial")  # fmt: skip
    rok_alignment0: float = _p(
        0.55, -1.0, 1.0, "-1 China .. +1 US", "ROK alignment at month 0",
        "US ally hedging on China (THAAD 'three no's'); rationale", "initial")  # fmt: skip
    jpn_alignment0: float = _p(
        0.80, -1.0, 1.0, "-1 China .. +1 US", "Japan's alignment at month 0",
        "Closest US ally in the region; rationale", "initial")  # fmt: skip
    coop_rok_jpn0: float = _p(
        0.15, 0.0, 1.0, "index 0..1", "ROK-Japan cooperation at month 0",
        "Strained since the 2018 forced-labour ruling and 2019 whitelist removal", "initial")  # fmt: skip
    coop_rok_us0: float = _p(
        0.70, 0.0, 1.0, "index 0..1", "ROK-US cooperation at month 0",
        "Treaty alliance; rationale", "initial")  # fmt: skip
    coop_jpn_us0: float = _p(
        0.80, 0.0, 1.0, "index 0..1", "Japan-US cooperation at month 0",
        "Treaty alliance ('cornerstone'); rationale", "initial")  # fmt: skip
    rok_grievance0: float = _p(
        0.70, 0.0, 1.0, "salience 0..1", "Salience of historical grievance toward Japan in the ROK public",
        "Forced-labour ruling (2018); 59% opposed the 2023 compensation plan", "initial")  # fmt: skip
    jpn_grievance0: float = _p(
        0.50, 0.0, 1.0, "salience 0..1", "Salience of grievance toward the ROK in the Japanese public",
        "Rationale: 2019 trade dispute", "initial")  # fmt: skip
    rok_threat0: float = _p(
        0.70, 0.0, 1.0, "perception 0..1", "ROK threat perception (North Korea, China) at month 0",
        "31 North Korean ballistic missile launches Jan-Aug 2022 (EAI commentary)", "initial")  # fmt: skip
    jpn_threat0: float = _p(
        0.60, 0.0, 1.0, "perception 0..1", "Japan's threat perception at month 0",
        "Rationale: missile overflight risk, China's military growth", "initial")  # fmt: skip
    rok_abandonment0: float = _p(
        0.40, 0.0, 1.0, "fear 0..1", "ROK fear of US abandonment at month 0",
        "Snyder 1984; rationale", "initial")  # fmt: skip
    jpn_abandonment0: float = _p(
        0.40, 0.0, 1.0, "fear 0..1", "Japan's fear of US abandonment at month 0",
        "Snyder 1984; rationale", "initial")  # fmt: skip
    rok_entrapment0: float = _p(
        0.30, 0.0, 1.0, "fear 0..1", "ROK fear of entrapment in US-China conflict at month 0",
        "Snyder 1984; rationale", "initial")  # fmt: skip
    jpn_entrapment0: float = _p(
        0.25, 0.0, 1.0, "fear 0..1", "Japan's fear of entrapment at month 0",
        "Snyder 1984; rationale", "initial")  # fmt: skip
    rok_china_dependence: float = _p(
        0.23, 0.0, 1.0, "share of exports", "ROK economic dependence on China",
        "China and Hong Kong took about a quarter of ROK exports in 2022", "economy")  # fmt: skip
    jpn_china_dependence: float = _p(
        0.19, 0.0, 1.0, "share of exports", "Japan's economic dependence on China",
        "China took about a fifth of Japanese exports in 2022", "economy")  # fmt: skip

    # ---- leaders and domestic politics (Putnam 1988) -------------------------------------------
    rok_approval_baseline: float = _p(
        0.33, 0.0, 1.0, "share", "Approval the ROK leader drifts back to without events",
        "Yoon's polls Aug 2022-Jul 2023 stayed within 24-37% (Gallup Korea)", "leaders")  # fmt: skip
    jpn_approval_baseline: float = _p(
        0.45, 0.0, 1.0, "share", "Approval the Japanese leader drifts back to",
        "Kishida 38-59% Jun 2022-May 2023 (NHK)", "leaders")  # fmt: skip
    approval_drift: float = _p(
        0.10, 0.0, 1.0, "per month", "Share of the gap to the baseline approval closed each month",
        "Rationale: polls revert within a few months of an event", "leaders")  # fmt: skip
    rok_approval_floor: float = _p(
        0.20, 0.0, 1.0, "share", "ROK approval below which the leader takes no costly step",
        "Putnam 1988 (win-set shrinks with capital); Yoon acted at 24-37%", "leaders")  # fmt: skip
    jpn_approval_floor: float = _p(
        0.25, 0.0, 1.0, "share", "Japanese approval below which the leader takes no costly step",
        "Putnam 1988; rationale", "leaders")  # fmt: skip
    concession_cost_scale: float = _p(
        1.0, 0.0, 5.0, "multiplier", "Scales every step's domestic approval cost",
        "Putnam 1988; calibration target: Yoon -4 points after the compensation plan", "leaders")  # fmt: skip
    reciprocity_credit: float = _p(
        0.005, 0.0, 0.1, "approval per month", "Approval earned when both leaders moved within two months",
        "Putnam 1988: visible reciprocity eases ratification", "leaders")  # fmt: skip
    rally_per_launch: float = _p(
        0.001, 0.0, 0.02, "approval per launch", "Rally-round-the-flag approval gain per North Korean launch",
        "Rationale: small, short-lived rally effects", "leaders")  # fmt: skip
    coercion_approval_cost: float = _p(
        0.04, 0.0, 0.5, "approval per month at full coercion x dependence", "Approval cost of Chinese economic coercion",
        "Drezner 2003: costs in proportion to dependence", "leaders")  # fmt: skip
    us_backlash_tolerance: float = _p(
        0.60, 0.0, 1.0, "coercion 0..1", "US pressure above which the public resents it",
        "Rationale: a stylised threshold behind H2; its effect is measured by the coercion sweep, not assumed to hold", "leaders")  # fmt: skip
    us_backlash_cost: float = _p(
        0.04, 0.0, 0.5, "approval per month per unit excess", "Approval cost of US pressure above the tolerance",
        "Rationale for H2: heavy pressure makes concessions look like capitulation", "leaders")  # fmt: skip
    us_backlash_step_mult: float = _p(
        2.0, 0.0, 10.0, "multiplier per unit excess", "Extra domestic cost of a step under US pressure above the tolerance",
        "Rationale for H2", "leaders")  # fmt: skip
    approval_noise: float = _p(
        0.012, 0.0, 0.1, "approval (half-width)", "Monthly poll noise (triangular, this half-width)",
        "Gallup Korea month-to-month changes of 1-4 points", "leaders")  # fmt: skip
    honeymoon_approval: float = _p(
        0.50, 0.0, 1.0, "share", "Approval of a new leader",
        "Yoon 52% in May 2022 (Gallup Korea)", "leaders")  # fmt: skip
    rok_term_end_month: float = _p(
        57, 0, 600, "month", "Month the ROK president's single five-year term ends",
        "Yoon inaugurated May 2022: term to May 2027", "leaders", integer=True)  # fmt: skip
    jpn_replacement_threshold: float = _p(
        0.25, 0.0, 1.0, "share", "Approval below which the LDP replaces the Japanese leader",
        "Rationale: LDP leaders step down when approval falls to the low 20s", "leaders")  # fmt: skip
    jpn_replacement_months: float = _p(
        3, 1, 24, "months", "Consecutive months below the threshold before replacement",
        "Rationale", "leaders", integer=True)  # fmt: skip
    motivation_threshold: float = _p(
        0.50, -1.0, 3.0, "motivation", "Least motivation (fears + incentive) at which a leader initiates a step",
        "Snyder 1984 / Cha 1999: leaders move when abandonment fear outweighs entrapment", "leaders")  # fmt: skip
    initiative_margin: float = _p(
        0.10, 0.0, 0.5, "approval", "Extra approval above the floor a leader needs to move first (no partner step within the window)",
        "Putnam 1988; EAI commentary: Kishida, with a strong majority, can move first; Yoon at 24% cannot", "leaders")  # fmt: skip
    reciprocity_window: float = _p(
        2, 1, 12, "months", "A partner's step this recent lets a leader reciprocate without the initiative margin",
        "Record: the ROK reciprocated Japan's visa step within three weeks (Oct-Nov 2022)", "leaders", integer=True)  # fmt: skip
    small_step_interval: float = _p(
        1, 1, 24, "months", "Least months between two of a small-steps leader's own steps",
        "EAI commentary: 'small but persistent steps'", "leaders", integer=True)  # fmt: skip

    # ---- patrons (commentary; Drezner 1998, 2003) ----------------------------------------------
    us_coercion: float = _p(
        0.40, 0.0, 1.0, "pressure 0..1", "US pressure on partners to align and mend ties (schedulable)",
        "EAI commentary: allies treated 'according to their contributions'", "patrons")  # fmt: skip
    china_coercion: float = _p(
        0.30, 0.0, 1.0, "pressure 0..1", "China's baseline coercion of US partners (schedulable)",
        "THAAD 'three no's plus one limit' (Aug 2022); Global Security Initiative", "patrons")  # fmt: skip
    us_commitment: float = _p(
        0.70, 0.0, 1.0, "credibility 0..1", "US commitment and credibility to its allies (schedulable)",
        "Snyder 1984; 2024 re-test: restored credibility", "patrons")  # fmt: skip
    alignment_rate: float = _p(
        0.05, 0.0, 1.0, "per month", "Speed at which alignment answers patron pressure",
        "Rationale: alignment shifts slowly", "patrons")  # fmt: skip
    china_leverage: float = _p(
        2.0, 0.0, 10.0, "multiplier", "How strongly dependence turns Chinese coercion into pull",
        "Drezner 2003", "patrons")  # fmt: skip
    china_backlash: float = _p(
        0.30, 0.0, 1.0, "pull offset", "Share of coercion that hardens the public against China",
        "Drezner 1998: coercion can harden opinion against the sender", "patrons")  # fmt: skip
    threat_alignment_pull: float = _p(
        0.5, 0.0, 2.0, "multiplier", "How strongly threat above 0.5 pulls a partner toward the US",
        "Balance-of-threat rationale", "patrons")  # fmt: skip
    china_targeting: float = _p(
        0.5, 0.0, 1.0, "share", "Share of China's coercion aimed by the partner's contribution to the US camp",
        "EAI commentary: each camp's leader grades partners by contribution", "patrons")  # fmt: skip
    us_reward_rate: float = _p(
        0.05, 0.0, 1.0, "per month", "Speed at which US cooperation with a partner follows its contribution",
        "EAI commentary: 'linchpin', 'cornerstone'", "patrons")  # fmt: skip
    contribution_alignment_weight: float = _p(
        0.6, 0.0, 1.0, "weight", "Weight of alignment (vs ROK-Japan cooperation) in a partner's contribution grade",
        "Rationale: the US asked for alignment and for mended ties", "patrons")  # fmt: skip
    china_episode_rate: float = _p(
        0.04, 0.0, 1.0, "per month", "Chance a Chinese coercion episode starts in a month",
        "Visa suspension 10 Jan-Feb 2023; THAAD pressure Aug 2022", "exogenous")  # fmt: skip
    china_episode_size: float = _p(
        0.30, 0.0, 1.0, "pressure", "Added coercion during an episode",
        "Rationale", "exogenous")  # fmt: skip
    china_episode_months: float = _p(
        2, 1, 24, "months", "Length of a coercion episode",
        "Visa suspension lasted about a month", "exogenous", integer=True)  # fmt: skip

    # ---- threat, grievance and exogenous events -------------------------------------------------
    nk_launch_rate: float = _p(
        4.0, 0.0, 20.0, "launches per month", "Mean North Korean missile launches per month (Poisson)",
        "31 launches Jan-Aug 2022 (EAI commentary); 60-70 in 2022", "exogenous")  # fmt: skip
    threat_per_launch: float = _p(
        0.005, 0.0, 0.2, "threat per launch", "Threat-perception rise per launch",
        "Rationale", "exogenous")  # fmt: skip
    threat_baseline: float = _p(
        0.50, 0.0, 1.0, "perception", "Threat perception without launches",
        "Rationale", "exogenous")  # fmt: skip
    threat_decay: float = _p(
        0.10, 0.0, 1.0, "per month", "Share of the gap to the threat baseline closed each month",
        "Rationale", "exogenous")  # fmt: skip
    flashpoint_rate: float = _p(
        0.05, 0.0, 1.0, "per month", "Chance of a history flashpoint in each public each month",
        "Textbooks, Sado mine, Yasukuni visits: a few a year", "exogenous")  # fmt: skip
    flashpoint_size: float = _p(
        0.15, 0.0, 1.0, "salience", "Grievance-salience rise in a flashpoint",
        "Rationale", "exogenous")  # fmt: skip
    flashpoint_coop_hit: float = _p(
        0.04, 0.0, 0.5, "cooperation", "ROK-Japan cooperation lost per flashpoint, times grievance",
        "Rationale", "exogenous")  # fmt: skip
    grievance_baseline: float = _p(
        0.40, 0.0, 1.0, "salience", "Grievance salience the publics drift back to",
        "Rationale", "exogenous")  # fmt: skip
    grievance_decay: float = _p(
        0.03, 0.0, 1.0, "per month", "Share of the gap to the grievance baseline closed each month",
        "EAI commentary: historical disputes take long to resolve", "exogenous")  # fmt: skip
    grievance_relief: float = _p(
        0.3, 0.0, 2.0, "salience per trust", "Grievance relief per unit of trust a step brings",
        "Rationale", "exogenous")  # fmt: skip

    # ---- fears (Snyder 1984; Cha 1999) ---------------------------------------------------------
    fear_rate: float = _p(
        0.3, 0.0, 1.0, "per month", "Share of the gap to the fear targets closed each month",
        "Rationale", "fears")  # fmt: skip
    abandonment_slack: float = _p(
        1.2, 1.0, 2.0, "offset", "Abandonment target = threat x (slack - commitment)",
        "Snyder 1984: more commitment, less abandonment fear", "fears")  # fmt: skip
    entrapment_base: float = _p(
        0.2, 0.0, 1.0, "fear", "Entrapment target at zero US pressure and dependence, per unit commitment",
        "Snyder 1984: more commitment, more entrapment fear", "fears")  # fmt: skip
    entrapment_pressure_weight: float = _p(
        0.4, 0.0, 2.0, "weight", "Entrapment added per unit of US pressure, per unit commitment",
        "Snyder 1984", "fears")  # fmt: skip
    entrapment_dependence_weight: float = _p(
        0.5, 0.0, 2.0, "weight", "Entrapment added per unit of dependence on China",
        "Rationale: dependent states pay most when dragged into rivalry", "fears")  # fmt: skip
    entrapment_weight: float = _p(
        1.0, 0.0, 3.0, "weight", "Weight of entrapment fear against abandonment fear in a leader's motivation",
        "Snyder 1984", "fears")  # fmt: skip

    # ---- cooperation and institutions ------------------------------------------------------------
    commitment_effect: float = _p(
        0.5, -1.0, 1.0, "signed weight", "Effect of US commitment on ROK-Japan cooperation: <0 Cha 1999, >0 the 2024 re-test",
        "Cha 1999; Asian J. Pol. Sci. 2024 doi:10.1080/02185377.2024.2345057", "cooperation")  # fmt: skip
    cha_symmetry_weight: float = _p(
        0.5, 0.0, 2.0, "weight", "Weight of shared (symmetric) abandonment fear minus asymmetry in the cooperation incentive",
        "Cha 1999: symmetric fears, less friction", "cooperation")  # fmt: skip
    threat_incentive_weight: float = _p(
        0.5, 0.0, 2.0, "weight", "Weight of shared threat in the cooperation incentive",
        "2024 re-test: shared threat", "cooperation")  # fmt: skip
    pressure_incentive_weight: float = _p(
        0.6, 0.0, 2.0, "weight", "Weight of US pressure in the cooperation incentive",
        "EAI commentary: US pressure to mend ties", "cooperation")  # fmt: skip
    incentive_coop_rate: float = _p(
        0.01, 0.0, 0.5, "cooperation per month", "ROK-Japan cooperation drift per unit of incentive",
        "Rationale", "cooperation")  # fmt: skip
    trust_gain_scale: float = _p(
        1.0, 0.2, 2.0, "multiplier", "Scales the trust every step brings (and a reversal takes away): the pace of trust",
        "Rationale: the ladder's gains are stylised; the record's pace informs them (calibration)", "cooperation")  # fmt: skip
    coop_decay: float = _p(
        0.04, 0.0, 1.0, "per month", "Share of the gap between cooperation and its institutional anchor lost per month",
        "Rationale: trust not locked in by institutions erodes", "cooperation")  # fmt: skip
    coop_anchor_base: float = _p(
        0.10, 0.0, 1.0, "cooperation", "ROK-Japan cooperation anchor with no institution",
        "Rationale", "cooperation")  # fmt: skip
    lock_in: float = _p(
        0.8, 0.0, 2.0, "anchor per trust", "Anchor raised per unit of trust from irreversible steps",
        "Institutionalisation (Camp David commitments)", "cooperation")  # fmt: skip
    reversal_trust_penalty: float = _p(
        1.5, 0.0, 5.0, "multiplier", "Trust lost by reversing a step, as a multiple of its gain",
        "Rationale: 2015 agreement's repudiation cost more than it gained", "cooperation")  # fmt: skip
    reversal_approval_credit: float = _p(
        0.5, 0.0, 2.0, "multiplier", "Approval regained by reversing a step, as a multiple of its cost",
        "Rationale", "cooperation")  # fmt: skip
    trilateral_us_share: float = _p(
        0.5, 0.0, 1.0, "share", "Share of a trilateral step's trust that also goes to each US alliance",
        "Rationale", "cooperation")  # fmt: skip
    institution_threshold: float = _p(
        0.62, 0.0, 1.0, "index", "Trilateral index needed for institutionalised cooperation",
        "Camp David (18 Aug 2023) as the real instance", "cooperation")  # fmt: skip
    institution_months: float = _p(
        3, 1, 24, "months", "Consecutive months at or above the threshold for institutionalisation",
        "Rationale: sustained, not a spike", "cooperation", integer=True)  # fmt: skip
    collapse_threshold: float = _p(
        0.40, 0.0, 1.0, "index", "Trilateral index below which institutionalised cooperation is collapsing",
        "Rationale", "cooperation")  # fmt: skip
    collapse_months: float = _p(
        3, 1, 24, "months", "Consecutive months below the collapse threshold for a collapse",
        "Rationale", "cooperation", integer=True)  # fmt: skip

    # ---- political capital that moves (Mueller 1970; Lewis-Beck & Stegmaier 2000) -------------
    rok_stance0: float = _p(
        0.6, -1.0, 1.0, "-1 hostile .. +1 friendly", "ROK leader's stance toward Japan at month 0",
        "Yoon campaigned on mending ties with Japan (2022)", "capital")  # fmt: skip
    jpn_stance0: float = _p(
        0.4, -1.0, 1.0, "-1 hostile .. +1 friendly", "Japanese leader's stance toward the ROK at month 0",
        "Kishida: cautious, open to a deal once Seoul settled the forced-labour issue", "capital")  # fmt: skip
    approval_volatility: float = _p(
        0.027, 0.0, 0.1, "approval per month (sd)", "Monthly shocks to the approval baseline (events, economy): standard deviation",
        "Estimated from consecutive polls Aug 2022-Aug 2023 net of sampling error (sim.validation.volatility; an upper bound); neutral 0", "capital")  # fmt: skip
    baseline_reversion: float = _p(
        0.05, 0.0, 1.0, "per month", "Share of the gap between the moving baseline and the long-run baseline closed each month (a new leader's honeymoon fades at this pace)",
        "Mueller 1970: a honeymoon that decays; neutral 1 (the baseline never moves)", "capital")  # fmt: skip
    scandal_rate: float = _p(
        0.01, 0.0, 0.2, "per month", "Chance of a scandal that lowers a leader's approval baseline",
        "Park Geun-hye 2016 (approval to 4-5%); neutral 0", "capital")  # fmt: skip
    scandal_size: float = _p(
        0.10, 0.0, 0.5, "approval", "Drop of the approval baseline in a scandal",
        "Rationale: a lasting loss of a few to 30 points", "capital")  # fmt: skip
    early_exit_rate: float = _p(
        0.10, 0.0, 1.0, "per month at zero approval", "Monthly chance of early exit (impeachment, resignation, the party replacing its leader) at zero approval; falls linearly to 0 at `early_exit_approval`",
        "Park impeached Dec 2016 at 4-5% approval; the 'Aoki rule' in Japan; neutral 0", "capital")  # fmt: skip
    early_exit_approval: float = _p(
        0.15, 0.0, 0.5, "share", "Approval below which early exit becomes possible",
        "Rationale: single-digit or low-teens approval precedes forced exits", "capital")  # fmt: skip
    rok_opposition_prob: float = _p(
        0.5, 0.0, 1.0, "probability", "Chance the ROK leader's successor comes from the other camp",
        "ROK presidency alternated between camps in 2017 and 2022; neutral 0", "capital")  # fmt: skip
    jpn_opposition_prob: float = _p(
        0.1, 0.0, 1.0, "probability", "Chance the Japanese leader's successor takes the other line toward the ROK",
        "LDP dominance: successors usually continue the line; neutral 0", "capital")  # fmt: skip
    opposition_stance_shift: float = _p(
        1.0, 0.0, 2.0, "stance", "How much less friendly an opposition successor's stance is than the predecessor's",
        "Moon Jae-in (2017) after Park; neutral 0", "capital")  # fmt: skip
    successor_stance_spread: float = _p(
        0.3, 0.0, 1.0, "stance (half-width)", "Spread of a successor's stance around its expected value (uniform)",
        "Rationale; neutral 0", "capital")  # fmt: skip
    stance_motivation_weight: float = _p(
        0.3, 0.0, 1.0, "motivation per stance", "Weight of a leader's stance toward the partner in its motivation",
        "Rationale: leaders differ in how much they value the partner; neutral 0", "capital")  # fmt: skip

    # ---- open-ended cooperation and lock-in (Ikenberry 2001; Pierson 2000; Fearon 1994) --------
    deepening_rate: float = _p(
        0.05, 0.0, 0.5, "per month", "Growth of institutional depth in a month of joint activity (exercises, data sharing, standing mechanisms)",
        "Pierson 2000: increasing returns; neutral 0", "lock_in")  # fmt: skip
    depth_decay: float = _p(
        0.03, 0.0, 0.5, "per month", "Share of institutional depth lost in a month without joint activity",
        "Rationale: unused mechanisms wither", "lock_in")  # fmt: skip
    activity_trust: float = _p(
        0.01, 0.0, 0.05, "cooperation per month", "ROK-Japan trust from a month of joint activity (times trust_gain_scale)",
        "Rationale: routine cooperation builds trust; neutral 0", "lock_in")  # fmt: skip
    depth_anchor: float = _p(
        0.3, 0.0, 1.0, "anchor per depth", "Cooperation anchor raised per unit of institutional depth",
        "Ikenberry 2001: institutions lock in; neutral 0", "lock_in")  # fmt: skip
    engagement_slack: float = _p(
        0.3, 0.0, 2.0, "motivation", "How far below the initiative threshold a leader's motivation may be and still keep up joint activity",
        "Rationale: keeping up is cheaper than starting", "lock_in")  # fmt: skip
    exit_cost_base: float = _p(
        0.01, 0.0, 0.1, "approval", "Approval cost of reversing any public commitment",
        "Fearon 1994: audience costs; neutral 0", "lock_in")  # fmt: skip
    exit_cost_depth: float = _p(
        0.05, 0.0, 0.3, "approval per depth", "Exit cost added per unit of institutional depth (bureaucratic ties, constituencies)",
        "Ikenberry 2001; Keohane 1984; neutral 0", "lock_in")  # fmt: skip
    exit_cost_us: float = _p(
        0.02, 0.0, 0.1, "approval per commitment", "Exit cost added per unit of US commitment (the patron's reaction)",
        "Rationale: Washington objects to unravelling (GSOMIA, Nov 2019); neutral 0", "lock_in")  # fmt: skip
    reversal_weight: float = _p(
        1.0, 0.0, 5.0, "weight", "Weight any leader puts on the domestic gain of reversing a step against its exit cost",
        "Rationale: reversal is a choice open to every leader; neutral 0 (only hardliners reverse)", "lock_in")  # fmt: skip
    hardline_reversal_weight: float = _p(
        5.0, 0.0, 20.0, "weight", "The same weight for a hardline leader",
        "Rationale: a leader elected against the deal values undoing it more", "lock_in")  # fmt: skip

    # ---- pressure that can hurt (Drezner 1999) -------------------------------------------------
    resentment_rate: float = _p(
        0.10, 0.0, 1.0, "per unit excess per month", "Public resentment of US pressure added per unit of pressure above the tolerance",
        "Drezner 1999: visible pressure turns opinion against the demand; neutral 0", "backlash")  # fmt: skip
    resentment_decay: float = _p(
        0.10, 0.0, 1.0, "per month", "Share of resentment that fades each month",
        "Rationale", "backlash")  # fmt: skip
    resentment_motivation_weight: float = _p(
        0.5, 0.0, 2.0, "motivation per resentment", "Motivation lost per unit of resentment; resentment also adds to the domestic gain of reversing",
        "Rationale: concessions under pressure look like capitulation; neutral 0", "backlash")  # fmt: skip
    china_cost_weight: float = _p(
        1.0, 0.0, 5.0, "multiplier", "Extra domestic cost of steps per unit of Chinese pressure x dependence",
        "Drezner 2003: coercion raises the cost of alignment; neutral 0", "backlash")  # fmt: skip
    china_hardening: float = _p(
        0.3, 0.0, 2.0, "motivation per pressure", "Motivation gained per unit of Chinese pressure felt (opinion hardens against the sender)",
        "Drezner 1999; neutral 0", "backlash")  # fmt: skip

    # ---- the grand bargain as a bundle (Putnam 1988) -------------------------------------------
    bargain_bundle: float = _p(
        1, 0, 1, "switch", "1: the grand bargain also takes the summit, restored trade and security steps still open, at the bargain's cost",
        "December 2015 agreement; March 2023 package; neutral 0 (the settlement alone)", "bargain", integer=True)  # fmt: skip
    bargain_expected_value: float = _p(
        1, 0, 1, "switch", "1: a leader takes or joins the bargain when its expected value is positive; 0: when its cost fits above the floor",
        "Putnam 1988; neutral 0", "bargain", integer=True)  # fmt: skip
    bargain_value: float = _p(
        0.25, 0.0, 2.0, "approval per motivation", "Value a leader puts on the bargain per unit of motivation",
        "Precedents: Park struck the December 2015 deal at moderate approval (about 40%); Yoon, at 24-37%, took the March 2023 plan step by step. The record does not identify it: the audit varies it", "bargain")  # fmt: skip
    bargain_risk_weight: float = _p(
        2.0, 0.0, 5.0, "weight", "Weight of the risk of early exit (approval after the cost below `early_exit_approval`) in the bargain's value",
        "Rationale: a leader weighs losing office", "bargain")  # fmt: skip

    # ---- alignment and fears feed decisions (Kuik 2008; Cha 1999) -----------------------------
    alignment_motivation_weight: float = _p(
        0.3, 0.0, 1.0, "motivation per alignment", "Weight of a state's alignment in its leader's motivation for trilateral steps",
        "Kuik 2008: how far a middle power leans shapes what it does with the other camp's partners; neutral 0", "decisions")  # fmt: skip
    ally_signal_rate: float = _p(
        0.03, 0.0, 0.5, "per month", "Chance a US signal (cost-sharing demand, troop posture, trade measure) targets one ally",
        "Cha 1999: asymmetric abandonment fears; neutral 0", "decisions")  # fmt: skip
    ally_signal_size: float = _p(
        0.2, 0.0, 0.5, "commitment", "Drop of the targeted ally's perceived US commitment in a signal",
        "Rationale", "decisions")  # fmt: skip
    ally_signal_decay: float = _p(
        0.1, 0.0, 1.0, "per month", "Share of a signal's effect that fades each month",
        "Rationale", "decisions")  # fmt: skip
    decline_unmotivated: float = _p(
        1, 0, 1, "switch", "1: a leader declines a joint step unless motivated (within the engagement slack)",
        "Putnam 1988: both sides must ratify; neutral 0 (join whenever affordable)", "decisions", integer=True)  # fmt: skip


PARAM_FIELDS: dict[str, dataclasses.Field[Any]] = {f.name: f for f in dataclasses.fields(Params)}


def param_info(name: str) -> dict[str, Any]:
    """The declaration of one parameter: default, lo, hi, unit, meaning, source, group."""
    f = PARAM_FIELDS[name]
    return {"name": name, "default": f.default, **f.metadata}


def param_table() -> list[dict[str, Any]]:
    """Every parameter's declaration, in declaration order."""
    return [param_info(n) for n in PARAM_FIELDS]


def out_of_range(name: str, value: float) -> str | None:
    """Say why ``value`` is not valid for ``name``, or None if it is."""
    m = PARAM_FIELDS[name].metadata
    if not (m["lo"] <= value <= m["hi"]):
        return f"a number in [{m['lo']}, {m['hi']}] ({m['unit']})"
    if m["integer"] and float(value) != int(value):
        return f"a whole number in [{m['lo']}, {m['hi']}] ({m['unit']})"
    return None


#: Constraints between parameters: (description, predicate on Params).
CONSTRAINTS: tuple[tuple[str, str, str], ...] = (
    ("collapse_threshold", "institution_threshold", "collapse_threshold < institution_threshold"),
)


def constraint_violations(params: Params) -> list[tuple[str, str]]:
    """(key, what is expected) for each violated constraint between parameters."""
    out = []
    for lower, upper, text in CONSTRAINTS:
        if not getattr(params, lower) < getattr(params, upper):
            out.append(
                (lower, f"{text} (here {getattr(params, lower)} and {getattr(params, upper)})")
            )
    return out


def schedulable(name: str) -> bool:
    """Whether a scenario may give ``name`` as a schedule: every declared numeric parameter."""
    return name in PARAM_FIELDS


# ------------------------------------------------------------------------- shock kinds
#: What a data-declared shock kind may change in the state (besides any parameter):
#: name -> (per democracy, lowest, highest, meaning). The month keeps these as state columns
#: (``sim.core.month.STATE_TARGET_COLUMN``); a result outside the range is clipped to it.
STATE_TARGETS: dict[str, tuple[bool, float, float, str]] = {
    "alignment": (True, -1.0, 1.0, "the democracy's alignment (-1 China .. +1 US)"),
    "approval": (True, 0.02, 0.98, "the leader's approval"),
    "approval_baseline": (True, 0.02, 0.98, "the approval the leader drifts back to"),
    "abandonment": (True, 0.0, 1.0, "fear of US abandonment"),
    "entrapment": (True, 0.0, 1.0, "fear of entrapment"),
    "grievance": (True, 0.0, 1.0, "salience of historical grievance toward the partner"),
    "threat": (True, 0.0, 1.0, "threat perception"),
    "resentment": (True, 0.0, 1.0, "public resentment of US pressure"),
    "stance": (True, -1.0, 1.0, "the leader's stance toward the partner"),
    "coop_rok_jpn": (False, 0.0, 1.0, "ROK-Japan cooperation"),
    "coop_rok_us": (False, 0.0, 1.0, "ROK-US cooperation"),
    "coop_jpn_us": (False, 0.0, 1.0, "Japan-US cooperation"),
    "depth": (False, 0.0, 1.0, "institutional depth of ROK-Japan cooperation"),
}
assert not set(STATE_TARGETS) & set(PARAM_FIELDS), "state targets and parameters share no name"
#: How a shock changes its target: add the value, multiply by it, or set the target to it.
SHOCK_OPS = ("add", "multiply", "set")


@dataclass(frozen=True)
class ShockKind:
    """A kind of scheduled shock.

    A *built-in* kind (``builtin`` >= 0) has its own code in the month
    (``sim.core.month``, dispatched by that id). A *data* kind says what it changes and how:
    ``target`` is a state variable (:data:`STATE_TARGETS`; per democracy ones need the event's
    ``actor``) or any declared parameter; ``op`` adds ``value``, multiplies by it or sets the
    target to it. A state target is changed at the start of each month the shock lasts, before
    anything else in the month; a parameter holds its changed value in those months (after any
    schedule of it). ``duration`` is how many months it lasts (0: to the end of the run); an
    event may give its own ``value`` and ``duration``. Results are clipped to the target's range.
    """

    name: str
    description: str
    target: str = ""
    op: str = "add"
    value: float | None = None
    duration: int = 1
    #: the id of a built-in kind's code in the month; -1 for a data kind
    builtin: int = -1
    #: lowest and highest value an event of a built-in kind may give
    value_range: tuple[float, float] = (-1.0, 1.0)
    #: a built-in kind that needs an actor (ROK or JPN)
    needs_actor: bool = False
    #: a built-in kind that needs a value
    needs_value: bool = True

    @property
    def per_actor(self) -> bool:
        """Whether an event of this kind names a democracy (ROK or JPN)."""
        if self.builtin >= 0:
            return self.needs_actor
        return self.target in STATE_TARGETS and STATE_TARGETS[self.target][0]


def shock_kind_problem(kind: ShockKind) -> tuple[str, str, object] | None:
    """What is wrong with a data kind's declaration, as (field, expected, found), or None."""
    import difflib

    if not kind.name.isidentifier():
        return "name", "a name of letters, digits and underscores", kind.name
    if kind.builtin >= 0:
        return None
    targets = [*STATE_TARGETS, *PARAM_FIELDS]
    if kind.target not in targets:
        close = difflib.get_close_matches(kind.target, targets, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return "target", f"a state variable or a declared parameter{hint}", kind.target
    if kind.op not in SHOCK_OPS:
        return "op", "one of " + ", ".join(SHOCK_OPS), kind.op
    if isinstance(kind.duration, bool) or not isinstance(kind.duration, int):
        return "duration", "a whole number of months (0: to the end of the run)", kind.duration
    if not 0 <= kind.duration <= 600:
        return (
            "duration",
            "a whole number of months in [0, 600] (0: to the end of the run)",
            kind.duration,
        )
    if kind.value is not None:
        problem = shock_value_problem(kind, kind.value)
        if problem:
            return "value", problem, kind.value
    return None


def target_range(target: str) -> tuple[float, float]:
    """The range a data kind's target is clipped to."""
    if target in STATE_TARGETS:
        return STATE_TARGETS[target][1], STATE_TARGETS[target][2]
    m = PARAM_FIELDS[target].metadata
    return float(m["lo"]), float(m["hi"])


def shock_value_problem(kind: ShockKind, value: float) -> str | None:
    """Why ``value`` cannot be a data kind's value, or None."""
    import math

    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return "a number"
    if math.isinf(value):
        return "a finite number"
    lo, hi = target_range(kind.target)
    integer = kind.target in PARAM_FIELDS and PARAM_FIELDS[kind.target].metadata["integer"]
    if kind.op == "set" and not lo <= value <= hi:
        return f"a number in [{lo}, {hi}] (the range of {kind.target})"
    if kind.op == "multiply" and value < 0:
        return "a factor >= 0"
    if integer and kind.op == "multiply":
        return f"no 'multiply' on the whole-number parameter {kind.target} (use 'add' or 'set')"
    if integer and float(value) != int(value):
        return f"a whole number ({kind.target} is a whole-number parameter)"
    return None


#: Every shock kind: the built-in ones, then any a plugin registers
#: (:func:`register_shock_kind`); a scenario may declare its own (``Scenario.shock_kinds``).
SHOCK_KINDS: dict[str, ShockKind] = {
    k.name: k
    for k in (
        ShockKind("approval_shock", "Add `value` (may be negative) to `actor`'s approval",
                  builtin=0, value_range=(-1.0, 1.0), needs_actor=True),
        ShockKind("leader_change", "Replace `actor`'s leader: new `strategy` (optional) and approval `value` (optional)",
                  builtin=1, value_range=(0.0, 1.0), needs_actor=True, needs_value=False),
        ShockKind("flashpoint", "History flashpoint: raise `actor`'s grievance salience by `value`",
                  builtin=2, value_range=(0.0, 1.0), needs_actor=True),
        ShockKind("provocation", "North Korean provocation: `value` extra launches",
                  builtin=3, value_range=(0.0, 100.0)),
        ShockKind("coercion_episode", "Chinese coercion episode of size `value` for `duration` months",
                  builtin=4, value_range=(0.0, 1.0), duration=1),
        ShockKind("baseline_shock", "Shift `actor`'s approval baseline by `value` (an election result, the economy, a scandal)",
                  builtin=5, value_range=(-1.0, 1.0), needs_actor=True),
    )
}  # fmt: skip
#: name -> description of every registered shock kind (the same registry, for documents).
EVENT_KINDS: dict[str, str] = {k: v.description for k, v in SHOCK_KINDS.items()}


def register_shock_kind(kind: ShockKind) -> None:
    """Add a data kind to the registry (plugins: ``sim.plugins``). Raises ParameterError for a
    bad declaration or a name already taken by another kind."""
    if kind.builtin >= 0:
        raise ParameterError(
            f"shock kind {kind.name}", "a data kind (target, op, value)", "builtin"
        )
    problem = shock_kind_problem(kind)
    if problem:
        raise ParameterError(f"shock kind {kind.name}.{problem[0]}", problem[1], problem[2])
    if kind.name in SHOCK_KINDS and SHOCK_KINDS[kind.name] != kind:
        raise ParameterError(f"shock kind {kind.name}", "a name no other kind has", kind.name)
    SHOCK_KINDS[kind.name] = kind
    EVENT_KINDS[kind.name] = kind.description


@dataclass(frozen=True)
class Event:
    """A scheduled shock, applied at the start of ``month`` before leaders decide."""

    month: int
    kind: str
    actor: str = ""
    value: float | None = None
    strategy: str = ""
    duration: int = 0
    label: str = ""


@dataclass(frozen=True)
class Scenario:
    """A fully resolved scenario: parameters, strategies, schedules, events and horizon."""

    name: str = "default"
    description: str = ""
    params: Params = field(default_factory=Params)
    strategies: tuple[tuple[str, str], ...] = (
        ("ROK", "small_steps"),
        ("JPN", "small_steps"),
        ("ROK_successor", "status_quo"),
        ("JPN_successor", "small_steps"),
    )
    #: key -> ((month, value), ...) in increasing month order; piecewise constant.
    schedules: tuple[tuple[str, tuple[tuple[int, float], ...]], ...] = ()
    events: tuple[Event, ...] = ()
    #: steps removed from the ladder in this scenario (never on the table)
    disabled_steps: tuple[str, ...] = ()
    months: int = 60
    start: str = "2022-08"
    #: the data shock kinds its events use (declared in the scenario or registered by a plugin)
    shock_kinds: tuple[ShockKind, ...] = ()

    def shock_kind(self, name: str) -> ShockKind:
        """The kind of an event: the scenario's own declaration, else the registry's."""
        for k in self.shock_kinds:
            if k.name == name:
                return k
        return SHOCK_KINDS[name]

    def strategy(self, role: str) -> str:
        """Strategy name for a role: ROK, JPN, ROK_successor or JPN_successor."""
        return dict(self.strategies)[role]

    def schedule(self, key: str) -> tuple[tuple[int, float], ...]:
        return dict(self.schedules).get(key, ())

    def with_params(self, **changes: Any) -> Scenario:
        """A copy with some parameters replaced (no validation: see sim.scenario)."""
        return dataclasses.replace(self, params=dataclasses.replace(self.params, **changes))

    def with_strategies(self, **roles: str) -> Scenario:
        s = dict(self.strategies)
        s.update(roles)
        return dataclasses.replace(self, strategies=tuple(s.items()))


def scenario_dict(scenario: Scenario) -> dict[str, Any]:
    """A plain, JSON-ready dict of a resolved scenario (for display, manifests and hashing)."""
    return {
        "name": scenario.name,
        "description": scenario.description,
        "months": scenario.months,
        "start": scenario.start,
        "strategies": dict(scenario.strategies),
        "params": dataclasses.asdict(scenario.params),
        "schedules": {k: [list(p) for p in v] for k, v in scenario.schedules},
        "events": [dataclasses.asdict(e) for e in scenario.events],
        "disabled_steps": list(scenario.disabled_steps),
        # only when there are some, so that the hash of a scenario without them is unchanged
        **(
            {"shock_kinds": [dataclasses.asdict(k) for k in scenario.shock_kinds]}
            if scenario.shock_kinds
            else {}
        ),
    }


def scenario_hash(scenario: Scenario) -> str:
    """Stable hash (sha256, 16 hex digits) of everything that determines a run except its name,
    description and seed."""
    import hashlib
    import json

    d = scenario_dict(scenario)
    d.pop("name")
    d.pop("description")
    text = json.dumps(d, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def month_label(start: str, month: int) -> str:
    """Calendar label (YYYY-MM) of a model month."""
    y, m = (int(x) for x in start.split("-"))
    total = y * 12 + (m - 1) + month
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


class ParameterError(ValueError):
    """A parameter given to the model outside its declaration: names the key, what is
    expected and what was found."""

    def __init__(self, key: str, expected: str, found: object) -> None:
        self.key, self.expected, self.found = key, expected, found
        super().__init__(f"{key}: expected {expected}, found {found!r}")


def as_number(key: str, value: object) -> float:
    """``value`` as a float: Python and numpy numbers and 0-d arrays are accepted; booleans,
    text, NaN and arrays of several values are not."""
    import math

    import numpy as np

    found = value
    if isinstance(value, np.ndarray):
        if value.ndim != 0:
            raise ParameterError(key, "a single number", f"an array of shape {value.shape}")
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise ParameterError(key, "a number", found)
    x = float(value)
    if math.isnan(x):
        raise ParameterError(key, "a number", found)
    return x


def check_param(key: str, value: object) -> float:
    """A declared parameter's value, checked against its declaration."""
    if key not in PARAM_FIELDS:
        import difflib

        close = difflib.get_close_matches(key, PARAM_FIELDS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ParameterError(key, f"a declared parameter{hint}", key)
    x = as_number(key, value)
    problem = out_of_range(key, x)
    if problem:
        raise ParameterError(key, problem, value)
    return x


def check_months(value: object, key: str = "months") -> int:
    """A horizon or month count: a whole number of months, at least 1."""
    x = as_number(key, value)
    if x < 1 or x != int(x):
        raise ParameterError(key, "a whole number of months, at least 1", value)
    return int(x)


def checked_params(params: Params, **changes: object) -> Params:
    """``params`` with ``changes`` applied, every value and constraint checked."""
    values = {k: check_param(k, v) for k, v in changes.items()}
    out = dataclasses.replace(params, **values) if values else params
    for name in PARAM_FIELDS:
        check_param(name, getattr(out, name))
    for key, expected in constraint_violations(out):
        raise ParameterError(key, expected, getattr(out, key))
    return out
