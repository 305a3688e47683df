"""To-do queues: counts per role from one service, within scope; the home
page links each count to a list of exactly those tickets; the navbar badge
and the "my to-do" filter give the same set."""

import re
from datetime import datetime, timedelta

import pytest

from gridadmin.models import Ticket, TicketEvent, User, Worker, db, utcnow
from gridadmin.services import todo
from tests.test_permissions import build_world, client_for

TZ = "Asia/Shanghai"
NOW = datetime(2026, 11, 18, 2, 0)  # a Wednesday, 10:00 in Shanghai


def _put(ticket, status, **values):
    Ticket.update(status=status, **values).where(Ticket.id == ticket.id).execute()


def _copy(ticket, n, **values):
    """Another ticket like ``ticket`` (same grid), with ``values``."""
    data = {f.name: getattr(ticket, f.name) for f in Ticket._meta.sorted_fields if f.name not in ("id", "number")}
    data["created_at"] = NOW - timedelta(days=2)
    data.update(values)
    return Ticket.create(number=f"20261118-9{n:03d}", **data)


@pytest.fixture
def world(app):
    with app.app_context():
        db.connect(reuse_if_open=True)
        w = build_world()
        t_in, t_out = w["records"]["ticket"]
        w["t_in"], w["t_out"] = Ticket.get_by_id(t_in.id), Ticket.get_by_id(t_out.id)
        return w


def ids(key, user, now=NOW):
    return {t.id for t in todo.tickets(key, user, now, TZ)}


def test_centre_queues_within_scope(app, world):
    with app.app_context():
        t_in, t_out = world["t_in"], world["t_out"]
        centre = User.get(User.username == "u_centre")
        _put(t_in, "accepted", created_at=NOW - timedelta(days=2))
        _put(t_out, "accepted")  # another street: not the centre's
        assert ids("to_dispatch", centre) == {t_in.id}
        late = _copy(t_in, 1, status="dispatched", dispatched_at=NOW - timedelta(days=3), due_at=NOW - timedelta(hours=1))
        soon = _copy(t_in, 2, status="in_progress", dispatched_at=NOW - timedelta(days=1), due_at=NOW + timedelta(hours=5))
        later = _copy(t_in, 3, status="in_progress", dispatched_at=NOW, due_at=NOW + timedelta(days=5))
        asking = _copy(t_in, 4, status="in_progress", dispatched_at=NOW, due_at=NOW + timedelta(days=5),
                       extension_due_at=NOW + timedelta(days=9))
        fresh = _copy(t_in, 5, status="reported", created_at=NOW - timedelta(minutes=20))
        _copy(t_out, 6, status="dispatched", dispatched_at=NOW - timedelta(days=3), due_at=NOW - timedelta(hours=1))
        assert ids("overdue", centre) == {late.id}
        assert ids("due_soon", centre) == {soon.id}
        assert ids("extension_to_decide", centre) == {asking.id}
        assert ids("last_hour", centre) == {fresh.id}
        assert later.id not in ids("mine", centre)
        assert ids("mine", centre) == {t_in.id, late.id, asking.id}
        assert todo.count(centre, NOW, TZ) == 3
        assert todo.count(centre, NOW, TZ, cap=2) == 2  # the badge stops counting at its cap
        counts = {q.key: q.count for q in todo.queues(centre, NOW, TZ)}
        assert counts == {"to_dispatch": 1, "extension_to_decide": 1, "overdue": 1, "due_soon": 1, "last_hour": 1}
        overdue = next(q for q in todo.queues(centre, NOW, TZ) if q.key == "overdue")
        assert [(n) for _d, _name, n in overdue.extra["by_department"]] == [1]
        # Overdue and asking for more time: one ticket, counted once.
        Ticket.update(extension_due_at=NOW + timedelta(days=2)).where(Ticket.id == late.id).execute()
        assert todo.count(centre, NOW, TZ) == len(ids("mine", centre)) == 3


