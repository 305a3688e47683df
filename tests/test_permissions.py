"""Roles and data scope, cell by cell: every role × view × action, against a
record inside the user's part of the tree and one outside it.

The world: one district with two streets (甲 inside, 乙 outside). Every
grid-bound user is bound inside street 甲 (centre and viewer at the street,
the secretary at its community, the worker at its grid); the department user
to 城管局 (which has the 甲 ticket), the volunteer to the 甲 team. Every
record outside carries the marker 乙外, which must never appear in a body.
"""

import json
import re
from datetime import date, datetime
from html.parser import HTMLParser

import pytest

from gridadmin.models import (
    AuditLog,
    CalendarDay,
    Category,
    Department,
    DispatchRule,
    Grid,
    ImportLog,
    LoginAttempt,
    Meeting,
    MeetingItem,
    PartyMember,
    PartyOrg,
    PointEntry,
    ServiceRecord,
    Source,
    Ticket,
    User,
    Volunteer,
    VolunteerTeam,
    Worker,
    db,
)
from gridadmin.services import audit, grids, party, permissions, tickets
from gridadmin.services.users import ROLE_NAMES, hash_password
from tests.conftest import client_for, csrf_token  # noqa: F401 (other modules import client_for from here)

OUT = "乙外"
ROLE_PASSWORD = "role-pass-1"
_hash = {}


def _role_hash():
    if "h" not in _hash:
        _hash["h"] = hash_password(ROLE_PASSWORD)
    return _hash["h"]


def build_world():
    g = grids.save_grid
    district = g(Grid(code="320106", name="示例区", level="district"))
    street_in = g(Grid(code="320106001", name="甲内街道", level="street", parent=district))
    street_out = g(Grid(code="320106002", name="乙外街道", level="street", parent=district))
    comm_in = g(Grid(code="320106001001", name="甲内社区", level="community", parent=street_in))
    comm_out = g(Grid(code="320106002001", name="乙外社区", level="community", parent=street_out))
    grid_in = g(Grid(code="320106001001001", name="甲内网格", level="grid", parent=comm_in))
    grid_out = g(Grid(code="320106002001001", name="乙外网格", level="grid", parent=comm_out))
    w = {
        "in": Worker.create(name="甲内员", gender="M", mobile="13800000001", grid=grid_in),
        "out": Worker.create(name="乙外员", gender="F", mobile="13800000002", grid=grid_out),
    }
    org_in = party.save_party_org(PartyOrg(name="甲内支部", kind="branch", grid=grid_in))
    org_out = party.save_party_org(PartyOrg(name="乙外支部", kind="branch", grid=grid_out))
    pm_in = PartyMember.create(name="甲内党员", mobile="13900000001", org=org_in, gender="F", employer="甲内单位")
    pm_out = PartyMember.create(name="乙外党员", mobile="13900000002", org=org_out, gender="M")
    team_in = VolunteerTeam.create(name="甲内服务队", grid=grid_in)
    team_out = VolunteerTeam.create(name="乙外服务队", grid=grid_out)
    vol_in = Volunteer.create(name="甲内志愿者", team=team_in, grid=grid_in)
    vol_out = Volunteer.create(name="乙外志愿者", team=team_out, grid=grid_out)
    sr_in = ServiceRecord.create(volunteer=vol_in, team=team_in, served_on=date(2026, 1, 5), hours=2, activity="甲内活动")
    sr_out = ServiceRecord.create(volunteer=vol_out, team=team_out, served_on=date(2026, 1, 5), hours=3,
                                  activity="乙外活动")
    m_in = Meeting.create(title="甲内议事", held_at=datetime(2026, 1, 5, 2), place="议事厅", grid=grid_in, convener="甲内主持")
    m_out = Meeting.create(title="乙外议事", held_at=datetime(2026, 1, 5, 2), place="议事厅", grid=grid_out,
                           convener="乙外主持")
    cat = Category.create(code="env", name="环境卫生", time_limit_hours=24)
    src = Source.create(code="patrol", name="网格员巡查")
    dep_in = Department.create(code="cg", name="城管局")
    dep_out = Department.create(code="sw", name="水务公司")
    t_in = tickets.save_ticket(Ticket(title="甲内事件", category=cat, source=src, grid=grid_in, reporter=w["in"],
                                      department=dep_in), True, date(2026, 1, 5))
    t_out = tickets.save_ticket(Ticket(title="乙外事件", category=cat, source=src, grid=grid_out, reporter=w["out"],
                                       department=dep_out), True, date(2026, 1, 5))
    bindings = {
        "admin": {},
        "centre": {"grid": street_in},
        "secretary": {"grid": comm_in},
        "worker": {"grid": grid_in, "worker": w["in"]},
        "department": {"department": dep_in},
        "volunteer": {"team": team_in, "volunteer": vol_in},
        "viewer": {"grid": street_in},
    }
    users = {role: User.create(username=f"u_{role}", password_hash=_role_hash(), role=role, display_name=f"用户{role}",
                               **binding)
             for role, binding in bindings.items()}
    audit.record("create", user=users["admin"], obj=grid_in, address="127.0.0.1")
    LoginAttempt.create(username="u_admin", address="127.0.0.1", success=True, result="ok")
    item_in = MeetingItem.create(meeting=m_in, topic="甲内议题")
    item_out = MeetingItem.create(meeting=m_out, topic="乙外议题")
    points_in = PointEntry.create(worker=w["in"], points=3, reason="report", note="甲内积分")
    points_out = PointEntry.create(worker=w["out"], points=2, reason="report", note="乙外积分")
    records = {
        "grid": (grid_in, grid_out), "worker": (w["in"], w["out"]), "partyorg": (org_in, org_out),
        "partymember": (pm_in, pm_out), "volunteerteam": (team_in, team_out), "volunteer": (vol_in, vol_out),
        "servicerecord": (sr_in, sr_out), "meeting": (m_in, m_out), "ticket": (t_in, t_out),
        "meetingitem": (item_in, item_out), "pointentry": (points_in, points_out),
        "category": (cat, None), "source": (src, None), "department": (dep_in, None),
        "calendarday": (CalendarDay.create(day=date(2026, 10, 1), name="国庆节"), None),
        "dispatchrule": (DispatchRule.create(name="城管派单", category=cat, department=dep_in), None),
        "user": (users["viewer"], None), "auditlog": (AuditLog.get(), None), "loginattempt": (LoginAttempt.get(), None),
        # An administrator's import: others never see it (each reads their own).
        "importlog": (ImportLog.create(user=users["admin"], model="grid", file_name="乙外导入.csv"), None),
    }
    # The department role sees tickets by department, the volunteer its team.
    return {"users": users, "records": records}


