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


def test_large_text_is_drawn_from_its_cookie(app, world, browser):
    assert 'class="large-text"' not in browser.get("/admin/").get_data(as_text=True)
    browser.client.set_cookie("text_size", "large")
    html = browser.get("/admin/").get_data(as_text=True)
    assert '<html lang="zh-Hans-CN" class="large-text">' in html
    assert 'aria-pressed="true"' in html
    assert Ticket.select().count() == 2
