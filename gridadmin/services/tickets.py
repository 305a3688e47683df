"""Tickets: human-readable numbers, due times, time order."""

from peewee import IntegrityError, fn

from ..models import Ticket, db, utcnow
from .errors import RuleError

NUMBER_DIGITS = 4


def next_number(day):
    """The next free number of a local day: ``20261121-0001``."""
    prefix = day.strftime("%Y%m%d-")
    last = (Ticket.select(fn.MAX(Ticket.number))
            .where(Ticket.number.startswith(prefix))
            .scalar())
    seq = int(last.split("-")[1]) + 1 if last else 1
    return f"{prefix}{seq:0{NUMBER_DIGITS}d}"


def save_new(ticket, day, attempts=5):
    """Insert ``ticket`` with the next number of ``day``; two reporters at
    once both succeed, the second taking the following number."""
    for attempt in range(attempts):
        ticket.number = next_number(day)
        try:
            with db.atomic():
                ticket.save(force_insert=True)
            return ticket
        except IntegrityError:
            if attempt == attempts - 1 or Ticket.select().where(Ticket.number == ticket.number).count() == 0:
                raise
    return ticket


def check_times(ticket):
    """Due and closed times cannot come before the ticket was created."""
    created = ticket.created_at
    if ticket.due_at is not None and created is not None and ticket.due_at < created:
        raise RuleError("The due time cannot be before the ticket was created.", field="due_at")
    if ticket.closed_at is not None and created is not None and ticket.closed_at < created:
        raise RuleError("The closed time cannot be before the ticket was created.", field="closed_at")


def save_ticket(ticket, is_created, today):
    """Create (numbered) or update a ticket's own fields. Its status, due
    time and handling change only through ``services.workflow``."""
    if is_created:
        ticket.created_at = utcnow()
    check_times(ticket)
    if is_created:
        return save_new(ticket, today)
    ticket.save()
    return ticket


# Past these, a ticket is a record of what happened: no more form edits.
FINAL_STATUSES = ("rejected", "closed", "rated", "merged")


def editable(ticket, role):
    """May a user of ``role`` (allowed to edit tickets) edit this one's own
    fields? Not once it is final; a grid worker only before it is accepted."""
    if ticket.status in FINAL_STATUSES:
        return False
    return ticket.status == "reported" if role == "worker" else True
