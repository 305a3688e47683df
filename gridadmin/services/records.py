"""Saving and deleting records safely: atomic, and never a silent cascade."""

from ..models import Grid, GridBoundary, Meeting, MeetingItem, Ticket, TicketEvent, TicketPhoto, db
from ..models.base import StaleRecord
from . import audit
from .errors import InUse, RuleError

# Parts that belong to their parent and go with it (a meeting's items, a
# ticket's timeline and photos, a grid's boundary). Everything else that refers
# to a record blocks its deletion (a ticket with points booked, or linked to a
# meeting item).
OWNED_PARTS = {Meeting: [MeetingItem.meeting], Ticket: [TicketEvent.ticket, TicketPhoto.ticket],
               Grid: [GridBoundary.grid]}


def references(obj):
    """[(model, count)] of the records that refer to ``obj`` and would block
    its deletion. Keys declared ON DELETE SET NULL do not block."""
    model = type(obj)
    owned = OWNED_PARTS.get(model, [])
    found = []
    for field in model._meta.backrefs:
        # SET NULL keys let go; CASCADE ones are the record's own machinery
        # (a user's login sessions), never people's records.
        # By identity: ``field in owned`` compares with ==, which on peewee
        # fields builds an SQL expression (always true), not a comparison.
        if any(field is part for part in owned) or field.on_delete in ("SET NULL", "CASCADE"):
            continue
        count = field.model.select().where(field == obj.id).count()
        if count:
            found.append((field.model, count))
    return found


def _audited_delete(obj, actor, address, read_version=None):
    """Delete one row, refusing (StaleRecord) when it changed since it was
    read at ``read_version`` (a versioned record) or is already gone."""
    model = type(obj)
    where = model._meta.primary_key == obj._pk
    if read_version is not None and hasattr(model, "version"):
        where &= model.version == read_version
    if model.delete().where(where).execute() != 1:
        raise StaleRecord(obj, read_version)
    audit.record("delete", user=actor, address=address, obj=obj, changes=audit.diff(audit.snapshot(obj), {}))


def delete_record(obj, actor=None, address=None, read_version=None):
    """Delete ``obj`` and its owned parts, or raise InUse. Atomic, and each
    deleted row goes to the audit log with what it held. With
    ``read_version``, a record changed since then is not deleted (StaleRecord)."""
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
        _audited_delete(obj, actor, address, read_version)


def delete_records(objs, actor=None, address=None, read_versions=None):
    """Delete all or none: the first record in use, or changed since it was
    read (``read_versions``: {id: version}), stops the whole batch."""
    read_versions = read_versions or {}
    with db.atomic():
        for obj in objs:
            delete_record(obj, actor, address, read_versions.get(obj.id))
    return len(objs)


def save(obj, is_created):
    """Insert, or update the fields assigned since the record was read,
    under its version check (VersionedModel.save raises StaleRecord)."""
    check_unique(obj)
    if is_created and hasattr(obj, "version"):
        obj.version = 0
    obj.save(force_insert=is_created)
    return obj


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


def lock(model, pk):
    """Hold ``model``'s row ``pk`` until the transaction ends, so that a
    count-then-write by two people at once runs one after the other. On
    SQLite the transaction already holds the database's write lock."""
    if db.obj.for_update:
        model.select(model._meta.primary_key).where(model._meta.primary_key == pk).for_update().execute()
