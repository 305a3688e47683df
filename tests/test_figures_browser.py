"""The dashboard, the briefing and its print view in a real browser
(Debian's Chromium, Playwright): the charts render offline (ECharts served
by the app, no request leaves the machine), no console error, they fit a
375 px phone without sideways scrolling, and axe finds nothing serious."""

import socket
import threading

import pytest
from werkzeug.serving import make_server

from gridadmin.models import db
from gridadmin.services import tally
from tests.test_map_browser import AXE, _browse
from tests.test_permissions import build_world


@pytest.fixture
def figures_server(app):
    with app.app_context():
        db.connect(reuse_if_open=True)
        build_world()
        tally.rebuild(app.config["TIMEZONE"])  # the world's tickets were saved directly, not reported
        db.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


def _axe_serious(page):
    with open(AXE, encoding="utf-8") as fh:
        page.add_script_tag(content=fh.read())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
            if v["impact"] in ("serious", "critical")]


def _dump(page):
    return page.evaluate("axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => [v.id, v.impact, v.nodes.slice(0,4).map(n => n.target.join(' ') + ' :: ' + n.failureSummary.slice(0,200))]))")


@pytest.mark.parametrize("width", [1280, 375])
def test_dashboard_charts_render_offline(figures_server, width):
    p, browser, page, requests, problems = _browse(figures_server, "u_centre",
                                                   viewport={"width": width, "height": 800})
    try:
        page.goto(f"{figures_server}/admin/dashboard/")
        page.wait_for_selector("#chart-trend[data-rendered='1']")
        charts = page.locator("[data-chart]")
        assert charts.count() >= 3
        assert page.locator("[data-chart][data-rendered='1']").count() == charts.count()
        assert page.locator("[data-chart] canvas").count() >= charts.count()
        assert "甲内事件" not in page.inner_text("body")  # figures, not records
        assert page.locator("#table-trend tbody tr").count() == 12
        if width == 375:
            assert page.evaluate("document.documentElement.scrollWidth") <= 375
        found = _axe_serious(page)
        assert found == [], _dump(page)
        assert any("/static/vendor/echarts/echarts.common.min.js" in u for u in requests)
        assert problems == []
    finally:
        browser.close()
        p.stop()


@pytest.mark.parametrize("width", [1280, 375])
def test_briefing_and_print_view(figures_server, width):
    p, browser, page, _requests, problems = _browse(figures_server, "u_centre",
                                                    viewport={"width": width, "height": 800})
    try:
        for url in ("/admin/briefing/", "/admin/briefing/?print=1"):
            page.goto(f"{figures_server}{url}")
            page.wait_for_selector("#briefing-figures")
            assert page.locator("#briefing-figures tbody tr").count() >= 20
            if width == 375:
                assert page.evaluate("document.documentElement.scrollWidth") <= 375, url
            assert _axe_serious(page) == [], url
        page.emulate_media(media="print")
        assert page.locator("#print-button").is_hidden()
        assert problems == []
    finally:
        browser.close()
        p.stop()
