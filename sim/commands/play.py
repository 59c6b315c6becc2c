"""``alignsim play``: play the ROK, Japan or the US in the terminal, then a debrief."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

NAME = "play"
HELP = "play a country (ROK, JPN or US) month by month in the terminal, then a debrief"
DESCRIPTION = (
    "Play one country against the agents. Each month the moves open now are listed with their "
    "expected domestic approval cost (for the US: pressure levels and the backlash they risk); "
    "type a move's number or name ('q' ends the game early). A move not open now says why. Moves "
    "are read from standard input, one a line, so a game can be scripted: "
    "printf '1\\n0\\n0\\n' | alignsim play --months 3 (piped moves are echoed). Months are "
    "numbered as in the app and the decision log: 'Month 3 of 24 (2022-10)' is the month a move "
    "is made for. "
    "At the end the run is set beside the four agent strategies on the same seed, and the "
    "decision log is written as CSV. A stylised teaching model, not a forecast."
)
ORDER = 61


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="role", default="ROK", type=str.upper,
                        choices=("ROK", "JPN", "US"), help="the country you play (default ROK)")  # fmt: skip
    parser.add_argument("--scenario", default="default",
                        help="scenario name or TOML path (default: built-in defaults)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=1, help="root seed (default 1)")
    parser.add_argument("--months", type=int, default=12, help="length of the game (default 12)")
    parser.add_argument("--log", type=Path, default=None,
                        help="decision-log CSV (default: alignsim_decisions_<ROLE>_seed<N>.csv)")  # fmt: skip


def _choose(options: list[dict], text: str) -> str | None:
    """The move a line of input names: its number in the list, its name, or None."""
    text = text.strip()
    if text.isdigit() and int(text) < len(options):
        return str(options[int(text)]["move"])
    for o in options:
        if text == o["move"]:
            return str(o["move"])
    return None


def run(args: argparse.Namespace) -> int:
    from sim.errors import UserError
    from sim.teaching.play import (
        ROLE_LABELS,
        Game,
        MoveError,
        debrief_text,
        month_heading,
        resolve_scenario,
        takeaway,
    )

    if args.months < 1 or args.months > 600:
        raise UserError("--months must be in 1..600", found=args.months)
    spec = resolve_scenario(args.scenario)
    from sim.commands._flags import check_seed

    check_seed(args.seed)
    game = Game(args.role, spec, seed=args.seed, months=args.months)
    out = sys.stdout
    # piped moves are echoed after the prompt, so a transcript reads like a session
    echo = not sys.stdin.isatty()
    print(f"alignsim play: you are {ROLE_LABELS[args.role]}; scenario {args.scenario}, "
          f"seed {args.seed}, {args.months} months. A teaching model, not a forecast.", file=out)  # fmt: skip
    shown = -1
    while not game.finished:
        st = game.status()
        opts = game.options()
        if shown != game.month:
            shown = game.month
            print(f"\n== {st['heading']} ==", file=out)
            print(f"trilateral {st['trilateral']:.3f}  ROK-JPN coop {st['coop_ROK_JPN']:.3f}  "
                  f"approval ROK {st['approval_ROK']:.3f}  JPN {st['approval_JPN']:.3f}  "
                  f"US pressure {st['us_coercion']:.3f}", file=out)  # fmt: skip
            if st["partner"]:
                print(st["partner"], file=out)
            for i, o in enumerate(opts):
                kind = "backlash" if game.role == "US" else "cost"
                flag = "" if o["feasible"] else "  (not open now)"
                print(
                    f"  [{i}] {o['move']:<24} {kind} {o['cost']:.3f}  {o['label']}{flag}", file=out
                )
                if not o["feasible"]:
                    print(f"        why not: {o['reason']}", file=out)
        print("your move> ", end="", file=out, flush=True)
        line = sys.stdin.readline()
        if echo:
            print(line.rstrip("\n") if line else "(end of input)", file=out)
        if line == "" or line.strip().lower() in ("q", "quit"):
            print("(game ended early)", file=out)
            break
        move = _choose(opts, line)
        if move is None and game.role == "US":
            move = line.strip()
        if move is None:
            print(f"  not a move: {line.strip()!r}; type a number 0-{len(opts) - 1}", file=out)
            continue
        try:
            row = game.play(move)
        except MoveError as e:
            print(f"  {e}", file=out)
            continue
        when = month_heading(int(row["month"]), game.months, str(row["date"]))
        print(f"  -> {when}: {row['what_happened']}", file=out)
    print("\n== Debrief: your run beside the agent strategies (same seed) ==", file=out)
    rows = game.debrief()
    print(debrief_text(rows), file=out)
    print(takeaway(rows), file=out)
    path = args.log or Path(f"alignsim_decisions_{game.role}_seed{game.seed}.csv")
    try:
        path.write_text(game.log_csv(), encoding="utf-8")
    except OSError as e:
        raise UserError(f"cannot write the decision log: {e.strerror}", file=path) from None
    print(f"\nDecision log ({len(game.log)} months): {path}", file=out)
    return 0
