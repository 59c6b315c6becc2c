"""Write the golden baseline: the Mesa model's monthly table for a fixed scenario and seed.

    make golden            (or: .venv/bin/python tools/update_golden.py)

Run it only when a change to the model's behaviour is intended, and say why in the commit that
updates ``tests/golden/baseline_seed1.csv``. ``tests/test_golden.py`` compares a fresh run to
that file exactly.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "baseline_2022.toml"
GOLDEN = ROOT / "tests" / "golden" / "baseline_seed1.csv"
SEED = 1
MONTHS = 60


def golden_table() -> str:
    """The baseline scenario's monthly table, seed 1, 60 months, as CSV at full precision."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from sim.engines.model import AlignmentModel
    from sim.scenario import load_scenario

    model = AlignmentModel(load_scenario(SCENARIO), rng=SEED, months=MONTHS)
    model.run()
    table = model.datacollector.get_model_vars_dataframe()
    return table.to_csv(index=False, float_format="%.17g", lineterminator="\n")


def main() -> None:
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_text(golden_table(), encoding="utf-8")
    print(f"wrote {GOLDEN.relative_to(ROOT)} ({SCENARIO.name}, seed {SEED}, {MONTHS} months)")


if __name__ == "__main__":
    main()
