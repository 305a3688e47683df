"""The ticket workflow (工单流转): the state machine of the closed loop.

One function performs any step: ``transition(ticket, action, actor, **fields)``.
It checks the state, the actor's role and scope, then changes the ticket
with a conditional UPDATE (``WHERE version = the version read``) so that of
two people acting at once exactly one succeeds; it writes one TicketEvent,
books points, and logs the change, all in one transaction.

    reported ─accept→ accepted ─dispatch→ dispatched ─start→ in_progress ─handle→ handled
       │  └reject→ rejected                    ↑ (return, reason) ─────────────────┘ │
       │  └merge→ merged (duplicate)                                    verify→ closed ─rate→ rated
       └close_on_spot→ closed (the reporting worker, minor categories)     reopen (centre) → accepted

Extensions (request / approve / deny) keep the status and move the due time.
Overdue is never stored: it is ``services.deadlines``' reading of ``due_at``.
"""

import json
from dataclasses import dataclass, field
from datetime import timedelta

from ..models import Category, Ticket, TicketEvent, db, utcnow
from ..models.base import N_
from ..models.ticket import SATISFACTION
from . import audit, deadlines, photos, points, scope, tally, tickets
from .errors import Label, RuleError

REOPEN_DAYS = 15  # a closed ticket can be reopened this long after closing

STAFF = frozenset({"admin", "centre", "secretary"})
COMMAND = frozenset({"admin", "centre"})
VERIFIERS = STAFF | {"worker"}
OPEN_HANDLING = ("dispatched", "in_progress")

CONFLICT = N_("Someone else has just changed this ticket; reload it and try again.")


@dataclass(frozen=True)
class Step:
    sources: tuple  # statuses the step starts from
    target: str | None  # the status it leads to (None: unchanged)
    roles: frozenset = frozenset()  # roles that may take it (besides the handler, below)
    handler: bool = False  # the assigned department or worker takes it
    note_required: bool = False
    extra: tuple = field(default=())  # other fields it needs


STEPS = {
    "accept": Step(("reported",), "accepted", STAFF),
    "reject": Step(("reported",), "rejected", STAFF, note_required=True),
    "dispatch": Step(("accepted",), "dispatched", COMMAND, extra=("department", "assignee")),
    "start": Step(("dispatched",), "in_progress", frozenset({"admin"}), handler=True),
    "handle": Step(OPEN_HANDLING, "handled", frozenset({"admin"}), handler=True, note_required=True,
                   extra=("photos",)),
    "verify": Step(("handled",), "closed", VERIFIERS),
    "return": Step(("handled",), "dispatched", VERIFIERS, note_required=True),
    "request_extension": Step(OPEN_HANDLING, None, frozenset({"admin"}), handler=True, note_required=True,
                              extra=("due_at",)),
    "approve_extension": Step(OPEN_HANDLING, None, COMMAND),
    "deny_extension": Step(OPEN_HANDLING, None, COMMAND),
    "close_on_spot": Step(("reported",), "closed", frozenset({"worker"}), note_required=True, extra=("photos",)),
    "rate": Step(("closed",), "rated", STAFF, extra=("satisfaction",)),
    "merge": Step(("reported", "accepted"), "merged", STAFF, extra=("target",)),
    "reopen": Step(("closed", "rated"), "accepted", COMMAND, note_required=True),
}
ACTIONS = tuple(STEPS)


def is_handler(ticket, actor):
    """The department or grid worker the ticket is dispatched to."""
    if actor.role == "department":
        return actor.department_id is not None and ticket.department_id == actor.department_id
    if actor.role == "worker":
        return actor.worker_id is not None and ticket.assignee_id == actor.worker_id
    return False


def refusal(ticket, action, actor, now=None, in_scope=None):
    """Why ``actor`` may not take ``action`` on ``ticket`` now, as a RuleError
    (not raised), or None if they may. Fields are checked later, by the step.
    ``in_scope``: whether the actor sees the ticket, when already known."""
    step = STEPS.get(action)
    if step is None:
        return RuleError(N_("Unknown step."))
    if in_scope is None:
        in_scope = actor is not None and scope.can_see(actor, ticket)
    if actor is None or not getattr(actor, "active", False) or not in_scope:
        return RuleError(N_("You cannot act on this ticket."))
    if not (actor.role in step.roles or (step.handler and is_handler(ticket, actor))):
        return RuleError(N_("Your role cannot take this step."))
    if ticket.status not in step.sources:
        return RuleError(N_("This step cannot be taken while the ticket is “%(status)s”."),
                         status=Label(dict(Ticket.status.choices).get(ticket.status, ticket.status)))
    return _state_refusal(ticket, action, actor, now or utcnow())


