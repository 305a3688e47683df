"""One test per pitfall of Flask-Admin 2.2 with peewee (DESIGN.md, "Known
pitfalls"), each showing it fixed in the shared base view or app factory."""

import re
from datetime import datetime
from pathlib import Path

import factories as f
import pytest
from babel.messages.mofile import read_mo
from conftest import Browser, login
from flask import current_app
from peewee import IntegrityError

from gridadmin import create_app
from gridadmin.models import Grid, Meeting, MeetingItem, Ticket, Worker
from gridadmin.web.views.grid import WorkerView

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def catalogue(locale, domain):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / f"{domain}.mo", "rb") as fh:
        return read_mo(fh)


def translated(locale, domain, msgid):
    message = catalogue(locale, domain).get(msgid)
    assert message is not None and message.string and message.string != msgid, (locale, msgid)
    return message.string


def text(response):
    return response.get_data(as_text=True)


# --- a foreign key's column in filters and search (field objects) --------------


class WorkerByGridName(WorkerView):
    """Filters and search on a related model's column, given as field objects."""

    column_filters = (Grid.name, Worker.post)
    column_searchable_list = ("name", Grid.name)

    def has_permission(self, action, obj=None):
        return True  # a test-only endpoint outside the permission matrix


@pytest.fixture
def related_app(app):
    """An app of its own (the shared one has served requests: no new views)
    on the test's database, with one more view."""
    own = create_app({key: app.config[key] for key in ("TESTING", "SECRET_KEY", "TIMEZONE", "DATABASE_URL")})
    admin = own.extensions["admin"][0]
    admin.add_view(WorkerByGridName(endpoint="worker_by_grid", url="/admin/worker-by-grid", name="workers by grid"))
    return own


@pytest.fixture
def related_browser(related_app):
    client = related_app.test_client()
    assert login(client).status_code == 302
    return Browser(client)


def test_related_column_filter_and_search_via_field_objects(related_app, related_browser, database):
    t = f.tree()
    a = f.worker(t["g1"], name="甲")
    b = f.worker(t["g2"], name="乙", post="leader")
    view = f.admin_view(related_app, "worker_by_grid")
    eq = next(i for i, flt in enumerate(view._filters)
              if flt.column is Grid.name and type(flt).__name__ == "FilterEqual")
    response = related_browser.get("/admin/worker-by-grid/", query_string={f"flt0_{eq}": "第一网格"})
    assert response.status_code == 200
    assert f.row_ids(response) == [a.id]
    # Search reaches the grid's name through the join...
    assert f.row_ids(related_browser.get("/admin/worker-by-grid/?search=第二网格")) == [b.id]
    # ...and the worker's own column, and both together with a filter.
    assert f.row_ids(related_browser.get("/admin/worker-by-grid/?search=甲")) == [a.id]
    post = next(i for i, flt in enumerate(view._filters) if flt.column is Worker.post)
    response = related_browser.get("/admin/worker-by-grid/", query_string={
        "search": "网格", f"flt0_{eq}": "第二网格", f"flt1_{post}": "leader"})
    assert f.row_ids(response) == [b.id]
    # Sorting still works on the joined query.
    assert related_browser.get("/admin/worker-by-grid/?search=网格&sort=0&desc=1").status_code == 200


# --- filters on CharFields with choices --------------------------------------------


def test_choice_field_filters_work_and_offer_translated_choices(app, browser, database):
    t = f.tree()
    closed = f.ticket(t["g1"], status="closed")
    f.ticket(t["g1"], status="reported")
    view = f.admin_view(app, "ticket")
    index = next(i for i, flt in enumerate(view._filters)
                 if getattr(flt.column, "name", None) == "status" and type(flt).__name__ == "FilterEqual")
    response = browser.get(f"/admin/ticket/?flt0_{index}=closed")
    assert response.status_code == 200
    assert f.row_ids(response) == [closed.id]
    page = text(browser.get("/admin/ticket/"))
    assert translated("zh_Hans_CN", "messages", "Closed") in page  # the drop-down's label
    # A value outside the choices is not an error.
    assert browser.get(f"/admin/ticket/?flt0_{index}=nonsense").status_code == 200


# --- no N+1 on list pages -------------------------------------------------------------


def _tickets(n, t, cat, src, dept):
    for i in range(n):
        reporter = f.worker(t["g1"], name=f"上报人{i}")
        f.ticket(t["g1"] if i % 2 else t["micro"], cat, src, reporter=reporter, department=dept,
                 number=f"20261120-{f.seq():04d}")


