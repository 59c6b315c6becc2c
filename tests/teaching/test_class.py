"""Class mode's state machine (sim.teaching.classroom.state): presets, joining and roles, joint
steps that need the partner's acceptance, the timer and "advance when all have chosen", agents
in empty roles, dropping closed pages, ending a session, and the CSV of all decisions."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from sim.engines.model import AlignmentModel
from sim.errors import UserError
from sim.teaching.classroom.state import (
    AGENT_STRATEGIES,
    CSV_FIELDS,
    ClassError,
    Classroom,
    UnknownStudent,
    load_presets,
)


@pytest.fixture(scope="module")
def presets():
    return load_presets()


@pytest.fixture
def room(presets) -> Classroom:
    return Classroom(presets["exercise_4"], drop_after=10, now=0.0)


def _frame(model):
    return model.datacollector.get_model_vars_dataframe()


def _reference(preset, months: int | None = None) -> AlignmentModel:
    m = AlignmentModel(preset.resolve(), rng=preset.seed, months=preset.months)
    for _ in range(preset.months if months is None else months):
        m.step()
    return m


# ------------------------------------------------------------------------------ presets
def test_builtin_presets_lock_scenario_seed_months_and_roles(presets):
    p = presets["exercise_4"]
    assert (p.scenario, p.months, p.roles) == ("baseline_2022", 12, ("ROK", "JPN", "US"))
    assert presets["allies_only"].roles == ("ROK", "JPN")
    for q in presets.values():
        assert q.resolve().months >= 1 and 1 <= q.months <= 120


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (
            '[x]\nscenario = "baseline_2022"\nseed = 1\nmonths = 12\nroles = ["ROK", "CHN"]\n',
            "unknown role",
        ),
        ('[x]\nscenario = "baseline_2022"\nseed = 1\nmonths = 500\nroles = ["ROK"]\n', "x.months"),
        (
            '[x]\nscenario = "baseline_2022"\nseed = 1\nmonths = 12\nroles = ["ROK"]\ncolour = 1\n',
            "unknown key",
        ),
        (
            '[x]\nscenario = "no_such_scenario"\nseed = 1\nmonths = 12\nroles = ["ROK"]\n',
            "x.scenario",
        ),
        ('[x]\nscenario = "baseline_2022"\nmonths = 12\nroles = ["ROK"]\n', "x.seed"),
        ("[x\n", "TOML syntax"),
    ],
)
def test_bad_preset_files_name_the_file_and_key(tmp_path: Path, body: str, needle: str):
    f = tmp_path / "p.toml"
    f.write_text(body)
    with pytest.raises(UserError) as e:
        load_presets(f)
    assert needle in str(e.value) and str(f) in str(e.value)


# ------------------------------------------------------------------------------ joining
def test_join_assigns_free_roles_in_order_or_the_chosen_one(room):
    a = room.join("Ana", "a", now=0)
    b = room.join("Bo", "A", now=0)
    c = room.join("Cy", "b", "US", now=0)
    assert (a.role, b.role, a.group, b.group) == ("ROK", "JPN", "A", "A")
    assert c.role == "US" and c.group == "B"
    d = room.join("Di", "a", now=0)
    assert d.role == "US"
    with pytest.raises(ClassError, match="full"):
        room.join("Ed", "A", now=0)
    with pytest.raises(ClassError, match="taken"):
        room.join("Flo", "B", "US", now=0)
    with pytest.raises(ClassError, match="already in group"):
        room.join("cy", "B", now=0)
    with pytest.raises(ClassError, match="group code"):
        room.join("Gil", "no spaces!", now=0)
    with pytest.raises(ClassError, match="name"):
        room.join("   ", "C", now=0)


def test_roles_outside_the_preset_are_refused(presets):
    room = Classroom(presets["allies_only"], now=0)
    room.join("Ana", "A", now=0)
    room.join("Bo", "A", now=0)
    with pytest.raises(ClassError, match="full"):
        room.join("Cy", "A", now=0)
    with pytest.raises(ClassError, match="roles are ROK, JPN"):
        room.join("Di", "B", "US", now=0)


# ------------------------------------------------------------------------------ agents fill roles
def test_a_group_of_agents_equals_a_normal_run_with_the_same_seed(presets):
    p = presets["exercise_4"]
    room = Classroom(p, now=0)
    st = room.join("Ana", "A", now=0)  # joins, never chooses, and is dropped after month 3
    room.join("Bo", "B", now=0)
    for month in range(p.months):
        if month == 3:
            room.leave(st.sid)
        room.advance(now=month)
    ref = _reference(p)
    for code in ("A", "B"):
        assert _frame(room.groups[code].model).equals(_frame(ref))
        assert room.groups[code].model.steps_log == ref.steps_log


def test_student_moves_reach_the_model_as_in_a_played_run(presets):
    p = presets["exercise_4"]
    room = Classroom(p, now=0)
    us = room.join("Uma", "A", "US", now=0)
    room.choose(us.sid, "1.0", now=0)
    room.advance(now=1)
    ref = AlignmentModel(p.resolve(), rng=p.seed, months=p.months)
    ref.set_us_pressure(1.0)
    ref.step()
    assert _frame(room.groups["A"].model).equals(_frame(ref))
    assert room.groups["A"].model.record()[0] == ref.record()[0]


# ------------------------------------------------------------------------------ joint steps
def _pair(room):
    rok = room.join("Ana", "A", "ROK", now=0)
    jpn = room.join("Bo", "A", "JPN", now=0)
    return rok, jpn, room.groups["A"]


def test_a_joint_step_needs_the_partner_and_happens_only_when_accepted(presets):
    outcomes = {}
    for accept in (True, False):
        room = Classroom(presets["exercise_4"], now=0)
        rok, jpn, g = _pair(room)
        room.choose(jpn.sid, "grand_bargain", now=0)
        assert [p[1] for p in g.proposals_to("ROK")] == ["grand_bargain"]
        room.choose(rok.sid, "none", now=0)
        assert not g.ready(), "the proposal is not answered yet"
        view = room.student_view(jpn.sid, now=0)
        assert view["waiting"] == "waiting for your partner to accept or decline"
        room.respond(rok.sid, accept, now=0)
        assert g.ready()
        room.advance(now=1)
        outcomes[accept] = [s["step"] for s in g.model.steps_log if s["month"] == 1]
        row = next(r for r in room.log if r["role"] == "ROK")
        assert row["partner_answer"] == f"{'accepted' if accept else 'declined'} grand_bargain"
        assert row["move"] == ("none" if accept else "decline")
    assert "grand_bargain" in outcomes[True]
    assert "grand_bargain" not in outcomes[False]


def test_no_answer_is_needed_when_the_partner_is_an_agent_or_declined(room):
    jpn = room.join("Bo", "A", "JPN", now=0)
    g = room.groups["A"]
    room.choose(jpn.sid, "grand_bargain", now=0)
    assert g.proposals_to("ROK") == [] and g.ready()
    rok = room.join("Ana", "A", "ROK", now=0)
    room.choose(rok.sid, "decline", now=0)
    assert g.proposals_to("ROK") == [] and g.ready()
    with pytest.raises(ClassError, match="no proposal"):
        room.respond(rok.sid, True, now=0)


def test_moves_not_open_are_refused_with_the_reason(room):
    rok = room.join("Ana", "A", "ROK", now=0)
    opts = {o["move"]: o for o in room.options(room.groups["A"], "ROK")}
    closed = [o for o in opts.values() if not o["feasible"]]
    assert closed, "the ROK leader at 24% approval cannot afford every step in August 2022"
    for o in closed:
        assert "floor" in o["reason"]
        with pytest.raises(ClassError, match="floor"):
            room.choose(rok.sid, o["move"], now=0)
    with pytest.raises(ClassError, match="not open now"):
        room.choose(rok.sid, "no_such_move", now=0)


# ------------------------------------------------------------------------------ timer, auto
def test_the_timer_advances_the_month_and_agents_play_who_did_not_choose(room):
    a = room.join("Ana", "A", now=0)
    room.join("Bo", "A", now=0)
    room.set_timer(20, False, now=0)
    room.choose(a.sid, "none", now=1)
    room.tick(5)
    assert room.month == 0
    room.seen(a.sid, 19)
    for sid in list(room.students):
        room.seen(sid, 19)
    assert room.tick(20.5)
    assert room.month == 1 and room.last_advance == "timer"
    by = {r["student"]: r["decided_by"] for r in room.log}
    assert by == {"Ana": "student", "Bo": "agent (timer)"}
    assert room.deadline == pytest.approx(40.5), "the next month gets a fresh timer"


def test_auto_advance_waits_for_every_student(room):
    a = room.join("Ana", "A", now=0)
    b = room.join("Bo", "B", now=0)
    room.set_timer(0, True, now=0)
    room.choose(a.sid, "none", now=1)
    room.tick(2)
    assert room.month == 0
    room.choose(b.sid, "none", now=2)
    room.tick(3)
    assert room.month == 1 and room.last_advance == "all chose"
    room.tick(4)
    assert room.month == 1, "a new month waits for new choices"


def test_no_auto_advance_without_students(room):
    room.set_timer(0, True, now=0)
    room.tick(1)
    assert room.month == 0


# ------------------------------------------------------------------------------ closing
def test_pages_that_stop_polling_are_dropped_and_the_role_returns_to_the_agent(room):
    a = room.join("Ana", "A", now=0)
    b = room.join("Bo", "A", now=0)
    room.choose(a.sid, "none", now=0)
    room.seen(b.sid, 8)
    room.tick(10.5)  # Ana last seen at 0, drop_after 10
    assert a.sid not in room.students and b.sid in room.students
    assert "ROK" not in room.groups["A"].members and "ROK" not in room.groups["A"].choices
    with pytest.raises(UnknownStudent):
        room.student_view(a.sid, now=11)
    room.tick(18.5)
    assert not room.students


def test_end_releases_runs_and_students_but_keeps_the_log(room):
    a = room.join("Ana", "A", now=0)
    room.choose(a.sid, "none", now=0)
    room.advance(now=1)
    room.end()
    assert room.ended and not room.groups and not room.students
    assert len(room.decisions_csv().splitlines()) == 2
    assert [r["run"] for r in room.outcomes()] == ["Group A"]
    with pytest.raises(ClassError, match="ended"):
        room.join("Bo", "B", now=2)
    with pytest.raises(ClassError, match="ended"):
        room.advance(now=2)


# ------------------------------------------------------------------------------ the end, CSV
def test_outcomes_set_the_class_beside_same_seed_agent_runs(presets):
    p = presets["exercise_4"]
    room = Classroom(p, now=0)
    a = room.join("Ana", "A", "JPN", now=0)
    room.join("Bo", "B", now=0)
    for month in range(p.months):
        if month == 0:
            room.choose(a.sid, "grand_bargain", now=month)
        room.advance(now=month)
    assert room.finished
    with pytest.raises(ClassError, match="over"):
        room.advance(now=99)
    rows = room.outcomes()
    assert [r["run"] for r in rows[:2]] == ["Group A", "Group B"]
    agents = [r for r in rows if r["kind"] == "agents"]
    assert len(agents) == len(AGENT_STRATEGIES) + 1
    for name, row in zip(AGENT_STRATEGIES, agents, strict=False):
        m = AlignmentModel(
            p.resolve().with_strategies(ROK=name, JPN=name), rng=p.seed, months=p.months
        )
        m.run()
        assert row["max_trilateral"] == round(float(m.summary()["max_trilateral"]), 4)
    scenario_row = agents[-1]
    group_b = rows[1]
    assert {k: v for k, v in scenario_row.items() if k not in ("run", "kind")} == {
        k: v for k, v in group_b.items() if k not in ("run", "kind")
    }, "group B (a student who never chose) ran the scenario as written"
    assert rows[0]["max_trilateral"] != group_b["max_trilateral"], (
        "the grand bargain changed group A's run"
    )


def test_the_csv_has_one_row_per_student_and_month(room):
    a = room.join("Ana", "A", now=0)
    b = room.join("Bo", "A", now=0)
    c = room.join("Cy", "B", "US", now=0)
    room.choose(a.sid, "none", now=0)
    room.choose(c.sid, "0.8", now=0)
    room.advance(now=1)
    room.choose(b.sid, "none", now=1)
    room.advance(now=2)
    rows = list(csv.DictReader(io.StringIO(room.decisions_csv())))
    assert tuple(rows[0]) == CSV_FIELDS
    assert len(rows) == 6
    first = [(r["group"], r["student"], r["role"], r["move"], r["decided_by"]) for r in rows[:3]]
    assert first == [("A", "Ana", "ROK", "none", "student"), ("A", "Bo", "JPN", "(agent)", "agent (no choice)"),
                     ("B", "Cy", "US", "0.8", "student")]  # fmt: skip
    assert {r["month"] for r in rows} == {"1", "2"}
    assert {r["date"] for r in rows} == {"2022-09", "2022-10"}
    assert rows[2]["us_pressure"] == "0.8"


# ------------------------------------------------------------------------------ docs
DOCS = Path(__file__).resolve().parents[2] / "docs" / "teaching"


def test_the_class_worksheet_quotes_its_preset_and_links_its_key(presets):
    from sim.teaching.classroom.exercise import PRESET, settings

    p = presets[PRESET]
    text = (DOCS / "exercise_4_class.md").read_text(encoding="utf-8")
    assert f"**{p.seed}**" in text and f"`{p.scenario}`" in text and f"`{p.key}`" in text
    assert f"| months | {p.months} " in text
    for part in ("Learning objectives", "Class settings", "Worksheet", "Debrief questions",
                 "answer_keys/exercise_4_class.md", "alignsim class", "not a forecast"):  # fmt: skip
        assert part in text
    key = (DOCS / "answer_keys" / "exercise_4_class.md").read_text(encoding="utf-8")
    assert (
        f"seed = {settings()['seed']}" in key and "Agents: both allies play a grand bargain" in key
    )


def test_the_teaching_guide_has_a_class_mode_section():
    text = (DOCS / "README.md").read_text(encoding="utf-8")
    assert "## Class mode" in text and "alignsim class --host 0.0.0.0" in text
    assert "exercise_4_class.md" in text
