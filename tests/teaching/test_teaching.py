"""Teaching material: answer keys cannot drift from the model; worksheets quote the class
settings; the info page has the NetLogo sections; the notebooks run (nbmake)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEACH = ROOT / "docs" / "teaching"


def _keys_module():
    spec = importlib.util.spec_from_file_location(
        "make_answer_keys", ROOT / "tools" / "make_answer_keys.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def keys():
    return _keys_module()


@pytest.fixture(scope="module")
def generated(keys):
    return keys.generate()


def test_answer_keys_are_regenerated_identically_from_runs(keys, generated):
    assert sorted(generated) == sorted(p.name for p in (TEACH / "answer_keys").glob("*.md"))
    for name, text in generated.items():
        committed = (TEACH / "answer_keys" / name).read_text(encoding="utf-8")
        assert committed == text, (
            f"{name} is stale: the model's answer changed. Run "
            "`.venv/bin/python tools/make_answer_keys.py`, read the diff, commit it."
        )


def test_answer_keys_hold_numbers_for_every_compared_setting(keys, generated):
    ex1 = generated["exercise_1_pressure.md"]
    for c in keys.EXERCISES["1_pressure"]["us_coercion"]:
        assert f"\n| {c:.1f} | " in ex1
    ex2 = generated["exercise_2_small_steps.md"]
    for s in keys.EXERCISES["2_small_steps"]["strategies"]:
        assert ex2.count(f"\n| {s} | ") == 2
    ex3 = generated["exercise_3_seoul.md"]
    assert "Agent Seoul playing small steps" in ex3
    assert "Why not" not in ex3 and "initiative margin applies" in ex3  # the reasons, generated


def test_check_mode_detects_a_stale_key_or_worksheet(keys, tmp_path):
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    for f in TEACH.glob("exercise_*.md"):
        (sheets / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    args = ["--out", str(tmp_path), "--sheets", str(sheets)]
    assert keys.main(args) == 0
    assert keys.main(["--check", *args]) == 0
    f = tmp_path / "exercise_1_pressure.md"
    text = f.read_text()
    f.write_text(text.replace("| 0.0 |", "| 0.0 | 9.999 |", 1))
    assert keys.main(["--check", *args]) == 1
    f.write_text(text)
    ws = sheets / "exercise_3_seoul.md"
    ws.write_text(ws.read_text().replace("| seed | **24** |", "| seed | **25** |"))
    assert keys.main(["--check", *args]) == 1
    assert keys.main(args) == 0 and "| seed | **24** |" in ws.read_text()


def test_worksheet_settings_blocks_are_generated_and_current(keys):
    for path, text in keys.worksheets().items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name}: its class settings are stale. Run "
            "`.venv/bin/python tools/make_answer_keys.py`, read the diff, commit it."
        )


def test_worksheets_name_parameters_by_their_declared_labels(keys):
    from sim.core.params import param_info

    for key, names in (("1_pressure", ["us_coercion", *keys.EXERCISES["1_pressure"]["explain"]]),
                       ("2_small_steps", ["rok_approval0"])):  # fmt: skip
        text = (TEACH / f"exercise_{key}.md").read_text(encoding="utf-8")
        for name in names:
            assert f"*{str(param_info(name)['meaning']).rstrip('.')}* (" in text, (key, name)
        assert "Hover" not in text


@pytest.mark.parametrize("key", ["1_pressure", "2_small_steps", "3_seoul"])
def test_worksheets_quote_the_class_settings_and_have_every_part(keys, key):
    ex = keys.EXERCISES[key]
    text = (TEACH / f"exercise_{key}.md").read_text(encoding="utf-8")
    assert f"**{ex['seed']}**" in text and f"`{ex['scenario']}`" in text
    for part in ("Learning objectives", "Class settings", "Worksheet", "Debrief questions",
                 "answer_keys/", "notebooks/", "not a forecast"):  # fmt: skip
        assert part in text, (key, part)
    nb = (TEACH / "notebooks" / f"exercise_{key}.ipynb").read_text(encoding="utf-8")
    assert any("SEED" in line and f"{ex['seed']}" in line for line in nb.splitlines())


def test_info_page_follows_the_netlogo_form():
    text = (TEACH / "INFO.md").read_text(encoding="utf-8")
    sections = ["WHAT IS IT?", "HOW IT WORKS", "HOW TO USE IT", "THINGS TO NOTICE",
                "THINGS TO TRY", "EXTENDING THE MODEL", "RELATED MODELS",
                "CREDITS AND REFERENCES"]  # fmt: skip
    found = [line[3:].strip() for line in text.splitlines() if line.startswith("## ")]
    assert found == sections


def test_teaching_readme_says_how_to_start_a_class_session():
    text = (TEACH / "README.md").read_text(encoding="utf-8")
    assert "alignsim app" in text and "127.0.0.1" in text and "alignsim play" in text


@pytest.mark.slow
def test_exercise_notebooks_run(tmp_path):
    """Run every notebook with nbmake (the same as `pytest --nbmake docs/teaching/notebooks`)."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbmake", str(TEACH / "notebooks"), "-q",
         "-p", "no:cacheprovider", "-p", "no:randomly", "-o", "addopts=",
         "--rootdir", str(tmp_path)],
        capture_output=True, text=True, env=env, cwd=ROOT, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "3 passed" in out.stdout
