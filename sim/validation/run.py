"""The edge behind `alignsim validate`: run the hindcast ensembles, score, write files and docs.

Writes into OUT: ``scores.json`` (everything), ``scores.csv`` (headline metric per scenario),
``polls.csv`` and ``steps.csv`` (per poll / per step), ``hindcast.png`` (and
``calibrated.png``); and regenerates ``docs/VALIDATION.md`` with its figure in ``docs/figures``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from sim import package_version
from sim.core.params import Scenario, scenario_hash
from sim.validation import history as H
from sim.validation import scores as V


def repo_root() -> Path:
    """The source tree's root (where docs/, scenarios/ and data/ live)."""
    return Path(__file__).resolve().parents[2]


def score_scenario(
    scenario: Scenario, tgt: V.RecordTargets, seed: int, runs: int, uncertainty: Any = None
) -> tuple[dict[str, Any], V.Ensemble]:
    ens = V.run_ensemble(scenario, seed, runs, uncertainty=uncertainty)
    ens.meta.update(
        {"scenario": scenario.name, "scenario_hash": scenario_hash(scenario), "seed": seed}
    )
    return V.score_all(ens, tgt), ens


def ensemble_uncertainty(
    mode: str, seed: int, runs: int, seeds_per_draw: int, scenario: Scenario
) -> Any:
    """How a validation ensemble draws its parameters: ``prior``, ``posterior`` (the
    calibration's accepted sample; the prior when there is none yet) or ``pinned``.

    Raises:
        UserError: runs not a multiple of seeds_per_draw, or a draw that could contradict the
            scenario's parameters.
    """
    from sim.errors import UserError
    from sim.experiments.uncertainty import POSTERIOR_SAMPLE, constraint_problem, resolve

    if mode == "posterior" and not POSTERIOR_SAMPLE.is_file():
        mode = "prior"
    u = resolve(mode, seeds_per_draw, (), seed, ())
    if u.drawn and runs % seeds_per_draw:
        raise UserError("runs are not a multiple of the seeds per parameter draw",
                        key="--runs", expected=f"a multiple of {seeds_per_draw}", found=runs,
                        hint="change --seeds-per-draw, or --pin-parameters")  # fmt: skip
    problem = constraint_problem(u, scenario)
    if problem is not None:
        raise UserError("a parameter draw could contradict the scenario", file=scenario.name,
                        key=problem[0], expected=problem[1], hint="--pin-parameters")  # fmt: skip
    return u


def uncertainty_text(u: Any, runs: int) -> str:
    """How an ensemble's parameters were set, in a sentence part."""
    if u is None or not u.drawn:
        return "every parameter at the scenario's value (pinned)"
    source = ("the calibration's accepted sample for the fitted parameters and their priors for "
              "the others" if u.parameters == "posterior" else "their priors")  # fmt: skip
    return (
        f"{len(u.names)} parameters the record cannot identify drawn from {source} "
        f"({u.draws(runs)} draws x {u.seeds_per_draw} seeds)"
    )


def write_tables(out: Path, named: dict[str, dict[str, Any]]) -> list[Path]:
    """scores.json, scores.csv, polls.csv and steps.csv for each scored scenario."""
    out.mkdir(parents=True, exist_ok=True)
    files = [out / "scores.json", out / "scores.csv", out / "polls.csv", out / "steps.csv"]
    files[0].write_text(json.dumps(named, indent=2, default=str) + "\n")
    rows = [
        {"scenario": name, "metric": k, "value": v}
        for name, s in named.items()
        for k, v in V.headline(s).items()
    ]
    pd.DataFrame(rows).to_csv(files[1], index=False)
    polls = [{"scenario": n, **r} for n, s in named.items() for r in s["approval"]["polls"]]
    pd.DataFrame(polls).to_csv(files[2], index=False)
    steps = [{"scenario": n, **r} for n, s in named.items() for r in s["step_order"]["steps"]]
    pd.DataFrame(steps).to_csv(files[3], index=False)
    return files


def stages(calibrated: bool, episode: bool, time_split: bool, theory: bool) -> int:
    """How many stages :func:`run_validation` reports to its progress bar (the hindcast, and
    each of the calibrated ensemble, the episode, the time split and the theory checks asked
    for; a calibrated scenario that does not exist counts as done)."""
    return 1 + sum(map(bool, (calibrated, episode, time_split, theory)))


