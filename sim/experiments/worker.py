"""What a local worker process has loaded before it runs its first chunk.

The process pool's forkserver imports this module once (``PoolExecutor``), so the workers it
forks start with the libraries imported and the compiled month and histogram kernel loaded,
instead of each loading them (about a second a worker, or a compilation when the cache is new).
Importing it runs the kernels once on a tiny batch, with every argument type a chunk uses.
"""

from __future__ import annotations

import numpy as np
import pyarrow.parquet  # noqa: F401  (chunks encode Parquet)

from sim.core.params import Scenario
from sim.engines.batch import simulate
from sim.experiments.histogram import MonthlyHistogram
from sim.plugins import load_plugins

load_plugins()  # plugin strategies are compiled into the month: register them first


def warm_up() -> None:
    """Run the compiled month and the histogram kernels on a tiny batch (loads or compiles)."""
    scenario = Scenario(months=2)
    simulate(scenario, 0, [0, 1], varying={"us_coercion": np.array([0.1, 0.2])})
    hist = MonthlyHistogram(np.zeros(2, dtype=np.int64), [0, 1])
    simulate(scenario, 0, [0, 1], on_month=lambda m, record: hist.add(m, record))
    simulate(scenario, 0, [0, 1], keep_monthly=True)
    hist.cells({0})  # the whole points' finalisation kernels
    hist.table()


warm_up()