def test_list_queries_do_not_grow_with_rows(browser, database, sql_log):
    t = f.tree()
    cat, src, dept = f.category(), f.source(), f.department()
    _tickets(5, t, cat, src, dept)
    browser.get("/admin/ticket/")  # warm-up: sessions, caches
    sql_log.clear()
    assert len(f.row_ids(browser.get("/admin/ticket/"))) == 5
    five = len(sql_log)

    _tickets(15, t, cat, src, dept)
    sql_log.clear()
    assert len(f.row_ids(browser.get("/admin/ticket/"))) == 20
    twenty = len(sql_log)
    assert twenty == five, sql_log
    assert twenty <= 15, sql_log


def test_list_shows_related_names(browser, database):
    t = f.tree()
    cat, src, dept = f.category(name="市容环境"), f.source(), f.department(name="住建局")
    w = f.worker(t["g1"], name="周上报")
    f.ticket(t["g1"], cat, src, reporter=w, department=dept)
    page = text(browser.get("/admin/ticket/"))
    for name in ("市容环境", "住建局", "周上报", "第一网格"):
        assert name in page


# --- no COUNT over a subquery ------------------------------------------------------------


@pytest.mark.parametrize("view", ["ticket", "grid", "worker", "meeting", "servicerecord", "volunteer"])
def test_list_page_runs_no_count_subquery(browser, database, sql_log, view):
    t = f.tree()
    f.ticket(t["g1"])
    browser.get(f"/admin/{view}/")
    sql_log.clear()
    search = browser.get(f"/admin/{view}/?search=网格")
    plain = browser.get(f"/admin/{view}/")
    assert search.status_code == plain.status_code == 200
    counts = [sql for sql in sql_log if re.search(r"COUNT\s*\(", sql, re.I)]
    assert not [sql for sql in counts if re.search(r"FROM\s*\(\s*SELECT", sql, re.I)], counts
    table = {"servicerecord": "service_record"}.get(view, view)
    assert not [sql for sql in counts if f'"{table}"' in sql], counts


def test_list_pages_through_without_a_total(browser, database):
    t = f.tree()
    for n in range(25):
        f.ticket(t["g1"], number=f"20261120-{n + 1:04d}")
    first = f.row_ids(browser.get("/admin/ticket/"))
    second = f.row_ids(browser.get("/admin/ticket/?page=1"))
    assert len(first) == 20 and len(second) == 5 and not set(first) & set(second)


# --- get_query() scoping covers every single-record path ---------------------------------


@pytest.fixture
def hidden(app, browser, database, monkeypatch):
    """The ticket view scoped (as a role's scope would) to hide one ticket."""
    t = f.tree()
    hidden, visible, other = (f.ticket(t["g1"], title=title) for title in ("隐藏", "可见", "另一"))
    view = f.admin_view(app, "ticket")
    original = view.get_query
    monkeypatch.setattr(view, "get_query", lambda: original().where(Ticket.id != hidden.id))
    return hidden, visible, other


def test_scoped_row_is_not_listed(browser, hidden):
    h, v, o = hidden
    assert sorted(f.row_ids(browser.get("/admin/ticket/"))) == sorted([v.id, o.id])


def test_scoped_row_details_and_edit_are_404(browser, hidden):
    h, v, _o = hidden
    assert browser.get(f"/admin/ticket/details/?id={h.id}").status_code == 404
    assert browser.get(f"/admin/ticket/edit/?id={h.id}").status_code == 404
    assert browser.get(f"/admin/ticket/details/?id={v.id}").status_code == 200
    response = browser.post_form(f"/admin/ticket/edit/?id={h.id}", {"title": "改了"},
                                 token_url=f"/admin/ticket/edit/?id={v.id}")
    assert response.status_code == 404
    assert Ticket.get_by_id(h.id).title == "隐藏"


def test_scoped_row_delete_is_404(browser, hidden):
    h, _v, _o = hidden
    response = browser.post_form("/admin/ticket/delete/", {"id": str(h.id)}, token_url="/admin/ticket/")
    assert response.status_code == 404
    assert Ticket.get_or_none(Ticket.id == h.id) is not None


def test_scoped_row_is_skipped_by_bulk_delete(browser, hidden):
    h, v, o = hidden
    response = browser.post_form("/admin/ticket/action/",
                                 {"action": "delete", "rowid": [str(h.id), str(v.id)]}, token_url="/admin/ticket/")
    assert response.status_code == 302
    assert Ticket.get_or_none(Ticket.id == h.id) is not None
    assert Ticket.get_or_none(Ticket.id == v.id) is None
    assert Ticket.get_or_none(Ticket.id == o.id) is not None


