"""Write docs/CODEBOOK.md and the codebook section of docs/STORE.md from the output declarations.

    .venv/bin/python tools/gen_codebook.py          # rewrite docs/CODEBOOK.md and STORE.md's section
    .venv/bin/python tools/gen_codebook.py --check  # exit 1 if either is stale

Every variable's meaning, unit, type, range and missing value comes from ``sim.core.outputs``
(and the ladder's steps from ``sim.core.steps``); ``tests/test_docs_generated.py`` fails when the
file differs from what this script writes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.core.outputs import Output
    from sim.core.priors import Prior

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "docs" / "CODEBOOK.md"
STORE = ROOT / "docs" / "STORE.md"


def _kind(o: Output) -> str:
    if o.unit == "true/false":
        return "boolean"
    return "integer" if o.integer else "float"


def _row(o: Output, with_range: bool) -> str:
    cells = [f"`{o.name}`", o.label, o.meaning, o.unit, _kind(o)]
    if with_range:
        cells.append(f"{o.lo:g} .. {o.hi:g}")
    cells.append(o.missing or "never missing")
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def _prior_row(p: Prior) -> str:
    from sim.core.params import param_info

    info = param_info(p.name)
    rng = f"{int(p.lo)} .. {int(p.hi)} (whole numbers)" if p.integer else f"{p.lo:g} .. {p.hi:g}"
    cells = [f"`theta_{p.name}`", info["meaning"], rng, f"{info['default']:g}",
             f"{info['lo']:g} .. {info['hi']:g}", p.why]  # fmt: skip
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def text() -> str:
    # this checkout's package, even where another checkout is the installed one
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from sim.core.outputs import FIRST_MOVER, MONTHLY, SUMMARY
    from sim.core.priors import PRIORS
    from sim.core.steps import LADDER
    from sim.experiments.store import QUANTILES
    from sim.results.windows import FOLLOWUP, WINDOW, WINDOWED_OUTCOMES

    never = dict(FIRST_MOVER)
    lines = [
        "# Codebook: the columns of a result store",
        "",
        "*Generated from the declarations in `sim/core/outputs.py` by `tools/gen_codebook.py`"
        " (`make docs`); do not edit by hand.*",
        "",
        "A result store (`alignsim batch`, see [STORE.md](STORE.md)) holds tidy tables in Parquet"
        " files; `sim.load(STORE)` reads them into pandas. The model is a stylised research and"
        " teaching model, not a forecast: these are the outputs of runs, not measurements.",
        "",
        "**Missing values.** Inside the store a month that never came (a step never taken,"
        " cooperation never institutionalised) is `-1` so that integer columns stay integers;"
        " `alignsim export STORE --out FILE` (CSV, Parquet or Stata) writes it as a null, and"
        " `sim.results.codebook.never_as_null(st.runs)` does the same in pandas. Reading the"
        " Parquet parts directly, recode `-1` before taking means (in R `na_if(x, -1)`; in Stata"
        " `mvdecode col, mv(-1)`). Booleans are stored as Parquet booleans. `first_mover` and"
        " `first_by_<step>` are codes: an export writes them as labelled categories (Stata value"
        " labels). Every store holds its own codebook (`codebook.json`, `CODEBOOK.md`).",
        "",
        "## runs/ (one row a run)",
        "",
        "| column | meaning | type | missing |",
        "|---|---|---|---|",
        "| `point` | design point (a row of design.parquet) | integer | never missing |",
        "| `replication` | replication index: keys the run's random numbers with the seed"
        " | integer | never missing |",
        "| `seed` | root seed | integer | never missing |",
        "| `draw` | the run's parameter draw (replication // `seeds_per_draw`); only when the"
        " batch drew parameters (see below) | integer | absent when parameters are pinned |",
        "| *factor columns* | the experiment's factors (one column each, as in design.parquet)"
        " | as the factor | never missing |",
        "| `theta_<name>` | the value of parameter `<name>` the run drew (one column per drawn"
        " parameter, below) | float | absent when pinned, or when `<name>` is a factor or pinned |",
        "| *outcome columns* | the experiment's `[outputs] runs` (default: every summary variable"
        " below) | see below | see below |",
        "| `first_month_<step>` | month the step was first taken (one column per step of the"
        " ladder below) | integer | -1 (never) |",
        "| `first_by_<step>` | who first took it: 0 ROK, 1 Japan, 2 jointly | integer"
        " | -1 (never) |",
        "",
        "### Summary variables (outcome columns)",
        "",
        "| name | label | meaning | unit or scale | type | missing |",
        "|---|---|---|---|---|---|",
        *(_row(o, with_range=False) for o in SUMMARY),
        "",
        "`first_mover` codes: " + ", ".join(f"`{k}` {v}" for k, v in sorted(never.items())) + ".",
        "",
        "### Windowed outcomes (derived, not stored)",
        "",
        "`alignsim summary`, `alignsim report` and the README's findings compute these from"
        " `inst_month` and `collapse_month` with an institution window W and a follow-up F (in"
        f" months, defaults {WINDOW} and {FOLLOWUP}; `--window`, `--followup`); see"
        " [RESEARCH.md](RESEARCH.md), *Outcomes with windows*, and"
        " [`sim/results/windows.py`](../sim/results/windows.py).",
        "",
        "| name | meaning | type |",
        "|---|---|---|",
        *(f"| `{k}` | {v} | boolean |" for k, v in WINDOWED_OUTCOMES.items()),
        "",
        "### Drawn parameters (`theta_<name>` columns)",
        "",
        "Unless a batch pins them, every run draws the parameters the record cannot identify"
        " from these uniform priors (`sim/core/priors.py`; the calibration's accepted sample"
        ' instead for the fitted ones with `parameters = "posterior"`). Draw j is the same at'
        " every design point; see [UNCERTAINTY.md](UNCERTAINTY.md).",
        "",
        "| column | meaning | prior | default | declared range | why the record cannot identify it |",
        "|---|---|---|---|---|---|",
        *(_prior_row(p) for p in PRIORS),
        "",
        "### The ladder of steps (`<step>` in the column names)",
        "",
        "| step | label | owner | reversible |",
        "|---|---|---|---|",
        *(
            f"| `{s.name}` | {s.label} | {s.owner} | {'yes' if s.reversible else 'no'} |"
            for s in LADDER
        ),
        "",
        "## monthly.parquet (one row per design point, month and variable)",
        "",
        "| column | meaning |",
        "|---|---|",
        "| `point` | design point |",
        "| `month` | model month (0 = the start month) |",
        "| `variable` | a monthly variable (below) |",
        "| `n` | runs aggregated |",
        "| `mean` | mean over the runs |",
        *(
            f"| `q{round(q * 100):02d}` | {round(q * 100)}th percentile over the runs |"
            for q in QUANTILES
        ),
        "",
        "Aggregates come from histograms of 512 bins on each variable's range (below); values"
        " outside the range are clipped to it. See STORE.md for how quantiles are interpolated.",
        "",
        "## Monthly variables (monthly.parquet `variable`, trajectories columns)",
        "",
        "| name | label | meaning | unit or scale | type | range | missing |",
        "|---|---|---|---|---|---|---|",
        *(_row(o, with_range=True) for o in MONTHLY),
        "",
        "## trajectories/ (with `--trajectories`: one row per run and month)",
        "",
        "`point`, `replication`, `month`, then one column per monthly variable above.",
        "",
        "## design.parquet (one row per design point)",
        "",
        "`point`, one column per factor, `scenario_name`, `scenario_hash` (sha256 of everything"
        " that determines a run except its name, description and seed).",
        "",
    ]
    return "\n".join(lines)


def store_section() -> str:
    """The generated codebook section of docs/STORE.md: every column a store can have."""
    from sim.results.codebook import codebook_markdown, store_codebook

    body = codebook_markdown(store_codebook(None), heading="###")
    body = body.replace("### Codebook\n", "### Every column of a store\n", 1)
    return (
        f"{START}\n<!-- generated by tools/gen_codebook.py (make docs); do not edit by hand"
        f" -->\n\n{body.rstrip()}\n\n{END}"
    )


START, END = "<!-- codebook:start -->", "<!-- codebook:end -->"


def store_text() -> str:
    """docs/STORE.md with its generated codebook section (appended under a heading when absent)."""
    old = STORE.read_text(encoding="utf-8")
    if START in old and END in old:
        head, rest = old.split(START, 1)
        tail = rest.split(END, 1)[1]
        return head + store_section() + tail
    return old.rstrip("\n") + "\n\n## Codebook\n\n" + store_section() + "\n"


def main() -> int:
    text()  # puts this checkout first on sys.path
    targets = {CODEBOOK: text(), STORE: store_text()}
    if "--check" in sys.argv[1:]:
        stale = [p for p, new in targets.items()
                 if not p.exists() or p.read_text(encoding="utf-8") != new]  # fmt: skip
        for p in stale:
            print(f"{p} is stale: run .venv/bin/python tools/gen_codebook.py")
        return 1 if stale else 0
    for p, new in targets.items():
        p.write_text(new, encoding="utf-8")
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
