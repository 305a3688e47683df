"""Accounts and their safety: lockout, the login log, CSRF, the audit log,
sessions ending on a password change or deactivation, and field-level rules."""

import json
from datetime import timedelta

from gridadmin.models import AuditLog, LoginAttempt, PartyMember, Ticket, User, Worker, utcnow
from gridadmin.services import logins, users
from tests.conftest import csrf_token, login
from tests.test_permissions import build_world, client_for, form_fields, token_for


def _login(client, username, password):
    page = client.get("/login").get_data(as_text=True)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_token(page)})


def test_five_failures_lock_the_account_for_ten_minutes(app):
    client = app.test_client()
    for _ in range(logins.MAX_FAILURES):
        response = _login(client, "admin", "wrong-password")
        assert response.status_code == 200 and "密码错误" in response.get_data(as_text=True)
    # Even the right password is refused now, with a clear message.
    response = _login(client, "admin", "admin-pass-1")
    assert response.status_code == 200
    assert "锁定" in response.get_data(as_text=True)
    assert LoginAttempt.select().where(LoginAttempt.result == "locked").count() == 1
    # Ten minutes later it opens again.
    for attempt in LoginAttempt.select():
        LoginAttempt.update(at=attempt.at - timedelta(minutes=logins.LOCK_MINUTES + 1)).where(
            LoginAttempt.id == attempt.id).execute()
    assert _login(client, "admin", "admin-pass-1").status_code == 302


def test_failures_from_one_address_slow_it_down_but_never_lock_out_others(app):
    with app.app_context():
        users.create_user("other", "other-pass-1", role="admin")
        assert logins.failure_delay("10.0.0.9") == 0
    for name in ("a1", "a2", "a3", "a4", "a5", "a6"):
        with app.app_context():
            logins.attempt(name, "nope", "10.0.0.9")
    with app.app_context():
        # One office behind one NAT address: a colleague's correct password works.
        user, result = logins.attempt("other", "other-pass-1", "10.0.0.9")
        assert result == "ok" and user.username == "other"
        # The address's further failures are answered more and more slowly.
        assert logins.failure_delay("10.0.0.9") == 0.5
        logins.attempt("a7", "nope", "10.0.0.9")
        assert logins.failure_delay("10.0.0.9") == 1.0
        assert logins.failure_delay("10.0.0.10") == 0


def test_a_success_clears_the_account_count(app):
    with app.app_context():
        for _ in range(logins.MAX_FAILURES - 1):
            logins.attempt("admin", "nope", "10.0.0.1")
        assert logins.attempt("admin", "admin-pass-1", "10.0.0.2")[1] == "ok"
        for _ in range(logins.MAX_FAILURES - 1):
            logins.attempt("admin", "nope", "10.0.0.3")
        assert logins.attempt("admin", "admin-pass-1", "10.0.0.4")[1] == "ok"


def test_login_log_records_who_where_when_and_why(app):
    client = app.test_client()
    _login(client, "admin", "wrong-password")
    _login(client, "nobody", "whatever-1")
    assert _login(client, "admin", "admin-pass-1").status_code == 302
    rows = list(LoginAttempt.select().order_by(LoginAttempt.id))
    assert [(r.username, r.success, r.result) for r in rows] == [
        ("admin", False, "bad_password"), ("nobody", False, "bad_password"), ("admin", True, "ok")]
    assert all(r.address == "127.0.0.1" and r.at <= utcnow() for r in rows)
    # Admins read it; it cannot be edited or deleted, even by them.
    body = client.get("/admin/loginattempt/").get_data(as_text=True)
    assert "nobody" in body
    assert client.get(f"/admin/loginattempt/edit/?id={rows[0].id}").status_code == 403
    token = token_for(client)
    assert client.post("/admin/loginattempt/delete/", data={"id": rows[0].id, "csrf_token": token}).status_code == 403
    assert LoginAttempt.select().count() == 3


