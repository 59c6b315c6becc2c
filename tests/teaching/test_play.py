"""Play-a-country: moves, costs, the decision log, the debrief and the terminal command."""

from __future__ import annotations

import csv
import io

import pytest

from sim.cli import main
from sim.core import steps as S
from sim.core.params import Scenario
from sim.engines.model import AlignmentModel
from sim.teaching.play import (
    DEBRIEF_FIELDS,
    DEBRIEF_STRATEGIES,
    NO_STEP_LEFT,
    STRATEGY_LABELS,
    Game,
    MoveError,
    debrief_markdown,
    debrief_text,
    month_heading,
    takeaway,
)


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
    assert [r["run"] for r in rows] == ["You (Seoul)"] + [
        f"Agent Seoul playing {STRATEGY_LABELS[s]}" for s in DEBRIEF_STRATEGIES
    ]
    for r, name in zip(rows[1:], DEBRIEF_STRATEGIES, strict=True):
        m = AlignmentModel(Scenario().with_strategies(ROK=name), rng=5, months=6)
        m.run()
        assert r["final_trilateral"] == pytest.approx(m.summary()["final_trilateral"], abs=1e-4)
    # a player who never steps has taken no ROK step
    assert rows[0]["steps_ROK"] <= rows[1]["steps_ROK"]
    text = debrief_text(rows)
    assert "You (Seoul)" in text and "status quo" in text


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
    assert "Debrief" in out and "Agent Tokyo playing grand bargain" in out
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
    opts = {o["move"]: o for o in g.options()}
    assert not opts["decline"]["feasible"] and "Nothing to decline" in opts["decline"]["reason"]
    with pytest.raises(MoveError, match="Nothing to decline"):
        g.play("decline")


def test_terminal_play_shows_and_accepts_decline_by_name_and_number(tmp_path, monkeypatch, capsys):
    log = tmp_path / "log.csv"
    moves = [o["move"] for o in Game("ROK", seed=1, months=2).options()]
    n = moves.index("decline")  # the last of the moves open now
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


# ---------------------------------------------------------------------------- why can't I?


def test_every_move_not_open_says_why_and_every_open_move_has_no_reason():
    for role, seed in (("ROK", 1), ("JPN", 3), ("US", 2)):
        g = Game(role, seed=seed, months=4)
        while not g.finished:
            opts = g.options()
            for o in opts:
                assert (o["reason"] == "") == bool(o["feasible"]), (role, g.month, o)
            g.play(next(o["move"] for o in opts if o["feasible"]))


def test_the_initiative_margin_is_named_with_its_numbers_and_is_the_real_cause():
    g = Game("ROK", seed=1, months=3)  # Seoul at 24%: the visa step is cheap but it moves first
    p = g.model.run_params
    visa = {o["move"]: o for o in g.options()}["visa_free_entry_rok"]
    assert not visa["feasible"]
    approval, floor, margin = g.approval(), p.rok_approval_floor, p.initiative_margin
    assert approval - visa["cost"] >= floor  # the floor alone would allow it
    reason = visa["reason"]
    assert "initiative margin" in reason and "Tokyo has taken no step yet" in reason
    assert f"{floor + margin:.3f}" in reason and f"{approval - visa['cost']:.3f}" in reason
    # without the margin the same step is open: the reason named the cause
    g0 = Game("ROK", Scenario().with_params(initiative_margin=0.0), seed=1, months=3)
    assert {o["move"]: o for o in g0.options()}["visa_free_entry_rok"]["feasible"]
    # a Tokyo step lifts the margin next month, as the reason says
    g.model.set_choice("JPN", "visa_free_entry_jpn")
    g.play("none")
    assert "took a step" in g.partner_note()
    assert {o["move"]: o for o in g.options()}["visa_free_entry_rok"]["feasible"]


def test_floor_and_trust_reasons_give_the_numbers():
    g = Game("ROK", seed=1, months=2)
    opts = {o["move"]: o for o in g.options()}
    plan = opts["compensation_plan"]
    assert not plan["feasible"] and "below your floor 0.200" in plan["reason"]
    assert f"{g.approval() - plan['cost']:.3f}" in plan["reason"]
    summit = opts["bilateral_summit"]  # needs trust 0.20; it starts at 0.15
    assert not summit["feasible"] and "at least 0.20; it is 0.15 now" in summit["reason"]
    with pytest.raises(MoveError, match="at least 0.20"):
        g.play("bilateral_summit")
    assert "Nothing to reverse" in opts["reverse"]["reason"]


def _summit_only(jpn: str = "small_steps") -> Scenario:
    others = tuple(s.name for s in S.LADDER if s.name != "bilateral_summit")
    return (
        Scenario(disabled_steps=others)
        .with_params(coop_rok_jpn0=0.5, rok_approval0=0.6, rok_approval_baseline=0.6)
        .with_strategies(JPN=jpn)
    )


