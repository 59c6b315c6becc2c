"""Shared helpers for the benchmark scripts: write results as JSON with provenance."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def save(name: str, data: dict[str, Any]) -> Path:
    from sim.experiments.provenance import code_version

    RESULTS.mkdir(exist_ok=True)
    out = {
        "benchmark": name,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_avg_at_start": data.pop("_load", None),
        },  # fmt: skip
        "code": code_version(),
        **data,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(out, indent=1))
    print(json.dumps(out, indent=1))
    return path


def load_avg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None
