"""The tally kept with every workflow step equals a rebuild from the tickets
and their events: after a whole loop of steps, after concurrent steps in
threads, after an edit that moves a ticket, after an import and its undo."""

from datetime import datetime, timedelta

import factories as f
import pytest

from gridadmin.models import Category, Department, Tally, Ticket, User
from gridadmin.services import imports, resources, tally, tickets, workflow
from tests.conftest import race
from tests.test_imports import write_csv

TZ = "Asia/Shanghai"
NOW = datetime(2026, 11, 18, 2, 0)


@pytest.fixture
def loop(database):
    t = f.tree()
    cat = f.category("市容环境", time_limit_hours=24, self_closable=True)
    src = f.source("网格员巡查")
    dept = f.department("城管局")
    admin = User.get(User.username == "admin")
    worker = f.worker(t["g1"], "甲")
    wuser = User.create(username="w", password_hash="x", role="worker", grid=t["g1"], worker=worker)
    return {**t, "cat": cat, "src": src, "dept": dept, "admin": admin, "worker": worker, "wuser": wuser}


def report(loop, reporter=None, **kw):
    ticket = Ticket(title="事件", category=loop["cat"], source=loop["src"], grid=kw.get("grid", loop["g1"]),
                    reporter=reporter)
    return workflow.report(ticket, kw.get("actor", loop["admin"]), NOW.date(), tz=TZ)


def step(ticket, action, actor, at, **fields):
    return workflow.transition(Ticket.get_by_id(ticket.id), action, actor, now=at, tz=TZ, **fields)


def total(counter, node, dim="a", key=0):
    return sum(getattr(row, counter) for row in Tally.select().where(
        (Tally.node == node) & (Tally.dim == dim) & (Tally.key == key)))


def test_whole_loop_kept_equals_rebuild(loop):
    admin, dept = loop["admin"], loop["dept"]
    a = report(loop)
    for action, kw in (("accept", {}), ("dispatch", {"department": dept}), ("start", {}),
                       ("handle", {"note": "好"}), ("return", {"note": "没好"}), ("handle", {"note": "好了"}),
                       ("verify", {}), ("rate", {"satisfaction": "basically"}), ("reopen", {"note": "复发"}),
                       ("dispatch", {"department": dept}),
                       ("request_extension", {"note": "材料", "due_at": NOW + timedelta(days=40)}),
                       ("approve_extension", {})):
        a = step(a, action, admin, NOW + timedelta(hours=1), **kw)
    b = report(loop)
    step(b, "reject", admin, NOW, note="重复")
    c = report(loop)
    step(c, "merge", admin, NOW, target=Ticket.get_by_id(a.id))
    d = report(loop, reporter=loop["worker"])
    step(d, "close_on_spot", loop["wuser"], NOW, note="当场解决")
    assert tally.check(TZ) == []
    for node in (loop["district"].id, loop["street"].id, loop["community"].id):
        assert total("reported", node) == 4
        assert total("rep_rejected", node) == 1 and total("rep_merged", node) == 1
        assert total("returned", node) == 1 and total("handled", node) == 2 and total("on_spot", node) == 1
        assert total("due_open", node) == 1 and total("extended", node) == 1
        assert total("basically", node) == 1 and total("rated", node) == 1
    assert total("reported", loop["g1"].id) == 0  # grids are not kept: their figures come from their tickets
    assert total("reported", loop["community"].id, "c", loop["cat"].id) == 0  # communities keep totals only
    assert total("reported", loop["district"].id, "c", loop["cat"].id) == 4
    assert total("due", loop["district"].id, "d", dept.id) == 1
    # The kept tally is the rebuilt one.
    def rows():  # cells that count something (a step may leave a cell at zero)
        return sorted(row for row in Tally.select(Tally.node, Tally.dim, Tally.key, Tally.month, Tally.reported,
                                                  Tally.due, Tally.due_open, Tally.handled).tuples() if any(row[4:]))

    before = rows()
    tally.rebuild(TZ)
    assert rows() == before


