"""The map page and its data, the boundary import screen, the dispatch
rules screen, and reporting with a position: roles, scope, CSRF, bad input."""

import json
import re

import pytest

from gridadmin.models import AuditLog, DispatchRule, Grid, GridBoundary, Ticket, User, db, utcnow
from gridadmin.services import boundaries, workflow
from gridadmin.web.views.places import tile_settings
from tests.conftest import csrf_token
from tests.test_permissions import ROLES, build_world, client_for

PLACE = {"in": (118.78, 32.04), "out": (118.90, 32.10)}  # (lng, lat) inside each street's grid


def square(lng, lat, half=0.005):
    return {"type": "Polygon", "coordinates": [[[lng - half, lat - half], [lng + half, lat - half],
                                                [lng + half, lat + half], [lng - half, lat + half],
                                                [lng - half, lat - half]]]}


def geojson(*pairs):
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": code}, "geometry": geometry} for code, geometry in pairs]})


@pytest.fixture
def placed(app):
    """The permission world with boundaries and positioned tickets."""
    with app.app_context():
        db.connect(reuse_if_open=True)
        world = build_world()
        grid_in, grid_out = world["records"]["grid"]
        comm_in, comm_out = Grid.get_by_id(grid_in.parent_id), Grid.get_by_id(grid_out.parent_id)
        boundaries.import_file(geojson(
            (comm_in.code, square(*PLACE["in"], 0.01)), (grid_in.code, square(*PLACE["in"])),
            (comm_out.code, square(*PLACE["out"], 0.01)), (grid_out.code, square(*PLACE["out"]))))
        t_in, t_out = world["records"]["ticket"]
        for ticket, (lng, lat) in ((t_in, PLACE["in"]), (t_out, PLACE["out"])):
            Ticket.update(longitude=lng, latitude=lat).where(Ticket.id == ticket.id).execute()
        closed = Ticket.create(number="20260105-0099", title="甲内已结", category=t_in.category_id,
                               source=t_in.source_id, grid=grid_in.id, status="closed", longitude=PLACE["in"][0],
                               latitude=PLACE["in"][1] + 0.001)
        world["closed"] = closed
        world["grids"] = {"in": grid_in, "out": grid_out, "comm_in": comm_in}
        return world


def bbox(west=118.7, south=31.95, east=119.0, north=32.15):
    return f"{west},{south},{east},{north}"


@pytest.mark.parametrize("role", ROLES)
def test_the_map_by_role(app, placed, role):
    client = client_for(app, placed["users"][role])
    page = client.get("/admin/map/")
    data = client.get(f"/admin/map/data/?bbox={bbox()}")
    if role not in ("admin", "centre", "secretary", "viewer"):
        assert (page.status_code, data.status_code) == (403, 403)
        return
    assert page.status_code == 200 and data.status_code == 200
    html = page.get_data(as_text=True)
    assert "vendor/leaflet/leaflet.js" in html and "gcoord" not in html  # no GCJ-02 tiles configured
    body = data.get_json()
    numbers = {t["number"] for t in body["tickets"]}
    names = {f["properties"]["name"] for f in body["boundaries"]["features"]}
    t_in, t_out = placed["records"]["ticket"]
    assert t_in.number in numbers and placed["closed"].number not in numbers  # open tickets only
    if role == "admin":
        assert t_out.number in numbers and "乙外网格" in names
    else:
        assert t_out.number not in numbers and not any("乙外" in n for n in names)
        assert "乙外" not in data.get_data(as_text=True)
    assert {"甲内社区", "甲内网格"} <= names
    ticket = next(t for t in body["tickets"] if t["number"] == t_in.number)
    assert (ticket["lat"], ticket["lng"], ticket["light"]) == (PLACE["in"][1], PLACE["in"][0], "none")
    assert ticket["url"].endswith(f"/admin/ticket/details/?id={t_in.id}")


@pytest.mark.parametrize("value", ["", "1,2,3", "a,b,c,d", "nan,1,2,3", "5,1,2,3", "1,5,2,3", "inf,1,2,3",
                                   "1,2,3,4,5"])
def test_a_bad_view_box_is_a_400_never_a_500(app, placed, value):
    client = client_for(app, placed["users"]["centre"])
    assert client.get("/admin/map/data/", query_string={"bbox": value}).status_code == 400


