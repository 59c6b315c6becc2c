"""Every command's --help renders cleanly; one flag means one thing; mistyped flags and
subcommands get a suggestion."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import _command_modules, build_parser, main

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = [m.NAME for m in _command_modules()]


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_help_renders_without_stray_percent_signs(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _help([command, "--help"], capsys)
    assert f"usage: alignsim {command}" in text
    assert "%%" not in text and "Traceback" not in text
    assert "%(" not in text  # an unexpanded argparse placeholder


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(["--help"], capsys)
    for command in COMMANDS:
        assert command in text
    assert "%%" not in text


def test_help_in_a_fresh_process_has_no_traceback() -> None:
    res = subprocess.run([sys.executable, "-m", "sim.cli", "sensitivity", "--help"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert res.returncode == 0 and "95% bootstrap" in res.stdout and "%%" not in res.stdout


def test_format_flags_say_what_they_format() -> None:
    """--table-format for tables, --figure-format for figures; nowhere a bare --format of its
    own (only the deprecated alias)."""
    parser = build_parser()
    subs = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    tables = {"run", "export"}
    figures = {"plot", "sensitivity", "discover"}
    for name, sub in subs.choices.items():
        flags = {o for a in sub._actions for o in a.option_strings}
        if name in tables:
            assert "--table-format" in flags and "--figure-format" not in flags, name
        elif name in figures:
            assert "--figure-format" in flags and "--table-format" not in flags, name
        else:
            assert "--format" not in flags, name
        for a in sub._actions:
            if "--format" in a.option_strings:
                assert "deprecated" in (a.help or ""), name


def test_deprecated_format_alias_warns_and_still_works(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r"
    assert main(["run", "status_quo", "--months", "3", "--format", "parquet", "--out", str(out),
                 "--quiet"]) == 0  # fmt: skip
    err = capsys.readouterr().err
    assert "--format is deprecated; use --table-format" in err
    assert (out / "monthly.parquet").is_file() and not (out / "monthly.csv").exists()
    args = build_parser().parse_args(["plot", "S", "--format", "svg", "--figure-format", "pdf"])
    assert args.figure_format == ["svg", "pdf"]
    assert build_parser().parse_args(["plot", "S"]).figure_format is None


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (["bach", "x.toml"], "did you mean 'batch'?"),
        (["sumary", "s"], "did you mean 'summary'?"),
        (["batch", "x.toml", "--quite"], "did you mean --quiet (for --quite)?"),
        (["run", "status_quo", "--sed", "3"], "did you mean --seed (for --sed)?"),
        (["plot", "s", "--figure-formt=png"], "did you mean --figure-format"),
    ],
)
def test_a_mistyped_flag_or_command_gets_a_suggestion(
    argv: list[str], hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert hint in err and "Traceback" not in err


def test_a_word_far_from_every_flag_gets_no_wild_guess(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["batch", "x.toml", "--zzzzzz"])
    err = capsys.readouterr().err
    assert "unrecognized arguments: --zzzzzz" in err and "did you mean" not in err
