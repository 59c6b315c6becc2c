"""The headline table of a result store, one row per design point (``alignsim summary``, and the
end of ``alignsim batch``), from the windowed outcomes (:mod:`sim.results.windows`):
P(institutionalised within W) with its 95% Wilson interval, the median month among the runs that
got there, P(durable over F | institutionalised within W) over the runs whose follow-up the
horizon does not cut short, and how many it does cut short (censored). The numbers come from
:func:`sim.results.analysis.headline_table`."""

from __future__ import annotations

from typing import Any

from sim.results.analysis import headline_table
from sim.results.windows import Windows, resolve_windows, store_horizon

#: Columns of :func:`store_headline` after the design point and its factors.
COLUMNS = ("runs", "k_inst", "median_month", "p_inst", "ci_lo", "ci_hi", "n_censored",
           "n_followed", "k_durable", "p_durable", "durable_lo", "durable_hi")  # fmt: skip


def store_windows(st: Any, window: Any = None, followup: Any = None) -> Windows:
    """The checked windows of a store: W and F (None: the defaults, 24 and 24, shortened to fit
    a horizon under 48 months) against the store's horizon, its months
    (:func:`sim.results.windows.resolve_windows`)."""
    return resolve_windows(window, followup, store_horizon(st))


def store_headline(st: Any, windows: Windows | None = None) -> Any:
    """Per design point: P(institutionalised within W) with a 95% Wilson interval, the median
    month among runs that got there, the runs censored (follow-up past the horizon) and
    P(durable over F | institutionalised within W, uncensored) with its interval.

    Args:
        st: a result store (``design``, ``runs``, ``manifest``).
        windows: W, F and the horizon (default: :func:`store_windows`).

    Returns a DataFrame: ``point``, the factor columns of the design, then :data:`COLUMNS`.
    """
    w = windows if windows is not None else store_windows(st)
    factor_cols = [c for c in st.design.columns if c not in ("point", "scenario_name",
                                                               "scenario_hash")]  # fmt: skip
    t = headline_table(st.runs, ["point"], w, counts=True).set_index("point")
    out = t[["runs", "k_inst_window", "median_inst_month", "p_inst_window", "p_inst_window_lo",
             "p_inst_window_hi", "n_censored", "n_followed", "k_durable", "p_durable_followup",
             "p_durable_followup_lo", "p_durable_followup_hi"]]  # fmt: skip
    out = out.set_axis(list(COLUMNS), axis=1)
    design = st.design.set_index("point")[factor_cols]
    return design.join(out, how="inner").reset_index()


def format_headline(table: Any, windows: Windows) -> str:
    """The headline table as aligned text."""
    w, f = windows.window, windows.followup
    factor_cols = [c for c in table.columns if c not in ("point", *COLUMNS)]
    header = ["point", *factor_cols, "runs", f"P(inst within {w}) [95% CI]", "median month",
              f"P(durable {f} | inst) [95% CI] (k/n)", "censored"]  # fmt: skip
    rows = []
    for r in table.itertuples(index=False):
        d = r._asdict()
        cells = [str(d["point"])]
        for c in factor_cols:
            v = d[c]
            cells.append(f"{v:.4g}" if isinstance(v, float) else str(v))
        cells.append(str(d["runs"]))
        cells.append(f"{d['p_inst']:.3f} [{d['ci_lo']:.3f}, {d['ci_hi']:.3f}]")
        med = d["median_month"]
        cells.append("not reached" if med != med else f"{med:g}")
        pd_ = d["p_durable"]
        cells.append(
            "n/a (none to judge)"
            if pd_ != pd_
            else f"{pd_:.3f} [{d['durable_lo']:.3f}, {d['durable_hi']:.3f}] "
            f"({d['k_durable']}/{d['n_followed']})"
        )
        cells.append(str(d["n_censored"]))
        rows.append(cells)
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
              for i, h in enumerate(header)]  # fmt: skip
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
    return "\n".join(lines)
