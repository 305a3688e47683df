"""The points ledger: booking by the category's rules, reversal on reopening,
balances and history, the monthly ranking (local months, subtree, scope,
ties), and its screens (read only, scoped)."""

import re
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import factories as f
import pytest

from gridadmin.models import Category, PointEntry, User, db
from gridadmin.services import points
from gridadmin.services.dates import parse_month
from tests.test_permissions import OUT, build_world, client_for, token_for

AT = datetime(2026, 10, 10, 2, 0)


@contextmanager
def counted():
    """How many SQL statements the block runs."""
    calls = []
    original = db.obj.execute_sql

    def execute_sql(sql, *args, **kwargs):
        calls.append(sql)
        return original(sql, *args, **kwargs)

    db.obj.execute_sql = execute_sql
    try:
        yield calls
    finally:
        db.obj.execute_sql = original


def entries_of(ticket):
    return sorted((e.worker_id, e.points, e.reason) for e in PointEntry.select().where(PointEntry.ticket == ticket.id))


@pytest.fixture
def place(database):
    t = f.tree()
    cat = f.category(points=2, points_on_spot=5, points_verify=1, points_overdue=3)
    return {**t, "cat": cat, "reporter": f.worker(t["g1"], "报告员"), "assignee": f.worker(t["g2"], "处置员"),
            "verifier": f.worker(t["g1"], "核查员")}


def closed_ticket(place, late=False, **kw):
    kw.setdefault("reporter", place["reporter"])
    kw.setdefault("assignee", place["assignee"])
    due = AT - timedelta(days=1)
    return f.ticket(place["g1"], category=kw.pop("category", place["cat"]), due_at=due,
                    handled_at=due + timedelta(hours=1 if late else -1), status="closed", **kw)


# --- booking ---------------------------------------------------------------

def test_close_books_reporter_and_verifier(place):
    t = closed_ticket(place)
    written = points.book_close(t, place["verifier"].id, AT)
    assert sorted((e.worker_id, e.points, e.reason) for e in written) == entries_of(t) == sorted([
        (place["reporter"].id, 2, "report"), (place["verifier"].id, 1, "verify")])
    assert all(e.at == AT and e.ticket_id == t.id for e in written)


def test_close_handled_late_deducts_from_assignee(place):
    t = closed_ticket(place, late=True)
    points.book_close(t, place["verifier"].id, AT)
    assert entries_of(t) == sorted([(place["reporter"].id, 2, "report"), (place["verifier"].id, 1, "verify"),
                                    (place["assignee"].id, -3, "overdue")])
    assert points.balance(place["assignee"].id) == -3


@pytest.mark.parametrize("change", [
    {"handled_at": None},            # never handled by anyone
    {"due_at": None},                # no time limit
    {"assignee": None},              # a department handled it: no worker to deduct from
])
def test_no_overdue_deduction_without_a_late_worker(place, change):
    t = closed_ticket(place, late=True)
    for name, value in change.items():
        setattr(t, name, value)
    points.book_close(t, None, AT)
    assert [reason for _w, _p, reason in entries_of(t)] == ["report"]


def test_handled_exactly_at_the_due_time_is_not_late(place):
    t = closed_ticket(place)
    t.handled_at = t.due_at
    points.book_close(t, None, AT)
    assert "overdue" not in {reason for _w, _p, reason in entries_of(t)}


def test_zero_rules_and_missing_people_book_nothing(place):
    cat = f.category(points=0, points_verify=0, points_overdue=0, points_on_spot=0)
    t = closed_ticket(place, late=True, category=cat)
    assert points.book_close(t, place["verifier"].id, AT) == []
    assert points.book_on_spot(t, AT) == []
    nobody = closed_ticket(place, reporter=None, assignee=None)
    assert points.book_close(nobody, None, AT) == []
    assert PointEntry.select().count() == 0


def test_category_rules_are_read_when_booking(place):
    """Admins edit the rules: a close books what the category says now."""
    Category.update(points=7).where(Category.id == place["cat"].id).execute()
    t = closed_ticket(place)
    t = type(t).get_by_id(t.id)
    points.book_close(t, None, AT)
    assert entries_of(t) == [(place["reporter"].id, 7, "report")]


def test_on_spot_books_the_reporter(place):
    t = closed_ticket(place)
    written = points.book_on_spot(t, AT)
    assert [(e.worker_id, e.points, e.reason) for e in written] == [(place["reporter"].id, 5, "on_spot")]
    assert points.book_on_spot(closed_ticket(place, reporter=None), AT) == []


