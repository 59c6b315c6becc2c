"""A store's codebook and its export: every column's type, unit, meaning and missing value.

The codebook derives from the output declarations (``sim.core.outputs``), the ladder of steps,
the parameter declarations and the store's manifest (its factors, outcomes and drawn
parameters). It is written into every store (``codebook.json`` and ``CODEBOOK.md``, next to the
manifest) and into docs/STORE.md (``tools/gen_codebook.py``).

Inside the store a month or a code that never came is ``-1`` (integer columns stay integers, for
speed and exact merges). :func:`export_table` and ``alignsim export`` write it as a null (empty in
CSV, null in Parquet, ``.`` in Stata), and the integer codes (``first_mover``, ``first_by_<step>``)
as labelled categories (Stata value labels).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sim.core.month import NEVER
from sim.core.outputs import FIRST_MOVER, MONTHLY, SUMMARY, SUMMARY_VARS, Output

#: Labels of the "who" codes: first_mover and first_by_<step>.
FIRST_MOVER_LABELS: dict[int, str] = {k: v for k, v in sorted(FIRST_MOVER.items()) if k != NEVER}
FIRST_BY_LABELS: dict[int, str] = {0: "ROK", 1: "Japan", 2: "jointly"}
#: Labels of true/false columns in Stata (stored 0/1 so that a mean is a share).
BOOL_LABELS: dict[int, str] = {0: "false", 1: "true"}
EXPORT_FORMATS = ("csv", "parquet", "stata")
TABLES = ("runs", "design", "monthly")
#: Stata's limits: variable names, variable labels.
STATA_NAME_MAX = 32
STATA_LABEL_MAX = 80


def _kind(o: Output) -> str:
    if o.unit == "true/false":
        return "boolean"
    return "integer" if o.integer else "float"


def _entry(name: str, label: str, meaning: str, unit: str, kind: str, missing: str,
           labels: dict[int, str] | None = None) -> dict[str, Any]:  # fmt: skip
    e: dict[str, Any] = {"name": name, "label": label, "meaning": meaning, "unit": unit,
                         "type": kind, "missing_in_store": missing or "never missing",
                         "missing_in_export": "null" if missing else "never missing"}  # fmt: skip
    if labels:
        e["type"] = "category"
        e["categories"] = {str(k): v for k, v in labels.items()}
    return e


def summary_entry(o: Output) -> dict[str, Any]:
    """The codebook entry of a summary variable."""
    labels = FIRST_MOVER_LABELS if o.name == "first_mover" else None
    return _entry(o.name, o.label, o.meaning, o.unit, _kind(o), o.missing, labels)


def step_entries() -> list[dict[str, Any]]:
    """``first_month_<step>`` and ``first_by_<step>`` for every step of the ladder."""
    from sim.core.steps import LADDER

    out = []
    for s in LADDER:
        out.append(_entry(f"first_month_{s.name}", f"First month: {s.label}",
                          f"month the step '{s.label}' was first taken",
                          "month (0 = the start month)", "integer", f"{NEVER} (never)"))  # fmt: skip
        out.append(_entry(f"first_by_{s.name}", f"First taken by: {s.label}",
                          f"who first took the step '{s.label}'", "code", "integer",
                          f"{NEVER} (never)", FIRST_BY_LABELS))  # fmt: skip
    return out


def runs_entries(manifest: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The runs table's columns, in order; without a manifest, every column a store can have
    (factor and drawn-parameter columns as placeholders)."""
    from sim.core.params import param_info

    cols = [
        _entry("point", "Design point", "design point (a row of design.parquet)", "index",
               "integer", ""),
        _entry("replication", "Replication", "replication index: keys the run's random numbers "
               "with the seed", "index", "integer", ""),
        _entry("seed", "Root seed", "root seed of the batch", "seed", "integer", ""),
    ]  # fmt: skip
    if manifest is None:
        cols.append(_entry("draw", "Parameter draw", "the run's parameter draw (replication // "
                           "seeds_per_draw); only when parameters were drawn", "index",
                           "integer", ""))  # fmt: skip
        cols.append(_entry("<factor>", "Factor", "one column per factor of the experiment, as in "
                           "design.parquet", "as the factor", "as the factor", ""))  # fmt: skip
        cols.append(_entry("theta_<name>", "Drawn parameter", "the value of parameter <name> "
                           "the run drew; only when parameters were drawn", "as the parameter",
                           "float", ""))  # fmt: skip
        outcomes = list(SUMMARY_VARS)
    else:
        unc = manifest.get("uncertainty") or {}
        drawn = list(unc.get("drawn") or [])
        if drawn:
            cols.append(_entry("draw", "Parameter draw", "the run's parameter draw (replication"
                               " // seeds_per_draw)", "index", "integer", ""))  # fmt: skip
        for f in manifest.get("factors", []):
            key = f.get("key") or f.get("name")
            cols.append(_factor_entry(str(key)))
        for name in drawn:
            if any((f.get("key") or f.get("name")) == name for f in manifest.get("factors", [])):
                continue
            info = param_info(name)
            cols.append(_entry(f"theta_{name}", f"Drawn {name}", f"the value the run drew of: "
                               f"{info['meaning']}", str(info.get("unit", "")), "float", ""))  # fmt: skip
        outcomes = list((manifest.get("outputs") or {}).get("runs") or SUMMARY_VARS)
    by_name = {o.name: o for o in SUMMARY}
    cols += [summary_entry(by_name[n]) for n in outcomes if n in by_name]
    return cols + step_entries()


