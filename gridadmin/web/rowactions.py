"""List row actions rendered once per page instead of once per row.

Flask-Admin renders the view / edit / delete buttons of every row through
Jinja macros: three URL builds, a delete form with its CSRF field and a few
translations per row, about a third of a 20-row list page. Their HTML
differs between rows only in the row's id, so :class:`OncePerPage` renders
the wrapped action once, for a placeholder id, and swaps each row's id in.
The markup is exactly Flask-Admin's (a test compares the two).

Only Flask-Admin's own actions are wrapped, and only integer ids take the
fast path: a custom action may show anything about its row.
"""

from types import SimpleNamespace

from flask_admin.model import template
from jinja2 import pass_context
from markupsafe import Markup

# Letters and digits only: unchanged by URL quoting and HTML escaping.
PLACEHOLDER = "R0wId7fQ3xZ9"
STANDARD = (template.ViewRowAction, template.ViewPopupRowAction, template.EditRowAction,
            template.EditPopupRowAction, template.DeleteRowAction)


class OncePerPage:
    """Wraps one of Flask-Admin's row actions for one request's page."""

    def __init__(self, action, pk_name="id"):
        self.action = action
        self.title = action.title
        self.pk_name = pk_name
        self._parts = None

    @pass_context
    def render_ctx(self, context, row_id, row):
        if not isinstance(row_id, int) or isinstance(row_id, bool):
            return self.action.render_ctx(context, row_id, row)
        if self._parts is None:
            stand_in = SimpleNamespace(**{self.pk_name: PLACEHOLDER})
            html = str(self.action.render(context, PLACEHOLDER, stand_in))
            self._parts = html.split(PLACEHOLDER)
        return Markup(str(row_id).join(self._parts))


def once_per_page(actions, pk_name="id"):
    """The standard actions wrapped; any other action left as it is."""
    return [OncePerPage(a, pk_name) if type(a) in STANDARD else a for a in actions]

