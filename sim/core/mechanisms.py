"""The model's mechanisms, each with the idea it implements and its neutral setting.

A mechanism is a set of parameters that together switch one causal idea on. Its *neutral
setting* gives those parameters the values at which the idea has no effect, so a run at the
neutral setting answers "what if this mechanism were not in the model?" (the audit switches each
off in turn). Every neutral value lies inside the parameter's declared range
(``sim.core.params``), and ``tests/core/test_mechanisms.py`` checks that switching a mechanism
off removes its effect.

The core is pure: this module does no I/O.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sim.core.params import PARAM_FIELDS, Params


@dataclass(frozen=True)
class Mechanism:
    """One causal idea in the model."""

    name: str
    label: str
    idea: str  # the theory or fact it implements
    neutral: tuple[tuple[str, float], ...]  # parameter -> value at which it has no effect


MECHANISMS: tuple[Mechanism, ...] = (
    Mechanism("moving_capital", "Approval baseline that moves",
              "Mueller 1970; Lewis-Beck & Stegmaier 2000: popularity moves with events, the "
              "economy and time in office; a new leader's honeymoon fades",
              (("approval_volatility", 0.0), ("baseline_reversion", 1.0))),
    Mechanism("scandals", "Scandals", "Park Geun-hye 2016: a scandal lowers approval for good",
              (("scandal_rate", 0.0),)),
    Mechanism("early_exit", "Early exit at low approval",
              "Impeachment (Park, 2016-17); the LDP replacing an unpopular leader (Aoki rule)",
              (("early_exit_rate", 0.0),)),
    Mechanism("successor_draw", "Successors drawn from the parties",
              "A successor's camp and stance toward the partner are drawn, not set by the "
              "experiment (Moon Jae-in after Park, 2017)",
              (("rok_opposition_prob", 0.0), ("jpn_opposition_prob", 0.0),
               ("successor_stance_spread", 0.0))),
    Mechanism("stance", "Stance feeds motivation",
              "Leaders differ in how much they value ties with the partner",
              (("stance_motivation_weight", 0.0),)),
    Mechanism("deepening", "Open-ended deepening",
              "Pierson 2000; Ikenberry 2001: continued joint activity deepens cooperation and "
              "raises its floor",
              (("deepening_rate", 0.0), ("activity_trust", 0.0), ("depth_anchor", 0.0))),
    Mechanism("exit_costs", "Exit costs", "Fearon 1994: audience costs; Keohane 1984: "
              "institutions raise the cost of exit",
              (("exit_cost_base", 0.0), ("exit_cost_depth", 0.0), ("exit_cost_us", 0.0))),
    Mechanism("open_reversal", "Reversal open to every leader",
              "Any leader may undo a predecessor's step when the domestic gain outweighs the "
              "exit cost (2018: the 2015 agreement hollowed out)",
              (("reversal_weight", 0.0),)),
    Mechanism("us_backlash", "Backlash against US pressure",
              "Drezner 1999: pressure above the public's tolerance costs approval, raises the "
              "cost of steps and builds resentment",
              (("us_backlash_cost", 0.0), ("us_backlash_step_mult", 0.0),
               ("resentment_rate", 0.0))),
    Mechanism("china_cost", "Chinese coercion raises the cost of alignment",
              "Drezner 2003: costs in proportion to dependence", (("china_cost_weight", 0.0),)),
    Mechanism("china_hardening", "Chinese coercion hardens opinion",
              "Drezner 1999: coercion can harden the target's public against the sender",
              (("china_hardening", 0.0),)),
    Mechanism("bargain_bundle", "Grand bargain as a bundle",
              "December 2015 agreement; March 2023 package: settlement, summit, trade and "
              "security steps together", (("bargain_bundle", 0.0),)),
    Mechanism("bargain_value", "Grand bargain by expected value",
              "Putnam 1988: a leader ratifies when the deal is worth its domestic price",
              (("bargain_expected_value", 0.0),)),
    Mechanism("alignment_motivation", "Alignment feeds motivation",
              "Kuik 2008: how far a state leans shapes what it does with the other camp's "
              "partners", (("alignment_motivation_weight", 0.0),)),
    Mechanism("ally_signals", "US signals aimed at one ally",
              "Cha 1999: abandonment fears need not be symmetric", (("ally_signal_rate", 0.0),)),
    Mechanism("decline", "Leaders may decline joint steps",
              "Putnam 1988: both sides must ratify", (("decline_unmotivated", 0.0),)),
    Mechanism("cha_symmetry", "Cha's symmetry effect",
              "Cha 1999: symmetric abandonment fears ease friction",
              (("cha_symmetry_weight", 0.0),)),
    Mechanism("commitment_effect", "US commitment effect on ROK-Japan ties",
              "Cha 1999 (< 0) vs the 2024 re-test (> 0)", (("commitment_effect", 0.0),)),
    Mechanism("pressure_incentive", "US pressure to mend ties",
              "EAI commentary: US pressure on allies to cooperate",
              (("pressure_incentive_weight", 0.0),)),
    Mechanism("initiative_margin", "Cost of moving first", "Putnam 1988: a concession that "
              "answers the partner is easier to ratify", (("initiative_margin", 0.0),)),
)  # fmt: skip

MECHANISM_BY_NAME: dict[str, Mechanism] = {m.name: m for m in MECHANISMS}


def neutral_params(params: Params, *names: str) -> Params:
    """``params`` with the named mechanisms switched off (at their neutral settings)."""
    changes: dict[str, Any] = {}
    for name in names:
        if name not in MECHANISM_BY_NAME:
            raise KeyError(f"unknown mechanism {name!r}; known: {', '.join(MECHANISM_BY_NAME)}")
        changes.update(dict(MECHANISM_BY_NAME[name].neutral))
    return dataclasses.replace(params, **changes)


def mechanism_table() -> list[dict[str, Any]]:
    """Every mechanism with its parameters, their defaults and neutral values (for docs)."""
    return [
        {
            "name": m.name,
            "label": m.label,
            "idea": m.idea,
            "neutral": {k: v for k, v in m.neutral},
            "defaults": {k: PARAM_FIELDS[k].default for k, _ in m.neutral},
        }
        for m in MECHANISMS
    ]
