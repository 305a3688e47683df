"""The demo seeder: consistent trees, codes, times and statuses; tickets
whose event histories, due times and points ledger agree with the workflow,
deadline and points services; meeting items through the meeting loop."""

import json
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

import pytest
from peewee import fn

from gridadmin.models import (
    CalendarDay,
    Category,
    Grid,
    Meeting,
    MeetingItem,
    PartyMember,
    PartyOrg,
    PointEntry,
    ServiceRecord,
    Source,
    Ticket,
    TicketEvent,
    User,
    Volunteer,
    VolunteerTeam,
    Worker,
    db,
    utcnow,
)
from gridadmin.models.meeting import MEETING_ITEM_STATUSES
from gridadmin.models.ticket import TICKET_STATUSES
from gridadmin.services import clock, deadlines, demo, points, workflow
from gridadmin.services.errors import RuleError
from gridadmin.services.validators import is_grid_code, is_mobile

TZ = "Asia/Shanghai"
TODAY = date(2026, 11, 21)
STATUSES = {value for value, _label in TICKET_STATUSES}


def seed_cli(app, *args):
    result = app.test_cli_runner().invoke(args=["seed-demo", *args])
    assert result.exit_code == 0, result.output
    return result.output


def check_tree(model):
    by_id = {node.id: node for node in model.select()}
    for node in by_id.values():
        if node.parent_id is None:
            assert node.path == f"/{node.id}/" and node.depth == 0
        else:
            parent = by_id[node.parent_id]
            assert node.path == f"{parent.path}{node.id}/", node.name
            assert node.depth == parent.depth + 1
    return by_id


def test_seed_demo_through_the_cli(app):
    output = seed_cli(app, "--tickets", "300", "--grids", "24", "--seed", "7")
    assert "tickets: 300" in output
    db.connect(reuse_if_open=True)

    # The grid tree: codes fit the level, extend the parent's, paths follow parents.
    grids = check_tree(Grid)
    levels = Counter(g.level for g in grids.values())
    assert levels["district"] == 1 and levels["street"] >= 2 and levels["grid"] == 24 and levels["micro"] >= 24
    parent_level = {"street": "district", "community": "street", "grid": "community", "micro": "grid"}
    for grid in grids.values():
        assert is_grid_code(grid.code, grid.level), grid.code
        if grid.parent_id:
            parent = grids[grid.parent_id]
            assert parent.level == parent_level[grid.level]
            assert grid.code.startswith(parent.code) and grid.code != parent.code
    suffix = {"grid": 3, "micro": 2}
    for grid in grids.values():
        if grid.level in suffix:
            assert len(grid.code) == len(grids[grid.parent_id].code) + suffix[grid.level]
    # Grids and micro-grids are led by one of their own workers.
    for grid in grids.values():
        if grid.level in ("grid", "micro"):
            assert grid.leader_id is not None
            assert Worker.get_by_id(grid.leader_id).grid_id == grid.id

    workers = list(Worker.select())
    assert {w.post for w in workers} == {"leader", "full", "part", "micro", "building"}
    assert all(is_mobile(w.mobile) and w.gender in ("M", "F") for w in workers)
    # Rows added later get fresh ids (on PostgreSQL the sequences moved past the seeded ids).
    extra = Worker.create(name="新网格员", gender="F", mobile="13900000000", grid=min(grids))
    assert extra.id > max(w.id for w in workers)
    ticket = Ticket.select().order_by(Ticket.id.desc()).first()
    for model, fields in ((TicketEvent, {"ticket": ticket, "action": "report", "to_status": "reported"}),
                          (PointEntry, {"worker": extra, "points": 1, "reason": "report", "ticket": ticket}),
                          (CalendarDay, {"day": date(2030, 1, 1), "name": "元旦"})):
        top = model.select(fn.MAX(model.id)).scalar()
        assert model.create(**fields).id > top, model.__name__

    # Party organisations: a tree of the four kinds, each below the right kind.
    orgs = check_tree(PartyOrg)
    kind_parent = {"branch": "general_branch", "group": "branch", "household": "group"}
    assert {o.kind for o in orgs.values()} == {"general_branch", "branch", "group", "household"}
    for org in orgs.values():
        if org.parent_id:
            assert orgs[org.parent_id].kind == kind_parent[org.kind]
        else:
            assert org.kind == "general_branch"
    members = list(PartyMember.select())
    assert any(m.in_service for m in members)
    assert all(m.employer for m in members if m.in_service)

    assert VolunteerTeam.select().count() > 0 and Volunteer.select().count() > 0
    records = list(ServiceRecord.select())
    assert records and all(r.hours > 0 for r in records)
    assert all(r.team_id == r.volunteer.team_id for r in records[:50])

    assert Meeting.select().count() > 0
    assert {i.status for i in MeetingItem.select()} == {value for value, _label in MEETING_ITEM_STATUSES}
    assert {(i.status, i.action_mode) for i in MeetingItem.select()} >= {
        ("in_action", "community"), ("in_action", "ticket"), ("evaluated", "community"), ("evaluated", "ticket")}
    assert "ticket events: " in output and "point entries: " in output and "calendar days: " in output

    assert {c.name for c in Category.select()} >= {"环境卫生", "市政设施", "治安隐患", "消防安全", "矛盾纠纷"}