def run_validation(
    runs: int,
    seed: int,
    out: Path,
    docs: Path | None,
    scenario: str = "hindcast_2022_2023",
    calibrated: str | None = "calibrated",
    theory: bool = True,
    command: str = "alignsim validate",
    log: Callable[[str], None] = print,
    pin_parameters: bool = False,
    seeds_per_draw: int = 5,
    episode: bool = True,
    time_split: bool = True,
    split_particles: int = 50_000,
    progress: Any = None,
) -> dict[str, Any]:
    """Run, score and write everything; returns the scores by scenario name.

    The hindcast ensemble draws the parameters the record cannot identify from their priors,
    the calibrated one from the calibration's accepted sample (docs/UNCERTAINTY.md), replication
    r taking draw r // ``seeds_per_draw``; ``pin_parameters`` keeps every parameter at its
    scenario's value (and pins the theory experiments too).

    ``episode``: also score the out-of-sample episode of 2015-2019 (``sim.validation.episode``;
    the calibrated parameters, never refitted); ``time_split``: also run the time-split check
    (``sim.validation.timesplit``: fit to the record up to February 2023 with
    ``split_particles`` particles, score March - August 2023).

    ``progress``: a :class:`sim.experiments.progress.Progress` over :func:`stages`, or None.
    """
    step = progress.advance if progress is not None else (lambda _n=1: None)
    from sim.scenario import find_scenario, load_scenario
    from sim.validation.plots import plot_hindcast
    from sim.validation.report import render_validation

    record = H.load_history()
    tgt = V.record_targets(record)
    hind = load_scenario(scenario)
    modes = {"hindcast": "prior", "calibrated": "posterior"}
    if pin_parameters:
        modes = dict.fromkeys(modes, "pinned")
    drawn = {"hindcast": ensemble_uncertainty(modes["hindcast"], seed, runs, seeds_per_draw, hind)}
    log(f"hindcast: {runs} runs of {hind.name} ({hind.months} months), seed {seed}, "
        + uncertainty_text(drawn["hindcast"], runs))  # fmt: skip
    named: dict[str, dict[str, Any]] = {}
    ensembles: dict[str, V.Ensemble] = {}
    named["hindcast"], ensembles["hindcast"] = score_scenario(hind, tgt, seed, runs,
                                                              drawn["hindcast"])  # fmt: skip
    step()
    cal_sc = None
    if calibrated:
        try:
            cal_path = find_scenario(calibrated)
        except Exception:  # noqa: BLE001 - no calibrated scenario yet: validate the hindcast only
            cal_path = None
            step()
        if cal_path is not None:
            cal_sc = load_scenario(cal_path)
            drawn["calibrated"] = ensemble_uncertainty(modes["calibrated"], seed, runs,
                                                       seeds_per_draw, cal_sc)  # fmt: skip
            log(f"calibrated: {runs} runs of {cal_sc.name}, "
                + uncertainty_text(drawn["calibrated"], runs))  # fmt: skip
            named["calibrated"], ensembles["calibrated"] = score_scenario(
                cal_sc, tgt, seed, runs, drawn["calibrated"])  # fmt: skip
        step()
    files = write_tables(out, named)
    stamp = f"alignsim {package_version()} | seed {seed} | {runs} runs"
    for name, ens in ensembles.items():
        sc = hind if name == "hindcast" else cal_sc
        assert sc is not None
        fig = plot_hindcast(
            ens,
            tgt,
            title=f"{name.capitalize()} ({sc.name}) against the record, Aug 2022 - Aug 2023",
            stamp=f"{stamp} | scenario {sc.name} ({scenario_hash(sc)})",
            months=min(ens.months, 24),
        )
        path = out / f"{name}.png"
        fig.savefig(path, dpi=110)
        files.append(path)
    extra: list[str] = []
    if episode:
        extra.append(run_episode_section(seed, runs, seeds_per_draw, pin_parameters, out, log))
        step()
    if time_split:
        from sim.validation.report import time_split_markdown
        from sim.validation.timesplit import run_time_split

        log(f"time split: fit up to February 2023 and to the whole record ({split_particles} "
            f"particles each), {runs} runs each")  # fmt: skip
        ts = run_time_split(hind, split_particles, 0.01, seed, runs, seeds_per_draw, out)
        (out / "timesplit.json").write_text(json.dumps(ts, indent=2, default=str) + "\n")
        files.append(out / "timesplit.json")
        extra.append(time_split_markdown(ts))
        step()
    sections: list[dict[str, Any]] = []
    if theory:
        from sim.validation.theory import run_theory_checks

        sections = run_theory_checks(seed=seed, log=log, pin_parameters=pin_parameters)
        (out / "theory.json").write_text(
            json.dumps([s.get("data", {}) for s in sections], indent=2, default=str) + "\n"
        )
        step()
    if docs is not None:
        figdir = docs / "figures"
        figdir.mkdir(parents=True, exist_ok=True)
        fig_names = {}
        for name in ensembles:
            target = figdir / f"validation_{name}.png"
            target.write_bytes((out / f"{name}.png").read_bytes())
            fig_names[name] = f"figures/validation_{name}.png"
        for sec in sections:
            for fig_name, fig in sec.get("figures", {}).items():
                fig.savefig(figdir / fig_name, dpi=110)
        context = {
            "command": command,
            "version": package_version(),
            "seed": seed,
            "runs": runs,
            "n_facts": len(record),
            "n_polls": len(tgt.polls),
            "n_steps": len(tgt.steps),
            "start": tgt.start,
            "hindcast_name": hind.name,
            "hindcast_hash": scenario_hash(hind),
            "calibrated_hash": scenario_hash(cal_sc) if cal_sc is not None else "",
            "figure": fig_names["hindcast"],
            "figures": fig_names,
            "parameters": {k: uncertainty_text(u, runs) for k, u in drawn.items()},
            "drawn": bool(drawn["hindcast"].drawn),
        }
        md = render_validation(named["hindcast"], named.get("calibrated"), context, sections,
                               extra)  # fmt: skip
        (docs / "VALIDATION.md").write_text(md)
        files.append(docs / "VALIDATION.md")
    log("wrote " + ", ".join(str(f) for f in files))
    return named


