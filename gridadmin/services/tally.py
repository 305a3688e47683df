"""The tally (统计汇总): a daily rollup of tickets per grid node, kept in the
same transaction as every workflow step, so that figures over a whole
district read a few hundred rows instead of a million tickets.

One function says what a ticket contributes, given its columns and its
events (``contributions``): cells ``(node, dim, key, month) -> {counter: n}``
for the district, street and community above the ticket's grid (``KEPT``). A step (or an edit of the
ticket's grid, category or source, or an import) applies the difference
between the ticket's contributions after and before, as atomic increments
(``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n``), cells in a fixed
order (no deadlocks between two steps on PostgreSQL). ``rebuild`` sums the
same function over every ticket; ``check`` compares the two. So the tally
always equals what a rebuild from the event log gives: what it holds is a
pure function of the tickets and their events.

Counters, and the local month each is counted in:
- by creation month, as the ticket is now: ``reported``; among those
  ``rep_accepted`` (taken up: accepted and not closed on the spot, whatever
  happened later), ``rep_rejected``, ``rep_merged``;
- by due month (the due time after approved extensions), as the ticket is now:
  ``due``, ``due_closed`` (closed or rated), ``due_ontime`` (closed no later
  than due), ``due_open`` (still dispatched or in progress);
- by the month of each event: ``dispatched``, ``handled``, ``returned``,
  ``extended`` (approved), ``rated``, ``satisfied``, ``basically``,
  ``on_spot`` (自办自结), ``handle_hours`` (working hours from the dispatch
  to each handling submitted).
Dimensions: all counters for the node (``a``); ``reported`` by category
(``c``) and by source (``s``); department figures by the ticket's current
department (``d``); ``due_open`` by the local due day, for the node (``o``)
and by department (``q``): "overdue now" without reading a month of tickets.
"""

import itertools
import json
from collections import defaultdict
from datetime import datetime, time, timedelta
from functools import lru_cache

from peewee import EXCLUDED, IntegrityError, MySQLDatabase, OperationalError, fn

from ..models import CalendarDay, Grid, PointEntry, Ticket, TicketEvent, Worker, db
from ..models.stats import (
    COUNTERS,
    DIM_ALL,
    DIM_CATEGORY,
    DIM_DEPARTMENT,
    DIM_OPEN,
    DIM_OPEN_DEPARTMENT,
    DIM_POINTS,
    DIM_SOURCE,
    Tally,
)
from . import clock, deadlines

OPEN = deadlines.OPEN_STATUSES
CLOSED = ("closed", "rated")
TAKEN_UP = ("accepted", "dispatched", "in_progress", "handled")
DEPARTMENT_COUNTERS = ("due", "due_closed", "due_ontime", "due_open", "dispatched", "handled", "returned",
                       "extended", "handle_hours")
EVENT_COUNTER = {"dispatch": "dispatched", "handle": "handled", "return": "returned",
                 "approve_extension": "extended", "rate": "rated", "close_on_spot": "on_spot"}
EVENT_ACTIONS = (*EVENT_COUNTER, "reopen")  # the events contributions read
TICKET_COLUMNS = (Ticket.id, Ticket.grid, Ticket.category, Ticket.source, Ticket.department, Ticket.status,
                  Ticket.created_at, Ticket.dispatched_at, Ticket.due_at, Ticket.closed_at)


