"""Several people at once: a save from a stale form changes nothing and says
who changed the record; a form never undoes a workflow step; ticket numbers
never collide; points are never booked twice. Real threads, on SQLite and
(in CI) PostgreSQL."""

import json
import os
import threading
from datetime import date, timedelta

import factories as f
import pytest

from gridadmin import db as dbmod
from gridadmin.models import (
    AuditLog,
    Meeting,
    MeetingItem,
    PointEntry,
    Ticket,
    TicketCounter,
    User,
    Worker,
    db,
    utcnow,
)
from gridadmin.services import points, tickets, workflow
from gridadmin.services.users import hash_password
from tests.conftest import client_for, csrf_token
from tests.test_permissions import form_fields

ZH_CONFLICT = "您的修改未保存"


def text(response):
    return response.get_data(as_text=True)


@pytest.fixture
def people(app):
    """Two administrators, 张三 and 李四, each in a browser of their own."""
    with app.app_context():
        db.connect(reuse_if_open=True)
        hashed = hash_password("pass-words-1")
        a = User.create(username="zhang", password_hash=hashed, display_name="张三", role="admin")
        b = User.create(username="li", password_hash=hashed, display_name="李四", role="admin")
    return client_for(app, a), client_for(app, b)


def open_form(client, url):
    return form_fields(text(client.get(url)))


def test_second_of_two_editors_is_refused_and_told_who(app, people, sql_log):
    zhang, li = people
    with app.app_context():
        worker = f.worker(f.tree()["g1"], name="王五", mobile="13800000001")
    url = f"/admin/worker/edit/?id={worker.id}"
    form_a, form_b = open_form(zhang, url), open_form(li, url)
    assert form_a["version"] == form_b["version"] == "0"

    sql_log.clear()
    assert zhang.post(url, data={**form_a, "name": "王五一"}).status_code == 302
    updates = [s for s in sql_log if s.startswith('UPDATE "worker"')]
    assert len(updates) == 1 and '"name"' in updates[0] and '"mobile"' not in updates[0]  # only what changed

    refused = li.post(url, data={**form_b, "mobile": "13911112222"})
    assert refused.status_code == 200  # the form again, not a redirect
    page = text(refused)
    assert ZH_CONFLICT in page and "张三" in page and "期间被修改的字段：名称" in page
    assert 'value="13911112222"' in page  # her input is kept on the form
    with app.app_context():
        stored = Worker.get_by_id(worker.id)
        assert (stored.name, stored.mobile, stored.version) == ("王五一", "13800000001", 1)
        assert AuditLog.select().where((AuditLog.model == "Worker") & (AuditLog.action == "update")).count() == 1


def test_unchanged_save_writes_nothing(app, people, sql_log):
    zhang, _ = people
    with app.app_context():
        worker = f.worker(f.tree()["g1"])
    url = f"/admin/worker/edit/?id={worker.id}"
    form = open_form(zhang, url)
    sql_log.clear()
    assert zhang.post(url, data=form).status_code == 302
    assert not [s for s in sql_log if s.startswith("UPDATE")]
    with app.app_context():
        assert Worker.get_by_id(worker.id).version == 0


def test_meeting_with_items_two_editors(app, people):
    zhang, li = people
    with app.app_context():
        meeting = f.meeting(f.tree()["community"], items=["加装电梯", "停车难"])
        first, second = list(MeetingItem.select().order_by(MeetingItem.id))
    url = f"/admin/meeting/edit/?id={meeting.id}"
    form_a, form_b = open_form(zhang, url), open_form(li, url)
    row = next(k.split("-")[1] for k, v in form_a.items() if k.endswith("-id") and v == str(first.id))
    # 张三 changes an item only: the item's version moves, the meeting's not.
    assert zhang.post(url, data={**form_a, f"items-{row}-topic": "加装电梯（三号楼）"}).status_code == 302
    # 李四's form still holds the item as it was: her whole save is refused.
    refused = li.post(url, data={**form_b, "title": "新标题", f"items-{row}-resolution": "同意"})
    assert refused.status_code == 200 and ZH_CONFLICT in text(refused) and "张三" in text(refused)
    with app.app_context():
        assert Meeting.get_by_id(meeting.id).title == meeting.title
        item = MeetingItem.get_by_id(first.id)
        assert (item.topic, item.resolution, item.version) == ("加装电梯（三号楼）", None, 1)
        assert MeetingItem.get_by_id(second.id).version == 0


