"""The grid tree (网格) and the grid workers (网格员) bound to it."""

from peewee import (
    BooleanField,
    CharField,
    Check,
    DateField,
    DateTimeField,
    DecimalField,
    DeferredForeignKey,
    ForeignKeyField,
    IntegerField,
)

from .base import N_, VersionedModel, utcnow

GRID_LEVELS = (
    ("district", N_("District")),
    ("street", N_("Street / town")),
    ("community", N_("Community / village")),
    ("grid", N_("Grid")),
    ("micro", N_("Micro-grid")),
)
GRID_KINDS = (
    ("general", N_("Comprehensive grid")),
    ("dedicated", N_("Dedicated grid")),
)
AREA_TYPES = (
    ("urban", N_("Urban community")),
    ("rural", N_("Rural")),
)
GENDERS = (("M", N_("Male")), ("F", N_("Female")))
WORKER_POSTS = (
    ("leader", N_("Grid leader")),
    ("full", N_("Full-time grid worker")),
    ("part", N_("Part-time grid worker")),
    ("micro", N_("Micro-grid worker")),
    ("building", N_("Building head")),
)
EMPLOYMENT = (("full_time", N_("Full time")), ("part_time", N_("Part time")))
WORKER_STATUSES = (("active", N_("On duty")), ("left", N_("Left")))


class Grid(VersionedModel):
    """A node of the grid tree. ``path`` is the materialised path of ids
    (``/1/7/42/``) so a subtree is one indexed prefix query."""

    code = CharField(max_length=32, unique=True)
    name = CharField(max_length=64, index=True)
    level = CharField(max_length=16, choices=GRID_LEVELS, index=True)
    parent = ForeignKeyField("self", null=True, backref="children", on_delete="RESTRICT")
    path = CharField(max_length=255, default="", index=True)
    depth = IntegerField(default=0)
    kind = CharField(max_length=16, choices=GRID_KINDS, default="general")
    area_type = CharField(max_length=16, choices=AREA_TYPES, default="urban")
    households = IntegerField(default=0, constraints=[Check("households >= 0")])
    population = IntegerField(default=0, constraints=[Check("population >= 0")])
    area = DecimalField(max_digits=10, decimal_places=2, null=True, constraints=[Check("area >= 0")])
    boundary_east = CharField(max_length=128, null=True)
    boundary_west = CharField(max_length=128, null=True)
    boundary_south = CharField(max_length=128, null=True)
    boundary_north = CharField(max_length=128, null=True)
    online_group_name = CharField(max_length=64, null=True)
    online_group_members = IntegerField(default=0, constraints=[Check("online_group_members >= 0")])
    # The leader is a Worker, and a Worker belongs to a Grid: a deferred key.
    leader = DeferredForeignKey("Worker", null=True, on_delete="SET NULL")
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)

    def __str__(self):
        return self.name


class Worker(VersionedModel):
    name = CharField(max_length=32, index=True)
    gender = CharField(max_length=1, choices=GENDERS)
    mobile = CharField(max_length=11, index=True)
    grid = ForeignKeyField(Grid, backref="workers", on_delete="RESTRICT")
    post = CharField(max_length=16, choices=WORKER_POSTS, default="full")
    employment = CharField(max_length=16, choices=EMPLOYMENT, default="full_time")
    party_member = BooleanField(default=False)
    joined_on = DateField(null=True)
    status = CharField(max_length=16, choices=WORKER_STATUSES, default="active", index=True)
    created_at = DateTimeField(default=utcnow)

    def __str__(self):
        return self.name
