"""Human labels for the app's controls and outputs, built from the parameter declarations.

Every parameter is declared once in ``sim.core.params`` with its meaning, unit, range and source;
the app never shows a raw identifier such as ``rok_approval0`` as a label.
"""

from __future__ import annotations

from typing import Any

from sim.core.params import param_table

#: Monthly outputs shown by the app: column -> (label, unit).
VAR_LABELS: dict[str, tuple[str, str]] = {
    "trilateral": ("Trilateral cooperation index", "index 0..1"),
    "coop_ROK_JPN": ("Cooperation ROK-Japan", "index 0..1"),
    "coop_ROK_US": ("Cooperation ROK-US", "index 0..1"),
    "coop_JPN_US": ("Cooperation Japan-US", "index 0..1"),
    "approval_ROK": ("Approval of the ROK leader", "share"),
    "approval_JPN": ("Approval of the Japanese leader", "share"),
    "alignment_ROK": ("Alignment of the ROK", "-1 China .. +1 US"),
    "alignment_JPN": ("Alignment of Japan", "-1 China .. +1 US"),
    "us_coercion": ("US pressure", "0..1"),
    "china_coercion": ("Chinese coercion", "0..1"),
    "launches": ("North Korean launches", "this month"),
}

GROUP_LABELS: dict[str, str] = {
    "initial": "Starting conditions",
    "economy": "Economy",
    "leaders": "Leaders and publics",
    "patrons": "US and China",
    "exogenous": "News and shocks",
    "fears": "Fears",
    "cooperation": "Cooperation and institutions",
}


def fmt_number(x: float) -> str:
    """A number as a person writes it: no trailing zeros, at most 4 significant digits."""
    return f"{float(x):.4g}"


def param_infos() -> dict[str, dict[str, Any]]:
    """Every declared parameter's declaration, by name."""
    return {info["name"]: info for info in param_table()}


def param_label(info: dict[str, Any]) -> str:
    """``"ROK leader's approval at month 0 (share, 0-1)"``: meaning, unit and range."""
    meaning = str(info["meaning"]).rstrip(".")
    lo, hi = fmt_number(info["lo"]), fmt_number(info["hi"])
    return (
        f"{meaning} ({info['unit']}, {lo} to {hi})"
        if "-" in lo + hi
        else (f"{meaning} ({info['unit']}, {lo}-{hi})")
    )


def param_help(info: dict[str, Any]) -> str:
    """One help line: the source of the value (shown under the control, never over the next)."""
    kind = "whole number" if info["integer"] else "number"
    return f"Source: {info['source']}. Type a {kind} or drag the slider."


def param_name_label(name: str) -> str:
    """The human label of a parameter given its identifier (for messages and lists)."""
    return param_label(param_infos()[name])


def var_label(name: str, with_unit: bool = True) -> str:
    label, unit = VAR_LABELS[name]
    return f"{label} ({unit})" if with_unit else label


__all__ = [
    "GROUP_LABELS",
    "VAR_LABELS",
    "fmt_number",
    "param_help",
    "param_infos",
    "param_label",
    "param_name_label",
    "var_label",
]