def test_an_item_deleted_meanwhile_is_not_recreated(app, people):
    zhang, li = people
    with app.app_context():
        meeting = f.meeting(f.tree()["community"], items=["加装电梯"])
        item = MeetingItem.get()
    url = f"/admin/meeting/edit/?id={meeting.id}"
    form_a, form_b = open_form(zhang, url), open_form(li, url)
    row = next(k.split("-")[1] for k, v in form_a.items() if k.endswith("-id") and v == str(item.id))
    assert zhang.post(url, data={**form_a, f"del-items-{row}": "y"}).status_code == 302
    refused = li.post(url, data={**form_b, f"items-{row}-topic": "加装电梯（改）"})
    assert refused.status_code == 200 and "张三" in text(refused) and "删除" in text(refused)
    with app.app_context():
        assert MeetingItem.select().count() == 0


def test_a_stale_delete_is_refused(app, people):
    zhang, li = people
    with app.app_context():
        worker = f.worker(f.tree()["g1"], name="王五")
    token = csrf_token(text(li.get("/admin/worker/")))
    assert zhang.post(f"/admin/worker/edit/?id={worker.id}",
                      data={**open_form(zhang, f"/admin/worker/edit/?id={worker.id}"), "name": "王六"}).status_code == 302
    li.post("/admin/worker/delete/", data={"id": worker.id, "version": "0", "csrf_token": token})
    with app.app_context():
        assert Worker.get_or_none(Worker.id == worker.id) is not None
    # A bulk delete naming the version the list showed is refused the same way.
    li.post("/admin/worker/action/", data={"action": "delete", "rowid": [str(worker.id)],
                                           f"version-{worker.id}": "0", "csrf_token": token})
    with app.app_context():
        assert Worker.get_or_none(Worker.id == worker.id) is not None
    page = text(li.get("/admin/worker/"))
    assert "张三" in page and "未删除任何记录" in page
    # With the current version it goes.
    li.post("/admin/worker/delete/", data={"id": worker.id, "version": "1", "csrf_token": token})
    with app.app_context():
        assert Worker.get_or_none(Worker.id == worker.id) is None


def test_list_and_edit_pages_carry_versions_for_deletes(app, people):
    zhang, _ = people
    with app.app_context():
        worker = f.worker(f.tree()["g1"])
    for url in ("/admin/worker/", f"/admin/worker/edit/?id={worker.id}", f"/admin/worker/details/?id={worker.id}"):
        page = text(zhang.get(url))
        data = page.split('id="gridadmin-versions" type="application/json">')[1].split("</script>")[0]
        assert json.loads(data) == {str(worker.id): 0}
        assert "js/versions.js" in page


# --- the ticket: forms never touch what the workflow owns ---------------------

@pytest.fixture
def loop(app):
    with app.app_context():
        db.connect(reuse_if_open=True)
        t = f.tree()
        cat = f.category(time_limit_hours=24, points=2, points_verify=1, points_on_spot=3, self_closable=True)
        src = f.source()
        admin = User.get(User.username == "admin")
        return {"tree": t, "cat": cat, "src": src, "admin": admin}


def _report(loop, **kw):
    return workflow.report(Ticket(title="井盖缺失", category=loop["cat"], source=loop["src"], grid=loop["tree"]["g1"],
                                  **kw), loop["admin"], date.today())


