"""Class mode over HTTP (Starlette's TestClient) and ``alignsim class``'s command line."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time

import pytest
from starlette.testclient import TestClient

from sim.cli import main
from sim.teaching.classroom.server import STATIC, ClassServer, create_app, static_dir
from sim.teaching.classroom.state import load_presets

TOKEN = "secret-token"
HDR = {"X-Class-Token": TOKEN}


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def setup():
    clock = Clock()
    server = ClassServer(load_presets(), TOKEN, drop_after=10, clock=clock)
    with TestClient(create_app(server)) as client:
        yield client, server, clock


def _join(client, name, group, role=None):
    r = client.post("/api/join", json={"name": name, "group": group, "role": role})
    assert r.status_code == 200, r.text
    return r.json()["sid"]


def test_instructor_endpoints_need_the_token(setup):
    client, _, _ = setup
    for path in (
        "/api/instructor/presets",
        "/api/instructor/state",
        "/api/instructor/decisions.csv",
    ):
        assert client.get(path).status_code == 403
        assert client.get(path, headers={"X-Class-Token": "wrong"}).status_code == 403
    assert client.post("/api/instructor/advance").status_code == 403
    assert client.get("/instructor").status_code == 403
    assert client.get(f"/instructor?token={TOKEN}").status_code == 200
    keys = [p["key"] for p in client.get("/api/instructor/presets", headers=HDR).json()]
    assert "exercise_4" in keys


def test_a_class_month_over_http(setup):
    client, server, _ = setup
    assert client.get("/api/session").json()["open"] is False
    r = client.post("/api/join", json={"name": "Ana", "group": "A"})
    assert r.status_code == 400 and "no class session" in r.json()["error"]
    r = client.post("/api/instructor/open", headers=HDR, json={"preset": "nope"})
    assert r.status_code == 400 and "unknown preset" in r.json()["error"]
    assert (
        client.post("/api/instructor/open", headers=HDR, json={"preset": "exercise_4"}).status_code
        == 200
    )
    info = client.get("/api/session").json()
    assert info["open"] and info["roles"] == ["ROK", "JPN", "US"]
    ana, bo = _join(client, "Ana", "A"), _join(client, "Bo", "A")
    v = client.get("/api/state", params={"sid": ana}).json()
    assert v["view"]["you"]["role"] == "ROK" and v["view"]["month"] == 0
    assert v["view"]["options"][0]["move"] == "none"
    r = client.post("/api/choose", json={"sid": ana, "move": "grand_bargain"})
    assert r.status_code == 400 and "floor" in r.json()["error"]
    assert client.post("/api/choose", json={"sid": bo, "move": "grand_bargain"}).status_code == 200
    props = client.get("/api/state", params={"sid": ana}).json()["view"]["proposals"]
    assert [p["step"] for p in props] == ["grand_bargain"]
    assert client.post("/api/respond", json={"sid": ana, "accept": "yes"}).status_code == 400
    assert client.post("/api/respond", json={"sid": ana, "accept": True}).status_code == 200
    inst = client.get("/api/instructor/state", headers=HDR).json()["view"]
    assert inst["all_ready"] and inst["groups"][0]["code"] == "A"
    assert client.post("/api/instructor/advance", headers=HDR).status_code == 200
    v = client.get("/api/state", params={"sid": bo}).json()["view"]
    assert v["month"] == 1 and "grand_bargain" not in {o["move"] for o in v["options"]}
    text = client.get("/api/instructor/decisions.csv", headers=HDR).text
    assert text.splitlines()[0].startswith("group,month,date,student,role,move")
    assert "Ana,ROK,none" in text and "Bo,JPN,grand_bargain" in text
    assert client.post("/api/instructor/end", headers=HDR).status_code == 200
    r = client.get("/api/state", params={"sid": ana})
    assert r.status_code == 410 and "join again" in r.json()["error"]
    assert client.get("/api/instructor/decisions.csv", headers=HDR).text == text, (
        "the log survives the end"
    )


def test_a_poll_with_the_current_version_waits_for_a_change(setup, monkeypatch):
    client, server, clock = setup
    import sim.teaching.classroom.server as srv

    monkeypatch.setattr(srv, "POLL_WAIT", 0.3)
    client.post("/api/instructor/open", headers=HDR, json={"preset": "exercise_4"})
    ana = _join(client, "Ana", "A")
    first = client.get("/api/state", params={"sid": ana}).json()
    t0 = time.monotonic()
    again = client.get("/api/state", params={"sid": ana, "since": first["version"]}).json()
    assert time.monotonic() - t0 >= 0.25, "an unchanged poll waits"
    assert again["version"] == first["version"]
    client.post("/api/choose", json={"sid": ana, "move": "none"})
    t0 = time.monotonic()
    changed = client.get("/api/state", params={"sid": ana, "since": first["version"]}).json()
    assert time.monotonic() - t0 < 0.25, "a changed version answers at once"
    assert changed["version"] > first["version"] and changed["view"]["choice"] == "none"


def test_stale_pages_are_dropped_by_the_tick(setup):
    client, server, clock = setup
    client.post("/api/instructor/open", headers=HDR, json={"preset": "exercise_4"})
    ana = _join(client, "Ana", "A")
    clock.t = 11.0
    server.tick()
    assert server.room is not None and not server.room.students
    assert client.get("/api/state", params={"sid": ana}).status_code == 410


def test_bad_request_bodies_get_a_message(setup):
    client, _, _ = setup
    client.post("/api/instructor/open", headers=HDR, json={"preset": "exercise_4"})
    r = client.post("/api/join", content=b"not json")
    assert r.status_code == 400 and "JSON" in r.json()["error"]
    r = client.post("/api/instructor/timer", headers=HDR, json={"seconds": "ten"})
    assert r.status_code == 400 and "seconds" in r.json()["error"]
    r = client.post("/api/instructor/timer", headers=HDR, json={"seconds": -1})
    assert r.status_code == 400 and "0 (off)" in r.json()["error"]


def test_pages_and_scripts_come_from_the_server_only(setup):
    client, _, _ = setup
    assert client.get("/").status_code == 200
    for name in STATIC:
        assert client.get(f"/static/{name}").status_code == 200
    assert client.get("/static/../state.py").status_code == 404
    assert client.get("/static/presets.toml").status_code == 404
    for path in static_dir().iterdir():
        text = path.read_text()
        urls = set(re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+", text))
        # the only absolute address is SVG's namespace name (an identifier, never fetched)
        assert urls <= {"http://www.w3.org", "//"}, (path.name, urls)
        assert "innerHTML" not in text, "text from the server is set as text, never as HTML"


# ------------------------------------------------------------------------------ command line
def test_unknown_preset_bad_port_and_bad_preset_file_exit_2(capsys, tmp_path):
    assert main(["class", "--preset", "nope", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "--preset" in err and "unknown preset" in err and "exercise_4" in err
    assert main(["class", "--port", "70000"]) == 2
    assert "0..65535" in capsys.readouterr().err
    bad = tmp_path / "p.toml"
    bad.write_text('[x]\nscenario = "baseline_2022"\nseed = 1\nmonths = 0\nroles = ["ROK"]\n')
    assert main(["class", "--presets", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "x.months" in err and "Traceback" not in err


def test_port_in_use_exits_2(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        assert main(["class", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"port {port} is in use" in err and "Traceback" not in err


def test_every_interface_prints_the_addresses_to_open():
    """--host 0.0.0.0 prints real addresses, never 0.0.0.0."""
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "class", "--host", "0.0.0.0", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        lines = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any("instructor opens" in ln for ln in lines):
            line = proc.stdout.readline() if proc.stdout else ""
            if not line:
                break
            lines.append(line)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    text = "".join(lines)
    students = next(ln for ln in lines if "students open" in ln)
    assert "on every interface" in text
    assert "0.0.0.0" not in students and "http://127.0.0.1:" in students
    assert re.search(r"instructor opens: http://[\d.]+:\d+/instructor\?token=\S+", text)


def test_a_waiting_poll_returns_before_the_page_would_count_as_closed():
    server = ClassServer(load_presets(), TOKEN, drop_after=3)
    with TestClient(create_app(server)) as client:
        client.post("/api/instructor/open", headers=HDR, json={"preset": "exercise_4"})
        ana = _join(client, "Ana", "A")
        v = client.get("/api/state", params={"sid": ana}).json()["version"]
        t0 = time.monotonic()
        assert client.get("/api/state", params={"sid": ana, "since": v}).status_code == 200
        assert 0.9 <= time.monotonic() - t0 < 2.5, "waits drop_after / 3 = 1 s, not POLL_WAIT"
