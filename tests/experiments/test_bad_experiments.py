"""Malformed experiment files are rejected cleanly: exit status 2, no traceback, and a message
that names the file, the key, what was expected and what was found."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.cli import main

BAD = sorted((Path(__file__).resolve().parents[1] / "data" / "experiments_bad").glob("*.toml"))


def test_enough_fixtures() -> None:
    assert len(BAD) >= 15


def _expectations(path: Path) -> tuple[str | None, list[str]]:
    key, texts = None, []
    for line in path.read_text().splitlines():
        m = re.match(r"# expect-key: (.+)", line)
        if m:
            key = m.group(1).strip()
        m = re.match(r"# expect: (.+)", line)
        if m:
            texts.append(m.group(1).strip())
    return key, texts


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_experiment_rejected(
    path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "store"
    code = main(["batch", str(path), "--out", str(out), "--quiet", "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert str(path) in err, err
    key, texts = _expectations(path)
    if key is not None:
        assert f"key '{key}'" in err, err
        assert "expected:" in err, err
        assert "found:" in err, err
    for t in texts:
        assert t in err, err
    assert not (out / "manifest.json").exists()
