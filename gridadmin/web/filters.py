"""List filters that Flask-Admin's peewee backend lacks: a grid subtree,
lookup tables as drop-downs, and local-date ranges over UTC times."""

import re
from datetime import datetime, time, timedelta

from flask import current_app, has_request_context
from flask_admin.contrib.peewee import filters as pw_filters
from flask_admin.contrib.peewee.filters import BasePeeweeFilter
from flask_admin.model.filters import BaseDateBetweenFilter
from flask_babel import lazy_gettext
from peewee import SQL

from ..models import Grid
from ..services import clock, dates, grids
from .validators import parse_id


class GridSubtreeFilter(BasePeeweeFilter):
    """Rows whose grid (``column``, a key to Grid or Grid.id itself) is the
    named grid or lies below it. The grid is named by its code or name."""

    def __init__(self, column, name):
        super().__init__(column, name)

    def apply(self, query, value):
        grid = grids.find_grid(value, Grid.path)  # a list filter needs only its path
        if grid is None:
            return query.where(SQL("1 = 0"))
        return query.where(self.column.in_(grids.subtree_ids(grid)))

    def operation(self):
        return lazy_gettext("in (code or name, with lower levels)")


class LookupFilter(BasePeeweeFilter):
    """A foreign key to a small lookup table, as a drop-down of its rows."""

    def __init__(self, column, name):
        super().__init__(column, name)

    def get_options(self, view):
        # Read per request (the base view refreshes it): admins edit these tables.
        if not has_request_context():
            return None
        rel = self.column.rel_model
        rows = rel.select(rel.id, rel.name).order_by(rel.sort_order, rel.id).tuples()
        return [(str(pk), name) for pk, name in rows]

    def validate(self, value):
        return parse_id(value) is not None

    def apply(self, query, value):
        return query.where(self.column == parse_id(value))

    def operation(self):
        return lazy_gettext("equals")


class TypedDateRange:
    """A range of dates as typed (``2026-11-01 to 2026-11-30``, any of the
    forms services.dates reads, ``至`` or ``~`` between), within 1900–2100."""

    SEPARATOR = re.compile(r"\s+to\s+|\s*[至~～]\s*")

    def clean(self, value):
        parts = self.SEPARATOR.split((value or "").strip())
        if len(parts) != 2:
            raise ValueError(value)
        start, end = (dates.parse_date(part) for part in parts)
        if start is None or end is None or end < start:
            raise ValueError(value)
        return [start, end]

    def validate(self, value):
        try:
            self.clean(value)
        except ValueError:  # dates.OutOfRange too
            return False
        return True


class DateRangeFilter(TypedDateRange, pw_filters.DateBetweenFilter):
    """A range of dates over a date column."""


class LocalDateRangeFilter(TypedDateRange, BasePeeweeFilter, BaseDateBetweenFilter):
    """A range of local dates over a UTC time column."""

    def __init__(self, column, name):
        BasePeeweeFilter.__init__(self, column, name, data_type="daterangepicker")

    def apply(self, query, value):
        start, end = value
        tz = current_app.config["TIMEZONE"]
        lower = clock.to_utc(datetime.combine(start, time.min), tz)
        upper = clock.to_utc(datetime.combine(end + timedelta(days=1), time.min), tz)
        return query.where((self.column >= lower) & (self.column < upper))


class LiteralContains(pw_filters.FilterLike):
    """"Contains", with ``%`` and ``_`` taken literally (Flask-Admin's treats
    them as wildcards, and ``^`` or ``=`` in front as operators)."""

    def apply(self, query, value):
        return query.where(self.column.contains(value))


class LiteralNotContains(pw_filters.FilterNotLike):
    def apply(self, query, value):
        return query.where(~self.column.contains(value))


LITERAL_FILTERS = {pw_filters.FilterLike: LiteralContains, pw_filters.FilterNotLike: LiteralNotContains}