# --- reversal --------------------------------------------------------------

def test_reopen_reverses_and_a_new_close_books_afresh(place):
    r, v, a = place["reporter"].id, place["verifier"].id, place["assignee"].id
    t = closed_ticket(place, late=True)
    points.book_close(t, v, AT)
    assert points.balances([r, v, a]) == {r: 2, v: 1, a: -3}
    before = {e.id: dict(e.__data__) for e in PointEntry.select()}

    reversals = points.reverse(t, AT + timedelta(hours=1), note="居民反映未整改")
    assert sorted((e.worker_id, e.points, e.reason) for e in reversals) == sorted(
        [(r, -2, "reversal"), (v, -1, "reversal"), (a, 3, "reversal")])
    assert {e.note for e in reversals} == {"居民反映未整改"}
    assert points.balances([r, v, a]) == {r: 0, v: 0, a: 0}
    # Reopened twice without a close in between: nothing left to reverse.
    assert points.reverse(t, AT + timedelta(hours=2)) == []

    # Closed again (the reopening began cycle 1), handled in time now, by another verifier.
    t.cycle = 1
    t.handled_at = t.due_at - timedelta(hours=1)
    points.book_close(t, r, AT + timedelta(days=1))
    assert points.balances([r, v, a]) == {r: 3, v: 0, a: 0}
    # Nothing written before was touched: only appended to.
    assert {e.id: dict(e.__data__) for e in PointEntry.select().where(PointEntry.id.in_(list(before)))} == before
    assert PointEntry.select().count() == len(before) + 3 + 2


def test_reverse_only_touches_this_ticket(place):
    r = place["reporter"].id
    t1, t2 = closed_ticket(place), closed_ticket(place)
    points.book_close(t1, None, AT)
    points.book_close(t2, None, AT)
    points.reverse(t1, AT)
    assert points.balance(r) == 2
    assert entries_of(t2) == [(r, 2, "report")]


def test_reverse_keeps_a_long_note_within_the_column(place):
    t = closed_ticket(place)
    points.book_on_spot(t, AT)
    (entry,) = points.reverse(t, AT, note="长" * 1000)
    assert len(PointEntry.get_by_id(entry.id).note) == PointEntry.note.max_length


# --- append-only -----------------------------------------------------------

def test_entries_cannot_be_updated_or_deleted(place):
    t = closed_ticket(place)
    (entry,) = points.book_on_spot(t, AT)
    entry.points = 500
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete_instance()
    assert PointEntry.get_by_id(entry.id).points == 5


# --- balances and history --------------------------------------------------

def test_balances_are_sums_in_one_query(place):
    r, v, a = place["reporter"].id, place["verifier"].id, place["assignee"].id
    for late in (False, True, True):
        points.book_close(closed_ticket(place, late=late), v, AT)
    idle = f.worker(place["g2"]).id
    with counted() as calls:
        got = points.balances([r, v, a, idle])
    assert got == {r: 6, v: 3, a: -6, idle: 0}
    assert len(calls) == 1
    assert points.balance(r) == 6 and points.balance(idle) == 0
    assert points.balances([]) == {}


def test_history_newest_first_with_ticket_numbers(place):
    r = place["reporter"].id
    tickets = [closed_ticket(place) for _ in range(4)]
    for day, t in enumerate(tickets):
        points.book_close(t, None, AT + timedelta(days=day))
    with counted() as calls:
        rows = points.history(r, limit=3)
        numbers = [e.ticket.number for e in rows]
    assert len(calls) == 1
    assert numbers == [t.number for t in reversed(tickets)][:3]
    assert [e.at for e in rows] == sorted((e.at for e in rows), reverse=True)


# --- ranking ---------------------------------------------------------------

def entry(worker, pts, at, reason="report"):
    return points.record(worker.id, pts, reason, at=at)  # the entry and its tally cells


def test_month_bounds_are_local(database):
    lower, upper = points.month_bounds(date(2026, 10, 1), "Asia/Shanghai")
    assert (lower, upper) == (datetime(2026, 9, 30, 16), datetime(2026, 10, 31, 16))
    assert points.month_bounds(date(2026, 12, 15), "Asia/Shanghai") == (datetime(2026, 11, 30, 16),
                                                                         datetime(2026, 12, 31, 16))
    assert points.month_bounds(date(2026, 10, 1), "UTC") == (datetime(2026, 10, 1), datetime(2026, 11, 1))