def test_with_the_ladder_used_up_the_player_still_has_real_choices():
    from sim.core import month as M

    depth = {}
    for move in ("none", "decline"):
        g = Game("ROK", _summit_only(), seed=1, months=4)
        g.play("none")  # Tokyo proposes the summit, Seoul joins: Seoul's ladder is used up
        assert "bilateral summit" in g.log[-1]["what_happened"]
        opts = {o["move"]: o for o in g.options()}
        assert "ladder is used up" in opts[NO_STEP_LEFT]["reason"]
        assert opts["decline"]["feasible"] and opts["none"]["feasible"]
        assert "joint activity" in opts["none"]["label"]
        with pytest.raises(MoveError, match="ladder is used up"):
            g.play(NO_STEP_LEFT)
        g.play(move)
        depth[move] = float(g.model.state.floats[0, M.DEPTH])
    assert depth["none"] > depth["decline"]  # keeping up joint activity deepens; declining not


def test_playing_after_the_last_month_says_the_game_is_over():
    g = Game("JPN", seed=1, months=1)
    assert g.heading() == "Month 1 of 1 (2022-09)"
    g.play("none")
    assert g.finished and g.heading().startswith("Game over after 1 months")
    with pytest.raises(MoveError, match="game is over"):
        g.play("none")


# ---------------------------------------------------------------------------- debrief


def test_debrief_table_has_human_names_and_no_raw_values():
    g = Game("ROK", seed=5, months=6)
    while not g.finished:
        g.play("none")
    rows = g.debrief()
    assert any(r["inst_month"] < 0 for r in rows)  # a run that never institutionalised
    md = debrief_markdown(rows)
    for raw in DEBRIEF_FIELDS:
        assert raw not in md, raw
    for bad in ("-1", "False", "True", "_"):
        assert bad not in md, bad
    assert "never" in md and "Institutionalised in month" in md and "| no |" in md
    # every decimal has three places
    import re

    assert re.findall(r"\d\.\d+", md) and all(
        len(x.split(".")[1]) == 3 for x in re.findall(r"\d\.\d+", md)
    )


def test_debrief_series_give_each_run_by_month():
    g = Game("JPN", seed=2, months=5)
    while not g.finished:
        g.play("none")
    series = g.debrief_series()
    dates = series.pop("dates")
    assert dates[0] == "2022-08" and dates[-1] == "2023-01" and len(dates) == 6
    assert list(series) == [r["run"] for r in g.debrief()]
    assert all(len(ys) == 6 for ys in series.values())
    assert series["You (Tokyo)"][-1] == pytest.approx(g.debrief()[0]["final_trilateral"], abs=1e-4)


def _row(run: str, tri: float, inst: int) -> dict:
    return {"run": run, "final_trilateral": tri, "inst_month": inst}


def test_takeaway_is_computed_from_the_runs():
    rows = [_row("You", 0.5, 9), _row("A", 0.4, -1), _row("B", 0.7, 5), _row("C", 0.5, 12),
            _row("D", 0.3, -1)]  # fmt: skip
    text = takeaway(rows)
    assert "0.500" in text and "above 2 of the 4 agent runs and level with 1" in text
    assert "month 9" in text and "Best agent run: B (0.700, institutionalised: month 5)" in text
    rows[0] = _row("You", 0.8, -1)
    text = takeaway(rows)
    assert "above 4 of the 4" in text and "never institutionalised" in text


# ---------------------------------------------------------------------------- terminal


def test_terminal_play_echoes_piped_moves_and_numbers_months_like_the_log(
    tmp_path, monkeypatch, capsys
):
    log = tmp_path / "log.csv"
    monkeypatch.setattr("sys.stdin", io.StringIO("1\n0\nnone\n"))
    assert main(["play", "--as", "JPN", "--months", "3", "--log", str(log)]) == 0
    out = capsys.readouterr().out
    assert "your move> 1\n" in out and "your move> 0\n" in out and "your move> none\n" in out
    rows = list(csv.DictReader(io.StringIO(log.read_text())))
    for r in rows:
        heading = month_heading(int(r["month"]), 3, r["date"])
        assert f"== {heading} ==" in out  # the month a move is for ...
        assert f"-> {heading}:" in out  # ... and what happened in it: one numbering
    assert "== Month 1 of 3 (2022-09) ==" in out
    assert Game("JPN", seed=1, months=3).heading() == "Month 1 of 3 (2022-09)"  # the app's too
    assert "Your run ended with a trilateral index of" in out


def test_terminal_play_does_not_echo_typed_moves(tmp_path, monkeypatch, capsys):
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Tty("0\n"))
    assert main(["play", "--months", "1", "--log", str(tmp_path / "l.csv")]) == 0
    out = capsys.readouterr().out
    assert "your move>   -> Month 1 of 1 (2022-09)" in out


def test_terminal_play_prints_why_a_move_is_not_open(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("visa_free_entry_rok\nq\n"))
    assert main(["play", "--months", "2", "--log", str(tmp_path / "l.csv")]) == 0
    out = capsys.readouterr().out
    assert "why not: Unaffordable when you move first" in out
    assert "'visa_free_entry_rok' is not open now: Unaffordable when you move first" in out


# ---------------------------------------------------------------------------- the app's tab