def test_scoped_row_is_not_exported(app, browser, hidden):
    h, v, o = hidden
    response = browser.get("/admin/ticket/export/csv/")
    assert response.status_code == 200
    body = text(response)
    assert "可见" in body and "隐藏" not in body


def test_ajax_lookup_and_posted_ids_follow_the_lookup_scope(app, browser, database, monkeypatch):
    t = f.tree()
    view = f.admin_view(app, "worker")
    loader = view._form_ajax_refs["grid"]
    original = loader.query
    monkeypatch.setattr(loader, "query", lambda: original().where(Grid.id != t["g2"].id))
    rows = browser.get("/admin/worker/ajax/lookup/?name=grid&query=网格").get_json()
    assert t["g2"].id not in [row[0] for row in rows]
    assert t["g1"].id in [row[0] for row in rows]
    # A POST naming the hidden grid is refused, as if it did not exist.
    response = browser.post_form("/admin/worker/new/", {"name": "越权", "gender": "M", "mobile": "13800138000",
                                                        "grid": str(t["g2"].id), "post": "full",
                                                        "employment": "full_time", "status": "active"})
    assert response.status_code == 200
    assert not Worker.select().where(Worker.name == "越权").exists()


# --- no silent cascade on delete -------------------------------------------------------------


def test_deleting_a_grid_with_workers_is_refused(browser, database):
    t = f.tree()
    g2 = t["g2"]
    workers = [f.worker(g2, name="留下1"), f.worker(g2, name="留下2")]
    response = browser.post_form("/admin/grid/delete/", {"id": str(g2.id)}, token_url="/admin/grid/")
    assert response.status_code == 302
    assert Grid.get_or_none(Grid.id == g2.id) is not None
    assert Worker.select().where(Worker.id.in_([w.id for w in workers])).count() == 2
    page = text(browser.get(response.headers["Location"]))
    assert g2.name in page
    # Bulk delete refuses too, and deletes nothing else.
    free = f.grid("320102001001G7", "空网格", "grid", t["community"])
    browser.post_form("/admin/grid/action/", {"action": "delete", "rowid": [str(free.id), str(g2.id)]},
                      token_url="/admin/grid/")
    assert Grid.get_or_none(Grid.id == free.id) is not None
    assert Worker.select().where(Worker.grid == g2.id).count() == 2


def test_deleting_a_grid_with_children_is_refused(browser, database):
    t = f.tree()
    browser.post_form("/admin/grid/delete/", {"id": str(t["district"].id)}, token_url="/admin/grid/")
    assert Grid.select().count() == 6


# --- inline models can create new child rows --------------------------------------------------


def test_inline_rows_can_be_created(browser, database):
    t = f.tree()
    data = {"title": "新议事会", "held_at": "2026-11-20 09:00", "place": "会议室", "grid": str(t["g1"].id),
            "convener": "张书记", "items-0-topic": "新议题一", "items-0-status": "raised",
            "items-1-topic": "新议题二", "items-1-status": "discussed"}
    response = browser.post_form("/admin/meeting/new/", data)
    assert response.status_code == 302, text(response)
    meeting = Meeting.get(Meeting.title == "新议事会")
    assert sorted(i.topic for i in meeting.items) == ["新议题一", "新议题二"]
    # ...and on edit, next to the existing ones.
    first = MeetingItem.get(MeetingItem.topic == "新议题一")
    second = MeetingItem.get(MeetingItem.topic == "新议题二")
    data.update({"items-0-id": str(first.id), "items-1-id": str(second.id),
                 "items-2-topic": "新议题三", "items-2-status": "raised"})
    response = browser.post_form(f"/admin/meeting/edit/?id={meeting.id}", data)
    assert response.status_code == 302, text(response)
    assert sorted(i.topic for i in Meeting.get_by_id(meeting.id).items) == ["新议题一", "新议题三", "新议题二"]
    assert MeetingItem.select().count() == 3


# --- a record and its inline rows are saved atomically -------------------------------------------


@pytest.fixture
def failing_item(monkeypatch):
    """Saving a meeting item with the topic "boom" fails in the database."""
    original = MeetingItem.save

    def save(self, *args, **kwargs):
        if self.topic == "boom":
            raise IntegrityError("simulated failure")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(MeetingItem, "save", save)


def test_create_with_failing_inline_row_saves_nothing(browser, database, failing_item):
    t = f.tree()
    data = {"title": "不应保存", "held_at": "2026-11-20 09:00", "place": "会议室", "grid": str(t["g1"].id),
            "convener": "张书记", "items-0-topic": "好的议题", "items-0-status": "raised",
            "items-1-topic": "boom", "items-1-status": "raised"}
    response = browser.post_form("/admin/meeting/new/", data)
    assert response.status_code == 200
    assert not Meeting.select().where(Meeting.title == "不应保存").exists()
    assert MeetingItem.select().count() == 0


