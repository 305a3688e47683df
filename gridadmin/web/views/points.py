"""积分: the points ledger (read only, scoped) and the monthly ranking."""

import json

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.contrib.peewee.filters import BasePeeweeFilter
from flask_babel import format_decimal, gettext, lazy_gettext
from flask_login import current_user
from markupsafe import Markup
from wtforms import Form

from ...models import Grid, PointEntry, Worker
from ...models.grid import WORKER_POSTS
from ...services import clock, dates, grids, permissions, points, scope
from ..ajax import QueryLoader
from ..base import format_local_datetime, link
from ..filters import GridSubtreeFilter, LocalDateRangeFilter
from ..forms import AjaxSelect
from ..labels import FIELD_LABELS
from ..validators import parse_id
from .system import ReadOnlyLogView


class WorkerFilter(BasePeeweeFilter):
    """Entries of one worker, named by id (the worker page links here), name or mobile."""

    def __init__(self, name):
        super().__init__(PointEntry.worker, name)

    def apply(self, query, value):
        value = value.strip()
        match = (Worker.name == value) | (Worker.mobile == value)
        pk = parse_id(value)
        if pk is not None:
            match |= Worker.id == pk
        return query.where(PointEntry.worker.in_(Worker.select(Worker.id).where(match)))

    def operation(self):
        return lazy_gettext("is (ID, name or mobile)")


class WorkerGridFilter(GridSubtreeFilter):
    """The ledger has no grid of its own: the worker's grid, as a subquery
    (Flask-Admin would join Worker for ``Worker.grid``)."""

    def __init__(self, name):
        super().__init__(PointEntry.worker, name)

    def apply(self, query, value):
        grid = grids.find_grid(value, Grid.path)
        if grid is None:
            return query.where(scope.NOTHING)
        workers = Worker.select(Worker.id).where(Worker.grid.in_(grids.subtree_ids(grid)))
        return query.where(PointEntry.worker.in_(workers))


def _signed(view, context, model, name):
    return f"{model.points:+d}"


def _worker(view, context, model, name):
    return link("worker", model.worker)


def _ticket(view, context, model, name):
    return link("ticket", model.ticket) if model.ticket_id is not None else ""


class PointEntryView(ReadOnlyLogView):
    """积分流水: append-only, so read and export only; scoped to the workers
    the user sees."""

    column_list = ("at", "worker", "points", "reason", "ticket", "note")
    column_details_list = column_list
    column_export_list = column_list
    column_sortable_list = ("at",)
    # Entries booked together share a time: the id keeps pages stable.
    column_default_sort = [("at", True), ("id", True)]
    column_filters = (
        WorkerFilter(FIELD_LABELS["worker"]),
        WorkerGridFilter(FIELD_LABELS["within"]),
        PointEntry.reason,
        LocalDateRangeFilter(PointEntry.at, FIELD_LABELS["at"]),
    )
    column_formatters = {"points": _signed, "worker": _worker, "ticket": _ticket}
    column_formatters_export = {"points": _signed}  # times: the base view's local export format
    list_related_fields = {"worker": ("name",), "ticket": ("number",)}

    def __init__(self, **kwargs):
        super().__init__(PointEntry, **kwargs)

    # Belt and braces under the matrix (which grants no writes): the ledger
    # is only written by the points service.
    def create_model(self, form):
        abort(403)

    def update_model(self, form, model):
        abort(403)

    def delete_model(self, model):
        abort(403)

    def worker_url(self, worker_id):
        """This list filtered to one worker's entries."""
        index = next(i for i, flt in enumerate(self._filters) if isinstance(flt, WorkerFilter))
        return url_for(f"{self.endpoint}.index_view", **{f"flt0_{index}": worker_id})


def ledger_url(admin, worker_id):
    for view in admin._views:
        if isinstance(view, PointEntryView):
            return view.worker_url(worker_id)
    return None


def worker_balance(view, context, model, name):
    """The worker details page: their points, one SUM."""
    return format_decimal(points.balance(model.id))


def worker_history(view, context, model, name, limit=20):
    """The worker details page: the latest entries and a link to them all."""
    if not permissions.allowed(current_user, "pointentry", permissions.VIEW):
        return ""
    reasons = dict(PointEntry.reason.choices)
    rows = [Markup("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>").format(
        format_local_datetime(entry.at), f"{entry.points:+d}", gettext(reasons.get(entry.reason, entry.reason)),
        link("ticket", entry.ticket, entry.ticket.number) if entry.ticket_id is not None else "")
        for entry in points.history(model.id, limit=limit)]
    table = ""
    if rows:
        head = Markup("<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>").format(
            FIELD_LABELS["at"], FIELD_LABELS["points"], FIELD_LABELS["reason"], FIELD_LABELS["ticket"])
        table = Markup('<table class="table table-sm mb-1">{}<tbody>{}</tbody></table>').format(
            head, Markup("").join(rows))
    url = ledger_url(view.admin, model.id)
    more = Markup('<a href="{}">{}</a>').format(url, gettext("All entries")) if url else ""
    return Markup("{}{}").format(table, more)


# --- the monthly ranking ---------------------------------------------------



def _scoped_grids():
    return scope.visible(Grid, current_user._get_current_object())


GRID_LOADER = QueryLoader("grid", Grid, ("code", "name"), query=_scoped_grids,
                          placeholder=lazy_gettext("All grids"))


class RankingForm(Form):
    """Only renders the grid picker; the view reads and checks the arguments."""

    grid = AjaxSelect(GRID_LOADER, label=FIELD_LABELS["within"], allow_blank=True)


class RankingView(BaseView):
    """积分排行: workers by the points they earned in a month, in a subtree."""

    def is_accessible(self):
        return current_user.is_authenticated and permissions.allowed(current_user, "ranking", permissions.VIEW)

    def inaccessible_callback(self, name, **kwargs):
        if current_user.is_authenticated:
            abort(403)
        return redirect(url_for("auth.login", next=request.full_path))

    def _grid(self):
        """The chosen grid: none, or one in the user's scope (else 404)."""
        raw = request.args.get("grid", "").strip()
        if raw in ("", "__None"):
            return None
        pk = parse_id(raw)
        grid = _scoped_grids().where(Grid.id == pk).first() if pk is not None else None
        if grid is None:
            abort(404)
        return grid

    @expose("/")
    def index(self):
        tz = current_app.config["TIMEZONE"]
        this_month = clock.local_today(tz).replace(day=1)
        raw = request.args.get("month", "").strip()
        month = dates.parse_month(raw) if raw else this_month
        if month is None:
            flash(gettext("Enter the month as YYYY-MM; showing this month instead."), "error")
            month = this_month
        grid = self._grid()
        standings = points.ranking(month, grid=grid, user=current_user._get_current_object(), tz=tz)
        posts = {value: gettext(label) for value, label in WORKER_POSTS}
        return self.render("admin/ranking.html", standings=standings, month=month.strftime("%Y-%m"),
                           form=RankingForm(grid=grid), posts=posts)

    @expose("/ajax/lookup/")
    def ajax_lookup(self):
        """Grids in the user's scope for the picker, as Flask-Admin's select2 expects."""
        found = GRID_LOADER.get_list(request.args.get("query"), request.args.get("offset", 0, type=int),
                                     request.args.get("limit", 10, type=int))
        return Response(json.dumps([GRID_LOADER.format(g) for g in found]), mimetype="application/json")
