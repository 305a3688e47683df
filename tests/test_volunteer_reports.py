"""Volunteers report too (随手拍, issue 11): the volunteer's grid filled in,
their team's grids to pick from, their own reports and nothing else, no
workflow steps, and nothing forged by posting other ids."""

import re
from datetime import datetime, timedelta

import pytest

from gridadmin.models import Category, Grid, Source, Ticket, TicketEvent, User, Volunteer, utcnow
from gridadmin.services import grids, permissions, scope, todo, workflow
from gridadmin.services.errors import RuleError
from tests.conftest import client_for, csrf_token
from tests.test_permissions import build_world, volunteer_report


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world()


def _form(client):
    html = client.get("/admin/ticket/new/").get_data(as_text=True)
    return html, csrf_token(html)


def _data(token, grid, **extra):
    return {"csrf_token": token, "title": "楼道堆物", "category": str(Category.get().id),
            "source": str(Source.get().id), "grid": str(grid.id), "place": "幸福路3号", "priority": "normal", **extra}


# --- services ------------------------------------------------------------------

def test_a_volunteer_reports_in_their_own_grid_else_their_teams(app, world):
    user = world["users"]["volunteer"]
    grid_in, grid_out = world["records"]["grid"]
    assert grids.report_node(user).id == grid_in.id
    assert grids.report_choices(user) == [(grid_in.id, f"{grid_in.name}（{grid_in.code}）")]
    # Without a grid of their own: the team's; a team bound to a community offers its grids.
    community = Grid.get_by_id(grid_in.parent_id)
    second = grids.save_grid(Grid(code="320106001001002", name="甲内二网格", level="grid", parent=community))
    team = user.team
    team.grid = community.id
    team.save()
    Volunteer.update(grid=None).where(Volunteer.id == user.volunteer_id).execute()
    assert grids.report_node(user).id == community.id
    choices = grids.report_choices(user)
    assert [c[0] for c in choices] == [grid_in.id, second.id]
    assert grids.report_default(user, choices) is None  # picks, without typing
    assert grids.in_report_area(user, second.id) and not grids.in_report_area(user, grid_out.id)
    ticket = Ticket(grid=grid_out.id)
    with pytest.raises(RuleError):
        grids.check_report_grid(ticket, user)
    # A volunteer account naming no volunteer reports nowhere.
    bare = User.create(username="u_bare", password_hash="x", role="volunteer", team=team.id)
    assert grids.report_node(bare) is None and grids.report_choices(bare) is None


def test_a_volunteer_sees_only_their_own_reports_and_takes_no_steps(app, world):
    user = world["users"]["volunteer"]
    t_worker = world["records"]["ticket"][0]
    mine = volunteer_report(world)
    assert list(scope.visible(Ticket, user)) == [mine]
    assert not scope.can_see(user, t_worker)
    assert workflow.available(mine, user) == []
    for action in ("accept", "dispatch", "verify"):
        with pytest.raises(RuleError):
            workflow.transition(mine, action, user)
    assert permissions.allowed_on(user, "ticket", permissions.EDIT, mine)
    assert not permissions.allowed_on(user, "ticket", permissions.EDIT, t_worker)
    assert permissions.VIEW in permissions.actions("volunteer", "ticket")
    assert permissions.DELETE not in permissions.actions("volunteer", "ticket")


def test_a_volunteers_rejected_report_is_on_their_to_do_home(app, world):
    user = world["users"]["volunteer"]
    mine = volunteer_report(world)
    now = utcnow()
    TicketEvent.create(ticket=mine, action="reject", user=world["users"]["secretary"], username="u_secretary",
                       from_status="reported", to_status="rejected", at=now - timedelta(days=1))
    clause = todo.clause("returned", user, now, "Asia/Shanghai")
    assert [t.id for t in Ticket.select().where(clause)] == [mine.id]
    old = volunteer_report(world, "旧报事")
    TicketEvent.create(ticket=old, action="reject", user=None, username="x", from_status="reported",
                       to_status="rejected", at=now - timedelta(days=30))
    assert [t.id for t in Ticket.select().where(clause)] == [mine.id]


# --- the web -------------------------------------------------------------------

