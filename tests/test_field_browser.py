"""Pages every user can read, on the desk and on a phone (issue 11), in a
real browser (Debian's Chromium driven by Playwright):

- axe-core finds no serious or critical violation on any main page, for an
  administrator at 1280 px and for each field role at 375 px;
- every page a field role uses fits 375 px, its controls are at least 44 px
  and it logs no console error;
- the large-text mode, and the 随手拍 report flow (photo, position, a refused
  field, offline)."""

import os
from urllib.parse import urlparse

import pytest

from gridadmin.models import db
from gridadmin.services import permissions
from tests.test_browser import CHROMIUM, served, sync_api
from tests.test_permissions import ROLE_PASSWORD, build_world

AXE = os.path.join(os.path.dirname(__file__), "vendor", "axe-core", "axe.min.js")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PHONE = {"width": 375, "height": 812}
DESK = {"width": 1280, "height": 800}
FIELD_ROLES = ("worker", "volunteer", "department", "secretary")
# Screens that are not lists of one model, by endpoint: their page.
SCREENS = {"ranking": "/admin/ranking/", "map": "/admin/map/", "boundaries": "/admin/boundaries/",
           "dashboard": "/admin/dashboard/", "briefing": "/admin/briefing/", "briefingsettings": "/admin/briefingsettings/"}


@pytest.fixture
def server(app):
    with app.app_context():
        db.connect(reuse_if_open=True)
        world = build_world()
        db.close()
    with app.test_request_context():
        from gridadmin.web.views.ticket import OverdueTicketsLink

        admin = app.extensions["admin"][0]
        link = next(item for item in admin._menu_links if isinstance(item, OverdueTicketsLink))
        world["overdue_url"] = link.get_url()
    with served(app) as base:
        yield base, world


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

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

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
        if endpoint == "ticket":
            urls.append(world["overdue_url"])  # the overdue list (超期工单)
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


# The page crawls are split into shards, so that pytest-xdist's workers share
# them instead of one worker running a minute-long test at the end.
@pytest.mark.parametrize("shard", range(3))
def test_axe_finds_nothing_serious_for_an_administrator_at_1280(server, shard):
    base, world = server
    with Session(base, "admin", DESK) as session:
        found = {}
        for url in pages_for("admin", world)[shard::3]:
            _visit(session, url)
            assert session.page.get_attribute("html", "lang") == "zh-Hans-CN", url
            violations = session.axe()
            if violations:
                found[url] = violations
        if shard == 0:  # the error page, and the login page once logged out
            session.page.goto(f"{base}/admin/ticket/details/?id=999999")
            found["error page"] = session.axe()
            session.context.clear_cookies()
            session.page.goto(f"{base}/login")
            found["login page"] = session.axe()
        found = {url: v for url, v in found.items() if v}
        assert found == {}, "\n".join(f"{u}: {v}" for u, v in found.items())
        assert [p for p in session.problems if "404" not in p] == []


