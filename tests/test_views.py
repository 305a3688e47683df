"""Every screen over HTTP: list, details, create, edit, delete, search,
filters, sorting, ajax lookups; and edited URLs or bad input never a 500."""

import json
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import factories as f
import pytest
from babel.messages.mofile import read_mo

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

VIEWS = ["ticket", "grid", "worker", "partyorg", "partymember", "meeting", "volunteerteam", "volunteer",
         "servicerecord", "category", "source", "department"]
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def zh(msgid, domain="messages"):
    """The zh_Hans_CN translation the catalogue gives ``msgid`` (must exist)."""
    with open(TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES" / f"{domain}.mo", "rb") as fh:
        message = read_mo(fh).get(msgid)
    assert message is not None and message.string, f"no zh_Hans_CN translation for {msgid!r}"
    text = message.string if isinstance(message.string, str) else message.string[0]
    return text.split("%(")[0]  # the fixed part before any placeholder


def text(response):
    return response.get_data(as_text=True)


def create(browser, view, data):
    return browser.post_form(f"/admin/{view}/new/", data)


def edit(browser, view, obj_id, data):
    return browser.post_form(f"/admin/{view}/edit/?id={obj_id}", data)


def delete(browser, view, obj_id):
    return browser.post_form(f"/admin/{view}/delete/", {"id": str(obj_id)}, token_url=f"/admin/{view}/new/")


def bulk_delete(browser, view, ids):
    return browser.post_form(f"/admin/{view}/action/", {"action": "delete", "rowid": [str(i) for i in ids]},
                             token_url=f"/admin/{view}/new/")


def saved(response):
    """Flask-Admin redirects after a successful save; a form with errors is a 200."""
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 302


def local(dt):
    """A naive UTC time as the form shows and takes it (Asia/Shanghai)."""
    return (dt + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")


@pytest.fixture
def world(database):
    """A small, complete data set for the screens."""
    t = f.tree()
    t["cat"] = f.category(code="ENV", name="环境卫生", time_limit_hours=24)
    t["cat2"] = f.category(code="SAFE", name="安全隐患")
    t["src"] = f.source(code="PATROL", name="网格员巡查")
    t["dept"] = f.department(code="CG", name="城管局")
    t["w1"] = f.worker(t["g1"], name="张三", mobile="13900000001")
    t["w2"] = f.worker(t["micro"], name="李四", mobile="13900000002", post="micro", gender="F")
    t["w3"] = f.worker(t["g2"], name="王五", mobile="13900000003", status="left")
    t["t1"] = f.ticket(t["g1"], t["cat"], t["src"], number="20261101-0001", title="井盖缺失",
                       place="中山路1号", reporter=t["w1"], department=t["dept"], status="dispatched",
                       created_at=datetime(2026, 11, 1, 2, 0))
    t["t2"] = f.ticket(t["micro"], t["cat2"], t["src"], number="20261102-0001", title="楼道堆物",
                       priority="urgent", created_at=datetime(2026, 11, 2, 2, 0))
    t["t3"] = f.ticket(t["g2"], t["cat"], t["src"], number="20261103-0001", title="路灯不亮",
                       created_at=datetime(2026, 11, 3, 2, 0))
    t["org"] = f.party_org("新街口社区党总支", "general_branch", grid=t["community"])
    t["branch"] = f.party_org("第一网格党支部", "branch", t["org"], grid=t["g1"])
    t["pm"] = f.party_member(t["branch"], name="赵党员", mobile="13700000001", gender="M")
    t["pm2"] = f.party_member(t["branch"], name="钱在职", in_service=True, employer="供电公司", gender="F")
    t["team"] = f.team(t["g1"], name="红马甲服务队", service_type="elderly")
    t["team2"] = f.team(t["g2"], name="巡逻队", service_type="patrol")
    t["v1"] = f.volunteer(t["team"], name="孙志愿", mobile="13600000001", grid=t["g1"])
    t["v2"] = f.volunteer(t["team2"], name="周志愿", grid=t["g2"])
    t["sr1"] = f.service_record(t["v1"], "2.5", activity="陪老人聊天")
    t["sr2"] = f.service_record(t["v1"], "1.5", activity="打扫楼道")
    t["sr3"] = f.service_record(t["v2"], "4.0", activity="夜间巡逻")
    t["m1"] = f.meeting(t["g1"], title="十一月议事会", items=["停车难", "垃圾分类"],
                        held_at=datetime(2026, 11, 5, 6, 0))
    t["m2"] = f.meeting(t["g2"], title="十月议事会", held_at=datetime(2026, 10, 5, 6, 0))
    return t


# --- data for each screen ---------------------------------------------------------

def ticket_data(w):
    return {"title": "占道经营", "description": "早市占道", "category": str(w["cat"].id), "source": str(w["src"].id),
            "grid": str(w["g1"].id), "place": "中山路", "reporter": str(w["w1"].id), "priority": "high"}


def grid_data(w):
    return {"parent": str(w["community"].id), "code": "320102001001G9", "name": "第九网格", "level": "grid",
            "kind": "general", "area_type": "urban", "households": "120", "population": "350", "area": "0.25",
            "online_group_name": "九网格群", "online_group_members": "80", "leader": str(w["w1"].id), "active": "y"}


def worker_data(w):
    return {"name": "陈六", "gender": "M", "mobile": "13812345678", "grid": str(w["g2"].id), "post": "part",
            "employment": "part_time", "party_member": "y", "joined_on": "2024-03-01", "status": "active"}


def partyorg_data(w):
    return {"name": "一号楼党小组", "kind": "group", "parent": str(w["branch"].id), "grid": str(w["g1"].id),
            "secretary": "刘书记", "founded_on": "2020-07-01"}


def partymember_data(w):
    return {"name": "吴党员", "gender": "F", "mobile": "13512345678", "org": str(w["branch"].id),
            "joined_party_on": "2010-07-01", "in_service": "y", "employer": "区教育局"}


def meeting_data(w):
    return {"title": "十二月议事会", "held_at": "2026-11-20 14:30", "place": "党群服务中心", "grid": str(w["g1"].id),
            "convener": "张书记", "recorder": "小王", "participants": "居民代表12人"}


def volunteerteam_data(w):
    return {"name": "助老服务队", "service_type": "elderly", "grid": str(w["g1"].id), "leader": "钱队长",
            "leader_mobile": "13612345678", "founded_on": "2019-03-05"}


def volunteer_data(w):
    return {"name": "郑志愿", "mobile": "13312345678", "team": str(w["team"].id), "grid": str(w["g1"].id)}


def servicerecord_data(w):
    return {"volunteer": str(w["v1"].id), "team": str(w["team"].id), "served_on": f.yesterday().isoformat(),
            "hours": "3.5", "activity": "义诊", "beneficiaries": "40", "note": "社区广场"}


def category_data(w):
    return {"code": "TRAFFIC", "name": "交通出行", "time_limit_hours": "48", "points": "2", "sort_order": "5",
            "active": "y"}


def source_data(w):
    return {"code": "12345", "name": "12345热线", "sort_order": "2", "active": "y"}


def department_data(w):
    return {"code": "ZJ", "name": "住建局", "phone": "025-12345678", "sort_order": "3", "active": "y"}


CREATE = {
    "ticket": (Ticket, ticket_data, Ticket.title == "占道经营"),
    "grid": (Grid, grid_data, Grid.code == "320102001001G9"),
    "worker": (Worker, worker_data, Worker.name == "陈六"),
    "partyorg": (PartyOrg, partyorg_data, PartyOrg.name == "一号楼党小组"),
    "partymember": (PartyMember, partymember_data, PartyMember.name == "吴党员"),
    "meeting": (Meeting, meeting_data, Meeting.title == "十二月议事会"),
    "volunteerteam": (VolunteerTeam, volunteerteam_data, VolunteerTeam.name == "助老服务队"),
    "volunteer": (Volunteer, volunteer_data, Volunteer.name == "郑志愿"),
    "servicerecord": (ServiceRecord, servicerecord_data, ServiceRecord.activity == "义诊"),
    "category": (Category, category_data, Category.code == "TRAFFIC"),
    "source": (Source, source_data, Source.code == "12345"),
    "department": (Department, department_data, Department.code == "ZJ"),
}


# --- access ----------------------------------------------------------------------

@pytest.mark.parametrize("view", VIEWS)
def test_unauthenticated_redirects_to_login(app, view):
    client = app.test_client()
    for url in (f"/admin/{view}/", f"/admin/{view}/new/", f"/admin/{view}/details/?id=1",
                f"/admin/{view}/ajax/lookup/?name=grid&query=a"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"]
    response = client.post(f"/admin/{view}/delete/", data={"id": "1"})
    assert response.status_code in (302, 400)


def test_unauthenticated_post_changes_nothing(app, world):
    client = app.test_client()
    client.post("/admin/category/delete/", data={"id": str(world["cat2"].id)})
    client.post("/admin/category/new/", data=category_data(world))
    assert Category.get_or_none(Category.id == world["cat2"].id)
    assert not Category.select().where(Category.code == "TRAFFIC").exists()


# --- list, details, create, edit ---------------------------------------------------

@pytest.mark.parametrize("view", VIEWS)
def test_list_and_details(browser, world, view):
    model = CREATE[view][0]
    response = browser.get(f"/admin/{view}/")
    assert response.status_code == 200
    ids = f.row_ids(response)
    assert sorted(ids) == sorted(o.id for o in model.select())
    for obj_id in ids:
        assert browser.get(f"/admin/{view}/details/?id={obj_id}").status_code == 200
        assert browser.get(f"/admin/{view}/edit/?id={obj_id}").status_code == 200
    assert browser.get(f"/admin/{view}/new/").status_code == 200


@pytest.mark.parametrize("view", VIEWS)
def test_create(browser, world, view):
    model, data, where = CREATE[view]
    before = model.select().count()
    response = create(browser, view, data(world))
    assert saved(response), text(response)
    assert model.select().count() == before + 1
    assert model.select().where(where).count() == 1


def test_create_values_ticket(browser, world):
    response = create(browser, "ticket", ticket_data(world))
    assert saved(response)
    t = Ticket.get(Ticket.title == "占道经营")
    assert re.fullmatch(r"\d{8}-0001", t.number)
    assert (t.category_id, t.source_id, t.grid_id, t.reporter_id, t.department_id) == (
        world["cat"].id, world["src"].id, world["g1"].id, world["w1"].id, None)
    assert (t.priority, t.status, t.place, t.assignee_id, t.satisfaction) == ("high", "reported", "中山路", None, None)
    assert abs(t.created_at - utcnow()) < timedelta(minutes=5)
    assert t.due_at is None  # the due time comes with dispatch
    assert [e.action for e in t.events] == ["report"]
    # A second one the same day takes the next number.
    create(browser, "ticket", {**ticket_data(world), "title": "第二件"})
    assert Ticket.get(Ticket.title == "第二件").number == t.number[:-4] + "0002"


def test_create_values_grid(browser, world):
    assert saved(create(browser, "grid", grid_data(world)))
    g = Grid.get(Grid.code == "320102001001G9")
    assert (g.name, g.level, g.parent_id, g.households, g.population, g.area, g.leader_id, g.active) == (
        "第九网格", "grid", world["community"].id, 120, 350, Decimal("0.25"), world["w1"].id, True)
    assert g.path == f"{world['community'].path}{g.id}/"
    assert g.depth == 3


def test_create_values_worker(browser, world):
    assert saved(create(browser, "worker", worker_data(world)))
    w = Worker.get(Worker.name == "陈六")
    assert (w.mobile, w.grid_id, w.post, w.employment, w.party_member, w.joined_on, w.gender) == (
        "13812345678", world["g2"].id, "part", "part_time", True, date(2024, 3, 1), "M")


def test_create_values_party(browser, world):
    assert saved(create(browser, "partyorg", partyorg_data(world)))
    o = PartyOrg.get(PartyOrg.name == "一号楼党小组")
    assert (o.kind, o.parent_id, o.grid_id, o.founded_on, o.depth) == (
        "group", world["branch"].id, world["g1"].id, date(2020, 7, 1), 2)
    assert o.path == f"{world['branch'].path}{o.id}/"
    assert saved(create(browser, "partymember", partymember_data(world)))
    m = PartyMember.get(PartyMember.name == "吴党员")
    assert (m.in_service, m.employer, m.org_id, m.joined_party_on) == (True, "区教育局", world["branch"].id,
                                                                       date(2010, 7, 1))


def test_create_values_meeting_time_is_local(browser, world):
    assert saved(create(browser, "meeting", meeting_data(world)))
    m = Meeting.get(Meeting.title == "十二月议事会")
    assert m.held_at == datetime(2026, 11, 20, 6, 30)  # 14:30 in Shanghai
    assert re.search(r"2026[-/]11[-/]20 14:30", text(browser.get(f"/admin/meeting/details/?id={m.id}")))


def test_create_values_volunteers(browser, world):
    assert saved(create(browser, "servicerecord", servicerecord_data(world)))
    r = ServiceRecord.get(ServiceRecord.activity == "义诊")
    assert (r.hours, r.beneficiaries, r.served_on, r.volunteer_id) == (Decimal("3.5"), 40, f.yesterday(),
                                                                       world["v1"].id)


@pytest.mark.parametrize("view, field, value, column", [
    ("ticket", "title", "井盖已补", Ticket.title),
    ("grid", "name", "第一网格(新)", Grid.name),
    ("worker", "mobile", "13911112222", Worker.mobile),
    ("partyorg", "secretary", "新书记", PartyOrg.secretary),
    ("partymember", "name", "赵党员改", PartyMember.name),
    ("meeting", "place", "新会议室", Meeting.place),
    ("volunteerteam", "leader", "新队长", VolunteerTeam.leader),
    ("volunteer", "name", "孙志愿改", Volunteer.name),
    ("servicerecord", "hours", "6.0", ServiceRecord.hours),
    ("category", "time_limit_hours", "12", Category.time_limit_hours),
    ("source", "name", "新来源", Source.name),
    ("department", "phone", "025-88888888", Department.phone),
])
def test_edit(browser, world, view, field, value, column):
    model = column.model
    obj = {"ticket": world["t1"], "grid": world["g1"], "worker": world["w1"], "partyorg": world["branch"],
           "partymember": world["pm"], "meeting": world["m1"], "volunteerteam": world["team"],
           "volunteer": world["v1"], "servicerecord": world["sr1"], "category": world["cat"],
           "source": world["src"], "department": world["dept"]}[view]
    data = form_values(browser, f"/admin/{view}/edit/?id={obj.id}")
    data[field] = value
    response = edit(browser, view, obj.id, data)
    assert saved(response), text(response)
    stored = getattr(model.get_by_id(obj.id), field)
    expected = type(stored)(value) if not isinstance(stored, str) else value
    assert stored == expected


def form_values(browser, url):
    """The values an edit form would send back unchanged."""
    html = text(browser.get(url))
    data = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name.group(1) in ("csrf_token", "_add_another", "_continue_editing"):
            continue
        kind = re.search(r'type="([^"]+)"', tag)
        kind = kind.group(1) if kind else "text"
        if kind == "submit":
            continue
        value = re.search(r'value="([^"]*)"', tag)
        if kind == "checkbox":
            if "checked" in tag:
                data[name.group(1)] = "y"
            continue
        data[name.group(1)] = _unescape(value.group(1)) if value else ""
        if kind == "hidden" and "data-json" in tag and not value:
            raw = _unescape(re.search(r'data-json="([^"]*)"', tag).group(1))
            data[name.group(1)] = str(json.loads(raw)[0])
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = _unescape(body.strip("\r\n"))
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        selected = re.search(r'<option[^>]*selected[^>]*value="([^"]*)"|<option[^>]*value="([^"]*)"[^>]*selected',
                             body)
        data[name] = (selected.group(1) or selected.group(2)) if selected else ""
    return data


def _unescape(value):
    import html

    return html.unescape(value)


def test_edit_form_round_trip_changes_nothing(browser, world):
    """Saving an edit form unchanged keeps every value (times included)."""
    before = Ticket.get_by_id(world["t1"].id).__data__.copy()
    data = form_values(browser, f"/admin/ticket/edit/?id={world['t1'].id}")
    assert saved(edit(browser, "ticket", world["t1"].id, data))
    assert Ticket.get_by_id(world["t1"].id).__data__ == before


def test_edit_grid_moves_subtree(browser, world):
    other = f.grid("320102001002", "另一社区", "community", world["street"])
    data = form_values(browser, f"/admin/grid/edit/?id={world['g1'].id}")
    data.update(parent=str(other.id), code="320102001002G1")
    assert saved(edit(browser, "grid", world["g1"].id, data))
    micro = Grid.get_by_id(world["micro"].id)
    assert micro.path == f"{other.path}{world['g1'].id}/{micro.id}/"
    assert micro.code == "320102001002G101"


def test_edit_grid_under_own_descendant_refused(browser, world):
    data = form_values(browser, f"/admin/grid/edit/?id={world['street'].id}")
    data["parent"] = str(world["g1"].id)
    response = edit(browser, "grid", world["street"].id, data)
    assert not saved(response)
    assert Grid.get_by_id(world["street"].id).parent_id == world["district"].id
    data["parent"] = str(world["street"].id)
    assert not saved(edit(browser, "grid", world["street"].id, data))
    assert Grid.get_by_id(world["street"].id).parent_id == world["district"].id


def test_edit_grid_level_below_its_lower_levels_refused(browser, world):
    data = form_values(browser, f"/admin/grid/edit/?id={world['g1'].id}")
    data["level"] = "micro"
    response = edit(browser, "grid", world["g1"].id, data)
    assert not saved(response)
    assert zh("The parent must be at a higher level than the grid.") in text(response)
    assert Grid.get_by_id(world["g1"].id).level == "grid"


# --- delete ----------------------------------------------------------------------------

UNREFERENCED = {
    "ticket": "t3", "grid": None, "worker": "w3", "partyorg": None, "partymember": "pm", "meeting": "m1",
    "volunteerteam": None, "volunteer": None, "servicerecord": "sr3", "category": None, "source": None,
    "department": None,
}
REFERENCED = {
    "grid": "g1", "worker": "w1", "partyorg": "org", "volunteerteam": "team", "volunteer": "v1",
    "category": "cat", "source": "src", "department": "dept",
}


@pytest.mark.parametrize("view", VIEWS)
def test_delete(browser, world, view):
    model, data, where = CREATE[view]
    key = UNREFERENCED[view]
    if key is None:
        assert saved(create(browser, view, data(world)))
        obj = model.get(where)
    else:
        obj = world[key]
    response = delete(browser, view, obj.id)
    assert response.status_code == 302
    assert model.get_or_none(model.id == obj.id) is None


@pytest.mark.parametrize("view", sorted(REFERENCED))
def test_delete_referenced_is_refused(browser, world, view):
    model = CREATE[view][0]
    obj = world[REFERENCED[view]]
    before = {m: m.select().count() for m in (Worker, Ticket, Grid, ServiceRecord, Volunteer, PartyOrg)}
    response = delete(browser, view, obj.id)
    assert response.status_code == 302
    assert model.get_or_none(model.id == obj.id) is not None
    assert before == {m: m.select().count() for m in before}
    page = text(browser.get(response.headers["Location"]))
    assert str(obj) in page  # the message names the record
    assert zh("Cannot delete “%(name)s”: it is still referred to by %(refs)s.") in page


def test_delete_meeting_takes_its_items(browser, world):
    m = world["m1"]
    assert MeetingItem.select().where(MeetingItem.meeting == m.id).count() == 2
    delete(browser, "meeting", m.id)
    assert Meeting.get_or_none(Meeting.id == m.id) is None
    assert MeetingItem.select().where(MeetingItem.meeting == m.id).count() == 0


def test_delete_worker_who_leads_a_grid(browser, world):
    Grid.update(leader=world["w3"].id).where(Grid.id == world["g2"].id).execute()
    delete(browser, "worker", world["w3"].id)
    assert Worker.get_or_none(Worker.id == world["w3"].id) is None
    assert Grid.get_by_id(world["g2"].id).leader_id is None


def test_bulk_delete_all(browser, world):
    ids = [world["t1"].id, world["t2"].id]
    response = bulk_delete(browser, "ticket", ids)
    assert response.status_code == 302
    assert Ticket.select().where(Ticket.id.in_(ids)).count() == 0
    assert Ticket.get_or_none(Ticket.id == world["t3"].id)


def test_bulk_delete_none_when_one_is_referenced(browser, world):
    free = f.category(code="FREE", name="未使用")
    response = bulk_delete(browser, "category", [free.id, world["cat"].id])
    assert response.status_code == 302
    assert Category.get_or_none(Category.id == free.id) is not None
    assert Category.get_or_none(Category.id == world["cat"].id) is not None
    page = text(browser.get("/admin/category/"))
    assert zh("Nothing was deleted.") in page


@pytest.mark.parametrize("rowid", [["abc"], ["1.5"], [], ["999999"], ["-1"]])
def test_bulk_delete_bad_ids(browser, world, rowid):
    before = Ticket.select().count()
    response = bulk_delete(browser, "ticket", rowid)
    assert response.status_code in (302, 404)
    assert Ticket.select().count() == before


def test_bulk_delete_unknown_action(browser, world):
    response = browser.post_form("/admin/ticket/action/", {"action": "nope", "rowid": [str(world["t1"].id)]},
                                 token_url="/admin/ticket/new/")
    assert response.status_code in (302, 400, 404)
    assert Ticket.get_or_none(Ticket.id == world["t1"].id)


# --- CSRF ----------------------------------------------------------------------------


def test_post_without_csrf_changes_nothing(browser, world):
    client = browser.client
    responses = [
        client.post("/admin/category/new/", data=category_data(world)),
        client.post(f"/admin/source/edit/?id={world['src'].id}", data={**source_data(world), "name": "改"}),
        client.post("/admin/ticket/delete/", data={"id": str(world["t3"].id)}),
        client.post("/admin/ticket/action/", data={"action": "delete", "rowid": [str(world["t3"].id)]}),
        client.post("/admin/ticket/delete/", data={"id": str(world["t3"].id), "csrf_token": "forged"}),
    ]
    for response in responses:
        assert response.status_code in (200, 302, 400)
    assert not Category.select().where(Category.code == "TRAFFIC").exists()
    assert Source.get_by_id(world["src"].id).name == "网格员巡查"
    assert Ticket.get_or_none(Ticket.id == world["t3"].id)


# --- form errors: shown in Chinese, nothing saved ---------------------------------------


@pytest.mark.parametrize("view, changes, msgid, domain", [
    ("worker", {"mobile": "12345678901"}, "Enter an 11-digit mainland mobile number.", "messages"),
    ("worker", {"mobile": "1381234567"}, "Enter an 11-digit mainland mobile number.", "messages"),
    ("worker", {"name": ""}, "This field is required.", "wtforms"),
    ("worker", {"joined_on": "2099-01-01"}, "The date cannot be in the future.", "messages"),
    ("worker", {"joined_on": "2024-13-45"}, "Not a valid date value.", "wtforms"),
    ("grid", {"households": "-1"}, "Must not be negative.", "messages"),
    ("grid", {"population": "abc"}, "Not a valid integer value.", "wtforms"),
    ("grid", {"code": "320102001009"}, "The code does not fit the level: 6 digits for a district, 9 for a "
     "street, 12 for a community, 12 plus a suffix for a grid or micro-grid.", "messages"),
    ("grid", {"code": "320103001001G9"}, "The code must extend the parent's code %(code)s.", "messages"),
    ("grid", {"code": "320102001001G1"}, "“%(value)s” is already used.", "messages"),
    ("grid", {"area": "-0.5"}, "Must not be negative.", "messages"),
    ("partyorg", {"kind": "general_branch"}, "The parent organisation must be of a higher kind.", "messages"),
    ("partyorg", {"founded_on": "2099-01-01"}, "The date cannot be in the future.", "messages"),
    ("partymember", {"employer": ""}, "An in-service member needs an employer.", "messages"),
    ("partymember", {"mobile": "23812345678"}, "Enter an 11-digit mainland mobile number.", "messages"),
    ("volunteerteam", {"leader_mobile": "1361234567x"}, "Enter an 11-digit mainland mobile number.", "messages"),
    ("volunteerteam", {"name": "红马甲服务队"}, "“%(value)s” is already used.", "messages"),
    ("volunteer", {"mobile": "1331234567"}, "Enter an 11-digit mainland mobile number.", "messages"),
    ("servicerecord", {"hours": "0"}, "Must be greater than zero.", "messages"),
    ("servicerecord", {"hours": "NaN"}, "Not a valid decimal value.", "wtforms"),
    ("servicerecord", {"hours": "Infinity"}, "Not a valid decimal value.", "wtforms"),
    ("servicerecord", {"hours": "1e400"}, "Number must be between %(min)s and %(max)s.", "wtforms"),
    ("servicerecord", {"hours": "123456"}, "Number must be between %(min)s and %(max)s.", "wtforms"),
    ("grid", {"households": "99999999999"}, "Number must be between %(min)s and %(max)s.", "wtforms"),
    ("grid", {"area": "123456789012"}, "Number must be between %(min)s and %(max)s.", "wtforms"),
    ("category", {"sort_order": "-99999999999"}, "Number must be between %(min)s and %(max)s.", "wtforms"),
    ("servicerecord", {"hours": "-2"}, "Must be greater than zero.", "messages"),
    ("servicerecord", {"beneficiaries": "-1"}, "Must not be negative.", "messages"),
    ("servicerecord", {"served_on": "2099-01-01"}, "The date cannot be in the future.", "messages"),
    ("servicerecord", {"served_on": ""}, "This field is required.", "wtforms"),
    ("category", {"time_limit_hours": "-1"}, "Must not be negative.", "messages"),
    ("category", {"code": "ENV"}, "“%(value)s” is already used.", "messages"),
    ("category", {"name": "环境卫生"}, "“%(value)s” is already used.", "messages"),
    ("source", {"code": "PATROL"}, "“%(value)s” is already used.", "messages"),
    ("ticket", {"title": ""}, "This field is required.", "wtforms"),
    ("ticket", {"grid": "999999"}, "Not a valid choice.", "wtforms"),
    ("ticket", {"reporter": "999999"}, "Not a valid choice.", "wtforms"),
    # No grid: found from the position (services.places), and with neither, asked for.
    ("ticket", {"grid": ""}, "Choose the grid, or give the position (latitude and longitude) to find it.",
     "messages"),
    ("ticket", {"category": "abc"}, "Not a valid choice.", "wtforms"),
    ("ticket", {"category": "99999999999999999999999"}, "Not a valid choice.", "wtforms"),
    ("ticket", {"grid": "99999999999999999999999"}, "Not a valid choice.", "wtforms"),
    ("ticket", {"priority": "whatever"}, "Not a valid choice.", "wtforms"),
    # A required field typed wrong says what is wrong with it, not "required".
    ("meeting", {"held_at": "2026-02-30 10:00"}, "Not a valid datetime value.", "wtforms"),
    # Dates outside 1900-2100 are typing slips: a message, never year 1 or a 500.
    ("meeting", {"held_at": "0001-01-01 10:00"}, "Enter a date between 1900-01-01 and 2100-12-31.", "messages"),
    ("meeting", {"held_at": "9999-12-31 23:59"}, "Enter a date between 1900-01-01 and 2100-12-31.", "messages"),
    ("worker", {"joined_on": "0001-01-01"}, "Enter a date between 1900-01-01 and 2100-12-31.", "messages"),
    ("servicerecord", {"served_on": "9999-12-31"}, "Enter a date between 1900-01-01 and 2100-12-31.", "messages"),
])
def test_create_with_errors_shows_chinese_and_saves_nothing(browser, world, view, changes, msgid, domain):
    model, data, where = CREATE[view]
    before = model.select().count()
    response = create(browser, view, {**data(world), **changes})
    assert not saved(response), "saved despite the error"
    assert model.select().count() == before
    page = text(response)
    assert zh(msgid, domain) in page
    assert max(re.split(r"%\(\w+\)s", msgid), key=len) not in page  # no English left


@pytest.mark.parametrize("view", ["category", "ticket", "worker", "meeting"])
def test_nul_characters_are_refused(app, browser, world, view):
    """PostgreSQL cannot hold or compare NUL: a 400 on every backend, nothing saved."""
    model, data, where = CREATE[view]
    values = data(world)
    name = next(k for k in ("title", "name") if k in values)
    before = model.select().count()
    response = create(browser, view, {**values, name: "坏\x00值"})
    assert response.status_code == 400
    assert model.select().count() == before
    assert browser.get(f"/admin/{view}/", query_string={"search": "a\x00"}).status_code == 400
    arg = f"flt0_{len(f.admin_view(app, view)._filters or [None]) - 1}"
    assert browser.get(f"/admin/{view}/", query_string={arg: "\x00"}).status_code == 400


def test_edit_with_errors_saves_nothing(browser, world):
    data = form_values(browser, f"/admin/worker/edit/?id={world['w1'].id}")
    data.update(name="改名", mobile="110")
    response = edit(browser, "worker", world["w1"].id, data)
    assert not saved(response)
    w = Worker.get_by_id(world["w1"].id)
    assert (w.name, w.mobile) == ("张三", "13900000001")


def test_ticket_edit_changes_its_own_fields_never_its_status(browser, world):
    """Status, times and handling belong to the workflow: posted, they are ignored."""
    data = form_values(browser, f"/admin/ticket/edit/?id={world['t1'].id}")
    assert not {"status", "due_at", "closed_at", "resolution", "satisfaction", "department"} & set(data)
    data.update({"title": "改了", "status": "closed", "closed_at": "2026-10-01 08:00"})
    response = edit(browser, "ticket", world["t1"].id, data)
    assert saved(response)
    t = Ticket.get_by_id(world["t1"].id)
    assert (t.title, t.status, t.closed_at) == ("改了", "dispatched", None)


# --- search ------------------------------------------------------------------------------


@pytest.mark.parametrize("view, term, keys", [
    ("ticket", "井盖", ["t1"]),
    ("ticket", "20261102", ["t2"]),
    ("ticket", "中山路", ["t1"]),
    ("grid", "320102001001G", ["g1", "g2", "micro"]),
    ("grid", "新街口", ["community"]),
    ("worker", "李四", ["w2"]),
    ("worker", "13900000003", ["w3"]),
    ("partyorg", "支部", ["branch"]),
    ("partymember", "供电", ["pm2"]),
    ("meeting", "十一月", ["m1"]),
    ("volunteerteam", "红马甲", ["team"]),
    ("volunteer", "周", ["v2"]),
    ("servicerecord", "巡逻", ["sr3"]),
    ("category", "SAFE", ["cat2"]),
    ("source", "巡查", ["src"]),
    ("department", "城管", ["dept"]),
])
def test_search(browser, world, view, term, keys):
    response = browser.get(f"/admin/{view}/", query_string={"search": term})
    assert response.status_code == 200
    assert sorted(f.row_ids(response)) == sorted(world[k].id for k in keys)


@pytest.mark.parametrize("view", VIEWS)
def test_search_with_special_characters(browser, world, view):
    for term in ["%", "_", "'", '"', "\\", "%_%", "' OR 1=1 --", "中%", "a'b\"c", "\x00", "　", "^", "=", "x" * 5000]:
        response = browser.get(f"/admin/{view}/", query_string={"search": term})
        assert response.status_code in (200, 400), term
        if term in ("%", "_", "%_%", "' OR 1=1 --", "^", "="):
            assert f.row_ids(response) == [], term


def test_search_percent_is_literal(browser, world):
    f.ticket(world["g1"], world["cat"], world["src"], number="20261104-0001", title="完成率100%")
    f.ticket(world["g1"], world["cat"], world["src"], number="20261104-0002", title="a_b")
    assert len(f.row_ids(browser.get("/admin/ticket/?search=100%25"))) == 1
    assert len(f.row_ids(browser.get("/admin/ticket/?search=a_b"))) == 1
    assert len(f.row_ids(browser.get("/admin/ticket/?search=%25"))) == 1


# --- filters --------------------------------------------------------------------------------


def test_choice_filters(app, browser, world):
    status = f.filter_arg(app, "ticket", "status", "FilterEqual")
    assert f.row_ids(browser.get(f"/admin/ticket/?{status}=dispatched")) == [world["t1"].id]
    not_status = f.filter_arg(app, "ticket", "status", "FilterNotEqual")
    assert sorted(f.row_ids(browser.get(f"/admin/ticket/?{not_status}=dispatched"))) == sorted(
        [world["t2"].id, world["t3"].id])
    prio = f.filter_arg(app, "ticket", "priority", "FilterEqual")
    assert f.row_ids(browser.get(f"/admin/ticket/?{prio}=urgent")) == [world["t2"].id]
    post = f.filter_arg(app, "worker", "post", "FilterEqual")
    assert f.row_ids(browser.get(f"/admin/worker/?{post}=micro")) == [world["w2"].id]
    level = f.filter_arg(app, "grid", "level", "FilterEqual")
    assert sorted(f.row_ids(browser.get(f"/admin/grid/?{level}=grid"))) == sorted([world["g1"].id, world["g2"].id])
    kind = f.filter_arg(app, "partyorg", "kind", "FilterEqual")
    assert f.row_ids(browser.get(f"/admin/partyorg/?{kind}=branch")) == [world["branch"].id]
    stype = f.filter_arg(app, "volunteerteam", "service_type", "FilterEqual")
    assert f.row_ids(browser.get(f"/admin/volunteerteam/?{stype}=patrol")) == [world["team2"].id]
    gender = f.filter_arg(app, "partymember", "gender", "FilterEqual")
    assert f.row_ids(browser.get(f"/admin/partymember/?{gender}=F")) == [world["pm2"].id]


def test_choice_filter_options_are_translated(browser, world):
    page = text(browser.get("/admin/ticket/"))
    assert zh("Dispatched") in page
    assert zh("Urgent") in page


def test_boolean_filters(app, browser, world):
    in_service = f.filter_arg(app, "partymember", "in_service", "BooleanEqualFilter")
    assert f.row_ids(browser.get(f"/admin/partymember/?{in_service}=1")) == [world["pm2"].id]
    assert f.row_ids(browser.get(f"/admin/partymember/?{in_service}=0")) == [world["pm"].id]


@pytest.mark.parametrize("term, keys", [
    ("320102001001", ["t1", "t2", "t3"]),    # community by code: all below it
    ("第一网格", ["t1", "t2"]),               # by name: the micro-grid below too
    ("320102001001G1", ["t1", "t2"]),
    ("一号楼微网格", ["t2"]),
    ("320102001001G2", ["t3"]),
    ("320102", ["t1", "t2", "t3"]),
    ("nowhere", []),
    (" 第一网格 ", ["t1", "t2"]),             # spaces around a typed name
])
def test_within_grid_filter(app, browser, world, term, keys):
    arg = f.filter_arg(app, "ticket", "GridSubtreeFilter")
    response = browser.get("/admin/ticket/", query_string={arg: term})
    assert response.status_code == 200
    assert sorted(f.row_ids(response)) == sorted(world[k].id for k in keys)


@pytest.mark.parametrize("view, keys", [
    ("grid", ["g1", "micro"]),
    ("worker", ["w1", "w2"]),
    ("partyorg", ["branch"]),
    ("volunteerteam", ["team"]),
    ("volunteer", ["v1"]),
    ("meeting", ["m1"]),
])
def test_within_grid_filter_on_each_view(app, browser, world, view, keys):
    arg = f.filter_arg(app, view, "GridSubtreeFilter")
    response = browser.get(f"/admin/{view}/", query_string={arg: "第一网格"})
    assert sorted(f.row_ids(response)) == sorted(world[k].id for k in keys)


def test_lookup_filters(app, browser, world):
    cat = f.filter_arg(app, "ticket", "category")
    assert sorted(f.row_ids(browser.get(f"/admin/ticket/?{cat}={world['cat'].id}"))) == sorted(
        [world["t1"].id, world["t3"].id])
    dept = f.filter_arg(app, "ticket", "department")
    assert f.row_ids(browser.get(f"/admin/ticket/?{dept}={world['dept'].id}")) == [world["t1"].id]
    src = f.filter_arg(app, "ticket", "source")
    assert len(f.row_ids(browser.get(f"/admin/ticket/?{src}={world['src'].id}"))) == 3
    assert f.row_ids(browser.get(f"/admin/ticket/?{cat}=999999")) == []


def test_lookup_filter_offers_the_rows(browser, world):
    page = text(browser.get("/admin/ticket/"))
    assert "环境卫生" in page and "城管局" in page


def test_date_range_filter(app, browser, world):
    arg = f.filter_arg(app, "ticket", "LocalDateRangeFilter")
    # Created 2026-11-01 02:00 UTC = 10:00 local, etc.
    response = browser.get("/admin/ticket/", query_string={arg: "2026-11-01 to 2026-11-02"})
    assert sorted(f.row_ids(response)) == sorted([world["t1"].id, world["t2"].id])
    response = browser.get("/admin/ticket/", query_string={arg: "2026-11-03 to 2026-11-03"})
    assert f.row_ids(response) == [world["t3"].id]


def test_date_range_uses_local_days(app, browser, world):
    """23:30 UTC on the 3rd is the 4th in Shanghai."""
    late = f.ticket(world["g1"], world["cat"], world["src"], number="20261104-0001",
                    created_at=datetime(2026, 11, 3, 17, 30))
    arg = f.filter_arg(app, "ticket", "LocalDateRangeFilter")
    assert f.row_ids(browser.get("/admin/ticket/", query_string={arg: "2026-11-04 to 2026-11-04"})) == [late.id]
    meeting_arg = f.filter_arg(app, "meeting", "LocalDateRangeFilter")
    response = browser.get("/admin/meeting/", query_string={meeting_arg: "2026-11-01 to 2026-11-30"})
    assert f.row_ids(response) == [world["m1"].id]


@pytest.mark.parametrize("value", ["", "abc", "2026-11-01", "2026-11-31 to 2026-12-01", "2026-11-05 to 2026-11-01",
                                   "to", " to ", "2026-11-01 to", "2026-11-01 to 2026-11-02 to 2026-11-03",
                                   "0000-00-00 to 9999-99-99", "%"])
def test_bad_date_range_never_500(app, browser, world, value):
    arg = f.filter_arg(app, "ticket", "LocalDateRangeFilter")
    response = browser.get("/admin/ticket/", query_string={arg: value})
    assert response.status_code == 200


@pytest.mark.parametrize("view", VIEWS)
def test_unknown_or_malformed_filter_args(browser, world, view):
    for query in ["flt0_99=x", "flt0_abc=1", "flt99_0=x", "flt0_=x", "flt0_-1=x", "flt=1", "flt0_0=",
                  "flt0_0=not-a-status", "flt0_0=%25", "flt0_0=' OR 1=1", "flt0_0=a&flt0_0=b",
                  "flt0_99999999999999999999=1"]:
        assert browser.get(f"/admin/{view}/?{query}").status_code == 200, query


@pytest.mark.parametrize("kind", ["category", "source", "department"])
def test_malformed_lookup_filter_args(app, browser, world, kind):
    arg = f.filter_arg(app, "ticket", kind)
    for value in ["abc", "-1", "1.5", "", "999999999999999999999999", "1 OR 1=1", "%", "²", "１", "0"]:
        response = browser.get("/admin/ticket/", query_string={arg: value})
        assert response.status_code == 200, value


@pytest.mark.parametrize("view", ["grid", "worker", "partyorg", "partymember", "volunteerteam", "ticket"])
def test_malformed_boolean_and_choice_filter_args(app, browser, world, view):
    admin_view = f.admin_view(app, view)
    for index in range(len(admin_view._filters)):
        for value in ("abc", "2", "-1", "%", "y"):
            response = browser.get(f"/admin/{view}/", query_string={f"flt0_{index}": value})
            assert response.status_code == 200, (index, value)


# --- sorting -------------------------------------------------------------------------------


def _sort_index(app, view, column):
    # From column_list, not _list_columns: that reads current_user, and the
    # test's app context (and so flask.g) is shared with the client's requests.
    return list(f.admin_view(app, view).column_list).index(column)


@pytest.mark.parametrize("view, column, key", [
    ("ticket", "number", lambda t: t.number),
    ("ticket", "created_at", lambda t: (t.created_at, t.id)),
    ("grid", "code", lambda g: g.code),
    ("worker", "name", lambda w: w.name),
    ("servicerecord", "hours", lambda r: (r.hours, r.id)),
    ("category", "code", lambda c: c.code),
])
def test_sorting(app, browser, world, view, column, key):
    model = CREATE[view][0]
    index = _sort_index(app, view, column)
    expected = [o.id for o in sorted(model.select(), key=key)]
    asc = f.row_ids(browser.get(f"/admin/{view}/?sort={index}"))
    desc = f.row_ids(browser.get(f"/admin/{view}/?sort={index}&desc=1"))
    assert asc == expected
    assert desc == list(reversed(expected))


@pytest.mark.parametrize("view", VIEWS)
def test_bad_sort_and_page_never_500(browser, world, view):
    for query in ["sort=999", "sort=abc", "sort=-1", "desc=x", "sort=0&desc=x", "sort=", "sort=1", "sort=3&desc=1",
                  "sort=99999999999999999999", "page=-1", "page=abc", "page=99999999", "page=1.5", "page=",
                  "page_size=abc", "page_size=-5", "page_size=100000", "page=0&page_size=0",
                  "page=99999999999999999999", "page=-99999999999999999999"]:
        assert browser.get(f"/admin/{view}/?{query}").status_code == 200, query


def test_paging(browser, world):
    for n in range(45):
        f.ticket(world["g2"], world["cat"], world["src"], number=f"20261001-{n + 1:04d}")
    first = f.row_ids(browser.get("/admin/ticket/"))
    second = f.row_ids(browser.get("/admin/ticket/?page=1"))
    third = f.row_ids(browser.get("/admin/ticket/?page=2"))
    assert (len(first), len(second), len(third)) == (20, 20, 8)
    assert not set(first) & set(second)
    assert len(set(first + second + third)) == 48
    assert f.row_ids(browser.get("/admin/ticket/?page=99999999")) == []


# --- edited URLs: details, edit, delete -------------------------------------------------------


@pytest.mark.parametrize("view", VIEWS)
def test_edited_ids_on_details_and_edit(browser, world, view):
    for id_query in ["id=999999", "id=abc", "id=-1", "id=0", "id=", "id=1.5", "id=1%00", "", "id=%20",
                     "id=99999999999999999999999", "id=1&id=2", "id=²", "id=1e3"]:
        for page in ("details", "edit"):
            response = browser.get(f"/admin/{view}/{page}/?{id_query}")
            assert response.status_code in (302, 400, 404), (page, id_query, response.status_code)
            if response.status_code == 302:
                assert f"/admin/{view}/" in response.headers["Location"]


@pytest.mark.parametrize("view", VIEWS)
def test_edited_ids_on_delete(browser, world, view):
    model = CREATE[view][0]
    before = model.select().count()
    for obj_id in ["999999", "abc", "", "-1", "99999999999999999999999", "²"]:
        response = browser.post_form(f"/admin/{view}/delete/", {"id": obj_id}, token_url=f"/admin/{view}/new/")
        assert response.status_code in (302, 404), obj_id
    assert model.select().count() == before


@pytest.mark.parametrize("obj_id", ["999999", "abc"])
def test_post_edit_of_missing_record(browser, world, obj_id):
    response = browser.post_form(f"/admin/category/edit/?id={obj_id}", category_data(world),
                                 token_url="/admin/category/new/")
    assert response.status_code in (302, 404)
    assert not Category.select().where(Category.code == "TRAFFIC").exists()


def test_unknown_pages_are_404(browser):
    assert browser.get("/admin/nope/").status_code == 404
    assert browser.get("/admin/ticket/nope/").status_code == 404


# --- total hours ------------------------------------------------------------------------------


def test_team_and_volunteer_pages_show_total_hours(browser, world):
    teams = text(browser.get("/admin/volunteerteam/"))
    assert re.search(r">\s*4(\.0)?\s*<", teams)       # 2.5 + 1.5 for 红马甲服务队
    page = text(browser.get(f"/admin/volunteerteam/details/?id={world['team'].id}"))
    assert re.search(r">\s*4(\.0)?\s*<", page)
    page = text(browser.get(f"/admin/volunteer/details/?id={world['v2'].id}"))
    assert re.search(r">\s*4(\.0)?\s*<", page)
    f.service_record(world["v2"], "0.5", activity="补录")
    page = text(browser.get(f"/admin/volunteer/details/?id={world['v2'].id}"))
    assert re.search(r">\s*4\.5\s*<", page)
    # A team without records shows 0, not an error.
    empty = f.team(world["g2"], name="新队")
    page = text(browser.get(f"/admin/volunteerteam/details/?id={empty.id}"))
    assert re.search(r">\s*0\s*<", page)


def test_total_hours_column_on_lists(browser, world):
    page = text(browser.get("/admin/volunteer/"))
    row = page[page.index("孙志愿"):]
    row = row[:row.index("</tr>")]
    assert re.search(r">\s*4(\.0)?\s*<", row)


# --- inline meeting items ----------------------------------------------------------------------


def test_meeting_create_with_new_items(browser, world):
    data = {**meeting_data(world),
            "items-0-topic": "小区停车难", "items-0-raised_by": "居民甲",
            "items-0-deadline": "2026-12-31",
            "items-1-topic": "加装电梯", "items-1-resolution": "申请加装", "items-1-responsible": "王主任"}
    response = create(browser, "meeting", data)
    assert saved(response), text(response)
    m = Meeting.get(Meeting.title == "十二月议事会")
    items = list(MeetingItem.select().where(MeetingItem.meeting == m.id).order_by(MeetingItem.id))
    # New items start raised; the loop, not the form, moves them on.
    assert [(i.topic, i.status, i.resolution) for i in items] == [("小区停车难", "raised", None),
                                                                   ("加装电梯", "raised", "申请加装")]
    assert items[0].deadline == date(2026, 12, 31)
    assert items[1].responsible == "王主任"


def test_meeting_edit_adds_changes_and_deletes_items(browser, world):
    m = world["m1"]
    data = form_values(browser, f"/admin/meeting/edit/?id={m.id}")
    first, second = list(MeetingItem.select().where(MeetingItem.meeting == m.id).order_by(MeetingItem.id))
    assert data["items-0-id"] == str(first.id)
    data["items-0-topic"] = "停车难(已协调)"
    data["items-0-resolution"] = "错峰停车"
    data["del-items-1"] = "on"
    data.update({"items-2-topic": "新议题"})
    response = edit(browser, "meeting", m.id, data)
    assert saved(response), text(response)
    items = list(MeetingItem.select().where(MeetingItem.meeting == m.id).order_by(MeetingItem.id))
    assert [(i.topic, i.resolution) for i in items] == [("停车难(已协调)", "错峰停车"), ("新议题", None)]
    assert items[0].id == first.id
    assert not MeetingItem.select().where(MeetingItem.topic == second.topic).exists()


def test_meeting_inline_cannot_take_another_meetings_item(browser, world):
    other = f.meeting(world["g2"], items=["别人的议题"])
    theirs = MeetingItem.get(MeetingItem.meeting == other.id)
    data = form_values(browser, f"/admin/meeting/edit/?id={world['m1'].id}")
    data.update({"items-2-id": str(theirs.id), "items-2-topic": "改走"})
    data["del-items-0"] = "on"
    data["items-0-id"] = str(theirs.id)
    edit(browser, "meeting", world["m1"].id, data)
    theirs = MeetingItem.get_by_id(theirs.id)
    assert (theirs.meeting_id, theirs.topic) == (other.id, "别人的议题")


def test_meeting_inline_errors_save_nothing(browser, world):
    data = {**meeting_data(world), "items-0-topic": ""}
    response = create(browser, "meeting", data)
    assert not saved(response)
    assert not Meeting.select().where(Meeting.title == "十二月议事会").exists()
    assert zh("This field is required.", "wtforms") in text(response)


def test_meeting_details_lists_items(browser, world):
    page = text(browser.get(f"/admin/meeting/details/?id={world['m1'].id}"))
    assert "停车难" in page and "垃圾分类" in page


# --- ajax lookups ----------------------------------------------------------------------------


def ajax(browser, view, name, query="", **extra):
    return browser.get(f"/admin/{view}/ajax/lookup/", query_string={"name": name, "query": query, **extra})


@pytest.mark.parametrize("view, name, query, keys", [
    ("ticket", "grid", "第一", ["g1"]),
    ("ticket", "grid", "320102001001G", ["g1", "g2", "micro"]),
    ("ticket", "reporter", "张", ["w1"]),
    ("ticket", "reporter", "13900000002", ["w2"]),
    ("worker", "grid", "微网格", ["micro"]),
    ("grid", "parent", "新街口", ["community"]),
    ("grid", "leader", "王五", ["w3"]),
    ("partyorg", "parent", "党总支", ["org"]),
    ("partymember", "org", "支部", ["branch"]),
    ("meeting", "grid", "第二", ["g2"]),
    ("volunteer", "team", "巡逻", ["team2"]),
    ("servicerecord", "volunteer", "孙", ["v1"]),
    ("servicerecord", "team", "红马甲", ["team"]),
    ("volunteerteam", "grid", "第一网格", ["g1"]),
])
def test_ajax_lookup(browser, world, view, name, query, keys):
    response = ajax(browser, view, name, query)
    assert response.status_code == 200
    rows = response.get_json()
    assert sorted(row[0] for row in rows) == sorted(world[k].id for k in keys)
    assert all(isinstance(row[1], str) and row[1] for row in rows)


def test_ajax_lookup_prefix_of_code(browser, world):
    rows = ajax(browser, "ticket", "grid", "320102").get_json()
    assert len(rows) == 6
    assert rows[0][0] == world["district"].id  # shortest code first


@pytest.mark.parametrize("params", [
    {"name": "nope", "query": "a"}, {"name": "", "query": "a"}, {"query": "a"},
    {"name": "grid", "query": "%"}, {"name": "grid", "query": "_"}, {"name": "grid", "query": "'"},
    {"name": "grid", "query": "a", "offset": "abc"}, {"name": "grid", "query": "a", "offset": "-5"},
    {"name": "grid", "query": "a", "limit": "abc"}, {"name": "grid", "ids": "abc"},
    {"name": "grid", "ids": "999999"}, {"name": "grid"}, {"name": "grid", "query": "a\x00b"},
    {"name": "grid\x00", "query": "a"}, {"name": "grid", "query": "99999999999999999999999"},
])
def test_ajax_lookup_bad_input(browser, world, params):
    response = browser.get("/admin/ticket/ajax/lookup/", query_string=params)
    assert response.status_code in (200, 400, 404)
    if response.status_code == 200 and params.get("query") in ("%", "_", "'"):
        assert response.get_json() == []


def test_ajax_lookup_unauthenticated(app, world):
    response = app.test_client().get("/admin/ticket/ajax/lookup/?name=grid&query=网格")
    assert response.status_code == 302


def test_ajax_create_form_with_stale_id(browser, world):
    """A posted id that no longer exists is a field error, not a 500."""
    data = {**ticket_data(world), "reporter": "999999"}
    response = create(browser, "ticket", data)
    assert not saved(response)
    assert not Ticket.select().where(Ticket.title == "占道经营").exists()


# --- locale --------------------------------------------------------------------------------------


def test_default_locale_is_simplified_chinese(browser):
    page = text(browser.get("/admin/ticket/"))
    assert zh("List", "admin") in page
    assert zh("Create", "admin") in page


def test_locale_switch(browser):
    browser.get("/locale/en")
    page = text(browser.get("/admin/ticket/"))
    assert "List" in page and zh("List", "admin") not in page
    browser.get("/locale/zh_Hant_TW")
    page = text(browser.get("/admin/ticket/"))
    with open(TRANSLATIONS / "zh_Hant_TW" / "LC_MESSAGES" / "admin.mo", "rb") as fh:
        assert read_mo(fh).get("Create").string in page


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_locale_switch_is_no_open_redirect(browser, target):
    response = browser.get("/locale/en", query_string={"next": target})
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"] and "javascript" not in response.headers["Location"]


def test_login_next_is_no_open_redirect(app):
    client = app.test_client()
    page = text(client.get("/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login?next=//evil.example/", data={"username": "admin", "password": "admin-pass-1",
                                                                "csrf_token": token})
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]
