"""Deadlines that count working time, and the traffic light of open tickets.

A category's time limit is ``time_limit_days`` working days when set (due at
the end of the N-th workday after the start's day), else ``time_limit_hours``
hours that run on workdays only, or round the clock for urgent matters.
Days are local days of the configured zone; stored times are naive UTC.

Saturdays and Sundays are off and other days are workdays, unless a
``CalendarDay`` row says otherwise (public holiday off, 调休 make-up day on).
Administrators may type a year's such days as lines (``parse_calendar``).
"""

import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from ..models import CalendarDay, Ticket, db
from ..models.base import N_
from . import audit, clock, dates
from .errors import RuleError

OPEN_STATUSES = ("dispatched", "in_progress")

# Calendar rows are read a window at a time; later windows grow, so a long
# holiday costs a query or two, not one per day.
FIRST_WINDOW = 40
# No year without a workday, and no deadline further ahead than this: a
# broken calendar or an absurd limit must fail, not loop.
MAX_OFF_RUN = 366
MAX_SPAN = timedelta(days=3660)

NO_WORKDAY = N_("The workday calendar has no workday in the year from %(day)s on, so no deadline can be set.")
TOO_FAR = N_("The category's time limit puts the deadline more than ten years ahead.")


def _default_workday(day):
    return day.weekday() < 5


def is_workday(day: date) -> bool:
    row = CalendarDay.select(CalendarDay.workday).where(CalendarDay.day == day).first()
    return row.workday if row is not None else _default_workday(day)


class _Calendar:
    """Workdays from ``first`` on, reading CalendarDay rows window by window."""

    def __init__(self, first, size=FIRST_WINDOW):
        self.end = first - timedelta(days=1)  # last day loaded
        self.size = size
        self.overrides = {}

    def _load_through(self, day):
        while self.end < day:
            lo, hi = self.end + timedelta(days=1), max(day, self.end + timedelta(days=self.size))
            rows = CalendarDay.select(CalendarDay.day, CalendarDay.workday).where(
                CalendarDay.day.between(lo, hi)).tuples()
            self.overrides.update((d, bool(w)) for d, w in rows)
            self.end = hi
            self.size *= 2

    def is_workday(self, day):
        self._load_through(day)
        workday = self.overrides.get(day)
        return _default_workday(day) if workday is None else workday

    def next_workday(self, day):
        """The first workday on or after ``day``."""
        for offset in range(MAX_OFF_RUN):
            candidate = day + timedelta(days=offset)
            if self.is_workday(candidate):
                return candidate
        raise RuleError(NO_WORKDAY, day=day.isoformat())


class MemoryCalendar:
    """Workdays from CalendarDay values held in memory ({day: workday}), for
    bulk work (the demo data) that computes many due times at once."""

    def __init__(self, overrides):
        self.overrides = dict(overrides)
        self._next = {}

    def is_workday(self, day):
        workday = self.overrides.get(day)
        return _default_workday(day) if workday is None else workday

    def next_workday(self, day):
        found = self._next.get(day)
        if found is None:
            for offset in range(MAX_OFF_RUN):
                candidate = day + timedelta(days=offset)
                if self.is_workday(candidate):
                    found = self._next[day] = candidate
                    break
            else:
                raise RuleError(NO_WORKDAY, day=day.isoformat())
        return found


@lru_cache(maxsize=8192)
def _midnight_utc(day, tz):
    return clock.to_utc(datetime.combine(day, time.min), tz)


def due_time(category, start, tz, calendar=None):
    """When a ticket of ``category`` started at ``start`` (naive UTC) is due,
    as naive UTC; None when the category sets no limit. ``calendar`` (a
    MemoryCalendar) saves the queries when many are computed at once."""
    days, hours = category.time_limit_days, category.time_limit_hours or 0
    if not days and hours <= 0:
        return None
    if not days and category.round_the_clock:
        if hours > MAX_SPAN.total_seconds() / 3600:
            raise RuleError(TOO_FAR)
        return start + timedelta(hours=hours)
    local = clock.to_local(start, tz)
    limit = local.date() + MAX_SPAN
    cal = calendar or _Calendar(local.date() + timedelta(days=1) if days else local.date())
    if days:
        day = local.date()
        for _ in range(days):
            day = cal.next_workday(day + timedelta(days=1))
            if day > limit:
                raise RuleError(TOO_FAR)
        return _midnight_utc(day + timedelta(days=1), tz)
    # Hours on workdays only: walk workday by workday, measuring each day's
    # share in UTC so a daylight-saving day counts its real length.
    left = timedelta(hours=hours)
    day = cal.next_workday(local.date())
    cursor = start if day == local.date() else _midnight_utc(day, tz)
    while True:
        day_end = _midnight_utc(day + timedelta(days=1), tz)
        if left <= day_end - cursor:
            return cursor + left
        left -= day_end - cursor
        day = cal.next_workday(day + timedelta(days=1))
        if day > limit:
            raise RuleError(TOO_FAR)
        cursor = _midnight_utc(day, tz)