def _state_refusal(ticket, action, actor, now):
    """The rules beyond role and status."""
    pending = ticket.extension_due_at is not None
    if action == "request_extension" and pending:
        return RuleError(N_("An extension request is already waiting for a decision."))
    if action in ("approve_extension", "deny_extension") and not pending:
        return RuleError(N_("There is no extension request to decide."))
    if action in ("verify", "return") and is_handler(ticket, actor):
        return RuleError(N_("The handler cannot verify their own handling."))
    if action == "close_on_spot":
        if actor.worker_id is None or ticket.reporter_id != actor.worker_id:
            return RuleError(N_("Only the grid worker who reported it can close a ticket on the spot."))
        if not _category(ticket).self_closable:
            return RuleError(N_("Tickets of this category cannot be closed on the spot."))
    if action == "reopen" and ticket.closed_at and now - ticket.closed_at > timedelta(days=REOPEN_DAYS):
        return RuleError(N_("A ticket can only be reopened within %(days)s days of closing."), days=REOPEN_DAYS)
    return None


def available(ticket, actor, now=None):
    """The steps ``actor`` may take on ``ticket`` now, in workflow order."""
    in_scope = actor is not None and scope.can_see(actor, ticket)  # once, not once a step
    return [action for action in ACTIONS if refusal(ticket, action, actor, now, in_scope) is None]


def _category(ticket):
    return Category.get_by_id(ticket.category_id)


def _text(value):
    return (value or "").strip() or None


def report(ticket, actor, today, note=None, photo_files=(), storage_dir=None, address=None, tz="Asia/Shanghai"):
    """Save a new ticket (numbered, status "reported") with its first event,
    its photos and its audit entry, in one transaction (the caller's, when
    it has one: the form rolls back a report outside the user's scope).
    The dispatch rules are applied in the same transaction: an automatic
    one accepts and dispatches the ticket at once (``services.dispatch``);
    ``ticket.dispatch_decision`` says what they decided."""
    from . import dispatch  # it takes this module's steps

    tickets.ensure_counter(today)
    with db.atomic():
        ticket.status = "reported"
        ticket.version = 0
        tickets.save_ticket(ticket, True, today)
        if photo_files:
            photos.attach(ticket, "report", list(photo_files), storage_dir)
        _event(ticket, "report", actor, None, "reported", ticket.created_at, note, {})
        tally.apply(None, ticket, tz)
        audit.record("create", user=actor, address=address, obj=ticket, changes=audit.diff({}, audit.snapshot(ticket)))
        ticket.dispatch_decision = dispatch.apply(ticket, tz=tz, address=address)
    return ticket


def transition(ticket, action, actor, *, now=None, tz="Asia/Shanghai", address=None, storage_dir=None,
               on_spot_limit=points.ON_SPOT_DAILY_LIMIT, rule=None, **fields):
    """Take one step. Fields by step: ``note`` (a reason or the handling
    result), ``department`` / ``assignee`` (dispatch, exactly one),
    ``due_at`` (extension, naive UTC), ``satisfaction`` (rate), ``target``
    (merge: the ticket this one duplicates), ``photos`` (handle,
    close_on_spot: [(filename, bytes)]). ``rule``: the dispatch rule the
    system takes the step for, named in the step's event. Returns the updated
    ticket; raises RuleError, changing nothing, when the step is refused."""
    now = now or utcnow()
    refused = refusal(ticket, action, actor, now)
    if refused is not None:
        raise refused
    step = STEPS[action]
    note = _text(fields.get("note"))
    if step.note_required and not note:
        raise RuleError(N_("Please give a reason.") if action in ("reject", "return", "reopen", "request_extension")
                        else N_("Please describe the result."), field="note")
    changes, data = _changes(ticket, action, actor, now, tz, note, fields)
    if rule is not None:
        data = {**data, "rule": rule.name, "rule_id": rule.id}
    target = step.target or ticket.status
    before = audit.snapshot(ticket)
    with db.atomic():
        updated = (Ticket.update(status=target, version=Ticket.version + 1, **changes)
                   .where((Ticket.id == ticket.id) & (Ticket.version == ticket.version))
                   .execute())
        if updated != 1:
            raise RuleError(CONFLICT)
        counted = tally.snapshot(ticket)  # the row is ours now: what it contributed before the step
        from_status = ticket.status
        for name, value in changes.items():
            setattr(ticket, name, value)
        ticket.status, ticket.version = target, ticket.version + 1
        if fields.get("photos") and "photos" in step.extra:
            photos.attach(ticket, "handling", list(fields["photos"]), storage_dir)
        _event(ticket, action, actor, from_status, target, now, note, data)
        tally.apply(counted, ticket, tz)
        ticket.booked_points = _book_points(ticket, action, actor, now, note, tz, on_spot_limit)
        audit.record("update", user=actor, address=address, obj=ticket,
                     changes=audit.diff(before, audit.snapshot(ticket)))
    return ticket


