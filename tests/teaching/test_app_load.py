"""The teaching app's parts that keep it light under a class (benchmarks/bench_app.py measures
the whole): the Plotly bundle served as a file, a Step sending only new data to the figure on
the page, closed sessions dropped."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("solara")


def _stepped_model(months: int) -> object:
    from sim.teaching.settings import Settings, build_model

    m = build_model(Settings(seed=3, months=36))
    for _ in range(months):
        m.step()
    return m


def test_figure_widgets_import_plotly_from_a_served_file_named_by_its_hash():
    from plotly.basewidget import BaseFigureWidget
    from solara.server import settings

    from sim.teaching import app

    app.serve_plotly_bundle()
    esm = str(BaseFigureWidget._esm)
    assert len(esm) < 1000  # a few lines, not the 5 MB bundle
    url = re.search(r'"(/static/assets/[^"?]+)\?v=([0-9a-f]{32})"', esm)
    assert url is not None, esm
    bundle = app.plotly_bundle_dir() / url.group(1).rsplit("/", 1)[1]
    assert hashlib.md5(bundle.read_bytes()).hexdigest() == url.group(2)  # noqa: S324
    assert str(app.plotly_bundle_dir()) in settings.assets.extra_locations
    # a widget made now carries the short module
    widget = app._widget_classes()[1]()
    assert widget._esm == esm


def test_trace_values_are_the_figures_data_month_after_month():
    from sim.teaching.figures import model_figure, model_trace_values

    m = _stepped_model(0)
    first = model_figure(m)
    names = [t.name for t in first.data]
    for months in (1, 12):
        for _ in range(months):
            m.step()  # type: ignore[attr-defined]
        full = model_figure(m)
        assert [t.name for t in full.data] == names  # the same traces as the run goes on
        values = model_trace_values(m)
        assert set(values) == set(names)
        for t in full.data:
            for key, v in values[t.name].items():
                assert list(t[key]) == pytest.approx(v) if key == "y" else list(t[key]) == v


def test_a_step_updates_the_figure_on_the_page_to_the_new_figure():
    from sim.teaching import app
    from sim.teaching.figures import model_figure, model_trace_values, title_text

    m = _stepped_model(2)
    widget = app._widget_classes()[1]()
    old = model_figure(m, title="before")
    widget.layout = old.layout
    widget.add_traces(old.data)
    for _ in range(5):
        m.step()  # type: ignore[attr-defined]
    update = {"traces": model_trace_values(m), "title": title_text("after")}
    assert app._apply_update(widget, update)
    new = model_figure(m, title="after")
    assert widget.layout.title.text == new.layout.title.text == "after"
    for got, want in zip(widget.data, new.data, strict=True):
        assert got.name == want.name
        assert list(got.x) == list(want.x) and list(got.y) == pytest.approx(list(want.y))
    # a figure without those traces is left alone (the app then sends the whole figure)
    other = app._widget_classes()[1]()
    assert not app._apply_update(other, update)


def test_figures_are_compared_by_identity():
    from sim.teaching.app import Ref

    a, b = Ref({"x": 1}), Ref({"x": 1})
    assert a == a and a != b


def test_the_server_drops_closed_sessions_and_keeps_few_heaps():
    from solara.util import parse_timedelta

    from sim.commands.app import KERNEL_CULL_TIMEOUT, OFFLINE_ENV

    assert OFFLINE_ENV["SOLARA_KERNEL_CULL_TIMEOUT"] == KERNEL_CULL_TIMEOUT
    assert 0 < parse_timedelta(KERNEL_CULL_TIMEOUT) <= 300
    assert int(OFFLINE_ENV["MALLOC_ARENA_MAX"]) <= 4
    assert OFFLINE_ENV["PYTHONMALLOC"] == "malloc"  # pages a closed session freed can go back


def _rendered_page() -> tuple[object, object]:
    import ipyvuetify as v
    import solara

    from sim.teaching import app

    _, rc = solara.render(app.Page(), handle_error=False)
    return rc, rc.find(v.Btn, class_="btn-step").widget


def _panel_head(rc: object) -> str:
    import ipyvuetify as v

    return str(rc.find(v.Html, class_="month-panel").widget.children[0].unsafe_innerHTML)  # type: ignore[attr-defined]


@pytest.mark.parametrize("fast", ["0", "1"])
def test_a_step_renders_the_explore_tab_alone(monkeypatch, fast):
    """A Step is the Explore tab's own state: the page (sidebar, parameter controls, the other
    tabs) is not rendered again, with reacton's default renderer and its fast one alike."""
    import ipyvuetify as v

    from sim.teaching import app

    monkeypatch.setenv("REACTON_FAST", fast)
    rc, step = _rendered_page()
    pages, tabs = app.Page.render_count, app.ExploreTab.render_count
    step.click()
    step.click()
    assert app.Page.render_count == pages
    assert app.ExploreTab.render_count == tabs + 2
    assert "Month 2 of 60" in _panel_head(rc)
    # Reset (a new model) reaches the tab too (Apply: tests/teaching/test_browser_app.py)
    rc.find(v.Btn, class_="btn-reset").widget.click()
    assert "Month 0 of 60" in _panel_head(rc)
    assert app.Page.render_count == pages
    rc.close()


