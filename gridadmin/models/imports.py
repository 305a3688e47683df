"""The import log (导入记录): who imported which file, when, and what it did."""

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from .base import BaseModel, utcnow
from .user import User


class ImportLog(BaseModel):
    """One confirmed import. ``created_ids`` keeps the ids of the rows it
    created, by model, as JSON ranges (``{"Grid": [[1, 664000]]}``), so the
    import can be undone while nothing refers to them; ``undone_at`` is set
    when it was."""

    at = DateTimeField(default=utcnow, index=True)
    user = ForeignKeyField(User, null=True, backref="imports", on_delete="RESTRICT")
    username = CharField(max_length=64, null=True)
    model = CharField(max_length=32, index=True)
    file_name = CharField(max_length=255)
    created = IntegerField(default=0)
    updated = IntegerField(default=0)
    unchanged = IntegerField(default=0)
    created_ids = TextField(null=True)
    undone_at = DateTimeField(null=True)
    undone_by = CharField(max_length=64, null=True)

    def __str__(self):
        return f"{self.model} {self.file_name}"