def _changes(ticket, action, actor, now, tz, note, fields):
    """The ticket columns a step sets, and the particulars its event keeps."""
    if action == "dispatch":
        department, assignee = fields.get("department"), fields.get("assignee")
        if (department is None) == (assignee is None):
            raise RuleError(N_("Dispatch to a department or to a grid worker (one of them)."), field="department")
        if department is not None and not department.active:
            raise RuleError(N_("Department “%(name)s” is no longer active."), field="department", name=department.name)
        if assignee is not None and not scope.can_see(actor, assignee):
            raise RuleError(N_("You can only dispatch to grid workers within your own part of the grid."),
                            field="assignee")
        due = deadlines.due_time(_category(ticket), now, tz)
        return ({"department": department.id if department else None,
                 "assignee": assignee.id if assignee else None,
                 "dispatched_at": now, "due_at": due, "extension_due_at": None, "handled_at": None},
                {"department": str(department) if department else None,
                 "assignee": str(assignee) if assignee else None, "due_at": _iso(due)})
    if action == "handle":
        return {"resolution": note, "handled_at": now, "extension_due_at": None}, {}
    if action == "close_on_spot":
        return {"resolution": note, "handled_at": now, "closed_at": now}, {}
    if action == "verify":
        return {"closed_at": now}, {}
    if action == "return":
        return {"handled_at": None}, {}
    if action == "request_extension":
        due = fields.get("due_at")
        if due is None:
            raise RuleError(N_("Please give the new due time."), field="due_at")
        if due <= max(filter(None, (ticket.due_at, now))):
            raise RuleError(N_("The new due time must be later than the current one."), field="due_at")
        return {"extension_due_at": due}, {"due_at": _iso(due)}
    if action == "approve_extension":
        return ({"due_at": ticket.extension_due_at, "extension_due_at": None},
                {"due_at": _iso(ticket.extension_due_at), "was": _iso(ticket.due_at)})
    if action == "deny_extension":
        return {"extension_due_at": None}, {"due_at": _iso(ticket.extension_due_at)}
    if action == "rate":
        satisfaction = fields.get("satisfaction")
        if satisfaction not in dict(SATISFACTION):
            raise RuleError(N_("Please choose how satisfied the resident is."), field="satisfaction")
        return {"satisfaction": satisfaction, "rating_note": note}, {"satisfaction": satisfaction}
    if action == "merge":
        target = fields.get("target")
        if target is None or not scope.can_see(actor, target):
            raise RuleError(N_("Choose the ticket this one duplicates (by its number)."), field="target")
        if target.id == ticket.id or target.status in ("merged", "rejected") or target.duplicate_of_id == ticket.id:
            raise RuleError(N_("Ticket %(number)s cannot take duplicates."), field="target", number=target.number)
        return {"duplicate_of": target.id, "closed_at": now}, {"target": target.number}
    if action == "reopen":
        return ({"cycle": ticket.cycle + 1, "closed_at": None, "handled_at": None, "due_at": None, "dispatched_at": None,
                 "extension_due_at": None, "satisfaction": None, "rating_note": None}, {})
    return {}, {}


def _book_points(ticket, action, actor, now, note, tz, on_spot_limit):
    """The entries the step books (its ``ticket`` is already updated)."""
    if action == "verify":
        return points.book_close(ticket, actor.worker_id if actor.role == "worker" else None, now, tz)
    if action == "close_on_spot":
        return points.book_on_spot(ticket, now, tz, on_spot_limit)
    if action == "reopen":
        return points.reverse(ticket, now, note, cycle=ticket.cycle - 1, tz=tz)  # the cycle it closes
    return []


def _iso(value):
    return value.isoformat(sep=" ", timespec="seconds") if value is not None else None


def imported(ticket, actor):
    """A historical ticket's one event: brought in by an import, at the time
    it was created, already in the status it had (no steps are replayed)."""
    return _event(ticket, "import", actor, None, ticket.status, ticket.created_at, None, {})


def _event(ticket, action, actor, from_status, to_status, at, note, data):
    data = {k: v for k, v in data.items() if v is not None}
    return TicketEvent.create(
        ticket=ticket.id, at=at, user=actor.id if actor is not None else None,
        username=getattr(actor, "username", None), action=action, from_status=from_status,
        to_status=to_status, note=note,
        data=json.dumps(data, ensure_ascii=False) if data else None,
    )


def timeline(ticket):
    """The ticket's events, oldest first."""
    return ticket.events.order_by(TicketEvent.at, TicketEvent.id)
