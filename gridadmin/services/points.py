"""The points ledger (积分流水): booking by the category's rules, balances,
history and the monthly ranking.

Rows are only ever appended (``PointEntry`` is append-only): a reopened
ticket is undone by reversal entries, so a worker's points are always the
plain sum of their entries. The ticket workflow calls the booking functions
inside its own transaction.
"""

from datetime import date, datetime, timedelta

from peewee import JOIN, fn

from ..models import Grid, PointEntry, Ticket, Worker
from ..models.stats import DIM_POINTS, Tally
from . import clock, grids, records, scope, tally

NOTE_LENGTH = PointEntry.note.max_length
ON_SPOT_DAILY_LIMIT = 5  # default of the POINTS_ON_SPOT_PER_DAY setting
LOWEST = -(2**31)  # below any month's points


def _book(entries, worker_id, points, reason, ticket, at, tz, note=None, cycle=None):
    """One entry, and the worker's month in the tally (DIM_POINTS), in the
    caller's transaction. The ledger's unique key (ticket, worker, reason, cycle)
    refuses a second award for the same ticket cycle in the database."""
    if worker_id is None or not points:
        return
    entries.append(PointEntry.create(worker=worker_id, points=points, reason=reason, ticket=ticket.id, at=at,
                                     note=note[:NOTE_LENGTH] if note else None,
                                     cycle=ticket.cycle if cycle is None else cycle))
    tally.book_points(worker_id, points, at, tz)


def record(worker_id, points, reason, at=None, ticket=None, note=None, cycle=0, tz="Asia/Shanghai"):
    """One ledger entry written outside the ticket workflow (imports of
    history, the demo, tests): the entry and its tally cells in one transaction."""
    from ..models import db, utcnow

    at = at or utcnow()
    tally.ensure_point_cells(worker_id, at, tz)  # before the transaction (MySQL gap locks)
    with db.atomic():
        entry = PointEntry.create(worker=worker_id, points=points, reason=reason, ticket=ticket, at=at,
                                  note=note[:NOTE_LENGTH] if note else None, cycle=cycle)
        tally.book_points(worker_id, points, at, tz)
    return entry


def save_worker(worker, is_created, tz="Asia/Shanghai"):
    """Insert or update a worker (``records.save``). A worker moved to another
    grid takes their months of points along in the tally (DIM_POINTS), in
    the same transaction."""
    from ..models import db

    if is_created or "grid" not in getattr(worker, "_dirty", ()):
        return records.save(worker, is_created)
    with db.atomic():
        old = Worker.select(Worker.grid).where(Worker.id == worker.id).scalar()
        records.save(worker, False)
        tally.move_worker(worker.id, old, worker.grid_id, tz)
    return worker


def book_close(ticket, verifier_id, at, tz="Asia/Shanghai"):
    """A ticket verified and closed: the reporter's and the verifier's points
    by its category's rules, and the deduction for handling it late. Returns
    the entries written (none for a rule worth zero)."""
    rules = ticket.category
    entries = []
    _book(entries, ticket.reporter_id, rules.points, "report", ticket, at, tz)
    _book(entries, verifier_id, rules.points_verify, "verify", ticket, at, tz)
    late = ticket.handled_at is not None and ticket.due_at is not None and ticket.handled_at > ticket.due_at
    if late:
        _book(entries, ticket.assignee_id, -rules.points_overdue, "overdue", ticket, at, tz)
    return entries


def book_on_spot(ticket, at, tz="Asia/Shanghai", daily_limit=ON_SPOT_DAILY_LIMIT):
    """A small matter closed on the spot by its reporter (自办自结): points
    at most ``daily_limit`` times per worker and local day, so closing
    trifles cannot be farmed. Returns the entries written (none past the limit)."""
    entries = []
    worker_id = ticket.reporter_id
    if worker_id is None or not ticket.category.points_on_spot:
        return entries
    records.lock(Worker, worker_id)  # two closes at once count each other (PostgreSQL, MySQL)
    if on_spot_awards_today(worker_id, at, tz) < daily_limit:
        _book(entries, worker_id, ticket.category.points_on_spot, "on_spot", ticket, at, tz)
    return entries


def on_spot_awards_today(worker_id, at, tz):
    """How many on-the-spot awards the worker has earned on ``at``'s local day."""
    local = clock.to_local(at, tz).date()
    lower = clock.to_utc(datetime.combine(local, datetime.min.time()), tz)
    upper = clock.to_utc(datetime.combine(local + timedelta(days=1), datetime.min.time()), tz)
    return (PointEntry.select()
            .where((PointEntry.worker == worker_id) & (PointEntry.reason == "on_spot")
                   & (PointEntry.at >= lower) & (PointEntry.at < upper))
            .count())


def reverse(ticket, at, note=None, cycle=None, tz="Asia/Shanghai"):
    """A closed ticket reopened: one entry per worker cancelling what the
    ticket has earned or cost them so far, so closing it again books afresh.
    The reversals belong to the cycle they close (``cycle``, by default the
    ticket's current one)."""
    nets = (PointEntry.select(PointEntry.worker, fn.SUM(PointEntry.points))
            .where(PointEntry.ticket == ticket.id)
            .group_by(PointEntry.worker)
            .order_by(PointEntry.worker)
            .tuples())
    entries = []
    for worker_id, net in list(nets):
        _book(entries, worker_id, -int(net or 0), "reversal", ticket, at, tz, note, cycle)
    return entries


