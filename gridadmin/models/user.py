"""Accounts that log in, their role and the part of the tree they are bound to."""

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField

from .base import N_, BaseModel, VersionedModel, utcnow
from .grid import Grid, Worker
from .lookups import Department
from .volunteer import Volunteer, VolunteerTeam

ROLES = (
    ("admin", N_("System administrator")),
    ("centre", N_("Command centre")),
    ("secretary", N_("Community secretary")),
    ("worker", N_("Grid worker")),
    ("department", N_("Department")),
    ("volunteer", N_("Volunteer")),
    ("viewer", N_("Leader (read only)")),
)


class User(VersionedModel):
    username = CharField(max_length=64, unique=True)
    password_hash = CharField(max_length=255)
    display_name = CharField(max_length=64, null=True)
    role = CharField(max_length=16, choices=ROLES, default="viewer")
    # The binding: a grid node (centre, secretary, worker, viewer), a
    # department, or a volunteer team. A worker or volunteer account may also
    # name the person it is, for "their own" tickets and service records.
    grid = ForeignKeyField(Grid, null=True, backref="users", on_delete="RESTRICT")
    department = ForeignKeyField(Department, null=True, backref="users", on_delete="RESTRICT")
    team = ForeignKeyField(VolunteerTeam, null=True, backref="users", on_delete="RESTRICT")
    worker = ForeignKeyField(Worker, null=True, backref="users", on_delete="SET NULL")
    volunteer = ForeignKeyField(Volunteer, null=True, backref="users", on_delete="SET NULL")
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)
    last_login_at = DateTimeField(null=True)

    def __str__(self):
        return self.display_name or self.username

    # The protocol Flask-Login expects, written out so models import no Flask.
    @property
    def is_active(self):
        return self.active

    is_authenticated = True
    is_anonymous = False

    # The login session this user object was loaded for (services.sessions):
    # what Flask-Login keeps in the cookie, checked on the server each request.
    session_key = None

    def get_id(self):
        return self.session_key


class UserSession(BaseModel):
    """One login: the cookie carries a random key, the server keeps its
    SHA-256. Ending the row (logout, password change, deactivation, an
    administrator's "end sessions", idle or too old) ends the login, however
    many copies of the cookie exist."""

    key_hash = CharField(max_length=64, unique=True)
    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)
    seen_at = DateTimeField(default=utcnow)
    ended_at = DateTimeField(null=True)
    address = CharField(max_length=64, null=True)

    class Meta:
        indexes = ((("user", "ended_at"), False),)
