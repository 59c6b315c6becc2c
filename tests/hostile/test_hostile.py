"""A corpus of hostile inputs: scenario files, experiment files, command-line values and damaged
result stores, each run through the CLI in-process (``sim.cli.main``).

Every case must end cleanly: exit status 2, no traceback, a message naming the file and the key
or flag (the strings each case lists), and every file in the case's folder unchanged (nothing
deleted, nothing half-written). ``test_corpus_size`` keeps the corpus at 60 cases or more.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sim.cli import main
from sim.experiments.driver import run_experiment

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline_2022.toml"

SMALL_EXP = """
name = "hostile_small"
base = "baseline_2022"
replications = 4
months = 12
seed = 7
[factors]
us_coercion = [0.2, 0.8]
[uncertainty]
parameters = "pinned"
"""


@dataclass
class Ctx:
    """Where a case runs: its folder, a valid experiment file, a copy of a finished store."""

    tmp: Path
    exp: Path
    store: Path

    def p(self, rel: str) -> str:
        return str(self.tmp / rel)


@dataclass
class Case:
    id: str
    argv: Callable[[Ctx], list[str]]
    expect: Callable[[Ctx], list[str]]  # substrings of stderr: the file, the key or flag
    files: dict[str, str | bytes] = field(default_factory=dict)  # written into the case's folder
    damage: Callable[[Ctx], None] | None = None  # applied to the store copy before the command


def _exp(body: str) -> str:
    return 'base = "baseline_2022"\nreplications = 2\nmonths = 12\nseed = 1\n' + body


def _sc(body: str) -> str:
    return 'name = "hostile"\nmonths = 12\n' + body


def _deep_chain(n: int) -> dict[str, str]:
    files = {"deep/s0.toml": 'name = "s0"\n'}
    for i in range(1, n):
        files[f"deep/s{i}.toml"] = f'name = "s{i}"\nextends = "s{i - 1}.toml"\n'
    return files


def _manifest_edit(fn: Callable[[dict], None]) -> Callable[[Ctx], None]:
    def damage(c: Ctx) -> None:
        path = c.store / "manifest.json"
        m = json.loads(path.read_text())
        fn(m)
        path.write_text(json.dumps(m))

    return damage


def _truncate(rel: str, keep: int = 100) -> Callable[[Ctx], None]:
    def damage(c: Ctx) -> None:
        f = c.store / rel
        f.write_bytes(f.read_bytes()[:keep])

    return damage


def _write(rel: str, text: str) -> Callable[[Ctx], None]:
    def damage(c: Ctx) -> None:
        (c.store / rel).write_text(text)

    return damage


def _lock(pid: int, host: str) -> Callable[[Ctx], None]:
    def damage(c: Ctx) -> None:
        holder = {"pid": pid, "host": host, "command": "alignsim batch other.toml",
                  "started": "2026-01-01T00:00:00+00:00"}  # fmt: skip
        (c.store / ".alignsim.lock").write_text(json.dumps(holder))

    return damage


def run_sc(rel: str) -> Callable[[Ctx], list[str]]:
    return lambda c: ["run", c.p(rel), "--out", c.p("out"), "--quiet"]


def batch_exp(rel: str) -> Callable[[Ctx], list[str]]:
    return lambda c: ["batch", c.p(rel), "--out", c.p("out"), "--quiet", "--workers", "1"]


def names(*parts: str) -> Callable[[Ctx], list[str]]:
    return lambda c: list(parts)


def in_file(rel: str, *parts: str) -> Callable[[Ctx], list[str]]:
    return lambda c: [c.p(rel), *parts]


SCENARIO_CASES = [
    Case("sc-schedule-after-horizon", run_sc("s.toml"), in_file("s.toml", "schedules.us_coercion[1]"),
         {"s.toml": _sc("[schedules]\nus_coercion = [[0, 0.4], [24, 0.9]]\n")}),
    Case("sc-extends-1500-deep", run_sc("deep/s1499.toml"), in_file("deep/s1499.toml", "extends", "too deep"),
         _deep_chain(1500)),
    Case("sc-name-dotdot-path", run_sc("s.toml"), in_file("s.toml", "key 'name'"),
         {"s.toml": 'name = "../../evil"\n'}),
    Case("sc-name-dotdot", run_sc("s.toml"), in_file("s.toml", "key 'name'"), {"s.toml": 'name = ".."\n'}),
    Case("sc-name-slash", run_sc("s.toml"), in_file("s.toml", "key 'name'"), {"s.toml": 'name = "a/b"\n'}),
    Case("sc-name-empty", run_sc("s.toml"), in_file("s.toml", "key 'name'"), {"s.toml": 'name = ""\n'}),
    Case("sc-schedule-negative-month", run_sc("s.toml"), in_file("s.toml", "schedules.us_coercion[0] month"),
         {"s.toml": _sc("[schedules]\nus_coercion = [[-1, 0.4]]\n")}),
    Case("sc-schedule-value-range", run_sc("s.toml"), in_file("s.toml", "schedules.us_coercion[0] value"),
         {"s.toml": _sc("[schedules]\nus_coercion = [[0, 5.0]]\n")}),
    Case("sc-schedule-not-list", run_sc("s.toml"), in_file("s.toml", "schedules.us_coercion"),
         {"s.toml": _sc("[schedules]\nus_coercion = 0.4\n")}),
    Case("sc-schedule-out-of-order", run_sc("s.toml"), in_file("s.toml", "schedules.us_coercion[1]"),
         {"s.toml": _sc("[schedules]\nus_coercion = [[6, 0.4], [3, 0.5]]\n")}),
    Case("sc-schedule-not-schedulable", run_sc("s.toml"), in_file("s.toml", "schedules.nope"),
         {"s.toml": _sc("[schedules]\nnope = [[0, 0.4]]\n")}),
    Case("sc-event-after-horizon", run_sc("s.toml"), in_file("s.toml", "events[0].month"),
         {"s.toml": _sc('[[events]]\nmonth = 70\nkind = "flashpoint"\nactor = "ROK"\nvalue = 0.5\n')}),
    Case("sc-event-kind", run_sc("s.toml"), in_file("s.toml", "events[0].kind"),
         {"s.toml": _sc('[[events]]\nmonth = 3\nkind = "meteor"\n')}),
    Case("sc-event-value-range", run_sc("s.toml"), in_file("s.toml", "events[0].value"),
         {"s.toml": _sc('[[events]]\nmonth = 3\nkind = "approval_shock"\nactor = "ROK"\nvalue = 9\n')}),
    Case("sc-event-strategy-misplaced", run_sc("s.toml"), in_file("s.toml", "events[0].strategy"),
         {"s.toml": _sc('[[events]]\nmonth = 3\nkind = "flashpoint"\nactor = "ROK"\nvalue = 0.2\n'
                        'strategy = "hardline"\n')}),
    Case("sc-strategy-unknown", run_sc("s.toml"), in_file("s.toml", "strategies.rok"),
         {"s.toml": _sc('[strategies]\nrok = "telepathy"\n')}),
    Case("sc-top-key-unknown", run_sc("s.toml"), in_file("s.toml", "unknown top-level key"),
         {"s.toml": _sc("colour = 1\n")}),
    Case("sc-param-unknown", run_sc("s.toml"), in_file("s.toml", "params.us_coersion"),
         {"s.toml": _sc("[params]\nus_coersion = 0.3\n")}),
    Case("sc-param-type", run_sc("s.toml"), in_file("s.toml", "params.us_coercion"),
         {"s.toml": _sc('[params]\nus_coercion = "high"\n')}),
    Case("sc-months-zero", run_sc("s.toml"), in_file("s.toml", "key 'months'"), {"s.toml": "months = 0\n"}),
    Case("sc-months-601", run_sc("s.toml"), in_file("s.toml", "key 'months'"), {"s.toml": "months = 601\n"}),
    Case("sc-start-month-13", run_sc("s.toml"), in_file("s.toml", "key 'start'"),
         {"s.toml": _sc('start = "2022-13"\n')}),
    Case("sc-extends-missing", run_sc("s.toml"), in_file("s.toml", "key 'extends'"),
         {"s.toml": _sc('extends = "nowhere.toml"\n')}),
    Case("sc-extends-circular", run_sc("a.toml"), in_file("a.toml", "circular"),
         {"a.toml": 'extends = "b.toml"\n', "b.toml": 'extends = "a.toml"\n'}),
    Case("sc-extends-type", run_sc("s.toml"), in_file("s.toml", "key 'extends'"), {"s.toml": _sc("extends = 3\n")}),
    Case("sc-toml-syntax", run_sc("s.toml"), in_file("s.toml", "TOML syntax error"), {"s.toml": "months = [\n"}),
    Case("sc-extends-absolute-missing", run_sc("s.toml"), in_file("s.toml", "key 'extends'"),
         {"s.toml": _sc('extends = "/nonexistent/base.toml"\n')}),
    Case("sc-events-not-tables", run_sc("s.toml"), in_file("s.toml", "key 'events'"),
         {"s.toml": _sc("events = 3\n")}),
    Case("sc-not-utf8", run_sc("s.toml"), in_file("s.toml", "cannot read"), {"s.toml": b"name = \"\xff\xfe\"\n"}),
    Case("sc-disabled-step-unknown", run_sc("s.toml"), in_file("s.toml", "disabled_steps"),
         {"s.toml": _sc('disabled_steps = ["moon_landing"]\n')}),
]  # fmt: skip

CLI_CASES = [
    Case("run-seed-2**70", lambda c: ["run", str(BASELINE), "--seed", str(2**70), "--out", c.p("o")],
         names("--seed", "2**64 - 1")),
    Case("run-seed-2**64+7", lambda c: ["run", str(BASELINE), "--seed", str(2**64 + 7), "--out", c.p("o")],
         names("--seed")),
    Case("play-seed-2**64", lambda c: ["play", "--seed", str(2**64)], names("--seed", "2**64 - 1")),
    Case("validate-seed-negative", lambda c: ["validate", "--seed", "-1", "--out", c.p("v")], names("--seed")),
    Case("calibrate-seed-2**65", lambda c: ["calibrate", "--seed", str(2**65), "--out", c.p("c")],
         names("--seed")),
    Case("discover-seed-2**64", lambda c: ["discover", c.p("nostore"), "--seed", str(2**64)], names("--seed")),
    Case("run-seed-negative", lambda c: ["run", str(BASELINE), "--seed", "-1", "--out", c.p("o")], names("--seed")),
    Case("run-replication-negative", lambda c: ["run", str(BASELINE), "--replication", "-1", "--out", c.p("o")],
         names("--replication")),
    Case("run-months-zero", lambda c: ["run", str(BASELINE), "--months", "0", "--out", c.p("o")], names("--months")),
    Case("run-out-is-file", lambda c: ["run", str(BASELINE), "--out", c.p("afile"), "--months", "3"],
         in_file("afile", "--out", "not a folder"), {"afile": "mine\n"}),
    Case("run-out-read-only", lambda c: ["run", str(BASELINE), "--out", "/sys/alignsim-hostile/o", "--months", "3"],
         names("/sys/alignsim-hostile", "--out")),
    Case("run-set-unknown", lambda c: ["run", str(BASELINE), "--set", "us_coersion=1", "--out", c.p("o")],
         names("--set us_coersion", "did you mean")),
    Case("run-set-range", lambda c: ["run", str(BASELINE), "--set", "us_coercion=2", "--out", c.p("o")],
         names("--set us_coercion")),
    Case("run-set-malformed", lambda c: ["run", str(BASELINE), "--set", "us_coercion", "--out", c.p("o")],
         names("--set", "KEY=VALUE")),
    Case("run-scenario-missing", lambda c: ["run", c.p("nope.toml"), "--out", c.p("o")], in_file("nope.toml")),
    Case("batch-out-is-file", lambda c: ["batch", str(c.exp), "--out", c.p("afile"), "--quiet"],
         in_file("afile", "--out"), {"afile": "mine\n"}),
    Case("batch-out-read-only", lambda c: ["batch", str(c.exp), "--out", "/sys/alignsim-hostile/s", "--quiet"],
         names("/sys/alignsim-hostile", "--out")),
    Case("batch-scheduler-empty-host", lambda c: ["batch", str(c.exp), "--out", c.p("o"), "--scheduler", "tcp://"],
         names("--scheduler", "tcp://HOST:PORT")),
    Case("batch-scheduler-garbage", lambda c: ["batch", str(c.exp), "--out", c.p("o"), "--scheduler", "banana"],
         names("--scheduler")),
    Case("batch-scheduler-port", lambda c: ["batch", str(c.exp), "--out", c.p("o"), "--scheduler",
                                            "tcp://127.0.0.1:99999"], names("--scheduler", "65535")),
    Case("batch-chunk-size-zero", lambda c: ["batch", str(c.exp), "--out", c.p("o"), "--chunk-size", "0"],
         names("--chunk-size")),
    Case("batch-replications-zero", lambda c: ["batch", str(c.exp), "--out", c.p("o"), "--replications", "0"],
         names("--replications")),
    Case("batch-replications-shrink", lambda c: ["batch", str(c.exp), "--out", str(c.store), "--replications", "2",
                                                 "--quiet"], lambda c: [str(c.store), "--replications"]),
    Case("batch-workers-zero", lambda c: ["batch", str(c.exp), "--out", c.p("o"), "--workers", "0"],
         names("--workers")),
    Case("batch-engine-unknown", lambda c: ["batch", str(c.exp), "--out", c.p("o"), "--engine", "warp"],
         names("--engine")),
    Case("batch-not-a-store", lambda c: ["batch", str(c.exp), "--out", c.p("mine"), "--quiet"],
         in_file("mine", "not a result store"), {"mine/notes.txt": "keep me\n"}),
    Case("batch-not-a-store-force", lambda c: ["batch", str(c.exp), "--out", c.p("mine"), "--force", "--quiet"],
         in_file("mine", "not a result store", "never deletes"),
         {"mine/runs/part-00000.parquet": "my own file\n", "mine/hist/notes.txt": "x\n",
          "mine/trajectories/t.csv": "1,2\n"}),
    Case("run-months-601", lambda c: ["run", str(BASELINE), "--months", "601", "--out", c.p("o")], names("--months")),
    Case("run-set-strategy-unknown", lambda c: ["run", str(BASELINE), "--set", "rok_strategy=telepathy",
                                                "--out", c.p("o")], names("--set rok_strategy")),
    Case("batch-out-empty", lambda c: ["batch", str(c.exp), "--out", "", "--quiet"], names("--out")),
    Case("batch-trajectories-mismatch", lambda c: ["batch", str(c.exp), "--out", str(c.store), "--trajectories",
                                                   "--quiet"], lambda c: [str(c.store), "--trajectories"]),
    Case("batch-experiment-missing", lambda c: ["batch", c.p("nope.toml"), "--out", c.p("o")], in_file("nope.toml")),
    Case("replay-run-negative", lambda c: ["replay", str(c.store), "--run", "-1"], names("--run")),
    Case("replay-run-too-large", lambda c: ["replay", str(c.store), "--run", "100000"], names("--run")),
    Case("summary-no-store", lambda c: ["summary", c.p("nothing")], in_file("nothing", "not found")),
    Case("summary-guard-by-unknown", lambda c: ["summary", str(c.store), "--guard-by", "colour"],
         names("--guard-by")),
]  # fmt: skip

EXPERIMENT_CASES = [
    Case("exp-name-dotdot", batch_exp("e.toml"), in_file("e.toml", "key 'name'"),
         {"e.toml": 'name = ".."\n' + _exp("")}),
    Case("exp-name-dotdot-path", batch_exp("e.toml"), in_file("e.toml", "key 'name'"),
         {"e.toml": 'name = "../escape"\n' + _exp("")}),
    Case("exp-name-inner-dotdot", batch_exp("e.toml"), in_file("e.toml", "key 'name'"),
         {"e.toml": 'name = "a..b"\n' + _exp("")}),
    Case("exp-strategy-and-rok-strategy", batch_exp("e.toml"), in_file("e.toml", "factors.rok_strategy"),
         {"e.toml": _exp('[factors]\nstrategy = ["small_steps"]\nrok_strategy = ["hardline"]\n')}),
    Case("exp-scenario-name-and-path", batch_exp("e.toml"), in_file("e.toml", "factors.scenario[1]", "same scenario"),
         {"e.toml": _exp(f'[factors]\nscenario = ["baseline_2022", "{BASELINE}"]\n')}),
    Case("exp-scenario-twice", batch_exp("e.toml"), in_file("e.toml", "factors.scenario[1]"),
         {"e.toml": _exp('[factors]\nscenario = ["status_quo", "status_quo"]\n')}),
    Case("exp-grid-collapses", batch_exp("e.toml"), in_file("e.toml", "factors.us_coercion.levels"),
         {"e.toml": _exp("[factors]\nus_coercion = { range = [0.1, 0.1000000000001], levels = 5 }\n")}),
    Case("exp-seed-2**64+7", batch_exp("e.toml"), in_file("e.toml", "key 'seed'"),
         {"e.toml": f'base = "baseline_2022"\nreplications = 2\nmonths = 12\nseed = {2**64 + 7}\n'}),
    Case("exp-seed-negative", batch_exp("e.toml"), in_file("e.toml", "key 'seed'"),
         {"e.toml": 'base = "baseline_2022"\nreplications = 2\nmonths = 12\nseed = -1\n'}),
    Case("exp-strategy-repeated", batch_exp("e.toml"), in_file("e.toml", "factors.strategy"),
         {"e.toml": _exp('[factors]\nstrategy = ["hardline", "hardline"]\n')}),
    Case("exp-sampler-zero", batch_exp("e.toml"), in_file("e.toml", "sampler.samples"),
         {"e.toml": _exp('[factors]\nus_coercion = { range = [0.1, 0.9] }\n[sampler]\nsamples = 0\n')}),
    Case("exp-factor-unknown", batch_exp("e.toml"), in_file("e.toml", "factors.colour"),
         {"e.toml": _exp("[factors]\ncolour = [1, 2]\n")}),
    Case("exp-base-missing", batch_exp("e.toml"), in_file("e.toml", "key 'base'"), {"e.toml": "replications = 2\n"}),
    Case("exp-scenario-unknown", batch_exp("e.toml"), in_file("e.toml", "factors.scenario[0]"),
         {"e.toml": _exp('[factors]\nscenario = ["atlantis"]\n')}),
    Case("exp-base-deep-extends", batch_exp("e.toml"), in_file("e.toml", "key 'base'", "too deep"),
         {**_deep_chain(40), "e.toml": 'base = "deep/s39.toml"\nreplications = 2\nmonths = 12\n'}),
    Case("exp-sobol-not-power-of-two", batch_exp("e.toml"), in_file("e.toml", "sampler.samples"),
         {"e.toml": _exp('[factors]\nus_coercion = { range = [0.1, 0.9] }\n[sampler]\nmethod = "sobol"\n'
                         "samples = 100\n")}),
    Case("exp-replications-zero", batch_exp("e.toml"), in_file("e.toml", "key 'replications'"),
         {"e.toml": 'base = "baseline_2022"\nreplications = 0\n'}),
    Case("exp-months-601", batch_exp("e.toml"), in_file("e.toml", "key 'months'"),
         {"e.toml": 'base = "baseline_2022"\nreplications = 2\nmonths = 601\n'}),
]  # fmt: skip

STORE_CASES = [
    Case("store-manifest-no-chunks-summary", lambda c: ["summary", str(c.store)],
         lambda c: [str(c.store), "key 'chunks'"], damage=_manifest_edit(lambda m: m.pop("chunks"))),
    Case("store-manifest-no-chunks-batch", lambda c: ["batch", str(c.exp), "--out", str(c.store), "--quiet"],
         lambda c: [str(c.store), "key 'chunks'"], damage=_manifest_edit(lambda m: m.pop("chunks"))),
    Case("store-manifest-no-blocks", lambda c: ["summary", str(c.store)],
         lambda c: [str(c.store), "key 'blocks'"], damage=_manifest_edit(lambda m: m.pop("blocks"))),
    Case("store-manifest-chunks-not-list", lambda c: ["summary", str(c.store)],
         lambda c: [str(c.store), "key 'chunks'"], damage=_manifest_edit(lambda m: m.update(chunks=5))),
    Case("store-manifest-chunk-entry", lambda c: ["summary", str(c.store)],
         lambda c: [str(c.store), "key 'chunks[0]'"], damage=_manifest_edit(lambda m: m["chunks"][0].pop("stop"))),
    Case("store-manifest-not-json", lambda c: ["summary", str(c.store)],
         lambda c: [str(c.store / "manifest.json"), "unreadable manifest"], damage=_write("manifest.json", "{oops")),
    Case("store-manifest-a-list", lambda c: ["summary", str(c.store)],
         lambda c: [str(c.store / "manifest.json"), "JSON object"], damage=_write("manifest.json", "[1, 2]")),
    Case("store-manifest-old-format", lambda c: ["summary", str(c.store)],
         lambda c: [str(c.store), "store_format"], damage=_manifest_edit(lambda m: m.update(store_format=1))),
    Case("store-truncated-chunk-summary", lambda c: ["summary", str(c.store)],
         lambda c: ["part-00000.parquet", "damaged", "re-run the same `alignsim batch`"],
         damage=_truncate("runs/part-00000.parquet")),
    Case("store-truncated-chunk-plot", lambda c: ["plot", str(c.store), "--out", c.p("figs")],
         lambda c: ["part-00000.parquet", "damaged"], damage=_truncate("runs/part-00000.parquet")),
    Case("store-truncated-chunk-report", lambda c: ["report", str(c.store), "--out", c.p("rep")],
         lambda c: ["part-00000.parquet", "damaged"], damage=_truncate("runs/part-00000.parquet")),
    Case("store-truncated-chunk-replay", lambda c: ["replay", str(c.store), "--run", "0"],
         lambda c: ["part-00001.parquet", "damaged"], damage=_truncate("runs/part-00001.parquet")),
    Case("store-empty-chunk-summary", lambda c: ["summary", str(c.store)],
         lambda c: ["part-00001.parquet", "damaged"], damage=_truncate("runs/part-00001.parquet", 0)),
    Case("store-truncated-monthly", lambda c: ["summary", str(c.store)],
         lambda c: ["monthly.parquet", "damaged"], damage=_truncate("monthly.parquet")),
    Case("store-truncated-design", lambda c: ["summary", str(c.store)],
         lambda c: ["design.parquet", "damaged"], damage=_truncate("design.parquet")),
    Case("store-deleted-chunk", lambda c: ["summary", str(c.store)],
         lambda c: [str(c.store), "missing chunk file runs/part-00001.parquet"],
         damage=lambda c: (c.store / "runs" / "part-00001.parquet").unlink()),
    Case("store-foreign-chunk", lambda c: ["summary", str(c.store)],
         lambda c: [str(c.store), "part-00000.parquet belongs to another experiment"],
         damage=lambda c: (c.store / "runs" / "part-00000.parquet").write_bytes(
             __import__("sim.experiments.store", fromlist=["table_bytes"]).table_bytes(
                 __import__("pyarrow").table({"point": [0]}), {"alignsim.design_hash": "other"}))),
    Case("store-locked-live", lambda c: ["batch", str(c.exp), "--out", str(c.store), "--quiet"],
         lambda c: [str(c.store), f"pid {os.getpid()}", "in use"], damage=_lock(os.getpid(), socket.gethostname())),
    Case("store-locked-other-host", lambda c: ["batch", str(c.exp), "--out", str(c.store), "--quiet"],
         lambda c: [str(c.store), "pid 4242 on elsewhere.example"], damage=_lock(4242, "elsewhere.example")),
    Case("store-force-unreadable-manifest", lambda c: ["batch", str(c.exp), "--out", str(c.store), "--force"],
         lambda c: [str(c.store / "manifest.json"), "--force"], damage=_write("manifest.json", "{oops")),
    Case("store-other-experiment", lambda c: ["batch", c.p("e.toml"), "--out", str(c.store), "--quiet"],
         lambda c: [str(c.store), "another experiment"],
         {"e.toml": SMALL_EXP.replace("seed = 7", "seed = 8")}),
]  # fmt: skip

CASES = SCENARIO_CASES + CLI_CASES + EXPERIMENT_CASES + STORE_CASES


@pytest.fixture(scope="module")
def finished_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small finished store (2 points x 4 replications in 2 chunks) and its experiment."""
    d = tmp_path_factory.mktemp("hostile_store")
    exp = d / "small.toml"
    exp.write_text(SMALL_EXP)
    store = run_experiment(exp, d / "store", workers=1, chunk_size=4, quiet=True)
    return exp, store


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` (relative path -> sha256): what a case must leave unchanged."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def invoke(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as e:  # argparse's own errors (exit 2 with the usage)
        return int(e.code or 0)


def test_corpus_size() -> None:
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_ends_cleanly(
    case: Case,
    tmp_path: Path,
    finished_store: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    exp, store = finished_store
    ctx = Ctx(tmp_path, tmp_path / "small.toml", tmp_path / "store")
    shutil.copy(exp, ctx.exp)
    shutil.copytree(store, ctx.store)
    for rel, text in case.files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            (tmp_path / rel).write_bytes(text)
        else:
            (tmp_path / rel).write_text(text)
    if case.damage is not None:
        case.damage(ctx)
    before = snapshot(tmp_path)
    code = invoke(case.argv(ctx))
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err, err
    for text in case.expect(ctx):
        assert text in err, f"{text!r} not in:\n{err}"
    assert snapshot(tmp_path) == before, "files changed, deleted or half-written"
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*"))
    assert not (tmp_path / "results").exists()