def test_disabled_account_cannot_log_in(app):
    with app.app_context():
        users.create_user("gone", "gone-pass-1", role="admin")
        User.update(active=False).where(User.username == "gone").execute()
    response = _login(app.test_client(), "gone", "gone-pass-1")
    assert response.status_code == 200 and "停用" in response.get_data(as_text=True)


def test_post_without_csrf_token_changes_nothing(app, browser):
    with app.app_context():
        world = build_world()
    grid = world["records"]["grid"][0]
    client = browser.client
    page = client.get(f"/admin/grid/edit/?id={grid.id}").get_data(as_text=True)
    fields = form_fields(page)
    fields.pop("csrf_token")
    fields["name"] = "改名"
    response = client.post(f"/admin/grid/edit/?id={grid.id}", data=fields)
    assert response.status_code == 400
    assert type(grid).get_by_id(grid.id).name == grid.name
    # Delete, bulk delete, logout: all refused without the token.
    assert client.post("/admin/ticket/delete/", data={"id": 1}).status_code == 400
    assert client.post("/admin/ticket/action/", data={"action": "delete", "rowid": [1, 2]}).status_code == 400
    assert Ticket.select().count() == 2
    assert client.post("/logout").status_code == 400


def test_session_cookie_and_security_headers(app):
    client = app.test_client()
    response = login(client)
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/admin/")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_audit_rows_hold_before_and_after(app, browser):
    with app.app_context():
        world = build_world()
    worker = world["records"]["worker"][0]
    client = browser.client
    fields = form_fields(client.get(f"/admin/worker/edit/?id={worker.id}").get_data(as_text=True))
    fields["mobile"] = "13912345678"
    assert client.post(f"/admin/worker/edit/?id={worker.id}", data=fields).status_code == 302
    entry = AuditLog.select().where((AuditLog.action == "update") & (AuditLog.model == "Worker")).get()
    assert entry.username == "admin" and entry.record_id == worker.id and entry.address == "127.0.0.1"
    assert json.loads(entry.changes) == {"mobile": ["13800000001", "13912345678"], "version": [0, 1]}
    # Create and delete are logged too, with what the record held.
    token = token_for(client)
    ticket = world["records"]["ticket"][0]
    assert client.post("/admin/ticket/delete/", data={"id": ticket.id, "csrf_token": token}).status_code == 302
    deleted = AuditLog.get((AuditLog.action == "delete") & (AuditLog.model == "Ticket"))
    assert json.loads(deleted.changes)["title"] == ["甲内事件", None]
    # The details page links to the record's history, which lists it.
    details = client.get(f"/admin/worker/details/?id={worker.id}").get_data(as_text=True)
    assert f"record=Worker:{worker.id}" in details
    history = client.get(f"/admin/auditlog/?record=Worker:{worker.id}").get_data(as_text=True)
    assert f"/admin/auditlog/details/?id={entry.id}" in history
    assert "/admin/auditlog/details/?id=1&" not in history  # the grid's row is not in the worker's history
    assert client.get(f"/admin/auditlog/details/?id={entry.id}").get_data(as_text=True).count("13912345678") == 1
    # Append-only, for everyone.
    assert client.get(f"/admin/auditlog/edit/?id={entry.id}").status_code == 403
    assert client.post("/admin/auditlog/delete/", data={"id": entry.id, "csrf_token": token}).status_code == 403
    assert client.post("/admin/auditlog/action/", data={"action": "delete", "rowid": [entry.id],
                                                        "csrf_token": token}).status_code == 403
    assert AuditLog.get_by_id(entry.id).changes == entry.changes


def test_login_logout_export_and_password_changes_are_audited(app):
    client = app.test_client()
    login(client)
    assert client.get("/admin/ticket/export/csv/").status_code == 200
    token = token_for(client)
    response = client.post("/admin/account/", data={"current_password": "admin-pass-1", "new_password": "new-pass-12",
                                                    "confirm": "new-pass-12", "csrf_token": token})
    assert response.status_code == 302
    client.post("/logout", data={"csrf_token": token_for(client)})
    actions = [e.action for e in AuditLog.select().order_by(AuditLog.id)]
    assert actions == ["login", "export", "password", "logout"]
    for entry in AuditLog.select():
        assert "scrypt" not in (entry.changes or "") and "new-pass-12" not in (entry.changes or "")


