"""The monthly briefing over a hand-built month (2026-10, Asia/Shanghai):
every indicator as the issue defines it, its edge cases (the last evening
of the month in local time, an extension across the month end, a reopened
ticket, a merged one, zero denominators), each drill-down listing exactly
the tickets counted, scope, and publishing (frozen, versioned, who may)."""

import re
from datetime import date, datetime, timedelta

import factories as f
import pytest

from gridadmin.models import PublishedBriefing, Ticket, User, db
from gridadmin.models.stats import BriefingSettings
from gridadmin.services import briefings, dates, stats, tally, workflow
from gridadmin.services import tickets as ticket_service
from gridadmin.services.errors import RuleError
from tests.conftest import client_for

TZ = "Asia/Shanghai"
OCT = date(2026, 10, 1)
NOV = date(2026, 11, 1)
NOW = datetime(2026, 11, 18, 2, 0)


def at(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute)


@pytest.fixture
def month(database, monkeypatch):
    return build_month(monkeypatch)


@pytest.fixture
def month_web(app, monkeypatch):
    """The same month, built outside any request (each web request below
    gets its own app context, so flask-login never reuses a user)."""
    with app.app_context():
        db.connect(reuse_if_open=True)
        built = build_month(monkeypatch)
    monkeypatch.undo()
    return built


def build_month(monkeypatch):
    t = f.tree()
    other_street = f.grid("320102002", "梅园新村街道", "street", t["district"])
    other_comm = f.grid("320102002001", "大行宫社区", "community", other_street)
    other_grid = f.grid("320102002001G1", "外网格", "grid", other_comm)
    cat = f.category("市容环境", time_limit_hours=24, round_the_clock=True, self_closable=True)
    src, hotline = f.source("网格员巡查"), f.source("12345热线")
    dept = f.department("城管局")
    admin = User.get(User.username == "admin")
    worker = f.worker(t["g1"], "甲")
    wuser = User.create(username="w", password_hash="x", role="worker", grid=t["g1"], worker=worker)
    centre = User.create(username="centre", password_hash="x", role="centre", grid=t["street"])
    viewer = User.create(username="viewer", password_hash="x", role="viewer", grid=t["street"])
    clock = {"now": None}
    monkeypatch.setattr(ticket_service, "utcnow", lambda: clock["now"])

    def report(when, grid=t["g1"], source=src, reporter=None):
        clock["now"] = when
        ticket = Ticket(title="事件", category=cat, source=source, grid=grid, reporter=reporter)
        return workflow.report(ticket, admin, (when + timedelta(hours=8)).date(), tz=TZ)

    def step(ticket, action, when, actor=admin, **fields):
        return workflow.transition(Ticket.get_by_id(ticket.id), action, actor, now=when, tz=TZ, **fields)

    def loop(ticket, *steps):
        for action, when, fields in steps:
            ticket = step(ticket, action, when, **fields)
        return ticket

    d = {"department": dept}
    w = {}
    # The last evening of October (23:30 local) is October's; half past midnight is November's.
    w["A"] = report(at(10, 31, 15, 30))
    w["B"] = report(at(10, 31, 16, 30))
    w["C"] = loop(report(at(10, 10, 2), source=hotline), ("accept", at(10, 10, 3), {}),
                  ("dispatch", at(10, 10, 3), d), ("handle", at(10, 10, 9), {"note": "好"}),
                  ("verify", at(10, 10, 10), {}), ("rate", at(10, 12, 2), {"satisfaction": "satisfied"}))
    # Due 21 October, extended into November (approved in October).
    w["D"] = loop(report(at(10, 20, 2)), ("accept", at(10, 20, 3), {}), ("dispatch", at(10, 20, 3), d),
                  ("request_extension", at(10, 20, 5), {"note": "材料", "due_at": at(11, 3, 2)}),
                  ("approve_extension", at(10, 20, 6), {}))
    # Returned once, closed late, rated dissatisfied.
    w["E"] = loop(report(at(10, 5, 2)), ("accept", at(10, 5, 3), {}), ("dispatch", at(10, 5, 3), d),
                  ("handle", at(10, 5, 8), {"note": "好"}), ("return", at(10, 5, 9), {"note": "没好"}),
                  ("handle", at(10, 6, 8), {"note": "好了"}), ("verify", at(10, 9, 2), {}),
                  ("rate", at(10, 9, 3), {"satisfaction": "dissatisfied"}))
    w["F"] = loop(report(at(10, 3, 2)), ("reject", at(10, 3, 3), {"note": "不属实"}))
    w["G"] = loop(report(at(10, 6, 2)), ("merge", at(10, 6, 3), {"target": Ticket.get_by_id(w["E"].id)}))
    # Closed on time, reopened on the 15th, dispatched again: due the 16th, still open.
    w["H"] = loop(report(at(10, 8, 2)), ("accept", at(10, 8, 3), {}), ("dispatch", at(10, 8, 3), d),
                  ("handle", at(10, 8, 5), {"note": "好"}), ("verify", at(10, 8, 6), {}),
                  ("reopen", at(10, 15, 2), {"note": "复发"}), ("dispatch", at(10, 15, 3), d))
    w["I"] = step(report(at(10, 12, 2), reporter=worker), "close_on_spot", at(10, 12, 3), actor=wuser, note="当场")
    w["J"] = report(at(10, 10, 2), grid=other_grid)  # another street
    return {**t, "tickets": w, "dept": dept, "admin": admin, "centre": centre, "viewer": viewer, "wuser": wuser,
            "cat": cat, "src": src, "hotline": hotline, "other_street": other_street, "step": step}