def test_ranking_counts_entries_by_local_month(place):
    w = place["reporter"]
    entry(w, 1, datetime(2026, 9, 30, 15, 59))    # 09-30 23:59 local: September
    entry(w, 10, datetime(2026, 9, 30, 16, 0))    # 10-01 00:00 local: October
    entry(w, 100, datetime(2026, 10, 31, 15, 30))  # 10-31 23:30 local (UTC says 15:30): October
    entry(w, 1000, datetime(2026, 10, 31, 16, 10))  # 11-01 00:10 local (UTC still says October): November
    assert points.ranking(date(2026, 9, 1)) == [(w, 1)]
    assert points.ranking(date(2026, 10, 1)) == [(w, 110)]
    assert points.ranking(date(2026, 11, 1)) == [(w, 1000)]
    assert points.ranking(date(2026, 11, 1), tz="UTC") == []
    assert points.ranking(date(2026, 10, 1), tz="UTC") == [(w, 1100)]


def test_ranking_order_ties_and_details(place):
    g1, g2 = place["g1"], place["g2"]
    a, b, c = f.worker(g1, "张b", post="leader"), f.worker(g2, "张a"), f.worker(g1, "张c")
    d = f.worker(place["micro"], "张d")
    for worker, amounts in ((a, (3, 2)), (b, (5,)), (c, (7, -4)), (d, (9,))):
        for pts in amounts:
            entry(worker, pts, AT)
    lines = points.ranking(date(2026, 10, 1))
    assert [(line.worker.id, line.total, line.rank) for line in lines] == [
        (d.id, 9, 1), (b.id, 5, 2), (a.id, 5, 2), (c.id, 3, 4)]  # a tie goes by name
    worker, total = lines[2]
    assert (worker.name, worker.post, worker.grid.name, total) == ("张b", "leader", g1.name, 5)
    assert [line.worker.id for line in points.ranking(date(2026, 10, 1), limit=2)] == [d.id, b.id]


def test_ranking_within_a_subtree(place):
    in_g1, in_micro, in_g2 = f.worker(place["g1"]), f.worker(place["micro"]), f.worker(place["g2"])
    elsewhere = f.worker(f.grid("320102002", "别的街道", "street", place["district"]))
    for w in (in_g1, in_micro, in_g2, elsewhere):
        entry(w, 1, AT)
    ranked = {line.worker.id for line in points.ranking(date(2026, 10, 1), grid=place["g1"])}
    assert ranked == {in_g1.id, in_micro.id}
    ranked = {line.worker.id for line in points.ranking(date(2026, 10, 1), grid=place["community"])}
    assert ranked == {in_g1.id, in_micro.id, in_g2.id}
    assert len(points.ranking(date(2026, 10, 1), grid=place["district"])) == 4


def test_ranking_within_the_users_scope(place):
    in_g1, in_g2 = f.worker(place["g1"]), f.worker(place["g2"])
    elsewhere = f.worker(f.grid("320102002", "别的街道", "street", place["district"]))
    for w in (in_g1, in_g2, elsewhere):
        entry(w, 1, AT)
    user = lambda role, **kw: User(username=role, password_hash="x", role=role, **kw)  # noqa: E731
    month = date(2026, 10, 1)
    assert len(points.ranking(month, user=user("admin"))) == 3
    assert {line.worker.id for line in points.ranking(month, user=user("secretary", grid=place["community"]))} == \
        {in_g1.id, in_g2.id}
    assert {line.worker.id for line in points.ranking(month, user=user("worker", grid=place["g2"]))} == {in_g2.id}
    # A grid chosen outside the user's scope adds nothing.
    assert points.ranking(month, grid=place["street"], user=user("worker", grid=place["g2"]))[0].worker.id == in_g2.id
    assert points.ranking(month, user=user("department")) == []
    assert points.ranking(month, user=user("viewer")) == []  # bound to nothing: sees nothing


def test_ranking_is_one_grouped_query_and_one_for_grids(place):
    for i in range(30):
        entry(f.worker(place["g1"] if i % 2 else place["g2"]), i % 5, AT)
    with counted() as calls:
        lines = points.ranking(date(2026, 10, 1), grid=place["community"])
        names = [line.worker.grid.name for line in lines]
    assert len(lines) == 30 and set(names) == {place["g1"].name, place["g2"].name}
    assert len(calls) == 2
    assert "TALLY" in calls[0].upper()  # a community's month is kept in the tally (DIM_POINTS)
    with counted() as calls:  # a grid's from the ledger: one grouped query
        lines = points.ranking(date(2026, 10, 1), grid=place["g1"])
        names = [line.worker.grid.name for line in lines]
    assert len(lines) == 15 and set(names) == {place["g1"].name}
    assert len(calls) == 2
    assert "GROUP BY" in calls[0].upper()


