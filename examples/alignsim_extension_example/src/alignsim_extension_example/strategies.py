"""A leader strategy from outside the package: ``steady_pace``.

A decision rule takes what one leader sees this month and returns (the step it proposes, the
joint steps it would join). It is plain Python that numba compiles into the month (only its
arguments, numbers, constants and other ``register_jitable`` functions), so it runs the same in
the Mesa model and the batch engine.
"""

from numba.extending import register_jitable

from sim.core import steps as S
from sim.core.rules import NONE, has
from sim.core.strategies import Strategy

#: Months between two of the leader's own steps.
PACE = 6


@register_jitable
def decide_steady_pace(month, feasible, affordable, available, motivated, partner_last,
                       since_own_step, can_reverse, min_interval):
    """Every PACE months in office, the first small step it can afford, motivated or not;
    never joins a joint step."""
    proposal = NONE
    if month % PACE == 0 and since_own_step >= PACE:
        options = available & feasible & S.SMALL_MASK
        for k in range(S.N_STEPS):
            if has(options, k):
                proposal = k
                break
    return proposal, 0


class SteadyPace(Strategy):
    name = "steady_pace"
    label = "Steady pace"
    description = (
        "Every six months in office, take the first affordable small step, whatever the "
        "leader's fears; never join a joint step (an example from docs/EXTENDING.md)."
    )
    rule = staticmethod(decide_steady_pace)
