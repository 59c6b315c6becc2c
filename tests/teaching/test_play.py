"""Play-a-country: moves, costs, the decision log, the debrief and the terminal command."""

from __future__ import annotations

import csv
import io

import pytest

from sim.cli import main
from sim.core import steps as S
from sim.core.params import Scenario
from sim.engines.model import AlignmentModel
from sim.teaching.play import DEBRIEF_STRATEGIES, Game, MoveError, debrief_text


def _cheapest_step(game: Game) -> str:
    steps = [o for o in game.options() if o["feasible"] and o["move"] in S.STEP_INDEX]
    return min(steps, key=lambda o: o["cost"])["move"] if steps else "none"


def test_a_played_step_is_taken_by_the_player_and_logged_with_its_cost():
    g = Game("JPN", seed=3, months=4)  # Tokyo's 59% approval affords its first steps
    opts = {o["move"]: o for o in g.options()}
    assert opts["none"]["cost"] == 0.0
    move = _cheapest_step(g)
    assert move != "none"
    row = g.play(move)
    assert row["month"] == 1 and row["move"] == move
    assert row["expected_cost"] == pytest.approx(opts[move]["cost"], abs=1e-4)
    taken = {(s["actor"], s["step"], s["action"]) for s in g.model.steps_log}
    assert ("JPN", move, "take") in taken
    assert move not in {o["move"] for o in g.options()}  # taken: off the table


def test_unaffordable_unknown_and_late_moves_are_refused():
    g = Game("ROK", seed=1, months=1)
    unaffordable = [o["move"] for o in g.options() if not o["feasible"]]
    assert "grand_bargain" in unaffordable  # 24% approval cannot pay for a grand bargain
    with pytest.raises(MoveError, match="approval"):
        g.play("grand_bargain")
    with pytest.raises(MoveError, match="not open"):
        g.play("whitelist_jpn")  # Japan's step, not Seoul's
    assert g.month == 0 and g.log == []
    g.play("none")
    with pytest.raises(MoveError, match="over"):
        g.play("none")


def test_same_moves_and_seed_give_the_same_game():
    logs = []
    for _ in range(2):
        g = Game("JPN", seed=7, months=5)  # the cheapest step, or none when none is affordable
        while not g.finished:
            g.play(_cheapest_step(g) if g.month % 2 == 0 else "none")
        logs.append(g.log_csv())
    assert logs[0] == logs[1]


def test_us_player_sets_the_pressure_for_each_month():
    g = Game("US", seed=2, months=3)
    assert [o["move"] for o in g.options()][0] == "0.0"
    for level in ("1.0", "0.0", "0.6"):
        g.play(level)
    df = g.model.datacollector.get_model_vars_dataframe()
    assert df["us_coercion"].tolist()[1:] == pytest.approx([1.0, 0.0, 0.6])
    with pytest.raises(MoveError):
        Game("US", months=1).play("1.5")
    with pytest.raises(MoveError):
        Game("US", months=1).play("lots")


def test_debrief_sets_the_run_beside_the_four_strategies_on_the_same_seed():
    g = Game("ROK", seed=5, months=6)
    while not g.finished:
        g.play("none")
    rows = g.debrief()
    assert [r["run"] for r in rows] == ["You (ROK)"] + [
        f"Agent ROK playing {s}" for s in DEBRIEF_STRATEGIES
    ]
    for r, name in zip(rows[1:], DEBRIEF_STRATEGIES, strict=True):
        m = AlignmentModel(Scenario().with_strategies(ROK=name), rng=5, months=6)
        m.run()
        assert r["final_trilateral"] == pytest.approx(m.summary()["final_trilateral"], abs=1e-4)
    # a player who never steps has taken no ROK step
    assert rows[0]["steps_ROK"] <= rows[1]["steps_ROK"]
    text = debrief_text(rows)
    assert "You (ROK)" in text and "status_quo" in text


