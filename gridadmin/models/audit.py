"""Append-only records: the audit log (操作日志) and the login log."""

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from .base import N_, BaseModel, utcnow
from .user import User

AUDIT_ACTIONS = (
    ("create", N_("Create")),
    ("update", N_("Update")),
    ("delete", N_("Delete")),
    ("login", N_("Log in")),
    ("logout", N_("Log out")),
    ("export", N_("Export")),
    ("password", N_("Password change")),
    ("end_sessions", N_("End sessions")),
    ("import", N_("Import")),
    ("undo_import", N_("Undo import")),
)
LOGIN_RESULTS = (
    ("ok", N_("Success")),
    ("bad_password", N_("Wrong username or password")),
    ("locked", N_("Account locked")),
    ("inactive", N_("Account disabled")),
)


class AppendOnly(BaseModel):
    """Rows are written once: updating or deleting one raises."""

    def save(self, force_insert=False, only=None):
        if self.id is not None and not force_insert:
            raise PermissionError(f"{type(self).__name__} is append-only")
        return super().save(force_insert=force_insert, only=only)

    def delete_instance(self, *args, **kwargs):
        raise PermissionError(f"{type(self).__name__} is append-only")


class AuditLog(AppendOnly):
    at = DateTimeField(default=utcnow, index=True)
    user = ForeignKeyField(User, null=True, backref="audit_entries", on_delete="RESTRICT")
    username = CharField(max_length=64, null=True)
    address = CharField(max_length=64, null=True)
    action = CharField(max_length=16, choices=AUDIT_ACTIONS, index=True)
    model = CharField(max_length=32, null=True)
    record_id = IntegerField(null=True)
    # JSON: {field: [before, after]} (never a password or its hash).
    changes = TextField(null=True)

    class Meta:
        indexes = ((("model", "record_id"), False),)


class LoginAttempt(AppendOnly):
    at = DateTimeField(default=utcnow, index=True)
    username = CharField(max_length=64, index=True)
    address = CharField(max_length=64, index=True)
    success = BooleanField(default=False)
    result = CharField(max_length=16, choices=LOGIN_RESULTS)
