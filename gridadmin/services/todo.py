"""To-do queues (待办): what waits for each user, within their scope.

Every queue of tickets is a WHERE clause over ``Ticket`` named by a key;
the home page counts it and links to the ticket list filtered by the same
key (``clause``), so a count and its list can never disagree. The navbar's
badge and the list filter "my to-do" (key ``mine``) are the union of the
user's ticket queues that ask them to act.

    queues(user, now, tz)   -> [Queue(key, label, count, kind, extra)]
    clause(key, user, now, tz) -> the WHERE clause of a ticket queue
    count(user, now, tz)    -> the badge: how many tickets wait for the user
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from types import SimpleNamespace

from peewee import SQL, fn

from ..models import Meeting, PointEntry, Ticket, TicketEvent
from ..models.base import N_
from . import clock, deadlines, meetings, points, scope

OPEN = deadlines.OPEN_STATUSES  # dispatched, in progress
RECENT_DAYS = 7
NOTHING = SQL("1 = 0")

# Ticket queues by role, in the order the home page shows them.
ROLE_QUEUES = {
    "worker": ("assigned", "to_verify", "returned"),
    "volunteer": ("returned",),
    "department": ("to_start", "in_progress", "due_soon", "overdue", "extension_waiting"),
    "secretary": ("to_accept", "to_verify", "to_rate"),
    "centre": ("to_dispatch", "extension_to_decide", "overdue", "due_soon", "last_hour"),
    "admin": ("to_dispatch", "extension_to_decide", "overdue", "due_soon", "last_hour"),
}
# The queues that ask the user to act (the badge and "my to-do").
ACTIONABLE = {
    "worker": ("assigned", "to_verify"),
    "department": ("to_start", "in_progress", "extension_waiting"),
    "secretary": ("to_accept", "to_verify", "to_rate"),
    "centre": ("to_dispatch", "extension_to_decide", "overdue"),
    "admin": ("to_dispatch", "extension_to_decide", "overdue"),
}
LABELS = {
    "mine": N_("My to-do"),
    "assigned": N_("Dispatched to me"),
    "to_verify": N_("Waiting for my verification"),
    "returned": N_("My reports returned or rejected in the last 7 days"),
    "to_start": N_("To start"),
    "in_progress": N_("In progress"),
    "due_soon": N_("Due within one working day"),
    "overdue": N_("Overdue"),
    "extension_waiting": N_("My extension requests waiting"),
    "to_accept": N_("To accept"),
    "to_rate": N_("To rate"),
    "to_dispatch": N_("To dispatch"),
    "extension_to_decide": N_("Extension requests to decide"),
    "last_hour": N_("Reported in the last hour"),
    "open_items": N_("Open meeting items"),
    "meetings_this_month": N_("This month's meetings"),
    "points_this_month": N_("My points this month"),
}
KEYS = tuple(k for k in LABELS if k not in ("open_items", "meetings_this_month", "points_this_month"))

# "Within one working day": the moment 24 working hours from now (hours run
# on workdays only, like a category's hour limit).
_ONE_WORKING_DAY = SimpleNamespace(time_limit_days=None, time_limit_hours=24, round_the_clock=False)


@dataclass
class Queue:
    key: str
    label: str
    count: int
    kind: str = "ticket"  # ticket | meetingitem | meeting | points
    extra: dict = field(default_factory=dict)  # e.g. {"by_department": [(id, name, count)]}


def one_working_day(now, tz):
    return deadlines.due_time(_ONE_WORKING_DAY, now, tz)


def _handler(user):
    """The clause "dispatched to the user" (a worker or a department), or None."""
    if user.role == "worker" and user.worker_id:
        return Ticket.assignee == user.worker_id
    if user.role == "department" and user.department_id:
        return Ticket.department == user.department_id
    return None


def _base(key, user, now, tz):
    role = user.role
    handler = _handler(user)
    if key == "mine":
        keys = ACTIONABLE.get(role, ())
        parts = [_base(k, user, now, tz) for k in keys]
        parts = [p for p in parts if p is not None]
        if not parts:
            return None
        combined = parts[0]
        for part in parts[1:]:
            combined = combined | part
        return combined
    if key == "assigned":
        return handler & Ticket.status.in_(OPEN) if role == "worker" and handler is not None else None
    if key == "to_verify":
        if role not in ("worker", "secretary", "centre", "admin"):
            return None
        clause = Ticket.status == "handled"
        if role == "worker":  # not the handling she did herself
            clause &= (Ticket.assignee.is_null() | (Ticket.assignee != user.worker_id))
        return clause
    if key == "returned":
        if role == "worker" and user.worker_id:
            mine = Ticket.reporter == user.worker_id
        elif role == "volunteer" and user.volunteer_id:
            mine = Ticket.reporter_volunteer == user.volunteer_id
        else:
            return None
        since = now - timedelta(days=RECENT_DAYS)
        events = (TicketEvent.select(TicketEvent.ticket)
                  .where(TicketEvent.action.in_(("return", "reject")) & (TicketEvent.at >= since)))
        return mine & Ticket.id.in_(events)
    if role == "department" and handler is None:
        return None
    if key == "to_start":
        return handler & (Ticket.status == "dispatched") if role == "department" else None
    if key == "in_progress":
        return handler & (Ticket.status == "in_progress") if role == "department" else None
    if key == "extension_waiting":
        return handler & Ticket.extension_due_at.is_null(False) & Ticket.status.in_(OPEN) \
            if role == "department" else None
    if key == "overdue":
        return deadlines.overdue_clause(now)
    if key == "due_soon":
        return Ticket.status.in_(OPEN) & (Ticket.due_at >= now) & (Ticket.due_at <= one_working_day(now, tz))
    if key == "to_accept":
        return Ticket.status == "reported"
    if key == "to_rate":
        return Ticket.status == "closed"
    if key == "to_dispatch":
        return Ticket.status == "accepted"
    if key == "extension_to_decide":
        return Ticket.extension_due_at.is_null(False) & Ticket.status.in_(OPEN)
    if key == "last_hour":
        return Ticket.created_at >= now - timedelta(hours=1)
    return None


def clause(key, user, now, tz):
    """The WHERE clause of queue ``key`` for ``user``, scope included;
    a key that is not the user's queue selects nothing."""
    if user is None or not getattr(user, "active", False) or key not in KEYS:
        return NOTHING
    if key != "mine" and key not in ROLE_QUEUES.get(user.role, ()):
        return NOTHING
    base = _base(key, user, now, tz)
    if base is None:
        return NOTHING
    within = scope.condition(Ticket, user)
    return base if within is None else (within & base)