def test_edit_with_failing_inline_row_changes_nothing(browser, database, failing_item):
    t = f.tree()
    meeting = f.meeting(t["g1"], title="原标题", items=["原议题"])
    item = MeetingItem.get(MeetingItem.meeting == meeting.id)
    data = {"title": "新标题", "held_at": "2026-11-20 09:00", "place": "新地点", "grid": str(t["g1"].id),
            "convener": "张书记", "items-0-id": str(item.id), "items-0-topic": "改过的议题",
            "items-0-status": "raised", "items-1-topic": "boom", "items-1-status": "raised"}
    response = browser.post_form(f"/admin/meeting/edit/?id={meeting.id}", data)
    assert response.status_code == 200
    meeting = Meeting.get_by_id(meeting.id)
    assert (meeting.title, meeting.place) == ("原标题", "社区会议室")
    assert [i.topic for i in meeting.items] == ["原议题"]


# --- Flask-Babel initialised, Chinese by default, our catalogue up to date -------------------------


def test_babel_is_initialised(app):
    assert "babel" in app.extensions
    with app.test_request_context("/"):
        from flask_babel import get_locale, gettext

        assert str(get_locale()) == "zh_Hans_CN"
        assert gettext("Grid") == translated("zh_Hans_CN", "messages", "Grid")
        assert current_app.extensions["babel"] is not None


def test_admin_pages_are_in_chinese(browser):
    page = text(browser.get("/admin/ticket/"))
    for msgid in ("List", "Create"):
        assert translated("zh_Hans_CN", "admin", msgid) in page
    assert ">List<" not in page.replace(" ", "").replace("\n", "")
    assert translated("zh_Hans_CN", "admin", "List") == "列表"


@pytest.mark.parametrize("msgid", ["Failed to create record.", "Failed to save record."])
def test_messages_stale_in_flask_admins_catalogue_are_translated(msgid):
    assert re.search(r"[\u4e00-\u9fff]", translated("zh_Hans_CN", "admin", msgid))
    assert re.search(r"[\u4e00-\u9fff]", translated("zh_Hant_TW", "admin", msgid))


def test_failed_create_message_is_chinese(browser, database):
    response = browser.post_form("/admin/category/new/", {"code": "", "name": ""})
    assert response.status_code == 200
    page = text(response)
    assert translated("zh_Hans_CN", "admin", "Failed to create record.") in page
    assert "Failed to create record." not in page


def test_wtforms_messages_are_chinese(browser, database):
    response = browser.post_form("/admin/category/new/", {"code": "", "name": "", "time_limit_hours": "x"})
    page = text(response)
    assert translated("zh_Hans_CN", "wtforms", "This field is required.") in page
    assert translated("zh_Hans_CN", "wtforms", "Not a valid integer value.") in page


@pytest.mark.parametrize("cookie", ["zh", "zh_CN", "zh-CN", "zh_Hans", "xx", "", "zh_Hans_CN"])
def test_unknown_locales_fall_back_to_simplified_chinese(browser, cookie):
    browser.client.set_cookie("locale", cookie)
    page = text(browser.get("/admin/ticket/"))
    assert translated("zh_Hans_CN", "admin", "Create") in page
    assert ">Create<" not in page.replace(" ", "").replace("\n", "")


def test_accept_language_zh_is_simplified_chinese(browser):
    page = text(browser.get("/admin/ticket/", headers={"Accept-Language": "zh"}))
    assert translated("zh_Hans_CN", "admin", "Create") in page


def test_switching_to_zh_does_not_set_a_locale(browser):
    response = browser.get("/locale/zh")
    assert response.status_code == 302
    assert "locale=zh;" not in response.headers.get("Set-Cookie", "")
    assert translated("zh_Hans_CN", "admin", "Create") in text(browser.get("/admin/ticket/"))


def test_english_and_traditional_chinese_are_offered(browser):
    browser.get("/locale/en")
    assert "Create" in text(browser.get("/admin/ticket/"))
    browser.get("/locale/zh_Hant_TW")
    assert translated("zh_Hant_TW", "admin", "Create") in text(browser.get("/admin/ticket/"))


def test_dates_in_lists_are_local(browser, database):
    t = f.tree()
    f.ticket(t["g1"], created_at=datetime(2026, 11, 20, 17, 30))  # 01:30 on the 21st in Shanghai
    page = text(browser.get("/admin/ticket/"))
    assert re.search(r"2026[-/]11[-/]21 0?1:30", page)
