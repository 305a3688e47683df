"""工作日历: the days that differ from the default week (public holidays off,
调休 make-up workdays on), one by one or a year's worth typed as lines."""

from datetime import date

from babel.dates import format_skeleton
from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.peewee.filters import BasePeeweeFilter, BooleanEqualFilter
from flask_admin.menu import MenuLink
from flask_babel import get_locale, lazy_gettext, ngettext
from flask_login import current_user
from wtforms import BooleanField, TextAreaField

from ...models import CalendarDay
from ...services import deadlines, permissions
from ...services.errors import RuleError
from ..auth import client_address
from ..base import BaseModelView, rule_message
from ..filters import DateRangeFilter
from ..forms import AdminForm
from ..labels import FIELD_LABELS


class YearFilter(BasePeeweeFilter):
    """Days of one calendar year, typed as 2026."""

    def __init__(self, name):
        super().__init__(CalendarDay.day, name)

    def validate(self, value):
        return value.strip().isdigit() and 1900 <= int(value) <= 2100

    def apply(self, query, value):
        year = int(value)
        return query.where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)))

    def operation(self):
        return lazy_gettext("equals")


def _day(view, context, model, name):
    # With the weekday, so a make-up Saturday or a typo shows at a glance.
    return format_skeleton("yMMMEd", model.day, locale=get_locale())


class BulkForm(AdminForm):
    lines = TextAreaField(
        lazy_gettext("Days"),
        render_kw={"rows": 12, "placeholder": "2026-10-01..2026-10-08 国庆节\n+2026-10-10 国庆节调休"},
        description=lazy_gettext(
            "One date or range a line: 2026-10-01 or 2026-10-01..2026-10-08, then the holiday's name. "
            "A line starting with + is a make-up workday. Days already in the calendar are overwritten."))
    workday = BooleanField(
        lazy_gettext("All are make-up workdays"),
        description=lazy_gettext("Leave unticked for days off (public holidays)."))


class CalendarDayView(BaseModelView):
    simple_list_pager = False  # a few dozen rows a year
    column_list = ("day", "workday", "name")
    column_searchable_list = ("name",)
    column_sortable_list = ("day", "workday", "name")
    column_default_sort = ("day", True)
    column_formatters = {"day": _day}
    column_formatters_export = {"day": lambda view, context, model, name: model.day.isoformat()}
    column_filters = (
        YearFilter(lazy_gettext("Year")),
        DateRangeFilter(CalendarDay.day, FIELD_LABELS["day"]),
        BooleanEqualFilter(CalendarDay.workday, FIELD_LABELS["workday"]),
    )
    form_columns = ("day", "workday", "name")
    form_args = {
        "workday": {"description": lazy_gettext(
            "Ticked: a make-up workday (调休), e.g. a Saturday worked. Unticked: a day off, e.g. a public "
            "holiday. Saturdays and Sundays are off and other days are workdays unless listed here.")},
        "name": {"description": lazy_gettext("The holiday, e.g. 国庆节.")},
    }

    def __init__(self, **kwargs):
        super().__init__(CalendarDay, **kwargs)

    @expose("/bulk/", methods=("GET", "POST"))
    def bulk_view(self):
        """Many days at once: what an administrator types from the State
        Council's yearly holiday notice."""
        if not (self.has_permission(permissions.CREATE) and self.has_permission(permissions.EDIT)):
            abort(403)
        form = BulkForm()
        if form.validate_on_submit():
            try:
                entries = deadlines.parse_calendar(form.lines.data, workday=form.workday.data)
                count = deadlines.save_calendar(entries, actor=current_user._get_current_object(),
                                                address=client_address())
            except RuleError as error:
                message = rule_message(error)
                form.lines.errors = [*form.lines.errors, message]
                flash(message, "error")
            else:
                flash(ngettext("%(num)s day saved in the calendar.", "%(num)s days saved in the calendar.", count),
                      "success")
                if "_add_another" in request.form or "_continue_editing" in request.form:
                    return redirect(url_for(".bulk_view"))
                return redirect(url_for(".index_view"))
        return self.render(self.create_template, form=form, form_opts=None, return_url=url_for(".index_view"))


class CalendarBulkLink(MenuLink):
    """A year's holidays typed at once, for those who may add and change days."""

    def __init__(self, name, view, category=None):
        super().__init__(name, category=category)
        self.view = view

    def get_url(self):
        return url_for(f"{self.view.endpoint}.bulk_view")

    def is_accessible(self):
        return current_user.is_authenticated and all(
            self.view.has_permission(action) for action in (permissions.CREATE, permissions.EDIT))