def test_tickets_are_consistent(app):
    seed_cli(app, "--tickets", "300", "--grids", "16")
    db.connect(reuse_if_open=True)
    tickets = list(Ticket.select().order_by(Ticket.created_at, Ticket.id))
    assert len(tickets) == 300
    assert {t.status for t in tickets} == STATUSES
    numbers = [t.number for t in tickets]
    assert len(set(numbers)) == len(numbers)
    limited = {c.id for c in Category.select() if c.time_limit_days or c.time_limit_hours}
    on_spot = set(TicketEvent.select(TicketEvent.ticket).where(TicketEvent.action == "close_on_spot").tuples())
    on_spot = {ticket_id for (ticket_id,) in on_spot}
    last_by_day = {}
    today = clock.local_today(TZ)
    end = clock.to_utc(datetime.combine(today, datetime.min.time()), TZ)
    for t in tickets:
        local_day = clock.to_local(t.created_at, TZ).date()
        assert (today - local_day).days <= 2 * 365 + 1 and local_day < today
        prefix, seq = t.number.split("-")
        assert prefix == local_day.strftime("%Y%m%d") and len(seq) == 4
        assert int(seq) > last_by_day.get(prefix, 0)  # increasing with the created time
        last_by_day[prefix] = int(seq)
        # Fields fit the status.
        dispatched = t.status in ("dispatched", "in_progress", "handled", "closed", "rated") and t.id not in on_spot
        assert (t.dispatched_at is not None) == dispatched, t.number
        assert (t.due_at is not None) == (dispatched and t.category_id in limited), t.number
        if dispatched:
            assert t.created_at < t.dispatched_at < end
            assert (t.department_id is None) != (t.assignee_id is None), t.number  # exactly one handler
        else:
            assert t.department_id is None and t.assignee_id is None
        assert (t.handled_at is not None) == (t.status in ("handled", "closed", "rated")), t.number
        assert (t.closed_at is not None) == (t.status in ("closed", "rated", "merged")), t.number
        if t.closed_at:
            assert t.created_at < t.closed_at < end
            assert t.handled_at is None or t.handled_at <= t.closed_at
        if t.status in ("handled", "closed", "rated"):
            assert t.resolution
        assert (t.satisfaction is not None) == (t.status == "rated") == (t.rating_note is not None)
        assert (t.duplicate_of_id is not None) == (t.status == "merged")
        assert t.extension_due_at is None or t.status in ("dispatched", "in_progress")
        if t.status == "rejected":
            assert t.department_id is None
    # Spread over the two years, and about one in twenty about a leak.
    days = {t.created_at.date() for t in tickets}
    assert min(days) < date.fromordinal(today.toordinal() - 600)
    leaks = sum("漏水" in t.title for t in tickets)
    assert 3 <= leaks <= 35
    # Every ticket sits on a grid or micro-grid.
    on = set(Grid.select(Grid.level).join(Ticket, on=(Ticket.grid == Grid.id)).distinct().tuples())
    assert {level for (level,) in on} <= {"grid", "micro"}
    # The side paths are all there: overdue open tickets, late handling, pending
    # extensions, returns, reopening, closing on the spot.
    now = utcnow()
    assert any(t.status in ("dispatched", "in_progress") and t.due_at and t.due_at < now for t in tickets)
    assert any(t.status in ("closed", "rated") and t.due_at and t.handled_at > t.due_at for t in tickets)
    assert any(t.extension_due_at for t in tickets)
    actions = {action for (action,) in TicketEvent.select(TicketEvent.action).distinct().tuples()}
    assert actions == set(workflow.ACTIONS) | {"report"}


