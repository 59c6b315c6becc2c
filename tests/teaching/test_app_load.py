"""The teaching app's parts that keep it light under a class (benchmarks/bench_app.py measures
the whole): the Plotly bundle served as a file, a Step sending only new data to the figure on
the page, closed sessions dropped."""

from __future__ import annotations

import hashlib
import re

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
