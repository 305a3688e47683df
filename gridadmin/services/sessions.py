"""Login sessions kept on the server (``UserSession``).

The browser's cookie carries only a random key; the server keeps its
SHA-256 and decides on every request whether that login still lives. So a
logout, a password change, a deactivation or an administrator's "end
sessions" ends a login for good, on every app server, whatever copies of
the cookie exist; and a login left idle, or simply too old, ends by itself.
"""

import hashlib
import secrets
from datetime import timedelta

from ..models import Grid, User, UserSession, db, utcnow
from . import scope

IDLE_MINUTES = 120  # office default: a lunch break, not a night
LIFETIME_HOURS = 12  # a working day, however busy
# Writing "last seen" on every request would make every page a write; once a
# minute keeps the idle clock right to the minute.
TOUCH_SECONDS = 60


def _hash(key):
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def start(user, address=None):
    """A new login for ``user``; returns the key for the cookie."""
    key = secrets.token_urlsafe(32)
    with db.atomic():
        UserSession.create(key_hash=_hash(key), user=user.id, address=(address or "")[:64])
    return key


def load(key, idle_minutes=IDLE_MINUTES, lifetime_hours=LIFETIME_HOURS, now=None):
    """The active user whose live login ``key`` is, or None. A login past
    its idle time or lifetime is ended here."""
    if not key or not isinstance(key, str) or len(key) > 128:
        return None
    now = now or utcnow()
    # The user's grid path comes along: every scoped query of the request
    # needs it (services.scope), and it saves each page a query.
    grid_path = Grid.select(Grid.path).where(Grid.id == User.grid)
    row = (UserSession.select(UserSession, User, grid_path.alias("grid_path")).join(User)
           .where((UserSession.key_hash == _hash(key)) & UserSession.ended_at.is_null())
           .first())
    if row is None:
        return None
    if (now - row.seen_at > timedelta(minutes=idle_minutes)
            or now - row.created_at > timedelta(hours=lifetime_hours)
            or not row.user.active):
        _end(UserSession.id == row.id, now)
        return None
    if now - row.seen_at > timedelta(seconds=TOUCH_SECONDS):
        with db.atomic():
            UserSession.update(seen_at=now).where(UserSession.id == row.id).execute()
    user = row.user
    user.session_key = key
    scope.remember_path(user, row.grid_path)
    return user


def _end(where, now=None):
    with db.atomic():
        return (UserSession.update(ended_at=now or utcnow())
                .where(where & UserSession.ended_at.is_null()).execute())


def end(key):
    """End one login (logout)."""
    if key:
        _end(UserSession.key_hash == _hash(key))


def end_all(user, keep=None):
    """End every login of ``user`` but ``keep`` (the key of the session
    that asked, after a password change); returns how many ended."""
    where = UserSession.user == user.id
    if keep:
        where &= UserSession.key_hash != _hash(keep)
    return _end(where)


def live_count(user):
    return (UserSession.select().where((UserSession.user == user.id) & UserSession.ended_at.is_null()).count())