EXPECTED = {
    "reported": 8, "accepted": 4, "rejected": 1, "merged": 1,
    "due": 3, "closed": 2, "ontime": 1, "overdue": 2,
    "returned": 1, "handled": 4, "extended": 1, "dispatched": 5, "rated": 2, "satisfied": 1, "on_spot": 1,
}
RATES = {"closure_rate": 2 / 3, "ontime_rate": 1 / 3, "rework_rate": 1 / 4, "extension_rate": 1 / 5,
         "satisfaction_rate": 1 / 2}
# The tickets each figure's drill-down lists (event figures: the tickets with such events).
LISTED = {
    "reported": "ACDEFGHI", "accepted": "CDEH", "rejected": "F", "merged": "G", "due": "CEH", "closed": "CE",
    "ontime": "C", "overdue": "DH", "returned": "E", "handled": "CEH", "extended": "D", "dispatched": "CDEH",
    "rated": "CE", "satisfied": "C", "on_spot": "I",
}


def test_every_indicator_over_the_hand_built_month(month):
    result = briefings.compute(month["street"], OCT, TZ, now=NOW, user=month["centre"])
    got = {name: result["figures"][name]["value"] for name in list(EXPECTED) + list(RATES)}
    assert {k: got[k] for k in EXPECTED} == EXPECTED
    for name, value in RATES.items():
        assert got[name] == pytest.approx(value), name
    # Mean working hours dispatch → handling: C 0 h (Saturday 10 October: not a workday), E 5 h and 29 h
    # (Monday into Tuesday), H 2 h.
    assert result["figures"]["handle_hours"]["value"] == pytest.approx((0 + 5 + 29 + 2) / 4, abs=0.1)
    # The month before had nothing: rates over nothing are None (shown as "—"), counts 0.
    assert result["figures"]["closure_rate"]["previous"] is None
    assert result["figures"]["reported"]["previous"] == 0
    assert result["figures"]["reported"]["last_year"] == 0
    # Sources and categories of the month's reports.
    assert [(s["name"], s["count"]) for s in result["by_source"]] == [("网格员巡查", 7), ("12345热线", 1)]
    assert result["by_category"][0]["count"] == 8
    # November starts at local midnight: B and the extended due time of D.
    november = briefings.compute(month["street"], NOV, TZ, now=NOW)
    assert november["figures"]["reported"]["value"] == 1
    assert november["figures"]["due"]["value"] == 1
    assert november["figures"]["reported"]["previous"] == 8


def test_live_figures_of_nodes_the_tally_does_not_keep_agree(month):
    """A community keeps only totals, a grid nothing: their figures come
    from their tickets by the same function, and agree with the street's
    (every ticket of this street is in the first grid)."""
    street = briefings.compute(month["street"], OCT, TZ, now=NOW)
    for node in (month["community"], month["g1"]):
        other = briefings.compute(node, OCT, TZ, now=NOW)
        assert other["figures"] == street["figures"], node.level
        assert other["by_source"] == street["by_source"]
        assert other["departments"] == street["departments"]


