"""The figure kinds of a result store, in the order they are drawn and reported.

A module of its own, importing nothing, so that ``alignsim plot --help`` lists the kinds without
loading matplotlib; :func:`sim.results.report.store_figures` draws them.
"""

#: Figure kinds of a store, in the order they are drawn, written and reported.
KINDS: tuple[str, ...] = (
    "sweep",
    "heatmap",
    "survival",
    "durability",
    "timing",
    "fan",
    "uncertainty",
    "surface",
)
