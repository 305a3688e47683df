"""The page frame kept between requests (issue 13): the navbar menu per the
entries a user may open, the to-do badge for a short time, a list's filter
menu; and a list's related names read with its rows in one query."""

import json
import re
import time
from datetime import timedelta

from gridadmin.models import Category, Ticket, User, db, utcnow
from gridadmin.web import frame, todo
from tests.test_permissions import build_world, client_for


def _menu(html):
    return re.search(r'<ul class="nav navbar-nav mr-auto">(.*?)</ul>\s*<ul class="nav navbar-nav navbar-right">',
                     html, re.S).group(1)


def _world(app):
    with app.app_context():
        db.connect(reuse_if_open=True)
        return build_world()


def test_kept_menu_is_the_one_each_user_may_open(app):
    _world(app)
    with app.app_context():
        admin, worker = User.get(User.username == "admin"), User.get(User.username == "u_worker")
    as_admin, as_worker = client_for(app, admin), client_for(app, worker)
    first = _menu(as_admin.get("/admin/ticket/").get_data(as_text=True))
    worker_menu = _menu(as_worker.get("/admin/ticket/").get_data(as_text=True))
    assert "/admin/user/" in first and "/admin/user/" not in worker_menu  # not the administrator's kept menu
    with app.app_context():  # a user's role changed: the menu follows at once
        User.update(role="admin", grid=None).where(User.id == worker.id).execute()
    assert "/admin/user/" in _menu(as_worker.get("/admin/ticket/").get_data(as_text=True))
    frame.forget(app)
    assert _menu(as_admin.get("/admin/ticket/").get_data(as_text=True)) == first  # kept = rendered afresh
    # The page shown is marked active: another page, another menu.
    other = _menu(as_admin.get("/admin/worker/").get_data(as_text=True))
    assert other != first and 'class="dropdown-item active' in other


def _badge(client):
    html = client.get("/admin/ticket/").get_data(as_text=True)
    return re.search(r'id="todo-badge".*?<span class="badge[^"]*">(\d+)</span>', html, re.S).group(1)


def test_badge_is_kept_briefly_and_counted_again_after_the_users_own_change(app, monkeypatch):
    world = _world(app)
    with app.app_context():
        centre = User.get(User.username == "u_centre")
        t_in = world["records"]["ticket"][0]
        Ticket.update(status="accepted").where(Ticket.id == t_in.id).execute()
    client = client_for(app, centre)
    assert _badge(client) == "1"
    with app.app_context():
        Ticket.update(status="dispatched", due_at=utcnow() + timedelta(days=3)).where(Ticket.id == t_in.id).execute()
    assert _badge(client) == "1"  # kept: others' changes show within BADGE_SECONDS
    client.post("/admin/ticket/action/", data={})  # any POST of the user's own
    assert _badge(client) == "0"
    with app.app_context():
        Ticket.update(status="accepted").where(Ticket.id == t_in.id).execute()
    later = time.monotonic() + todo.BADGE_SECONDS + 1
    monkeypatch.setattr(todo.time, "monotonic", lambda: later)  # the kept badge has expired
    assert _badge(client) == "1"


def test_filter_menu_shows_a_new_lookup_row_after_a_post(app):
    _world(app)
    with app.app_context():
        admin = User.get(User.username == "admin")
    client = client_for(app, admin)
    new = json.dumps("新类别")[1:-1]  # as the filter menu's JSON writes it
    assert new not in client.get("/admin/ticket/").get_data(as_text=True)
    with app.app_context():
        Category.create(code="new", name="新类别", time_limit_hours=24)
    client.post("/admin/ticket/action/", data={})
    assert new in client.get("/admin/ticket/").get_data(as_text=True)


def test_list_reads_related_names_with_its_rows(app, sql_log):
    world = _world(app)
    with app.app_context():
        admin = User.get(User.username == "admin")
        t_in = world["records"]["ticket"][0]
        Ticket.update(department=None).where(Ticket.id == t_in.id).execute()
    client = client_for(app, admin)
    client.get("/admin/ticket/")  # the frame kept
    sql_log.clear()
    html = client.get("/admin/ticket/").get_data(as_text=True)
    assert "甲内网格" in html and "环境卫生" in html  # the grid's and the category's names
    assert not [q for q in sql_log if 'FROM "department"' in q or 'FROM "category" AS "t1" WHERE' in q]


