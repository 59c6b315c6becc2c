"""The priors of the parameters the record cannot identify, and the draws from them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import seeds
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core.params import PARAM_FIELDS, SCHEDULABLE, param_info
from sim.core.priors import (
    PRIORS,
    Prior,
    draw_of_replication,
    draw_parameters,
    draws_at,
    posterior_rows,
    prior_names,
    prior_problems,
    uncertain_names,
)

DECLARED = {name: param_info(name) for name in PARAM_FIELDS}


def test_every_prior_lies_inside_its_declared_range_with_a_reason() -> None:
    assert prior_problems(PRIORS, DECLARED) == []
    assert len(set(prior_names())) == len(PRIORS) >= 23
    assert not set(prior_names()) & set(SCHEDULABLE)  # a schedule would override a draw


def test_the_check_finds_a_prior_outside_its_declaration() -> None:
    bad = (
        Prior("motivation_threshold", 0.0, 3.5, "too wide"),
        Prior("small_step_interval", 1, 4, "integer flag lost"),
        Prior("no_such_parameter", 0.0, 1.0, "undeclared"),
        Prior("lock_in", 0.5, 0.5, ""),
    )
    problems = "\n".join(prior_problems(bad, DECLARED))
    assert "motivation_threshold: prior [0.0, 3.5] outside its declared [-1.0, 3.0]" in problems
    assert "small_step_interval: integer is False" in problems
    assert "no_such_parameter: not a declared parameter" in problems
    assert "lock_in: empty prior" in problems and "lock_in: no reason given" in problems


def test_the_calibration_takes_its_priors_from_here() -> None:
    from sim.validation import calibration as C

    assert [f.name for f in C.FREE] == list(C.INFORMED_BY)
    assert all(f is next(p for p in PRIORS if p.name == f.name) for f in C.FREE)


def test_uncertain_names_leave_out_factors_and_pins_in_prior_order() -> None:
    names = uncertain_names(PRIORS, ["lock_in", "us_coercion", "commitment_effect"])
    assert "lock_in" not in names and "commitment_effect" not in names
    assert list(names) == [p.name for p in PRIORS if p.name not in ("lock_in", "commitment_effect")]
    assert uncertain_names(PRIORS, prior_names()) == ()


def test_draws_are_reproducible_in_range_and_seeded() -> None:
    a, b = draw_parameters(PRIORS, 7, 400), draw_parameters(PRIORS, 7, 400)
    other = draw_parameters(PRIORS, 8, 400)
    for p in PRIORS:
        np.testing.assert_array_equal(a[p.name], b[p.name])
        assert not np.array_equal(a[p.name], other[p.name])
        x = a[p.name]
        assert x.shape == (400,) and x.min() >= p.lo and x.max() <= p.hi
        if p.integer:
            assert set(np.unique(x)) == set(range(int(p.lo), int(p.hi) + 1))
        else:  # uniform: the mean near the middle, both ends reached
            assert abs(x.mean() - (p.lo + p.hi) / 2) < 0.06 * (p.hi - p.lo)
            assert x.min() < p.lo + 0.05 * (p.hi - p.lo) and x.max() > p.hi - 0.05 * (p.hi - p.lo)
    # parameters are drawn independently of each other
    assert abs(np.corrcoef(a["lock_in"], a["china_leverage"])[0, 1]) < 0.2


@settings(max_examples=30, deadline=None)
@given(seed=seeds, index=st.lists(st.integers(0, 999), min_size=1, max_size=8))
def test_a_draw_depends_only_on_seed_and_index(seed: int, index: list[int]) -> None:
    """Draw j is the same whatever else is drawn: by count, by subset, or with another prior."""
    full = draw_parameters(PRIORS, seed, 1000)
    some = draws_at(PRIORS, seed, index)
    for name, values in some.items():
        np.testing.assert_array_equal(values, full[name][index])
    more = (*PRIORS, Prior("threat_decay", 0.0, 0.5, "a new mechanism's parameter"))
    extra = draws_at(more, seed, index)
    for name in prior_names():
        np.testing.assert_array_equal(extra[name], some[name])


def test_a_prior_is_scaled_onto_its_range_by_name_not_position() -> None:
    moved = tuple(reversed(PRIORS))
    a, b = draw_parameters(PRIORS, 3, 20), draw_parameters(moved, 3, 20)
    for name in prior_names():
        np.testing.assert_array_equal(a[name], b[name])
    wider = tuple(dataclasses.replace(p, hi=p.hi * 2 + 1) for p in PRIORS[:1])
    assert not np.array_equal(draw_parameters(wider, 3, 20)[PRIORS[0].name], a[PRIORS[0].name])


def test_replications_map_onto_draws_and_posterior_rows_cover_the_sample() -> None:
    np.testing.assert_array_equal(draw_of_replication(np.arange(12), 5),
                                  [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2])  # fmt: skip
    with pytest.raises(ValueError):
        draw_of_replication([0], 0)
    rows = posterior_rows(5, np.arange(2000), 7)
    assert rows.dtype == np.int64 and set(rows) == set(range(7))
    np.testing.assert_array_equal(rows, posterior_rows(5, np.arange(2000), 7))
    with pytest.raises(ValueError):
        posterior_rows(5, [0], 0)