def light(ticket, now):
    """The overdue light of a ticket: red past its due time, yellow in the
    last quarter of its window, else green; None if it cannot be overdue."""
    if ticket.status not in OPEN_STATUSES or ticket.due_at is None:
        return None
    if now > ticket.due_at:
        return "red"
    start = ticket.dispatched_at or ticket.created_at
    if start is None:
        return "green"
    # A window of nothing (due when started) leaves no margin at all.
    if (ticket.due_at - now) * 4 < ticket.due_at - start or ticket.due_at <= start:
        return "yellow"
    return "green"


def is_overdue(ticket, now):
    return ticket.status in OPEN_STATUSES and ticket.due_at is not None and ticket.due_at < now


def overdue_clause(now):
    """Open tickets past their due time, for a WHERE (walks the (status, due_at) index)."""
    return (Ticket.status.in_(OPEN_STATUSES)) & (Ticket.due_at < now)


# --- entering a year's holidays at once ----------------------------------

# "2026-10-01 国庆节", "2026-10-01..2026-10-08 国庆节" (or "~"); a leading
# "+" marks make-up workdays (调休上班). "#" starts a comment line.
_LINE = re.compile(r"^(?P<plus>\+)?\s*(?P<first>\d{4}-\d{1,2}-\d{1,2})"
                   r"(?:\s*(?:\.\.|~|～)\s*(?P<last>\d{4}-\d{1,2}-\d{1,2}))?(?:\s+(?P<name>.*))?$")
MAX_RANGE_DAYS = 366
BAD_LINE = N_("Line %(line)s: “%(text)s” is not a date or a range of dates (2026-10-01 or 2026-10-01..2026-10-08).")
BAD_RANGE = N_("Line %(line)s: a range must run forwards and span at most %(max)s days.")
TWICE = N_("Line %(line)s: %(day)s is already given on line %(first)s.")
NOTHING_GIVEN = N_("Enter at least one date.")


def _parse_day(text, line):
    try:
        day = dates.parse_date(text)
    except dates.OutOfRange:
        day = None
    if day is None:
        raise RuleError(BAD_LINE, field="lines", line=line, text=text)
    return day


def parse_calendar(text, workday=False):
    """[(day, workday, name)] from lines typed by an administrator; a line
    marked "+" is a make-up workday, others take ``workday``."""
    entries, seen = [], {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise RuleError(BAD_LINE, field="lines", line=number, text=line[:40])
        first = _parse_day(match["first"], number)
        last = _parse_day(match["last"], number) if match["last"] else first
        if not 0 <= (last - first).days < MAX_RANGE_DAYS:
            raise RuleError(BAD_RANGE, field="lines", line=number, max=MAX_RANGE_DAYS)
        name = (match["name"] or "").strip()[:64] or None
        on = True if match["plus"] else workday
        for offset in range((last - first).days + 1):
            day = first + timedelta(days=offset)
            if day in seen:
                raise RuleError(TWICE, field="lines", line=number, day=day.isoformat(), first=seen[day])
            seen[day] = number
            entries.append((day, on, name))
    if not entries:
        raise RuleError(NOTHING_GIVEN, field="lines")
    return entries


def save_calendar(entries, actor=None, address=None):
    """Add or overwrite the given days, all or none, each change audited.
    Returns how many rows were added or changed."""
    changed = 0
    with db.atomic():
        days = [day for day, _w, _n in entries]
        # One range query, not an IN list (SQLite caps its parameters).
        existing = {row.day: row for row in
                    CalendarDay.select().where(CalendarDay.day.between(min(days), max(days)))}
        for day, workday, name in entries:
            row = existing.get(day)
            created = row is None
            before = {} if created else audit.snapshot(row)
            row = row or CalendarDay(day=day)
            row.workday, row.name = workday, name
            if not created and not audit.diff(before, audit.snapshot(row)):
                continue  # already so: no write, no audit row
            row.save(force_insert=created)
            audit.record("create" if created else "update", user=actor, address=address, obj=row,
                         changes=audit.diff(before, audit.snapshot(row)))
            changed += 1
    return changed
