"""The meeting loop (群众提事 → 网格议事 → 分类办事 → 闭环评事).

Each meeting item moves raised → discussed → in action (done within the
community, or turned into a ticket) → evaluated, one step at a time. Every
step checks the actor's role and scope and the item's state, runs in one
transaction, and moves the item with a conditional UPDATE (``WHERE id = ?
AND status = ?``): of two people acting on the same item at once, only one
succeeds. Each step writes an "update" entry to the audit log.
"""

from peewee import fn

from ..models import Category, MeetingItem, Source, Ticket, db, utcnow
from ..models.base import N_, choice_values
from ..models.meeting import MEETING_ITEM_STATUSES
from ..models.ticket import PRIORITIES, SATISFACTION
from . import audit, permissions, scope, workflow
from .errors import RuleError

VIEW = "meetingitem"
STATUSES = choice_values(MEETING_ITEM_STATUSES)
OPEN_STATUSES = ("raised", "discussed", "in_action")
CLOSED_TICKET_STATUSES = ("closed", "rated")
STEPS = ("discuss", "act_in_community", "to_ticket", "complete", "evaluate")
RACE = N_("Someone else has just changed this item; reload and try again.")


class Forbidden(RuleError):
    """The actor's role may not take the loop's steps (the web answers 403)."""


class OutOfScope(RuleError):
    """The item lies outside the actor's part of the grid (the web answers 404)."""


def may_act(actor):
    """May ``actor``'s role take the loop's steps at all?"""
    return permissions.allowed(actor, VIEW, permissions.EDIT)


def _guard(item, actor):
    if not may_act(actor):
        raise Forbidden(N_("You may not change meeting items."))
    if not scope.can_see(actor, item):
        raise OutOfScope(N_("This meeting item is outside your part of the grid."))


def _text(value):
    value = (value or "").strip()
    return value or None


def _move(item, actor, expected, changes, where=None, address=None, note=None):
    """The conditional UPDATE and its audit entry; call inside the step's
    transaction. ``expected`` is the status the actor saw."""
    query = MeetingItem.update(changes).where((MeetingItem.id == item.id) & (MeetingItem.status == expected))
    if where is not None:
        query = query.where(where)
    if query.execute() != 1:
        raise RuleError(RACE)
    before = audit.snapshot(item)
    for field, value in changes.items():
        setattr(item, field.name, value)
    logged = audit.diff(before, audit.snapshot(item))
    if note:
        logged["note"] = [None, note]
    audit.record("update", user=actor, address=address, obj=item, changes=logged)
    return item


def discuss(item, actor, resolution, discussion=None, address=None):
    """raised → discussed: the meeting agreed on a resolution (协商结果)."""
    _guard(item, actor)
    if item.status != "raised":
        raise RuleError("Only a raised item can be discussed.")
    resolution = _text(resolution)
    if resolution is None:
        raise RuleError("Enter the resolution the meeting agreed on.", field="resolution")
    changes = {MeetingItem.status: "discussed", MeetingItem.resolution: resolution}
    if _text(discussion) is not None:
        changes[MeetingItem.discussion] = _text(discussion)
    with db.atomic():
        return _move(item, actor, "raised", changes, address=address)


def act_in_community(item, actor, measures, responsible=None, deadline=None, address=None):
    """discussed → in action, done within the community (落实措施, 责任人, 完成期限)."""
    _guard(item, actor)
    if item.status != "discussed":
        raise RuleError("Only a discussed item can be put into action.")
    measures = _text(measures)
    if measures is None:
        raise RuleError("Enter the measures that carry the resolution out.", field="measures")
    changes = {MeetingItem.status: "in_action", MeetingItem.action_mode: "community",
               MeetingItem.measures: measures}
    if _text(responsible) is not None:
        changes[MeetingItem.responsible] = _text(responsible)
    if deadline is not None:
        changes[MeetingItem.deadline] = deadline
    with db.atomic():
        return _move(item, actor, "discussed", changes, address=address)


def _active(model, obj, field, message):
    pk = getattr(obj, "id", obj)
    found = model.get_or_none((model.id == pk) & (model.active == True))  # noqa: E712
    if found is None:
        raise RuleError(message, field=field)
    return found