def test_check_notices_a_tally_out_of_step(loop):
    report(loop)
    assert tally.check(TZ) == []
    Tally.update(reported=Tally.reported + 1).where(Tally.dim == "a").execute()
    assert tally.check(TZ) != []
    tally.rebuild(TZ)
    assert tally.check(TZ) == []


def test_editing_a_tickets_grid_or_category_moves_its_figures(loop):
    a = report(loop)
    a = Ticket.get_by_id(a.id)
    a.grid = loop["g2"].id
    a.category = f.category("其他").id
    tickets.save_ticket(a, False, NOW.date(), TZ)
    assert total("reported", loop["district"].id, "c", a.category_id) == 1
    assert total("reported", loop["district"].id, "c", loop["cat"].id) == 0
    assert total("reported", loop["community"].id) == 1
    assert tally.check(TZ) == []


def test_concurrent_steps_keep_the_tally(app, loop):
    admin, dept = loop["admin"], loop["dept"]
    made = [report(loop) for _ in range(8)]
    for t in made:
        step(t, "accept", admin, NOW)

    def dispatch(ticket_id):
        return lambda: workflow.transition(Ticket.get_by_id(ticket_id), "dispatch", User.get_by_id(admin.id),
                                           now=NOW, tz=TZ, department=Department.get_by_id(dept.id))

    errors = race(app, *(dispatch(t.id) for t in made))
    assert errors == []
    assert total("dispatched", loop["district"].id) == 8
    assert total("dispatched", loop["district"].id, "d", dept.id) == 8
    # The dispatched tickets are open: their cells by due day were kept by the concurrent steps too.
    assert total("due_open", loop["district"].id, "o") == 8 and total("due_open", loop["street"].id, "q", dept.id) == 8
    assert tally.check(TZ) == []


def test_imported_tickets_are_counted_and_undo_takes_them_away(loop, tmp_path):
    path = write_csv(tmp_path / "t.csv", [
        ["编号", "标题", "类别", "来源", "网格", "状态", "创建时间", "结案时间"],
        ["20260105-0002", "路灯不亮", "市容环境", "网格员巡查", "第一网格", "已结案", "2026-01-05 09:00", "2026-01-06 10:00"],
        ["", "乱堆物", "市容环境", "网格员巡查", "第一网格", "不予受理", "2026-01-31 23:30", ""],
    ])
    result = imports.run(resources.get("ticket"), str(path), dry_run=False, tz=TZ)
    assert result.ok
    assert total("reported", loop["district"].id) == 2
    assert total("rep_rejected", loop["district"].id) == 1
    assert tally.check(TZ) == []
    imports.undo(result.log, loop["admin"], tz=TZ)
    assert total("reported", loop["district"].id) == 0
    assert tally.check(TZ) == []


def test_stats_commands(app, loop):
    report(loop)
    Tally.delete().execute()
    runner = app.test_cli_runner()
    failed = runner.invoke(args=["stats", "check"])
    assert failed.exit_code == 1
    assert runner.invoke(args=["stats", "rebuild"]).exit_code == 0
    ok = runner.invoke(args=["stats", "check"])
    assert ok.exit_code == 0, ok.output


def test_working_hours_skip_weekends():
    with_db = Category  # noqa: F841 - the calendar reads CalendarDay (empty: weekends off)
    friday_16 = datetime(2026, 11, 20, 8, 0)  # Fri 16:00 local
    monday_10 = datetime(2026, 11, 23, 2, 0)  # Mon 10:00 local
    assert tally.working_hours(friday_16, monday_10, TZ, calendar=_weekends()) == 18.0


def _weekends():
    from gridadmin.services import deadlines

    return deadlines.MemoryCalendar({})


def _overdue_live(node, now):
    """The open tickets past due now under ``node``, counted from the tickets alone."""
    from gridadmin.services import deadlines, grids

    rows = (Ticket.select(Ticket.department, Ticket.grid).where(
        deadlines.overdue_clause(now) & Ticket.grid.in_(grids.subtree_ids(node))).tuples())
    by_department = {}
    for dept, _grid in rows:
        by_department[dept] = by_department.get(dept, 0) + 1
    return len(rows), by_department


