"""Theory checks (placeholder until the experiments are wired)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def run_theory_checks(seed: int, log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    return []