def test_a_volunteer_reports_and_lands_on_the_new_ticket(app, world):
    user = world["users"]["volunteer"]
    grid_in = world["records"]["grid"][0]
    client = client_for(app, user)
    html, token = _form(client)
    assert re.search(rf'<option selected value="{grid_in.id}">甲内网格', html)
    assert "乙外网格" not in html and 'name="reporter"' not in html
    # A forged reporter (another worker) is ignored: the report is the volunteer's.
    response = client.post("/admin/ticket/new/", data=_data(token, grid_in,
                                                             reporter=str(world["records"]["worker"][1].id),
                                                             reporter_volunteer="999"))
    assert response.status_code == 302
    ticket = Ticket.get(Ticket.title == "楼道堆物")
    assert response.headers["Location"].endswith(f"/admin/ticket/details/?id={ticket.id}")
    assert ticket.reporter_id is None and ticket.reporter_volunteer_id == user.volunteer_id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ticket.number in page and "甲内志愿者" in page
    assert "用户volunteer" in page  # the timeline: the person's name
    listing = client.get("/admin/ticket/").get_data(as_text=True)
    assert ticket.number in listing and "甲内事件" not in listing
    # Their own report stays editable while it is; once accepted it is history.
    assert client.get(f"/admin/ticket/edit/?id={ticket.id}").status_code == 200
    workflow.transition(ticket, "accept", world["users"]["secretary"])
    assert client.get(f"/admin/ticket/edit/?id={ticket.id}").status_code == 403
    # The centre reads the volunteer's name as the reporter, in the list and the export.
    admin = client_for(app, world["users"]["admin"])
    assert "甲内志愿者" in admin.get("/admin/ticket/").get_data(as_text=True)
    Volunteer.update(mobile="13700000009").where(Volunteer.id == user.volunteer_id).execute()
    export = admin.get("/admin/ticket/export/csv/")
    assert export.status_code == 200 and "13700000009" in export.get_data(as_text=True)


@pytest.mark.parametrize("grid", ["out", "abc", "-5", ""])
def test_a_volunteer_cannot_report_outside_their_part_of_the_grid(app, world, grid):
    user = world["users"]["volunteer"]
    client = client_for(app, user)
    _html, token = _form(client)
    value = {"out": str(world["records"]["grid"][1].id)}.get(grid, grid)
    data = {**_data(token, world["records"]["grid"][0]), "grid": value}
    response = client.post("/admin/ticket/new/", data=data)
    assert response.status_code == 200
    assert not Ticket.select().where(Ticket.title == "楼道堆物").exists()


@pytest.mark.parametrize("what", ["worker_ticket", "other_volunteer", "step_dispatch", "step_verify", "edit_other"])
def test_a_volunteer_cannot_reach_others_tickets_or_take_steps(app, world, what):
    user = world["users"]["volunteer"]
    client = client_for(app, user)
    mine = volunteer_report(world)
    t_worker, t_out = world["records"]["ticket"]
    other = Ticket.create(number="X-1", title="乙外志愿者报事", category=t_out.category_id, source=t_out.source_id,
                          grid=t_out.grid_id, reporter_volunteer=world["records"]["volunteer"][1].id,
                          created_at=datetime(2026, 1, 5))
    if what == "worker_ticket":
        assert client.get(f"/admin/ticket/details/?id={t_worker.id}").status_code == 404
    elif what == "other_volunteer":
        assert client.get(f"/admin/ticket/details/?id={other.id}").status_code == 404
        assert "乙外志愿者报事" not in client.get("/admin/ticket/").get_data(as_text=True)
    elif what == "edit_other":
        assert client.get(f"/admin/ticket/edit/?id={other.id}").status_code == 404
    else:
        action = what.split("_", 1)[1]
        html = client.get(f"/admin/ticket/details/?id={mine.id}").get_data(as_text=True)
        token = csrf_token(html)
        response = client.post(f"/admin/ticket/step/?id={mine.id}",
                               data={"action": action, "csrf_token": token, f"{action}-version": str(mine.version)})
        assert response.status_code in (302, 400, 403)
        assert Ticket.get_by_id(mine.id).status == "reported"
