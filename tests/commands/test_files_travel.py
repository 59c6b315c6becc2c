"""Files that travel: LICENSE, CITATION.cff; validate and calibrate write under --out and leave
the repository's docs, figures and calibrated scenario alone unless asked."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
#: What `alignsim validate` / `alignsim calibrate` may write into the repository, and only with
#: --update-docs.
GUARDED = ("docs/VALIDATION.md", "docs/CALIBRATION.md", "scenarios/calibrated.toml",
           "data/calibration/posterior.csv", "docs/figures")  # fmt: skip


def test_license_is_mit_held_by_the_project() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert re.search(r"Copyright \(c\) \d{4} The alignsim developers", text)
    assert "WITHOUT WARRANTY OF ANY KIND" in text
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert meta["license"] == "MIT"
    info = (ROOT / "docs" / "teaching" / "INFO.md").read_text(encoding="utf-8")
    line = next(ln for ln in info.splitlines() if "Open source" in ln)
    assert "MIT License" in line and "LICENSE" in line


def test_citation_cff_is_valid_and_matches_the_package() -> None:
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    # the required keys of CFF 1.2.0 and their types
    assert cff["cff-version"] == "1.2.0"
    assert isinstance(cff["message"], str) and cff["message"]
    assert isinstance(cff["title"], str) and "alignsim" in cff["title"]
    assert isinstance(cff["authors"], list) and cff["authors"]
    for a in cff["authors"]:
        assert ("name" in a) or ("family-names" in a), a
    allowed = {"abstract", "authors", "cff-version", "commit", "contact", "date-released", "doi",
               "identifiers", "keywords", "license", "license-url", "message", "preferred-citation",
               "references", "repository", "repository-artifact", "repository-code", "title",
               "type", "url", "version"}  # fmt: skip
    assert set(cff) <= allowed, set(cff) - allowed
    assert cff.get("type", "software") in ("software", "dataset")
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert str(cff["version"]) == meta["version"]
    assert cff["license"] == meta["license"]
    assert cff["authors"][0]["name"] == "The alignsim developers"


def _snapshot() -> dict[str, str]:
    out = {}
    for rel in GUARDED:
        p = ROOT / rel
        files = sorted(p.rglob("*")) if p.is_dir() else [p]
        for f in files:
            if f.is_file():
                out[str(f.relative_to(ROOT))] = hashlib.sha256(f.read_bytes()).hexdigest()
            else:
                out[str(f.relative_to(ROOT))] = "absent"
    return out


def test_validate_and_calibrate_from_another_folder_leave_the_repository_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _snapshot()
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "--runs", "6", "--seeds-per-draw", "3", "--no-theory",
                 "--no-episode", "--no-time-split", "--quiet"]) == 0  # fmt: skip
    assert main(["calibrate", "--particles", "30", "--accept", "0.2", "--check-runs", "5",
                 "--quiet"]) == 0  # fmt: skip
    assert _snapshot() == before
    v = tmp_path / "results" / "validation"
    assert (v / "scores.json").is_file() and (v / "VALIDATION.md").is_file()
    assert (v / "figures" / "validation_hindcast.png").is_file()
    c = tmp_path / "results" / "calibration"
    for name in ("posterior.csv", "accepted.csv", "calibrated.toml", "CALIBRATION.md",
                 "posterior_sample.csv"):  # fmt: skip
        assert (c / name).is_file(), name
    # the calibrated scenario written under --out loads (its extends points at the hindcast)
    from sim.scenario import load_scenario

    assert load_scenario(c / "calibrated.toml").name == "calibrated"
    out = capsys.readouterr()
    assert str(ROOT / "docs") not in out.out + out.err


def test_update_docs_is_the_one_way_into_the_repository() -> None:
    from sim.cli import build_parser

    p = build_parser()
    for command in ("validate", "calibrate"):
        args = p.parse_args([command])
        assert (
            args.update_docs is False
            and args.out
            == f"results/{command.replace('validate', 'validation').replace('calibrate', 'calibration')}"
        )
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^validate-docs:.*\n\t.*alignsim validate .*--update-docs", make, re.M)
    assert re.search(r"^calibrate-docs:.*\n\t.*alignsim calibrate .*--update-docs", make, re.M)


def test_contradictory_doc_flags_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--update-docs", "--no-docs", "--runs", "5"]) == 2
    assert "--update-docs" in capsys.readouterr().err
    assert main(["calibrate", "--update-docs", "--no-write", "--particles", "20"]) == 2
    assert "--update-docs" in capsys.readouterr().err