def test_overdue_now_from_the_tally_by_due_day_equals_the_tickets(loop):
    """"Overdue now" at a district or street sums the tally's open tickets by
    due day before today and reads today's; at any moment it equals a count
    of the tickets, per department too, including tickets due earlier and
    later today and in another street."""
    from gridadmin.services import stats

    admin, dept = loop["admin"], loop["dept"]
    other_street = f.grid("320102002", "梅园街道", "street", loop["district"])
    other_grid = f.grid("320102002001G1", "梅园网格", "grid", f.grid("320102002001", "梅园社区", "community",
                                                                     other_street))
    made = []
    for hours, grid, department in ((-72, loop["g1"], dept), (-30, loop["g2"], None), (-20, loop["g1"], dept),
                                    (-6, other_grid, dept), (-1, loop["g1"], dept), (3, loop["g2"], None)):
        t = report(loop, grid=grid)
        t = step(t, "accept", admin, NOW + timedelta(hours=hours))
        fields = {"department": department} if department else {"assignee": loop["worker"]}
        made.append(step(t, "dispatch", admin, NOW + timedelta(hours=hours), **fields))
    step(made[2], "start", admin, NOW)  # in progress is open too
    assert tally.check(TZ) == []
    moments = sorted({moment for t in made for moment in (t.due_at - timedelta(minutes=1),
                                                        t.due_at + timedelta(minutes=1))})
    for now in moments + [NOW + timedelta(days=9)]:
        for node in (loop["district"], loop["street"], other_street):
            kids = stats.children(node)
            total, by_department, by_child = stats.overdue_summary(node, kids, now, TZ)
            expected_total, expected_departments = _overdue_live(node, now)
            assert total == expected_total, (node.name, now)
            assert {k: n for k, n in by_department.items() if n} == expected_departments, (node.name, now)
            assert sum(by_child.values()) == expected_total
            assert stats.overdue_total(node, now, TZ) == expected_total
    assert any(stats.overdue_total(loop["district"], now, TZ) for now in moments)


def test_filling_open_days_gives_what_the_steps_kept(loop):
    """Migration 0012 fills the by-due-day cells from the open tickets: the
    same cells the steps keep."""
    admin, dept = loop["admin"], loop["dept"]
    for hours in (-50, -2, 5):
        t = step(report(loop), "accept", admin, NOW + timedelta(hours=hours))
        step(t, "dispatch", admin, NOW + timedelta(hours=hours), department=dept)

    def cells():
        return sorted(row for row in Tally.select(Tally.node, Tally.dim, Tally.key, Tally.month, Tally.due_open)
                      .where(Tally.dim.in_(tally.OPEN_DIMS)).tuples() if row[-1])

    kept = cells()
    assert {row[1] for row in kept} == {"o", "q"} and sum(row[-1] for row in kept if row[1] == "o") == 3 * 3
    Tally.delete().where(Tally.dim.in_(tally.OPEN_DIMS)).execute()
    assert tally.check(TZ) != []
    tally.fill_open_days(TZ)
    assert cells() == kept
    assert tally.check(TZ) == []


# --- points per worker and month (DIM_POINTS) --------------------------------


def _points_loop(loop):
    """A loop that books points: a report closed late and verified by a
    grid worker, reopened (reversals), closed again; a close on the spot."""
    admin, dept = loop["admin"], loop["dept"]
    cat = Category.create(code="PTS", name="积分类", time_limit_hours=1, self_closable=True, points=3,
                          points_verify=2, points_overdue=1, points_on_spot=1)
    verifier = f.worker(loop["g1"], "核查员", mobile="13900139000")
    vuser = User.create(username="v", password_hash="x", role="worker", grid=loop["g1"], worker=verifier)
    a = workflow.report(Ticket(title="事件", category=cat, source=loop["src"], grid=loop["g1"],
                               reporter=loop["worker"]), admin, NOW.date(), tz=TZ)
    for action, actor, kw in (("accept", admin, {}), ("dispatch", admin, {"department": dept}),
                              ("start", admin, {}), ("handle", admin, {"note": "好"}),
                              ("verify", vuser, {}), ("reopen", admin, {"note": "复发"}),
                              ("dispatch", admin, {"department": dept}), ("handle", admin, {"note": "好了"}),
                              ("verify", vuser, {})):
        a = step(a, action, actor, NOW + timedelta(hours=3), **kw)
    d = workflow.report(Ticket(title="小事", category=cat, source=loop["src"], grid=loop["g1"],
                               reporter=loop["worker"]), loop["wuser"], NOW.date(), tz=TZ)
    step(d, "close_on_spot", loop["wuser"], NOW + timedelta(days=20), note="当场解决")  # the next month
    return verifier