def to_ticket(item, actor, category, source, today, priority="normal", address=None):
    """discussed → in action as a new ticket (分类办事), linked both ways:
    ``item.ticket`` and ``ticket.meeting_items``. ``today`` is the local day
    that numbers the ticket."""
    _guard(item, actor)
    if item.status != "discussed":
        raise RuleError("Only a discussed item can be put into action.")
    category = _active(Category, category, "category", N_("Choose an active category."))
    source = _active(Source, source, "source", N_("Choose an active source."))
    if priority not in choice_values(PRIORITIES):
        raise RuleError("Choose a priority.", field="priority")
    meeting = item.meeting
    description = "\n\n".join(text for text in (_text(item.resolution), _text(item.measures)) if text)
    ticket = Ticket(title=item.topic[:Ticket.title.max_length], description=description or None,
                    category=category, source=source, grid=meeting.grid_id, priority=priority)
    with db.atomic():
        ticket = workflow.report(ticket, actor, today, address=address)
        # A race rolls the new ticket back with the whole step.
        _move(item, actor, "discussed", {MeetingItem.status: "in_action", MeetingItem.action_mode: "ticket",
                                         MeetingItem.ticket: ticket.id}, address=address)
    item.__rel__["ticket"] = ticket
    return ticket


def complete(item, actor, note=None, address=None):
    """A community item in action is done: records ``done_at`` (the note goes
    to the audit log with it)."""
    _guard(item, actor)
    if item.status != "in_action" or item.action_mode != "community":
        raise RuleError("Only an item in action within the community can be marked done.")
    if item.done_at is not None:
        raise RuleError("This item is already marked done.")
    with db.atomic():
        return _move(item, actor, "in_action", {MeetingItem.done_at: utcnow()},
                     where=(MeetingItem.action_mode == "community") & MeetingItem.done_at.is_null(),
                     address=address, note=_text(note))


def _ticket_status(item):
    if item.ticket_id is None:
        return None
    return Ticket.select(Ticket.status).where(Ticket.id == item.ticket_id).scalar()


def ready_for_evaluation(item, ticket_status=None):
    """Done in the community, or its ticket closed (or rated)."""
    if item.status != "in_action":
        return False
    if item.action_mode == "community":
        return item.done_at is not None
    if item.action_mode == "ticket":
        status = ticket_status if ticket_status is not None else _ticket_status(item)
        return status in CLOSED_TICKET_STATUSES
    return False


def evaluate(item, actor, satisfaction, note=None, address=None):
    """in action → evaluated (闭环评事): satisfied, basically satisfied or
    dissatisfied, with a note; only once the action is done or the ticket closed."""
    _guard(item, actor)
    if item.status != "in_action":
        raise RuleError("Only an item in action can be evaluated.")
    if satisfaction not in choice_values(SATISFACTION):
        raise RuleError("Choose how satisfied people are.", field="satisfaction")
    with db.atomic():
        # Read the ticket inside the transaction: it is what the step relies on.
        if item.action_mode == "ticket" and _ticket_status(item) not in CLOSED_TICKET_STATUSES:
            raise RuleError("The item can be evaluated only once its ticket is closed.")
        if item.action_mode == "community" and item.done_at is None:
            raise RuleError("The item can be evaluated only once its action is done.")
        if item.action_mode == "community":
            where = MeetingItem.done_at.is_null(False)
        else:  # the ticket still closed as the item moves: one statement
            where = MeetingItem.ticket.in_(Ticket.select(Ticket.id).where(
                (Ticket.id == item.ticket_id) & Ticket.status.in_(CLOSED_TICKET_STATUSES)))
        return _move(item, actor, "in_action",
                     {MeetingItem.status: "evaluated", MeetingItem.satisfaction: satisfaction,
                      MeetingItem.evaluation: _text(note), MeetingItem.evaluated_at: utcnow()},
                     where=where, address=address)


def available_steps(item, actor, ticket_status=None):
    """The steps ``actor`` may take on ``item`` now (scope is the caller's
    business). ``ticket_status`` spares a query when the caller has it."""
    if not may_act(actor):
        return []
    if item.status == "raised":
        return ["discuss"]
    if item.status == "discussed":
        return ["act_in_community", "to_ticket"]
    if item.status == "in_action":
        if item.action_mode == "community" and item.done_at is None:
            return ["complete"]
        if ready_for_evaluation(item, ticket_status):
            return ["evaluate"]
    return []


def progress(meeting_ids):
    """{meeting id: {status: count}} in one grouped query; every status present."""
    ids = list(meeting_ids)
    result = {mid: dict.fromkeys(STATUSES, 0) for mid in ids}
    if not ids:
        return result
    rows = (MeetingItem.select(MeetingItem.meeting, MeetingItem.status, fn.COUNT(MeetingItem.id))
            .where(MeetingItem.meeting.in_(ids))
            .group_by(MeetingItem.meeting, MeetingItem.status)
            .tuples())
    for meeting_id, status, count in rows:
        result[meeting_id][status] = count
    return result


def open_items(actor, query=None):
    """Items not yet evaluated, across meetings, within ``actor``'s scope."""
    query = query if query is not None else MeetingItem.select()
    return scope.restrict(query, MeetingItem, actor).where(MeetingItem.status.in_(OPEN_STATUSES))
