"""Volunteer teams (志愿服务队), volunteers and their service records."""

from peewee import CharField, Check, DateField, DateTimeField, DecimalField, ForeignKeyField, IntegerField, TextField

from .base import N_, VersionedModel, utcnow
from .grid import Grid

SERVICE_TYPES = (
    ("elderly", N_("Elderly care")),
    ("environment", N_("Environment")),
    ("patrol", N_("Safety patrol")),
    ("civility", N_("Civility")),
    ("assistance", N_("Help for the needy")),
    ("culture", N_("Culture and education")),
    ("other", N_("Other")),
)


class VolunteerTeam(VersionedModel):
    name = CharField(max_length=64, unique=True)
    service_type = CharField(max_length=16, choices=SERVICE_TYPES, default="other")
    grid = ForeignKeyField(Grid, backref="volunteer_teams", on_delete="RESTRICT")
    leader = CharField(max_length=32, null=True)
    leader_mobile = CharField(max_length=11, null=True)
    founded_on = DateField(null=True)
    created_at = DateTimeField(default=utcnow)

    def __str__(self):
        return self.name


class Volunteer(VersionedModel):
    name = CharField(max_length=32, index=True)
    mobile = CharField(max_length=11, null=True, index=True)
    team = ForeignKeyField(VolunteerTeam, backref="volunteers", on_delete="RESTRICT")
    grid = ForeignKeyField(Grid, null=True, backref="volunteers", on_delete="RESTRICT")
    created_at = DateTimeField(default=utcnow)

    def __str__(self):
        return self.name


class ServiceRecord(VersionedModel):
    volunteer = ForeignKeyField(Volunteer, backref="service_records", on_delete="RESTRICT")
    team = ForeignKeyField(VolunteerTeam, backref="service_records", on_delete="RESTRICT")
    served_on = DateField(index=True)
    hours = DecimalField(max_digits=6, decimal_places=1, constraints=[Check("hours > 0")])
    activity = CharField(max_length=128)
    beneficiaries = IntegerField(default=0, constraints=[Check("beneficiaries >= 0")])
    note = TextField(null=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        # The briefing's volunteer hours of a month, read from the index alone.
        indexes = ((("served_on", "team", "hours"), False),)

    def __str__(self):
        return self.activity
