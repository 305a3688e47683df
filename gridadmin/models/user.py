"""Accounts that log in, their role and the part of the tree they are bound to."""

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField

from .base import N_, BaseModel, utcnow
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


class User(BaseModel):
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
    # Bumped on a password change or deactivation: older sessions stop working.
    session_version = IntegerField(default=0)
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

    def get_id(self):
        return f"{self.id}:{self.session_version}"
