"""Write the golden baseline and the snapshots of every shipped scenario.

    make golden            (or: .venv/bin/python tools/update_golden.py)

Run it only when a change to the model's behaviour is intended, and say why in the commit that
updates the files it writes:

* ``tests/golden/baseline_seed1.csv``: the Mesa model's monthly table for
  ``scenarios/baseline_2022.toml``, seed 1, 60 months, at full precision.
  ``tests/engines/test_golden.py`` compares a fresh run to that file exactly.
* ``tests/golden/shipped_scenarios.json``: for every ``scenarios/*.toml``, 20 replications of the
  batch engine at root seed 20221, as sha256 digests per monthly variable, per summary key and of
  the first-taken tables, plus a few plain numbers for human reading.
  ``tests/engines/test_shipped_snapshots.py`` recomputes and compares them, so a change to the month is
  caught even when it leaves the golden scenario unchanged.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "baseline_2022.toml"
GOLDEN = ROOT / "tests" / "golden" / "baseline_seed1.csv"
SEED = 1
MONTHS = 60

#: The shipped scenarios' snapshots.
SNAPSHOTS = ROOT / "tests" / "golden" / "shipped_scenarios.json"
SCENARIOS = ROOT / "scenarios"
SNAPSHOT_SEED = 20221
SNAPSHOT_REPLICATIONS = 20


def _import_root() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def golden_table() -> str:
    """The baseline scenario's monthly table, seed 1, 60 months, as CSV at full precision."""
    _import_root()
    from sim.engines.model import AlignmentModel
    from sim.scenario import load_scenario

    model = AlignmentModel(load_scenario(SCENARIO), rng=SEED, months=MONTHS)
    model.run()
    table = model.datacollector.get_model_vars_dataframe()
    return table.to_csv(index=False, float_format="%.17g", lineterminator="\n")


def shipped_scenarios() -> list[Path]:
    """Every shipped scenario file, in name order."""
    return sorted(SCENARIOS.glob("*.toml"))


def digest(values: Any, dtype: str = "<f8") -> str:
    """sha256 of an array's values as little-endian bytes of ``dtype`` (C order)."""
    import numpy as np

    return hashlib.sha256(np.ascontiguousarray(values, dtype=dtype).tobytes()).hexdigest()


def scenario_snapshot(path: Path) -> dict[str, Any]:
    """One scenario's snapshot: digests of the batch engine's outputs and a few plain numbers.

    Digests are over little-endian float64 bytes (monthly variables ``monthly[:, :, v]`` and
    summary values) and little-endian int64 bytes (first-taken month and first taker), so any
    change in any bit of any output changes a digest.
    """
    _import_root()
    import numpy as np

    from sim.engines.batch import MONTHLY_VARS, simulate
    from sim.scenario import load_scenario

    scenario = load_scenario(path)
    result = simulate(
        scenario, seed=SNAPSHOT_SEED, replications=range(SNAPSHOT_REPLICATIONS), keep_monthly=True
    )
    assert result.monthly is not None
    s = result.summary

    def mean(key: str) -> float:
        return round(float(np.mean(np.asarray(s[key], dtype=float))), 6)

    return {
        "months": int(result.monthly.shape[1]) - 1,
        "readable": {
            "mean_final_trilateral": mean("final_trilateral"),
            "mean_max_trilateral": mean("max_trilateral"),
            "share_institutionalised": mean("institutionalised"),
            "share_collapsed": mean("collapsed"),
            "mean_steps_ROK": mean("steps_ROK"),
            "mean_steps_JPN": mean("steps_JPN"),
            "mean_reversals_ROK": mean("reversals_ROK"),
            "mean_reversals_JPN": mean("reversals_JPN"),
            "mean_final_approval_ROK": mean("final_approval_ROK"),
            "mean_final_approval_JPN": mean("final_approval_JPN"),
        },
        "monthly": {name: digest(result.monthly[:, :, v]) for v, name in enumerate(MONTHLY_VARS)},
        "summary": {key: digest(values) for key, values in s.items()},
        "first_taken_month": digest(result.first_taken_month, "<i8"),
        "first_taken_by": digest(result.first_taken_by, "<i8"),
    }


def snapshots() -> dict[str, Any]:
    """Snapshots of every shipped scenario (the content of ``SNAPSHOTS``)."""
    return {
        "about": (
            "Digests of the batch engine's outputs for every scenarios/*.toml, written by "
            "tools/update_golden.py (make golden) and checked by tests/engines/test_shipped_snapshots.py. "
            "Regenerate only when a change in the model's behaviour is intended."
        ),
        "seed": SNAPSHOT_SEED,
        "replications": SNAPSHOT_REPLICATIONS,
        "scenarios": {path.stem: scenario_snapshot(path) for path in shipped_scenarios()},
    }


def snapshots_text() -> str:
    return json.dumps(snapshots(), indent=2) + "\n"


def main() -> None:
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_text(golden_table(), encoding="utf-8")
    print(f"wrote {GOLDEN.relative_to(ROOT)} ({SCENARIO.name}, seed {SEED}, {MONTHS} months)")
    SNAPSHOTS.write_text(snapshots_text(), encoding="utf-8")
    print(
        f"wrote {SNAPSHOTS.relative_to(ROOT)} ({len(shipped_scenarios())} scenarios, "
        f"seed {SNAPSHOT_SEED}, {SNAPSHOT_REPLICATIONS} replications)"
    )


if __name__ == "__main__":
    main()