def test_kept_ranking_equals_the_ledger(place):
    """The tally's top lines equal the ledger's, ties at the limit included
    (by name, then id), zero totals listed, other months and nodes apart."""
    workers = [f.worker(place["g1"] if i % 2 else place["g2"]) for i in range(14)]
    for i, w in enumerate(workers):
        entry(w, i % 4, AT)
        if i % 3 == 0:
            entry(w, -(i % 4), AT + timedelta(hours=1), reason="reversal")
    entry(workers[0], 50, AT + timedelta(days=40))  # another month
    month = date(2026, 10, 1)
    for node in ("community", "street", "district"):
        for limit in (1, 3, 5, 10, 14, 100):
            kept = [(line.worker.id, line.total) for line in points.ranking(month, grid=place[node], limit=limit)]
            ledger = [(row[0], int(row[4]))
                      for row in points._ledger_ranking(month, place[node], None, "Asia/Shanghai", limit)]
            assert kept == ledger, (node, limit)
            assert len(kept) == min(limit, 14)


# --- web -------------------------------------------------------------------

@pytest.fixture
def world(app):
    with app.app_context():
        w = build_world()
        users, (w_in, w_out) = w["users"], w["records"]["worker"]
        t_in, t_out = w["records"]["ticket"]
        now = datetime.utcnow().replace(microsecond=0)
        w["entries"] = {
            "in": [points.record(w_in.id, 3, "report", ticket=t_in, at=now - timedelta(minutes=2)),
                   points.record(w_in.id, -1, "overdue", ticket=t_in, at=now - timedelta(minutes=1), note="甲内扣分")],
            "out": [points.record(w_out.id, 10, "report", ticket=t_out, at=now, note="乙外奖励")],
        }
        w["users"] = users
        return w


def body(response):
    return response.get_data(as_text=True)


def test_worker_page_shows_balance_and_history(app, world):
    w_in = world["records"]["worker"][0]
    t_in = world["records"]["ticket"][0]
    client = client_for(app, world["users"]["secretary"])
    page = body(client.get(f"/admin/worker/details/?id={w_in.id}"))
    mine = list(PointEntry.select().where(PointEntry.worker == w_in.id)
                .order_by(PointEntry.at.desc(), PointEntry.id.desc()))
    balance = re.search(r"<b>积分</b>\s*</td>\s*<td>\s*(-?\d+)\s*</td>", page)
    assert balance and int(balance.group(1)) == sum(e.points for e in mine) and len(mine) >= 2
    assert f'href="/admin/ticket/details/?id={t_in.id}"' in page
    history = page[page.index('<table class="table table-sm'):]
    history = history[:history.index("</table>")]
    assert re.findall(r"<td>([+-]\d+)</td>", history) == [f"{e.points:+d}" for e in mine]  # newest first
    ledger = re.search(r'href="(/admin/pointentry/\?flt0_\d+=\d+)"', page)
    assert ledger, "no link to the worker's ledger"
    listed = body(client.get(ledger.group(1).replace("&amp;", "&")))
    assert "甲内扣分" in listed and OUT not in listed


def test_worker_ledger_link_filters_to_that_worker(app, world):
    w_in, w_out = world["records"]["worker"]
    client = client_for(app, world["users"]["admin"])
    page = body(client.get(f"/admin/worker/details/?id={w_out.id}"))
    url = re.search(r'href="(/admin/pointentry/\?flt0_\d+=\d+)"', page).group(1)
    listed = body(client.get(url))
    assert "乙外奖励" in listed and "甲内扣分" not in listed


def test_ledger_list_is_scoped(app, world):
    secretary = client_for(app, world["users"]["secretary"])
    listed = body(secretary.get("/admin/pointentry/"))
    assert "甲内扣分" in listed and "甲内员" in listed
    assert OUT not in listed
    everything = body(client_for(app, world["users"]["admin"]).get("/admin/pointentry/"))
    assert "甲内扣分" in everything and "乙外奖励" in everything
    # Newest first.
    assert everything.index("乙外奖励") < everything.index("甲内扣分")