def run_episode_section(
    seed: int,
    runs: int,
    seeds_per_draw: int,
    pin_parameters: bool,
    out: Path,
    log: Callable[[str], None] = print,
) -> str:
    """Run and score the out-of-sample episode of 2015-2019 (the calibrated parameters drawn as
    the calibrated ensemble draws them, and pinned at the posterior medians); write
    ``episode_scores.json`` and ``episode_polls.csv`` into ``out``; return its Markdown."""
    from sim.scenario import load_scenario
    from sim.validation import episode as E
    from sim.validation.report import episode_markdown

    sc = load_scenario(E.SCENARIO)
    record = E.episode_record()
    tgt = E.episode_targets(record, sc.start)
    modes = ["pinned"] if pin_parameters else ["posterior", "pinned"]
    titles = {
        "posterior": "Calibrated, parameters drawn",
        "pinned": "Calibrated, pinned at the posterior medians",
    }
    named: list[tuple[str, dict[str, Any]]] = []
    text: dict[str, str] = {}
    for mode in modes:
        u = ensemble_uncertainty(mode, seed, runs, seeds_per_draw, sc)
        text[titles[mode]] = uncertainty_text(u, runs)
        log(f"episode 2015-2019: {runs} runs of {sc.name}, {text[titles[mode]]}")
        ens = E.run_episode(sc, seed, runs, u if u.drawn else None)
        s = E.score_episode(ens, tgt)
        s["meta"].update({"scenario": sc.name, "scenario_hash": scenario_hash(sc), "seed": seed,
                          "mode": mode})  # fmt: skip
        named.append((titles[mode], s))
    out.mkdir(parents=True, exist_ok=True)
    (out / "episode_scores.json").write_text(json.dumps(dict(named), indent=2, default=str) + "\n")
    pd.DataFrame([{"ensemble": t, **r} for t, s in named for r in s["approval"]["polls"]]).to_csv(
        out / "episode_polls.csv", index=False
    )
    context = {
        "name": sc.name,
        "hash": scenario_hash(sc),
        "start": sc.start,
        "n_facts": tgt.facts,
        "parameters": text,
    }
    return episode_markdown(named, context)
