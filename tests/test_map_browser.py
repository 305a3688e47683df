"""The map page in a real browser (Debian's Chromium, Playwright): with no
tile server it draws boundaries and points on a plain background, sends no
request off the machine and logs no console error; a secretary sees only her
community; a ticket opens on tap; it fits a phone; axe finds nothing serious.
With GCJ-02 tiles configured, points are shifted as gcoord computes, checked
against published reference pairs."""

import os
from urllib.parse import urlparse

import pytest

from gridadmin.models import Grid, Ticket, db
from gridadmin.services import boundaries
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, served, sync_api
from tests.test_permissions import ROLE_PASSWORD, build_world
from tests.test_places_web import PLACE, geojson, square

AXE = os.path.join(os.path.dirname(__file__), "vendor", "axe-core", "axe.min.js")
# A 1×1 PNG for tiles served from this machine.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")
PNG += bytes.fromhex("1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


@pytest.fixture
def mapped_server(app):
    """The permission world with boundaries and positioned tickets, served."""
    with app.app_context():
        db.connect(reuse_if_open=True)
        world = build_world()
        grid_in, grid_out = world["records"]["grid"]
        comm_in, comm_out = Grid.get_by_id(grid_in.parent_id), Grid.get_by_id(grid_out.parent_id)
        boundaries.import_file(geojson(
            (comm_in.code, square(*PLACE["in"], 0.01)), (grid_in.code, square(*PLACE["in"])),
            (comm_out.code, square(*PLACE["in"], 0.01) | {"coordinates": [[[p[0] + 0.025, p[1]] for p in
                                                                            square(*PLACE["in"], 0.01)["coordinates"][0]]]}),
            (grid_out.code, square(PLACE["in"][0] + 0.025, PLACE["in"][1]))))
        t_in, t_out = world["records"]["ticket"]
        Ticket.update(longitude=PLACE["in"][0], latitude=PLACE["in"][1]).where(Ticket.id == t_in.id).execute()
        Ticket.update(longitude=PLACE["in"][0] + 0.025, latitude=PLACE["in"][1]).where(Ticket.id == t_out.id).execute()
        db.close()
    with served(app) as base:
        yield base, world


def _browse(base, username, viewport=None):
    """(playwright, browser, page, requests, problems): every request is
    recorded and any leaving this machine is aborted; console errors too."""
    p = sync_api.sync_playwright().start()
    browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    # No service worker: a request it answered would bypass the route below
    # (the offline web app has its own tests).
    page = browser.new_page(viewport=viewport or {"width": 1280, "height": 800}, service_workers="block")
    requests, problems = [], []

    def route(r):
        requests.append(r.request.url)
        host = urlparse(r.request.url).hostname
        if host not in ("127.0.0.1", None) and not r.request.url.startswith("data:"):
            problems.append(f"off the machine: {r.request.url}")
            return r.abort()
        if r.request.url.endswith(".png") and "/tiles/" in r.request.url:
            return r.fulfill(status=200, content_type="image/png", body=PNG)
        return r.continue_()

    page.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", ROLE_PASSWORD if username != "admin" else "admin-pass-1")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    return p, browser, page, requests, problems


def _open_map(page, base):
    page.goto(f"{base}/admin/map/")
    page.wait_for_selector("#map[data-loaded='1']")


def test_the_map_without_tiles_for_a_secretary(mapped_server):
    base, world = mapped_server
    t_in, t_out = world["records"]["ticket"]
    p, browser, page, requests, problems = _browse(base, "u_secretary")
    try:
        _open_map(page, base)
        drawn = page.locator("#map")
        # Her community and its grid; of the tickets only hers.
        assert drawn.get_attribute("data-boundaries") == "2"
        assert drawn.get_attribute("data-tickets") == "1"
        assert page.locator("path.ticket-marker").count() == 1
        assert page.locator("path.leaflet-interactive:not(.ticket-marker)").count() == 2
        assert page.locator("img.leaflet-tile").count() == 0  # a plain background
        page.locator("path.ticket-marker").click()
        popup = page.wait_for_selector(".leaflet-popup-content")
        assert t_in.number in popup.inner_text() and "甲内事件" in popup.inner_text()
        assert "乙外" not in page.inner_text("body")
        page.click(".leaflet-popup-content a")
        page.wait_for_url(f"**/admin/ticket/details/?id={t_in.id}")
        assert all(urlparse(u).hostname == "127.0.0.1" for u in requests), requests
        assert any("/admin/map/data/?bbox=" in u for u in requests)
        assert problems == []
    finally:
        browser.close()
        p.stop()


def test_the_map_fits_a_phone_and_passes_axe(mapped_server):
    base, _world = mapped_server
    p, browser, page, _requests, problems = _browse(base, "u_centre", viewport={"width": 375, "height": 740})
    try:
        _open_map(page, base)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        box = page.locator(".leaflet-control-zoom-in").bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44
        assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "放大"
        with open(AXE, encoding="utf-8") as fh:
            page.add_script_tag(content=fh.read())
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        serious = [(v["id"], v["impact"]) for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == []
        assert problems == []
    finally:
        browser.close()
        p.stop()


# WGS-84 → GCJ-02 reference pairs (lat, lng, lat, lng), published with the
# eviltransform project's tests (github.com/googollee/eviltransform, python/test.py).
REFERENCE = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]


def test_points_are_shifted_for_gcj02_tiles_only(app, mapped_server):
    base, world = mapped_server
    app.config.update(MAP_TILE_URL=f"{base}/tiles/{{z}}/{{x}}/{{y}}.png", MAP_TILE_COORDS="gcj02")
    try:
        p, browser, page, requests, problems = _browse(base, "u_centre")
        try:
            _open_map(page, base)
            for lat, lng, gcj_lat, gcj_lng in REFERENCE:
                got = page.evaluate(f"gcoord.transform([{lng}, {lat}], gcoord.WGS84, gcoord.GCJ02)")
                assert got == [pytest.approx(gcj_lng, abs=1e-6), pytest.approx(gcj_lat, abs=1e-6)]
            drawn = page.evaluate("gridadminMap.tickets.getLayers().map(l => [l.getLatLng().lng, l.getLatLng().lat])")
            expected = page.evaluate(f"gcoord.transform([{PLACE['in'][0]}, {PLACE['in'][1]}], gcoord.WGS84, gcoord.GCJ02)")
            assert drawn == [pytest.approx(expected, abs=1e-9)]
            assert abs(drawn[0][0] - PLACE["in"][0]) > 0.001  # a shift of hundreds of metres, really applied
            assert any("/tiles/" in u for u in requests)  # tiles from this machine's server only
            assert all(urlparse(u).hostname == "127.0.0.1" for u in requests)
            assert problems == []
        finally:
            browser.close()
            p.stop()
    finally:
        app.config.update(MAP_TILE_URL=None, MAP_TILE_COORDS="wgs84")
