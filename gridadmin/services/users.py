"""Accounts: creating users, roles and their bindings, passwords."""

import secrets
import threading

from peewee import JOIN
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import Department, Grid, User, Volunteer, VolunteerTeam, Worker, db
from ..models.base import N_
from ..models.user import ROLES
from . import audit, sessions
from .errors import RuleError

MIN_PASSWORD_LENGTH = 8
ROLE_NAMES = tuple(value for value, _label in ROLES)
# What each role is bound to (DESIGN.md, data scope).
BINDING = {
    "admin": None,
    "centre": "grid",
    "secretary": "grid",
    "worker": "grid",
    "viewer": "grid",
    "department": "department",
    "volunteer": "team",
}


MAX_PASSWORD_LENGTH = 256
# zxcvbn's score: 0-1 is guessed in under a million tries (the most common
# passwords, keyboard walks, a word and a year); 2 and up is accepted.
MIN_STRENGTH = 2


# scrypt takes 32 MB and a tenth of a second of a core, by design. One at a
# time per process: a morning's logins at once queue for a moment instead of
# taking 32 MB each (eight took a serving process from 61 MB to 189 MB).
_SCRYPT = threading.BoundedSemaphore(1)


def hash_password(password):
    """Slow on purpose (scrypt): never call it inside a write transaction."""
    with _SCRYPT:
        return generate_password_hash(password, method="scrypt")


def _matches(password_hash, password):
    with _SCRYPT:
        return check_password_hash(password_hash, password)


# A real hash to check unknown usernames against, so that a login for a name
# that does not exist costs the same time as a wrong password.
_DUMMY_HASH = []


def check_password(user, password):
    """Whether ``password`` is ``user``'s; ``user`` None costs the same time."""
    if user is None:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(hash_password(secrets.token_urlsafe(12)))
        _matches(_DUMMY_HASH[0], password or "")
        return False
    return _matches(user.password_hash, password or "")


def check_password_rule(password, username=None, field="password"):
    """Long enough, not the username, and not among the passwords people
    guess first (zxcvbn: common-password lists, names, dates, keyboard walks)."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RuleError("The password must have at least %(n)s characters.", field=field, n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise RuleError("The password may have at most %(n)s characters.", field=field, n=MAX_PASSWORD_LENGTH)
    if username and password.strip().lower() == username.strip().lower():
        raise RuleError("The password must not be the username.", field=field)
    from zxcvbn import zxcvbn  # 12 MB of word lists: loaded by the first password set, not by every process

    if zxcvbn(password[:64], user_inputs=[username] if username else [])["score"] < MIN_STRENGTH:
        raise RuleError("This password is too common or too easy to guess; choose a longer or less usual one.",
                        field=field)


def check_binding(user):
    """A role comes with exactly its binding: a grid node, a department or a team."""
    if user.role not in BINDING:
        raise RuleError("Unknown role.", field="role")
    needed = BINDING[user.role]
    for name in ("grid", "department", "team"):
        if name != needed:
            setattr(user, name, None)
    if needed and getattr(user, f"{needed}_id") is None:
        messages = {
            "grid": N_("This role must be bound to a grid node."),
            "department": N_("This role must be bound to a department."),
            "team": N_("This role must be bound to a volunteer team."),
        }
        raise RuleError(messages[needed], field=needed)
    if user.role != "worker":
        user.worker = None
    if user.role != "volunteer":
        user.volunteer = None


def create_user(username, password, display_name=None, role="admin", grid=None, department=None, team=None,
                worker=None, volunteer=None):
    username = (username or "").strip()
    if not username:
        raise RuleError("A username is required.", field="username")
    check_password_rule(password, username)
    user = User(username=username, password_hash=hash_password(password), display_name=display_name, role=role,
                grid=grid, department=department, team=team, worker=worker, volunteer=volunteer)
    check_binding(user)
    with db.atomic():
        if User.select().where(User.username == username).exists():
            raise RuleError("The username “%(name)s” is taken.", field="username", name=username)
        user.save(force_insert=True)
    return user


def find_binding(grid_code=None, department_code=None, team_name=None):
    """Look up a binding named on the command line; RuleError when missing."""
    found = {}
    if grid_code:
        found["grid"] = Grid.get_or_none(Grid.code == grid_code)
        if found["grid"] is None:
            raise RuleError("No grid with code %(code)s.", code=grid_code)
    if department_code:
        found["department"] = Department.get_or_none(Department.code == department_code)
        if found["department"] is None:
            raise RuleError("No department with code %(code)s.", code=department_code)
    if team_name:
        found["team"] = VolunteerTeam.get_or_none(VolunteerTeam.name == team_name)
        if found["team"] is None:
            raise RuleError("No volunteer team named %(name)s.", name=team_name)
    return found


def new_password_hash(password, username, is_created, field="new_password"):
    """An administrator's new or reset password, checked and hashed before
    the save's transaction opens; None when the password is kept."""
    if not password and not is_created:
        return None
    check_password_rule(password, username, field=field)
    return hash_password(password)


def prepare_admin_save(user, password_hash):
    """An administrator creating or editing an account: the binding fits the
    role and a new password (hashed beforehand) is set. The caller saves
    ``user``, then calls ``after_admin_save``."""
    check_binding(user)
    if password_hash:
        user.password_hash = password_hash


def after_admin_save(user, password_reset):
    """A password reset or a disabled account ends the user's logins."""
    if password_reset or not user.active:
        sessions.end_all(user)


def set_password(user, password, actor=None, address=None, keep=None, username=None):
    """Set a new password (hashed before the transaction), end the user's
    other logins (all but ``keep``) and log the change, atomically."""
    check_password_rule(password, user.username)
    hashed = hash_password(password)
    with db.atomic():
        User.update(password_hash=hashed, version=User.version + 1).where(User.id == user.id).execute()
        sessions.end_all(user, keep=keep)
        audit.record("password", user=actor or user, address=address, obj=user, username=username)
    user.password_hash = hashed
    return user


def authenticate(username, password):
    """The active user with these credentials, or None (no logging; see services.logins)."""
    user = User.get_or_none(User.username == (username or "").strip())
    if not check_password(user, password) or not user.active:
        return None
    return user


def ensure_first_admin(password=None):
    """Create ``admin`` when there are no users yet. Returns the password
    when one was generated (to print once), else None."""
    if User.select().exists():
        return None
    generated = None
    if not password:
        password = generated = secrets.token_urlsafe(12)
    create_user("admin", password, display_name="系统管理员", role="admin")
    return generated


def display_names(user_ids):
    """{user id: the person's name} for the users of logs and timelines
    (people read names, not login names): one query for all of them."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    query = (User.select(User.id, User.display_name, Worker.name, Volunteer.name.alias("volunteer_name"),
                         User.username)
             .join(Worker, JOIN.LEFT_OUTER, on=(User.worker == Worker.id))
             .switch(User).join(Volunteer, JOIN.LEFT_OUTER, on=(User.volunteer == Volunteer.id))
             .where(User.id.in_(list(ids))).tuples())
    # The account's display name, else the person it is (worker, volunteer), else the login name.
    return {uid: display or worker or volunteer or username for uid, display, worker, volunteer, username in query}


def person_name(user_id, username, names):
    """A logged actor's name: the user's name when the user still exists,
    else the login name the log kept."""
    return names.get(user_id) or username or ""