def volunteer_report(world, title="甲内志愿者报事"):
    """A ticket the world's volunteer reported (随手拍) in their own grid."""
    ticket = world["records"]["ticket"][0]
    return tickets.save_ticket(Ticket(title=title, category=ticket.category_id, source=ticket.source_id,
                                      grid=ticket.grid_id, reporter_volunteer=world["users"]["volunteer"].volunteer_id),
                               True, date(2026, 1, 5))


@pytest.fixture
def world(app):
    with app.app_context(), db.atomic():  # one commit, not fifty
        return build_world()




class FormScraper(HTMLParser):
    """The fields of the page's main model form, with their current values."""

    def __init__(self):
        super().__init__()
        self.fields, self._select, self._textarea, self._in_form = {}, None, None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "admin-form" in (a.get("class") or ""):
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind == "checkbox":
                if "checked" in a:
                    self.fields[name] = a.get("value", "y")
            elif kind not in ("submit", "button"):
                self.fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            # As browsers do, drop the one newline that opens a textarea's content.
            value = self.fields[self._textarea]
            self.fields[self._textarea] = value[2:] if value.startswith("\r\n") else value.removeprefix("\n")
            self._textarea = None
        elif tag == "form":
            self._in_form = False

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def form_fields(html):
    scraper = FormScraper()
    scraper.feed(html)
    return scraper.fields


def token_for(client):
    """A CSRF token for this session, from the one page every user may open."""
    return csrf_token(client.get("/admin/account/").get_data(as_text=True))


def snapshot(obj):
    fresh = type(obj).get_or_none(type(obj).id == obj.id)
    return None if fresh is None else dict(fresh.__data__)


