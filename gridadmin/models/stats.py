"""Figures: the tally (a rollup kept with every workflow step), the briefing
settings an administrator edits, and published (frozen) briefings."""

from peewee import CharField, DateField, DateTimeField, DoubleField, ForeignKeyField, IntegerField, TextField

from .base import BaseModel, VersionedModel, utcnow
from .grid import Grid
from .user import User

# The tally's counters. Each is counted on a local day of its own kind:
# by the ticket's creation day (what it is now), by its due day (what it is
# now), or by the day of a workflow event.
CREATED_COUNTERS = ("reported", "rep_accepted", "rep_rejected", "rep_merged")
DUE_COUNTERS = ("due", "due_closed", "due_ontime", "due_open")
EVENT_COUNTERS = ("dispatched", "handled", "returned", "extended", "rated", "satisfied", "basically", "on_spot",
                  "handle_hours")
# The points ledger by the month of each entry (DIM_POINTS, keyed by worker):
# the sum of the worker's entries, and how many there were.
POINT_COUNTERS = ("points", "point_entries")
COUNTERS = CREATED_COUNTERS + DUE_COUNTERS + EVENT_COUNTERS + POINT_COUNTERS

# Dimensions: every counter for the node as a whole; reports by category
# and by source; the department's figures by department.
DIM_ALL, DIM_CATEGORY, DIM_SOURCE, DIM_DEPARTMENT = "a", "c", "s", "d"
# Open tickets (``due_open``) by their local due *day* (``month`` holds the
# day), for the node and by department: "overdue now" is then the days
# before today summed, plus today's few tickets read live.
DIM_OPEN, DIM_OPEN_DEPARTMENT = "o", "q"
# Points per worker (``key``) and local month, for the nodes above the
# worker's grid: the monthly points ranking without reading the ledger.
DIM_POINTS = "w"


class Tally(BaseModel):
    """统计汇总: counts per local month, grid node (the districts, streets
    and communities above the ticket's grid), dimension and key. Kept by ``services.tally`` in the
    same transaction as each workflow step (atomic ``n = n + delta``);
    ``flask stats rebuild`` recomputes it from the tickets and their events."""

    node = IntegerField()  # a Grid id (no foreign key: a rollup, rebuilt at will)
    dim = CharField(max_length=1)
    key = IntegerField(default=0)  # category, source or department id; 0 for DIM_ALL
    month = DateField()  # the local month's first day (the due day for DIM_OPEN, DIM_OPEN_DEPARTMENT)
    reported = IntegerField(default=0)
    rep_accepted = IntegerField(default=0)
    rep_rejected = IntegerField(default=0)
    rep_merged = IntegerField(default=0)
    due = IntegerField(default=0)
    due_closed = IntegerField(default=0)
    due_ontime = IntegerField(default=0)
    due_open = IntegerField(default=0)
    dispatched = IntegerField(default=0)
    handled = IntegerField(default=0)
    returned = IntegerField(default=0)
    extended = IntegerField(default=0)
    rated = IntegerField(default=0)
    satisfied = IntegerField(default=0)
    basically = IntegerField(default=0)
    on_spot = IntegerField(default=0)
    handle_hours = DoubleField(default=0)
    points = IntegerField(default=0)
    point_entries = IntegerField(default=0)

    class Meta:
        table_name = "tally"
        # The second: a node's month of workers by their points (the top 10).
        indexes = ((("node", "dim", "month", "key"), True), (("node", "dim", "month", "points"), False))


class BriefingSettings(VersionedModel):
    """How departments are ranked in the monthly briefing (one row)."""

    weight_volume = DoubleField(default=0.2)
    weight_closure = DoubleField(default=0.3)
    weight_ontime = DoubleField(default=0.3)
    weight_rework = DoubleField(default=0.2)
    min_due = IntegerField(default=5)

    class Meta:
        table_name = "briefing_settings"

    def __str__(self):
        return "briefing settings"


class PublishedBriefing(BaseModel):
    """A published monthly briefing: its figures frozen as computed; a
    re-publication is a new version beside the old."""

    grid = ForeignKeyField(Grid, backref="briefings", on_delete="RESTRICT")
    month = CharField(max_length=7)  # YYYY-MM
    version = IntegerField()
    published_at = DateTimeField(default=utcnow)
    published_by = ForeignKeyField(User, null=True, backref="briefings", on_delete="RESTRICT")
    username = CharField(max_length=64, null=True)
    figures = TextField()  # JSON

    class Meta:
        table_name = "published_briefing"
        indexes = ((("grid", "month", "version"), True),)

    def __str__(self):
        return f"{self.month} v{self.version}"