def tickets(key, user, now, tz):
    """The tickets of queue ``key``."""
    return Ticket.select(Ticket.id).where(clause(key, user, now, tz))


def _capped(query, cap):
    """How many rows ``query`` has, reading at most ``cap`` of them."""
    if cap is None:
        return query.count()
    return query.limit(cap).count()


def count(user, now, tz, cap=None):
    """The navbar badge: how many tickets wait for ``user`` to act (the
    size of "my to-do"). A command centre's queues are disjoint but for
    overdue tickets with an extension pending: counted as three indexed
    counts (the badge is on every page), not one OR over the tickets.
    ``cap``: stop counting there (the badge shows "99+"; a whole district's
    queues would otherwise be counted on every page)."""
    if user is None or user.role not in ACTIONABLE:
        return 0
    if user.role in ("centre", "admin"):
        parts = (clause("to_dispatch", user, now, tz), clause("overdue", user, now, tz),
                 clause("extension_to_decide", user, now, tz)
                 & ~(Ticket.due_at.is_null(False) & (Ticket.due_at < now)))
        total = 0
        for part in parts:
            total += _capped(Ticket.select(Ticket.id).where(part), None if cap is None else cap - total)
            if cap is not None and total >= cap:
                break
        return total
    return _capped(tickets("mine", user, now, tz), cap)


def _overdue_by_department(user, now, tz):
    rows = (Ticket.select(Ticket.department, fn.COUNT(Ticket.id))
            .where(clause("overdue", user, now, tz))
            .group_by(Ticket.department).tuples())
    from ..models import Department

    names = dict(Department.select(Department.id, Department.name).tuples())
    found = [(dept, names.get(dept), n) for dept, n in rows]
    return sorted(found, key=lambda r: (-r[2], r[1] or ""))


def queues(user, now, tz):
    """The user's queues with their counts, for the home page."""
    if user is None or not getattr(user, "active", False):
        return []
    found = []
    for key in ROLE_QUEUES.get(user.role, ()):
        extra = {}
        if key == "overdue" and user.role in ("centre", "admin"):
            extra["by_department"] = _overdue_by_department(user, now, tz)
        if key == "assigned":
            lights = {"red": 0, "yellow": 0, "green": 0}
            rows = Ticket.select(Ticket.status, Ticket.due_at, Ticket.dispatched_at, Ticket.created_at).where(
                clause(key, user, now, tz))
            for ticket in rows:
                light = deadlines.light(ticket, now)
                if light:
                    lights[light] += 1
            extra["lights"] = lights
        found.append(Queue(key, LABELS[key], tickets(key, user, now, tz).count(), extra=extra))
    if user.role == "secretary":
        found.append(Queue("open_items", LABELS["open_items"], meetings.open_items(user).count(), "meetingitem"))
        lower, upper = month_range(now, tz)
        held = scope.visible(Meeting, user).where((Meeting.held_at >= lower) & (Meeting.held_at < upper))
        found.append(Queue("meetings_this_month", LABELS["meetings_this_month"], held.count(), "meeting",
                           {"from": clock.to_local(lower, tz), "to": clock.to_local(upper, tz)}))
    if user.role == "worker" and user.worker_id:
        lower, upper = month_range(now, tz)
        total = (PointEntry.select(fn.COALESCE(fn.SUM(PointEntry.points), 0))
                 .where((PointEntry.worker == user.worker_id) & (PointEntry.at >= lower) & (PointEntry.at < upper))
                 .scalar())
        found.append(Queue("points_this_month", LABELS["points_this_month"], int(total or 0), "points",
                           {"worker": user.worker_id}))
    return found


def month_range(now, tz):
    """This local month's bounds in UTC."""
    local = clock.to_local(now, tz)
    return points.month_bounds(datetime.combine(local.date().replace(day=1), time.min), tz)
