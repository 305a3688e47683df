"""The ticket workflow: every step allowed and refused (state, role, scope),
the race, extensions, merging, reopening, and the details page that drives it."""

import re
import threading
from datetime import date, datetime, timedelta

import pytest

from gridadmin.models import Category, Department, PointEntry, Ticket, TicketEvent, User, Worker, db, utcnow
from gridadmin.services import deadlines, points, workflow
from gridadmin.services.errors import RuleError
from tests.conftest import csrf_token
from tests.test_permissions import build_world, client_for, token_for

# Who may take each step, written out here independently of the service's
# table: the workflow must agree with this.
EXPECTED_ROLES = {
    "accept": {"admin", "centre", "secretary"},
    "reject": {"admin", "centre", "secretary"},
    "dispatch": {"admin", "centre"},
    "start": {"admin", "department"},
    "handle": {"admin", "department"},
    "verify": {"admin", "centre", "secretary", "worker"},
    "return": {"admin", "centre", "secretary", "worker"},
    "request_extension": {"admin", "department"},
    "approve_extension": {"admin", "centre"},
    "deny_extension": {"admin", "centre"},
    "close_on_spot": {"worker"},
    "rate": {"admin", "centre", "secretary"},
    "merge": {"admin", "centre", "secretary"},
    "reopen": {"admin", "centre"},
}
# A state each step starts from, and one it cannot start from.
FROM = {
    "accept": ("reported", "dispatched"),
    "reject": ("reported", "accepted"),
    "dispatch": ("accepted", "reported"),
    "start": ("dispatched", "in_progress"),
    "handle": ("in_progress", "accepted"),
    "verify": ("handled", "in_progress"),
    "return": ("handled", "closed"),
    "request_extension": ("in_progress", "handled"),
    "approve_extension": ("in_progress", "handled"),
    "deny_extension": ("dispatched", "closed"),
    "close_on_spot": ("reported", "accepted"),
    "rate": ("closed", "handled"),
    "merge": ("accepted", "dispatched"),
    "reopen": ("closed", "handled"),
}
ROLES = ("admin", "centre", "secretary", "worker", "department", "volunteer", "viewer")
NOW = datetime(2026, 11, 18, 2, 0)  # a Wednesday, 10:00 in Shanghai


@pytest.fixture
def loop(app):
    with app.app_context():
        world = build_world()
        # Returned outside the app context: web requests below must each get
        # their own (flask-login caches the user on the context's g).
        t_in, t_out = world["records"]["ticket"]
        cat = Category.get_by_id(t_in.category_id)
        cat.self_closable, cat.points, cat.points_on_spot, cat.points_verify, cat.points_overdue = True, 3, 2, 1, 5
        cat.save()
        world["ticket"], world["outside"] = Ticket.get_by_id(t_in.id), Ticket.get_by_id(t_out.id)
        world["dept"] = Department.get(Department.code == "cg")
        world["worker"] = Worker.get(Worker.name == "甲内员")
        # Balances below count from zero: drop the world's sample entries
        # (a test's setup, not a user's delete; the model refuses those).
        PointEntry.delete().execute()
    return world


def _state(ticket, status, **extra):
    """Put a ticket in ``status`` directly (setting up a test, not a step)."""
    values = {"status": status, **extra}
    if status in ("dispatched", "in_progress", "handled") or "request_extension" in extra:
        values.setdefault("dispatched_at", NOW - timedelta(hours=1))
        values.setdefault("due_at", NOW + timedelta(hours=20))
    if status in ("closed", "rated"):
        values.setdefault("closed_at", NOW - timedelta(days=1))
    Ticket.update(**values).where(Ticket.id == ticket.id).execute()
    return Ticket.get_by_id(ticket.id)


def _fields(action, world):
    """Valid fields for each step."""
    return {
        "reject": {"note": "不属于受理范围"},
        "dispatch": {"department": world["dept"]},
        "handle": {"note": "已清理"},
        "return": {"note": "现场仍有垃圾"},
        "request_extension": {"note": "需要采购材料", "due_at": NOW + timedelta(days=5)},
        "close_on_spot": {"note": "当场劝离"},
        "rate": {"satisfaction": "satisfied"},
        "merge": {"target": world["other"]},
        "reopen": {"note": "居民反映问题复发"},
    }.get(action, {})