def test_ledger_details_out_of_scope_is_404(app, world):
    client = client_for(app, world["users"]["secretary"])
    inside, outside = world["entries"]["in"][1], world["entries"]["out"][0]
    assert client.get(f"/admin/pointentry/details/?id={inside.id}").status_code == 200
    response = client.get(f"/admin/pointentry/details/?id={outside.id}")
    assert response.status_code == 404
    assert OUT not in body(response)
    assert client.get("/admin/pointentry/details/?id=abc").status_code == 404


@pytest.mark.parametrize("role", ["admin", "centre", "secretary"])
def test_ledger_cannot_be_written(app, world, role):
    client = client_for(app, world["users"][role])
    entry = world["entries"]["in"][0]
    before = {e.id: dict(e.__data__) for e in PointEntry.select()}
    token = token_for(client)
    listed = body(client.get("/admin/pointentry/"))
    assert "/admin/pointentry/new/" not in listed and "/admin/pointentry/edit/" not in listed
    assert "/admin/pointentry/delete/" not in listed
    assert client.get("/admin/pointentry/new/").status_code == 403
    new = client.post("/admin/pointentry/new/", data={"worker": entry.worker_id, "points": "99", "reason": "report",
                                                      "csrf_token": token})
    assert new.status_code == 403
    assert client.get(f"/admin/pointentry/edit/?id={entry.id}").status_code == 403
    assert client.post(f"/admin/pointentry/edit/?id={entry.id}",
                       data={"points": "99", "csrf_token": token}).status_code == 403
    assert client.post("/admin/pointentry/delete/", data={"id": entry.id, "csrf_token": token}).status_code == 403
    assert client.post("/admin/pointentry/action/",
                       data={"action": "delete", "rowid": [entry.id], "csrf_token": token}).status_code == 403
    assert client.post("/admin/pointentry/ajax/update/",
                       data={"list_form_pk": entry.id, "points": "99", "csrf_token": token}).status_code == 404
    assert {e.id: dict(e.__data__) for e in PointEntry.select()} == before


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("centre", 200), ("secretary", 403), ("worker", 403),
                                              ("viewer", 403), ("department", 403)])
def test_ledger_export(app, world, role, status):
    response = client_for(app, world["users"][role]).get("/admin/pointentry/export/csv/")
    assert response.status_code == status
    if status == 200:
        csv = body(response)
        assert "甲内扣分" in csv and "-1" in csv
        assert ("乙外奖励" in csv) == (role == "admin")
        assert "<a " not in csv


@pytest.mark.parametrize("role", ["department", "volunteer"])
def test_ledger_and_ranking_refused_to_roles_without_them(app, world, role):
    client = client_for(app, world["users"][role])
    assert client.get("/admin/pointentry/").status_code == 403
    assert client.get("/admin/ranking/").status_code == 403
    assert client.get("/admin/ranking/ajax/lookup/?name=grid&query=").status_code == 403


