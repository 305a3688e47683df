"""Tickets: human-readable numbers, due times, time order.

Numbers are ``20261121-0001``: the local day and its sequence. The sequence
comes from the day's ``TicketCounter`` row, raised by an UPDATE that the
database holds locked until the report commits: on SQLite, PostgreSQL and
MySQL alike, reporters at the same moment queue for the row (briefly: photos
are prepared before the transaction opens) and take consecutive numbers,
so no report is ever refused for a number someone else took. A sequence
would be cheaper but leaves gaps on rollback and is not portable to SQLite;
a per-day row restarts at 1 each day by construction.

The day's row is best created before the report's transaction opens
(``ensure_counter``, in a short transaction of its own): then every report
only UPDATEs an existing row, which on MySQL/MariaDB takes a plain row lock
(creating it inside a busy transaction can deadlock there on gap locks).
"""

from peewee import IntegrityError, OperationalError

from ..models import Ticket, TicketCounter, Volunteer, db, utcnow
from ..models.base import N_
from .errors import RuleError

NUMBER_DIGITS = 4


def _highest_taken(key):
    """The highest sequence already used on day ``key`` by tickets numbered
    without the counter (before it existed, or imported): 0 if none."""
    numbers = (Ticket.select(Ticket.number)
               .where((Ticket.number >= f"{key}-") & (Ticket.number < f"{key}."))
               .tuples())
    sequences = [int(tail) for (number,) in numbers if (tail := number[len(key) + 1:]).isdigit()]
    return max(sequences, default=0)


def _key(day):
    return day.strftime("%Y%m%d")


def ensure_counter(day, attempts=5):
    """Create local ``day``'s counter row if it is missing, in a transaction
    of its own (call it before opening the report's)."""
    key = _key(day)
    for attempt in range(attempts):
        if TicketCounter.select().where(TicketCounter.day == key).exists():
            return
        try:
            with db.atomic():
                TicketCounter.insert(day=key, last=_highest_taken(key)).on_conflict_ignore().execute()
            return
        except (IntegrityError, OperationalError):  # MySQL: a deadlock among first reporters; try again
            if attempt == attempts - 1:
                raise


def _take(key):
    """Raise day ``key``'s counter by one (creating it on the day's first
    report) and return the new value. Must run inside a transaction: the
    counter row stays locked until it ends."""
    counter = TicketCounter.day == key
    if not TicketCounter.update(last=TicketCounter.last + 1).where(counter).execute():
        try:
            with db.atomic():  # a savepoint: another reporter may create the row first
                TicketCounter.insert(day=key, last=_highest_taken(key) + 1).execute()
        except IntegrityError:
            TicketCounter.update(last=TicketCounter.last + 1).where(counter).execute()
    return TicketCounter.select(TicketCounter.last).where(counter).scalar()


def next_number(day):
    """The next number of local ``day``, inside the caller's transaction."""
    key = _key(day)
    while True:
        number = f"{key}-{_take(key):0{NUMBER_DIGITS}d}"
        # An imported ticket may hold a number ahead of the counter: skip it.
        if not Ticket.select(Ticket.id).where(Ticket.number == number).exists():
            return number


def save_new(ticket, day):
    """Insert ``ticket`` with the next number of ``day`` and its creation
    time, taken after the number so that numbers follow time."""
    with db.atomic():
        ticket.number = next_number(day)
        ticket.created_at = utcnow()
        ticket.save(force_insert=True)
    return ticket


def check_times(ticket):
    """Due and closed times cannot come before the ticket was created."""
    created = ticket.created_at
    if ticket.due_at is not None and created is not None and ticket.due_at < created:
        raise RuleError("The due time cannot be before the ticket was created.", field="due_at")
    if ticket.closed_at is not None and created is not None and ticket.closed_at < created:
        raise RuleError("The closed time cannot be before the ticket was created.", field="closed_at")


COUNTED_FIELDS = ("grid", "category", "source", "created_at")  # what moves a ticket's tally cells


def save_ticket(ticket, is_created, today, tz="Asia/Shanghai"):
    """Create (numbered) or update a ticket's own fields. Its status, due
    time and handling change only through ``services.workflow``. An edit of
    its grid, category or source moves its figures in the tally, in the
    same transaction."""
    from . import tally

    check_times(ticket)
    if is_created:
        return save_new(ticket, today)
    if not set(COUNTED_FIELDS) & set(getattr(ticket, "_dirty", ())):
        ticket.save()
        return ticket
    with db.atomic():
        stored = Ticket.get_by_id(ticket.id)
        if stored.version != ticket.version:  # stale: let save() refuse it
            ticket.save()
        before = tally.snapshot(stored)
        ticket.save()
        tally.apply(before, ticket, tz)
    return ticket


# Past these, a ticket is a record of what happened: no more form edits.
FINAL_STATUSES = ("rejected", "closed", "rated", "merged")


def editable(ticket, role):
    """May a user of ``role`` (allowed to edit tickets) edit this one's own
    fields? Not once it is final; a reporter in the field (grid worker,
    volunteer) only before it is accepted."""
    if ticket.status in FINAL_STATUSES:
        return False
    return ticket.status == "reported" if role in ("worker", "volunteer") else True


# --- reports sent from a phone: recognised by the key the phone gave them ---

REPORT_KEY_CHARS = frozenset("0123456789abcdefABCDEF-")


def clean_report_key(value):
    """A report key as sent (a UUID made on the phone), or None when none was
    sent; anything else is refused, on the form's hidden field."""
    value = (value or "").strip()
    if not value:
        return None
    if not (8 <= len(value) <= 36) or not set(value) <= REPORT_KEY_CHARS:
        raise RuleError(N_("The report's key is not valid: reload the form and send it again."), field="report_key")
    return value.lower()


def reported_with_key(key):
    """The ticket already made from the report with this key, or None: a
    report sent again (a retry, the offline queue) is this one, not a new one."""
    if not key:
        return None
    return Ticket.get_or_none(Ticket.report_key == key)


def reporter_names(rows):
    """{ticket id: the reporter's name} for tickets a volunteer reported (a
    grid worker's name comes with the row's ``reporter``): one query."""
    ids = {row.reporter_volunteer_id for row in rows if row.reporter_volunteer_id} - {None}
    if not ids:
        return {}
    names = dict(Volunteer.select(Volunteer.id, Volunteer.name).where(Volunteer.id.in_(list(ids))).tuples())
    return {row.id: names.get(row.reporter_volunteer_id, "") for row in rows if row.reporter_volunteer_id}
