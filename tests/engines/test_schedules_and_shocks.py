"""Any parameter on a schedule, and shock kinds declared as data: loaded from scenario files,
checked with located messages, and run the same in every engine (compiled batch, reference
month, Mesa model) to the bit.

The meaning is checked against what it must equal: a schedule from month 0 is the parameter set
in ``[params]``; a shock on a parameter for some months is the schedule that says so; a data kind
that adds to approval (or to grievance) is the built-in ``approval_shock`` (``flashpoint``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from sim.core import month as M
from sim.core.params import (
    PARAM_FIELDS,
    SHOCK_KINDS,
    ParameterError,
    Scenario,
    ShockKind,
    register_shock_kind,
)
from sim.engines.batch import MONTHLY_VARS, BatchResult, simulate
from sim.engines.model import AlignmentModel
from sim.errors import UserError
from sim.scenario import load_scenario, resolved_toml

SEED, REPS, MONTHS = 11, 12, 30


def scenario(tmp_path: Path, text: str, name: str = "s") -> Scenario:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'name = "{name}"\nmonths = {MONTHS}\n' + text, encoding="utf-8")
    return load_scenario(path)


def error(tmp_path: Path, text: str) -> UserError:
    with pytest.raises(UserError) as e:
        scenario(tmp_path, text)
    return e.value


def run(sc: Scenario, compiled: bool = True) -> BatchResult:
    return simulate(sc, SEED, np.arange(REPS), keep_monthly=True, compiled=compiled)


def same(a: BatchResult, b: BatchResult) -> bool:
    assert a.monthly is not None and b.monthly is not None
    return bool(np.array_equal(a.monthly, b.monthly)) and all(
        np.array_equal(a.summary[k], b.summary[k]) for k in a.summary
    )


def assert_engines_agree(sc: Scenario) -> BatchResult:
    """Compiled batch, reference month and the Mesa model: identical to the bit."""
    compiled = run(sc)
    assert same(compiled, run(sc, compiled=False))
    assert compiled.monthly is not None
    for r in (0, REPS - 1):
        model = AlignmentModel(sc, rng=SEED, replication=r)
        model.run()
        mesa = model.datacollector.get_model_vars_dataframe()[list(MONTHLY_VARS)].to_numpy()
        np.testing.assert_array_equal(mesa, compiled.monthly[r])
    return compiled


def col(result: BatchResult, name: str) -> np.ndarray:
    assert result.monthly is not None
    return result.monthly[:, :, MONTHLY_VARS.index(name)]


# ------------------------------------------------------------------------ any parameter scheduled
#: Parameters outside the three patron inputs, of each sort: a rate read every month, a
#: whole-number parameter, a threshold, a leader's floor.
SCHEDULED = {
    "nk_launch_rate": (4.0, 14.0),
    "small_step_interval": (4, 1),
    "rok_approval_floor": (0.20, 0.05),
    "trust_gain_scale": (1.0, 2.0),
}


@pytest.mark.parametrize("key", sorted(SCHEDULED))
def test_a_schedule_from_month_0_is_the_parameter_itself(tmp_path: Path, key: str) -> None:
    value = next(v for v in SCHEDULED[key] if v != PARAM_FIELDS[key].default)
    scheduled = scenario(tmp_path, f"[schedules]\n{key} = [[0, {value}]]\n", "a")
    assert scheduled.schedule(key) == ((0, value),)
    as_param = scenario(tmp_path, f"[params]\n{key} = {value}\n", "b")
    base = scenario(tmp_path, "", "c")
    assert same(run(scheduled), run(as_param))
    assert not same(run(scheduled), run(base))  # the schedule changed the runs


@pytest.mark.parametrize("key", sorted(SCHEDULED))
def test_a_schedule_takes_effect_from_its_month_in_every_engine(tmp_path: Path, key: str) -> None:
    before, after = SCHEDULED[key]
    sc = scenario(
        tmp_path, f"[schedules]\n{key} = [[0, {before}], [10, {after}], [20, {before}]]\n"
    )
    result = assert_engines_agree(sc)
    base = run(scenario(tmp_path, f"[params]\n{key} = {before}\n", "base"))
    assert result.monthly is not None and base.monthly is not None
    np.testing.assert_array_equal(result.monthly[:, :10], base.monthly[:, :10])
    assert not np.array_equal(result.monthly[:, 10:], base.monthly[:, 10:])


def test_the_month_reads_one_parameter_record_per_segment_of_months(tmp_path: Path) -> None:
    sc = scenario(tmp_path, "[schedules]\nnk_launch_rate = [[5, 9.0], [8, 4.0]]\n")
    world = M.world_of(sc)
    assert world.segment.tolist() == [0] * 5 + [1] * 3 + [2] * (MONTHS + 1 - 8)
    records = M.param_records(sc.params, world=world)
    assert records.shape == (3, 1)
    assert records["nk_launch_rate"][:, 0].tolist() == [4.0, 9.0, 4.0]
    varying = M.param_records(sc.params, 3, {"nk_launch_rate": np.array([1.0, 2.0, 3.0])}, world)
    assert varying["nk_launch_rate"].tolist() == [[1.0, 2.0, 3.0], [9.0] * 3, [4.0] * 3]


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("jpn_replacement_months = [[0, 3], [6, 2.5]]", "schedules.jpn_replacement_months[1] value", "whole number"),
        ("nk_launch_rate = [[0, 4.0], [6, 25.0]]", "schedules.nk_launch_rate[1] value", "[0.0, 20.0]"),
        ("rok_approval_flor = [[0, 0.1]]", "schedules.rok_approval_flor", "rok_approval_floor"),
        ("small_step_interval = [[3, 2], [3, 4]]", "schedules.small_step_interval[1]", "strictly increasing"),
    ],
)  # fmt: skip
def test_a_bad_schedule_is_located(tmp_path: Path, text: str, key: str, expected: str) -> None:
    e = error(tmp_path, f"[schedules]\n{text}\n")
    assert e.key == key
    assert expected in str(e)
    assert e.file is not None and e.file.endswith("s.toml")


def test_schedules_that_break_a_constraint_are_located(tmp_path: Path) -> None:
    hi = PARAM_FIELDS["institution_threshold"].default
    e = error(tmp_path, f"[schedules]\ncollapse_threshold = [[0, 0.1], [7, {hi}]]\n")
    assert "month 7" in e.message and "collapse_threshold" in (e.key or "")


# ------------------------------------------------------------------------ shock kinds as data
def test_a_data_kind_on_approval_is_the_built_in_approval_shock(tmp_path: Path) -> None:
    """The built-in kinds are expressible as data: same runs to the bit."""
    events = [(4, "ROK", -0.15), (9, "JPN", 0.2), (15, "ROK", 0.9)]
    builtin = "".join(
        f'[[events]]\nmonth = {m}\nkind = "approval_shock"\nactor = "{a}"\nvalue = {v}\n'
        for m, a, v in events
    )
    data = '[shock_kinds.poll]\ntarget = "approval"\nop = "add"\n' + "".join(
        f'[[events]]\nmonth = {m}\nkind = "poll"\nactor = "{a}"\nvalue = {v}\n'
        for m, a, v in events
    )
    as_builtin = run(scenario(tmp_path, builtin, "a"))
    as_data = assert_engines_agree(scenario(tmp_path, data, "b"))
    assert same(as_builtin, as_data)
    assert not same(as_data, run(scenario(tmp_path, "", "c")))


def test_a_data_kind_on_grievance_is_the_built_in_flashpoint(tmp_path: Path) -> None:
    ev = '[[events]]\nmonth = 6\nkind = "{}"\nactor = "JPN"\nvalue = 0.4\n'
    builtin = run(scenario(tmp_path, ev.format("flashpoint"), "a"))
    data = run(
        scenario(tmp_path, '[shock_kinds.spark]\ntarget = "grievance"\n' + ev.format("spark"), "b")
    )
    assert same(builtin, data)


def test_a_shock_on_a_parameter_is_the_schedule_it_amounts_to(tmp_path: Path) -> None:
    shocked = scenario(
        tmp_path,
        '[shock_kinds.missile_crisis]\ntarget = "nk_launch_rate"\nop = "multiply"\nvalue = 3.0\n'
        'duration = 4\n[[events]]\nmonth = 10\nkind = "missile_crisis"\n',
        "a",
    )
    schedule = scenario(tmp_path, "[schedules]\nnk_launch_rate = [[10, 12.0], [14, 4.0]]\n", "b")
    assert same(assert_engines_agree(shocked), run(schedule))


def test_a_state_shock_lasts_its_months_and_is_clipped(tmp_path: Path) -> None:
    sc = scenario(
        tmp_path,
        '[shock_kinds.war_scare]\ndescription = "a war scare"\ntarget = "threat"\nop = "set"\n'
        "value = 1.0\nduration = 3\n"
        '[shock_kinds.thaw]\ntarget = "coop_rok_jpn"\nop = "add"\nvalue = 5.0\n'
        '[[events]]\nmonth = 8\nkind = "war_scare"\nactor = "ROK"\n'
        '[[events]]\nmonth = 20\nkind = "thaw"\n',
    )
    result = assert_engines_agree(sc)
    base = run(scenario(tmp_path, "", "base"))
    threat, base_threat = col(result, "threat_ROK"), col(base, "threat_ROK")
    np.testing.assert_array_equal(threat[:, :8], base_threat[:, :8])
    # set to 1 at the start of months 8-10, then the month's own threat dynamics act on it
    p = sc.params
    assert np.all(threat[:, 8:11] > base_threat[:, 8:11])
    assert np.all(threat[:, 8:11] >= 1.0 - p.threat_decay * (1.0 - p.threat_baseline) - 1e-12)
    assert np.all(col(result, "coop_ROK_JPN")[:, 20] <= 1.0)
    assert not np.array_equal(
        col(result, "coop_ROK_JPN")[:, 20:], col(base, "coop_ROK_JPN")[:, 20:]
    )


def test_a_scenarios_kinds_travel_with_it(tmp_path: Path) -> None:
    """`alignsim show` prints them, and the printed scenario loads to the same hash."""
    from sim.core.params import scenario_hash

    sc = scenario(
        tmp_path,
        '[shock_kinds.sanctions]\ntarget = "china_coercion"\nvalue = 0.2\nduration = 0\n'
        '[[events]]\nmonth = 3\nkind = "sanctions"\n',
    )
    again = tmp_path / "again.toml"
    again.write_text(resolved_toml(sc), encoding="utf-8")
    assert scenario_hash(load_scenario(again)) == scenario_hash(sc)
    coercion = col(run(sc), "china_coercion")
    assert np.all(coercion[:, 3:] == sc.params.china_coercion + 0.2)  # duration 0: to the end
    assert np.all(coercion[:, :3] == sc.params.china_coercion)


def test_shipped_style_scenarios_keep_their_hash() -> None:
    """A scenario without data kinds hashes as before (no new key in its description)."""
    from sim.core.params import scenario_dict

    assert "shock_kinds" not in scenario_dict(Scenario())


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ('[shock_kinds.x]\ntarget = "aproval"\n', "shock_kinds.x.target", "did you mean 'approval'"),
        ('[shock_kinds.x]\ntarget = "threat"\nop = "double"\n', "shock_kinds.x.op", "add, multiply, set"),
        ('[shock_kinds.x]\ntarget = "threat"\nop = "set"\nvalue = 1.5\n', "shock_kinds.x.value", "[0.0, 1.0]"),
        ('[shock_kinds.x]\ntarget = "small_step_interval"\nop = "multiply"\nvalue = 2\n', "shock_kinds.x.value", "whole-number"),
        ('[shock_kinds.x]\ntarget = "threat"\nmagnitude = 1\n', "shock_kinds.x.magnitude", "value"),
        ('[shock_kinds.x]\nop = "add"\n', "shock_kinds.x.target", "state variable"),
        ('[shock_kinds.flashpoint]\ntarget = "threat"\n', "shock_kinds.flashpoint", "built-in"),
        ('[shock_kinds.x]\ntarget = "threat"\nvalue = 0.1\n[[events]]\nmonth = 2\nkind = "x"\n',
         "events[0].actor", "ROK or JPN"),
        ('[shock_kinds.x]\ntarget = "depth"\nvalue = 0.1\n[[events]]\nmonth = 2\nkind = "x"\nactor = "ROK"\n',
         "events[0].actor", "no actor"),
        ('[shock_kinds.x]\ntarget = "depth"\n[[events]]\nmonth = 2\nkind = "x"\n', "events[0].value", "a value"),
        ('[shock_kinds.sanction]\ntarget = "depth"\n[[events]]\nmonth = 2\nkind = "sanctoin"\nvalue = 1\n',
         "events[0].kind", "sanction"),
    ],
)  # fmt: skip
def test_a_bad_shock_kind_or_event_is_located(
    tmp_path: Path, text: str, key: str, expected: str
) -> None:
    e = error(tmp_path, text)
    assert e.key == key, str(e)
    assert expected in str(e)


def test_a_registered_kind_is_one_declaration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kind registered once (as a plugin does) is usable by name in any scenario, and the
    scenario carries its declaration."""
    from sim.core import params

    monkeypatch.setattr(params, "SHOCK_KINDS", dict(SHOCK_KINDS))
    monkeypatch.setattr(params, "EVENT_KINDS", dict(params.EVENT_KINDS))
    import sim.scenario

    monkeypatch.setattr(sim.scenario, "SHOCK_KINDS", params.SHOCK_KINDS)
    kind = ShockKind("detente", "Thaw in US-China relations", target="us_coercion", op="multiply",
                     value=0.5, duration=6)  # fmt: skip
    register_shock_kind(kind)
    assert params.EVENT_KINDS["detente"] == kind.description
    sc = scenario(tmp_path, '[[events]]\nmonth = 5\nkind = "detente"\n')
    assert sc.shock_kinds == (kind,)
    us = col(assert_engines_agree(sc), "us_coercion")
    assert np.all(us[:, 5:11] == sc.params.us_coercion * 0.5)
    assert np.all(us[:, 11:] == sc.params.us_coercion)
    with pytest.raises(ParameterError, match="target"):
        register_shock_kind(dataclasses.replace(kind, name="bad", target="no_such_thing"))
    with pytest.raises(ParameterError, match="a name no other kind has"):
        register_shock_kind(dataclasses.replace(kind, value=0.9))


def test_threads_split_scheduled_and_varying_runs_without_changing_them(tmp_path: Path) -> None:
    sc = scenario(tmp_path, "[schedules]\nnk_launch_rate = [[0, 2.0], [9, 9.0]]\n")
    n = 2400
    varying = {"rok_approval_floor": np.linspace(0.1, 0.3, n)}
    one = simulate(sc, SEED, np.arange(n), varying=varying, threads=1)
    two = simulate(sc, SEED, np.arange(n), varying=varying, threads=2)
    for k in one.summary:
        np.testing.assert_array_equal(one.summary[k], two.summary[k], err_msg=k)