@pytest.fixture
def seeded(database):
    """A small demo on a fixed day, with every ticket's events in order."""
    demo.seed(tickets=400, grids=16, seed=7, today=TODAY)
    tickets = {t.id: t for t in Ticket.select()}
    events = defaultdict(list)
    for event in TicketEvent.select().order_by(TicketEvent.ticket, TicketEvent.at, TicketEvent.id):
        events[event.ticket_id].append(event)
    return tickets, events


def local(*args):
    return clock.to_utc(datetime(*args), TZ)


def stamp(text):
    return datetime.fromisoformat(text) if text else None


def last_after(events, actions, resets):
    """The last of ``actions`` not followed by one of ``resets``."""
    found = None
    for event in events:
        if event.action in actions:
            found = event
        elif event.action in resets:
            found = None
    return found


def test_every_ticket_has_a_history_the_workflow_could_have_written(seeded):
    tickets, events = seeded
    assert set(events) == set(tickets)
    assert all(e.user_id is None and e.username for history in events.values() for e in history)
    for ticket_id, ticket in tickets.items():
        history = events[ticket_id]
        first = history[0]
        assert (first.action, first.from_status, first.to_status, first.at) == (
            "report", None, "reported", ticket.created_at), ticket.number
        assert ticket.version == len(history) - 1, ticket.number
        for before, event in zip(history, history[1:], strict=False):
            step = workflow.STEPS[event.action]
            assert event.from_status == before.to_status, (ticket.number, event.action)
            assert event.from_status in step.sources, (ticket.number, event.action)
            assert event.to_status == (step.target or event.from_status), (ticket.number, event.action)
            assert event.at > before.at, (ticket.number, event.action)
            if step.note_required:
                assert event.note, (ticket.number, event.action)
        assert history[-1].to_status == ticket.status, ticket.number
        # The ticket's times are its steps' times.
        dispatch = last_after(history, ("dispatch",), ("reopen",))
        assert ticket.dispatched_at == (dispatch and dispatch.at), ticket.number
        handled = last_after(history, ("handle", "close_on_spot"), ("return", "reopen", "dispatch"))
        assert ticket.handled_at == (handled and handled.at), ticket.number
        closed = last_after(history, ("verify", "close_on_spot", "merge"), ("reopen",))
        assert ticket.closed_at == (closed and closed.at), ticket.number
        asked = last_after(history, ("request_extension",),
                           ("approve_extension", "deny_extension", "handle", "dispatch"))
        assert ticket.extension_due_at == (asked and stamp(json.loads(asked.data)["due_at"])), ticket.number
        if handled:
            assert ticket.resolution == handled.note
        rated = last_after(history, ("rate",), ("reopen",))
        if rated:
            assert (ticket.satisfaction, ticket.rating_note) == (json.loads(rated.data)["satisfaction"], rated.note)
        if dispatch:
            data = json.loads(dispatch.data)
            if ticket.department_id:
                assert data["department"] == ticket.department.name
            else:
                assert data["assignee"] == ticket.assignee.name
        if ticket.status == "closed" and history[-1].action == "close_on_spot":
            assert history[-1].username == ticket.reporter.name
            assert ticket.category.self_closable


def test_due_times_are_the_categories_limits_in_working_time(seeded):
    tickets, events = seeded
    categories = {c.id: c for c in Category.select()}
    checked = 0
    for ticket_id, history in sorted(events.items())[::3]:
        ticket = tickets[ticket_id]
        category = categories[ticket.category_id]
        for event in history:
            if event.action == "dispatch":
                data = json.loads(event.data)
                assert stamp(data.get("due_at")) == deadlines.due_time(category, event.at, TZ), ticket.number
        approved = last_after(history, ("approve_extension",), ("dispatch", "reopen"))
        if approved:
            assert ticket.due_at == stamp(json.loads(approved.data)["due_at"])
        elif ticket.dispatched_at:
            assert ticket.due_at == deadlines.due_time(category, ticket.dispatched_at, TZ), ticket.number
            checked += 1
    assert checked > 50
    # Working days and hours skip the National Day holiday; round the clock does not.
    kinds = {(bool(c.time_limit_days), c.round_the_clock) for c in categories.values()}
    assert kinds >= {(True, False), (False, False), (False, True)}


