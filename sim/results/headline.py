"""The headline table of a result store, one row per design point (``alignsim summary``, and the
end of ``alignsim batch``): P(institutionalised by month M) with its 95% Wilson interval, the
median month among the runs that got there, and the collapse rate among institutionalised runs.
The numbers come from :func:`sim.results.analysis.headline_table`."""

from __future__ import annotations

from typing import Any

from sim.results.analysis import headline_table

#: Columns of :func:`store_headline` after the design point and its factors.
COLUMNS = ("runs", "k", "median_month", "n_inst", "n_collapsed", "p_inst", "ci_lo", "ci_hi",
           "collapse_rate")  # fmt: skip


def store_headline(st: Any, by_month: int = 24) -> Any:
    """Per design point: P(institutionalised by ``by_month``) with a 95% Wilson interval, the
    median month among runs that got there, and the collapse rate among institutionalised runs.

    Returns a DataFrame: ``point``, the factor columns of the design, then :data:`COLUMNS`.
    """
    factor_cols = [c for c in st.design.columns if c not in ("point", "scenario_name",
                                                               "scenario_hash")]  # fmt: skip
    t = headline_table(st.runs, ["point"], by_month, counts=True).set_index("point")
    p = f"p_inst_by_{by_month}"
    out = t[["runs", f"k_inst_by_{by_month}", f"median_inst_month_by_{by_month}", "n_inst",
             "n_collapsed", p, f"{p}_lo", f"{p}_hi", "p_collapse_given_inst"]]  # fmt: skip
    out = out.set_axis(list(COLUMNS), axis=1)
    design = st.design.set_index("point")[factor_cols]
    return design.join(out, how="inner").reset_index()


def format_headline(table: Any, by_month: int = 24) -> str:
    """The headline table as aligned text."""
    factor_cols = [c for c in table.columns if c not in ("point", *COLUMNS)]
    header = ["point", *factor_cols, "runs", f"P(inst by {by_month}) [95% CI]",
              "median month", "collapse rate"]  # fmt: skip
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
        cr = d["collapse_rate"]
        cells.append(
            "n/a (none inst.)" if cr != cr else f"{cr:.3f} ({d['n_collapsed']}/{d['n_inst']})"
        )
        rows.append(cells)
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
              for i, h in enumerate(header)]  # fmt: skip
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
    return "\n".join(lines)
