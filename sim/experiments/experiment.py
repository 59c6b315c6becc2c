"""The former home of the experiment machinery, kept for code that still imports from here.

``sim/experiments/experiment.py`` used to hold parsing, designs, the driver, ``run_one`` and
provenance in one module; they now live in modules of their own:

- ``sim.experiments.spec``: experiment files -> :class:`~sim.experiments.spec.Experiment`
  (``load_experiment``, ``find_experiment``);
- ``sim.experiments.design``: designs and samplers (grid, Latin hypercube, Sobol, Saltelli,
  Morris) and the scenario of a design point;
- ``sim.experiments.driver``: ``run_experiment``; ``sim.experiments.chunks``: chunk planning;
  ``sim.experiments.progress``: the progress bar;
- ``sim.experiments.provenance``: ``code_version``, ``environment``;
- ``sim.experiments.runone``: ``run_one`` (also ``sim.run_one``);
- ``sim.experiments.store``: ``scenario_from_dict`` (a manifest's point scenario).

New code imports from those modules. The names below stay importable from here for the modules
that have not switched yet (``sim.validation.theory``; ``docs/STORE.md`` cites
``scenario_from_dict`` here).
"""

from sim.experiments.driver import run_experiment
from sim.experiments.provenance import code_version
from sim.experiments.spec import find_experiment
from sim.experiments.store import scenario_from_dict

__all__ = ["code_version", "find_experiment", "run_experiment", "scenario_from_dict"]