def _prepare(world, action, status):
    ticket = world["ticket"]
    extra = {}
    if action in ("approve_extension", "deny_extension"):
        extra["extension_due_at"] = NOW + timedelta(days=3)
    if action == "close_on_spot" or status == "reported":
        extra["department"] = None
    world["other"] = Ticket.create(number="20260105-0999", title="同一件事", category=ticket.category_id,
                                   source=ticket.source_id, grid=ticket.grid_id, status="accepted")
    return _state(ticket, status, **extra)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(EXPECTED_ROLES))
def test_each_step_by_each_role(app, loop, action, role):
    with app.app_context():
        ticket = _prepare(loop, action, FROM[action][0])
        actor = loop["users"][role]
        allowed = role in EXPECTED_ROLES[action]
        assert (workflow.refusal(ticket, action, actor, NOW) is None) == allowed
        before = TicketEvent.select().count()
        if allowed:
            done = workflow.transition(ticket, action, actor, now=NOW, **_fields(action, loop))
            target = workflow.STEPS[action].target or FROM[action][0]
            assert Ticket.get_by_id(ticket.id).status == done.status == target
            event = TicketEvent.select().order_by(TicketEvent.id.desc()).first()
            assert (event.action, event.from_status, event.to_status, event.user_id) == (
                action, FROM[action][0], target, actor.id)
            assert TicketEvent.select().count() == before + 1
        else:
            with pytest.raises(RuleError):
                workflow.transition(ticket, action, actor, now=NOW, **_fields(action, loop))
            assert Ticket.get_by_id(ticket.id).status == FROM[action][0]
            assert TicketEvent.select().count() == before


@pytest.mark.parametrize("action", list(EXPECTED_ROLES))
def test_each_step_refused_in_the_wrong_state(app, loop, action):
    with app.app_context():
        ticket = _prepare(loop, action, FROM[action][1])
        role = "worker" if action == "close_on_spot" else ("department" if action in ("start", "handle") else "admin")
        with pytest.raises(RuleError) as err:
            workflow.transition(ticket, action, loop["users"][role], now=NOW, **_fields(action, loop))
        assert err.value.message.startswith("This step cannot be taken while")
        assert Ticket.get_by_id(ticket.id).status == FROM[action][1]
        assert TicketEvent.select().where(TicketEvent.ticket == ticket.id).count() == 0


@pytest.mark.parametrize("role", ["centre", "secretary", "worker", "department", "viewer"])
def test_out_of_scope_tickets_are_refused(app, loop, role):
    with app.app_context():
        ticket = loop["outside"]
        for action in ("accept", "reject", "close_on_spot"):
            refusal = workflow.refusal(ticket, action, loop["users"][role], NOW)
            assert refusal is not None and refusal.message == "You cannot act on this ticket."
        assert workflow.available(ticket, loop["users"][role], NOW) == []


def test_the_whole_loop_books_points_and_keeps_a_timeline(app, loop):
    with app.app_context():
        users, ticket = loop["users"], loop["ticket"]
        verifier = Worker.create(name="核查员", gender="F", mobile="13800000009", grid=loop["worker"].grid_id)
        checker = User.create(username="u_checker", password_hash="x", role="worker",
                              grid=loop["worker"].grid_id, worker=verifier)
        t = workflow.transition(ticket, "accept", users["secretary"], now=NOW)
        t = workflow.transition(t, "dispatch", users["centre"], now=NOW, department=loop["dept"])
        assert t.dispatched_at == NOW
        assert t.due_at == deadlines.due_time(Category.get_by_id(t.category_id), NOW, "Asia/Shanghai")
        assert t.due_at is not None
        t = workflow.transition(t, "start", users["department"], now=NOW + timedelta(hours=1))
        t = workflow.transition(t, "handle", users["department"], now=NOW + timedelta(hours=2), note="已清运")
        assert t.resolution == "已清运"
        t = workflow.transition(t, "verify", checker, now=NOW + timedelta(hours=3))
        assert t.closed_at == NOW + timedelta(hours=3)
        t = workflow.transition(t, "rate", users["secretary"], now=NOW + timedelta(hours=4),
                                satisfaction="basically", note="还行")
        assert (t.status, t.satisfaction, t.rating_note) == ("rated", "basically", "还行")
        steps = [(e.action, e.from_status, e.to_status) for e in workflow.timeline(t)]
        assert steps == [("accept", "reported", "accepted"), ("dispatch", "accepted", "dispatched"),
                         ("start", "dispatched", "in_progress"), ("handle", "in_progress", "handled"),
                         ("verify", "handled", "closed"), ("rate", "closed", "rated")]
        assert points.balance(loop["worker"].id) == 3  # the reporter
        assert points.balance(verifier.id) == 1  # the verifier
        assert Ticket.get_by_id(t.id).version == 6