def test_every_figure_drills_down_to_exactly_its_tickets(month):
    names = {t.id: key for key, t in month["tickets"].items()}
    after = stats.add_months(OCT, 1)
    for figure, expected in LISTED.items():
        listed = {names[t.id] for t in stats.tickets(figure, month["street"], OCT, after, TZ, NOW)}
        assert "".join(sorted(listed)) == expected, figure
        if figure not in ("handled", "dispatched"):  # one event per ticket here: the count is the list
            assert len(listed) == EXPECTED[figure], figure


def test_scope_a_street_counts_only_its_street(month):
    other = briefings.compute(month["other_street"], OCT, TZ, now=NOW)
    assert other["figures"]["reported"]["value"] == 1
    district = briefings.compute(month["district"], OCT, TZ, now=NOW)
    assert district["figures"]["reported"]["value"] == 9
    assert [c["name"] for c in district["children"]["ranked"] + district["children"]["apart"]] == [
        "玄武门街道", "梅园新村街道"]


def test_department_ranking_needs_enough_due_tickets(month):
    result = briefings.compute(month["street"], OCT, TZ, now=NOW)
    assert result["departments"]["ranked"] == [] and [d["name"] for d in result["departments"]["apart"]] == ["城管局"]
    BriefingSettings.update(min_due=2).execute()
    ranked = briefings.compute(month["street"], OCT, TZ, now=NOW)["departments"]["ranked"]
    assert [(d["name"], d["rank"]) for d in ranked] == [("城管局", 1)]
    # 0.2 × volume 1 + 0.3 × 2/3 + 0.3 × 1/3 + 0.2 × (1 − 1/4)
    assert ranked[0]["score"] == pytest.approx(0.65, abs=1e-3)


def test_overdue_list_by_department_and_days(month):
    result = briefings.compute(month["street"], OCT, TZ, now=NOW)
    assert [(d["name"], d["count"]) for d in result["overdue"]["by_department"]] == [("城管局", 2)]
    worst = result["overdue"]["worst"]
    assert [w["id"] for w in worst] == [month["tickets"]["H"].id, month["tickets"]["D"].id]
    assert [(c["name"], c["count"]) for c in result["overdue"]["by_child"]] == [("新街口社区", 2)]
    below = briefings.compute(month["community"], OCT, TZ, now=NOW)["overdue"]["by_child"]
    assert [(c["name"], c["count"]) for c in below] == [("第一网格", 2)]
    assert worst[0]["days"] == 32  # due 16 Oct 03:00 UTC, now 18 Nov 02:00: 32 whole days


def test_the_tally_kept_equals_a_rebuild(month):
    assert tally.check(TZ) == []


def test_published_briefing_is_frozen_and_versioned(month):
    with pytest.raises(RuleError):
        briefings.publish(month["street"], OCT, month["viewer"], TZ, now=NOW)
    with pytest.raises(RuleError):  # a centre publishes only within its own street
        briefings.publish(month["other_street"], OCT, month["centre"], TZ, now=NOW)
    first = briefings.publish(month["street"], OCT, month["centre"], TZ, now=NOW)
    assert (first.version, first.username) == (1, "centre")
    frozen = briefings.frozen(first)
    # Later steps change the live figures, never the published ones.
    month["step"](month["tickets"]["A"], "accept", NOW + timedelta(hours=1))
    month["step"](month["tickets"]["D"], "handle", NOW + timedelta(hours=1), note="好")
    live = briefings.compute(month["street"], OCT, TZ, now=NOW + timedelta(hours=2))
    assert live["figures"]["accepted"]["value"] == 5
    assert briefings.frozen(PublishedBriefing.get_by_id(first.id)) == frozen
    assert frozen["figures"]["accepted"]["value"] == 4
    second = briefings.publish(month["street"], OCT, month["admin"], TZ, now=NOW + timedelta(hours=2))
    assert second.version == 2 and PublishedBriefing.select().count() == 2
    assert briefings.frozen(second)["figures"]["accepted"]["value"] == 5
    # Listed for the node's users: the street's viewer and a secretary below it; not another street's.
    comm_user = User.create(username="sec", password_hash="x", role="secretary", grid=month["community"])
    other = User.create(username="other", password_hash="x", role="centre", grid=month["other_street"])
    assert briefings.published_for(month["viewer"]).count() == 2
    assert briefings.published_for(comm_user).count() == 2
    assert briefings.published_for(other).count() == 0