def test_worker_department_secretary_queues(app, world):
    with app.app_context():
        t_in = world["t_in"]
        _put(t_in, "reported", created_at=NOW - timedelta(days=2))
        worker = User.get(User.username == "u_worker")
        dept = User.get(User.username == "u_department")
        secretary = User.get(User.username == "u_secretary")
        me = Worker.get(Worker.name == "甲内员")
        mine = _copy(t_in, 1, status="dispatched", department=None, assignee=me.id, dispatched_at=NOW,
                     due_at=NOW - timedelta(hours=1))
        handled_by_me = _copy(t_in, 2, status="handled", department=None, assignee=me.id)
        handled_by_dept = _copy(t_in, 3, status="handled")
        start = _copy(t_in, 4, status="dispatched", dispatched_at=NOW, due_at=NOW + timedelta(days=3))
        going = _copy(t_in, 5, status="in_progress", dispatched_at=NOW, due_at=NOW + timedelta(days=3),
                      extension_due_at=NOW + timedelta(days=6))
        closed = _copy(t_in, 6, status="closed")
        returned = _copy(t_in, 7, status="dispatched", reporter=me.id)
        TicketEvent.create(ticket=returned.id, at=NOW - timedelta(days=2), action="return", to_status="dispatched")
        old = _copy(t_in, 8, status="dispatched", reporter=me.id)
        TicketEvent.create(ticket=old.id, at=NOW - timedelta(days=8), action="return", to_status="dispatched")
        assert ids("assigned", worker) == {mine.id}
        assert ids("to_verify", worker) == {handled_by_dept.id}  # not her own handling
        assert ids("returned", worker) == {returned.id}
        lights = next(q for q in todo.queues(worker, NOW, TZ) if q.key == "assigned").extra["lights"]
        assert lights == {"red": 1, "yellow": 0, "green": 0}
        assert ids("to_start", dept) >= {start.id} and mine.id not in ids("to_start", dept)
        assert ids("in_progress", dept) == {going.id}
        assert ids("extension_waiting", dept) == {going.id}
        assert ids("to_accept", secretary) == {t_in.id}
        assert ids("to_verify", secretary) == {handled_by_me.id, handled_by_dept.id}
        assert ids("to_rate", secretary) == {closed.id}
        # A key that is not one's own queue selects nothing.
        assert ids("to_dispatch", worker) == set()
        keys = [q.key for q in todo.queues(secretary, NOW, TZ)]
        assert keys[-2:] == ["open_items", "meetings_this_month"]
        assert todo.count(User.get(User.username == "u_viewer"), NOW, TZ) == 0


def test_home_page_links_list_exactly_the_counted_tickets(app, world):
    with app.app_context():
        t_in = world["t_in"]
        _put(t_in, "accepted")
        now = utcnow()
        _copy(t_in, 1, status="dispatched", dispatched_at=now - timedelta(days=3), due_at=now - timedelta(hours=1))
        _copy(t_in, 2, status="dispatched", dispatched_at=now - timedelta(days=3), due_at=now - timedelta(hours=2))
        centre = User.get(User.username == "u_centre")
    client = client_for(app, centre)
    home = client.get("/admin/").get_data(as_text=True)
    assert 'id="todo-queues"' in home
    cards = re.findall(r'data-queue="(\w+)".*?<a href="([^"]+)" class="todo-count">(\d+)</a>', home, re.S)
    assert {key for key, _u, _c in cards} == {"to_dispatch", "extension_to_decide", "overdue", "due_soon", "last_hour"}
    for key, url, count in cards:
        page = client.get(url.replace("&amp;", "&")).get_data(as_text=True)
        listed = set(re.findall(r"/admin/ticket/details/\?id=(\d+)", page))
        assert len(listed) == int(count), key
    badge = re.search(r'id="todo-badge" href="([^"]+)".*?<span class="badge[^"]*">(\d+)</span>', home, re.S)
    assert badge.group(2) == "3"
    page = client.get(badge.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert len(set(re.findall(r"/admin/ticket/details/\?id=(\d+)", page))) == 3


def test_todo_filter_is_scoped_and_bad_values_do_not_fail(app, world):
    with app.app_context():
        _put(world["t_out"], "accepted")
        worker = User.get(User.username == "u_worker")
    client = client_for(app, worker)
    home = client.get("/admin/").get_data(as_text=True)
    url = re.search(r'id="todo-badge" href="([^"]+)"', home).group(1).replace("&amp;", "&")
    base = url.split("=")[0]
    for value in ("to_dispatch", "nonsense", "", "mine"):
        response = client.get(f"{base}={value}")
        assert response.status_code == 200
        assert str(world["t_out"].id) not in re.findall(r"/admin/ticket/details/\?id=(\d+)",
                                                         response.get_data(as_text=True))
