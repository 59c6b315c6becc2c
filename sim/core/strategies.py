"""Leader strategies: small classes with one ``decide()`` and metadata.

A strategy sees a :class:`LeaderView` of one democracy's leader (arrays over runs) and returns a
:class:`Decision`: the step it proposes (a step index, ``NONE`` or ``REVERSE``) and the joint steps
it would join if the partner proposes them. Whether a step happens is settled by
``sim.core.rules.resolve_actions`` (joint steps need both leaders and both must afford them).

Every strategy decides under its political capital (only feasible steps, Putnam 1988) and, when it
initiates, under its fears (``motivated``: abandonment outweighs entrapment, Snyder 1984 / Cha
1999). Strategies are vectorised: the same code decides for one Mesa agent or for a million runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from sim.core import steps as S
from sim.core.rules import DID_NOTHING, MOVED, NONE, REVERSE, REVERSED

Arr = npt.NDArray[Any]


@dataclass(frozen=True)
class LeaderView:
    """What a leader sees when deciding (arrays with leading axis runs, R)."""

    month: int
    feasible: Arr  # (R, K) steps the leader can afford to take first (floor + initiative margin)
    affordable: Arr  # (R, K) steps it can afford in answer to the partner (floor only)
    available: Arr  # (R, K) steps on the table (not taken, owned, trust sufficient)
    motivated: Arr  # (R,) motivation >= threshold
    partner_last: Arr  # (R,) DID_NOTHING / MOVED / REVERSED last month
    months_since_own_step: Arr  # (R,) months since this leader's last step (large if never)
    can_reverse: Arr  # (R,) has a reversible step of its own to withdraw
    min_interval: int | Arr  # small-steps pacing


@dataclass(frozen=True)
class Decision:
    proposal: Arr  # (R,) int
    accept: Arr  # (R, K) bool


def first_step(options: Arr) -> Arr:
    """The first option in ladder order, or NONE (R,)."""
    has = options.any(axis=-1)
    return np.where(has, np.argmax(options, axis=-1), NONE)


class Strategy:
    """Base class: subclasses set the metadata and implement ``decide``."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def decide(self, v: LeaderView) -> Decision:  # pragma: no cover - abstract
        raise NotImplementedError


class SmallSteps(Strategy):
    name = "small_steps"
    label = "Small persistent steps"
    description = (
        "Take the next affordable small step on the ladder whenever motivated, at most one own "
        "step every `small_step_interval` months, and keep going whether or not the partner "
        "reciprocates; join any affordable small joint step. (EAI commentary, 2022.)"
    )

    def decide(self, v: LeaderView) -> Decision:
        options = v.available & v.feasible & S.SMALL
        ready = v.motivated & (v.months_since_own_step >= v.min_interval)
        proposal = np.where(ready, first_step(options), NONE)
        return Decision(proposal, v.available & v.affordable & S.SMALL)


class GrandBargain(Strategy):
    name = "grand_bargain"
    label = "Grand bargain"
    description = (
        "Save political capital for one large settlement of the history dispute; propose it when "
        "motivated and affordable, accept only it, take no small steps."
    )

    def decide(self, v: LeaderView) -> Decision:
        gb = S.STEP_INDEX["grand_bargain"]
        proposal = np.where(v.available[:, gb] & v.feasible[:, gb] & v.motivated, gb, NONE)
        accept = np.zeros_like(v.feasible)
        accept[:, gb] = v.available[:, gb] & v.affordable[:, gb]
        return Decision(proposal, accept)


class TitForTat(Strategy):
    name = "tit_for_tat"
    label = "Tit-for-tat reciprocity"
    description = (
        "Open with a small step in the first month if motivated; then mirror the partner's last month: "
        "a step for a step, a reversal for a reversal, nothing for nothing. Joins a joint step the "
        "partner proposes unless the partner reversed a step last month (accepting is itself "
        "reciprocity)."
    )

    def decide(self, v: LeaderView) -> Decision:
        options = v.available & v.feasible & S.SMALL
        opening = v.month <= 1
        reciprocate = (v.partner_last == MOVED) | opening
        step = np.where(reciprocate & (v.motivated | (not opening)), first_step(options), NONE)
        retaliate = (v.partner_last == REVERSED) & v.can_reverse
        proposal = np.where(retaliate, REVERSE, step)
        answer = v.available & v.affordable & S.SMALL
        return Decision(proposal, answer & (v.partner_last != REVERSED)[:, None])


class StatusQuo(Strategy):
    name = "status_quo"
    label = "Status quo"
    description = "Stand still: propose nothing, join nothing, reverse nothing."

    def decide(self, v: LeaderView) -> Decision:
        return Decision(np.full(v.feasible.shape[0], NONE), np.zeros_like(v.feasible))


class Hardline(Strategy):
    name = "hardline"
    label = "Hardline (reverses steps)"
    description = (
        "A leader elected against the rapprochement: withdraws its own reversible steps one a "
        "month, most recent first, and joins nothing (as the 2015 agreement was undone in 2018)."
    )

    def decide(self, v: LeaderView) -> Decision:
        proposal = np.where(v.can_reverse, REVERSE, NONE)
        return Decision(proposal, np.zeros_like(v.feasible))


STRATEGIES: dict[str, Strategy] = {
    s.name: s for s in (SmallSteps(), GrandBargain(), TitForTat(), StatusQuo(), Hardline())
}
STRATEGY_NAMES: tuple[str, ...] = tuple(STRATEGIES)
STRATEGY_ID: dict[str, int] = {n: i for i, n in enumerate(STRATEGY_NAMES)}

__all__ = [
    "DID_NOTHING",
    "MOVED",
    "NONE",
    "REVERSE",
    "REVERSED",
    "STRATEGIES",
    "Decision",
    "LeaderView",
    "Strategy",
]