def expected_ledger(tickets, events):
    """The point entries the rules give, replayed from the events alone."""
    categories = {c.id: c for c in Category.select()}
    grids = {g.id: g for g in Grid.select(Grid.id, Grid.level, Grid.parent)}
    by_grid_and_name = defaultdict(list)
    for worker in Worker.select(Worker.id, Worker.name, Worker.grid):
        by_grid_and_name[worker.grid_id, worker.name].append(worker.id)
    entries = []
    for ticket_id, history in events.items():
        ticket = tickets[ticket_id]
        rules = categories[ticket.category_id]
        basic = ticket.grid_id if grids[ticket.grid_id].level == "grid" else grids[ticket.grid_id].parent_id
        handled = due = None
        nets = Counter()

        def book(worker, amount, reason, at, note=None, ticket_id=ticket_id, nets=nets):
            if worker is not None and amount:
                entries.append((worker, amount, reason, ticket_id, at, note))
                nets[worker] += amount

        for event in history:
            data = json.loads(event.data) if event.data else {}
            if event.action == "dispatch":
                handled, due = None, stamp(data.get("due_at"))
            elif event.action == "approve_extension":
                due = stamp(data["due_at"])
            elif event.action == "handle":
                handled = event.at
            elif event.action == "return":
                handled = None
            elif event.action == "close_on_spot":
                book(ticket.reporter_id, rules.points_on_spot, "on_spot", event.at)
            elif event.action == "verify":
                # A worker of the ticket's grid verified it, if the name is one of theirs.
                verifiers = by_grid_and_name.get((basic, event.username), [])
                assert len(verifiers) <= 1 and ticket.assignee_id not in verifiers
                book(ticket.reporter_id, rules.points, "report", event.at)
                book(verifiers[0] if verifiers else None, rules.points_verify, "verify", event.at)
                if handled and due and handled > due:
                    book(ticket.assignee_id, -rules.points_overdue, "overdue", event.at)
            elif event.action == "reopen":
                for worker, net in sorted(nets.items()):
                    book(worker, -net, "reversal", event.at, event.note)
                handled = due = None
    return entries


def test_points_ledger_follows_the_rules_replayed_from_the_events(seeded):
    tickets, events = seeded
    expected = expected_ledger(tickets, events)
    booked = [(e.worker_id, e.points, e.reason, e.ticket_id, e.at, e.note) for e in PointEntry.select()]
    assert Counter(booked) == Counter(expected)
    assert {reason for _w, _p, reason, *_rest in booked} == {"report", "on_spot", "verify", "overdue", "reversal"}
    # Balances are sums of entries; a sample of workers' balances are what the rules give.
    totals = Counter()
    for worker, amount, *_rest in expected:
        totals[worker] += amount
    sample = sorted(totals)[::4]
    assert points.balances(sample) == {worker: totals[worker] for worker in sample}
    # Each entry is booked at its close (or reopening).
    at = {(e.ticket_id, e.at) for history in events.values() for e in history
          if e.action in ("verify", "close_on_spot", "reopen")}
    assert all((ticket_id, when) in at for _w, _p, _r, ticket_id, when, _n in booked)


def test_points_service_books_what_the_seeder_booked(seeded):
    """The same tickets, closed again through ``services.points`` (rolled back)."""
    tickets, events = seeded
    compared = 0
    for ticket_id, history in sorted(events.items()):
        actions = [e.action for e in history]
        if "reopen" in actions or not ({"verify", "close_on_spot"} & set(actions)):
            continue
        ticket = tickets[ticket_id]
        close = next(e for e in history if e.action in ("verify", "close_on_spot"))
        seeded_entries = sorted((e.worker_id, e.points, e.reason) for e in
                                PointEntry.select().where(PointEntry.ticket == ticket_id))
        verifier = next((e.worker_id for e in PointEntry.select().where(
            (PointEntry.ticket == ticket_id) & (PointEntry.reason == "verify"))), None)
        with db.atomic() as transaction:
            PointEntry.delete().where(PointEntry.ticket == ticket_id).execute()
            if close.action == "verify":
                written = points.book_close(ticket, verifier, close.at)
            else:
                written = points.book_on_spot(ticket, close.at)
            transaction.rollback()
        assert sorted((e.worker_id, e.points, e.reason) for e in written) == seeded_entries, ticket.number
        compared += 1
    assert compared > 100