def expect_status(role, view, action, obj, user):
    acts = permissions.actions(role, view)
    if permissions.VIEW not in acts:
        return 403
    if action == "details":
        return 200 if obj is not None else 404
    needed = {"edit_get": permissions.EDIT, "edit_post": permissions.EDIT, "delete": permissions.DELETE}[action]
    if needed not in acts:
        return 403
    if obj is None:
        return 404
    if not permissions.allowed_on(user, view, needed, obj):
        return 403
    return 200 if action == "edit_get" else 302


# Screens over one model each; the ranking page is a report (tested below).
VIEWS = tuple(v for v in permissions.VIEWS
              if v != "ranking" and v not in permissions.PLACES and v not in permissions.FIGURES)
ROLES = ROLE_NAMES


@pytest.mark.parametrize("role", ROLES)
def test_ranking_page_by_role(app, world, role):
    response = client_for(app, world["users"][role]).get("/admin/ranking/")
    if permissions.VIEW not in permissions.actions(role, "ranking"):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    if role != "admin":
        assert OUT not in response.get_data(as_text=True)


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("role", ROLES)
def test_list_shows_inside_never_outside(app, world, role, view):
    user = world["users"][role]
    client = client_for(app, user)
    response = client.get(f"/admin/{view}/")
    if permissions.VIEW not in permissions.actions(role, view):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    inside, outside = world["records"][view]
    if (role, view) == ("volunteer", "ticket"):  # a volunteer sees only the tickets they reported
        assert _marker(inside) not in body
        inside = volunteer_report(world)
        body = client.get(f"/admin/{view}/").get_data(as_text=True)
    if _marker(inside):
        assert _marker(inside) in body
    if role == "admin":
        if outside is not None:
            assert _marker(outside) in body
    else:
        assert OUT not in body


def _marker(obj):
    if getattr(obj, "user_id", None) and getattr(obj, "username", None):
        return str(obj.user)  # logs show the person's name, not the login name (issue 11)
    for attr in ("name", "title", "topic", "activity", "username", "number", "note"):
        value = getattr(obj, attr, None)
        if isinstance(value, str) and value:
            return value
    return None


# Shared tables (lookups) and system logs have no "outside" record.
NO_OUTSIDE = permissions.LOOKUPS + permissions.SYSTEM


SINGLE_CASES = [(role, view, action, where)
                for role in ROLES for view in VIEWS for action in ("details", "edit_get", "edit_post", "delete")
                for where in ("in", "out") if not (where == "out" and view in NO_OUTSIDE)]


@pytest.mark.parametrize(("role", "view", "action", "where"), SINGLE_CASES)
def test_single_record_paths(app, world, role, view, action, where):
    user = world["users"][role]
    inside, outside = world["records"][view]
    obj = inside if where == "in" else outside
    # What the role may really see of this record.
    with app.test_request_context():
        from gridadmin.services import scope

        seen = scope.can_see(user, obj)
    target = obj if seen else None
    client = client_for(app, user)
    before = snapshot(obj)
    expected = expect_status(role, view, action, target, user)
    if action == "details":
        response = client.get(f"/admin/{view}/details/?id={obj.id}")
    elif action == "edit_get":
        response = client.get(f"/admin/{view}/edit/?id={obj.id}")
    elif action == "edit_post":
        # A real form as an allowed user would send it, with its token.
        admin_client = client_for(app, world["users"]["admin"])
        page = (client if expected == 302 else admin_client).get(f"/admin/{view}/edit/?id={obj.id}")
        fields = form_fields(page.get_data(as_text=True)) if page.status_code == 200 else {}
        fields["csrf_token"] = token_for(client) \
            if "csrf_token" not in fields or expected != 302 else fields["csrf_token"]
        response = client.post(f"/admin/{view}/edit/?id={obj.id}", data=fields)
    else:
        token = token_for(client)
        response = client.post(f"/admin/{view}/delete/", data={"id": obj.id, "csrf_token": token})
    assert response.status_code == expected, response.get_data(as_text=True)[-500:]
    body = response.get_data(as_text=True)
    if not seen:
        assert OUT not in body
        assert (_marker(obj) or OUT) not in body
    if expected != 302:
        assert snapshot(obj) == before, "a refused request changed the record"


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("role", ROLES)
def test_bulk_delete_never_touches_what_it_may_not(app, world, role, view):
    user = world["users"][role]
    inside, outside = world["records"][view]
    client = client_for(app, user)
    token = token_for(client)
    ids = [o.id for o in (inside, outside) if o is not None]
    before = {o.id: snapshot(o) for o in (inside, outside) if o is not None}
    with app.test_request_context():
        from gridadmin.services import scope

        outside_seen = outside is not None and scope.can_see(user, outside)
    response = client.post(f"/admin/{view}/action/", data={"action": "delete", "rowid": ids, "csrf_token": token})
    allowed = permissions.DELETE in permissions.actions(role, view)
    assert response.status_code == (302 if allowed else 403)
    if outside is not None:
        if not outside_seen:
            assert snapshot(outside) == before[outside.id]
    if not allowed:
        for obj in (inside, outside):
            if obj is not None:
                assert snapshot(obj) == before[obj.id]


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("role", ROLES)
def test_export_is_scoped(app, world, role, view):
    user = world["users"][role]
    client = client_for(app, user)
    response = client.get(f"/admin/{view}/export/csv/")
    acts = permissions.actions(role, view)
    if permissions.EXPORT not in acts:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    if role != "admin":
        assert OUT not in body
    assert "password" not in body.lower() and "scrypt" not in body


