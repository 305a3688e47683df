"""Error pages in the user's language: a missing record, a refused page or an
expired form is a screen people read too, not Werkzeug's English."""

from flask import render_template
from flask_babel import gettext
from flask_wtf.csrf import CSRFError

from ..models.base import N_

MESSAGES = {
    400: N_("The request could not be understood."),
    403: N_("You do not have permission to open this page."),
    404: N_("The page or record does not exist, or lies outside your part of the grid."),
    405: N_("This page cannot be opened that way."),
}
EXPIRED = N_("The form has expired or did not come from this site: go back, reload the page and try again.")


def _page(code, message):
    return render_template("error.html", code=code, message=message), code


def http_error(error):
    return _page(error.code, gettext(MESSAGES[error.code]))


def csrf_error(error):
    return _page(400, gettext(EXPIRED))


def init_app(app):
    for code in MESSAGES:
        app.register_error_handler(code, http_error)
    app.register_error_handler(CSRFError, csrf_error)  # more specific than 400: registered after it