def test_ticket_form_saved_over_a_step_is_refused(app, people, loop):
    zhang, _ = people
    with app.app_context():
        ticket = _report(loop)
    url = f"/admin/ticket/edit/?id={ticket.id}"
    form = open_form(zhang, url)
    assert "status" not in form and "version" in form
    with app.app_context():
        workflow.transition(Ticket.get_by_id(ticket.id), "accept", loop["admin"])
    refused = zhang.post(url, data={**form, "title": "井盖缺失（已改）", "status": "reported", "closed_at": "2026-01-01"})
    assert refused.status_code == 200 and ZH_CONFLICT in text(refused)
    with app.app_context():
        stored = Ticket.get_by_id(ticket.id)
        assert (stored.status, stored.title, stored.version) == ("accepted", "井盖缺失", 1)


def _race(app, client, loop, title):
    """A form save and an accept of one new ticket at the same moment, both
    read at the same version. Returns (save status, step outcome, ticket)."""
    with app.app_context():
        ticket = _report(loop)
    url = f"/admin/ticket/edit/?id={ticket.id}"
    form = open_form(client, url)
    barrier = threading.Barrier(2, timeout=20)
    outcome = {}

    def save():
        barrier.wait()
        outcome["save"] = client.post(url, data={**form, "title": title}).status_code

    def step():
        with app.app_context():
            db.connect(reuse_if_open=True)
            copy = Ticket.get_by_id(ticket.id)
            barrier.wait()
            try:
                workflow.transition(copy, "accept", loop["admin"])
                outcome["step"] = "done"
            except Exception as error:
                outcome["step"] = type(error).__name__
            finally:
                db.close()

    threads = [threading.Thread(target=save), threading.Thread(target=step)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    with app.app_context():
        return outcome["save"], outcome["step"], Ticket.get_by_id(ticket.id)


def test_form_and_step_racing_never_undo_the_step(app, people, loop):
    """20 rounds: exactly one of the two wins. A step that won stands (the
    status stays, the title is untouched); a save that won made the step
    refuse, so nothing was undone either way."""
    zhang, _ = people
    for round_ in range(20):
        saved, stepped, stored = _race(app, zhang, loop, f"标题{round_}")
        assert (saved == 302) != (stepped == "done"), (round_, saved, stepped)
        if stepped == "done":
            assert (stored.status, stored.title, stored.version) == ("accepted", "井盖缺失", 1), round_
        else:
            assert stepped == "RuleError"
            assert (stored.status, stored.title, stored.version) == ("reported", f"标题{round_}", 1), round_


def test_points_cannot_be_booked_twice_for_one_cycle(app, loop):
    with app.app_context():
        reporter = f.worker(loop["tree"]["g1"])
        ticket = _report(loop, reporter=reporter)
        ticket.closed_at = utcnow()
        points.book_close(ticket, None, utcnow())
        with pytest.raises(Exception):  # noqa: B017 - the database's unique key, any driver
            with db.atomic():
                points.book_close(ticket, None, utcnow())
        assert PointEntry.select().where(PointEntry.ticket == ticket.id).count() == 1


def test_verifying_twice_at_once_books_points_once(app, loop):
    with app.app_context():
        reporter, handler, verifier = (f.worker(loop["tree"]["g1"]) for _ in range(3))
        ticket = _report(loop, reporter=reporter)
        for action, kw in (("accept", {}), ("dispatch", {"assignee": handler}), ("handle", {"note": "已修复"})):
            ticket = workflow.transition(Ticket.get_by_id(ticket.id), action, loop["admin"], **kw)
        user = User.create(username="v", password_hash="x", role="worker", grid=loop["tree"]["g1"], worker=verifier)
    barrier = threading.Barrier(4, timeout=20)
    results = []

    def verify():
        with app.app_context():
            db.connect(reuse_if_open=True)
            copy = Ticket.get_by_id(ticket.id)
            barrier.wait()
            try:
                workflow.transition(copy, "verify", user)
                results.append("ok")
            except Exception as error:
                results.append(type(error).__name__)
            finally:
                db.close()

    threads = [threading.Thread(target=verify) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert results.count("ok") == 1, results
    with app.app_context():
        booked = sorted((e.worker_id, e.reason) for e in PointEntry.select())
        assert booked == sorted([(reporter.id, "report"), (verifier.id, "verify")])


# --- ticket numbers -----------------------------------------------------------

def _concurrent_reports(app, loop, count):
    """``count`` reporters at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(count, timeout=60)
    numbers, errors = [], []

    def report():
        with app.app_context():
            db.connect(reuse_if_open=True)
            try:
                barrier.wait()
                numbers.append(_report(loop).number)
            except Exception as error:  # pragma: no cover - shown on failure
                errors.append(repr(error))
            finally:
                db.close()

    threads = [threading.Thread(target=report) for _ in range(count)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    return numbers, errors


def test_fifty_reporters_at_once_get_fifty_numbers_in_order(app, loop):
    numbers, errors = _concurrent_reports(app, loop, 50)
    assert errors == [] and len(numbers) == 50
    prefix = date.today().strftime("%Y%m%d-")
    assert sorted(numbers) == [f"{prefix}{n:04d}" for n in range(1, 51)]
    with app.app_context():
        by_time = [t.number for t in Ticket.select().order_by(Ticket.created_at, Ticket.id)]
        assert by_time == sorted(by_time)  # numbers follow the order of reporting
        assert TicketCounter.get(TicketCounter.day == prefix[:8]).last == 50


def test_counter_starts_after_numbers_given_before_it(app, loop):
    with app.app_context():
        today = date.today()
        # Numbered before the counter existed (an upgrade, an import): new ones follow the highest.
        f.ticket(loop["tree"]["g1"], loop["cat"], loop["src"], number=today.strftime("%Y%m%d-0041"))
        f.ticket(loop["tree"]["g1"], loop["cat"], loop["src"], number=today.strftime("%Y%m%d-0007"))
        assert _report(loop).number.endswith("-0042")
        # An imported ticket ahead of the counter is skipped, never collided with.
        f.ticket(loop["tree"]["g1"], loop["cat"], loop["src"], number=today.strftime("%Y%m%d-0043"))
        assert [_report(loop).number[-4:] for _ in range(2)] == ["0044", "0045"]
        assert tickets.next_number(today - timedelta(days=1)).endswith("-0001")


MARIADB_URL = os.environ.get("GRIDADMIN_TEST_MARIADB_URL")


@pytest.mark.skipif(not MARIADB_URL and not os.environ.get("CI"),
                    reason="set GRIDADMIN_TEST_MARIADB_URL (CI does) to run the MariaDB check")
def test_fifty_reporters_at_once_on_mariadb(app, loop):
    """The same counter on MariaDB (CI sets GRIDADMIN_TEST_MARIADB_URL; there an
    unreachable server is a failure, never a skip)."""
    assert MARIADB_URL, "CI must set GRIDADMIN_TEST_MARIADB_URL"
    from tests.conftest import _reset_server_database

    original = db.obj
    if not db.is_closed():
        db.close()
    mariadb = dbmod.bind(MARIADB_URL)
    try:
        mariadb.connect()
        _reset_server_database(mariadb)
        dbmod.upgrade()
        with app.app_context():
            t = f.tree()
            local = {**loop, "tree": t, "cat": f.category(), "src": f.source(),
                     "admin": User.create(username="admin", password_hash="x", role="admin")}
        mariadb.close()
        numbers, errors = _concurrent_reports(app, local, 50)
        assert errors == [] and len(numbers) == 50
        prefix = date.today().strftime("%Y%m%d-")
        assert sorted(numbers) == [f"{prefix}{n:04d}" for n in range(1, 51)]
    finally:
        if not mariadb.is_closed():
            mariadb.close()
        db.initialize(original)
