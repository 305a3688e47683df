"""Issue 11 without a browser: pages every user can read (html lang, unique
ids, labelled controls, only the row actions a user may take, people's
names), the report form's pieces and the exactly-once report key."""

import re
from collections import Counter
from html.parser import HTMLParser

import pytest

from gridadmin.models import AuditLog, Ticket, User
from gridadmin.services import workflow
from tests.conftest import client_for
from tests.test_permissions import build_world


class Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = Counter()
        self.unlabelled = []
        self.labels_for = set()
        self.inputs = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids[attrs["id"]] += 1
        if tag == "label" and attrs.get("for"):
            self.labels_for.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "submit", "button"):
            self.inputs.append(attrs)


def parse(html):
    parser = Ids()
    parser.feed(html)
    return parser


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world()


@pytest.mark.parametrize("url", ["/admin/", "/admin/ticket/", "/admin/worker/", "/admin/grid/", "/admin/ticket/new/",
                                 "/admin/auditlog/"])
def test_pages_have_lang_unique_ids_and_labelled_controls(app, world, browser, url):
    html = browser.get(url).get_data(as_text=True)
    assert re.search(r'<html lang="zh-Hans-CN"', html), url
    parsed = parse(html)
    assert [i for i, n in parsed.ids.items() if n > 1] == [], url
    # Every visible control has a label (for=id) or an aria-label.
    bare = [a for a in parsed.inputs if not a.get("aria-label") and a.get("id") not in parsed.labels_for
            and not a.get("aria-labelledby")]
    assert bare == [], (url, bare)


def test_html_lang_follows_the_locale_on_admin_and_plain_pages(app, world, browser):
    browser.client.set_cookie("locale", "en")
    assert '<html lang="en"' in browser.get("/admin/ticket/").get_data(as_text=True)
    browser.client.set_cookie("locale", "zh_Hant_TW")
    assert '<html lang="zh-Hant-TW"' in browser.get("/admin/worker/").get_data(as_text=True)
    assert '<html lang="zh-Hant-TW"' in browser.get("/admin/nothing-here/").get_data(as_text=True)


def test_list_rows_offer_only_actions_the_user_may_take(app, world, browser):
    """A final ticket's row has no edit icon (its edit page answers 403);
    an open one keeps it."""
    t_in, t_out = world["records"]["ticket"]
    admin = User.get(User.username == "admin")
    workflow.transition(t_in, "reject", admin, note="不属实")
    html = browser.get("/admin/ticket/").get_data(as_text=True)
    assert f"/admin/ticket/edit/?id={t_in.id}" not in html
    assert f"/admin/ticket/edit/?id={t_out.id}" in html
    assert browser.get(f"/admin/ticket/edit/?id={t_in.id}").status_code == 403


def test_a_workers_rows_have_no_delete_and_only_own_reports_to_edit(app, world):
    worker = world["users"]["worker"]
    client = client_for(app, worker)
    html = client.get("/admin/ticket/").get_data(as_text=True)
    t_in = world["records"]["ticket"][0]
    assert f"/admin/ticket/edit/?id={t_in.id}" in html  # her own report, not yet accepted
    assert "/admin/ticket/delete/" not in html


def test_timeline_and_audit_log_show_peoples_names(app, world, browser):
    t_in = world["records"]["ticket"][0]
    centre = world["users"]["centre"]
    workflow.transition(t_in, "accept", centre)
    AuditLog.create(user=centre, username=centre.username, action="update", model="Ticket", record_id=t_in.id)
    page = browser.get(f"/admin/ticket/details/?id={t_in.id}").get_data(as_text=True)
    timeline = page[page.index('id="ticket-timeline"'):]
    assert "用户centre" in timeline and "u_centre" not in timeline
    log = browser.get("/admin/auditlog/").get_data(as_text=True)
    assert "用户centre" in log and ">u_centre<" not in log
    export = browser.get("/admin/auditlog/export/csv/").get_data(as_text=True)
    assert "用户centre" in export and "u_centre" not in export