def test_play_tab_shows_why_plays_a_move_in_the_background_and_logs_it():
    """The Play tab rendered without a browser (solara.render): every disabled move has its
    "Why not" line; a move runs as a task, then the month and the log show it."""
    import time

    import ipyvuetify as v
    import solara

    from sim.teaching.play_tab import PlayTab
    from sim.teaching.settings import Settings

    _, rc = solara.render(PlayTab(Settings()), handle_error=False)
    rc.find(v.Btn, children=["Start game"]).widget.click()

    def texts() -> list[str]:
        out = []
        for h in rc.find(v.Html, tag="span").widgets:
            out += [c for c in h.children if isinstance(c, str)]
        out += [str(h.unsafe_innerHTML) for h in rc.find(solara.widgets.HTML).widgets]
        return out

    buttons = [b for b in rc.find(v.Btn).widgets if "move" in b.class_.split()]
    disabled = [b for b in buttons if b.disabled]
    why = [t for t in texts() if t.startswith("Why not: ")]
    assert disabled and len(why) == len(disabled)
    decline = [b for b in buttons if "move-decline" in b.class_.split()]
    assert len(decline) == 1 and not decline[0].disabled
    decline[0].click()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any("play-log-table" in t for t in texts()):
        time.sleep(0.1)
    page = " ".join(texts())
    assert "Month 1 of 12 (2022-09)" in page and "Decline any joint step this month" in page


def test_play_tab_figure_and_log_for_a_us_game():
    from sim.teaching.play_tab import _figure, _log_html

    g = Game("US", seed=2, months=3)
    for level in ("0.2", "1.0", "0.4"):
        g.play(level)
    fig = _figure(g)
    assert [t.name for t in fig.data] == [r["run"] for r in g.debrief()]  # you + 5 agent runs
    assert fig.data[0].x[0] == "2022-08-01" and len(fig.data[0].y) == 4
    assert "Trilateral cooperation index" in fig.layout.yaxis.title.text
    table = _log_html(g)
    assert table.count("<tr>") == 4 and "Month 3 of 3 (2022-11)" in table
    assert "US pressure 1.00" in table and "nan" not in table and "None" not in table


def test_a_proposal_that_did_not_happen_is_said_in_the_log():
    outcomes = set()
    for seoul in ("grand_bargain", "small_steps"):  # joins the bargain / does not
        spec = Scenario().with_params(rok_approval0=0.6, rok_approval_baseline=0.6,
                                      jpn_approval0=0.8).with_strategies(ROK=seoul)  # fmt: skip
        g = Game("JPN", spec, seed=1, months=2)
        assert {o["move"]: o for o in g.options()}["grand_bargain"]["feasible"]
        n = len(g.model.steps_log)
        row = g.play("grand_bargain")
        happened = any(s["step"] == "grand_bargain" for s in g.model.steps_log[n:])
        said = row["what_happened"].startswith("Your proposal did not happen: Seoul did not join")
        assert happened != said, (seoul, row["what_happened"])
        outcomes.add(happened)
    assert outcomes == {True, False}


def test_play_tab_shows_it_is_busy_while_a_month_is_played(monkeypatch):
    import threading
    import time

    import ipyvuetify as v
    import solara

    from sim.teaching import play_tab
    from sim.teaching.settings import Settings

    gate = threading.Event()
    real_play = Game.play

    def slow_play(self: Game, move: str) -> dict:
        gate.wait(10)  # the month takes as long as the test says
        return real_play(self, move)

    monkeypatch.setattr(Game, "play", slow_play)
    _, rc = solara.render(play_tab.PlayTab(Settings()), handle_error=False)
    rc.find(v.Btn, children=["Start game"]).widget.click()

    def moves() -> list:
        return [b for b in rc.find(v.Btn).widgets if "move" in b.class_.split()]

    def busy() -> bool:
        return any("Working" in str(c) for h in rc.find(v.Html, tag="span").widgets
                   for c in h.children)  # fmt: skip

    [b for b in moves() if "move-none" in b.class_.split()][0].click()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not busy():
        time.sleep(0.05)
    assert busy() and all(b.disabled for b in moves())  # feedback, and no second click
    assert rc.find(v.Btn, children=["Start game"]).widget.disabled
    gate.set()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and busy():
        time.sleep(0.05)
    assert not busy() and any(not b.disabled for b in moves())


def test_play_tab_offers_the_countries_by_name_and_the_us_pressure_levels():
    import ipyvuetify as v
    import solara

    from sim.teaching.play_tab import PlayTab
    from sim.teaching.settings import Settings

    _, rc = solara.render(PlayTab(Settings()), handle_error=False)
    select = rc.find(v.Select, label="Play as").widget
    assert select.items == ["South Korea (Seoul)", "Japan (Tokyo)", "United States"]
    select.v_model = "United States"
    rc.find(v.Btn, children=["Start game"]).widget.click()
    labels = [str(b.children[0]) for b in rc.find(v.Btn).widgets if "move" in b.class_.split()]
    assert labels[0].startswith("US pressure 0.0 [backlash 0.000]") and len(labels) == 6