def balance(worker_id):
    """A worker's points: the sum of their entries."""
    total = PointEntry.select(fn.SUM(PointEntry.points)).where(PointEntry.worker == worker_id).scalar()
    return int(total or 0)  # MySQL sums to a Decimal


def balances(worker_ids):
    """{worker id: points} for many workers, in one grouped query."""
    ids = list(set(worker_ids))
    if not ids:
        return {}
    result = dict.fromkeys(ids, 0)
    rows = (PointEntry.select(PointEntry.worker, fn.SUM(PointEntry.points))
            .where(PointEntry.worker.in_(ids))
            .group_by(PointEntry.worker)
            .tuples())
    for worker_id, total in rows:
        result[worker_id] = int(total or 0)
    return result


def history(worker_id, limit=50):
    """A worker's latest entries, newest first, each with its ticket's number
    (one query)."""
    return list(PointEntry.select(PointEntry, Ticket.id, Ticket.number)
                .join(Ticket, JOIN.LEFT_OUTER)
                .where(PointEntry.worker == worker_id)
                .order_by(PointEntry.at.desc(), PointEntry.id.desc())
                .limit(limit))


def month_bounds(month_start, tz):
    """The UTC times where a local calendar month begins and ends."""
    first = date(month_start.year, month_start.month, 1)
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (clock.to_utc(datetime.combine(first, datetime.min.time()), tz),
            clock.to_utc(datetime.combine(after, datetime.min.time()), tz))


class Standing(tuple):
    """One line of the ranking: unpacks as ``(worker, total)``; ``rank`` is
    shared by equal totals (1, 2, 2, 4)."""

    def __new__(cls, worker, total, rank):
        line = super().__new__(cls, (worker, total))
        line.rank = rank
        return line

    worker = property(lambda self: self[0])
    total = property(lambda self: self[1])


def ranking(month_start, grid=None, user=None, tz="Asia/Shanghai", limit=100):
    """Workers by their points earned in a local calendar month, highest
    first (then by name), within ``grid``'s subtree and ``user``'s scope.

    A node the tally keeps points for (a district, street or community, no
    user scope to add) reads its cells (DIM_POINTS: the same sums, kept with
    every entry); otherwise one grouped query over the month's entries (the
    ``at`` index), joined to their workers by key. Then one query for the
    shown workers' grids."""
    if grid is not None and user is None and tally.kept(grid.level, DIM_POINTS):
        rows = _kept_ranking(month_start, grid, limit)
    else:
        rows = _ledger_ranking(month_start, grid, user, tz, limit)
    grid_ids = {row[3] for row in rows}
    grids_by_id = {g.id: g for g in Grid.select(Grid.id, Grid.name, Grid.code).where(Grid.id.in_(list(grid_ids)))} \
        if grid_ids else {}
    standings, rank, previous = [], 0, None
    for position, (worker_id, name, post, grid_id, points) in enumerate(rows, start=1):
        points = int(points or 0)
        if points != previous:
            rank, previous = position, points
        worker = Worker(id=worker_id, name=name, post=post, grid=grid_id)
        if grid_id in grids_by_id:
            worker.grid = grids_by_id[grid_id]
        standings.append(Standing(worker, points, rank))
    return standings


def _ledger_ranking(month_start, grid, user, tz, limit):
    """(worker id, name, post, grid id, total) from the month's entries."""
    lower, upper = month_bounds(month_start, tz)
    total = fn.SUM(PointEntry.points)
    query = (PointEntry.select(Worker.id, Worker.name, Worker.post, Worker.grid, total.alias("total"))
             .join(Worker, on=(PointEntry.worker == Worker.id))
             .where((PointEntry.at >= lower) & (PointEntry.at < upper))
             .group_by(Worker.id, Worker.name, Worker.post, Worker.grid)
             .order_by(total.desc(), Worker.name, Worker.id)
             .limit(limit))
    if grid is not None and not grids.covers_all(grid):
        query = query.where(Worker.grid.in_(grids.subtree_ids(grid)))
    if user is not None:
        clause = scope.condition(Worker, user)
        if clause is not None:
            query = query.where(clause)
    return list(query.tuples())


def _kept_ranking(month_start, grid, limit):
    """The same lines from the tally's cells of ``grid`` (a node it keeps
    DIM_POINTS for): the ``limit``-th highest total first, read down the
    (node, dim, month, points) index, then the workers at or above it."""
    month = date(month_start.year, month_start.month, 1)
    cells = ((Tally.node == grid.id) & (Tally.dim == DIM_POINTS) & (Tally.month == month)
             & (Tally.point_entries > 0))
    query = (Tally.select(Worker.id, Worker.name, Worker.post, Worker.grid, Tally.points)
             .join(Worker, on=(Tally.key == Worker.id))
             .where(cells)
             .order_by(Tally.points.desc(), Worker.name, Worker.id)
             .limit(limit))
    if limit:
        # The limit-th highest total, if there are that many (else the lowest possible).
        ranked = Tally.alias()
        floor = (ranked.select(ranked.points)
                 .where((ranked.node == grid.id) & (ranked.dim == DIM_POINTS) & (ranked.month == month)
                        & (ranked.point_entries > 0))
                 .order_by(ranked.points.desc()).limit(1).offset(limit - 1))
        query = query.where(Tally.points >= fn.COALESCE(floor, LOWEST))
    return list(query.tuples())