def test_the_handler_cannot_verify_their_own_work(app, loop):
    with app.app_context():
        ticket = _state(loop["ticket"], "handled", department=None, assignee=loop["worker"].id)
        refusal = workflow.refusal(ticket, "verify", loop["users"]["worker"], NOW)
        assert refusal is not None and refusal.message == "The handler cannot verify their own handling."
        # The assigned worker handles instead: start, handle and ask for time are theirs.
        ticket = _state(ticket, "dispatched")
        assert workflow.available(ticket, loop["users"]["worker"], NOW) == ["start", "handle", "request_extension"]


def test_late_handling_costs_the_assigned_worker_points(app, loop):
    with app.app_context():
        handler = Worker.create(name="处置员", gender="M", mobile="13800000008", grid=loop["worker"].grid_id)
        ticket = _state(loop["ticket"], "handled", department=None, assignee=handler.id,
                        due_at=NOW - timedelta(hours=2), handled_at=NOW - timedelta(hours=1))
        workflow.transition(ticket, "verify", loop["users"]["secretary"], now=NOW)
        assert points.balance(handler.id) == -5
        assert points.balance(loop["worker"].id) == 3


def test_required_fields(app, loop):
    with app.app_context():
        users, ticket = loop["users"], loop["ticket"]
        with pytest.raises(RuleError) as err:
            workflow.transition(ticket, "reject", users["centre"], now=NOW, note="   ")
        assert err.value.field == "note"
        ticket = _state(ticket, "accepted")
        with pytest.raises(RuleError) as err:
            workflow.transition(ticket, "dispatch", users["centre"], now=NOW)
        assert err.value.field == "department"
        with pytest.raises(RuleError):
            workflow.transition(ticket, "dispatch", users["centre"], now=NOW, department=loop["dept"],
                                assignee=loop["worker"])
        outsider = Worker.get(Worker.name == "乙外员")
        with pytest.raises(RuleError) as err:
            workflow.transition(ticket, "dispatch", users["centre"], now=NOW, assignee=outsider)
        assert err.value.field == "assignee"
        Department.update(active=False).where(Department.id == loop["dept"].id).execute()
        with pytest.raises(RuleError):
            workflow.transition(ticket, "dispatch", users["centre"], now=NOW, department=Department.get_by_id(loop["dept"].id))
        ticket = _state(ticket, "closed")
        with pytest.raises(RuleError) as err:
            workflow.transition(ticket, "rate", users["centre"], now=NOW, satisfaction="thrilled")
        assert err.value.field == "satisfaction"
        assert TicketEvent.select().count() == 0 and Ticket.get_by_id(ticket.id).version == 0


def test_two_people_acting_on_stale_copies_only_one_succeeds(app, loop):
    with app.app_context():
        first, second = Ticket.get_by_id(loop["ticket"].id), Ticket.get_by_id(loop["ticket"].id)
        workflow.transition(first, "accept", loop["users"]["centre"], now=NOW)
        with pytest.raises(RuleError) as err:
            workflow.transition(second, "reject", loop["users"]["secretary"], now=NOW, note="重复")
        assert err.value.message == workflow.CONFLICT
        assert Ticket.get_by_id(first.id).status == "accepted"
        assert TicketEvent.select().count() == 1


