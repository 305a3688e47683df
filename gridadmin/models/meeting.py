"""Deliberation meetings (议事会) and their items (议题 / 决议事项)."""

from peewee import CharField, DateField, DateTimeField, ForeignKeyField, TextField

from .base import N_, VersionedModel, utcnow
from .grid import Grid
from .ticket import SATISFACTION, Ticket

MEETING_ITEM_STATUSES = (
    ("raised", N_("Raised")),
    ("discussed", N_("Discussed")),
    ("in_action", N_("In action")),
    ("evaluated", N_("Evaluated")),
)
# How an item is carried out once discussed (分类办事).
ACTION_MODES = (
    ("community", N_("Done within the community")),
    ("ticket", N_("Turned into a ticket")),
)


class Meeting(VersionedModel):
    title = CharField(max_length=128)
    held_at = DateTimeField()
    place = CharField(max_length=64)
    grid = ForeignKeyField(Grid, backref="meetings", on_delete="RESTRICT")
    convener = CharField(max_length=32)
    recorder = CharField(max_length=32, null=True)
    participants = TextField(null=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        # The briefing's meetings of a month within a subtree, read from the index alone.
        indexes = ((("held_at", "grid"), False),)

    def __str__(self):
        return self.title


class MeetingItem(VersionedModel):
    meeting = ForeignKeyField(Meeting, backref="items", on_delete="RESTRICT")
    topic = CharField(max_length=255)
    raised_by = CharField(max_length=64, null=True)
    discussion = TextField(null=True)
    resolution = TextField(null=True)
    responsible = CharField(max_length=32, null=True)
    deadline = DateField(null=True)
    measures = TextField(null=True)
    status = CharField(max_length=16, choices=MEETING_ITEM_STATUSES, default="raised", index=True)
    action_mode = CharField(max_length=16, choices=ACTION_MODES, null=True)
    ticket = ForeignKeyField(Ticket, null=True, unique=True, backref="meeting_items", on_delete="RESTRICT")
    done_at = DateTimeField(null=True)  # the briefing counts items done in a month
    satisfaction = CharField(max_length=16, choices=SATISFACTION, null=True)
    evaluation = TextField(null=True)
    evaluated_at = DateTimeField(null=True)

    class Meta:
        # The briefing's items done and evaluated in a month, with their meeting
        # (for a subtree), read from the index alone.
        indexes = ((("done_at", "meeting"), False), (("evaluated_at", "meeting"), False))

    def __str__(self):
        return self.topic
