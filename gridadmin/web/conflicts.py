"""The message for a save, delete or bulk action refused because someone
else changed the record first: who, when, and which fields, in the user's
language, with a link to the record as it is now."""

from flask import url_for
from flask_babel import gettext
from markupsafe import Markup

from ..models import User
from ..services import audit


def _who(entry):
    if entry is None:
        return gettext("Someone else")
    user = User.get_or_none(User.id == entry.user_id) if entry.user_id else None
    return str(user) if user is not None else (entry.username or gettext("Someone else"))


def message(error, view, saving=True):
    """The refusal of a stale save (``saving``) or delete/bulk action (``StaleRecord``)."""
    from .base import format_local_datetime

    obj = error.obj
    entry, fields, deleted = audit.changed_since(type(obj).__name__, obj._pk, error.read_version)
    if deleted:
        text = gettext("%(who)s deleted this record at %(time)s, after you opened it.",
                       who=_who(entry), time=format_local_datetime(entry.at))
        return text + " " + gettext("Nothing was saved.") if saving else text
    if entry is None:
        text = gettext("Someone else changed this record after you opened it.")
    else:
        text = gettext("%(who)s changed this record at %(time)s, after you opened it.",
                       who=_who(entry), time=format_local_datetime(entry.at))
    if saving:
        text = gettext("Your changes were not saved: %(reason)s", reason=text)
    if fields:
        labels = gettext(", ").join(str(view.get_column_name(name)) for name in fields)
        text += " " + gettext("Changed meanwhile: %(fields)s.", fields=labels)
    if saving:
        text += " " + gettext("Your input is still on the form. Open the current record, then make your changes "
                              "there.")
    url = url_for(f"{view.endpoint}.details_view", id=obj._pk)
    return Markup('{} <a href="{}" target="_blank" rel="noopener">{}</a>').format(
        text, url, gettext("Open the current record"))