def test_password_rules_for_own_change(app):
    client = app.test_client()
    login(client)
    token = token_for(client)
    wrong = client.post("/admin/account/", data={"current_password": "nope", "new_password": "new-pass-12",
                                                 "confirm": "new-pass-12", "csrf_token": token})
    assert wrong.status_code == 200 and "当前密码" in wrong.get_data(as_text=True)
    short = client.post("/admin/account/", data={"current_password": "admin-pass-1", "new_password": "short",
                                                 "confirm": "short", "csrf_token": token})
    assert short.status_code == 200
    assert users.authenticate("admin", "admin-pass-1") is not None


def test_password_change_ends_other_sessions_but_not_this_one(app):
    first, second = app.test_client(), app.test_client()
    login(first)
    login(second)
    token = token_for(first)
    first.post("/admin/account/", data={"current_password": "admin-pass-1", "new_password": "new-pass-12",
                                        "confirm": "new-pass-12", "csrf_token": token})
    assert first.get("/admin/ticket/").status_code == 200
    assert second.get("/admin/ticket/").status_code == 302  # back to the login page


def test_deactivating_a_user_or_resetting_the_password_ends_their_sessions(app, browser):
    with app.app_context():
        world = build_world()
    centre = world["users"]["centre"]
    for change in ({"active": None}, {"new_password": "reset-pass-1", "active": "y"}):
        User.update(active=True).where(User.id == centre.id).execute()
        victim = client_for(app, User.get_by_id(centre.id))
        assert victim.get("/admin/ticket/").status_code == 200
        fields = form_fields(browser.get(f"/admin/user/edit/?id={centre.id}").get_data(as_text=True))
        fields.pop("active", None)
        fields.update({k: v for k, v in change.items() if v is not None})
        assert browser.client.post(f"/admin/user/edit/?id={centre.id}", data=fields).status_code == 302
        assert victim.get("/admin/ticket/").status_code == 302


def test_no_password_or_hash_is_ever_shown_or_exported(app, browser):
    with app.app_context():
        world = build_world()
    viewer = world["users"]["viewer"]
    for url in ("/admin/user/", f"/admin/user/details/?id={viewer.id}", f"/admin/user/edit/?id={viewer.id}",
                "/admin/user/export/csv/", "/admin/auditlog/export/csv/"):
        body = browser.get(url).get_data(as_text=True)
        assert "scrypt:" not in body and "password_hash" not in body, url


def test_admin_creates_user_with_binding_rules(app, browser):
    with app.app_context():
        world = build_world()
    grid = world["records"]["grid"][0]
    base = {"username": "newbie", "display_name": "新人", "role": "secretary", "active": "y",
            "new_password": "newbie-pass-1"}
    missing = browser.post_form("/admin/user/new/", base)
    assert missing.status_code == 200 and not User.select().where(User.username == "newbie").exists()
    ok = browser.post_form("/admin/user/new/", {**base, "grid": grid.id})
    assert ok.status_code == 302
    user = User.get(User.username == "newbie")
    assert user.grid_id == grid.id and user.role == "secretary" and users.check_password(user, "newbie-pass-1")


def test_worker_sees_party_members_names_only(app):
    with app.app_context():
        world = build_world()
    client = client_for(app, world["users"]["worker"])
    member = world["records"]["partymember"][0]
    for url in ("/admin/partymember/", f"/admin/partymember/details/?id={member.id}"):
        body = client.get(url).get_data(as_text=True)
        assert "13900000001" not in body and "甲内单位" not in body, url
    assert "甲内党员" in client.get("/admin/partymember/").get_data(as_text=True)
    # Searching by the hidden mobile finds nothing (no existence oracle).
    assert "甲内党员" not in client.get("/admin/partymember/?search=13900000001").get_data(as_text=True)


