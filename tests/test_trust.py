"""Smaller guarantees of the trust work: exports never carry a formula, log
filters take what is typed literally, and closing trifles on the spot
cannot farm points."""

import csv
import io
import threading
from datetime import date, timedelta

import factories as f
import pytest

from gridadmin.models import AuditLog, Category, LoginAttempt, PointEntry, Ticket, User, db, utcnow
from gridadmin.services import points, workflow
from gridadmin.services.spreadsheets import safe_cell
from tests.conftest import client_for


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://x\",\"点我\")", "'=HYPERLINK(\"http://x\",\"点我\")"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1", "'\r=1"),
    ("-3", "-3"), ("+1.5", "+1.5"), ("井盖缺失", "井盖缺失"), (7, 7), (None, None),
])
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_csv_export_neutralises_formulas(app, browser):
    with app.app_context():
        t = f.tree()
        for title in ("=HYPERLINK(\"http://evil\",\"x\")", "+cmd|' /C calc'!A0", "@SUM(1)", "-1+1", "普通事件"):
            f.ticket(t["g1"], title=title)
    body = browser.get("/admin/ticket/export/csv/").get_data(as_text=True)
    titles = [row[1] for row in csv.reader(io.StringIO(body))][1:]
    assert sorted(titles) == sorted(["'=HYPERLINK(\"http://evil\",\"x\")", "'+cmd|' /C calc'!A0", "'@SUM(1)",
                                     "'-1+1", "普通事件"])


def test_log_filters_take_percent_and_underscore_literally(app, browser):
    with app.app_context():
        for name in ("zhang_san", "zhangxsan", "li%si", "lisi"):
            LoginAttempt.create(username=name, address="10.0.0.1", success=False, result="bad_password")
            AuditLog.create(action="login", username=name)
    for view in ("loginattempt", "auditlog"):
        admin_view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == view)
        index = next(i for i, flt in enumerate(admin_view._filters)
                     if getattr(flt.column, "name", None) == "username" and type(flt).__name__ == "LiteralContains")
        page = browser.get(f"/admin/{view}/?flt0_{index}=_s").get_data(as_text=True)
        assert "zhang_san" in page and "zhangxsan" not in page
        page = browser.get(f"/admin/{view}/?flt0_{index}=%25").get_data(as_text=True)
        assert "li%si" in page and "lisi" not in page.replace("li%si", "")


# --- on-the-spot points ----------------------------------------------------------

@pytest.fixture
def spot(app):
    with app.app_context():
        db.connect(reuse_if_open=True)
        t = f.tree()
        worker = f.worker(t["g1"])
        user = User.create(username="w", password_hash="x", role="worker", grid=t["g1"], worker=worker)
        cat = f.category(self_closable=True, points_on_spot=3)
        return {"tree": t, "worker": worker, "user": user, "cat": cat, "src": f.source()}


def _close_on_spot(spot, limit=points.ON_SPOT_DAILY_LIMIT, now=None):
    ticket = workflow.report(Ticket(title="占道经营", category=spot["cat"], source=spot["src"], grid=spot["tree"]["g1"],
                                    reporter=spot["worker"]), spot["user"], date.today())
    workflow.transition(ticket, "close_on_spot", spot["user"], note="当场劝离", on_spot_limit=limit, now=now)
    return ticket


def test_on_the_spot_points_at_most_n_a_day(app, spot):
    with app.app_context():
        booked = [bool(_close_on_spot(spot, limit=5).booked_points) for _ in range(7)]
        assert booked == [True] * 5 + [False] * 2
        assert points.balance(spot["worker"].id) == 15
        assert Ticket.select().where(Ticket.status == "closed").count() == 7  # the rest still close
        tomorrow = utcnow() + timedelta(days=1)
        assert _close_on_spot(spot, limit=5, now=tomorrow).booked_points  # a new day counts afresh


def test_the_page_says_when_no_points_were_booked(app, spot):
    app.config["POINTS_ON_SPOT_PER_DAY"] = 1
    try:
        with app.app_context():
            _close_on_spot(spot, limit=1)
            ticket = workflow.report(Ticket(title="乱堆放", category=spot["cat"], source=spot["src"],
                                            grid=spot["tree"]["g1"], reporter=spot["worker"]), spot["user"],
                                     date.today())
        client = client_for(app, spot["user"])
        page = client.get(f"/admin/ticket/details/?id={ticket.id}").get_data(as_text=True)
        from tests.conftest import csrf_token
        client.post(f"/admin/ticket/step/?id={ticket.id}",
                    data={"action": "close_on_spot", "close_on_spot-version": "0", "close_on_spot-note": "已处理",
                          "csrf_token": csrf_token(page)})
        shown = client.get(f"/admin/ticket/details/?id={ticket.id}").get_data(as_text=True)
        assert "本次不计积分" in shown
    finally:
        app.config["POINTS_ON_SPOT_PER_DAY"] = points.ON_SPOT_DAILY_LIMIT


def test_on_the_spot_closes_at_the_same_moment_respect_the_cap(app, spot):
    with app.app_context():
        ready = [workflow.report(Ticket(title=f"事{n}", category=spot["cat"], source=spot["src"],
                                        grid=spot["tree"]["g1"], reporter=spot["worker"]), spot["user"], date.today())
                 for n in range(8)]
    barrier = threading.Barrier(8, timeout=30)
    errors = []

    def close(ticket_id):
        with app.app_context():
            db.connect(reuse_if_open=True)
            try:
                ticket = Ticket.get_by_id(ticket_id)
                barrier.wait()
                workflow.transition(ticket, "close_on_spot", spot["user"], note="当场处理", on_spot_limit=3)
            except Exception as error:  # pragma: no cover - shown on failure
                errors.append(repr(error))
            finally:
                db.close()

    threads = [threading.Thread(target=close, args=(t.id,)) for t in ready]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert errors == []
    with app.app_context():
        assert PointEntry.select().where(PointEntry.reason == "on_spot").count() == 3
        assert Ticket.select().where(Ticket.status == "closed").count() == 8
        assert Category.get_by_id(spot["cat"].id).points_on_spot == 3


@pytest.mark.parametrize("role, message", [
    ("centre", "该角色必须绑定一个网格节点。"),
    ("department", "该角色必须绑定一个职能部门。"),
    ("volunteer", "该角色必须绑定一个志愿服务队。"),
])
def test_binding_rules_speak_chinese(browser, role, message):
    response = browser.post_form("/admin/user/new/", {"username": f"new_{role}", "role": role, "active": "y",
                                                      "new_password": "Blue-river-2027"})
    assert response.status_code == 200 and message in response.get_data(as_text=True)
