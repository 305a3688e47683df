"""Lookup tables (字典) an administrator edits: data, not code."""

from peewee import BooleanField, CharField, Check, IntegerField

from .base import BaseModel


class Lookup(BaseModel):
    code = CharField(max_length=32, unique=True)
    name = CharField(max_length=64, unique=True)
    sort_order = IntegerField(default=0)
    active = BooleanField(default=True)

    def __str__(self):
        return self.name


class Category(Lookup):
    """事件类别, with its handling time limit and the points it is worth."""

    time_limit_hours = IntegerField(default=72, constraints=[Check("time_limit_hours >= 0")])
    points = IntegerField(default=1, constraints=[Check("points >= 0")])


class Source(Lookup):
    """事件来源: 网格员巡查, 12345 热线, 居民上报, …"""


class Department(Lookup):
    """职能部门: where tickets are dispatched ("网格吹哨、部门报到")."""

    phone = CharField(max_length=32, null=True)