@pytest.mark.parametrize("shard", range(2))
@pytest.mark.parametrize("role", FIELD_ROLES)
def test_field_pages_fit_a_phone_and_pass_axe(server, role, shard):
    """Each field role's pages at 375×812: nothing serious for axe, no
    sideways scrolling, every visible primary control at least 44×44 px."""
    base, world = server
    with Session(base, f"u_{role}", PHONE) as session:
        found, wide, small = {}, {}, {}
        for url in pages_for(role, world)[shard::2]:
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
    if (['checkbox', 'radio', 'file'].includes(el.type) && el.labels && el.labels.length) {
      const l = el.labels[0].getBoundingClientRect();
      if (l.width >= 44 && l.height >= 44) return false;
    }
    return r.width < 44 || r.height < 44;
  })
  .map(el => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className}: `
             + `${Math.round(el.getBoundingClientRect().width)}x${Math.round(el.getBoundingClientRect().height)}`)
"""


# A small JPEG for the photo inputs.
def _jpeg(tmp_path, name="photo.jpg"):
    from PIL import Image

    path = tmp_path / name
    Image.new("RGB", (64, 48), (200, 40, 40)).save(path, "JPEG")
    return str(path)


POSITION = {"latitude": 32.0415, "longitude": 118.7781, "accuracy": 12}


# Who reports from the field (随手拍): a grid worker and a volunteer, the
# same form and flow; the ticket names the one or the other as its reporter.
REPORTERS = ("worker", "volunteer")


def _reported_by(ticket, world, role):
    user = world["users"][role]
    if role == "volunteer":
        return ticket.reporter_id is None and ticket.reporter_volunteer_id == user.volunteer_id
    return ticket.reporter_id == user.worker_id and ticket.reporter_volunteer_id is None


@pytest.mark.parametrize("role", REPORTERS)
def test_report_with_a_photo_a_position_and_a_refused_field(server, tmp_path, role):
    """A worker (or a volunteer) at 375 px: her grid is filled in, she picks a
    category, takes a photo, her position is attached, she forgets the title:
    the form comes back with the photo, the place and the position still
    there; she types the title and lands on the new ticket's page with its
    number."""
    from gridadmin.models import Ticket, TicketPhoto

    base, world = server
    with Session(base, f"u_{role}", PHONE, geolocation=POSITION, permissions=["geolocation"]) as session:
        page = session.page
        page.goto(f"{base}/admin/ticket/new/")
        grid_in = world["records"]["grid"][0]
        assert page.locator("select#grid").input_value() == str(grid_in.id)
        page.wait_for_function("document.querySelector('#latitude').value !== ''")
        assert "12" in page.inner_text("#position-status")
        page.locator("label:has-text('环境卫生')").click()
        page.set_input_files("#photos-camera", _jpeg(tmp_path))
        assert page.locator("#photo-preview img").count() == 1
        page.fill("#place", "幸福路12号门口")
        page.fill("#description", "井盖缺失，有人差点踩空")
        page.locator("#title").evaluate("el => el.removeAttribute('required')")  # the server refuses it
        page.click("#report-submit")
        page.wait_for_selector("#title-errors, .invalid-feedback")
        assert Ticket.select().where(Ticket.place == "幸福路12号门口").count() == 0
        # Nothing lost: the photo is still chosen, the typed text and the position are there.
        assert page.evaluate("document.querySelector('#photos-camera').files.length") == 1
        assert page.input_value("#place") == "幸福路12号门口"
        assert page.input_value("#description") == "井盖缺失，有人差点踩空"
        assert page.input_value("#latitude") != ""
        assert page.locator("input[name=category]:checked").count() == 1
        page.fill("#title", "井盖缺失")
        page.click("#report-submit")
        page.wait_for_url("**/admin/ticket/details/?id=*")
        ticket = Ticket.get(Ticket.title == "井盖缺失")
        assert ticket.number in page.inner_text("main")
        assert ticket.grid_id == grid_in.id and ticket.place == "幸福路12号门口"
        assert (round(ticket.latitude, 4), round(ticket.longitude, 4)) == (32.0415, 118.7781)
        assert ticket.location_accuracy == 12
        assert TicketPhoto.select().where(TicketPhoto.ticket == ticket).count() == 1
        assert _reported_by(ticket, world, role)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert session.problems == []


def test_report_without_position_permission_still_goes(server):
    from gridadmin.models import Ticket

    base, _world = server
    with Session(base, "u_worker", PHONE) as session:  # geolocation not allowed
        page = session.page
        page.goto(f"{base}/admin/ticket/new/")
        page.locator("label:has-text('环境卫生')").click()
        page.fill("#title", "路灯不亮")
        page.fill("#place", "东门")
        page.click("#report-submit")
        page.wait_for_url("**/admin/ticket/details/?id=*")
        ticket = Ticket.get(Ticket.title == "路灯不亮")
        assert ticket.latitude is None and ticket.place == "东门"


@pytest.mark.parametrize("role", REPORTERS)
def test_a_report_made_offline_is_sent_once_when_back_online(server, tmp_path, role):
    from gridadmin.models import Ticket, TicketPhoto

    base, world = server
    with Session(base, f"u_{role}", PHONE) as session:
        page = session.page
        page.goto(f"{base}/admin/ticket/new/")
        page.wait_for_function("navigator.serviceWorker.controller !== null || true")
        session.context.set_offline(True)
        page.locator("label:has-text('环境卫生')").click()
        page.fill("#title", "离线上报的事件")
        page.fill("#place", "地下车库")
        page.set_input_files("#photos", _jpeg(tmp_path))
        page.click("#report-submit")
        page.wait_for_selector("#report-queued:not(.d-none)")
        page.wait_for_selector("#offline-queue:not(.d-none)")
        assert "离线上报的事件" in page.inner_text("#offline-queue")
        assert Ticket.select().where(Ticket.title == "离线上报的事件").count() == 0
        session.context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        page.wait_for_selector("#offline-queue.d-none", state="attached", timeout=15000)
        assert Ticket.select().where(Ticket.title == "离线上报的事件").count() == 1
        # Sending again (the answer lost on the way) makes no second ticket.
        ticket = Ticket.get(Ticket.title == "离线上报的事件")
        assert ticket.report_key and ticket.place == "地下车库" and _reported_by(ticket, world, role)
        assert TicketPhoto.select().where(TicketPhoto.ticket == ticket).count() == 1
        page.reload()
        page.evaluate("window.gridadminOffline.flush()")
        assert Ticket.select().where(Ticket.title == "离线上报的事件").count() == 1
        assert session.problems == [] or all("ERR_INTERNET_DISCONNECTED" in p for p in session.problems)


def test_large_text_mode_is_remembered_and_fits_a_phone(server):
    base, world = server
    with Session(base, "u_worker", PHONE) as session:
        page = session.page
        page.goto(f"{base}/admin/ticket/")
        normal = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main')).fontSize)")
        # One tap: the switch is not behind the collapsed menu on a phone.
        assert page.is_visible("#large-text-toggle")
        page.click("#large-text-toggle")
        large = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main')).fontSize)")
        assert large >= normal * 1.25
        assert page.get_attribute("#large-text-toggle", "aria-pressed") == "true"
        for url in pages_for("worker", world) + ["/admin/ticket/new/"]:
            _visit(session, url)  # remembered from page to page
            assert page.evaluate("document.documentElement.classList.contains('large-text')"), url
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, (url, width)
        assert session.problems == []


def test_select_all_and_bulk_actions_reach_a_phone(server):
    """The cards hide the table's header, but not its select-all box: the
    bulk actions (批量操作) stay usable at 375 px."""
    base, _world = server
    with Session(base, "admin", PHONE) as session:
        page = session.page
        page.goto(f"{base}/admin/ticket/")
        box = page.locator("input.action-rowtoggle")
        assert box.is_visible()
        label = page.locator("th.list-checkbox-column label.row-check").bounding_box()
        assert label["width"] >= 44 and label["height"] >= 44
        rows = page.locator("input.action-checkbox")
        assert rows.count() > 0
        box.click()
        assert all(rows.nth(i).is_checked() for i in range(rows.count()))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375
        assert session.problems == []


def test_an_empty_list_offers_no_select_all_on_a_phone(server):
    base, _world = server
    with Session(base, "admin", PHONE) as session:
        page = session.page
        page.goto(f"{base}/admin/ticket/?search=nothing-like-this")
        assert page.locator("input.action-rowtoggle").count() == 0
        assert page.locator("input.action-checkbox").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert session.problems == []


def test_the_large_text_switch_keeps_clear_of_log_out_on_the_desk(server):
    base, _world = server
    with Session(base, "admin", DESK) as session:
        page = session.page
        page.goto(f"{base}/admin/")
        switch = page.locator("#large-text-toggle").bounding_box()
        logout = page.locator("form.navbar-account button[type=submit]").bounding_box()
        same_row = abs(switch["y"] - logout["y"]) < logout["height"]
        gap = switch["x"] - (logout["x"] + logout["width"]) if switch["x"] >= logout["x"] \
            else logout["x"] - (switch["x"] + switch["width"])
        assert not same_row or gap >= 8, (switch, logout)


def test_the_installed_app_opens_the_report_form_offline(server):
    """The service worker keeps the report form as last opened (and the
    static files), so it opens without a connection."""
    base, _world = server
    with Session(base, "u_worker", PHONE) as session:
        page = session.page
        page.goto(f"{base}/admin/ticket/new/")
        page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
        page.reload()  # now controlled by the worker, which keeps this page
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        page.wait_for_function("caches.has('gridadmin-pages-v1')")
        session.context.set_offline(True)
        page.goto(f"{base}/admin/ticket/new/")
        assert page.locator("#report-form").count() == 1
        assert page.locator("label:has-text('环境卫生')").count() == 1
        manifest = page.get_attribute("link[rel=manifest]", "href")
        assert manifest == "/manifest.webmanifest"


def test_minutes_fit_a_phone_and_still_print_on_a4(server):
    base, world = server
    with Session(base, "u_secretary", PHONE) as session:
        page = session.page
        page.goto(f"{base}/admin/meeting/minutes/?id={world['records']['meeting'][0].id}")
        assert page.get_attribute("meta[name=viewport]", "content").startswith("width=device-width")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.emulate_media(media="print")
        assert page.evaluate("getComputedStyle(document.querySelector('.toolbar')).display") == "none"
        assert page.evaluate("getComputedStyle(document.querySelector('table.meeting')).display") == "table"
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF") and b"/MediaBox [0 0 595" in pdf


def test_a_form_kept_open_past_its_token_still_reports(server, tmp_path):
    """The CSRF token of a form left open too long is refused (400): the
    form takes a fresh one and sends again, photo and all, nothing retyped."""
    from gridadmin.models import Ticket, TicketPhoto

    base, _world = server
    with Session(base, "u_worker", PHONE) as session:
        page = session.page
        page.goto(f"{base}/admin/ticket/new/")
        page.locator("label:has-text('环境卫生')").click()
        page.fill("#title", "表单放久了")
        page.set_input_files("#photos", _jpeg(tmp_path))
        page.evaluate("document.querySelector('#report-form input[name=csrf_token]').value = 'expired'")
        page.click("#report-submit")
        page.wait_for_url("**/admin/ticket/details/?id=*")
        ticket = Ticket.get(Ticket.title == "表单放久了")
        assert TicketPhoto.select().where(TicketPhoto.ticket == ticket).count() == 1
