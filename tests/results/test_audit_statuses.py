"""The audit's pieces without running the model: the variants it declares, the statuses it
gives synthetic evaluations, the sentences it writes, and the experiments it builds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.core.mechanisms import MECHANISMS
from sim.core.priors import PRIORS
from sim.errors import UserError
from sim.results import audit as AU
from sim.results import findings as F

SUPPORTED = F.Evaluation("H1", F.SUPPORTED, 0.1, 0.05, 0.15, 100)
CONTRADICTED = F.Evaluation("H1", F.CONTRADICTED, -0.1, -0.15, -0.05, 100)
OPEN = F.Evaluation("H1", F.OPEN, 0.01, -0.02, 0.04, 100)
NONE = F.Evaluation("H1", F.NOT_EVALUABLE, reason="too few runs")


@pytest.mark.parametrize(("base", "variant", "want"), [
    (SUPPORTED, SUPPORTED, AU.HOLDS), (SUPPORTED, CONTRADICTED, AU.FLIPS),
    (SUPPORTED, OPEN, AU.VANISHES), (CONTRADICTED, SUPPORTED, AU.FLIPS),
    (CONTRADICTED, OPEN, AU.VANISHES), (OPEN, OPEN, AU.HOLDS), (OPEN, SUPPORTED, AU.APPEARS),
    (OPEN, CONTRADICTED, AU.APPEARS), (SUPPORTED, NONE, AU.NA), (NONE, SUPPORTED, AU.NA),
])  # fmt: skip
def test_status_against_the_baseline(base, variant, want) -> None:
    assert AU.status(base, variant) == want


def test_variants_cover_every_mechanism_prior_end_and_posterior_quantile() -> None:
    post = {"concession_cost_scale": np.linspace(0.5, 2.5, 101).tolist(),
            "small_step_interval": [1.0] * 50 + [2.0] * 30 + [4.0] * 21}  # fmt: skip
    vs = AU.variants(posterior=post)
    assert len(vs) == 1 + len(MECHANISMS) + 2 * len(PRIORS) + 2 * len(post)
    assert len({v.name for v in vs}) == len(vs)
    by = {v.name: v for v in vs}
    assert by["baseline"].changes == ()
    assert dict(by["mechanism-us_backlash"].changes) == {
        "us_backlash_cost": 0.0, "us_backlash_step_mult": 0.0, "resentment_rate": 0.0}  # fmt: skip
    lock = next(p for p in PRIORS if p.name == "lock_in")
    assert dict(by["prior_low-lock_in"].changes) == {"lock_in": lock.lo}
    assert dict(by["prior_high-lock_in"].changes) == {"lock_in": lock.hi}
    q05 = dict(by["posterior_q05-concession_cost_scale"].changes)["concession_cost_scale"]
    assert q05 == pytest.approx(np.quantile(post["concession_cost_scale"], 0.05))
    # whole-number parameters stay whole numbers (mechanisms' neutral values included)
    q95 = dict(by["posterior_q95-small_step_interval"].changes)["small_step_interval"]
    assert q95 == 4 and isinstance(q95, int)
    assert dict(by["mechanism-bargain_bundle"].changes) == {"bargain_bundle": 0}
    assert by["prior_high-lock_in"].label == f"lock_in = {lock.hi:g} (prior high end)"


def test_select_by_name_or_kind_and_refuse_unknown_names() -> None:
    vs = AU.variants()
    chosen = AU.select(vs, ["mechanism", "prior_low-lock_in"])
    kinds = {v.kind for v in chosen}
    assert kinds == {"baseline", "mechanism", "prior_low"}
    assert len(chosen) == 1 + len(MECHANISMS) + 1
    with pytest.raises(UserError) as e:
        AU.select(vs, ["mechanism-us_backlsh"])
    assert e.value.key == "--only" and "mechanism-us_backlash" in str(e.value)
    assert AU.select(vs, None) == vs


def _result(
    name: str, kind: str, label: str, ev: F.Evaluation, state: str = "ran"
) -> AU.VariantResult:
    evals = {f.name: F.Evaluation(f.name, F.NOT_EVALUABLE, reason="x") for f in F.FINDINGS}
    evals["H1"] = ev
    return AU.VariantResult(AU.Variant(name, kind, label), state, runs=10, evaluations=evals)


def test_sentence_names_every_exception_and_the_drawn_verdict() -> None:
    results = [
        _result("baseline", "baseline", "the base values", SUPPORTED),
        _result("mechanism-a", "mechanism", "without a", SUPPORTED),
        _result("mechanism-b", "mechanism", "without b", CONTRADICTED),
        _result("prior_low-c", "prior_low", "c = 0 (prior low end)", OPEN),
        AU.VariantResult(
            AU.Variant("prior_low-a", "prior_low", "a = 0 (prior low end)"),
            "same as mechanism-a",
            "the same changes as mechanism-a",
        ),  # fmt: skip
    ]
    st = AU.statuses(results)["H1"]
    assert st == {"baseline": AU.HOLDS, "mechanism-a": AU.HOLDS, "mechanism-b": AU.FLIPS,
                  "prior_low-c": AU.VANISHES}  # fmt: skip
    text = AU.sentence("H1", results, 50, reported=SUPPORTED)
    assert "(50 replications a design point)" in text
    assert "it is supported, as in the ensemble over drawn parameters" in text
    assert "it holds under 1 of the 3 one-at-a-time switches" in text
    assert "it flips without b" in text and "it vanishes with c = 0 (prior low end)" in text
    text = AU.sentence("H1", results, 50, reported=CONTRADICTED)
    assert "unlike the ensemble over drawn parameters (contradicted)" in text
    text = AU.sentence("H1", results, 50, reported=NONE)
    assert "where the ensemble over drawn parameters cannot evaluate it" in text
    short = AU.sentence("H1", results, 50, limit=1)
    assert "it flips without b" in short and "c = 0" not in short and "1 more" in short
    all_hold = AU.sentence("H1", results[:2], 50)
    assert "it holds under every one of the 1 one-at-a-time switches" in all_hold
    assert "cannot be evaluated at the base scenario's parameter values either (x)" in (
        AU.sentence("H2", results, 50))  # fmt: skip


def test_figure_colours_each_cell_by_its_status() -> None:
    results = [
        _result("baseline", "baseline", "the base values", SUPPORTED),
        _result("mechanism-b", "mechanism", "without b", CONTRADICTED),
        _result("prior_low-c", "prior_low", "c = 0 (prior low end)", OPEN),
    ]
    fig = AU.figure(results, "stamp")
    (ax,) = [a for a in fig.axes if a.get_gid() == "audit_matrix"]
    grid = ax.images[0].get_array()
    h1 = [f.name for f in F.FINDINGS].index("H1")
    codes = {s: i for i, s in enumerate(AU.STATUSES)}
    assert [int(grid[i, h1]) for i in range(3)] == [codes[AU.HOLDS], codes[AU.FLIPS],
                                                     codes[AU.VANISHES]]  # fmt: skip
    assert int(grid[0, h1 + 1]) == codes[AU.NA]
    assert [t.get_text() for t in ax.get_yticklabels()][1] == "without b"


def test_variant_experiment_pins_parameters_and_reaches_every_point(tmp_path: Path) -> None:
    from sim.experiments.spec import load_experiment

    exp_file = tmp_path / "e.toml"
    exp_file.write_text('name = "e"\nbase = "baseline_2022"\nreplications = 10\nmonths = 12\n'
                        '[factors]\nscenario = ["baseline_2022", "leader_crisis"]\n'
                        'strategy = ["small_steps", "grand_bargain"]\n')  # fmt: skip
    exp = load_experiment(exp_file)
    assert exp.uncertainty.drawn
    v = next(x for x in AU.variants() if x.name == "mechanism-us_backlash")
    vexp = AU.variant_experiment(exp, v, 7)
    assert vexp.replications == 7 and not vexp.uncertainty.drawn and vexp.monthly_vars == ()
    assert len(vexp.points) == len(exp.points) == 4
    for sc in vexp.points:  # both scenarios, both strategies
        assert (sc.params.us_backlash_cost, sc.params.resentment_rate) == (0.0, 0.0)
    assert {row["us_backlash_cost"] for row in vexp.design} == {0.0}
    assert vexp.design_hash() != AU.variant_experiment(exp, AU.variants()[0], 7).design_hash()
    assert AU.effective_changes(exp, v) == v.changes
    lo_small = next(x for x in AU.variants() if x.name == "prior_low-small_step_interval")
    assert AU.effective_changes(exp, lo_small) == ()  # the base scenario's value already
    bad = AU.Variant("x", "prior_high", "x", (("collapse_threshold", 0.95),))
    with pytest.raises(UserError, match="collapse_threshold"):
        AU.variant_experiment(exp, bad, 7)


def test_a_variant_on_a_factor_of_the_experiment_is_not_run(tmp_path: Path) -> None:
    from sim.experiments.spec import load_experiment

    exp_file = tmp_path / "e.toml"
    exp_file.write_text('name = "e"\nbase = "baseline_2022"\nreplications = 5\nmonths = 12\n'
                        '[factors]\nlock_in = [0.5, 1.0]\n')  # fmt: skip
    exp = load_experiment(exp_file)
    v = next(x for x in AU.variants() if x.name == "prior_high-lock_in")
    assert AU.why_not_run(exp, v) == "the experiment varies lock_in as a factor"
    assert AU.why_not_run(exp, AU.variants()[0]) is None
