"""Shared model base: the database proxy, UTC timestamps and choice helpers.

Models know nothing of Flask. Human labels are English msgids marked with
``N_`` so Babel extracts them; the web layer translates them.
"""

from datetime import UTC, datetime

from peewee import DatabaseProxy, Model

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
