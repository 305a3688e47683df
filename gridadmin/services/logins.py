"""Logging in: the login log, the account lockout and the address slowdown.

- Five failures for one account within ten minutes (since its last success)
  lock that account, from every address, until the window has passed. A
  wrong current password on the password-change page counts too.
- Failures from one address (an office behind one NAT address, everyone
  behind a proxy) never lock anyone else out: past five, that address's
  further *failed* attempts are answered more and more slowly. A correct
  password is never delayed or refused because of other people's typos.
- The password is checked outside any transaction (scrypt takes a while and
  SQLite's write lock must stay short), and an unknown username costs the
  same time as a wrong password.
"""

from datetime import timedelta

from peewee import fn

from ..models import LoginAttempt, User, db, utcnow
from . import audit
from .users import check_password

MAX_FAILURES = 5
LOCK_MINUTES = 10
MAX_DELAY_SECONDS = 8.0

COUNTED = LoginAttempt.result != "locked"  # refusals while locked add nothing


def _failures(where, now):
    since = now - timedelta(minutes=LOCK_MINUTES)
    return LoginAttempt.select().where(where & (LoginAttempt.at > since) & (LoginAttempt.success == False) & COUNTED)  # noqa: E712


def account_locked(username, now=None):
    """Five counted failures for this account in the window, since its last success."""
    now = now or utcnow()
    last_ok = (LoginAttempt.select(fn.MAX(LoginAttempt.at))
               .where((LoginAttempt.username == username) & (LoginAttempt.success == True))  # noqa: E712
               .scalar())
    failures = _failures(LoginAttempt.username == username, now)
    if last_ok is not None:
        failures = failures.where(LoginAttempt.at > last_ok)
    return failures.count() >= MAX_FAILURES


def failure_delay(address, now=None):
    """Seconds to wait before answering the failure just logged from
    ``address``: none for its first five in the window, then 0.5, 1, 2 …
    up to MAX_DELAY_SECONDS."""
    count = _failures(LoginAttempt.address == (address or "")[:64], now or utcnow()).count()
    if count <= MAX_FAILURES:
        return 0.0
    return min(0.5 * 2 ** (count - MAX_FAILURES - 1), MAX_DELAY_SECONDS)


def log_failure(username, address, result="bad_password"):
    with db.atomic():
        LoginAttempt.create(username=(username or "")[:64], address=(address or "")[:64], success=False,
                            result=result)


def attempt(username, password, address):
    """(user, result): the user when the login succeeds, else None and why
    ("bad_password", "locked", "inactive"). Every attempt is logged."""
    username = (username or "").strip()[:64]
    address = (address or "")[:64]
    if account_locked(username):
        log_failure(username, address, "locked")
        return None, "locked"
    user = User.get_or_none(User.username == username)
    if not check_password(user, password):  # slow: no transaction is open
        log_failure(username, address)
        return None, "bad_password"
    if not user.active:
        log_failure(username, address, "inactive")
        return None, "inactive"
    now = utcnow()
    with db.atomic():
        User.update(last_login_at=now).where(User.id == user.id).execute()
        LoginAttempt.create(username=username, address=address, success=True, result="ok", at=now)
        audit.record("login", user=user, address=address)
    user.last_login_at = now
    return user, "ok"
