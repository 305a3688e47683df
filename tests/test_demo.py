"""The demo seeder: consistent trees, codes, times and statuses."""

from collections import Counter
from datetime import date

import pytest
from peewee import fn

from gridadmin.models import (
    Category,
    Grid,
    Meeting,
    MeetingItem,
    PartyMember,
    PartyOrg,
    ServiceRecord,
    Ticket,
    User,
    Volunteer,
    VolunteerTeam,
    Worker,
    db,
)
from gridadmin.models.meeting import MEETING_ITEM_STATUSES
from gridadmin.models.ticket import TICKET_STATUSES
from gridadmin.services import clock, demo
from gridadmin.services.errors import RuleError
from gridadmin.services.validators import is_grid_code, is_mobile

TZ = "Asia/Shanghai"


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

    assert {c.name for c in Category.select()} >= {"环境卫生", "市政设施", "治安隐患", "消防安全", "矛盾纠纷"}


def test_tickets_are_consistent(app):
    seed_cli(app, "--tickets", "300", "--grids", "16")
    db.connect(reuse_if_open=True)
    tickets = list(Ticket.select().order_by(Ticket.created_at, Ticket.id))
    assert len(tickets) == 300
    assert {t.status for t in tickets} == {value for value, _label in TICKET_STATUSES}
    numbers = [t.number for t in tickets]
    assert len(set(numbers)) == len(numbers)
    limits = {c.id: c.time_limit_hours for c in Category.select()}
    last_by_day = {}
    today = clock.local_today(TZ)
    for t in tickets:
        local_day = clock.to_local(t.created_at, TZ).date()
        assert (today - local_day).days <= 2 * 365 + 1 and local_day < today
        prefix, seq = t.number.split("-")
        assert prefix == local_day.strftime("%Y%m%d") and len(seq) == 4
        assert int(seq) > last_by_day.get(prefix, 0)  # increasing with the created time
        last_by_day[prefix] = int(seq)
        assert (t.due_at - t.created_at).total_seconds() == limits[t.category_id] * 3600
        if t.status in ("closed", "rated"):
            assert t.closed_at is not None and t.closed_at >= t.created_at
        else:
            assert t.closed_at is None
        assert (t.satisfaction is not None) == (t.status == "rated")
        if t.status == "rejected":
            assert t.department_id is None and t.resolution
    # Spread over the two years, and about one in twenty about a leak.
    days = {t.created_at.date() for t in tickets}
    assert min(days) < date.fromordinal(today.toordinal() - 600)
    leaks = sum("漏水" in t.title for t in tickets)
    assert 3 <= leaks <= 35
    # Every ticket sits on a grid or micro-grid.
    on = set(Grid.select(Grid.level).join(Ticket, on=(Ticket.grid == Grid.id)).distinct().tuples())
    assert {level for (level,) in on} <= {"grid", "micro"}


def test_refuses_a_non_empty_database(app):
    seed_cli(app, "--tickets", "20", "--grids", "8")
    result = app.test_cli_runner().invoke(args=["seed-demo", "--tickets", "20", "--grids", "8"])
    assert result.exit_code != 0
    assert "already holds" in result.output
    db.connect(reuse_if_open=True)
    assert Ticket.select().count() == 20


def test_same_seed_same_data(database):
    today = date(2026, 11, 21)
    first = demo.seed(tickets=50, grids=8, seed=11, today=today)
    rows = list(Ticket.select(Ticket.number, Ticket.title, Ticket.status).order_by(Ticket.id).tuples())
    grids = list(Grid.select(Grid.code, Grid.name).order_by(Grid.id).tuples())
    assert first["tickets"] == 50 and first["grids"] == 8
    with pytest.raises(RuleError):
        demo.seed(tickets=50, grids=8, seed=11, today=today)
    User.delete().where(User.username.startswith("demo_")).execute()
    for model in (Ticket, MeetingItem, Meeting, ServiceRecord, Volunteer, VolunteerTeam, PartyMember):
        model.delete().execute()
    PartyOrg.update(parent=None).execute()
    PartyOrg.delete().execute()
    Grid.update(leader=None, parent=None).execute()
    Worker.delete().execute()
    Grid.delete().execute()
    demo.seed(tickets=50, grids=8, seed=11, today=today)
    again = list(Ticket.select(Ticket.number, Ticket.title, Ticket.status).order_by(Ticket.id).tuples())
    assert again == rows
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
    total = seen["admin"]
    assert total == 300
    # Narrower bindings see fewer tickets, and every role that reads tickets sees some.
    assert seen["viewer"] >= seen["centre"] >= seen["secretary"] >= seen["worker"] > 0
    assert 0 < seen["department"] < total
    assert seen["volunteer"] == 0