def _point_cells():
    return sorted(row for row in Tally.select(Tally.node, Tally.key, Tally.month, Tally.points, Tally.point_entries)
                  .where(Tally.dim == "w").tuples() if any(row[3:]))


def test_points_kept_with_every_booking_equal_rebuild(loop):
    from gridadmin.models import PointEntry
    from gridadmin.services import points

    verifier = _points_loop(loop)
    assert PointEntry.select().count() >= 6
    assert tally.check(TZ) == []
    worker = loop["worker"]
    for node in (loop["district"].id, loop["street"].id, loop["community"].id):
        assert total("points", node, "w", worker.id) == points.balance(worker.id)
        assert total("points", node, "w", verifier.id) == points.balance(verifier.id) == 2
        assert total("point_entries", node, "w", worker.id) == PointEntry.select().where(
            PointEntry.worker == worker.id).count()
    assert total("points", loop["g1"].id, "w", worker.id) == 0  # grids are not kept
    kept = _point_cells()
    assert len({row[2] for row in kept}) == 2  # two local months
    tally.rebuild(TZ)
    assert _point_cells() == kept
    Tally.delete().where(Tally.dim == "w").execute()  # a tally from before migration 0015
    assert tally.check(TZ) != []
    tally.fill_points(TZ)
    assert _point_cells() == kept
    assert tally.check(TZ) == []


def test_moving_a_worker_moves_their_points(loop):
    from gridadmin.models import Worker
    from gridadmin.services import points

    _points_loop(loop)
    worker = loop["worker"]
    other = f.grid("320102002", "别的街道", "street", loop["district"])
    elsewhere = f.grid("320102002001", "别的社区", "community", other)
    moved = Worker.get_by_id(worker.id)
    moved.grid = elsewhere.id
    points.save_worker(moved, False, TZ)
    balance = points.balance(worker.id)
    assert total("points", loop["street"].id, "w", worker.id) == 0
    assert total("points", other.id, "w", worker.id) == balance == total("points", elsewhere.id, "w", worker.id)
    assert total("points", loop["district"].id, "w", worker.id) == balance
    assert tally.check(TZ) == []
    month = NOW.date().replace(day=1)
    assert [line.worker.id for line in points.ranking(month, grid=other)] == [worker.id]
    assert worker.id not in [line.worker.id for line in points.ranking(month, grid=loop["street"])]


def test_concurrent_bookings_and_a_move_keep_the_points(app, loop):
    """Bookings for one worker's month race each other (the same cells) and a
    move of that worker to another street; the tally ends as a rebuild gives."""
    from gridadmin.models import Worker
    from gridadmin.services import points

    worker = loop["worker"]
    other = f.grid("320102002", "别的街道", "street", loop["district"])

    def book(i):
        return lambda: points.record(worker.id, i + 1, "report", at=NOW + timedelta(minutes=i), tz=TZ)

    def move():
        moved = Worker.get_by_id(worker.id)
        moved.grid = other.id
        points.save_worker(moved, False, TZ)

    errors = race(app, *(book(i) for i in range(8)), move)
    assert errors == []
    assert total("points", loop["district"].id, "w", worker.id) == sum(range(1, 9))
    assert total("point_entries", other.id, "w", worker.id) == 8
    assert total("points", loop["street"].id, "w", worker.id) == 0
    assert tally.check(TZ) == []