def test_anonymous_is_sent_to_log_in(app, world):
    client = app.test_client()
    for url in ("/admin/pointentry/", "/admin/ranking/", "/admin/ranking/?month=2026-10"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_ledger_filters(app, world):
    view_filters = {type(flt).__name__: i for i, flt in enumerate(f.admin_view(app, "pointentry")._filters)}
    client = client_for(app, world["users"]["admin"])
    w_in = world["records"]["worker"][0]
    by_grid = body(client.get(f"/admin/pointentry/?flt0_{view_filters['WorkerGridFilter']}=甲内街道"))
    assert "甲内扣分" in by_grid and "乙外奖励" not in by_grid
    assert "甲内扣分" not in body(client.get(f"/admin/pointentry/?flt0_{view_filters['WorkerGridFilter']}=无此网格"))
    for term in (w_in.name, w_in.mobile, str(w_in.id)):
        by_worker = body(client.get(f"/admin/pointentry/?flt0_{view_filters['WorkerFilter']}={term}"))
        assert "甲内扣分" in by_worker and "乙外奖励" not in by_worker, term
    reason = f.filter_arg(app, "pointentry", "reason", "FilterEqual")
    overdue = body(client.get(f"/admin/pointentry/?{reason}=overdue"))
    assert "甲内扣分" in overdue and "乙外奖励" not in overdue
    today = date.today()
    dates = f"{today - timedelta(days=1):%Y-%m-%d} to {today + timedelta(days=1):%Y-%m-%d}"
    assert "乙外奖励" in body(client.get(f"/admin/pointentry/?flt0_{view_filters['LocalDateRangeFilter']}={dates}"))
    assert "乙外奖励" not in body(client.get(
        f"/admin/pointentry/?flt0_{view_filters['LocalDateRangeFilter']}=2020-01-01 to 2020-01-31"))


def test_ranking_page(app, world):
    w_in, w_out = world["records"]["worker"]
    admin = client_for(app, world["users"]["admin"])
    response = admin.get("/admin/ranking/")
    assert response.status_code == 200
    page = body(response)
    this_month = date.today().strftime("%Y-%m")
    assert 'type="month"' in page
    assert f'href="/admin/worker/details/?id={w_in.id}"' in page and f'href="/admin/worker/details/?id={w_out.id}"' in page
    total = {w.id: sum(e.points for e in PointEntry.select().where(PointEntry.worker == w.id)) for w in (w_in, w_out)}
    assert total[w_out.id] > total[w_in.id]
    assert page.index("乙外员") < page.index("甲内员")  # more points first
    assert re.search(rf">\s*{total[w_out.id]}\s*</td>", page) and re.search(rf">\s*{total[w_in.id]}\s*</td>", page)
    assert "甲内网格" in page
    assert this_month in page or (date.today() + timedelta(days=1)).strftime("%Y-%m") in page
    secretary = body(client_for(app, world["users"]["secretary"]).get("/admin/ranking/"))
    assert "甲内员" in secretary and OUT not in secretary


def test_ranking_month_and_grid_choices(app, world):
    grid_in, grid_out = world["records"]["grid"]
    admin = client_for(app, world["users"]["admin"])
    past = body(admin.get("/admin/ranking/?month=2020-01"))
    assert "甲内员" not in past and 'value="2020-01"' in past
    chosen = body(admin.get(f"/admin/ranking/?grid={grid_in.id}"))
    assert "甲内员" in chosen and "乙外员" not in chosen
    assert "甲内网格" in chosen  # the picker shows the chosen grid
    assert "甲内员" in body(admin.get("/admin/ranking/?grid="))


@pytest.mark.parametrize("month", ["2026-13", "abc", "2026-1", "0000-01", "9999-12", "2026-10-01", "２０２６-１０",
                                   "2026-00", "%00", "x" * 500])
def test_ranking_bad_month_is_a_message_not_a_500(app, world, month):
    client = client_for(app, world["users"]["secretary"])
    response = client.get("/admin/ranking/", query_string={"month": month})
    assert response.status_code == 200
    page = body(response)
    assert "请按“年-月”格式（如 2026-10）输入月份" in page and 'class="alert' in page
    assert "甲内员" in page  # the current month, shown instead


def test_ranking_month_parsing():
    assert parse_month("2026-10") == date(2026, 10, 1)
    assert parse_month("2026-12") == date(2026, 12, 1)
    for bad in ("2026-13", "26-10", "", None, "9999-12"):
        assert parse_month(bad) is None


@pytest.mark.parametrize("grid", ["out", "abc", "0", "-1", str(2**70), "99999"])
def test_ranking_grid_outside_scope_is_404(app, world, grid):
    grid_out = world["records"]["grid"][1]
    value = str(grid_out.id) if grid == "out" else grid
    response = client_for(app, world["users"]["secretary"]).get(f"/admin/ranking/?grid={value}")
    assert response.status_code == 404
    assert OUT not in body(response)


def test_ranking_grid_picker_is_scoped(app, world):
    import json

    secretary = client_for(app, world["users"]["secretary"])
    offered = json.loads(body(secretary.get("/admin/ranking/ajax/lookup/?name=grid&query=")))
    labels = [label for _id, label in offered]
    assert any("甲内网格" in label for label in labels)
    assert all(OUT not in label for label in labels)
    assert json.loads(body(secretary.get("/admin/ranking/ajax/lookup/?name=grid&query=乙"))) == []
    page = body(secretary.get("/admin/ranking/"))
    assert 'data-role="select2-ajax"' in page and 'data-url="/admin/ranking/ajax/lookup/?name=grid"' in page


@pytest.mark.parametrize("role", ["admin", "centre", "secretary", "worker", "viewer"])
def test_menu_links_to_ledger_and_ranking(app, world, role):
    page = body(client_for(app, world["users"][role]).get("/admin/"))
    assert 'href="/admin/pointentry/"' in page and 'href="/admin/ranking/"' in page