def test_the_race_two_threads_at_once(app, loop):
    """Two requests load the ticket, then both act at the same moment: the
    database lets exactly one conditional UPDATE through."""
    with app.app_context():
        ticket_id = loop["ticket"].id
        actors = [loop["users"]["centre"], loop["users"]["secretary"]]
        db.close()
    barrier, results = threading.Barrier(2), []

    def act(actor, action, note):
        db.connect(reuse_if_open=True)
        try:
            mine = Ticket.get_by_id(ticket_id)
            barrier.wait()
            workflow.transition(mine, action, actor, now=NOW, note=note)
            results.append("ok")
        except RuleError as error:
            results.append(error.message)
        finally:
            db.close()

    threads = [threading.Thread(target=act, args=(actors[0], "accept", None)),
               threading.Thread(target=act, args=(actors[1], "reject", "不予受理"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == sorted(["ok", workflow.CONFLICT])
    with app.app_context():
        db.connect(reuse_if_open=True)
        assert TicketEvent.select().where(TicketEvent.ticket == ticket_id).count() == 1
        assert Ticket.get_by_id(ticket_id).version == 1


def test_extension_request_approve_and_deny(app, loop):
    with app.app_context():
        users = loop["users"]
        ticket = _state(loop["ticket"], "in_progress", department=loop["dept"].id)
        with pytest.raises(RuleError) as err:
            workflow.transition(ticket, "request_extension", users["department"], now=NOW, note="等材料",
                                due_at=ticket.due_at - timedelta(hours=1))
        assert err.value.field == "due_at"
        asked = NOW + timedelta(days=4)
        ticket = workflow.transition(ticket, "request_extension", users["department"], now=NOW, note="等材料",
                                     due_at=asked)
        assert ticket.extension_due_at == asked and ticket.status == "in_progress"
        refusal = workflow.refusal(ticket, "request_extension", users["department"], NOW)
        assert refusal.message == "An extension request is already waiting for a decision."
        ticket = workflow.transition(ticket, "approve_extension", users["centre"], now=NOW)
        assert (ticket.due_at, ticket.extension_due_at) == (asked, None)
        ticket = workflow.transition(ticket, "request_extension", users["department"], now=NOW, note="再延",
                                     due_at=asked + timedelta(days=1))
        ticket = workflow.transition(ticket, "deny_extension", users["centre"], now=NOW, note="不同意")
        assert (ticket.due_at, ticket.extension_due_at) == (asked, None)
        assert [e.action for e in workflow.timeline(ticket)] == [
            "request_extension", "approve_extension", "request_extension", "deny_extension"]


def test_close_on_spot_only_by_the_reporter_for_minor_categories(app, loop):
    with app.app_context():
        users, ticket = loop["users"], loop["ticket"]
        other = Worker.create(name="另一员", gender="M", mobile="13800000007", grid=loop["worker"].grid_id)
        stranger = User.create(username="u_other", password_hash="x", role="worker", grid=other.grid_id, worker=other)
        assert workflow.refusal(ticket, "close_on_spot", stranger, NOW).message.startswith("Only the grid worker")
        Category.update(self_closable=False).where(Category.id == ticket.category_id).execute()
        assert workflow.refusal(ticket, "close_on_spot", users["worker"], NOW).message == \
            "Tickets of this category cannot be closed on the spot."
        Category.update(self_closable=True).where(Category.id == ticket.category_id).execute()
        ticket = workflow.transition(ticket, "close_on_spot", users["worker"], now=NOW, note="当场处理")
        assert (ticket.status, ticket.closed_at, ticket.resolution) == ("closed", NOW, "当场处理")
        assert points.balance(loop["worker"].id) == 2
        assert PointEntry.get().reason == "on_spot"


def test_merge_as_duplicate(app, loop):
    with app.app_context():
        ticket = _prepare(loop, "merge", "reported")
        with pytest.raises(RuleError) as err:
            workflow.transition(ticket, "merge", loop["users"]["secretary"], now=NOW, target=ticket)
        assert err.value.field == "target"
        with pytest.raises(RuleError):
            workflow.transition(ticket, "merge", loop["users"]["secretary"], now=NOW, target=loop["outside"])
        with pytest.raises(RuleError):
            workflow.transition(ticket, "merge", loop["users"]["secretary"], now=NOW, target=None)
        ticket = workflow.transition(ticket, "merge", loop["users"]["secretary"], now=NOW, target=loop["other"])
        assert (ticket.status, ticket.duplicate_of_id) == ("merged", loop["other"].id)
        # A merged ticket takes no duplicates, and the pair cannot be merged back.
        with pytest.raises(RuleError):
            workflow.transition(loop["other"], "merge", loop["users"]["secretary"], now=NOW, target=ticket)


def test_return_sends_it_back_to_the_handler(app, loop):
    with app.app_context():
        ticket = _state(loop["ticket"], "handled", department=loop["dept"].id, handled_at=NOW)
        ticket = workflow.transition(ticket, "return", loop["users"]["secretary"], now=NOW, note="没修好")
        assert (ticket.status, ticket.handled_at) == ("dispatched", None)
        assert workflow.timeline(ticket)[0].note == "没修好"


def test_reopen_within_the_window_reverses_points_and_a_new_close_books_again(app, loop):
    with app.app_context():
        users = loop["users"]
        ticket = _state(loop["ticket"], "handled", department=loop["dept"].id, handled_at=NOW)
        ticket = workflow.transition(ticket, "verify", users["worker"], now=NOW)
        assert points.balance(loop["worker"].id) == 4  # reported 3 + verified 1
        late = NOW + timedelta(days=workflow.REOPEN_DAYS, hours=1)
        assert workflow.refusal(ticket, "reopen", users["centre"], late).message.startswith("A ticket can only")
        ticket = workflow.transition(ticket, "reopen", users["centre"], now=NOW + timedelta(days=2), note="复发")
        assert (ticket.status, ticket.closed_at, ticket.due_at) == ("accepted", None, None)
        assert points.balance(loop["worker"].id) == 0
        assert PointEntry.select().count() == 3  # nothing updated or deleted: one reversal appended
        ticket = workflow.transition(ticket, "dispatch", users["centre"], now=NOW + timedelta(days=2),
                                     department=loop["dept"])
        ticket = _state(ticket, "handled", handled_at=NOW + timedelta(days=2))
        workflow.transition(ticket, "verify", users["secretary"], now=NOW + timedelta(days=3))
        assert points.balance(loop["worker"].id) == 3


def test_report_numbers_the_ticket_and_writes_its_first_event(app, loop):
    with app.app_context():
        ticket = loop["ticket"]
        new = Ticket(title="井盖缺失", category=ticket.category_id, source=ticket.source_id, grid=ticket.grid_id,
                     reporter=loop["worker"].id)
        workflow.report(new, loop["users"]["worker"], date(2026, 11, 18), note="现场拍照")
        assert new.number == "20261118-0001" and new.status == "reported"
        event = workflow.timeline(new).get()
        assert (event.action, event.from_status, event.to_status, event.note) == ("report", None, "reported", "现场拍照")


# --- the web: details page, step buttons, posting a step ------------------

def _details(client, ticket):
    return client.get(f"/admin/ticket/details/?id={ticket.id}").get_data(as_text=True)


def _post_step(client, ticket, action, version=None, **data):
    form = {"action": action, f"{action}-csrf_token": token_for(client),
            f"{action}-version": str(ticket.version if version is None else version)}
    form.update({f"{action}-{k}": v for k, v in data.items()})
    return client.post(f"/admin/ticket/step/?id={ticket.id}", data=form, follow_redirects=True,
                       content_type="multipart/form-data")


def test_details_show_exactly_the_steps_the_user_may_take(app, loop):
    ticket = loop["ticket"]
    pages = {role: _details(client_for(app, loop["users"][role]), ticket)
             for role in ("centre", "worker", "department", "viewer")}
    assert 'value="accept"' in pages["centre"] and 'value="reject"' in pages["centre"]
    assert 'value="dispatch"' not in pages["centre"]  # not before it is accepted
    assert 'value="close_on_spot"' in pages["worker"] and 'value="accept"' not in pages["worker"]
    assert 'id="ticket-steps"' not in pages["viewer"]
    assert "ticket-timeline" in pages["viewer"]


def test_department_user_cannot_open_an_undispatched_ticket_but_works_a_dispatched_one(app, loop):
    ticket = _state(loop["ticket"], "dispatched", department=loop["dept"].id)
    client = client_for(app, loop["users"]["department"])
    page = _post_step(client, ticket, "start").get_data(as_text=True)
    assert Ticket.get_by_id(ticket.id).status == "in_progress"
    assert "处置中" in page or "In progress" in page
    ticket = Ticket.get_by_id(ticket.id)
    _post_step(client, ticket, "handle", note="已修复")
    assert Ticket.get_by_id(ticket.id).status == "handled"
    assert Ticket.get_by_id(ticket.id).resolution == "已修复"


def test_a_step_posted_from_a_stale_page_is_refused_with_a_message(app, loop):
    ticket = loop["ticket"]
    client = client_for(app, loop["users"]["centre"])
    stale = ticket.version
    workflow.transition(ticket, "accept", loop["users"]["secretary"], now=NOW)
    client.set_cookie("locale", "en")
    page = _post_step(client, Ticket.get_by_id(ticket.id), "dispatch", version=stale,
                      department=str(loop["dept"].id)).get_data(as_text=True)
    assert "Someone else has just changed this ticket" in page
    assert Ticket.get_by_id(ticket.id).status == "accepted"


def test_step_refusals_over_http(app, loop):
    ticket, outside = loop["ticket"], loop["outside"]
    centre = client_for(app, loop["users"]["centre"])
    centre.set_cookie("locale", "en")
    token = token_for(centre)
    # Out of scope: 404, before anything else is looked at.
    assert centre.post(f"/admin/ticket/step/?id={outside.id}",
                       data={"action": "accept", "csrf_token": token}).status_code == 404
    assert centre.post("/admin/ticket/step/?id=abc", data={"action": "accept", "csrf_token": token}).status_code == 404
    # No CSRF token: refused, nothing happens.
    response = centre.post(f"/admin/ticket/step/?id={ticket.id}", data={"action": "accept", "accept-version": "0"})
    assert response.status_code == 400 and Ticket.get_by_id(ticket.id).status == "reported"
    # Unknown step: a clear 400, not a 500.
    assert centre.post(f"/admin/ticket/step/?id={ticket.id}",
                       data={"action": "explode", "csrf_token": token}).status_code == 400
    # Wrong role: the service refuses, the page says why.
    viewer = client_for(app, loop["users"]["viewer"])
    viewer.set_cookie("locale", "en")
    page = _post_step(viewer, ticket, "accept").get_data(as_text=True)
    assert "Your role cannot take this step." in page
    assert Ticket.get_by_id(ticket.id).status == "reported"
    # Reject without a reason: the message names the reason.
    page = _post_step(centre, ticket, "reject", note="").get_data(as_text=True)
    assert "Please give a reason." in page and Ticket.get_by_id(ticket.id).status == "reported"
    page = _post_step(centre, ticket, "reject", note="重复上报").get_data(as_text=True)
    assert Ticket.get_by_id(ticket.id).status == "rejected"


def test_overdue_filter_menu_and_red_mark(app, loop):
    now = utcnow()
    late = _state(loop["ticket"], "in_progress", department=loop["dept"].id,
                  dispatched_at=now - timedelta(days=3), due_at=now - timedelta(hours=1))
    fine = Ticket.create(number="20260105-0998", title="按期事件", category=late.category_id,
                         source=late.source_id, grid=late.grid_id, status="dispatched",
                         dispatched_at=now, due_at=now + timedelta(days=2))
    client = client_for(app, loop["users"]["centre"])
    client.set_cookie("locale", "en")
    home = client.get("/admin/").get_data(as_text=True)
    url = re.search(r'href="(/admin/ticket/\?flt0_\d+=1)"', home)
    assert url, "no overdue menu entry"
    listing = client.get(url.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert late.number in listing and fine.number not in listing
    assert "text-danger" in listing and "Overdue" in listing
    page = _details(client, late)
    assert "deadline-red" in page
    assert "deadline-green" in _details(client, fine)
    # A volunteer's tickets are their own reports: no overdue list to chase (their to-do links stay).
    assert not re.search(r'href="/admin/ticket/\?flt0_\d+=1"', client_for(app, loop["users"]["volunteer"]).get(
        "/admin/").get_data(as_text=True))


def test_reporting_through_the_form_writes_the_first_event(app, loop):
    client = client_for(app, loop["users"]["worker"])
    page = client.get("/admin/ticket/new/").get_data(as_text=True)
    assert 'name="status"' not in page and 'name="due_at"' not in page
    ticket = loop["ticket"]
    response = client.post("/admin/ticket/new/", data={
        "csrf_token": csrf_token(page), "title": "路灯不亮", "category": str(ticket.category_id),
        "source": str(ticket.source_id), "grid": str(ticket.grid_id), "priority": "normal"})
    assert response.status_code == 302
    new = Ticket.get(Ticket.title == "路灯不亮")
    assert new.reporter_id == loop["worker"].id and new.status == "reported"
    assert [e.action for e in workflow.timeline(new)] == ["report"]
    from gridadmin.models import AuditLog

    logged = AuditLog.select().where((AuditLog.model == "Ticket") & (AuditLog.record_id == new.id))
    assert [entry.action for entry in logged] == ["create"]  # once, not by the form and the service both


def test_closed_tickets_are_no_longer_edited_by_form(app, loop):
    ticket = _state(loop["ticket"], "closed")
    client = client_for(app, loop["users"]["centre"])
    assert client.get(f"/admin/ticket/edit/?id={ticket.id}").status_code == 403
    ticket = _state(ticket, "accepted")
    assert client.get(f"/admin/ticket/edit/?id={ticket.id}").status_code == 200
    # A grid worker edits their own report only until it is accepted.
    assert client_for(app, loop["users"]["worker"]).get(f"/admin/ticket/edit/?id={ticket.id}").status_code == 403


def _jpeg(size=(2000, 1000)):
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def test_photos_on_report_and_on_handling(app, loop):
    from io import BytesIO

    from gridadmin.models import TicketPhoto

    worker = client_for(app, loop["users"]["worker"])
    worker.set_cookie("locale", "en")
    ticket = loop["ticket"]
    base = {"csrf_token": token_for(worker), "title": "垃圾满溢", "category": str(ticket.category_id),
            "source": str(ticket.source_id), "grid": str(ticket.grid_id), "priority": "normal"}
    # A file that is not a picture: a clear message, and no ticket.
    page = worker.post("/admin/ticket/new/", data={**base, "photos": (BytesIO(b"not an image"), "note.txt")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "“note.txt” is not a photo that can be read" in page
    assert not Ticket.select().where(Ticket.title == "垃圾满溢").exists()
    # A hand-made request with the photo as text: a message too, never a 500.
    response = worker.post("/admin/ticket/new/", data={**base, "photos": "x.jpg"})
    assert response.status_code == 200 and "did not arrive as files" in response.get_data(as_text=True)
    response = worker.post("/admin/ticket/new/", data={**base, "photos": (BytesIO(_jpeg()), "scene.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    new = Ticket.get(Ticket.title == "垃圾满溢")
    (photo,) = TicketPhoto.select().where(TicketPhoto.ticket == new.id)
    assert (photo.stage, photo.width, photo.height) == ("report", 1600, 800)
    # Handling with a photo, by the department it was dispatched to.
    handled = _state(new, "in_progress", department=loop["dept"].id)
    dept = client_for(app, loop["users"]["department"])
    response = _post_step(dept, handled, "handle", note="已清运",
                          photos=(BytesIO(_jpeg((800, 600))), "after.jpg"))
    assert Ticket.get_by_id(new.id).status == "handled"
    assert [p.stage for p in TicketPhoto.select().where(TicketPhoto.ticket == new.id).order_by(TicketPhoto.id)] == [
        "report", "handling"]
    details = _details(dept, Ticket.get_by_id(new.id))
    assert details.count("/admin/ticketphoto/") >= 4  # two thumbnails, each linking its image


GARBAGE = ["", "abc", "-1", "99999999999999999999999", "2026-02-30 10:00", "\u00a0", "x" * 3000, "../../etc"]


@pytest.mark.parametrize("action", list(EXPECTED_ROLES))
def test_garbage_in_any_step_field_is_a_message_never_a_500(app, loop, action):
    ticket = _prepare(loop, action, FROM[action][0])
    client = client_for(app, loop["users"]["admin"])
    token = token_for(client)
    for value in GARBAGE:
        form = {"action": action, f"{action}-csrf_token": token, f"{action}-version": str(ticket.version)}
        for name in ("note", "department", "assignee", "due_at", "satisfaction", "target", "photos"):
            form[f"{action}-{name}"] = value
        response = client.post(f"/admin/ticket/step/?id={ticket.id}", data=form)
        assert response.status_code in (302, 400), (value, response.status_code)
        ticket = Ticket.get_by_id(ticket.id)
