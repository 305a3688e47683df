"""The audit log (操作日志): who did what, when, from where, before → after."""

import json
from datetime import date, datetime
from decimal import Decimal

from ..models import AuditLog

# Never written to the log, not even as "changed".
SECRET_FIELDS = frozenset({"password_hash", "password"})


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return f"<{len(value)} bytes>"  # a photo: its size, not its bytes
    return value


def snapshot(obj):
    """The record's stored values (foreign keys as ids), secrets left out."""
    return {name: _plain(value) for name, value in obj.__data__.items() if name not in SECRET_FIELDS}


def diff(before, after):
    """{field: [before, after]} for every field that changed."""
    keys = [k for k in after if k != "id"] + [k for k in before if k not in after and k != "id"]
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def record(action, user=None, address=None, obj=None, changes=None, username=None):
    """Append one row. Call inside the transaction of the change it records."""
    return AuditLog.create(
        user=user.id if user is not None and getattr(user, "id", None) else None,
        username=username or (getattr(user, "username", None) if user is not None else None),
        address=address,
        action=action,
        model=type(obj).__name__ if obj is not None else None,
        record_id=getattr(obj, "id", None) if obj is not None else None,
        changes=json.dumps(changes, ensure_ascii=False, sort_keys=True) if changes else None,
    )


def history(model_name, record_id):
    return (AuditLog.select()
            .where((AuditLog.model == model_name) & (AuditLog.record_id == record_id))
            .order_by(AuditLog.at.desc(), AuditLog.id.desc()))


def changed_since(model_name, record_id, version):
    """What happened to a record after it was read at ``version``: (the last
    change's entry or None, the names of the fields changed since, deleted?).
    Every save bumps the version and logs ``version: [before, after]``, so
    the entries since are those whose before is at least ``version``."""
    latest, fields, deleted = None, set(), False
    for entry in history(model_name, record_id).limit(50):
        changes = json.loads(entry.changes) if entry.changes else {}
        if entry.action == "delete":
            latest, deleted = latest or entry, True
            continue
        before = (changes.get("version") or [None])[0]
        if version is not None and (before is None or before < version):
            break
        latest = latest or entry
        fields.update(name for name in changes if name != "version")
    return latest, sorted(fields), deleted