def test_the_web_app_manifest_and_service_worker(app):
    client = app.test_client()
    manifest = client.get("/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.json["display"] == "standalone"
    assert manifest.json["start_url"] == "/admin/ticket/new/"
    sw = client.get("/sw.js")
    assert sw.status_code == 200 and "javascript" in sw.headers["Content-Type"]
    assert sw.headers["Service-Worker-Allowed"] == "/"
    icon = client.get("/favicon.ico")  # asked for by pages that name no icon (the login page)
    assert icon.status_code == 200 and icon.mimetype == "image/png"


def test_large_text_is_drawn_from_its_cookie(app, world, browser):
    assert 'class="large-text"' not in browser.get("/admin/").get_data(as_text=True)
    browser.client.set_cookie("text_size", "large")
    html = browser.get("/admin/").get_data(as_text=True)
    assert '<html lang="zh-Hans-CN" class="large-text">' in html
    assert 'aria-pressed="true"' in html
    assert Ticket.select().count() == 2


# --- 随手拍: the report form ----------------------------------------------

def _report_form(client):
    from tests.conftest import csrf_token

    html = client.get("/admin/ticket/new/").get_data(as_text=True)
    return html, csrf_token(html)


def test_a_grid_worker_finds_her_grid_filled_in_and_large_choices(app, world):
    from gridadmin.models import Source

    snapshot = Source.create(code="snapshot", name="随手拍")
    grid_in = world["records"]["grid"][0]
    client = client_for(app, world["users"]["worker"])
    html, _token = _report_form(client)
    assert re.search(rf'<option selected value="{grid_in.id}">甲内网格', html)
    assert "乙外网格" not in html
    assert 'type="radio"' in html and "环境卫生" in html  # categories as choices, not a drop-down
    assert 'capture="environment"' in html and 'accept="image/*"' in html
    assert re.search(rf'<option selected value="{snapshot.id}">随手拍', html)
    assert 'name="report_key"' in html


def test_a_report_lands_on_its_ticket_and_a_resend_is_the_same_ticket(app, world):
    from gridadmin.models import Category, Source

    client = client_for(app, world["users"]["worker"])
    _html, token = _report_form(client)
    grid_in = world["records"]["grid"][0]
    key = "0b7f6a52-1c3e-4f7e-9a55-3c1d2e4f5a6b"
    data = {"csrf_token": token, "report_key": key, "title": "井盖缺失", "category": str(Category.get().id),
            "source": str(Source.get().id), "grid": str(grid_in.id), "place": "幸福路12号", "priority": "normal",
            "latitude": "32.0415", "longitude": "118.7781", "location_accuracy": "12.5"}
    first = client.post("/admin/ticket/new/", data=data)
    assert first.status_code == 302
    ticket = Ticket.get(Ticket.report_key == key)
    assert first.headers["Location"].endswith(f"/admin/ticket/details/?id={ticket.id}")
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert ticket.number in page
    assert (ticket.latitude, ticket.longitude, ticket.location_accuracy) == (32.0415, 118.7781, 12.5)
    again = client.post("/admin/ticket/new/", data=data)
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    assert Ticket.select().where(Ticket.title == "井盖缺失").count() == 1
    # Reports without a key are each a ticket; a malformed key is refused.
    del data["report_key"]
    assert client.post("/admin/ticket/new/", data=data).status_code == 302
    assert Ticket.select().where(Ticket.title == "井盖缺失").count() == 2
    refused = client.post("/admin/ticket/new/", data={**data, "report_key": "'; drop table--"})
    assert refused.status_code == 200 and Ticket.select().where(Ticket.title == "井盖缺失").count() == 2


def test_a_report_out_of_the_workers_grids_is_refused(app, world):
    from gridadmin.models import Category, Source

    client = client_for(app, world["users"]["worker"])
    _html, token = _report_form(client)
    grid_out = world["records"]["grid"][1]
    data = {"csrf_token": token, "title": "越界", "category": str(Category.get().id), "source": str(Source.get().id),
            "grid": str(grid_out.id), "priority": "normal"}
    for grid in (str(grid_out.id), "abc", "-5"):
        response = client.post("/admin/ticket/new/", data={**data, "grid": grid})
        assert response.status_code == 200
    assert not Ticket.select().where(Ticket.title == "越界").exists()


def test_a_secretary_picks_among_her_communitys_grids(app, world):
    from gridadmin.models import Grid
    from gridadmin.services import grids

    grid_in = world["records"]["grid"][0]
    second = grids.save_grid(Grid(code="320106001001002", name="甲内二网格", level="grid", parent=grid_in.parent))
    choices = grids.report_choices(world["users"]["secretary"])
    assert [c[0] for c in choices] == [grid_in.id, second.id]
    assert grids.report_default(world["users"]["secretary"], choices) is None
    assert grids.report_choices(User.get(User.username == "admin")) is None  # types to search instead