def test_merged_tickets_point_at_an_older_ticket_of_the_same_grid(seeded):
    tickets, events = seeded
    merged = [t for t in tickets.values() if t.status == "merged"]
    assert merged
    for ticket in merged:
        target = tickets[ticket.duplicate_of_id]
        assert target.created_at < ticket.created_at and target.grid_id == ticket.grid_id
        assert target.status not in ("merged", "rejected") and target.title == ticket.title
        merge = events[ticket.id][-1]
        assert merge.action == "merge" and json.loads(merge.data) == {"target": target.number}
    assert not any(t.duplicate_of_id for t in tickets.values() if t.status != "merged")


def test_meeting_items_run_the_meeting_loop(seeded):
    tickets, _events = seeded
    meeting_source = Source.get(Source.name == "议事会转办").id
    items = list(MeetingItem.select())
    assert {(i.status, i.action_mode) for i in items} == {
        ("raised", None), ("discussed", None), ("in_action", "community"), ("in_action", "ticket"),
        ("evaluated", "community"), ("evaluated", "ticket")}
    meetings = {m.id: m for m in Meeting.select()}
    for item in items:
        meeting = meetings[item.meeting_id]
        assert (item.resolution is not None) == (item.status != "raised")
        assert (item.action_mode is not None) == (item.status in ("in_action", "evaluated"))
        evaluated = item.status == "evaluated"
        assert (item.satisfaction is not None) == (item.evaluation is not None) == (
            item.evaluated_at is not None) == evaluated
        if item.action_mode == "community":
            assert item.measures and item.responsible and item.deadline and item.ticket_id is None
            if evaluated:
                assert meeting.held_at < item.done_at < item.evaluated_at
        else:
            assert item.done_at is None and item.measures is None
        if item.action_mode == "ticket":
            ticket = tickets[item.ticket_id]
            assert ticket.source_id == meeting_source and ticket.title == item.topic[:128]
            assert ticket.grid_id == meeting.grid_id and ticket.created_at > meeting.held_at
            assert ticket.status not in ("rejected", "merged")
            if evaluated:
                assert ticket.status in ("closed", "rated") and ticket.closed_at < item.evaluated_at
        else:
            assert item.ticket_id is None
    # Tickets from meetings are exactly those of the items turned into tickets.
    linked = {i.ticket_id for i in items if i.ticket_id}
    assert linked == {t.id for t in tickets.values() if t.source_id == meeting_source}


def test_calendar_holds_the_holidays_and_keeps_days_already_entered(database):
    CalendarDay.create(day=date(2026, 10, 8), workday=False, name="本地调整")  # an administrator's day
    category = Category.create(code="ENV", name="环境卫生", time_limit_hours=5, round_the_clock=True, points=7)
    demo.seed(tickets=200, grids=8, seed=3, today=TODAY)
    days = {d.day: d for d in CalendarDay.select()}
    assert len(days) == CalendarDay.select().count()
    assert days[date(2026, 10, 8)].name == "本地调整"
    assert not days[date(2025, 10, 1)].workday and not days[date(2026, 2, 17)].workday
    assert days[date(2025, 9, 28)].workday and days[date(2026, 2, 28)].workday  # 调休 make-up days
    assert min(days).year == 2024  # the tickets start in November 2024
    # The administrator's category keeps its rules, and its tickets follow them.
    category = Category.get_by_id(category.id)
    assert (category.time_limit_hours, category.round_the_clock, category.points) == (5, True, 7)
    mine = Ticket.select().where((Ticket.category == category.id) & Ticket.dispatched_at.is_null(False))
    assert mine.count() > 0
    assert all(t.due_at == t.dispatched_at + timedelta(hours=5) for t in mine
               if not TicketEvent.select().where((TicketEvent.ticket == t.id)
                                                 & (TicketEvent.action == "approve_extension")).exists())
    # A working-hours limit started just before National Day runs on after it
    # (and after the day the administrator added).
    before_holiday = deadlines.due_time(Category(time_limit_hours=24), local(2026, 9, 30, 20), TZ)
    assert before_holiday == local(2026, 10, 9, 20)


def test_refuses_a_non_empty_database(app):
    seed_cli(app, "--tickets", "20", "--grids", "8")
    result = app.test_cli_runner().invoke(args=["seed-demo", "--tickets", "20", "--grids", "8"])
    assert result.exit_code != 0
    assert "already holds" in result.output
    db.connect(reuse_if_open=True)
    assert Ticket.select().count() == 20


