"""Tickets (事件 / 工单): the closed loop from report to rating."""

from peewee import CharField, DateTimeField, ForeignKeyField, TextField

from .base import N_, BaseModel, utcnow
from .grid import Grid, Worker
from .lookups import Category, Department, Source

TICKET_STATUSES = (
    ("reported", N_("Reported")),
    ("accepted", N_("Accepted")),
    ("rejected", N_("Rejected")),
    ("dispatched", N_("Dispatched")),
    ("in_progress", N_("In progress")),
    ("handled", N_("Awaiting verification")),
    ("closed", N_("Closed")),
    ("rated", N_("Rated")),
)
PRIORITIES = (
    ("low", N_("Low")),
    ("normal", N_("Normal")),
    ("high", N_("High")),
    ("urgent", N_("Urgent")),
)
SATISFACTION = (
    ("satisfied", N_("Satisfied")),
    ("basically", N_("Basically satisfied")),
    ("dissatisfied", N_("Dissatisfied")),
)


class Ticket(BaseModel):
    number = CharField(max_length=20, unique=True)
    title = CharField(max_length=128)
    description = TextField(null=True)
    category = ForeignKeyField(Category, backref="tickets", on_delete="RESTRICT")
    source = ForeignKeyField(Source, backref="tickets", on_delete="RESTRICT")
    grid = ForeignKeyField(Grid, backref="tickets", on_delete="RESTRICT", index=False)
    place = CharField(max_length=128, null=True)
    reporter = ForeignKeyField(Worker, null=True, backref="reported_tickets", on_delete="RESTRICT")
    assignee = ForeignKeyField(Worker, null=True, backref="assigned_tickets", on_delete="RESTRICT")
    department = ForeignKeyField(Department, null=True, backref="tickets", on_delete="RESTRICT")
    priority = CharField(max_length=8, choices=PRIORITIES, default="normal")
    status = CharField(max_length=16, choices=TICKET_STATUSES, default="reported", index=False)
    created_at = DateTimeField(default=utcnow)
    due_at = DateTimeField(null=True)
    closed_at = DateTimeField(null=True)
    resolution = TextField(null=True)
    satisfaction = CharField(max_length=16, choices=SATISFACTION, null=True)

    class Meta:
        # The list's hot paths: newest first, within a status or a grid.
        indexes = (
            (("created_at",), False),
            (("status", "created_at"), False),
            (("grid", "created_at"), False),
        )

    def __str__(self):
        return self.number