def test_the_map_colours_by_due_light_and_bounds_what_it_sends(app, placed):
    t_in = placed["records"]["ticket"][0]
    with app.app_context():
        now = utcnow()
        from datetime import timedelta
        Ticket.update(status="dispatched", dispatched_at=now - timedelta(days=3), due_at=now - timedelta(hours=1)) \
            .where(Ticket.id == t_in.id).execute()
    client = client_for(app, placed["users"]["centre"])
    body = client.get(f"/admin/map/data/?bbox={bbox(-200, -100, 200, 100)}").get_json()  # clamped, not refused
    ticket = next(t for t in body["tickets"] if t["number"] == t_in.number)
    assert (ticket["light"], ticket["status"]) == ("red", "已派遣")
    assert body["more"] is False


def test_tile_settings():
    assert tile_settings({}) == {"layers": [], "coords": "wgs84"}
    tianditu = tile_settings({"MAP_TIANDITU_KEY": "abc123"})
    assert tianditu["coords"] == "wgs84" and len(tianditu["layers"]) == 2
    assert all("tk=abc123" in layer["url"] and "tianditu.gov.cn" in layer["url"] for layer in tianditu["layers"])
    local = tile_settings({"MAP_TILE_URL": "http://127.0.0.1:8080/{z}/{x}/{y}.png", "MAP_TILE_COORDS": "GCJ02"})
    assert local["coords"] == "gcj02" and local["layers"][0]["url"].startswith("http://127.0.0.1:8080/")
    assert tile_settings({"MAP_TILE_URL": "http://127.0.0.1:8080/tiles"})["layers"] == []  # no {x}/{y}/{z}


# --- the boundary import screen ------------------------------------------------

def _post_file(client, data, button="import", token=None):
    token = token or csrf_token(client.get("/admin/boundaries/").get_data(as_text=True))
    from io import BytesIO
    return client.post("/admin/boundaries/", data={"csrf_token": token, button: "1",
                                                    "file": (BytesIO(data.encode()), "grids.geojson")},
                       content_type="multipart/form-data")


