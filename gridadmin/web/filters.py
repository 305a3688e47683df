"""List filters that Flask-Admin's peewee backend lacks: a grid subtree,
lookup tables as drop-downs, and local-date ranges over UTC times."""

from datetime import datetime, time, timedelta

from flask import current_app, has_request_context
from flask_admin.contrib.peewee.filters import BasePeeweeFilter
from flask_admin.model.filters import BaseDateBetweenFilter
from flask_babel import lazy_gettext
from peewee import SQL

from ..services import clock, grids


class GridSubtreeFilter(BasePeeweeFilter):
    """Rows whose grid (``column``, a key to Grid or Grid.id itself) is the
    named grid or lies below it. The grid is named by its code or name."""

    def __init__(self, column, name):
        super().__init__(column, name)

    def apply(self, query, value):
        grid = grids.find_grid(value)
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
        return [(str(r.id), r.name) for r in rel.select().order_by(rel.sort_order, rel.id)]

    def validate(self, value):
        return value.isdigit()

    def apply(self, query, value):
        return query.where(self.column == int(value))

    def operation(self):
        return lazy_gettext("equals")


class LocalDateRangeFilter(BasePeeweeFilter, BaseDateBetweenFilter):
    """A range of local dates over a UTC time column."""

    def __init__(self, column, name):
        super().__init__(column, name, data_type="daterangepicker")

    def apply(self, query, value):
        start, end = value
        tz = current_app.config["TIMEZONE"]
        lower = clock.to_utc(datetime.combine(start, time.min), tz)
        upper = clock.to_utc(datetime.combine(end + timedelta(days=1), time.min), tz)
        return query.where((self.column >= lower) & (self.column < upper))
