"""The message for a save or delete refused because someone else changed
the record first: who, when, and which fields, in the user's language."""

from flask import url_for
from flask_babel import gettext
from markupsafe import Markup

from ..models import User
from ..services import audit
from .labels import FIELD_LABELS


def _who(entry):
    if entry is None:
        return gettext("Someone else")
    user = User.get_or_none(User.id == entry.user_id) if entry.user_id else None
    return str(user) if user is not None else (entry.username or gettext("Someone else"))


def message(error, view=None):
    """The refusal of a stale save or delete (``StaleRecord``)."""
    from .base import format_local_datetime

    obj = error.obj
    entry, fields, deleted = audit.changed_since(type(obj).__name__, obj._pk, error.read_version)
    if deleted:
        return gettext("%(who)s deleted this record at %(time)s, after you opened it. Nothing was saved.",
                       who=_who(entry), time=format_local_datetime(entry.at))
    label = (lambda name: str(view.get_column_name(name))) if view is not None else \
        (lambda name: str(FIELD_LABELS.get(name, name)))
    text = gettext("Your changes were not saved: %(who)s changed this record at %(time)s, after you opened it.",
                   who=_who(entry), time=format_local_datetime(entry.at)) if entry is not None else \
        gettext("Your changes were not saved: someone else changed this record after you opened it.")
    if fields:
        text += " " + gettext("Changed meanwhile: %(fields)s.", fields=gettext(", ").join(label(f) for f in fields))
    text += " " + gettext("Your input is still on the form. Open the current record, then make your changes there.")
    if view is None or deleted:
        return text
    url = url_for(f"{view.endpoint}.edit_view", id=obj._pk)
    return Markup('{} <a href="{}" target="_blank" rel="noopener">{}</a>').format(
        text, url, gettext("Open the current record"))
