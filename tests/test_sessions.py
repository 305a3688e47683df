"""Logging in and out, for real: the password is hashed outside any write
transaction, an unknown name costs a hash too, one person's typos never lock
out another, and a session ends on the server when it should (a copied
cookie afterwards gets the login page)."""

from datetime import timedelta

import pytest

from gridadmin.models import User, UserSession, db, utcnow
from gridadmin.services import logins, sessions, users
from gridadmin.services.errors import RuleError
from tests.conftest import csrf_token, login

PASSWORD = "admin-pass-1"


def text(response):
    return response.get_data(as_text=True)


def logged_in(client):
    response = client.get("/admin/")
    return response.status_code == 200


def copy_cookie(app, client):
    """A second browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    cookie = client.get_cookie("session")
    thief.set_cookie("session", cookie.value)
    return thief


# --- passwords --------------------------------------------------------------

def test_hashing_never_happens_inside_a_write_transaction(app, monkeypatch):
    seen = []
    real_check, real_hash = users.check_password_hash, users.generate_password_hash

    def check(*args):
        seen.append(("check", db.in_transaction()))
        return real_check(*args)

    def make(*args, **kwargs):
        seen.append(("hash", db.in_transaction()))
        return real_hash(*args, **kwargs)

    monkeypatch.setattr(users, "check_password_hash", check)
    monkeypatch.setattr(users, "generate_password_hash", make)
    client = app.test_client()
    assert login(client).status_code == 302
    login(app.test_client(), password="wrong-one-1")
    login(app.test_client(), username="nobody-at-all")  # an unknown name is hashed against too
    token = csrf_token(text(client.get("/admin/account/")))
    client.post("/admin/account/", data={"current_password": PASSWORD, "new_password": "Blue-river-2027",
                                         "confirm": "Blue-river-2027", "csrf_token": token})
    with app.app_context():
        assert users.authenticate("admin", "Blue-river-2027") is not None
    assert [kind for kind, _ in seen].count("check") >= 4 and ("hash", False) in seen
    assert all(not inside for _kind, inside in seen), seen


def test_one_scrypt_at_a_time_per_process(app, monkeypatch):
    """Eight logins at once hash one after another (scrypt takes 32 MB each)."""
    import threading
    import time

    running, most = [0], [0]
    lock = threading.Lock()
    real_check = users.check_password_hash

    def check(*args):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.01)  # let the others try to come in
        try:
            return real_check(*args)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(users, "check_password_hash", check)
    with app.app_context():
        admin = User.get(User.username == "admin")
    threads = [threading.Thread(target=users.check_password, args=(admin, PASSWORD)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1


@pytest.mark.parametrize("password, refused", [
    ("password1", True), ("12345678", True), ("qwertyuiop", True), ("admin", True), ("administrator", True),
    ("Blue-river-2027", False), ("网格化治理2026春", False),
])
def test_common_passwords_are_refused(app, password, refused):
    with app.app_context():
        if refused:
            with pytest.raises(RuleError):
                users.check_password_rule(password, "administrator")
        else:
            users.check_password_rule(password, "administrator")


def test_password_equal_to_username_is_refused(app):
    with app.app_context(), pytest.raises(RuleError) as caught:
        users.check_password_rule("Zhangsan.2026", "zhangsan.2026")
    assert caught.value.message == "The password must not be the username."


# --- lockout ------------------------------------------------------------------

def test_five_failures_lock_that_account_only(app):
    with app.app_context():
        users.create_user("other", "Other-pass-2027", role="admin")
        for _ in range(logins.MAX_FAILURES):
            assert logins.attempt("admin", "nope", "10.0.0.1")[1] == "bad_password"
        # Locked, even with the right password and from elsewhere.
        assert logins.attempt("admin", PASSWORD, "10.0.0.2") == (None, "locked")
        # Another account from the same address is untouched.
        assert logins.attempt("other", "Other-pass-2027", "10.0.0.1")[1] == "ok"


def test_lock_ends_after_the_window(app, monkeypatch):
    with app.app_context():
        for _ in range(logins.MAX_FAILURES):
            logins.attempt("admin", "nope", "10.0.0.1")
        later = utcnow() + timedelta(minutes=logins.LOCK_MINUTES + 1)
        monkeypatch.setattr(logins, "utcnow", lambda: later)
        assert not logins.account_locked("admin", later)


def test_an_address_with_many_failures_is_slowed_not_refused(app, monkeypatch):
    slept = []
    monkeypatch.setattr("gridadmin.web.auth.time.sleep", slept.append)
    for n in range(7):
        login(app.test_client(), username=f"typo{n}", password="x")
    assert slept[:5] == [0.0] * 5 and slept[5:] == [0.5, 1.0]
    # A correct password from that address is neither delayed nor refused.
    slept.clear()
    assert login(app.test_client()).status_code == 302 and slept == []


def test_guessing_the_current_password_on_the_account_page_counts(app, browser):
    client = browser.client
    for _ in range(logins.MAX_FAILURES):
        token = csrf_token(text(client.get("/admin/account/")))
        response = client.post("/admin/account/", data={"current_password": "guess-1", "new_password": "Blue-river-2027",
                                                        "confirm": "Blue-river-2027", "csrf_token": token})
        assert response.status_code == 200
    with app.app_context():
        assert logins.account_locked("admin")
    token = csrf_token(text(client.get("/admin/account/")))
    page = text(client.post("/admin/account/", data={"current_password": PASSWORD, "new_password": "Blue-river-2027",
                                                     "confirm": "Blue-river-2027", "csrf_token": token}))
    assert "锁定" in page
    with app.app_context():
        assert users.authenticate("admin", PASSWORD) is not None  # unchanged


# --- sessions end on the server -------------------------------------------------

def test_logout_ends_the_session_for_every_copy_of_the_cookie(app):
    client = app.test_client()
    login(client)
    thief = copy_cookie(app, client)
    assert logged_in(thief)
    token = csrf_token(text(client.get("/admin/account/")))
    client.post("/logout", data={"csrf_token": token})
    response = thief.get("/admin/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_password_change_ends_the_other_sessions_but_not_this_one(app):
    mine, other = app.test_client(), app.test_client()
    login(mine)
    login(other)
    token = csrf_token(text(mine.get("/admin/account/")))
    mine.post("/admin/account/", data={"current_password": PASSWORD, "new_password": "Blue-river-2027",
                                       "confirm": "Blue-river-2027", "csrf_token": token})
    assert logged_in(mine) and not logged_in(other)


def test_deactivation_and_end_sessions_end_a_users_sessions(app, browser):
    with app.app_context():
        users.create_user("clerk", "Clerk-pass-2027", role="admin")
    clerk = app.test_client()
    login(clerk, "clerk", "Clerk-pass-2027")
    assert logged_in(clerk)
    with app.app_context():
        user = User.get(User.username == "clerk")
    token = csrf_token(text(browser.client.get("/admin/user/")))
    browser.client.post("/admin/user/action/", data={"action": "end_sessions", "rowid": [str(user.id)],
                                                     "csrf_token": token})
    assert not logged_in(clerk)
    login(clerk, "clerk", "Clerk-pass-2027")
    assert logged_in(clerk)
    with app.app_context():
        users.after_admin_save(User.get_by_id(user.id), False)  # nothing changed: nothing ends
        assert sessions.live_count(user) == 1
        User.update(active=False).where(User.id == user.id).execute()
    assert not logged_in(clerk)  # a disabled account's session is refused at once


def test_sessions_expire_when_idle_and_when_old(app):
    client = app.test_client()
    login(client)
    assert logged_in(client)
    with app.app_context():
        row = UserSession.get()
        idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
        UserSession.update(seen_at=row.seen_at - idle).where(UserSession.id == row.id).execute()
    assert not logged_in(client)
    login(client)
    with app.app_context():
        row = UserSession.select().where(UserSession.ended_at.is_null()).get()
        old = timedelta(hours=app.config["SESSION_LIFETIME_HOURS"], minutes=1)
        UserSession.update(created_at=row.created_at - old).where(UserSession.id == row.id).execute()
    assert not logged_in(client)


def test_csrf_token_is_new_after_login_and_pages_are_not_stored(app):
    client = app.test_client()
    before = csrf_token(text(client.get("/login")))
    login(client)
    after = csrf_token(text(client.get("/admin/account/")))
    assert before != after
    response = client.get("/admin/ticket/")
    assert response.headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/js/locale.js").headers.get("Cache-Control", "")
