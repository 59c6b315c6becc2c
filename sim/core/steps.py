"""The ladder of diplomatic steps between Seoul and Tokyo (and trilateral ones), as data.

Order, names and owners follow the record of August 2022 to August 2023 (docs/RESEARCH.md
section 5):
visa-free entry (Japan 11 Oct 2022, ROK 1 Nov), the ROK's third-party compensation plan
(6 Mar 2023), the Tokyo summit with Japan lifting chip-material curbs and the ROK dropping its WTO
case (16 Mar), GSOMIA normalised (21 Mar), whitelists restored (ROK 24 Apr, Japan 27 Jun), and
Camp David (18 Aug 2023: trilateral summit, annual exercises, a standing consultation mechanism).

The grand bargain's cost is estimated from the two precedents: Park's Gallup Korea approval fell
from 43% to 40% in the three weeks after the December 2015 agreement (Hankyoreh, 10 Jan 2016: 56%
called the deal "a mistake"); Yoon's fell from 36-37% (end of February 2023) to 30% (28-30 March)
over the March 2023 package (compensation plan, Tokyo summit, export curbs lifted). A cost of
0.04 at grievance 0.5 (about 0.05 at the August 2022 grievance of 0.7) lies between the two.

``domestic_cost`` is the approval a leader spends at grievance salience 0.5 and cost scale 1
(scaled by ``sim.core.rules.step_cost``); ``trust_gain`` is the ROK-Japan cooperation it adds;
``reversible`` steps can be withdrawn (the 2015 'comfort women' agreement was in effect repudiated
in 2018, which is why the grand bargain is reversible). ``owner`` is the leader who takes it:
"ROK", "JPN", or "joint" (both leaders must agree and both pay). ``min_coop`` is the ROK-Japan
cooperation a step needs before it is on the table; ``tier`` "small" or "large".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    owner: str
    domestic_cost: float
    trust_gain: float
    reversible: bool
    min_coop: float
    tier: str = "small"
    trilateral: bool = False


LADDER: tuple[Step, ...] = (
    Step("visa_free_entry_jpn", "Japan restores visa-free entry", "JPN", 0.005, 0.03, True, 0.0),
    Step("visa_free_entry_rok", "ROK restores visa-free entry", "ROK", 0.005, 0.03, True, 0.0),
    Step("compensation_plan", "ROK third-party compensation plan", "ROK", 0.040, 0.10, True, 0.15),
    Step("bilateral_summit", "Yoon-Kishida bilateral summit", "joint", 0.005, 0.05, False, 0.20),
    Step("export_curbs_lifted", "Japan lifts chip-material export curbs", "JPN", 0.010, 0.04, True, 0.20),
    Step("wto_case_dropped", "ROK drops its WTO case", "ROK", 0.005, 0.03, False, 0.20),
    Step("gsomia_normalised", "GSOMIA intelligence sharing normalised", "ROK", 0.010, 0.05, True, 0.25),
    Step("whitelist_rok", "ROK restores Japan to its whitelist", "ROK", 0.005, 0.03, True, 0.25),
    Step("whitelist_jpn", "Japan restores the ROK to its whitelist", "JPN", 0.010, 0.04, True, 0.30),
    Step("trilateral_summit", "Trilateral (ROK-US-Japan) summit", "joint", 0.005, 0.06, False, 0.35, "small", True),
    Step("joint_exercises", "Annual trilateral exercises", "joint", 0.010, 0.05, True, 0.40, "small", True),
    Step("trilateral_secretariat", "Trilateral secretariat / consultation mechanism", "joint", 0.010, 0.06, False, 0.45, "small", True),
    Step("grand_bargain", "Grand bargain: history settlement and full normalisation", "joint", 0.040, 0.25, True, 0.0, "large", True),
)  # fmt: skip

STEP_NAMES: tuple[str, ...] = tuple(s.name for s in LADDER)
STEP_INDEX: dict[str, int] = {s.name: i for i, s in enumerate(LADDER)}
N_STEPS = len(LADDER)

# Arrays used by the rules, indexed by step (shape (n_steps,)).
COST = np.array([s.domestic_cost for s in LADDER])
GAIN = np.array([s.trust_gain for s in LADDER])
REVERSIBLE = np.array([s.reversible for s in LADDER])
MIN_COOP = np.array([s.min_coop for s in LADDER])
SMALL = np.array([s.tier == "small" for s in LADDER])
TRILATERAL = np.array([s.trilateral for s in LADDER])
JOINT = np.array([s.owner == "joint" for s in LADDER])
#: OWNED[d, k]: democracy d (0 ROK, 1 JPN) may take step k (its own or a joint one).
OWNED = np.array(
    [[s.owner in ("ROK", "joint") for s in LADDER], [s.owner in ("JPN", "joint") for s in LADDER]]
)
#: ORDER[k]: position in the ladder (steps are listed in ladder order).
ORDER = np.arange(N_STEPS)


def mask_of(flags: np.ndarray) -> int:
    """A set of steps as a bit mask (bit k for step k), the form the month works with."""
    return int(sum(1 << k for k in range(N_STEPS) if flags[k]))


def steps_in(mask: int) -> np.ndarray:
    """The (K,) bool flags of a mask."""
    return np.array([(int(mask) >> k) & 1 == 1 for k in range(N_STEPS)])


#: The same sets as masks.
ALL_MASK = (1 << N_STEPS) - 1
REVERSIBLE_MASK = mask_of(REVERSIBLE)
SMALL_MASK = mask_of(SMALL)
TRILATERAL_MASK = mask_of(TRILATERAL)
JOINT_MASK = mask_of(JOINT)
#: Steps a grand bargain takes with it when they are still open (``bargain_bundle``): the summit,
#: restored trade and security ties, paid within the bargain's cost (the December 2015 agreement
#: and the March 2023 package came as such bundles).
BUNDLE_NAMES = (
    "bilateral_summit",
    "export_curbs_lifted",
    "wto_case_dropped",
    "gsomia_normalised",
    "whitelist_rok",
    "whitelist_jpn",
)
BUNDLE_MASK = mask_of(np.array([s.name in BUNDLE_NAMES for s in LADDER]))
#: OWNED_MASK[d]: the steps democracy d may take.
OWNED_MASK = (mask_of(OWNED[0]), mask_of(OWNED[1]))


# Tables the month reads instead of looping over a mask's bits (indexed by the mask itself).
_ALL_MASKS = np.arange(1 << N_STEPS)
_BITS = (_ALL_MASKS[:, None] >> np.arange(N_STEPS)) & 1
#: POPCOUNT[mask]: how many steps the mask holds.
POPCOUNT = _BITS.sum(axis=1).astype(np.int64)
#: FIRST_STEP[mask]: the mask's first step in ladder order, -1 if it holds none.
FIRST_STEP = np.array([int(np.argmax(b)) if b.any() else -1 for b in _BITS], dtype=np.int64)
#: COST_SUM[mask], GAIN_SUM[mask]: the steps' summed costs and trust gains, in ladder order.
COST_SUM = np.array([float(sum(COST[k] for k in range(N_STEPS) if b[k])) for b in _BITS])
GAIN_SUM = np.array([float(sum(GAIN[k] for k in range(N_STEPS) if b[k])) for b in _BITS])
#: The ladder's distinct costs, ascending, and the steps at each cost (masks).
COST_LEVELS = np.unique(COST)
COST_LEVEL_MASK = np.array([mask_of(COST == c) for c in COST_LEVELS], dtype=np.int64)
#: The distinct trust thresholds (min_coop), ascending, and the steps needing each (masks).
TRUST_LEVELS = np.unique(MIN_COOP)
TRUST_LEVEL_MASK = np.array([mask_of(MIN_COOP == c) for c in TRUST_LEVELS], dtype=np.int64)
