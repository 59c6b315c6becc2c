"""The single-run story figure: the plotted arrays are the run's own numbers."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.figure import Figure

from sim.core.params import Event, Scenario
from sim.engines.model import AlignmentModel
from sim.results.plotting import STORY_LINES, plot_run_story, stamp_text


@pytest.fixture(scope="module")
def run() -> AlignmentModel:
    spec = Scenario(
        months=36,
        events=(
            Event(10, "approval_shock", "ROK", -0.1, label="scandal"),
            Event(20, "leader_change", "JPN", strategy="status_quo"),
        ),
    )
    m = AlignmentModel(spec, rng=3)
    m.run()
    return m


def _by_gid(fig: Figure, prefix: str) -> list:
    ax = fig.axes[0]
    return [a for a in (*ax.lines, *ax.collections) if (a.get_gid() or "").startswith(prefix)]


def test_story_lines_are_the_monthly_values(run: AlignmentModel) -> None:
    df = run.datacollector.get_model_vars_dataframe()
    fig = plot_run_story(df, run.steps_log, run.event_log, title="t", stamp="s")
    for col in STORY_LINES:
        (line,) = _by_gid(fig, f"line:{col}")
        np.testing.assert_allclose(line.get_ydata(), df[col].to_numpy())
        np.testing.assert_allclose(line.get_xdata(), df["month"].to_numpy())


def test_story_marks_every_step_and_event(run: AlignmentModel) -> None:
    df = run.datacollector.get_model_vars_dataframe()
    fig = plot_run_story(df, run.steps_log, run.event_log)
    marked = {}
    for coll in _by_gid(fig, "steps:"):
        _, actor, action = coll.get_gid().split(":")
        marked[(actor, action)] = sorted(coll.get_offsets()[:, 0].tolist())
    expected: dict = {}
    for s in run.steps_log:
        expected.setdefault((s["actor"], s["action"]), []).append(float(s["month"]))
    assert marked == {k: sorted(v) for k, v in expected.items()}
    assert run.steps_log, "the default run should take steps"

    kinds: dict = {}
    for line in _by_gid(fig, "event:"):
        kinds.setdefault(line.get_gid().split(":")[1], []).append(line.get_xdata()[0])
    for e in run.event_log:
        assert e["month"] in kinds[e["kind"]]
    assert 10 in kinds["approval_shock"] and 20 in kinds["leader_change"]


def test_story_accepts_dataframes_empty_logs_and_an_axes(run: AlignmentModel) -> None:
    import pandas as pd

    df = run.datacollector.get_model_vars_dataframe()
    outer = Figure()
    ax = outer.add_subplot()
    fig = plot_run_story(df, pd.DataFrame(run.steps_log), [], ax=ax, stamp="x")
    assert fig is outer
    assert [t.get_text() for t in fig.texts if t.get_gid() == "stamp"] == ["x"]
    fig2 = plot_run_story(df, None, None)
    assert not _by_gid(fig2, "steps:") and not _by_gid(fig2, "event:")


def test_story_missing_column_is_a_clear_error(run: AlignmentModel) -> None:
    df = run.datacollector.get_model_vars_dataframe().drop(columns=["trilateral"])
    with pytest.raises(ValueError, match="trilateral"):
        plot_run_story(df, [], [])


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_story_renders(run: AlignmentModel, fmt: str) -> None:
    df = run.datacollector.get_model_vars_dataframe()
    fig = plot_run_story(df, run.steps_log, run.event_log, stamp=stamp_text("default", 3, 1))
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt)
    assert buf.tell() > 1000


def test_stamp_text() -> None:
    s = stamp_text("coercion_sweep", 42, 84000, "1.2.3")
    assert s == "coercion_sweep · seed 42 · 84,000 runs · alignsim 1.2.3"
