"""One run of a scenario, its readable summary, and its tables (the edge behind `alignsim run`)."""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from sim import package_version
from sim.core.params import Scenario, month_label, scenario_dict, scenario_hash
from sim.engines.batch import FIRST_MOVER, MONTHLY_VARS
from sim.engines.model import AlignmentModel
from sim.errors import UserError
from sim.experiments.store import atomic_path
from sim.scenario import load_scenario


@dataclass
class RunResult:
    scenario: Scenario
    seed: int
    replication: int
    monthly: pd.DataFrame
    summary: dict[str, Any]
    steps: pd.DataFrame
    events: pd.DataFrame

    def provenance(self) -> dict[str, Any]:
        """What reproduces this run."""
        return {
            "scenario": self.scenario.name,
            "scenario_hash": scenario_hash(self.scenario),
            "seed": self.seed,
            "replication": self.replication,
            "months": self.scenario.months,
            "engine": "mesa",
            "version": package_version(),
            "python": platform.python_version(),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "resolved_scenario": scenario_dict(self.scenario),
        }

    def text_summary(self) -> str:
        """The short summary `alignsim run` prints."""
        sc, s = self.scenario, self.summary
        start = sc.start
        lines = [
            f"alignsim run: {sc.name} (seed {self.seed}, replication {self.replication}, "
            f"{sc.months} months from {start})",
            "A stylised research and teaching model, not a forecast.",
            "",
            f"Final trilateral cooperation index: {s['final_trilateral']:.3f} "
            f"(peak {s['max_trilateral']:.3f})",
        ]
        inst = int(s["inst_month"])
        if inst >= 0:
            lines.append(
                f"Institutionalised trilateral cooperation: month {inst} ({month_label(start, inst)})"
            )
        else:
            lines.append("Institutionalised trilateral cooperation: not reached")
        coll = int(s["collapse_month"])
        if inst >= 0:
            lines.append(
                f"Later collapse: month {coll} ({month_label(start, coll)})"
                if coll >= 0
                else "Later collapse: none"
            )
        lines.append(f"First mover: {FIRST_MOVER[int(s['first_mover'])]}")
        lines.append(
            f"Final approval: ROK {s['final_approval_ROK']:.0%} (leaders in office: {s['leaders_ROK']}), "
            f"JPN {s['final_approval_JPN']:.0%} (leaders: {s['leaders_JPN']})"
        )
        lines.append(
            f"Final alignment (-1 China .. +1 US): ROK {s['final_alignment_ROK']:+.2f}, "
            f"JPN {s['final_alignment_JPN']:+.2f}"
        )
        lines.append("")
        if self.steps.empty:
            lines.append("Steps taken: none")
        else:
            lines.append(f"Steps taken ({s['steps_ROK']} by ROK, {s['steps_JPN']} by JPN, joint steps counted "
                         f"for both; reversals ROK {s['reversals_ROK']}, JPN {s['reversals_JPN']}):")  # fmt: skip
            for row in self.steps.itertuples():
                verb = "reversed" if row.action == "reverse" else "took"
                lines.append(
                    f"  month {row.month:>3} ({row.date})  {row.actor:<4} {verb}: {row.label}"
                )
        return "\n".join(lines)


def run_scenario(
    source: str | Path | Scenario, seed: int = 1, replication: int = 0, months: int | None = None
) -> RunResult:
    """Load (if needed) and run a scenario once with the Mesa model."""
    from sim.tomlcheck import MAX_SEED

    for key, value, hi in (("seed", seed, MAX_SEED), ("replication", replication, 2**63 - 1)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= hi:
            raise UserError("value out of range", key=key, expected=f"a whole number in [0, {hi}]",
                            found=value)  # fmt: skip
    sc = source if isinstance(source, Scenario) else load_scenario(source)
    model = AlignmentModel(sc, rng=seed, replication=replication, months=months)
    model.run()
    monthly = model.datacollector.get_model_vars_dataframe()
    monthly = monthly[["month", "date", *MONTHLY_VARS]].reset_index(drop=True)
    steps = pd.DataFrame(
        model.steps_log, columns=["month", "date", "actor", "step", "label", "action"]
    )
    events = pd.DataFrame(model.event_log, columns=["month", "date", "kind", "actor", "text"])
    return RunResult(model.spec, seed, replication, monthly, model.summary(), steps, events)


def write_table(df: pd.DataFrame, target: Path, fmt: str) -> Path:
    """Write a table as ``target.<fmt>`` (csv or parquet), atomically; returns the path."""
    path = target.with_suffix("." + fmt)
    with atomic_path(path) as tmp:
        if fmt == "parquet":
            df.to_parquet(tmp, index=False)
        else:
            df.to_csv(tmp, index=False, float_format="%.10g")
    return path


def write_run(result: RunResult, out: Path, fmt: str = "csv") -> list[Path]:
    """Write the run's tables and ``run.json`` into ``out``, atomically per file.

    (``alignsim run --plot`` adds the story figure: ``sim.commands.run.write_story``.)
    """
    if out.exists() and not out.is_dir():
        raise UserError(
            "output path exists and is not a folder", file=out, expected="a folder path"
        )
    files = [
        write_table(result.monthly, out / "monthly", fmt),
        write_table(pd.DataFrame([result.summary]), out / "summary", fmt),
        write_table(result.steps, out / "steps", "csv"),
        write_table(result.events, out / "events", "csv"),
    ]
    with atomic_path(out / "run.json") as tmp:
        tmp.write_text(json.dumps(result.provenance(), indent=2) + "\n")
    files.append(out / "run.json")
    return files
