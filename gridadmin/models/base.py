"""Shared model base: the database proxy, UTC timestamps and choice helpers.

Models know nothing of Flask. Human labels are English msgids marked with
``N_`` so Babel extracts them; the web layer translates them.
"""

from datetime import UTC, datetime

from peewee import SQL, DatabaseProxy, IntegerField, Model

db = DatabaseProxy()


def N_(message):
    """Mark a string for extraction without translating it here."""
    return message


def utcnow():
    """Naive UTC now: every stored time is UTC, shown in the configured zone."""
    return datetime.now(UTC).replace(tzinfo=None)


def choice_values(choices):
    return [value for value, _label in choices]


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class StaleRecord(Exception):
    """A save or delete found the record changed (or gone) since it was
    read at ``read_version``: nothing was written."""

    def __init__(self, obj, read_version):
        super().__init__(f"{type(obj).__name__} {obj._pk} changed since version {read_version}")
        self.obj = obj
        self.read_version = read_version


class VersionedModel(BaseModel):
    """A record people edit, with optimistic concurrency built into save().

    ``version`` is the version the object was read at (or, for a form, the
    one the form was rendered at). Updating writes only the fields assigned
    since (``_dirty``; see ``keep_changes``) and bumps the version, in one
    ``UPDATE … WHERE id = ? AND version = ?``: when someone else saved in
    between, no row matches, nothing is written and StaleRecord is raised.
    Two app servers, or two threads, can never both save over one version.
    """

    # A default in the database too: rows inserted by plain SQL (bulk seeding,
    # imports) start at 0 like any other.
    version = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])

    def keep_changes(self, before):
        """Mark dirty only the fields whose value differs from ``before``
        (``__data__`` as read): assigning an unchanged value writes nothing."""
        self._dirty = {name for name in self._dirty if self.__data__.get(name) != before.get(name)}

    def save(self, force_insert=False, only=None):
        if force_insert or self._pk is None:
            return super().save(force_insert=force_insert, only=only)
        model = type(self)
        names = [f if isinstance(f, str) else f.name for f in only] if only is not None else list(self._dirty)
        data = {name: self.__data__[name] for name in names
                if name in self.__data__ and name not in (model._meta.primary_key.name, "version")}
        read = self.version
        current = (model._meta.primary_key == self._pk) & (model.version == read)
        if not data:  # nothing changed: no write, but a stale copy is still refused
            if not model.select(model._meta.primary_key).where(current).exists():
                raise StaleRecord(self, read)
            return 0
        updated = model.update(**data, version=model.version + 1).where(current).execute()
        if updated != 1:
            raise StaleRecord(self, read)
        self.version = read + 1
        self._dirty -= set(data) | {"version"}
        return updated
