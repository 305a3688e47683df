"""Saving and deleting records safely: atomic, and never a silent cascade."""

from ..models import Meeting, MeetingItem, Ticket, TicketEvent, TicketPhoto, db
from . import audit
from .errors import InUse, RuleError

# Parts that belong to their parent and go with it (a meeting's items, a
# ticket's timeline and photos). Everything else that refers to a record
# blocks its deletion (a ticket with points booked, or linked to a meeting item).
OWNED_PARTS = {Meeting: [MeetingItem.meeting], Ticket: [TicketEvent.ticket, TicketPhoto.ticket]}


def references(obj):
    """[(model, count)] of the records that refer to ``obj`` and would block
    its deletion. Keys declared ON DELETE SET NULL do not block."""
    model = type(obj)
    owned = OWNED_PARTS.get(model, [])
    found = []
    for field in model._meta.backrefs:
        if field in owned or field.on_delete == "SET NULL":
            continue
        count = field.model.select().where(field == obj.id).count()
        if count:
            found.append((field.model, count))
    return found


def _audited_delete(obj, actor, address):
    audit.record("delete", user=actor, address=address, obj=obj, changes=audit.diff(audit.snapshot(obj), {}))
    obj.delete_instance()


def delete_record(obj, actor=None, address=None):
    """Delete ``obj`` and its owned parts, or raise InUse. Atomic, and each
    deleted row goes to the audit log with what it held."""
    model = type(obj)
    with db.atomic():
        blocking = references(obj)
        if blocking:
            raise InUse(obj, blocking)
        for field in model._meta.backrefs:
            if field.on_delete == "SET NULL":
                field.model.update({field: None}).where(field == obj.id).execute()
        for field in OWNED_PARTS.get(model, []):
            for part in field.model.select().where(field == obj.id):
                _audited_delete(part, actor, address)
        _audited_delete(obj, actor, address)


def delete_records(objs, actor=None, address=None):
    """Delete all or none: the first record in use stops the whole batch."""
    with db.atomic():
        for obj in objs:
            delete_record(obj, actor, address)
    return len(objs)


def check_unique(obj):
    """Refuse a value a unique column already holds, naming the field."""
    model = type(obj)
    for field in model._meta.sorted_fields:
        if not field.unique or field.primary_key:
            continue
        value = getattr(obj, field.name)
        if value is None:
            continue
        query = model.select().where(field == value)
        if obj.id is not None:
            query = query.where(model.id != obj.id)
        if query.exists():
            raise RuleError("“%(value)s” is already used.", field=field.name, value=value)