def test_worker_files_tickets_in_own_grid_as_reporter_only(app):
    with app.app_context():
        world = build_world()
    user = world["users"]["worker"]
    client = client_for(app, user)
    grid_in, grid_out = world["records"]["grid"]
    cat, src = world["records"]["category"][0], world["records"]["source"][0]
    token = token_for(client)
    data = {"title": "井盖缺失", "category": cat.id, "source": src.id, "priority": "normal", "status": "reported",
            "csrf_token": token}
    # Another grid: refused, nothing saved.
    response = client.post("/admin/ticket/new/", data={**data, "grid": grid_out.id})
    assert response.status_code == 200 and Ticket.select().where(Ticket.title == "井盖缺失").count() == 0
    response = client.post("/admin/ticket/new/", data={**data, "grid": grid_in.id,
                                                      "reporter": world["records"]["worker"][1].id})
    assert response.status_code == 302
    ticket = Ticket.get(Ticket.title == "井盖缺失")
    assert ticket.reporter_id == user.worker_id and ticket.grid_id == grid_in.id
    # A colleague's ticket in the same grid: visible, but not editable.
    other = Ticket.create(number="20260105-0099", title="同事的事件", category=cat, source=src, grid=grid_in)
    assert client.get(f"/admin/ticket/details/?id={other.id}").status_code == 200
    assert client.get(f"/admin/ticket/edit/?id={other.id}").status_code == 403


def test_a_post_naming_a_foreign_id_changes_nothing(app):
    with app.app_context():
        world = build_world()
    client = client_for(app, world["users"]["secretary"])
    worker = world["records"]["worker"][0]
    grid_out = world["records"]["grid"][1]
    fields = form_fields(client.get(f"/admin/worker/edit/?id={worker.id}").get_data(as_text=True))
    fields["grid"] = str(grid_out.id)
    response = client.post(f"/admin/worker/edit/?id={worker.id}", data=fields)
    assert response.status_code == 200
    assert Worker.get_by_id(worker.id).grid_id == worker.grid_id
    assert "乙外" not in response.get_data(as_text=True)


def test_secretary_cannot_create_a_grid_outside_the_community(app):
    with app.app_context():
        world = build_world()
    client = client_for(app, world["users"]["secretary"])
    token = token_for(client)
    data = {"code": "320106", "name": "新区", "level": "district", "kind": "general", "area_type": "urban",
            "households": 0, "population": 0, "online_group_members": 0, "csrf_token": token}
    response = client.post("/admin/grid/new/", data=data)
    assert response.status_code == 200
    assert not type(world["records"]["grid"][0]).select().where(
        type(world["records"]["grid"][0]).name == "新区").exists()


def test_department_handles_through_the_steps_never_the_form(app):
    with app.app_context():
        world = build_world()
    client = client_for(app, world["users"]["department"])
    ticket = world["records"]["ticket"][0]
    assert client.get(f"/admin/ticket/edit/?id={ticket.id}").status_code == 403
    response = client.post(f"/admin/ticket/edit/?id={ticket.id}", data={
        "csrf_token": token_for(client), "resolution": "已疏通", "title": "改标题"})
    assert response.status_code == 403
    saved = Ticket.get_by_id(ticket.id)
    assert (saved.resolution, saved.status, saved.title) == (None, "reported", "甲内事件")


def test_volunteer_records_own_service_in_own_team(app):
    with app.app_context():
        world = build_world()
    user = world["users"]["volunteer"]
    client = client_for(app, user)
    token = token_for(client)
    response = client.post("/admin/servicerecord/new/", data={
        "served_on": "2026-01-06", "hours": "1.5", "activity": "敬老院探访", "beneficiaries": "3",
        "volunteer": world["records"]["volunteer"][1].id, "team": world["records"]["volunteerteam"][1].id,
        "csrf_token": token})
    assert response.status_code == 302
    from gridadmin.models import ServiceRecord

    record = ServiceRecord.get(ServiceRecord.activity == "敬老院探访")
    assert (record.volunteer_id, record.team_id) == (user.volunteer_id, user.team_id)


