"""Smart dispatch rules (智能派单规则): which tickets go where, by themselves."""

from peewee import BooleanField, CharField, Check, ForeignKeyField, IntegerField

from .base import N_, VersionedModel
from .grid import Grid
from .lookups import Category, Department, Source
from .ticket import PRIORITIES

DISPATCH_TARGETS = (
    ("department", N_("A department")),
    ("grid_worker", N_("The grid's own worker")),
)


class DispatchRule(VersionedModel):
    """A ticket of ``category`` (and, when given, reported within ``grid``'s
    subtree, from ``source``, with ``priority``) goes to ``department`` or to
    the grid worker of the ticket's grid. The first active matching rule in
    ``sort_order`` decides; ``auto`` dispatches at once, else the rule is
    the suggestion the centre sees."""

    name = CharField(max_length=64, unique=True)
    category = ForeignKeyField(Category, backref="dispatch_rules", on_delete="RESTRICT")
    grid = ForeignKeyField(Grid, null=True, backref="dispatch_rules", on_delete="RESTRICT")
    source = ForeignKeyField(Source, null=True, backref="dispatch_rules", on_delete="RESTRICT")
    priority = CharField(max_length=8, choices=PRIORITIES, null=True)
    target = CharField(max_length=16, choices=DISPATCH_TARGETS, default="department")
    department = ForeignKeyField(Department, null=True, backref="dispatch_rules", on_delete="RESTRICT")
    auto = BooleanField(default=False)
    sort_order = IntegerField(default=0)
    active = BooleanField(default=True)

    class Meta:
        # A department rule names its department; a grid-worker rule none.
        constraints = [Check("(target = 'department') = (department_id IS NOT NULL)")]
        indexes = ((("category", "sort_order"), False),)

    def __str__(self):
        return self.name