def test_a_centre_imports_boundaries_on_the_screen(app, placed):
    grid_in = placed["grids"]["in"]
    client = client_for(app, placed["users"]["centre"])
    data = geojson((grid_in.code, square(*PLACE["in"], 0.004)))
    checked = _post_file(client, data, button="check")
    assert checked.status_code == 200 and "甲内网格" in checked.get_data(as_text=True)
    with app.app_context():
        assert GridBoundary.get(GridBoundary.grid == grid_in.id).version == 0  # a check writes nothing
    response = _post_file(client, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "boundary-matches" in html
    with app.app_context():
        assert GridBoundary.get(GridBoundary.grid == grid_in.id).version == 1
        entry = AuditLog.select().where(AuditLog.model == "GridBoundary").order_by(AuditLog.id.desc()).get()
        assert entry.username == "u_centre"


def test_the_screen_refuses_out_of_scope_codes_and_names_the_feature(app, placed):
    client = client_for(app, placed["users"]["centre"])
    grid_in, grid_out = placed["grids"]["in"], placed["grids"]["out"]
    with app.app_context():
        before = [(b.grid_id, b.version) for b in GridBoundary.select().order_by(GridBoundary.id)]
    response = _post_file(client, geojson((grid_in.code, square(*PLACE["in"], 0.003)),
                                          (grid_out.code, square(*PLACE["out"], 0.003))))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "boundary-problems" in html
    assert "第 2 个要素" in html and grid_out.code in html
    with app.app_context():
        assert [(b.grid_id, b.version) for b in GridBoundary.select().order_by(GridBoundary.id)] == before
    assert _post_file(client, "{broken").status_code == 200


def test_the_import_screen_needs_its_role_and_csrf(app, placed):
    for role in ("secretary", "viewer", "worker", "department", "volunteer"):
        assert client_for(app, placed["users"][role]).get("/admin/boundaries/").status_code == 403
    client = client_for(app, placed["users"]["admin"])
    grid_in = placed["grids"]["in"]
    response = _post_file(client, geojson((grid_in.code, square(*PLACE["in"], 0.002))), token="forged")
    assert response.status_code in (200, 400)
    with app.app_context():
        assert GridBoundary.get(GridBoundary.grid == grid_in.id).version == 0


# --- dispatch rules on their screen, and at work ---------------------------

def test_dispatch_rules_screen_admin_only_checked_and_audited(app, placed):
    records = placed["records"]
    cat = records["ticket"][0].category_id
    dep = records["department"][0]
    for role in ROLES:
        if role != "admin":
            assert client_for(app, placed["users"][role]).get("/admin/dispatchrule/").status_code == 403
    admin = client_for(app, placed["users"]["admin"])
    token = csrf_token(admin.get("/admin/dispatchrule/new/").get_data(as_text=True))
    form = {"csrf_token": token, "name": "环境自动派单", "category": str(cat), "target": "department",
            "department": "__None", "sort_order": "1", "auto": "y", "active": "y"}
    refused = admin.post("/admin/dispatchrule/new/", data=form)
    assert "派往部门的规则必须指定部门" in refused.get_data(as_text=True)
    with app.app_context():
        assert DispatchRule.select().where(DispatchRule.name == "环境自动派单").count() == 0
    saved = admin.post("/admin/dispatchrule/new/", data={**form, "department": str(dep.id)})
    assert saved.status_code == 302
    with app.app_context():
        rule = DispatchRule.get(DispatchRule.name == "环境自动派单")
        assert AuditLog.select().where((AuditLog.model == "DispatchRule") & (AuditLog.record_id == rule.id)).exists()


def test_a_report_with_a_position_finds_its_grid_and_is_dispatched_by_rule(app, placed):
    records = placed["records"]
    t_in = records["ticket"][0]
    dep = records["department"][0]
    with app.app_context():
        DispatchRule.create(name="环境自动派单", category=t_in.category_id, department=dep.id, auto=True, sort_order=-1)
    worker = client_for(app, placed["users"]["worker"])
    token = csrf_token(worker.get("/admin/ticket/new/").get_data(as_text=True))
    form = {"csrf_token": token, "title": "定位上报", "category": str(t_in.category_id),
            "source": str(t_in.source_id), "grid": "", "priority": "normal",
            "latitude": str(PLACE["in"][1] + 0.001), "longitude": str(PLACE["in"][0])}
    outside = worker.post("/admin/ticket/new/", data={**form, "latitude": "32.10", "longitude": "118.90"})
    assert "位置不在您所辖任何网格的边界内" in outside.get_data(as_text=True)
    half = worker.post("/admin/ticket/new/", data={**form, "longitude": ""})
    assert "纬度和经度" in half.get_data(as_text=True)
    response = worker.post("/admin/ticket/new/", data=form, follow_redirects=True)
    assert "派单规则" in response.get_data(as_text=True)
    with app.app_context():
        ticket = Ticket.get(Ticket.title == "定位上报")
        assert (ticket.grid_id, ticket.status, ticket.department_id) == (placed["grids"]["in"].id, "dispatched", dep.id)
    page = client_for(app, placed["users"]["centre"]).get(f"/admin/ticket/details/?id={ticket.id}")
    text = page.get_data(as_text=True)
    assert "环境自动派单" in text and "系统（智能派单）" in text


def test_the_centre_sees_the_suggested_dispatch_and_takes_it_in_one_click(app, placed):
    records = placed["records"]
    t_in = records["ticket"][0]
    dep = records["department"][0]
    with app.app_context():
        DispatchRule.create(name="环境建议", category=t_in.category_id, department=dep.id, auto=False,
                            sort_order=-1)  # before the world's own rule
        workflow.transition(Ticket.get_by_id(t_in.id), "accept", User.get(User.username == "admin"))
    centre = client_for(app, placed["users"]["centre"])
    html = centre.get(f"/admin/ticket/details/?id={t_in.id}").get_data(as_text=True)
    assert 'id="dispatch-suggestion"' in html and "环境建议" in html
    form = re.search(r'<form[^>]*id="dispatch-as-suggested".*?</form>', html, re.S).group(0)
    fields = dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', form))
    assert fields["dispatch-department"] == str(dep.id) and fields["dispatch-assignee"] == ""
    # The open dispatch form is left blank (a worker picked there must not clash with it).
    assert "<option selected" not in html.split('id="dispatch-as-suggested"')[1]
    response = centre.post(f"/admin/ticket/step/?id={t_in.id}", data=fields)
    assert response.status_code == 302
    with app.app_context():
        ticket = Ticket.get_by_id(t_in.id)
        assert (ticket.status, ticket.department_id) == ("dispatched", dep.id)
    secretary_html = client_for(app, placed["users"]["secretary"]).get(
        f"/admin/ticket/details/?id={t_in.id}").get_data(as_text=True)
    assert 'id="dispatch-suggestion"' not in secretary_html  # only those who dispatch
