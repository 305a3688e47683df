"""Accounts: creating users, hashing and checking passwords."""

import secrets

from werkzeug.security import check_password_hash, generate_password_hash

from ..models import User, db, utcnow
from .errors import RuleError

MIN_PASSWORD_LENGTH = 8


def hash_password(password):
    return generate_password_hash(password, method="scrypt")


def create_user(username, password, display_name=None):
    username = (username or "").strip()
    if not username:
        raise RuleError("A username is required.", field="username")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise RuleError("The password must have at least %(n)s characters.", field="password", n=MIN_PASSWORD_LENGTH)
    with db.atomic():
        if User.select().where(User.username == username).exists():
            raise RuleError("The username “%(name)s” is taken.", field="username", name=username)
        return User.create(username=username, password_hash=hash_password(password), display_name=display_name)


def set_password(user, password):
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise RuleError("The password must have at least %(n)s characters.", field="password", n=MIN_PASSWORD_LENGTH)
    User.update(password_hash=hash_password(password)).where(User.id == user.id).execute()


def authenticate(username, password):
    """The active user with these credentials, or None."""
    user = User.get_or_none(User.username == (username or "").strip())
    if user is None or not user.active or not check_password_hash(user.password_hash, password or ""):
        return None
    User.update(last_login_at=utcnow()).where(User.id == user.id).execute()
    return user


def ensure_first_admin(password=None):
    """Create ``admin`` when there are no users yet. Returns the password
    when one was generated (to print once), else None."""
    if User.select().exists():
        return None
    generated = None
    if not password:
        password = generated = secrets.token_urlsafe(12)
    create_user("admin", password, display_name="系统管理员")
    return generated