def _factor_entry(key: str) -> dict[str, Any]:
    from sim.core.params import param_info

    if key in ("strategy", "rok_strategy", "jpn_strategy"):
        return _entry(key, key.replace("_", " ").capitalize(), "the leaders' strategy (factor)",
                      "strategy name", "text", "")  # fmt: skip
    if key == "scenario":
        return _entry(key, "Scenario", "the point's scenario (factor)", "scenario name", "text", "")
    try:
        info = param_info(key)
    except Exception:  # a factor that is not a parameter: described by its name only
        return _entry(key, key, "a factor of the experiment", "as the factor", "as the factor", "")
    kind = "integer" if info.get("integer") else "float"
    return _entry(key, key, f"factor: {info['meaning']}", str(info.get("unit", "")), kind, "")


def design_entries(manifest: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    cols = [_entry("point", "Design point", "design point", "index", "integer", "")]
    for f in (manifest or {}).get("factors", []):
        cols.append(_factor_entry(str(f.get("key") or f.get("name"))))
    cols.append(
        _entry("scenario_name", "Scenario name", "the point's scenario", "name", "text", "")
    )
    cols.append(_entry("scenario_hash", "Scenario hash", "sha256 of everything that determines a "
                       "run except its name, description and seed", "hex", "text", ""))  # fmt: skip
    return cols


def monthly_entries() -> list[dict[str, Any]]:
    """The monthly variables (monthly.parquet's ``variable``; trajectories' columns)."""
    return [_entry(o.name, o.label, o.meaning, o.unit, _kind(o), o.missing) | {
        "range": [o.lo, o.hi]} for o in MONTHLY]  # fmt: skip


def store_codebook(manifest: dict[str, Any] | None = None) -> dict[str, Any]:
    """The codebook of a store (or, without a manifest, of every column a store can have)."""
    return {
        "codebook_format": 1,
        "missing_values": (f"Inside the store a month or code that never came is {NEVER}; "
                           "`alignsim export` writes it as a null."),
        "experiment_name": (manifest or {}).get("experiment_name"),
        "runs": runs_entries(manifest),
        "design": design_entries(manifest),
        "monthly_variables": monthly_entries(),
    }  # fmt: skip


def _md_table(entries: list[dict[str, Any]]) -> list[str]:
    rows = ["| column | label | meaning | unit or scale | type | missing in store | in export |",
            "|---|---|---|---|---|---|---|"]  # fmt: skip
    for e in entries:
        kind = e["type"]
        if "categories" in e:
            kind += ": " + ", ".join(f"{k} {v}" for k, v in e["categories"].items())
        cells = [f"`{e['name']}`", e["label"], e["meaning"], e["unit"], kind,
                 e["missing_in_store"], e["missing_in_export"]]  # fmt: skip
        rows.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return rows


def codebook_markdown(cb: dict[str, Any], heading: str = "#") -> str:
    """A codebook as Markdown tables."""
    name = cb.get("experiment_name")
    lines = [f"{heading} Codebook" + (f": {name}" if name else ""), "",
             "*Generated from the output declarations (`sim/core/outputs.py`); do not edit by "
             "hand.* A stylised research and teaching model, not a forecast.", "",
             f"**Missing values.** {cb['missing_values']} Codes are labelled categories in an "
             "export (Stata value labels); true/false columns are 0/1 in Stata.", "",
             f"{heading}# runs/ (one row a run)", "", *_md_table(cb["runs"]), "",
             f"{heading}# design.parquet (one row a design point)", "",
             *_md_table(cb["design"]), "",
             f"{heading}# Monthly variables (monthly.parquet `variable`, trajectories columns)",
             "", *_md_table(cb["monthly_variables"]), ""]  # fmt: skip
    return "\n".join(lines)


def write_store_codebook(store: Path, manifest: dict[str, Any]) -> None:
    """Write ``codebook.json`` and ``CODEBOOK.md`` into a store (atomically)."""
    from sim.experiments.store import atomic_write_bytes

    cb = store_codebook(manifest)
    atomic_write_bytes(Path(store) / "codebook.json",
                       (json.dumps(cb, indent=1) + "\n").encode())  # fmt: skip
    atomic_write_bytes(Path(store) / "CODEBOOK.md", codebook_markdown(cb).encode())


# -------------------------------------------------------------------------------------- export
def _missing_coded(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in entries if e["missing_in_export"] == "null"}


def never_as_null(df: Any, columns: list[str] | None = None) -> Any:
    """A copy of a runs table with each "never" (-1) of the missing-coded integer columns as a
    null (pandas ``Int64`` with ``<NA>``), so that means and medians skip it."""
    import pandas as pd

    coded = _missing_coded(runs_entries())
    out = df.copy()
    for c in columns or list(out.columns):
        if c in coded and c in out.columns and pd.api.types.is_integer_dtype(out[c]):
            s = out[c].astype("Int64")
            out[c] = s.mask(s == NEVER)
    return out


def export_table(
    store: Any, table: str = "runs", stata: bool = False
) -> tuple[Any, dict[str, Any]]:
    """The store's ``table`` ready to export: nulls for "never", codes as labelled categories
    (for Stata: numeric codes and value labels), and its codebook entries by column."""
    import pandas as pd

    m = store.manifest
    if table == "runs":
        df, entries = never_as_null(store.runs), runs_entries(m)
    elif table == "design":
        df, entries = store.design.copy(), design_entries(m)
    else:
        df = store.monthly.copy()
        entries = [_entry("point", "Design point", "design point", "index", "integer", ""),
                   _entry("month", "Month", "model month (0 = the start month)", "month",
                          "integer", ""),
                   _entry("variable", "Variable", "a monthly variable (see the codebook)", "name",
                          "text", ""),
                   _entry("n", "Runs", "runs aggregated", "count", "integer", ""),
                   _entry("mean", "Mean", "mean over the runs", "as the variable", "float", ""),
                   *(_entry(f"q{round(q * 100):02d}", f"{round(q * 100)}th percentile",
                            f"{round(q * 100)}th percentile over the runs", "as the variable",
                            "float", "") for q in (0.05, 0.25, 0.5, 0.75, 0.95))]  # fmt: skip
    by_name = {e["name"]: e for e in entries}
    for name, e in by_name.items():
        if name not in df.columns:
            continue
        if "categories" in e:
            codes = {int(k): v for k, v in e["categories"].items()}
            if not stata:
                df[name] = pd.Categorical(df[name].map(codes), categories=list(codes.values()))
        elif e["type"] == "boolean" and stata:
            df[name] = df[name].astype("int8")
    return df, by_name


def stata_names(columns: list[str]) -> dict[str, str]:
    """Column -> a valid, unique Stata name (at most 32 characters): long names are cut, and a
    number keeps them apart when two cuts coincide."""
    import re

    out: dict[str, str] = {}
    used: set[str] = set()
    for c in columns:
        n = re.sub(r"[^A-Za-z0-9_]", "_", c)
        if not re.match(r"[A-Za-z_]", n):
            n = "_" + n
        n = n[:STATA_NAME_MAX]
        k = 1
        while n in used:
            suffix = f"_{k}"
            n = n[: STATA_NAME_MAX - len(suffix)] + suffix
            k += 1
        used.add(n)
        out[c] = n
    return out


def export_store(store_path: str | Path, out: str | Path, fmt: str, table: str = "runs") -> Path:
    """Write a store's table as CSV, Parquet or Stata (.dta, with variable and value labels)."""
    import pandas as pd

    from sim.errors import UserError
    from sim.experiments.store import atomic_path, load

    if fmt not in EXPORT_FORMATS:
        raise UserError("unknown export format", key="--table-format",
                        expected=", ".join(EXPORT_FORMATS), found=fmt)  # fmt: skip
    if table not in TABLES:
        raise UserError("unknown table", key="--table", expected=", ".join(TABLES), found=table)
    out = Path(out)
    if out.is_dir():
        raise UserError("the export target is a folder", key="--out",
                        expected="a file name", found=str(out))  # fmt: skip
    if not out.parent.is_dir():
        raise UserError("the export target's folder does not exist", key="--out",
                        expected="an existing folder", found=str(out.parent))  # fmt: skip
    st = load(store_path)
    df, entries = export_table(st, table, stata=fmt == "stata")
    df = df.reset_index(drop=True)
    with atomic_path(out) as tmp:
        if fmt == "csv":
            df.to_csv(tmp, index=False, na_rep="", lineterminator="\n")
        elif fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            t = pa.Table.from_pandas(df, preserve_index=False)
            fields = []
            for f in t.schema:
                e = entries.get(f.name)
                meta = {"description": e["meaning"], "unit": e["unit"],
                        "missing": e["missing_in_export"]} if e else {}  # fmt: skip
                fields.append(f.with_metadata({k: str(v) for k, v in meta.items()}))
            t = t.cast(pa.schema(fields, metadata=t.schema.metadata))
            cb = json.dumps(store_codebook(st.manifest)).encode()
            t = t.replace_schema_metadata({**(t.schema.metadata or {}), b"alignsim.codebook": cb})
            pq.write_table(t, tmp)
        else:
            names = stata_names(list(df.columns))
            labels: dict[str, str] = {}
            value_labels: dict[str, dict[float, str]] = {}
            for c, n in names.items():
                e = entries.get(c)
                text = e["label"] if e else c
                if n != c:
                    text = f"{c}: {text}"
                labels[n] = text[:STATA_LABEL_MAX]
                if e and "categories" in e:
                    value_labels[n] = {float(k): v for k, v in e["categories"].items()}
                elif e and e["type"] == "boolean":
                    value_labels[n] = {float(k): v for k, v in BOOL_LABELS.items()}
            sdf = df.rename(columns=names)
            for c in sdf.columns:
                if pd.api.types.is_extension_array_dtype(sdf[c]) and pd.api.types.is_integer_dtype(
                    sdf[c]
                ):
                    sdf[c] = sdf[c].astype("float64")  # Stata's missing "." for a null
            sdf.to_stata(tmp, write_index=False, version=118, variable_labels=labels,
                         value_labels=value_labels or None,
                         data_label=f"alignsim {st.manifest.get('experiment_name', '')} "
                                    f"{table}"[:80])  # fmt: skip
    return out