def test_members_are_not_deleted_by_secretaries(app):
    with app.app_context():
        world = build_world()
    client = client_for(app, world["users"]["secretary"])
    member = world["records"]["partymember"][0]
    token = token_for(client)
    assert client.post("/admin/partymember/delete/", data={"id": member.id, "csrf_token": token}).status_code == 403
    assert PartyMember.get_or_none(PartyMember.id == member.id) is not None


def test_cli_create_user_with_role_and_binding_and_set_password(app):
    with app.app_context():
        build_world()
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["create-user", "zhang", "--role", "secretary", "--grid", "320106001001",
                             "--password", "zhang-pass-1"])
    assert ok.exit_code == 0, ok.output
    assert User.get(User.username == "zhang").grid.code == "320106001001"
    dept = runner.invoke(args=["create-user", "cg", "--role", "department", "--department", "cg",
                               "--password-stdin"], input="cg-pass-123\n")
    assert dept.exit_code == 0, dept.output
    team = runner.invoke(args=["create-user", "vol", "--role", "volunteer", "--team", "甲内服务队",
                               "--password", "vol-pass-12"])
    assert team.exit_code == 0, team.output
    unbound = runner.invoke(args=["create-user", "lost", "--role", "centre", "--password", "lost-pass-1"])
    assert unbound.exit_code != 0
    unknown = runner.invoke(args=["create-user", "lost", "--role", "centre", "--grid", "999999",
                                  "--password", "lost-pass-1"])
    assert unknown.exit_code != 0 and not User.select().where(User.username == "lost").exists()
    changed = runner.invoke(args=["set-password", "zhang"], input="zhang-pass-2\nzhang-pass-2\n")
    assert changed.exit_code == 0, changed.output
    assert users.authenticate("zhang", "zhang-pass-2") is not None
    assert runner.invoke(args=["set-password", "nobody", "--password", "whatever-1"]).exit_code != 0


def test_history_link_with_an_edited_record_argument_never_fails(browser):
    for value in ("Ticket:²", "Ticket:abc", "Ticket:99999999999999999999999", ":", "Ticket", "x" * 500):
        assert browser.get(f"/admin/auditlog/?record={value}").status_code == 200


def test_meeting_items_changes_and_deletes_are_audited_too(app, browser):
    from gridadmin.models import MeetingItem

    with app.app_context():
        world = build_world()
    meeting = world["records"]["meeting"][0]
    item = MeetingItem.create(meeting=meeting, topic="加装电梯", status="raised")
    fields = form_fields(browser.get(f"/admin/meeting/edit/?id={meeting.id}").get_data(as_text=True))
    row = next(k.split("-")[1] for k, v in fields.items() if k.endswith("-id") and v == str(item.id))
    fields[f"items-{row}-resolution"] = "申请加装"
    assert browser.client.post(f"/admin/meeting/edit/?id={meeting.id}", data=fields).status_code == 302
    changed = AuditLog.get((AuditLog.model == "MeetingItem") & (AuditLog.action == "update"))
    assert changed.record_id == item.id and json.loads(changed.changes) == {"resolution": [None, "申请加装"], "version": [0, 1]}
    assert changed.username == "admin"
    # Deleting the meeting takes its items with it, and the log keeps what they held.
    token = token_for(browser.client)
    assert browser.client.post("/admin/meeting/delete/", data={"id": meeting.id, "csrf_token": token}).status_code == 302
    gone = AuditLog.get((AuditLog.model == "MeetingItem") & (AuditLog.action == "delete")
                        & (AuditLog.record_id == item.id))
    assert json.loads(gone.changes)["topic"] == ["加装电梯", None]
    assert AuditLog.select().where((AuditLog.model == "Meeting") & (AuditLog.action == "delete")).count() == 1
