"""Leader strategies: small classes with metadata and one decision rule each.

A strategy sees what one democracy's leader sees this month (a :class:`LeaderView`) and returns
the step it proposes (a step index, ``NONE`` or ``REVERSE``) and the joint steps it would join if
the partner proposes them. Whether a step happens is settled by ``sim.core.rules.resolve_actions``
(joint steps need both leaders and both must afford them).

Every strategy decides under its political capital (only feasible steps, Putnam 1988) and, when it
initiates, under its fears (``motivated``: abandonment outweighs entrapment, Snyder 1984 / Cha
1999). Each decision rule is written once, for one run, as plain Python that numba can compile
(the month calls :func:`decide`); :meth:`Strategy.decide` applies it to a view over many runs.

A strategy from another package (an ``alignsim.strategies`` entry point, loaded by
``sim.plugins``) is registered with :func:`register_strategy`: its rule has the signature of the
built-in ones and gets the next id; :func:`decide` hands ids from :data:`FIRST_PLUGIN_ID` on to
:func:`plugin_decide`, a chain of the registered rules that numba compiles into the month like a
built-in rule. Registration closes before the month is first compiled in a process
(:func:`seal`), so compiled code never misses a strategy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from numba.extending import register_jitable as rule

from sim.core import steps as S
from sim.core.rules import DID_NOTHING, MOVED, NONE, REVERSE, REVERSED, has

Arr = npt.NDArray[Any]

#: Strategy ids, the form the month works with (index into ``STRATEGY_NAMES``).
SMALL_STEPS = 0
GRAND_BARGAIN = 1
TIT_FOR_TAT = 2
STATUS_QUO = 3
HARDLINE = 4
#: No player choice this month: the strategy decides (a player, in ``alignsim play`` or the
#: app, may choose the month's move instead).
NO_CHOICE = -3
#: A player's choice to propose nothing and decline any joint step the partner proposes.
DECLINE = -4

GB = S.STEP_INDEX["grand_bargain"]
assert NONE == -1  # the value of sim.core.steps.FIRST_STEP for an empty mask


@rule
def first_step(options: int) -> int:
    """The first option in ladder order, or NONE (read from a table by mask)."""
    return S.FIRST_STEP[options]


@rule
def decide_small_steps(month: int, feasible: int, affordable: int, available: int,
                       motivated: bool, partner_last: int, since_own_step: int,
                       can_reverse: bool, min_interval: float) -> tuple[int, int]:  # fmt: skip
    options = available & feasible & S.SMALL_MASK
    proposal = NONE
    if motivated and since_own_step >= min_interval:
        proposal = first_step(options)
    return proposal, available & affordable & S.SMALL_MASK


@rule
def decide_grand_bargain(month: int, feasible: int, affordable: int, available: int,
                         motivated: bool, partner_last: int, since_own_step: int,
                         can_reverse: bool, min_interval: float) -> tuple[int, int]:  # fmt: skip
    proposal = NONE
    if has(available, GB) and has(feasible, GB) and motivated:
        proposal = GB
    accept = 0
    if has(available, GB) and has(affordable, GB):
        accept = 1 << GB
    return proposal, accept


@rule
def decide_tit_for_tat(month: int, feasible: int, affordable: int, available: int,
                       motivated: bool, partner_last: int, since_own_step: int,
                       can_reverse: bool, min_interval: float) -> tuple[int, int]:  # fmt: skip
    options = available & feasible & S.SMALL_MASK
    opening = month <= 1
    proposal = NONE
    if (partner_last == MOVED or opening) and motivated:
        proposal = first_step(options)
    if partner_last == REVERSED and can_reverse:
        proposal = REVERSE
    accept = 0
    if partner_last != REVERSED:
        accept = available & affordable & S.SMALL_MASK
    return proposal, accept


@rule
def decide_hardline(month: int, feasible: int, affordable: int, available: int,
                    motivated: bool, partner_last: int, since_own_step: int,
                    can_reverse: bool, min_interval: float) -> tuple[int, int]:  # fmt: skip
    return NONE, 0


@rule
def decide_player(choice: int, affordable: int, available: int) -> tuple[int, int]:
    """A player's move (a step index, NONE, REVERSE or DECLINE); unless declining, a player
    joins any joint step the partner proposes that is on the table and affordable."""
    if choice == DECLINE:
        return NONE, 0
    return choice, available & affordable


@rule
def no_plugin(strategy: int, month: int, feasible: int, affordable: int, available: int,
              motivated: bool, partner_last: int, since_own_step: int, can_reverse: bool,
              min_interval: float) -> tuple[int, int]:  # fmt: skip
    """No registered strategy has this id: propose nothing, join nothing."""
    return NONE, 0


#: The registered strategies' rules, dispatched by id (rebuilt by :func:`register_strategy`).
plugin_decide: Callable[..., tuple[int, int]] = no_plugin


def _chain(sid: int, fn: Callable[..., Any], rest: Callable[..., Any]) -> Callable[..., Any]:
    """A rule that runs ``fn`` for strategy ``sid`` and hands every other id to ``rest`` (numba
    compiles the closure's ``fn`` and ``rest`` like globals)."""

    @rule
    def dispatch(strategy: int, month: int, feasible: int, affordable: int, available: int,
                 motivated: bool, partner_last: int, since_own_step: int, can_reverse: bool,
                 min_interval: float) -> tuple[int, int]:  # fmt: skip
        if strategy == sid:
            proposal, accept = fn(month, feasible, affordable, available, motivated,
                                  partner_last, since_own_step, can_reverse, min_interval)  # fmt: skip
            return int(proposal), int(accept)
        return rest(strategy, month, feasible, affordable, available, motivated, partner_last,
                    since_own_step, can_reverse, min_interval)  # fmt: skip

    return dispatch


@rule
def decide(strategy: int, month: int, feasible: int, affordable: int, available: int,
           motivated: bool, partner_last: int, since_own_step: int, can_reverse: bool,
           min_interval: float) -> tuple[int, int]:  # fmt: skip
    """The decision of the strategy with id ``strategy``: (proposal, steps it would join).

    ``month`` counts the months the leader has been in office (the model month for the leader
    in office at month 0; 0 in a successor's first month), so a successor opens afresh.
    """
    args = (month, feasible, affordable, available, motivated, partner_last, since_own_step,
            can_reverse, min_interval)  # fmt: skip
    if strategy == SMALL_STEPS:
        return decide_small_steps(*args)
    if strategy == GRAND_BARGAIN:
        return decide_grand_bargain(*args)
    if strategy == TIT_FOR_TAT:
        return decide_tit_for_tat(*args)
    if strategy == HARDLINE:
        return decide_hardline(*args)
    if strategy >= FIRST_PLUGIN_ID:
        return plugin_decide(strategy, *args)
    return NONE, 0


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


class Strategy:
    """Base class: subclasses set the metadata and the id of their decision rule.

    A strategy from another package sets ``rule`` instead of ``id``: a function with the
    signature of :func:`decide_small_steps` (plain Python that numba can compile, using only
    its arguments, numbers and constants) returning (proposal, steps it would join); it is
    given the next free id when registered (:func:`register_strategy`)."""

    id: ClassVar[int] = STATUS_QUO
    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    description: ClassVar[str] = ""
    rule: ClassVar[Callable[..., tuple[int, int]] | None] = None

    def decide(self, v: LeaderView) -> Decision:
        """The decision rule applied to each run of the view."""
        runs = np.shape(v.feasible)[0]
        interval = np.broadcast_to(np.asarray(v.min_interval, dtype=float).reshape(-1), (runs,))
        proposal = np.empty(runs, dtype=np.int64)
        accept = np.zeros((runs, S.N_STEPS), dtype=bool)
        for r in range(runs):
            proposal[r], mask = decide(
                self.id, int(v.month), S.mask_of(v.feasible[r]), S.mask_of(v.affordable[r]),
                S.mask_of(v.available[r]), bool(v.motivated[r]), int(v.partner_last[r]),
                int(v.months_since_own_step[r]), bool(v.can_reverse[r]), float(interval[r]),
            )  # fmt: skip
            accept[r] = S.steps_in(mask)
        return Decision(proposal, accept)


class SmallSteps(Strategy):
    id = SMALL_STEPS
    name = "small_steps"
    label = "Small persistent steps"
    description = (
        "Take the next affordable small step on the ladder whenever motivated, at most one own "
        "step every `small_step_interval` months, and keep going whether or not the partner "
        "reciprocates; join any affordable small joint step. (EAI commentary, 2022.)"
    )


class GrandBargain(Strategy):
    id = GRAND_BARGAIN
    name = "grand_bargain"
    label = "Grand bargain"
    description = (
        "Save political capital for one large settlement of the history dispute; propose it when "
        "motivated and affordable, accept only it, take no small steps."
    )


class TitForTat(Strategy):
    id = TIT_FOR_TAT
    name = "tit_for_tat"
    label = "Tit-for-tat reciprocity"
    description = (
        "Open with a small step in the first month in office if motivated; then mirror the partner's last month "
        "when motivated: a step for a step, a reversal for a reversal, nothing for nothing. Joins a "
        "joint step the partner proposes unless the partner reversed a step last month (accepting "
        "is itself reciprocity)."
    )


class StatusQuo(Strategy):
    id = STATUS_QUO
    name = "status_quo"
    label = "Status quo"
    description = "Stand still: propose nothing, join nothing, reverse nothing."


class Hardline(Strategy):
    id = HARDLINE
    name = "hardline"
    label = "Hardline (reverses steps)"
    description = (
        "A leader elected against the rapprochement: proposes and joins nothing, and weighs the "
        "domestic gain of withdrawing its reversible steps more than other leaders do "
        "(`hardline_reversal_weight`; the 2015 agreement was hollowed out in 2018). Reversal is a "
        "choice open to every leader; a hardliner only weighs it differently."
    )


STRATEGIES: dict[str, Strategy] = {
    s.name: s for s in (SmallSteps(), GrandBargain(), TitForTat(), StatusQuo(), Hardline())
}
#: Strategy names by id (a list that registration extends in place, so every importer sees it).
STRATEGY_NAMES: list[str] = list(STRATEGIES)
STRATEGY_ID: dict[str, int] = {n: s.id for n, s in STRATEGIES.items()}
assert all(STRATEGY_NAMES[i] == n for n, i in STRATEGY_ID.items()), "ids index STRATEGY_NAMES"
#: The first id a registered strategy gets; the built-in ids never change.
FIRST_PLUGIN_ID = len(STRATEGY_NAMES)
#: Registered strategies, in id order (for the compiled month's cache key).
PLUGINS: list[Strategy] = []
_RULES: list[tuple[str, int, Callable[..., Any]]] = []
_sealed = [False]

#: The arguments of a decision rule, in order.
RULE_ARGS = ("month", "feasible", "affordable", "available", "motivated", "partner_last",
             "since_own_step", "can_reverse", "min_interval")  # fmt: skip


class StrategyError(ValueError):
    """A strategy that cannot be registered: says why."""


def register_strategy(strategy: Strategy | type[Strategy]) -> int:
    """Register a strategy from another package and return its id (the next free one).

    Raises:
        StrategyError: no name or rule, a rule with other arguments than the built-in rules,
            a name already taken, or registration after the month was compiled.
    """
    import inspect

    s = strategy() if isinstance(strategy, type) else strategy
    name = getattr(s, "name", "")
    if not isinstance(name, str) or not name.isidentifier():
        raise StrategyError(
            f"a strategy needs a name of letters, digits and underscores, not {name!r}"
        )
    if name in STRATEGY_ID:
        if STRATEGIES[name] is s or type(STRATEGIES[name]) is type(s):
            return STRATEGY_ID[name]
        raise StrategyError(f"strategy name {name!r} is taken; choose another")
    fn = type(s).__dict__.get("rule", getattr(s, "rule", None))
    fn = fn.__func__ if isinstance(fn, staticmethod) else fn
    if not callable(fn):
        raise StrategyError(f"strategy {name!r} has no rule (a function like decide_small_steps)")
    params = list(inspect.signature(fn).parameters)
    if len(params) != len(RULE_ARGS):
        raise StrategyError(
            f"strategy {name!r}: its rule takes {len(params)} arguments ({', '.join(params)}); "
            f"a rule takes {len(RULE_ARGS)}: {', '.join(RULE_ARGS)}"
        )
    if _sealed[0]:
        raise StrategyError(
            f"strategy {name!r} registered after the month was compiled in this process; "
            "register strategies first (sim.plugins.load_plugins)"
        )
    global plugin_decide
    sid = len(STRATEGY_NAMES)
    compiled_rule = fn if getattr(fn, "_alignsim_rule", False) else rule(fn)
    try:
        compiled_rule._alignsim_rule = True  # type: ignore[union-attr]
    except AttributeError:
        pass
    s.id = sid  # type: ignore[misc]
    plugin_decide = _chain(sid, compiled_rule, plugin_decide)
    STRATEGIES[name] = s
    STRATEGY_NAMES.append(name)
    STRATEGY_ID[name] = sid
    PLUGINS.append(s)
    _RULES.append((name, sid, fn))
    return sid


def plugin_rules() -> list[tuple[str, int, Callable[..., Any]]]:
    """(name, id, rule) of every registered strategy, in id order."""
    return list(_RULES)


def seal() -> None:
    """Close registration: the month is about to be compiled with the strategies known now."""
    _sealed[0] = True


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
