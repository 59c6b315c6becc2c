"""Shared test worlds: parameter sets that switch the model's randomness off.

Importable from any test module (pytest puts ``tests/`` on the path for its conftest).
"""

from __future__ import annotations

from typing import Any

#: Nothing random happens: no poll noise, flashpoints, coercion episodes or launches, no moving
#: baseline, scandals, early exits or US signals, and no turnover by the rules.
NO_RANDOMNESS: dict[str, Any] = {
    "approval_noise": 0.0,
    "flashpoint_rate": 0.0,
    "china_episode_rate": 0.0,
    "nk_launch_rate": 0.0,
    "rok_term_end_month": 600,
    "jpn_replacement_threshold": 0.0,
    "approval_volatility": 0.0,
    "scandal_rate": 0.0,
    "early_exit_rate": 0.0,
    "ally_signal_rate": 0.0,
}

#: A quiet world in which both leaders can pay for small steps and trust is high enough for
#: every step of the ladder to be on the table.
QUIET: dict[str, Any] = {
    **NO_RANDOMNESS,
    "coop_rok_jpn0": 0.5,
    "rok_approval0": 0.6,
    "rok_approval_baseline": 0.6,
    "jpn_approval0": 0.6,
    "jpn_approval_baseline": 0.6,
}
