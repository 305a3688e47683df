"""Lookup tables (字典) an administrator edits: data, not code."""

from peewee import BooleanField, CharField, Check, IntegerField

from .base import VersionedModel


class Lookup(VersionedModel):
    code = CharField(max_length=32, unique=True)
    name = CharField(max_length=64, unique=True)
    sort_order = IntegerField(default=0)
    active = BooleanField(default=True)

    def __str__(self):
        return self.name


class Category(Lookup):
    """事件类别, with its handling time limit and the points it is worth.

    The time limit is ``time_limit_days`` working days when given, else
    ``time_limit_hours`` hours counted on workdays only, or round the clock
    for urgent matters (``round_the_clock``). Points rules: ``points`` for
    reporting a ticket that gets closed, ``points_on_spot`` for closing one
    on the spot (only where ``self_closable``), ``points_verify`` for
    verifying, and ``points_overdue`` taken from a worker who handled late.
    """

    time_limit_hours = IntegerField(default=72, constraints=[Check("time_limit_hours >= 0")])
    time_limit_days = IntegerField(null=True, constraints=[Check("time_limit_days >= 1")])
    round_the_clock = BooleanField(default=False)
    self_closable = BooleanField(default=False)
    points = IntegerField(default=1, constraints=[Check("points >= 0")])
    points_on_spot = IntegerField(default=1, constraints=[Check("points_on_spot >= 0")])
    points_verify = IntegerField(default=1, constraints=[Check("points_verify >= 0")])
    points_overdue = IntegerField(default=1, constraints=[Check("points_overdue >= 0")])


class Source(Lookup):
    """事件来源: 网格员巡查, 12345 热线, 居民上报, …"""


class Department(Lookup):
    """职能部门: where tickets are dispatched ("网格吹哨、部门报到")."""

    phone = CharField(max_length=32, null=True)