def test_scoped_page_reads_the_users_grid_path_with_the_login(app, sql_log):
    """The path of a centre's grid comes with its login (one query, not a
    second one for the grid row), read again on each request: a community
    moved under the centre's street is in its lists at the next page."""
    from gridadmin.models import Grid
    from gridadmin.services import grids

    _world(app)
    with app.app_context():
        centre = User.get(User.username == "u_centre")
    client = client_for(app, centre)
    client.get("/admin/ticket/")
    sql_log.clear()
    html = client.get("/admin/ticket/").get_data(as_text=True)
    assert "甲内事件" in html and "乙外事件" not in html
    assert not [q for q in sql_log if q.startswith('SELECT') and 'FROM "grid" AS "t1" WHERE ("t1"."id" = ?)' in q]
    with app.app_context():
        db.connect(reuse_if_open=True)
        community = Grid.get(Grid.code == "320106002001")
        community.parent, community.code = Grid.get(Grid.code == "320106001"), "320106001002"
        grids.save_grid(community)
    assert "乙外事件" in client.get("/admin/ticket/").get_data(as_text=True)


def test_list_rows_loaded_narrow_render_as_whole_rows(app, monkeypatch):
    """A list that loads only the fields its rows read (``list_row_fields``)
    renders exactly as with whole rows: for each such view, each role, and
    pages that show due lights, final tickets and a volunteer's report."""
    from gridadmin.models import Volunteer
    from gridadmin.services import demo
    from gridadmin.web.base import BaseModelView
    from tests.factories import filter_arg

    with app.app_context():
        db.connect(reuse_if_open=True)
        demo.seed(tickets=200, grids=16, seed=5)
        ticket = Ticket.select().where(Ticket.status == "reported").order_by(Ticket.id.desc()).first()
        Ticket.update(reporter=None, reporter_volunteer=Volunteer.select().first()).where(
            Ticket.id == ticket.id).execute()
        # Created 10 h ago, dispatched 1 h ago, due in 1 h: green by its
        # dispatch, yellow had the light fallen back on its creation.
        now = utcnow().replace(microsecond=0)
        Ticket.update(status="dispatched", created_at=now - timedelta(hours=10), dispatched_at=now - timedelta(hours=1),
                      due_at=now + timedelta(hours=1)).where(Ticket.id == ticket.id - 1).execute()
        users = [User.get(User.username == f"demo_{role}") for role in ("admin", "centre", "worker", "department")]
    views = [v for v in app.extensions["admin"][0]._views
             if isinstance(v, BaseModelView) and v.list_row_fields is not None]
    assert any(v.model is Ticket for v in views)

    def page(client, url):
        html = client.get(url).get_data(as_text=True)
        return re.sub(r"[\w-]{20,}\.[\w-]{6}\.[\w-]{20,}", "TOKEN", html)  # signed CSRF tokens

    seen = []
    for view in views:
        with app.test_request_context():
            base = view.get_url(f"{view.endpoint}.index_view")
        urls = [base, f"{base}?page=1", f"{base}?sort=0&desc=1"]
        if view.model is Ticket:
            urls.append(f"{base}?{filter_arg(app, view.endpoint, 'OverdueFilter')}=1")
        for user in users:
            client = client_for(app, user)
            for url in urls:
                narrow = page(client, url)
                with monkeypatch.context() as patch:
                    patch.setattr(type(view), "list_row_fields", None)
                    view.__dict__.pop("_gridadmin_row_sql", None)  # the SQL kept for the narrow rows
                    whole = page(client, url)
                view.__dict__.pop("_gridadmin_row_sql", None)
                assert narrow == whole, (user.username, url)
                seen.append(narrow)
    # What the narrow rows must still carry was on these pages.
    shown = "".join(seen)
    for mark in ("deadline-red", "deadline-green", "（志愿者）", 'id="gridadmin-versions"', "fa-pencil"):
        assert mark in shown, mark