def test_decision_log_csv_has_one_row_per_month():
    g = Game("ROK", seed=1, months=3)
    for _ in range(3):
        g.play("none")
    rows = list(csv.DictReader(io.StringIO(g.log_csv())))
    assert [int(r["month"]) for r in rows] == [1, 2, 3]
    assert rows[0]["date"] == "2022-09" and rows[0]["move"] == "none"


def test_terminal_play_reads_moves_from_stdin_and_writes_the_log(tmp_path, monkeypatch, capsys):
    log = tmp_path / "log.csv"
    monkeypatch.setattr("sys.stdin", io.StringIO("1\nnonsense\n0\nnone\n"))
    rc = main(["play", "--as", "jpn", "--months", "3", "--seed", "1", "--log", str(log)])
    out = capsys.readouterr().out
    assert rc == 0
    assert "not a move: 'nonsense'" in out
    assert "Debrief" in out and "Agent JPN playing grand_bargain" in out
    rows = list(csv.DictReader(io.StringIO(log.read_text())))
    assert len(rows) == 3 and rows[0]["move"] == "visa_free_entry_jpn"
    assert [r["move"] for r in rows[1:]] == ["none", "none"]


def test_a_declining_player_blocks_the_partners_joint_step_and_the_log_says_decline():
    # trust high enough for the summit to be on the table, approval enough to afford it
    spec = Scenario().with_params(coop_rok_jpn0=0.5, rok_approval0=0.6, rok_approval_baseline=0.6)
    summits = {}
    for move in ("decline", "none"):
        g = Game("ROK", spec, seed=1, months=2)
        opts = {o["move"]: o for o in g.options()}
        assert opts["decline"]["cost"] == 0.0 and opts["decline"]["feasible"]
        g.model.set_choice("JPN", "bilateral_summit")  # Tokyo proposes the summit
        row = g.play(move)
        assert row["move"] == move and row["expected_cost"] == 0.0
        summits[move] = "bilateral summit" in row["what_happened"]
    assert summits == {"decline": False, "none": True}
    g = Game("ROK", spec, seed=1, months=1)
    g.play("decline")
    rows = list(csv.DictReader(io.StringIO(g.log_csv())))
    assert rows[0]["move"] == "decline"
    assert rows[0]["label"] == "Decline any joint step this month"


def test_decline_is_refused_when_no_joint_step_is_on_the_table():
    joint = tuple(s.name for s in S.LADDER if s.owner == "joint")
    g = Game("JPN", Scenario(disabled_steps=joint), seed=1, months=1)
    with pytest.raises(MoveError, match="not open"):
        g.play("decline")


def test_terminal_play_shows_and_accepts_decline_by_name_and_number(tmp_path, monkeypatch, capsys):
    log = tmp_path / "log.csv"
    n = len(Game("ROK", seed=1, months=2).options()) - 1  # decline is listed last
    monkeypatch.setattr("sys.stdin", io.StringIO(f"decline\n{n}\n"))
    rc = main(["play", "--as", "ROK", "--months", "2", "--seed", "1", "--log", str(log)])
    out = capsys.readouterr().out
    assert rc == 0
    assert f"[{n}] decline " in out and "Decline any joint step this month" in out
    assert "No step of my own (join a joint step if proposed)" in out
    rows = list(csv.DictReader(io.StringIO(log.read_text())))
    assert [r["move"] for r in rows] == ["decline", "decline"]


def test_terminal_play_ends_early_on_end_of_input(tmp_path, monkeypatch, capsys):
    log = tmp_path / "log.csv"
    monkeypatch.setattr("sys.stdin", io.StringIO("0\n"))
    assert main(["play", "--as", "JPN", "--months", "4", "--log", str(log)]) == 0
    assert "ended early" in capsys.readouterr().out
    assert len(log.read_text().splitlines()) == 2  # header and one month


def test_terminal_play_rejects_a_bad_scenario_or_length(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["play", "--scenario", "no_such_scenario"]) == 2
    assert main(["play", "--months", "0"]) == 2
    assert "error" in capsys.readouterr().err
