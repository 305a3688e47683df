"""Accounts: creating users, roles and their bindings, passwords."""

import secrets

from werkzeug.security import check_password_hash, generate_password_hash

from ..models import Department, Grid, User, VolunteerTeam, db
from ..models.user import ROLES
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


def hash_password(password):
    return generate_password_hash(password, method="scrypt")


def check_password(user, password):
    return check_password_hash(user.password_hash, password or "")


def _check_password_rule(password):
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise RuleError("The password must have at least %(n)s characters.", field="password", n=MIN_PASSWORD_LENGTH)


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
            "grid": "This role must be bound to a grid node.",
            "department": "This role must be bound to a department.",
            "team": "This role must be bound to a volunteer team.",
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
    _check_password_rule(password)
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


def prepare_admin_save(user, new_password, is_created):
    """An administrator creating or editing an account: the binding fits the
    role, a new account gets a password, and a password reset or disabling
    ends the user's sessions. The caller saves ``user``."""
    check_binding(user)
    if new_password or is_created:
        try:
            _check_password_rule(new_password)
        except RuleError as error:
            error.field = "new_password"
            raise
        user.password_hash = hash_password(new_password)
    if not is_created and (new_password or not user.active):
        user.session_version = (user.session_version or 0) + 1


def set_password(user, password):
    """Set a new password and end the user's other sessions."""
    _check_password_rule(password)
    user.password_hash = hash_password(password)
    user.session_version = (user.session_version or 0) + 1
    User.update(password_hash=user.password_hash, session_version=User.session_version + 1) \
        .where(User.id == user.id).execute()
    return user


def change_own_password(user, current, new):
    if not check_password(user, current):
        raise RuleError("The current password is wrong.", field="current_password")
    return set_password(user, new)


def end_sessions(user):
    """Sessions carry the version they started with; bumping it ends them."""
    User.update(session_version=User.session_version + 1).where(User.id == user.id).execute()
    user.session_version = (user.session_version or 0) + 1


def authenticate(username, password):
    """The active user with these credentials, or None (no logging; see services.logins)."""
    user = User.get_or_none(User.username == (username or "").strip())
    if user is None or not user.active or not check_password(user, password):
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
