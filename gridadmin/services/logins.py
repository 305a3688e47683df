"""Logging in: the login log and the lockout after repeated failures.

Failures are counted per account (from any address) and per client address
(for any account): five within ten minutes lock that account, or refuse that
address, until the window has passed. A success clears the account's count.
"""

from datetime import timedelta

from peewee import fn

from ..models import LoginAttempt, User, db, utcnow
from . import audit
from .users import check_password

MAX_FAILURES = 5
LOCK_MINUTES = 10


def _recent_failures(where, now):
    since = now - timedelta(minutes=LOCK_MINUTES)
    return LoginAttempt.select().where(where & (LoginAttempt.at > since) & (LoginAttempt.success == False))  # noqa: E712


def locked(username, address, now=None):
    now = now or utcnow()
    last_ok = (LoginAttempt.select(fn.MAX(LoginAttempt.at))
               .where((LoginAttempt.username == username) & (LoginAttempt.success == True))  # noqa: E712
               .scalar())
    account = _recent_failures(LoginAttempt.username == username, now)
    if last_ok is not None:
        account = account.where(LoginAttempt.at > last_ok)
    counted = LoginAttempt.result != "locked"
    return (account.where(counted).count() >= MAX_FAILURES
            or _recent_failures(LoginAttempt.address == address, now).where(counted).count() >= MAX_FAILURES)


def attempt(username, password, address):
    """(user, result): the user when the login succeeds, else None and why
    ("bad_password", "locked", "inactive"). Every attempt is logged."""
    username = (username or "").strip()[:64]
    address = (address or "")[:64]
    with db.atomic():
        if locked(username, address):
            result, user = "locked", None
        else:
            user = User.get_or_none(User.username == username)
            if user is None or not check_password(user, password):
                result, user = "bad_password", None
            elif not user.active:
                result, user = "inactive", None
            else:
                result = "ok"
                user.last_login_at = utcnow()
                User.update(last_login_at=user.last_login_at).where(User.id == user.id).execute()
                audit.record("login", user=user, address=address)
        LoginAttempt.create(username=username, address=address, success=result == "ok", result=result)
    return user, result