def test_parse_month():
    assert dates.parse_month("2026-10") == OCT
    for bad in ("2026-13", "2026-1", "abcd-ef", "", "２０２６-10", "9999-01"):
        assert dates.parse_month(bad) is None



# --- the pages ------------------------------------------------------------------


def _html(response):
    return response.get_data(as_text=True)


def test_briefing_page_links_each_figure_to_exactly_its_tickets(app, month_web):
    client = client_for(app, month_web["centre"])
    page = client.get(f"/admin/briefing/?month=2026-10&grid={month_web['street'].code}")
    assert page.status_code == 200
    html = _html(page)
    rows = dict(re.findall(r'<tr data-figure="(\w+)">.*?<td class="text-right figure-value">(.*?)</td>', html, re.S))
    checked = 0
    for figure, cell in rows.items():
        found = re.search(r'<a href="([^"]+)">([\d,]+)</a>', cell)
        if not found or figure in ("handled", "dispatched"):
            continue
        url, number = found.group(1).replace("&amp;", "&"), int(found.group(2).replace(",", ""))
        listed = set(re.findall(r"/admin/ticket/details/\?id=(\d+)", _html(client.get(url))))
        assert len(listed) == number, figure
        checked += 1
    assert checked >= 12
    assert "—" in html  # last month's rates over nothing


def test_briefing_bad_month_and_grid_give_a_message_not_a_500(app, month_web):
    client = client_for(app, month_web["centre"])
    for query in ("month=2026-13", "month=abc", "grid=nonexistent", f"grid={month_web['other_street'].code}",
                  "month=2026-10&grid=' OR 1=1", "month=99999-01"):
        response = client.get(f"/admin/briefing/?{query}")
        assert response.status_code == 200, query
        assert "alert" in _html(response)
    # Another street's code: refused as unknown, the centre's own street shown instead.
    html = _html(client.get(f"/admin/briefing/?month=2026-10&grid={month_web['other_street'].code}"))
    assert month_web["street"].name in html