def test_same_seed_same_data(database):
    today = TODAY
    first = demo.seed(tickets=50, grids=8, seed=11, today=today)
    rows = list(Ticket.select(Ticket.number, Ticket.title, Ticket.status).order_by(Ticket.id).tuples())
    history = list(TicketEvent.select(TicketEvent.action, TicketEvent.at, TicketEvent.username)
                   .order_by(TicketEvent.id).tuples())
    ledger = list(PointEntry.select(PointEntry.points, PointEntry.reason, PointEntry.at)
                  .order_by(PointEntry.id).tuples())
    grids = list(Grid.select(Grid.code, Grid.name).order_by(Grid.id).tuples())
    assert first["tickets"] == 50 and first["grids"] == 8
    assert first["ticket events"] == len(history) and first["point entries"] == len(ledger)
    with pytest.raises(RuleError):
        demo.seed(tickets=50, grids=8, seed=11, today=today)
    User.delete().where(User.username.startswith("demo_")).execute()
    Ticket.update(duplicate_of=None).execute()
    for model in (TicketEvent, PointEntry, MeetingItem, Ticket, Meeting, ServiceRecord, Volunteer, VolunteerTeam,
                  PartyMember):
        model.delete().execute()
    PartyOrg.update(parent=None).execute()
    PartyOrg.delete().execute()
    Grid.update(leader=None, parent=None).execute()
    Worker.delete().execute()
    Grid.delete().execute()
    calendar = CalendarDay.select().count()
    demo.seed(tickets=50, grids=8, seed=11, today=today)
    assert CalendarDay.select().count() == calendar  # kept, not added twice
    again = list(Ticket.select(Ticket.number, Ticket.title, Ticket.status).order_by(Ticket.id).tuples())
    assert again == rows
    assert list(TicketEvent.select(TicketEvent.action, TicketEvent.at, TicketEvent.username)
                .order_by(TicketEvent.id).tuples()) == history
    assert list(PointEntry.select(PointEntry.points, PointEntry.reason, PointEntry.at)
                .order_by(PointEntry.id).tuples()) == ledger
    assert list(Grid.select(Grid.code, Grid.name).order_by(Grid.id).tuples()) == grids
    assert "20241121-" < Ticket.select(fn.MAX(Ticket.number)).scalar() < "20261121-"  # before today


def test_list_page_markup_with_row_actions_rendered_once(app, monkeypatch):
    """The list's view / edit / delete buttons, rendered once per page with
    each row's id swapped in, are exactly Flask-Admin's per-row markup."""
    import re

    from flask_admin.contrib.peewee import ModelView

    from gridadmin.web.base import BaseModelView
    from tests.conftest import login

    seed_cli(app, "--tickets", "40", "--grids", "8")
    client = app.test_client()
    assert login(client).status_code == 302

    def page(url):
        html = client.get(url).get_data(as_text=True)
        html = re.sub(r"[\w-]{20,}\.[\w-]{6}\.[\w-]{20,}", "TOKEN", html)  # signed CSRF tokens
        return re.sub(r"\s+", " ", html)

    for url in ("/admin/ticket/", "/admin/grid/", "/admin/worker/?page=1"):
        fast = page(url)
        assert fast.count('class="list-buttons-column"') >= 8, url
        with monkeypatch.context() as patch:
            patch.setattr(BaseModelView, "get_list_row_actions", ModelView.get_list_row_actions)
            assert page(url) == fast, url


def test_demo_has_one_user_per_role_each_seeing_its_own_slice(app):
    from gridadmin.services import scope, users

    with app.app_context():
        demo.seed(tickets=300, grids=16, seed=5)
        seen = {}
        for role in users.ROLE_NAMES:
            user = users.authenticate(f"demo_{role}", demo.DEMO_PASSWORD)
            assert user is not None and user.role == role
            seen[role] = scope.visible(Ticket, user).count()
            if role == "volunteer":  # 随手拍: the volunteer reports in their grid (or picks their team's)
                from gridadmin.services import grids

                assert user.volunteer_id and grids.report_choices(user)
    total = seen["admin"]
    assert total == 300
    # Narrower bindings see fewer tickets, and every role that reads tickets sees some.
    assert seen["viewer"] >= seen["centre"] >= seen["secretary"] >= seen["worker"] > 0
    assert 0 < seen["department"] < total
    assert seen["volunteer"] == 0  # the demo's tickets are grid workers' reports, none a volunteer's