def _day(value, tz):
    """The local day of a UTC time (zone offsets are whole quarter hours)."""
    return _local_day(value.date(), value.hour, value.minute // 15, tz)


def _month(value, tz):
    """The first day of the local month of a UTC time: the tally's cells."""
    return _day(value, tz).replace(day=1)


@lru_cache(maxsize=200000)
def _local_day(day, hour, quarter, tz):
    return clock.to_local(datetime.combine(day, time(hour, quarter * 15)), tz).date()


# Which nodes the tally keeps, and which dimensions at each: districts and
# streets everything, communities their totals. Figures of anything else
# (a community's categories, a grid) are computed from its tickets by the
# same ``contributions`` (``live``): few tickets, no rollup needed.
KEPT = {"district": (DIM_ALL, DIM_CATEGORY, DIM_SOURCE, DIM_DEPARTMENT, DIM_OPEN, DIM_OPEN_DEPARTMENT, DIM_POINTS),
        "street": (DIM_ALL, DIM_CATEGORY, DIM_SOURCE, DIM_DEPARTMENT, DIM_OPEN, DIM_OPEN_DEPARTMENT, DIM_POINTS),
        "community": (DIM_ALL, DIM_OPEN, DIM_POINTS)}
OPEN_DIMS = (DIM_OPEN, DIM_OPEN_DEPARTMENT)


def kept(level, dim):
    return dim in KEPT.get(level, ())


def ancestors(grid_id):
    """{node id: dims kept} for the nodes above (and at) a grid that the tally keeps."""
    path = Grid.select(Grid.path).where(Grid.id == grid_id).scalar()
    ids = _path_ids(path) if path else (grid_id,)
    levels = dict(Grid.select(Grid.id, Grid.level).where(Grid.id.in_(list(ids))).tuples())
    return {node: KEPT[levels[node]] for node in ids if levels.get(node) in KEPT}


@lru_cache(maxsize=65536)
def _path_ids(path):
    return tuple(int(part) for part in path.strip("/").split("/") if part)


def working_hours(start, end, tz, calendar=None):
    """Hours between two UTC times counted on workdays only."""
    if start is None or end is None or end <= start:
        return 0.0
    cal = calendar or deadlines._Calendar(_day(start, tz))
    total = timedelta()
    day = _day(start, tz)
    last = _day(end, tz)
    while day <= last:
        if cal.is_workday(day):
            lo = max(start, clock.to_utc(datetime.combine(day, time.min), tz))
            hi = min(end, clock.to_utc(datetime.combine(day + timedelta(days=1), time.min), tz))
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return round(total.total_seconds() / 3600, 4)


def contributions(ticket, events, nodes, tz, calendar=None):
    """{(node, dim, key, month): {counter: n}} of one ticket. ``ticket``: an
    object with the TICKET_COLUMNS' attributes; ``events``: its events as
    (action, at, data) oldest first; ``nodes``: {node id: dims kept} of the
    nodes counting it."""
    own = defaultdict(lambda: defaultdict(float))  # (dim, key, day) -> counters

    def add(day, counter, n=1, dims=(DIM_ALL,)):
        own[(DIM_ALL, 0, day)][counter] += n
        for dim in dims:
            if dim == DIM_CATEGORY:
                own[(dim, ticket.category_id, day)][counter] += n
            elif dim == DIM_SOURCE:
                own[(dim, ticket.source_id, day)][counter] += n
            elif dim == DIM_DEPARTMENT and ticket.department_id is not None:
                own[(dim, ticket.department_id, day)][counter] += n

    dept = (DIM_DEPARTMENT,)
    created = _month(ticket.created_at, tz)
    add(created, "reported", dims=(DIM_CATEGORY, DIM_SOURCE))
    status = ticket.status
    if status in TAKEN_UP or (status in CLOSED and ticket.dispatched_at is not None):
        add(created, "rep_accepted")
    elif status == "rejected":
        add(created, "rep_rejected")
    elif status == "merged":
        add(created, "rep_merged")
    if ticket.due_at is not None:
        due = _month(ticket.due_at, tz)
        add(due, "due", dims=dept)
        if status in CLOSED:
            add(due, "due_closed", dims=dept)
            if ticket.closed_at is not None and ticket.closed_at <= ticket.due_at:
                add(due, "due_ontime", dims=dept)
        elif status in OPEN:
            add(due, "due_open", dims=dept)
            _open_by_day(own, ticket, tz)
    dispatched_at = None
    for action, at, data in events:
        if action == "dispatch":
            dispatched_at = at
        elif action == "reopen":
            dispatched_at = None
        counter = EVENT_COUNTER.get(action)
        if counter is None:
            continue
        day = _month(at, tz)
        add(day, counter, dims=dept if counter in DEPARTMENT_COUNTERS else ())
        if action == "handle" and dispatched_at is not None:
            add(day, "handle_hours", working_hours(dispatched_at, at, tz, calendar), dims=dept)
        elif action == "rate":
            satisfaction = (json.loads(data) if data else {}).get("satisfaction")
            if satisfaction == "satisfied":
                add(day, "satisfied")
            elif satisfaction == "basically":
                add(day, "basically")
    cells = {}
    for (dim, key, day), counters in own.items():
        for node, dims in nodes.items():
            if dim in dims:
                cells[(node, dim, key, day)] = counters
    return cells


def _open_by_day(own, ticket, tz):
    """An open ticket's cells by its local due day (DIM_OPEN, DIM_OPEN_DEPARTMENT)."""
    day = _day(ticket.due_at, tz)
    own[(DIM_OPEN, 0, day)]["due_open"] += 1
    if ticket.department_id is not None:
        own[(DIM_OPEN_DEPARTMENT, ticket.department_id, day)]["due_open"] += 1


def fill_open_days(tz):
    """Replace the DIM_OPEN and DIM_OPEN_DEPARTMENT cells with what the open
    tickets give (a tally kept before those dimensions existed: migration
    0012). Only open tickets count there, so this reads those alone."""
    paths = dict(Grid.select(Grid.id, Grid.path).tuples())
    levels = dict(Grid.select(Grid.id, Grid.level).where(Grid.level.in_(list(KEPT))).tuples())
    total = defaultdict(lambda: defaultdict(float))
    for ticket in (Ticket.select(*TICKET_COLUMNS)
                   .where(Ticket.status.in_(OPEN) & Ticket.due_at.is_null(False)).iterator()):
        own = defaultdict(lambda: defaultdict(float))
        _open_by_day(own, ticket, tz)
        for node in _path_ids(paths[ticket.grid_id]):
            for (dim, key, day), counters in own.items():
                if node in levels and dim in KEPT[levels[node]]:
                    total[(node, dim, key, day)]["due_open"] += counters["due_open"]
    with db.atomic():
        Tally.delete().where(Tally.dim.in_(OPEN_DIMS)).execute()
        _increment(total)
    return len(total)


def _events(ticket_id):
    return list(TicketEvent.select(TicketEvent.action, TicketEvent.at, TicketEvent.data)
                .where(TicketEvent.ticket == ticket_id)
                .order_by(TicketEvent.at, TicketEvent.id).tuples())


class _State:
    """The columns ``contributions`` reads, copied off a ticket."""

    __slots__ = ("id", "grid_id", "category_id", "source_id", "department_id", "status", "created_at",
                 "dispatched_at", "due_at", "closed_at")

    def __init__(self, ticket):
        for name in self.__slots__:
            setattr(self, name, getattr(ticket, name))


def snapshot(ticket):
    """What a ticket contributes now, read inside the caller's transaction
    (after its conditional UPDATE has locked the row): keep it, take the
    step, then ``apply(before, ticket, tz)``."""
    state = _State(ticket)
    return state, _events(ticket.id)


def current(ticket, tz):
    state, events = snapshot(ticket)
    return contributions(state, events, ancestors(state.grid_id), tz)


def apply(before, ticket, tz):
    """Apply the difference between ``ticket``'s contributions now and
    ``before`` (a ``snapshot``, or None for a new ticket)."""
    after = current(ticket, tz)
    old = contributions(before[0], before[1], ancestors(before[0].grid_id), tz) if before else {}
    delta = {}
    for cell in set(after) | set(old):
        a, b = after.get(cell, {}), old.get(cell, {})
        changes = {c: a.get(c, 0) - b.get(c, 0) for c in set(a) | set(b)}
        changes = {c: n for c, n in changes.items() if n}
        if changes:
            delta[cell] = changes
    _increment(delta)


def remove(ticket, tz):
    """Take a ticket's contributions away (before deleting it)."""
    old = current(ticket, tz)
    _increment({cell: {c: -n for c, n in counters.items() if n} for cell, counters in old.items()})


def _increment(delta):
    """Atomic ``n = n + d`` per cell, in a fixed order."""
    for (node, dim, key, day) in sorted(delta):
        changes = delta[(node, dim, key, day)]
        row = {name: 0 for name in COUNTERS}
        row.update({name: (round(n, 4) if name == "handle_hours" else int(n)) for name, n in changes.items()})
        _adding(Tally.insert(node=node, dim=dim, key=key, month=day, **row), changes).execute()


def _adding(insert, names):
    """The insert, adding its counters ``names`` to a cell that exists:
    ``ON CONFLICT … DO UPDATE SET n = n + EXCLUDED.n`` (SQLite, PostgreSQL),
    ``ON DUPLICATE KEY UPDATE n = n + VALUES(n)`` (MySQL/MariaDB, which name
    no conflict target)."""
    if isinstance(db.obj, MySQLDatabase):
        return insert.on_conflict(update={getattr(Tally, name): getattr(Tally, name) + fn.VALUES(getattr(Tally, name))
                                          for name in names})
    return insert.on_conflict(conflict_target=[Tally.node, Tally.dim, Tally.month, Tally.key],
                              update={getattr(Tally, name): getattr(Tally, name) + getattr(EXCLUDED, name)
                                      for name in names})


def live(tickets_query, node_of, tz):
    """Cells computed from tickets (for nodes the tally does not keep):
    ``node_of(ticket)`` names the node each ticket counts for (or None)."""
    found = list(tickets_query.select(*TICKET_COLUMNS))
    events = defaultdict(list)
    ids = [t.id for t in found]
    for start in range(0, len(ids), 500):
        for ticket_id, action, at, data in (TicketEvent.select(TicketEvent.ticket, TicketEvent.action, TicketEvent.at,
                                                               TicketEvent.data)
                                            .where(TicketEvent.ticket.in_(ids[start:start + 500])
                                                   & TicketEvent.action.in_(EVENT_ACTIONS))
                                            .order_by(TicketEvent.ticket, TicketEvent.at, TicketEvent.id).tuples()):
            events[ticket_id].append((action, at, data))
    total = defaultdict(lambda: defaultdict(float))
    every = (DIM_ALL, DIM_CATEGORY, DIM_SOURCE, DIM_DEPARTMENT)
    for ticket in found:
        node = node_of(ticket)
        if node is None:
            continue
        for cell, counters in contributions(ticket, events.get(ticket.id, ()), {node: every}, tz).items():
            target = total[cell]
            for name, n in counters.items():
                target[name] += n
    return total


# --- points per worker and month (DIM_POINTS) --------------------------------
#
# The ledger's entries by the worker's *current* grid: ``book_points`` adds
# each entry as it is written (``services.points._book``, in the booking's
# transaction); ``move_worker`` moves a worker's cells when their grid changes.


def _point_nodes(grid_id, paths=None, levels=None):
    if paths is None:
        return [node for node, dims in ancestors(grid_id).items() if DIM_POINTS in dims]
    return [node for node in _path_ids(paths[grid_id]) if DIM_POINTS in KEPT.get(levels.get(node), ())]


def book_points(worker_id, points, at, tz):
    """One ledger entry's cells: ``points`` and one entry for the worker's month."""
    query = Worker.select(Worker.grid).where(Worker.id == worker_id)
    if db.obj.for_update:
        # A share lock: a move of the worker (``move_worker``, after its UPDATE
        # of the row) waits for this booking, or this booking for the move
        # and then sees the new grid; bookings do not wait for each other.
        query = query.for_update("LOCK IN SHARE MODE" if isinstance(db.obj, MySQLDatabase) else "FOR SHARE")
    grid_id = query.scalar()
    if grid_id is None:
        return
    month = _month(at, tz)
    _increment({(node, DIM_POINTS, worker_id, month): {"points": points, "point_entries": 1}
                for node in _point_nodes(grid_id)})


def ensure_point_cells(worker_id, at, tz, attempts=5):
    """Create the worker's cells of ``at``'s month (zero) if missing, in a
    transaction of their own, before the booking's opens: the booking then
    only updates rows (on MySQL/MariaDB, creating a row inside a busy
    transaction can deadlock on gap locks; see ``tickets.ensure_counter``)."""
    grid_id = Worker.select(Worker.grid).where(Worker.id == worker_id).scalar()
    if grid_id is None:
        return
    month = _month(at, tz)
    rows = [{"node": node, "dim": DIM_POINTS, "key": worker_id, "month": month, **dict.fromkeys(COUNTERS, 0)}
            for node in sorted(_point_nodes(grid_id))]
    for attempt in range(attempts):
        try:
            with db.atomic():
                if rows:
                    Tally.insert_many(rows).on_conflict_ignore().execute()
            return
        except (IntegrityError, OperationalError):  # MySQL: a deadlock among first bookings; try again
            if attempt == attempts - 1:
                raise


def _worker_months(worker_id, tz):
    sums = defaultdict(lambda: defaultdict(float))
    query = PointEntry.select(PointEntry.points, PointEntry.at).where(PointEntry.worker == worker_id)
    if isinstance(db.obj, MySQLDatabase):  # the latest committed entries, not the transaction's snapshot
        query = query.for_update("LOCK IN SHARE MODE")
    for points, at in query.tuples():
        cell = sums[_month(at, tz)]
        cell["points"] += points
        cell["point_entries"] += 1
    return sums


def move_worker(worker_id, old_grid_id, new_grid_id, tz):
    """A worker moved to another grid: their months leave the old grid's
    nodes and join the new one's (in the caller's transaction, after its
    UPDATE of the worker's row: a booking racing it is serialised by that
    row's lock, see ``book_points``)."""
    if old_grid_id == new_grid_id:
        return
    old = set(_point_nodes(old_grid_id)) if old_grid_id is not None else set()
    new = set(_point_nodes(new_grid_id)) if new_grid_id is not None else set()
    if old == new:
        return
    months = _worker_months(worker_id, tz)
    delta = {}
    for month, counters in months.items():
        for node in old - new:
            delta[(node, DIM_POINTS, worker_id, month)] = {c: -n for c, n in counters.items()}
        for node in new - old:
            delta[(node, DIM_POINTS, worker_id, month)] = dict(counters)
    _increment(delta)


def point_chunks(tz, chunk=100000):
    """The ledger's cells, a chunk of entries at a time: yields {cell: {counter: n}}."""
    paths = dict(Grid.select(Grid.id, Grid.path).tuples())
    levels = dict(Grid.select(Grid.id, Grid.level).where(Grid.level.in_(list(KEPT))).tuples())
    last_id = 0
    while True:
        rows = list(PointEntry.select(PointEntry.id, PointEntry.worker, Worker.grid, PointEntry.at, PointEntry.points)
                    .join(Worker, on=(PointEntry.worker == Worker.id))
                    .where(PointEntry.id > last_id).order_by(PointEntry.id).limit(chunk).tuples())
        if not rows:
            break
        total = defaultdict(lambda: defaultdict(float))
        nodes_of = {}
        for _id, worker_id, grid_id, at, points in rows:
            nodes = nodes_of.get(grid_id)
            if nodes is None:
                nodes = nodes_of[grid_id] = _point_nodes(grid_id, paths, levels)
            month = _month(at, tz)
            for node in nodes:
                target = total[(node, DIM_POINTS, worker_id, month)]
                target["points"] += points
                target["point_entries"] += 1
        yield total
        last_id = rows[-1][0]


def fill_points(tz, batch=1000):
    """Replace the DIM_POINTS cells with what the ledger gives (a tally kept
    before they existed: migration 0015)."""
    cells = 0
    with db.atomic():
        Tally.delete().where(Tally.dim == DIM_POINTS).execute()
        for part in point_chunks(tz):
            cells += _insert_cells(part, batch)
    return cells


def _insert_cells(part, batch):
    rows = []
    for (node, dim, key, day), counters in sorted(part.items()):
        row = {name: 0 for name in COUNTERS}
        row.update({name: (round(n, 4) if name == "handle_hours" else int(round(n)))
                    for name, n in counters.items()})
        if any(row.values()):
            rows.append({"node": node, "dim": dim, "key": key, "month": day, **row})
    for start in range(0, len(rows), batch):
        _adding(Tally.insert_many(rows[start:start + batch]), COUNTERS).execute()
    return len(rows)


# --- rebuild and check ------------------------------------------------------


def chunks(tz, chunk=20000, echo=None):
    """Every ticket's contributions, summed a chunk of tickets at a time:
    yields {cell: {counter: n}} per chunk (from the tickets and their events)."""
    paths = dict(Grid.select(Grid.id, Grid.path).tuples())
    levels = dict(Grid.select(Grid.id, Grid.level).where(Grid.level.in_(list(KEPT))).tuples())
    calendar = deadlines.MemoryCalendar(dict(CalendarDay.select(CalendarDay.day, CalendarDay.workday).tuples()))
    last_id, done = 0, 0
    while True:
        tickets = list(Ticket.select(*TICKET_COLUMNS).where(Ticket.id > last_id).order_by(Ticket.id).limit(chunk))
        if not tickets:
            break
        lo, hi = tickets[0].id, tickets[-1].id
        events = defaultdict(list)
        for ticket_id, action, at, data in (TicketEvent.select(TicketEvent.ticket, TicketEvent.action, TicketEvent.at,
                                                               TicketEvent.data)
                                            .where(TicketEvent.ticket.between(lo, hi)
                                                   & TicketEvent.action.in_(EVENT_ACTIONS))
                                            .order_by(TicketEvent.ticket, TicketEvent.at, TicketEvent.id).tuples()):
            events[ticket_id].append((action, at, data))
        total = defaultdict(lambda: defaultdict(float))
        for ticket in tickets:
            nodes = {node: KEPT[levels[node]] for node in _path_ids(paths[ticket.grid_id]) if node in levels}
            for cell, counters in contributions(ticket, events.get(ticket.id, ()), nodes, tz, calendar).items():
                target = total[cell]
                for name, n in counters.items():
                    target[name] += n
        yield total
        last_id = hi
        done += len(tickets)
        if echo:
            echo(f"  {done:,} tickets")


def compute_all(tz, chunk=20000, echo=None):
    """Every cell, summed over every ticket (in memory: for checks)."""
    total = defaultdict(lambda: defaultdict(float))
    for part in itertools.chain(chunks(tz, chunk, echo), point_chunks(tz)):
        for cell, counters in part.items():
            target = total[cell]
            for name, n in counters.items():
                target[name] += n
    return total


def _stored():
    rows = {}
    for row in Tally.select().tuples():
        _id, node, dim, key, day, *values = row
        counters = {name: v for name, v in zip(COUNTERS, values, strict=True) if v}
        if counters:
            rows[(node, dim, key, day)] = counters
    return rows


def _normal(cells):
    out = {}
    for cell, counters in cells.items():
        kept = {name: (round(n, 2) if name == "handle_hours" else int(round(n))) for name, n in counters.items()
                if abs(n) > 1e-6}
        kept = {k: v for k, v in kept.items() if v}
        if kept:
            out[cell] = kept
    return out


def check(tz):
    """The cells where the stored tally differs from a rebuild: [(cell, stored, rebuilt)]."""
    rebuilt, stored = _normal(compute_all(tz)), _normal(_stored())
    return [(cell, stored.get(cell), rebuilt.get(cell)) for cell in sorted(set(rebuilt) | set(stored), key=str)
            if stored.get(cell) != rebuilt.get(cell)]


def rebuild(tz, echo=None, batch=1000):
    """Replace the tally with what the tickets and their events give (in
    one transaction, a chunk of tickets at a time: memory stays bounded)."""
    cells = 0
    with db.atomic():
        Tally.delete().execute()
        for part in chunks(tz, echo=echo):
            cells += _insert_cells(part, batch)
        for part in point_chunks(tz):  # the ledger's cells (DIM_POINTS)
            cells += _insert_cells(part, batch)
    return Tally.select().count() if cells else 0
