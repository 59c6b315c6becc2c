"""A shock kind from outside the package: ``trade_war``, declared as data."""

from sim.core.params import ShockKind

#: A US-China trade war: China's baseline coercion of US partners rises by 0.3 for six months.
TRADE_WAR = ShockKind(
    name="trade_war",
    description="US-China trade war: China's coercion of US partners rises by `value` for `duration` months",
    target="china_coercion",
    op="add",
    value=0.3,
    duration=6,
)