def test_briefing_roles_print_xlsx_and_publish(app, month_web):
    worker = client_for(app, month_web["wuser"])
    assert worker.get("/admin/briefing/").status_code == 403
    viewer = client_for(app, month_web["viewer"])
    page = _html(viewer.get("/admin/briefing/?month=2026-10"))
    assert 'id="publish"' not in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', _html(viewer.get("/admin/"))) or \
        re.search(r'name="csrf_token"[^>]*value="([^"]+)"', _html(viewer.get("/admin/")))
    refused = viewer.post("/admin/briefing/publish/", data={"month": "2026-10", "grid": month_web["street"].code,
                                                             "csrf_token": token.group(1) if token else ""})
    assert refused.status_code == 403 and PublishedBriefing.select().count() == 0
    printed = viewer.get("/admin/briefing/?month=2026-10&print=1")
    assert printed.status_code == 200, printed.status_code
    printed = _html(printed)
    assert "@page" in printed and "A4" in printed and month_web["street"].name in printed
    download = viewer.get("/admin/briefing/xlsx/?month=2026-10")
    assert download.status_code == 200 and download.data[:2] == b"PK"
    centre = client_for(app, month_web["centre"])
    page = _html(centre.get("/admin/briefing/?month=2026-10"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    no_token = centre.post("/admin/briefing/publish/", data={"month": "2026-10", "grid": month_web["street"].code})
    assert no_token.status_code in (302, 400) and PublishedBriefing.select().count() == 0
    done = centre.post("/admin/briefing/publish/", data={"month": "2026-10", "grid": month_web["street"].code,
                                                          "csrf_token": token})
    assert done.status_code == 302
    record = PublishedBriefing.get()
    assert (record.version, record.username, record.month) == (1, "centre", "2026-10")
    listed = _html(viewer.get("/admin/briefing/published/"))
    assert f"/admin/briefing/published/{record.id}/" in listed
    frozen = _html(worker.get(f"/admin/briefing/published/{record.id}/"))
    assert "2026-10" in frozen
    other = User.create(username="o", password_hash="x", role="centre", grid=month_web["other_street"])
    assert client_for(app, other).get(f"/admin/briefing/published/{record.id}/").status_code == 404


def test_overdue_without_a_department_is_the_nodes_rest(month):
    """Dispatched to a grid worker (no department): counted under 网格员, from
    the tally's total less its departments' (past months)."""
    worker = User.get(User.username == "w").worker
    ticket = workflow.report(Ticket(title="树枝折断", category=month["cat"], source=month["src"], grid=month["g1"]),
                             month["admin"], date(2026, 10, 1), tz=TZ)
    for action, fields in (("accept", {}), ("dispatch", {"assignee": worker})):
        ticket = month["step"](ticket, action, at(10, 1, 3), **fields)
    result = briefings.compute(month["street"], OCT, TZ, now=NOW)
    assert sorted((d["name"] or "", d["count"]) for d in result["overdue"]["by_department"]) == [
        ("", 1), ("城管局", 2)]
    assert result["figures"]["overdue"]["value"] == 3
    live = briefings.compute(month["g1"], OCT, TZ, now=NOW)  # a grid: from its tickets alone
    assert sorted((d["name"] or "", d["count"]) for d in live["overdue"]["by_department"]) == [("", 1), ("城管局", 2)]


def test_meetings_and_volunteer_service_beside_last_month_and_last_year(database):
    """Meetings held, items raised at them, items done and evaluated, and
    volunteer service, each in its local month (this, last, a year ago),
    counted for the node's subtree only."""
    from gridadmin.models import MeetingItem

    t = f.tree()
    other = f.grid("320102002001G1", "外网格", "grid",
                   f.grid("320102002001", "大行宫社区", "community",
                          f.grid("320102002", "梅园新村街道", "street", t["district"])))

    def meeting(grid, held, items=2, done=None, evaluated=None):
        m = f.meeting(grid, held_at=held, items=[f"议题{i}" for i in range(items)])
        MeetingItem.update(done_at=done, evaluated_at=evaluated).where(MeetingItem.meeting == m.id).execute()

    meeting(t["g1"], at(10, 31, 15, 30), items=3)  # 23:30 local on 31 October: October's
    meeting(t["g2"], at(10, 31, 16, 30), items=1, done=at(10, 2, 1))  # 00:30 local on 1 November
    meeting(t["g1"], at(9, 10, 2), items=2, done=at(10, 1, 1), evaluated=at(10, 20, 2))  # items done in October
    meeting(t["micro"], datetime(2025, 10, 5, 2), items=4, evaluated=datetime(2025, 10, 9, 2))
    meeting(other, at(10, 5, 2), items=5, done=at(10, 6, 2), evaluated=at(10, 7, 2))  # another street
    team = f.team(t["community"])
    person = f.volunteer(team)
    f.service_record(person, hours="2.5", served_on=date(2026, 10, 31))
    f.service_record(person, hours="1.0", served_on=date(2026, 10, 1))
    f.service_record(person, hours="3.0", served_on=date(2026, 9, 30))
    f.service_record(person, hours="4.0", served_on=date(2025, 10, 15))
    outside = f.volunteer(f.team(other))
    f.service_record(outside, hours="8.0", served_on=date(2026, 10, 15))

    def activity(node):
        got = briefings.compute(node, OCT, TZ, now=NOW)["activity"]
        return {key: (v["value"], v["previous"], v["last_year"]) for key, v in got.items()}

    # October: the 23:30 meeting (3 items); done: the November meeting's item and September's two.
    expected = {"meetings_held": (1, 1, 1), "items_raised": (3, 2, 4), "items_done": (3, 0, 0),
                "items_evaluated": (2, 0, 4), "service_records": (2, 1, 1), "service_hours": (3.5, 3.0, 4.0)}
    assert activity(t["street"]) == expected
    district = {"meetings_held": (2, 1, 1), "items_raised": (8, 2, 4), "items_done": (8, 0, 0),
                "items_evaluated": (7, 0, 4), "service_records": (3, 1, 1), "service_hours": (11.5, 3.0, 4.0)}
    assert activity(t["district"]) == district
    # A second top node: the first district is no longer the whole tree, and counts its own alone.
    f.meeting(f.grid("320103", "秦淮区", "district"), held_at=at(10, 5, 2), items=["议题"])
    assert activity(t["district"]) == district
