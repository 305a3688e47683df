"""Small builders for test data. Trees go through the services so paths and
depths are right; everything else is a plain insert with sensible defaults."""

import itertools
import re
from datetime import date, datetime, timedelta

from gridadmin.models import (
    Category,
    Department,
    Grid,
    Meeting,
    MeetingItem,
    PartyMember,
    PartyOrg,
    ServiceRecord,
    Source,
    Ticket,
    Volunteer,
    VolunteerTeam,
    Worker,
    utcnow,
)
from gridadmin.services import grids, party

_seq = itertools.count(1)


def seq():
    return next(_seq)


def district(code="320102", name="玄武区", **kw):
    return grid(code=code, name=name, level="district", parent=None, **kw)


def grid(code, name=None, level="grid", parent=None, **kw):
    obj = Grid(code=code, name=name or f"网格{code}", level=level, parent=parent, **kw)
    return grids.save_grid(obj)


def tree():
    """district → street → community → two grids → a micro-grid under the first."""
    d = district()
    s = grid("320102001", "玄武门街道", "street", d)
    c = grid("320102001001", "新街口社区", "community", s)
    g1 = grid("320102001001G1", "第一网格", "grid", c)
    g2 = grid("320102001001G2", "第二网格", "grid", c)
    m1 = grid("320102001001G101", "一号楼微网格", "micro", g1)
    return {"district": d, "street": s, "community": c, "g1": g1, "g2": g2, "micro": m1}


def worker(grid, name=None, mobile="13800138000", **kw):
    kw.setdefault("gender", "M")
    return Worker.create(name=name or f"网格员{seq()}", mobile=mobile, grid=grid, **kw)


def category(name=None, **kw):
    n = seq()
    return Category.create(code=kw.pop("code", f"C{n}"), name=name or f"类别{n}", **kw)


def source(name=None, **kw):
    n = seq()
    return Source.create(code=kw.pop("code", f"S{n}"), name=name or f"来源{n}", **kw)


def department(name=None, **kw):
    n = seq()
    return Department.create(code=kw.pop("code", f"D{n}"), name=name or f"部门{n}", **kw)


def ticket(grid, category=None, source=None, number=None, title=None, **kw):
    n = seq()
    return Ticket.create(
        number=number or f"20260101-{n:04d}",
        title=title or f"事件{n}",
        category=category or globals()["category"](),
        source=source or globals()["source"](),
        grid=grid,
        **kw,
    )


def party_org(name=None, kind="general_branch", parent=None, **kw):
    org = PartyOrg(name=name or f"党组织{seq()}", kind=kind, parent=parent, **kw)
    return party.save_party_org(org)


def party_member(org, name=None, **kw):
    return PartyMember.create(name=name or f"党员{seq()}", org=org, **kw)


def team(grid, name=None, **kw):
    return VolunteerTeam.create(name=name or f"服务队{seq()}", grid=grid, **kw)


def volunteer(team, name=None, **kw):
    return Volunteer.create(name=name or f"志愿者{seq()}", team=team, **kw)


def service_record(volunteer, hours="2.0", team=None, **kw):
    kw.setdefault("served_on", date.today() - timedelta(days=1))
    kw.setdefault("activity", f"活动{seq()}")
    return ServiceRecord.create(volunteer=volunteer, team=team or volunteer.team, hours=hours, **kw)


def meeting(grid, title=None, items=(), **kw):
    kw.setdefault("held_at", utcnow().replace(microsecond=0) - timedelta(days=1))
    kw.setdefault("place", "社区会议室")
    kw.setdefault("convener", "张书记")
    m = Meeting.create(title=title or f"议事会{seq()}", grid=grid, **kw)
    for topic in items:
        MeetingItem.create(meeting=m, topic=topic)
    return m


def local(dt):
    """A UTC time as typed in the form (Asia/Shanghai, +8)."""
    return (dt + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")


def row_ids(response):
    """Record ids on a list page, in order (the row checkboxes)."""
    html = response.get_data(as_text=True) if hasattr(response, "get_data") else response
    return [int(i) for i in re.findall(r'name="rowid" class="action-checkbox" value="(\d+)"', html)]


def admin_view(app, endpoint):
    for view in app.extensions["admin"][0]._views:
        if view.endpoint == endpoint:
            return view
    raise LookupError(endpoint)


def filter_arg(app, endpoint, kind, operation=None):
    """The URL argument (``flt0_<n>``) of a view's filter, by class name or
    field name, and optionally by operation class name (FilterEqual, ...)."""
    view = admin_view(app, endpoint)
    for index, flt in enumerate(view._filters):
        names = {type(flt).__name__, getattr(flt.column, "name", None)}
        if kind in names and (operation is None or type(flt).__name__ == operation):
            return f"flt0_{index}"
    raise LookupError((endpoint, kind, operation))


def yesterday():
    return date.today() - timedelta(days=1)


def tomorrow():
    return date.today() + timedelta(days=2)  # tomorrow in any time zone


def now_local():
    return datetime.now()
