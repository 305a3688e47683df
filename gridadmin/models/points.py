"""The points ledger (积分流水): append-only; a balance is always a sum."""

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField

from .audit import AppendOnly
from .base import N_, utcnow
from .grid import Worker
from .ticket import Ticket

POINT_REASONS = (
    ("report", N_("Reported a ticket that was closed")),
    ("on_spot", N_("Closed on the spot")),
    ("verify", N_("Verified a ticket")),
    ("overdue", N_("Overdue handling")),
    ("reversal", N_("Reversed on reopening")),
)


class PointEntry(AppendOnly):
    worker = ForeignKeyField(Worker, backref="point_entries", on_delete="RESTRICT")
    points = IntegerField()
    reason = CharField(max_length=16, choices=POINT_REASONS)
    ticket = ForeignKeyField(Ticket, null=True, backref="point_entries", on_delete="RESTRICT")
    at = DateTimeField(default=utcnow)
    note = CharField(max_length=255, null=True)
    # The ticket's cycle (Ticket.cycle) the entry belongs to.
    cycle = IntegerField(default=0)

    class Meta:
        # A worker's history and balance; the monthly ranking. The unique
        # key books an award at most once per ticket, worker and cycle, in
        # the database itself: a step repeated by a race cannot pay twice.
        indexes = ((("worker", "at"), False), (("at",), False),
                   (("ticket", "worker", "reason", "cycle"), True))

    def __str__(self):
        return f"{self.worker_id} {self.points:+d}"