def test_solara_shell_events_are_plain_no_ops():
    """Every message a page sends makes a stand-in IPython shell; in the server its event hooks
    are a plain object whose hooks do nothing, not a MagicMock built and called for every
    message. (In a fresh process: loading Solara's server patches widgets process-wide.)"""
    code = """
import unittest.mock
import solara.server.app  # what the server loads
from solara.server import patch
from sim.teaching import app
assert isinstance(patch.FakeIPython(unittest.mock.Mock()).events, unittest.mock.MagicMock)
app.quiet_shell_events()
app.quiet_shell_events()  # idempotent
context = unittest.mock.Mock()  # stands for a session (kernel_context.VirtualKernelContext)
shell = patch.FakeIPython(context)
assert not isinstance(shell.events, unittest.mock.Mock), shell.events
assert shell.events.trigger("pre_execute") is None
assert shell.events.register("post_execute", print) is None
print("ok")
"""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=root, timeout=120)  # fmt: skip
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_the_server_renders_with_reacton_s_fast_renderer():
    from sim.commands.app import OFFLINE_ENV

    assert OFFLINE_ENV["REACTON_FAST"] == "1"


def test_idle_server_worker_threads_are_stopped_and_busy_ones_kept():
    """After a class, the server's idle worker threads (AnyIO's, one per concurrent message)
    are stopped on their own event loop; a worker still running a call is left alone, and the
    server can start new ones afterwards."""
    import asyncio
    import threading

    import anyio
    from anyio._backends._asyncio import WorkerThread

    from sim.teaching.app import stop_idle_worker_threads

    release, busy_started = threading.Event(), threading.Event()
    report: dict[str, int] = {}

    def workers() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if isinstance(t, WorkerThread) and t.is_alive()]

    def busy() -> None:
        busy_started.set()
        release.wait(10)

    async def server() -> None:
        # four threads at once, then idle; one more kept busy
        await asyncio.gather(*(anyio.to_thread.run_sync(time_sleep, 0.05) for _ in range(4)))
        held = asyncio.ensure_future(anyio.to_thread.run_sync(busy))
        await anyio.to_thread.run_sync(busy_started.wait, 5)
        report["before"] = len(workers())
        report["stopped"] = await anyio.to_thread.run_sync(stop_idle_worker_threads, 0.0, 5.0)
        report["after"] = len(workers())
        release.set()
        await held
        report["new_call"] = await anyio.to_thread.run_sync(lambda: 7)

    from time import sleep as time_sleep

    asyncio.run(server())
    # four threads were started; the held call and the stopping call itself each run on one
    assert report["before"] == 4
    assert report["stopped"] == 2
    assert report["after"] == 2
    assert report["new_call"] == 7


def test_the_server_keeps_sessions_out_of_collections_until_one_closes(monkeypatch):
    """In the app server a built page's objects are frozen (a collection in a Step does not
    walk them); a closed session's cycles are collected when memory is released; elsewhere
    (tests, notebooks) nothing is frozen."""
    import gc
    import weakref

    from sim.commands.app import OFFLINE_ENV
    from sim.teaching import app

    assert OFFLINE_ENV[app.FREEZE_ENV] == "1"  # what `alignsim app` runs its server with

    class Node:
        pass

    gc.unfreeze()
    monkeypatch.setattr(app, "stop_idle_worker_threads", lambda: 0)
    monkeypatch.delenv(app.FREEZE_ENV, raising=False)
    assert app._session_ready() is app._schedule_release
    assert gc.get_freeze_count() == 0
    monkeypatch.setenv(app.FREEZE_ENV, "1")
    try:
        node = Node()
        node.me = node  # type: ignore[attr-defined]  # a cycle, as a session's widgets hold
        ref = weakref.ref(node)
        app._session_ready()
        assert gc.get_freeze_count() > 0
        del node
        gc.collect()
        assert ref() is not None  # frozen: out of the collector's view
        app.release_memory()
        assert ref() is None
        assert gc.get_freeze_count() > 0  # what lives on is frozen again
    finally:
        gc.unfreeze()
