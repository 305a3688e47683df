"""The getting-started checklist on an administrator's home page, and loading
the demo district from there (services.setup holds the rules)."""

from flask import abort, flash, redirect, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext
from flask_login import current_user

from ..services import setup
from ..services.errors import RuleError
from .base import rule_message

DEMO_TICKETS = 2000
DEMO_GRIDS = 40


def getting_started():
    """What the checklist template shows: None once the install has grids."""
    if not current_user.is_authenticated or current_user.role != "admin" or not setup.needs_checklist():
        return None
    steps = [{**step, "url": url_for(step["endpoint"], **step["args"])} for step in setup.checklist()]
    return {"steps": steps, "may_load_demo": not setup.holds_own_records()}


class SetupView(BaseView):
    """No menu entry: the checklist's "load the demo district" button posts here."""

    def is_accessible(self):
        return current_user.is_authenticated and current_user.role == "admin"

    def is_visible(self):
        return False

    def inaccessible_callback(self, name, **kwargs):
        abort(403)

    @expose("/")
    def index(self):
        return redirect(url_for("admin.index"))

    @expose("/demo/", methods=("POST",))
    def demo_view(self):
        from ..services import demo

        if setup.holds_own_records():
            flash(gettext("The demo district can only be loaded into a database without records of its own."),
                  "error")
            return redirect(url_for("admin.index"))
        try:
            demo.seed(tickets=DEMO_TICKETS, grids=DEMO_GRIDS)
        except RuleError as error:
            flash(rule_message(error), "error")
        else:
            flash(gettext("The demo district has been loaded. Its users (demo_admin, demo_centre, …) have the "
                          "password %(password)s.", password=demo.DEMO_PASSWORD), "success")
        return redirect(url_for("admin.index"))


def init_app(app, admin):
    admin.add_view(SetupView(name="setup", endpoint="setup", url="setup"))
    app.jinja_env.globals["gridadmin_getting_started"] = getting_started