AJAX = {
    "grid": ["parent", "leader"], "worker": ["grid"], "partyorg": ["parent", "grid"], "partymember": ["org"],
    "volunteerteam": ["grid"], "volunteer": ["team", "grid"], "servicerecord": ["volunteer", "team"],
    "meeting": ["grid"], "ticket": ["grid", "reporter", "assignee"], "user": ["grid", "team", "worker", "volunteer"],
}


@pytest.mark.parametrize("view", sorted(AJAX))
@pytest.mark.parametrize("role", ROLES)
def test_ajax_lookups_are_scoped(app, world, role, view):
    client = client_for(app, world["users"][role])
    acts = permissions.actions(role, view)
    for name in AJAX[view]:
        # Empty query: everything the lookup offers.
        response = client.get(f"/admin/{view}/ajax/lookup/?name={name}&query=")
        if not ({permissions.CREATE, permissions.EDIT} & acts):
            assert response.status_code == 403
            continue
        assert response.status_code == 200
        offered = json.loads(response.get_data(as_text=True))
        if role != "admin":
            assert all(OUT not in label for _id, label in offered), (name, offered)
            response = client.get(f"/admin/{view}/ajax/lookup/?name={name}&query=乙")
            assert json.loads(response.get_data(as_text=True)) == []


def test_matrix_page_shows_every_role_and_view_to_admins_only(app, world):
    admin = client_for(app, world["users"]["admin"])
    response = admin.get("/admin/permissions/")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    header = re.search(r"<thead.*?</thead>", body, re.S).group(0)
    assert header.count("<th>") == len(ROLES) + 1
    assert body.count('<tr>') == len(permissions.VIEWS) + 1
    # Each cell shows exactly the actions the matrix grants: count the badges
    # (the navbar's to-do badge aside).
    body = re.sub(r'<a class="nav-link" id="todo-badge".*?</a>', "", body, flags=re.S)
    granted = sum(len(permissions.actions(role, view)) for role in ROLES for view in permissions.VIEWS)
    assert body.count('class="badge') == granted
    # And who takes each step of the ticket workflow.
    from gridadmin.services import workflow

    assert body.count('class="workflow-step"') == len(workflow.STEPS)
    for role in ROLES:
        if role != "admin":
            response = client_for(app, world["users"][role]).get("/admin/permissions/")
            assert response.status_code in (302, 403)


@pytest.mark.parametrize("role", ROLES)
def test_menu_shows_only_what_the_role_may_open(app, world, role):
    body = client_for(app, world["users"][role]).get("/admin/").get_data(as_text=True)
    for view in VIEWS:
        link = f'href="/admin/{view}/"'
        if permissions.VIEW in permissions.actions(role, view):
            assert link in body, view
        else:
            assert link not in body, view
