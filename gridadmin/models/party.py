"""Party organisations (党组织, a tree) and party members (党员)."""

from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField

from .base import N_, VersionedModel, utcnow
from .grid import GENDERS, Grid

PARTY_ORG_KINDS = (
    ("general_branch", N_("Community general party branch")),
    ("branch", N_("Grid party branch")),
    ("group", N_("Building party group")),
    ("household", N_("Party member central household")),
)


class PartyOrg(VersionedModel):
    name = CharField(max_length=64, index=True)
    kind = CharField(max_length=16, choices=PARTY_ORG_KINDS)
    parent = ForeignKeyField("self", null=True, backref="children", on_delete="RESTRICT")
    path = CharField(max_length=255, default="", index=True)
    depth = IntegerField(default=0)
    grid = ForeignKeyField(Grid, null=True, backref="party_orgs", on_delete="RESTRICT")
    secretary = CharField(max_length=32, null=True)
    founded_on = DateField(null=True)
    created_at = DateTimeField(default=utcnow)

    def __str__(self):
        return self.name


class PartyMember(VersionedModel):
    name = CharField(max_length=32, index=True)
    gender = CharField(max_length=1, choices=GENDERS, null=True)
    mobile = CharField(max_length=11, null=True, index=True)
    org = ForeignKeyField(PartyOrg, backref="members", on_delete="RESTRICT")
    joined_party_on = DateField(null=True)
    # 在职党员双报到: an in-service member registered with the community.
    in_service = BooleanField(default=False)
    employer = CharField(max_length=128, null=True)
    created_at = DateTimeField(default=utcnow)

    def __str__(self):
        return self.name
