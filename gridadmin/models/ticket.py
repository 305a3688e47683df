"""Tickets (事件 / 工单): the closed loop from report to rating.

A ticket's status changes only through ``services.workflow``; each change
writes one ``TicketEvent``. Overdue is derived from ``due_at``, never stored.
"""

from peewee import (
    BlobField,
    CharField,
    Check,
    DateTimeField,
    DoubleField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from .base import N_, BaseModel, VersionedModel, utcnow
from .grid import Grid, Worker
from .lookups import Category, Department, Source
from .user import User
from .volunteer import Volunteer

TICKET_STATUSES = (
    ("reported", N_("Reported")),
    ("accepted", N_("Accepted")),
    ("rejected", N_("Rejected")),
    ("dispatched", N_("Dispatched")),
    ("in_progress", N_("In progress")),
    ("handled", N_("Awaiting verification")),
    ("closed", N_("Closed")),
    ("rated", N_("Rated")),
    ("merged", N_("Merged as duplicate")),
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


class Ticket(VersionedModel):
    number = CharField(max_length=20, unique=True)
    title = CharField(max_length=128)
    description = TextField(null=True)
    category = ForeignKeyField(Category, backref="tickets", on_delete="RESTRICT")
    source = ForeignKeyField(Source, backref="tickets", on_delete="RESTRICT")
    grid = ForeignKeyField(Grid, backref="tickets", on_delete="RESTRICT", index=False)
    place = CharField(max_length=128, null=True)
    # Where the reporter's phone was (browser geolocation): WGS-84 degrees,
    # and the accuracy it reported, in metres. Maps convert at drawing time.
    latitude = DoubleField(null=True, constraints=[Check("latitude BETWEEN -90 AND 90")])
    longitude = DoubleField(null=True, constraints=[Check("longitude BETWEEN -180 AND 180")])
    location_accuracy = DoubleField(null=True, constraints=[Check("location_accuracy >= 0")])
    reporter = ForeignKeyField(Worker, null=True, backref="reported_tickets", on_delete="RESTRICT")
    # A volunteer's report (随手拍 by a volunteer): they are no grid worker
    # (and earn no grid-worker points); at most one of the two reporters is set.
    reporter_volunteer = ForeignKeyField(Volunteer, null=True, backref="reported_tickets", on_delete="RESTRICT")
    assignee = ForeignKeyField(Worker, null=True, backref="assigned_tickets", on_delete="RESTRICT")
    department = ForeignKeyField(Department, null=True, backref="tickets", on_delete="RESTRICT")
    priority = CharField(max_length=8, choices=PRIORITIES, default="normal")
    status = CharField(max_length=16, choices=TICKET_STATUSES, default="reported", index=False)
    created_at = DateTimeField(default=utcnow)
    dispatched_at = DateTimeField(null=True)
    due_at = DateTimeField(null=True)
    # A handler's pending request for more time (延期申请): the due time asked for.
    extension_due_at = DateTimeField(null=True)
    handled_at = DateTimeField(null=True)
    closed_at = DateTimeField(null=True)
    resolution = TextField(null=True)
    satisfaction = CharField(max_length=16, choices=SATISFACTION, null=True)
    rating_note = TextField(null=True)
    duplicate_of = ForeignKeyField("self", null=True, backref="duplicates", on_delete="RESTRICT")
    # The key the reporting phone gave the report (a UUID): unique, so a
    # report sent again (a retry, the offline queue) is recognised, not doubled.
    report_key = CharField(max_length=36, null=True, unique=True)
    # How many times the ticket was reopened: points are booked once per
    # cycle (a unique key on the ledger), and a reopening starts a new one.
    cycle = IntegerField(default=0)

    class Meta:
        # The list's hot paths: newest first, within a status or a grid; and
        # the overdue list (open statuses, due before now). The grid index
        # carries status and due time so a scoped list filtered by them
        # (a centre's overdue tickets) reads the index alone, no rows; and
        # the searched columns, so a scoped search for a word too common for
        # the search index checks its LIKEs there too (migration 0013).
        indexes = (
            (("created_at",), False),
            (("status", "created_at"), False),
            (("grid", "created_at", "status", "due_at", "number", "title", "place"), False),
            (("status", "due_at"), False),
            # The map: a scope's open tickets within the view, read from the
            # index alone (status, then a longitude range; latitude and grid
            # checked in the index).
            (("status", "longitude", "latitude", "grid"), False),
            # Pending extension requests (the centre's to-do badge, every page).
            (("extension_due_at",), False),
        )

    def __str__(self):
        return self.number


TICKET_ACTIONS = (
    ("report", N_("Report")),
    ("accept", N_("Accept")),
    ("reject", N_("Reject")),
    ("dispatch", N_("Dispatch")),
    ("start", N_("Start handling")),
    ("handle", N_("Submit handling")),
    ("verify", N_("Verify and close")),
    ("return", N_("Return")),
    ("request_extension", N_("Request extension")),
    ("approve_extension", N_("Approve extension")),
    ("deny_extension", N_("Deny extension")),
    ("close_on_spot", N_("Close on the spot")),
    ("rate", N_("Rate")),
    ("merge", N_("Merge as duplicate")),
    ("reopen", N_("Reopen")),
    ("import", N_("Imported")),
)


class TicketCounter(BaseModel):
    """The last ticket number given out on a local day (``20261121``): a new
    report takes the next one by an UPDATE of this row, which the database
    locks until the report commits, so numbers never collide and follow
    the order of reporting, on every database."""

    day = CharField(max_length=8, primary_key=True)
    last = IntegerField(default=0)


class TicketEvent(BaseModel):
    """工单流转记录: one row per step, written by the workflow only."""

    ticket = ForeignKeyField(Ticket, backref="events", on_delete="RESTRICT")
    at = DateTimeField(default=utcnow)
    user = ForeignKeyField(User, null=True, backref="ticket_events", on_delete="RESTRICT")
    username = CharField(max_length=64, null=True)
    action = CharField(max_length=20, choices=TICKET_ACTIONS)
    from_status = CharField(max_length=16, choices=TICKET_STATUSES, null=True)
    to_status = CharField(max_length=16, choices=TICKET_STATUSES)
    note = TextField(null=True)
    # JSON of the step's particulars: the department or worker dispatched to,
    # the due time asked for or granted, the ticket merged into, the rating.
    data = TextField(null=True)

    class Meta:
        indexes = ((("ticket", "at"), False),)

    def __str__(self):
        return f"{self.action} {self.at}"


PHOTO_STAGES = (
    ("report", N_("On report")),
    ("handling", N_("On handling")),
)


class TicketPhoto(BaseModel):
    """A photo of a ticket: JPEG, long side at most 1600 px, EXIF stripped.
    Its bytes are in ``image`` (the database) or, with a storage directory
    configured, in the file ``stored_name`` there; the thumbnail is always here."""

    ticket = ForeignKeyField(Ticket, backref="photos", on_delete="RESTRICT")
    stage = CharField(max_length=16, choices=PHOTO_STAGES)
    created_at = DateTimeField(default=utcnow)
    width = IntegerField()
    height = IntegerField()
    byte_size = IntegerField()
    image = BlobField(null=True)
    stored_name = CharField(max_length=64, null=True)
    thumbnail = BlobField()

    class Meta:
        indexes = ((("ticket", "stage"), False),)

    def __str__(self):
        return f"{self.ticket_id}/{self.id}"
